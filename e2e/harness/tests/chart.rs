//! The Helm chart (`charts/dbmigrate`) and the kustomize base (`deploy/`): every documented
//! combination of values rendered (values.schema.json checked as helm checks it), its objects
//! and RBAC asserted, validated against the Kubernetes 1.27 and 1.33 schemas
//! (`kubernetes-validate`), dry-run by kubectl 1.27 and 1.33, and applied to kube-standin with
//! RBAC on, where `kubectl auth can-i --as` the operator's ServiceAccount shows what it may do.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use e2e_harness::chart::{self, RELEASE_NAMESPACE};
use e2e_harness::{Environment, HarnessError};
use serde::Deserialize;
use serde_yaml::Value;

/// Watched namespaces of the namespaced combinations.
const WATCHED: [&str; 2] = ["forum", "shop"];

/// The message of the render that must fail: namespaced Secret access over all namespaces.
const CLUSTER_WIDE_SECRETS_REFUSED: &str = "secretAccess: namespaced needs watchNamespaces";

/// What one combination of values asks for.
#[derive(Clone, Copy, Debug)]
struct Combination {
    all_namespaces: bool,
    secret_access: &'static str,
    leader_election: bool,
    optional_parts: bool,
}

impl Combination {
    /// Every documented combination: all namespaces or a list × secretAccess auto, namespaced
    /// and none × leader election on and off, and the optional parts (ServiceMonitor,
    /// NetworkPolicy, waitRBAC, runner defaults; PodDisruptionBudget off) on for both scopes.
    fn all() -> Vec<Self> {
        let mut combinations = Vec::new();
        for all_namespaces in [true, false] {
            for secret_access in ["auto", "namespaced", "none"] {
                for leader_election in [true, false] {
                    combinations.push(Self {
                        all_namespaces,
                        secret_access,
                        leader_election,
                        optional_parts: false,
                    });
                }
            }
            combinations.push(Self {
                all_namespaces,
                secret_access: "auto",
                leader_election: true,
                optional_parts: true,
            });
        }
        combinations
    }

    fn name(&self) -> String {
        format!(
            "{}-secrets-{}-leader-{}{}",
            if self.all_namespaces { "all" } else { "list" },
            self.secret_access,
            if self.leader_election { "on" } else { "off" },
            if self.optional_parts { "-optional" } else { "" },
        )
    }

    fn values(&self) -> String {
        let mut values = format!("secretAccess: {}\n", self.secret_access);
        if !self.all_namespaces {
            values += &format!("watchNamespaces: [{}]\n", WATCHED.join(", "));
        }
        if !self.leader_election {
            values += "leaderElection: {enabled: false}\nreplicas: 1\n";
        }
        if self.optional_parts {
            values += r#"
metrics: {serviceMonitor: {enabled: true, labels: {release: prometheus}}}
networkPolicy:
  enabled: true
  apiServerCIDRs: [10.96.0.1/32]
  metricsFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
waitRBAC:
  enabled: true
  serviceAccounts: [{namespace: forum, name: app}, {namespace: forum, name: worker}, {namespace: shop, name: web}]
podDisruptionBudget: {enabled: false}
runnerDefaults:
  activeDeadlineSeconds: 1800
  ttlSecondsAfterFinished: 3600
  resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 512Mi}}
imagePullSecrets: [{name: registry}]
"#;
        }
        values
    }

    /// The Secret access in effect, or `None` when the render must fail.
    fn effective_secret_access(&self) -> Option<&'static str> {
        match (self.secret_access, self.all_namespaces) {
            ("namespaced", true) => None,
            ("auto", true) => Some("none"),
            ("auto", false) => Some("namespaced"),
            (mode, _) => Some(mode),
        }
    }
}

/// The YAML documents of a render or of `kubectl kustomize` output.
fn documents(text: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(text)
        .map(|doc| Value::deserialize(doc).expect("a YAML document"))
        .filter(|doc| !doc.is_null())
        .collect()
}

fn str_at<'a>(doc: &'a Value, path: &[&str]) -> &'a str {
    let mut value = doc;
    for key in path {
        value = &value[*key];
    }
    value.as_str().unwrap_or("")
}

/// `kind namespace/name` of each object.
fn object_ids(docs: &[Value]) -> BTreeSet<String> {
    docs.iter()
        .map(|doc| {
            format!(
                "{} {}/{}",
                str_at(doc, &["kind"]),
                str_at(doc, &["metadata", "namespace"]),
                str_at(doc, &["metadata", "name"])
            )
        })
        .collect()
}

fn find<'a>(docs: &'a [Value], kind: &str, namespace: &str, name: &str) -> Option<&'a Value> {
    docs.iter().find(|doc| {
        str_at(doc, &["kind"]) == kind
            && str_at(doc, &["metadata", "namespace"]) == namespace
            && str_at(doc, &["metadata", "name"]) == name
    })
}

/// The resources a Role or ClusterRole grants, as `group/resource:verb` strings.
fn grants(role: &Value) -> BTreeSet<String> {
    let mut grants = BTreeSet::new();
    for rule in role["rules"].as_sequence().expect("rules") {
        let list = |key: &str| -> Vec<String> {
            rule[key]
                .as_sequence()
                .map(|items| {
                    items
                        .iter()
                        .map(|i| i.as_str().unwrap_or("").to_owned())
                        .collect()
                })
                .unwrap_or_default()
        };
        let names = list("resourceNames");
        for group in list("apiGroups") {
            for resource in list("resources") {
                for verb in list("verbs") {
                    let named = if names.is_empty() {
                        String::new()
                    } else {
                        format!("[{}]", names.join(","))
                    };
                    grants.insert(format!("{group}/{resource}{named}:{verb}"));
                }
            }
        }
    }
    grants
}

/// The operator table of docs/rbac.md, scope "watched" (with or without the `secrets` row).
fn watched_grants(secrets: bool) -> BTreeSet<String> {
    let mut rows = vec![
        ("dbmigrate.dev", "databasemigrations", "get list watch"),
        ("dbmigrate.dev", "configsyncs", "get list watch"),
        ("dbmigrate.dev", "databasemigrations/status", "patch"),
        ("dbmigrate.dev", "configsyncs/status", "patch"),
        ("dbmigrate.dev", "databasemigrations/finalizers", "update"),
        ("dbmigrate.dev", "configsyncs/finalizers", "update"),
        ("batch", "jobs", "list watch create delete"),
        ("", "pods", "list watch"),
        ("", "configmaps", "get list watch"),
        ("events.k8s.io", "events", "create"),
    ];
    if secrets {
        rows.push(("", "secrets", "get list watch"));
    }
    rows.into_iter()
        .flat_map(|(group, resource, verbs)| {
            verbs
                .split(' ')
                .map(move |verb| format!("{group}/{resource}:{verb}"))
        })
        .collect()
}

/// Asserts the objects and the RBAC of one combination's render.
fn assert_render(combination: &Combination, docs: &[Value]) {
    let name = combination.name();
    let secrets = combination.effective_secret_access() == Some("namespaced");
    let ns = RELEASE_NAMESPACE;
    if combination.all_namespaces {
        let role = find(docs, "ClusterRole", "", "dbmigrate").expect("the ClusterRole");
        assert_eq!(grants(role), watched_grants(secrets), "{name}: ClusterRole");
        assert!(
            find(docs, "ClusterRoleBinding", "", "dbmigrate").is_some(),
            "{name}"
        );
    } else {
        for watched in WATCHED {
            let role = find(docs, "Role", watched, "dbmigrate").expect("a Role per namespace");
            assert_eq!(
                grants(role),
                watched_grants(secrets),
                "{name}: Role in {watched}"
            );
            assert!(
                find(docs, "RoleBinding", watched, "dbmigrate").is_some(),
                "{name}"
            );
        }
        assert!(
            find(docs, "ClusterRole", "", "dbmigrate").is_none(),
            "{name}"
        );
    }
    for doc in docs
        .iter()
        .filter(|d| str_at(d, &["kind"]) == "ClusterRole")
    {
        let secret_rules: Vec<_> = grants(doc)
            .into_iter()
            .filter(|g| g.contains("secrets"))
            .collect();
        assert!(
            secret_rules.is_empty(),
            "{name}: a ClusterRole grants {secret_rules:?}"
        );
    }
    let lease_role = find(docs, "Role", ns, "dbmigrate-leader-election");
    if combination.leader_election {
        let expected: BTreeSet<String> = [
            "coordination.k8s.io/leases:create",
            "coordination.k8s.io/leases[dbmigrate-operator]:get",
            "coordination.k8s.io/leases[dbmigrate-operator]:patch",
        ]
        .map(String::from)
        .into();
        assert_eq!(
            grants(lease_role.expect("the Lease Role")),
            expected,
            "{name}"
        );
    } else {
        assert!(
            lease_role.is_none(),
            "{name}: no leader election, no Lease rules"
        );
    }
    let deployment = find(docs, "Deployment", ns, "dbmigrate").expect("the Deployment");
    let args: Vec<&str> = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_sequence()
        .expect("args")
        .iter()
        .map(|a| a.as_str().unwrap_or(""))
        .collect();
    let effective = combination.effective_secret_access().unwrap_or_default();
    assert!(
        args.contains(&format!("--secret-access={effective}").as_str()),
        "{name}: {args:?}"
    );
    let leader = format!("--leader-election={}", combination.leader_election);
    assert!(args.contains(&leader.as_str()), "{name}: {args:?}");
    let namespaces = format!("--namespace={}", WATCHED.join(","));
    assert_eq!(
        args.contains(&namespaces.as_str()),
        !combination.all_namespaces,
        "{name}: {args:?}"
    );
    let optional = [
        ("ServiceMonitor", ns, "dbmigrate"),
        ("NetworkPolicy", ns, "dbmigrate"),
        ("Role", "forum", "dbmigrate-wait"),
        ("RoleBinding", "shop", "dbmigrate-wait"),
    ];
    for (kind, namespace, object) in optional {
        let present = find(docs, kind, namespace, object).is_some();
        assert_eq!(
            present, combination.optional_parts,
            "{name}: {kind} {namespace}/{object}"
        );
    }
    let pdb = find(docs, "PodDisruptionBudget", ns, "dbmigrate").is_some();
    assert_eq!(
        pdb, !combination.optional_parts,
        "{name}: PodDisruptionBudget"
    );
    if combination.optional_parts {
        let defaults = args
            .iter()
            .find_map(|a| a.strip_prefix("--runner-defaults="));
        let defaults: serde_json::Value =
            serde_json::from_str(defaults.expect("--runner-defaults")).expect("JSON");
        assert_eq!(defaults["activeDeadlineSeconds"], 1800, "{name}");
        assert_eq!(defaults["resources"]["limits"]["memory"], "512Mi", "{name}");
        let binding = find(docs, "RoleBinding", "forum", "dbmigrate-wait").expect("wait binding");
        let subjects = binding["subjects"].as_sequence().expect("subjects");
        let names: Vec<&str> = subjects.iter().map(|s| str_at(s, &["name"])).collect();
        assert_eq!(
            names,
            ["app", "worker"],
            "{name}: the forum ServiceAccounts only"
        );
    }
}

/// Runs a command, returning its output whatever its exit status.
fn output(command: &mut Command) -> Output {
    command
        .output()
        .unwrap_or_else(|e| panic!("could not run {command:?}: {e}"))
}

/// Runs a command that must succeed.
fn succeed(command: &mut Command) -> String {
    let out = output(command);
    assert!(
        out.status.success(),
        "{command:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `kubernetes-validate --strict` of these files against Kubernetes 1.27 and 1.33; every
/// object must have a schema (the files hold only built-in kinds and CRDs).
fn kubernetes_validate(files: &[PathBuf]) {
    let program = e2e_harness::os::find_program("kubernetes-validate", &[]).unwrap_or_else(|| {
        panic!("kubernetes-validate not found on PATH: pip install kubernetes-validate (bash scripts/test does)")
    });
    for version in ["1.27.0", "1.33.0"] {
        let out = output(
            Command::new(&program)
                .args(["--strict", "--kubernetes-version", version])
                .args(files),
        );
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "kubernetes-validate {version}:\n{text}"
        );
        assert!(
            !text.contains("Couldn't find schema"),
            "kubernetes-validate {version}:\n{text}"
        );
        assert!(
            text.contains("passed"),
            "kubernetes-validate {version} checked nothing:\n{text}"
        );
    }
}

/// Writes a render without its ServiceMonitor: that kind comes from the Prometheus Operator's
/// CRD, not from Kubernetes, so kubernetes-validate has no schema for it (kubectl checks it
/// against the CRD the tests install).
fn without_service_monitor(render: &str) -> String {
    render
        .split("\n---\n")
        .filter(|doc| !doc.contains("\nkind: ServiceMonitor\n"))
        .collect::<Vec<_>>()
        .join("\n---\n")
}

/// A minimal stand-in of the Prometheus Operator's ServiceMonitor CRD (any spec), as on a
/// cluster that runs it.
const SERVICE_MONITOR_CRD: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: servicemonitors.monitoring.coreos.com
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names: {kind: ServiceMonitor, listKind: ServiceMonitorList, plural: servicemonitors, singular: servicemonitor}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
"#;

/// kube-standin with the ServiceMonitor CRD and the namespaces the renders use.
fn api_server(namespaces: &[&str]) -> Environment {
    let env = Environment::start_api_server().unwrap_or_else(|e| panic!("{e}"));
    let crd = env.dir().join("servicemonitor-crd.yaml");
    std::fs::write(&crd, SERVICE_MONITOR_CRD).expect("writing the CRD");
    succeed(env.kubectl().arg("apply").arg("-f").arg(&crd));
    for namespace in namespaces {
        succeed(env.kubectl().args(["create", "namespace", namespace]));
    }
    succeed(env.kubectl().args([
        "wait",
        "--for=condition=Established",
        "crd/servicemonitors.monitoring.coreos.com",
    ]));
    env
}

/// `kubectl auth can-i <args> --as <user>`: true for yes, false for no.
fn can_i(env: &Environment, user: &str, args: &[&str]) -> bool {
    let out = output(
        env.kubectl()
            .args(["auth", "can-i"])
            .args(args)
            .args(["--as", user]),
    );
    let answer = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    match answer.as_str() {
        "yes" => true,
        "no" => false,
        _ => panic!(
            "kubectl auth can-i {args:?} --as {user}: {answer}{}\n{}",
            String::from_utf8_lossy(&out.stderr),
            env.logs()
        ),
    }
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
        (app, &["get", "configsyncs.dbmigrate.dev", "-n", "forum"]),
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
fn deploy_is_the_chart_rendered_and_kustomize_builds_it() {
    let root = chart::repository_root();
    let fresh = tempfile::tempdir().expect("tempdir");
    succeed(
        Command::new("bash")
            .arg(root.join("scripts/render-deploy"))
            .arg(fresh.path())
            .env("CHART_RENDER", chart::renderer().expect("renderer")),
    );
    let fix = "deploy/ differs from the chart: run `bash scripts/render-deploy` and commit deploy/";
    let expected = tree(fresh.path());
    let committed = tree(&root.join("deploy"));
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{fix}"
    );
    for (path, text) in &expected {
        assert!(committed[path] == *text, "deploy/{path}: {fix}");
    }

    let env = api_server(&["forum", "other"]);
    let out = tempfile::tempdir().expect("tempdir");
    let mut built = Vec::new();
    for overlay in ["cluster-wide", "namespaced"] {
        let dir = root.join("deploy/overlays").join(overlay);
        let mut outputs = Vec::new();
        for minor in e2e_harness::kubectl_versions() {
            outputs.push(documents(&succeed(
                env.kubectl_version(minor).arg("kustomize").arg(&dir),
            )));
        }
        assert_eq!(
            outputs[0], outputs[1],
            "{overlay}: kubectl 1.27 and 1.33 build the same"
        );
        let file = out.path().join(format!("{overlay}.yaml"));
        let text: Vec<String> = outputs[0]
            .iter()
            .map(|d| serde_yaml::to_string(d).expect("yaml"))
            .collect();
        std::fs::write(&file, text.join("---\n")).expect("write");
        built.push((overlay, outputs.remove(0), file));
    }
    kubernetes_validate(
        &built
            .iter()
            .map(|(_, _, file)| file.clone())
            .collect::<Vec<_>>(),
    );

    // each overlay holds the chart's objects for the same values, the Namespace and the CRDs
    let overlay_values = [
        ("cluster-wide", ""),
        (
            "namespaced",
            "watchNamespaces: [forum]\nsecretAccess: namespaced\n",
        ),
    ];
    for ((overlay, docs, _), (_, values)) in built.iter().zip(overlay_values) {
        let chart_docs = documents(
            &chart::render_release(
                "dbmigrate",
                RELEASE_NAMESPACE,
                values,
                &["-release-service", "kustomize"],
            )
            .expect("render"),
        );
        let operator: Vec<Value> = docs
            .iter()
            .filter(|d| {
                !matches!(
                    str_at(d, &["kind"]),
                    "Namespace" | "CustomResourceDefinition"
                )
            })
            .cloned()
            .collect();
        assert_eq!(object_ids(&operator), object_ids(&chart_docs), "{overlay}");
        for doc in &chart_docs {
            let id = object_ids(std::slice::from_ref(doc));
            let built = operator
                .iter()
                .find(|d| object_ids(std::slice::from_ref(d)) == id);
            assert_eq!(
                built,
                Some(doc),
                "{overlay}: {id:?} differs from the chart's"
            );
        }
        assert_eq!(
            docs.iter()
                .filter(|d| str_at(d, &["kind"]) == "CustomResourceDefinition")
                .count(),
            2
        );
    }

    // cluster-wide, then switched to namespaced (the ClusterRoleBinding removed by hand: apply
    // removes nothing)
    let apply = |overlay: &str| {
        let dir = root.join("deploy/overlays").join(overlay);
        succeed(
            env.kubectl()
                .args(["apply", "--server-side", "--force-conflicts", "-k"])
                .arg(&dir),
        );
    };
    let operator = "system:serviceaccount:dbmigrate-system:dbmigrate";
    apply("cluster-wide");
    assert!(
        can_i(&env, operator, &["create", "jobs.batch", "-n", "other"]),
        "cluster-wide: jobs anywhere"
    );
    assert!(
        !can_i(&env, operator, &["get", "secrets", "-n", "forum"]),
        "cluster-wide: no Secrets"
    );
    succeed(
        env.kubectl()
            .args(["delete", "clusterrolebinding", "dbmigrate"]),
    );
    apply("namespaced");
    assert!(can_i(
        &env,
        operator,
        &["create", "jobs.batch", "-n", "forum"]
    ));
    assert!(
        can_i(&env, operator, &["get", "secrets", "-n", "forum"]),
        "namespaced: Secrets in forum"
    );
    assert!(
        !can_i(&env, operator, &["create", "jobs.batch", "-n", "other"]),
        "namespaced: not in other"
    );
    assert!(!can_i(&env, operator, &["get", "secrets", "-n", "other"]));
    let args = succeed(env.kubectl().args([
        "get",
        "deployment",
        "dbmigrate",
        "-n",
        RELEASE_NAMESPACE,
        "-o",
        "jsonpath={.spec.template.spec.containers[0].args}",
    ]));
    assert!(
        args.contains("--namespace=forum") && args.contains("--secret-access=namespaced"),
        "{args}"
    );
}

/// Every file under `dir`, by relative path.
fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in
            std::fs::read_dir(&current).unwrap_or_else(|e| panic!("{}: {e}", current.display()))
        {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .expect("under dir")
                    .to_string_lossy()
                    .into_owned();
                files.insert(relative, std::fs::read(&path).expect("read"));
            }
        }
    }
    files
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
