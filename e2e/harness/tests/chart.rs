//! The Helm chart (`charts/dbmigrate`): every documented combination of values rendered
//! (values.schema.json checked as helm checks it), its objects and RBAC asserted, validated
//! against the Kubernetes 1.27 and 1.33 schemas (`kubernetes-validate`), dry-run by kubectl 1.27
//! and 1.33, and applied to kube-standin with RBAC on, where `kubectl auth can-i --as` the
//! operator's ServiceAccount shows what it may do.

#[path = "chart/combinations.rs"]
mod combinations;
mod manifests;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use e2e_harness::HarnessError;
use e2e_harness::chart::{self, RELEASE_NAMESPACE};
use serde::Deserialize;

use combinations::{CLUSTER_WIDE_SECRETS_REFUSED, Combination, WATCHED, assert_render};
use manifests::{api_server, can_i, documents, find, kubernetes_validate, output, str_at, succeed};

/// A render without its ServiceMonitor: that kind comes from the Prometheus Operator's
/// CRD, not from Kubernetes, so kubernetes-validate has no schema for it (kubectl checks it
/// against the CRD the tests install).
fn without_service_monitor(render: &str) -> String {
    render
        .split("\n---\n")
        .filter(|doc| !doc.contains("\nkind: ServiceMonitor\n"))
        .collect::<Vec<_>>()
        .join("\n---\n")
}

/// The version of the dbmigrate crate (the root Cargo.toml's first `version = `).
fn crate_version() -> String {
    let path = chart::repository_root().join("Cargo.toml");
    let cargo = std::fs::read_to_string(&path).expect("Cargo.toml");
    cargo
        .lines()
        .find_map(|line| line.strip_prefix("version = "))
        .map(|v| v.trim_matches('"').to_owned())
        .expect("the package version in Cargo.toml")
}

#[test]
fn chart_version_and_crds_match_the_crate() {
    let root = chart::repository_root();
    let crate_version = crate_version();
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct ChartYaml {
        version: String,
        app_version: String,
    }
    let chart_yaml: ChartYaml = serde_yaml::from_str(
        &std::fs::read_to_string(chart::chart_dir().join("Chart.yaml")).expect("Chart.yaml"),
    )
    .expect("Chart.yaml");
    let fix = "set version and appVersion in charts/dbmigrate/Chart.yaml to the crate's version";
    assert_eq!(chart_yaml.version, crate_version, "{fix}");
    assert_eq!(chart_yaml.app_version, crate_version, "{fix}");

    let generated = file_names(&root.join("crds"));
    assert_eq!(
        file_names(&chart::chart_dir().join("crds")),
        generated,
        "cp crds/*.yaml charts/dbmigrate/crds/"
    );
    for name in &generated {
        let a = std::fs::read(root.join("crds").join(name)).expect("crd");
        let b = std::fs::read(chart::chart_dir().join("crds").join(name)).expect("chart crd");
        assert!(
            a == b,
            "charts/dbmigrate/crds/{name} differs from crds/{name}: cp crds/*.yaml charts/dbmigrate/crds/"
        );
    }
}

fn file_names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

#[test]
fn every_documented_combination_renders_validates_and_dry_runs() {
    let out_dir = tempfile::tempdir().expect("tempdir");
    let mut files = Vec::new();
    for combination in Combination::all() {
        let name = combination.name();
        let rendered = chart::render(&combination.values());
        if combination.effective_secret_access().is_none() {
            let message = rendered
                .expect_err(&format!("{name} must not render"))
                .to_string();
            assert!(
                message.contains(CLUSTER_WIDE_SECRETS_REFUSED),
                "{name}: {message}"
            );
            assert!(message.contains("never grants"), "{name}: {message}");
            continue;
        }
        let rendered = rendered.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_render(&combination, &documents(&rendered));
        let file = out_dir.path().join(format!("{name}.yaml"));
        std::fs::write(&file, &rendered).expect("writing the render");
        files.push(file);
    }
    assert_eq!(
        files.len(),
        12,
        "10 combinations and 2 with the optional parts render"
    );

    let validate_dir = out_dir.path().join("built-in");
    std::fs::create_dir(&validate_dir).expect("mkdir");
    let validate: Vec<PathBuf> = files
        .iter()
        .map(|file| {
            let target = validate_dir.join(file.file_name().expect("name"));
            let text = std::fs::read_to_string(file).expect("render");
            std::fs::write(&target, without_service_monitor(&text)).expect("write");
            target
        })
        .collect();
    kubernetes_validate(&validate);

    let env = api_server(&WATCHED);
    for minor in e2e_harness::kubectl_versions() {
        let mut command = env.kubectl_version(minor);
        command.args(["apply", "--dry-run=client", "-o", "name"]);
        for file in &files {
            command.arg("-f").arg(file);
        }
        let created = succeed(&mut command);
        assert!(
            created.contains("deployment.apps/dbmigrate"),
            "kubectl 1.{minor}: {created}"
        );
    }
}

#[test]
fn validation_refuses_what_kubernetes_refuses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.yaml");
    let rendered = chart::render("").expect("default render");
    let broken = rendered.replace(
        "readOnlyRootFilesystem: true",
        "readOnlyRootFilesystem: \"yes\"",
    );
    assert_ne!(broken, rendered, "the render holds readOnlyRootFilesystem");
    std::fs::write(&bad, broken).expect("write");
    let out = output(
        Command::new("kubernetes-validate")
            .args(["--strict", "-k", "1.33.0"])
            .arg(&bad),
    );
    assert!(
        !out.status.success(),
        "kubernetes-validate passed a string for a boolean"
    );
}

#[test]
fn values_outside_the_schema_and_unsafe_settings_fail_the_render() {
    let refused = [
        ("secretAccess: everywhere", "secretAccess"),
        ("replicas: 0", "replicas"),
        ("watchNamespaces: [Forum]", "watchNamespaces"),
        ("leaderElection: {enabled: false}", "would run 2 operators"),
        (
            "waitRBAC: {enabled: true}",
            "waitRBAC.enabled: true needs waitRBAC.serviceAccounts",
        ),
        ("secretAccess: namespaced", CLUSTER_WIDE_SECRETS_REFUSED),
    ];
    for (values, expected) in refused {
        let error = chart::render(values).expect_err(values);
        let message = error.to_string();
        assert!(message.contains(expected), "{values}: {message}");
        if let HarnessError::ChartValues { .. } = error {
            assert!(
                message.contains("values.schema.json"),
                "{values}: {message}"
            );
        }
    }
}

#[test]
fn the_default_deployment_is_restricted_and_probed() {
    let docs = documents(&chart::render("").expect("default render"));
    let deployment = find(&docs, "Deployment", RELEASE_NAMESPACE, "dbmigrate").expect("Deployment");
    let spec = &deployment["spec"];
    assert_eq!(spec["replicas"], 2);
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], "dbmigrate");
    assert_eq!(pod["terminationGracePeriodSeconds"], 30);
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(
        pod["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    let container = &pod["containers"][0];
    let image = format!("ghcr.io/dbmigrate/dbmigrate:{}", crate_version());
    assert_eq!(
        container["image"],
        image.as_str(),
        "the tag defaults to appVersion"
    );
    let security = &container["securityContext"];
    assert_eq!(security["runAsNonRoot"], true);
    // the Dockerfile's `USER 65532:65532`
    let dockerfile =
        std::fs::read_to_string(chart::repository_root().join("Dockerfile")).expect("Dockerfile");
    assert!(
        dockerfile.contains("\nUSER 65532:65532\n"),
        "the Dockerfile's user changed: change the chart's"
    );
    assert_eq!(security["runAsUser"], 65532);
    assert_eq!(security["runAsGroup"], 65532);
    assert_eq!(security["readOnlyRootFilesystem"], true);
    assert_eq!(security["allowPrivilegeEscalation"], false);
    assert_eq!(security["capabilities"]["drop"][0], "ALL");
    assert_eq!(security["seccompProfile"]["type"], "RuntimeDefault");
    assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert_eq!(
        container["livenessProbe"]["httpGet"]["port"],
        "http-metrics"
    );
    assert_eq!(container["ports"][0]["containerPort"], 8080);
    assert!(
        container["resources"]["limits"]["memory"].is_string(),
        "resources are set"
    );
    let env: Vec<(&str, &str)> = container["env"]
        .as_sequence()
        .expect("env")
        .iter()
        .map(|e| {
            (
                str_at(e, &["name"]),
                str_at(e, &["valueFrom", "fieldRef", "fieldPath"]),
            )
        })
        .collect();
    assert!(env.contains(&("POD_NAME", "metadata.name")), "{env:?}");
    assert!(
        env.contains(&("POD_NAMESPACE", "metadata.namespace")),
        "{env:?}"
    );
    let service = find(&docs, "Service", RELEASE_NAMESPACE, "dbmigrate-metrics").expect("Service");
    assert_eq!(service["spec"]["ports"][0]["targetPort"], "http-metrics");

    let notes = chart::notes("").expect("NOTES.txt");
    assert!(notes.contains("Secret access: none"), "{notes}");
    assert!(notes.contains("kubectl apply --server-side -f"), "{notes}");
}

#[test]
fn applied_charts_grant_the_operator_exactly_its_table() {
    let env = api_server(&["dbmigrate-system", "team-system", "forum", "shop", "other"]);
    succeed(
        env.kubectl()
            .args(["apply", "--server-side", "-f"])
            .arg(chart::chart_dir().join("crds")),
    );
    let dir = env.dir().join("renders");
    std::fs::create_dir(&dir).expect("mkdir");
    let releases = [
        // the default: all namespaces, no Secret access; with every optional part
        (
            "dbmigrate-system",
            "waitRBAC: {enabled: true, serviceAccounts: [{namespace: forum, name: app}]}\nnetworkPolicy: {enabled: true}\nmetrics: {serviceMonitor: {enabled: true}}\n",
        ),
        // namespaced: Roles in forum and shop, secretAccess namespaced (auto)
        ("team-system", "watchNamespaces: [forum, shop]\n"),
    ];
    for (namespace, values) in releases {
        let rendered = chart::render_release("dbmigrate", namespace, values, &[]).expect("render");
        let file = dir.join(format!("{namespace}.yaml"));
        std::fs::write(&file, rendered).expect("write");
        for minor in e2e_harness::kubectl_versions() {
            succeed(env.kubectl_version(minor).args(["apply", "-f"]).arg(&file));
        }
    }
    let cluster_wide = "system:serviceaccount:dbmigrate-system:dbmigrate";
    let namespaced = "system:serviceaccount:team-system:dbmigrate";
    let app = "system:serviceaccount:forum:app";
    let allowed = [
        (cluster_wide, &["create", "jobs.batch", "-n", "other"][..]),
        (
            cluster_wide,
            &[
                "patch",
                "databasemigrations.dbmigrate.dev",
                "--subresource=status",
                "-n",
                "shop",
            ],
        ),
        (
            cluster_wide,
            &[
                "update",
                "configsyncs.dbmigrate.dev",
                "--subresource=finalizers",
                "-n",
                "forum",
            ],
        ),
        (
            cluster_wide,
            &[
                "patch",
                "leases.coordination.k8s.io/dbmigrate-operator",
                "-n",
                "dbmigrate-system",
            ],
        ),
        (
            cluster_wide,
            &["create", "events.events.k8s.io", "-n", "forum"],
        ),
        (namespaced, &["create", "jobs.batch", "-n", "forum"]),
        (namespaced, &["get", "secrets", "-n", "shop"]),
        (namespaced, &["watch", "pods", "-n", "forum"]),
        (
            namespaced,
            &["create", "leases.coordination.k8s.io", "-n", "team-system"],
        ),
        (
            app,
            &["watch", "databasemigrations.dbmigrate.dev", "-n", "forum"],
        ),
        (app, &["list", "configsyncs.dbmigrate.dev", "-n", "forum"]),
    ];
    for (user, args) in allowed {
        assert!(
            can_i(&env, user, args),
            "{user} may not {args:?}\n{}",
            env.logs()
        );
    }
    let refused = [
        (cluster_wide, &["get", "secrets", "-n", "forum"][..]),
        (cluster_wide, &["list", "secrets", "--all-namespaces"]),
        (cluster_wide, &["update", "jobs.batch", "-n", "forum"]),
        (cluster_wide, &["get", "pods", "-n", "forum"]),
        (
            cluster_wide,
            &[
                "patch",
                "leases.coordination.k8s.io/other",
                "-n",
                "dbmigrate-system",
            ],
        ),
        (
            cluster_wide,
            &["create", "leases.coordination.k8s.io", "-n", "forum"],
        ),
        (namespaced, &["create", "jobs.batch", "-n", "other"]),
        (namespaced, &["get", "secrets", "-n", "other"]),
        (namespaced, &["list", "secrets", "--all-namespaces"]),
        (
            namespaced,
            &[
                "list",
                "databasemigrations.dbmigrate.dev",
                "--all-namespaces",
            ],
        ),
        (
            app,
            &["watch", "databasemigrations.dbmigrate.dev", "-n", "shop"],
        ),
        (app, &["create", "jobs.batch", "-n", "forum"]),
        (app, &["get", "secrets", "-n", "forum"]),
        // dbmigrate wait lists and watches; it never gets one by name
        (app, &["get", "configsyncs.dbmigrate.dev", "-n", "forum"]),
    ];
    for (user, args) in refused {
        assert!(
            !can_i(&env, user, args),
            "{user} may {args:?}\n{}",
            env.logs()
        );
    }
}

#[test]
fn helm_agrees_when_it_is_installed() {
    let Some(helm) = e2e_harness::os::find_program("helm", &[]) else {
        eprintln!(
            "note: helm is not on PATH; helm lint and the helm template comparison were not run"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    for combination in Combination::all()
        .iter()
        .filter(|c| c.effective_secret_access().is_some())
    {
        let values = dir.path().join(format!("{}.yaml", combination.name()));
        std::fs::write(&values, combination.values()).expect("write");
        succeed(
            Command::new(&helm)
                .arg("lint")
                .arg(chart::chart_dir())
                .arg("-f")
                .arg(&values),
        );
        let theirs = succeed(
            Command::new(&helm)
                .args(["template", "dbmigrate"])
                .arg(chart::chart_dir())
                .args(["-n", RELEASE_NAMESPACE, "-f"])
                .arg(&values),
        );
        let ours = chart::render(&combination.values()).expect("render");
        assert_eq!(
            documents(&ours),
            documents(&theirs),
            "{}: helm template differs",
            combination.name()
        );
    }
}

#[test]
fn the_values_shown_in_docs_install_md_render() {
    let path = chart::repository_root().join("docs/install.md");
    let text = std::fs::read_to_string(&path).expect("docs/install.md");
    let blocks: Vec<&str> = text
        .split("```yaml\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap_or(""))
        .collect();
    assert!(
        !blocks.is_empty(),
        "docs/install.md shows values in a ```yaml block"
    );
    for values in blocks {
        let rendered = chart::render(values)
            .unwrap_or_else(|e| panic!("docs/install.md's values do not render: {e}\n{values}"));
        let docs = documents(&rendered);
        assert!(find(&docs, "Deployment", RELEASE_NAMESPACE, "dbmigrate").is_some());
    }
}
