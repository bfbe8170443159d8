//! kube-standin driven by the real kubectl, newest and 1.27: CRDs and printer columns, apply
//! (client- and server-side) idempotence, conflicts, validation, watches, wait, describe,
//! selectors, finalizers and garbage collection.

mod support;

use support::{Cluster, KUBECTLS};

const MIGRATION: &str = "apiVersion: dbmigrate.dev/v1alpha1
kind: DatabaseMigration
metadata:
  name: forum-schema
  labels:
    app: forum
spec:
  database:
    urlSecretRef:
      name: forum-db
      key: url
  source:
    directory: /migrations
";

fn version_label(minor: Option<u32>) -> String {
    minor.map_or("newest".to_owned(), |m| format!("1.{m}"))
}

/// A cluster with the dbmigrate CRDs applied and a namespace per kubectl version.
fn cluster_with_crds() -> Cluster {
    let cluster = Cluster::start();
    let crds = Cluster::repo().join("crds");
    cluster.ok(None, &["apply", "-f", crds.to_str().unwrap()]);
    cluster.ok(
        None,
        &[
            "wait",
            "--for=condition=Established",
            "crd/databasemigrations.dbmigrate.dev",
        ],
    );
    for &minor in KUBECTLS {
        cluster.ok(
            minor,
            &[
                "create",
                "namespace",
                &format!("ns-{}", version_label(minor).replace('.', "-")),
            ],
        );
    }
    cluster
}

fn ns(minor: Option<u32>) -> String {
    format!("ns-{}", version_label(minor).replace('.', "-"))
}

#[test]
fn applied_crds_register_their_names_and_print_their_columns() {
    let cluster = cluster_with_crds();
    for &minor in KUBECTLS {
        let ns = ns(minor);
        let resources = cluster.ok(minor, &["api-resources", "--api-group=dbmigrate.dev"]);
        assert!(
            resources.contains("dbm,dbmigration,dbmigrations"),
            "{resources}"
        );
        assert!(resources.contains("cfgsync"), "{resources}");
        cluster.ok_with_input(minor, &["apply", "-n", &ns, "-f", "-"], MIGRATION);
        let table = cluster.ok(minor, &["get", "dbm", "-n", &ns]);
        let header = table.lines().next().unwrap_or_default();
        for column in ["NAME", "PHASE", "APPLIED"] {
            assert!(
                header.contains(column),
                "kubectl {}: header {header:?} lacks {column}",
                version_label(minor)
            );
        }
        assert!(table.contains("forum-schema"), "{table}");
        let by_category = cluster.ok(minor, &["get", "dbmigrate", "-n", &ns]);
        assert!(by_category.contains("forum-schema"), "{by_category}");
    }
}

#[test]
fn applying_the_same_manifest_twice_changes_nothing() {
    let cluster = cluster_with_crds();
    for &minor in KUBECTLS {
        let ns = ns(minor);
        let rv = |cluster: &Cluster| {
            cluster.jsonpath(
                minor,
                &ns,
                "dbm/forum-schema",
                "{.metadata.resourceVersion}/{.metadata.generation}",
            )
        };
        let first = cluster.ok_with_input(minor, &["apply", "-n", &ns, "-f", "-"], MIGRATION);
        assert!(first.contains("created"), "{first}");
        let before = rv(&cluster);
        let second = cluster.ok_with_input(minor, &["apply", "-n", &ns, "-f", "-"], MIGRATION);
        assert!(second.contains("unchanged"), "{second}");
        assert_eq!(
            rv(&cluster),
            before,
            "kubectl {}: a no-op apply bumped the resourceVersion",
            version_label(minor)
        );

        let ssa = [
            "apply",
            "--server-side",
            "--field-manager=gitops",
            "-n",
            &ns,
            "-f",
            "-",
        ];
        cluster.ok_with_input(minor, &ssa, &MIGRATION.replace("forum-schema", "forum-ssa"));
        let ssa_rv = || {
            cluster.ok(
                minor,
                &[
                    "get",
                    "dbm",
                    "forum-ssa",
                    "-n",
                    &ns,
                    "-o",
                    "jsonpath={.metadata.resourceVersion}",
                ],
            )
        };
        let before = ssa_rv();
        cluster.ok_with_input(minor, &ssa, &MIGRATION.replace("forum-schema", "forum-ssa"));
        assert_eq!(
            ssa_rv(),
            before,
            "kubectl {}: a second identical server-side apply wrote",
            version_label(minor)
        );
        let managers = cluster.ok(
            minor,
            &[
                "get",
                "dbm",
                "forum-ssa",
                "-n",
                &ns,
                "--show-managed-fields",
                "-o",
                "jsonpath={.metadata.managedFields[*].manager}",
            ],
        );
        assert_eq!(managers, "gitops");
    }
}

#[test]
fn server_side_apply_keeps_fields_of_other_managers_and_reports_conflicts() {
    let cluster = cluster_with_crds();
    for &minor in KUBECTLS {
        let ns = ns(minor);
        let ssa = [
            "apply",
            "--server-side",
            "--field-manager=gitops",
            "-n",
            &ns,
            "-f",
            "-",
        ];
        cluster.ok_with_input(minor, &ssa, MIGRATION);
        cluster.ok(
            minor,
            &["label", "dbm", "forum-schema", "-n", &ns, "team=db"],
        );
        // the applier drops its own label `app`; the label `team` someone else set stays
        cluster.ok_with_input(
            minor,
            &ssa,
            &MIGRATION.replace("  labels:\n    app: forum\n", ""),
        );
        let labels = cluster.jsonpath(minor, &ns, "dbm/forum-schema", "{.metadata.labels}");
        assert_eq!(labels, r#"{"team":"db"}"#);
        // another manager changing a field the applier owns is a conflict, unless forced
        let rival = MIGRATION.replace("/migrations", "/other");
        let error = {
            let path = cluster.write("rival.yaml", &rival);
            cluster.fails(
                minor,
                &[
                    "apply",
                    "--server-side",
                    "--field-manager=rival",
                    "-n",
                    &ns,
                    "-f",
                    path.to_str().unwrap(),
                ],
            )
        };
        assert!(
            error.contains("conflict")
                && error.contains("gitops")
                && error.contains(".spec.source.directory"),
            "{error}"
        );
        let path = cluster.write("rival.yaml", &rival);
        cluster.ok(
            minor,
            &[
                "apply",
                "--server-side",
                "--force-conflicts",
                "--field-manager=rival",
                "-n",
                &ns,
                "-f",
                path.to_str().unwrap(),
            ],
        );
        let directory =
            cluster.jsonpath(minor, &ns, "dbm/forum-schema", "{.spec.source.directory}");
        assert_eq!(directory, "/other");
    }
}

#[test]
fn a_stale_update_is_a_conflict() {
    let cluster = cluster_with_crds();
    for &minor in KUBECTLS {
        let ns = ns(minor);
        cluster.ok(
            minor,
            &[
                "create",
                "configmap",
                "settings",
                "-n",
                &ns,
                "--from-literal=a=1",
            ],
        );
        let stale = cluster.ok(
            minor,
            &["get", "configmap", "settings", "-n", &ns, "-o", "yaml"],
        );
        cluster.ok(
            minor,
            &[
                "patch",
                "configmap",
                "settings",
                "-n",
                &ns,
                "--type=merge",
                "-p",
                r#"{"data":{"a":"2"}}"#,
            ],
        );
        let path = cluster.write("stale.yaml", &stale.replace("a: \"1\"", "a: \"3\""));
        let error = cluster.fails(minor, &["replace", "-f", path.to_str().unwrap()]);
        assert!(
            error.contains("the object has been modified"),
            "kubectl {}: {error}",
            version_label(minor)
        );
        let value = cluster.ok(
            minor,
            &[
                "get",
                "configmap",
                "settings",
                "-n",
                &ns,
                "-o",
                "jsonpath={.data.a}",
            ],
        );
        assert_eq!(value, "2");
    }
}

#[test]
fn invalid_custom_resources_are_rejected_with_the_field() {
    let cluster = cluster_with_crds();
    for &minor in KUBECTLS {
        let ns = ns(minor);
        let bad_duration =
            MIGRATION.replace("  source:\n", "  timeouts:\n    lock: 30\n  source:\n");
        let path = cluster.write("bad.yaml", &bad_duration);
        let error = cluster.fails(minor, &["apply", "-n", &ns, "-f", path.to_str().unwrap()]);
        assert!(
            error.contains("is invalid") && error.contains("spec.timeouts.lock"),
            "kubectl {}: {error}",
            version_label(minor)
        );
        // an x-kubernetes-validations (CEL) rule of the CRD
        let twice = MIGRATION.replace(
            "  source:\n",
            "  dependsOn:\n  - {kind: ConfigSync, name: a}\n  - {kind: ConfigSync, name: a}\n  source:\n",
        );
        let path = cluster.write("twice.yaml", &twice);
        let error = cluster.fails(minor, &["apply", "-n", &ns, "-f", path.to_str().unwrap()]);
        assert!(
            error.contains("spec.dependsOn")
                && error.contains("lists the same resource (kind, name, namespace) more than once"),
            "kubectl {}: {error}",
            version_label(minor)
        );
        let unknown = MIGRATION.replace("  source:\n", "  sorce: {}\n  source:\n");
        let path = cluster.write("unknown.yaml", &unknown);
        let error = cluster.fails(minor, &["apply", "-n", &ns, "-f", path.to_str().unwrap()]);
        assert!(
            error.contains("unknown field") && error.contains("sorce"),
            "kubectl {}: {error}",
            version_label(minor)
        );
        // without strict validation the unknown field is pruned, as a real server does
        cluster.ok(
            minor,
            &[
                "apply",
                "--validate=false",
                "-n",
                &ns,
                "-f",
                path.to_str().unwrap(),
            ],
        );
        let spec = cluster.jsonpath(minor, &ns, "dbm/forum-schema", "{.spec}");
        assert!(!spec.contains("sorce"), "{spec}");
    }
}

#[test]
fn wait_describe_and_status_subresource_work() {
    let cluster = cluster_with_crds();
    for &minor in KUBECTLS {
        let ns = ns(minor);
        cluster.ok_with_input(minor, &["apply", "-n", &ns, "-f", "-"], MIGRATION);
        // the main endpoint ignores status
        cluster.ok(
            minor,
            &[
                "patch",
                "dbm",
                "forum-schema",
                "-n",
                &ns,
                "--type=merge",
                "-p",
                r#"{"status":{"phase":"Ready"}}"#,
            ],
        );
        let phase = cluster.jsonpath(minor, &ns, "dbm/forum-schema", "{.status.phase}");
        assert_eq!(phase, "");
        let status = r#"{"status":{"phase":"Ready","conditions":[{"type":"Ready","status":"True","reason":"Applied","message":"all applied","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}"#;
        cluster.ok(
            minor,
            &[
                "patch",
                "dbm",
                "forum-schema",
                "-n",
                &ns,
                "--subresource=status",
                "--type=merge",
                "-p",
                status,
            ],
        );
        let waited = cluster.ok(
            minor,
            &[
                "wait",
                "--for=condition=Ready",
                "--timeout=10s",
                "-n",
                &ns,
                "dbm/forum-schema",
            ],
        );
        assert!(waited.contains("condition met"), "{waited}");
        let generation = cluster.jsonpath(minor, &ns, "dbm/forum-schema", "{.metadata.generation}");
        assert_eq!(
            generation, "1",
            "status changes must not bump the generation"
        );
        let uid = cluster.jsonpath(minor, &ns, "dbm/forum-schema", "{.metadata.uid}");
        let event = format!(
            "apiVersion: v1\nkind: Event\nmetadata:\n  name: forum-schema.1\ninvolvedObject:\n  apiVersion: dbmigrate.dev/v1alpha1\n  kind: DatabaseMigration\n  name: forum-schema\n  namespace: {ns}\n  uid: {uid}\nreason: StepSucceeded\nmessage: applied 3 migrations\ntype: Normal\nfirstTimestamp: \"2026-01-01T00:00:00Z\"\nlastTimestamp: \"2026-01-01T00:00:00Z\"\ncount: 1\nsource:\n  component: dbmigrate\n"
        );
        cluster.ok_with_input(minor, &["create", "-n", &ns, "-f", "-"], &event);
        let described = cluster.ok(minor, &["describe", "dbm", "forum-schema", "-n", &ns]);
        assert!(
            described.contains("StepSucceeded") && described.contains("applied 3 migrations"),
            "{described}"
        );
        assert!(
            described.contains("Phase:") && described.contains("Ready"),
            "{described}"
        );
    }
}

#[test]
fn label_selectors_filter_lists() {
    let cluster = cluster_with_crds();
    for &minor in KUBECTLS {
        let ns = ns(minor);
        for (name, labels) in [
            ("a", "tier=web,env=prod"),
            ("b", "tier=db,env=prod"),
            ("c", "tier=web"),
        ] {
            cluster.ok(minor, &["create", "configmap", name, "-n", &ns]);
            let args: Vec<&str> = ["label", "configmap", name, "-n", &ns]
                .into_iter()
                .chain(labels.split(','))
                .collect();
            cluster.ok(minor, &args);
        }
        let names = |selector: &str| {
            cluster.ok(
                minor,
                &[
                    "get",
                    "cm",
                    "-n",
                    &ns,
                    "-l",
                    selector,
                    "-o",
                    "jsonpath={.items[*].metadata.name}",
                ],
            )
        };
        assert_eq!(names("tier=web"), "a c");
        assert_eq!(names("tier in (db),env=prod"), "b");
        assert_eq!(names("!env"), "c");
        assert_eq!(names("env,tier!=db"), "a");
        let paged = cluster.ok(
            minor,
            &[
                "get",
                "cm",
                "-n",
                &ns,
                "-l",
                "tier",
                "--chunk-size=1",
                "-o",
                "name",
            ],
        );
        assert_eq!(paged.lines().count(), 3, "{paged}");
    }
}

#[test]
fn finalizers_hold_deletion_and_owners_collect_their_dependents() {
    let cluster = cluster_with_crds();
    for &minor in KUBECTLS {
        let ns = ns(minor);
        let with_finalizer = MIGRATION.replace(
            "  labels:\n",
            "  finalizers:\n  - example.com/hold\n  labels:\n",
        );
        cluster.ok_with_input(minor, &["apply", "-n", &ns, "-f", "-"], &with_finalizer);
        let uid = cluster.jsonpath(minor, &ns, "dbm/forum-schema", "{.metadata.uid}");
        let owned = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: owned\n  ownerReferences:\n  - apiVersion: dbmigrate.dev/v1alpha1\n    kind: DatabaseMigration\n    name: forum-schema\n    uid: {uid}\n    controller: true\ndata:\n  a: b\n"
        );
        cluster.ok_with_input(minor, &["apply", "-n", &ns, "-f", "-"], &owned);
        cluster.ok(
            minor,
            &["delete", "dbm", "forum-schema", "-n", &ns, "--wait=false"],
        );
        let deleting = cluster.jsonpath(
            minor,
            &ns,
            "dbm/forum-schema",
            "{.metadata.deletionTimestamp}",
        );
        assert!(!deleting.is_empty(), "the finalizer must hold the object");
        cluster.ok(
            minor,
            &[
                "patch",
                "dbm",
                "forum-schema",
                "-n",
                &ns,
                "--type=json",
                "-p",
                r#"[{"op":"remove","path":"/metadata/finalizers"}]"#,
            ],
        );
        cluster.ok(
            minor,
            &[
                "wait",
                "--for=delete",
                "--timeout=10s",
                "-n",
                &ns,
                "dbm/forum-schema",
            ],
        );
        cluster.ok(
            minor,
            &[
                "wait",
                "--for=delete",
                "--timeout=10s",
                "-n",
                &ns,
                "configmap/owned",
            ],
        );
    }
}

#[test]
fn get_watch_prints_rows_as_they_change() {
    let cluster = cluster_with_crds();
    for &minor in KUBECTLS {
        let ns = ns(minor);
        cluster.ok_with_input(minor, &["apply", "-n", &ns, "-f", "-"], MIGRATION);
        let mut watch = cluster
            .kubectl(minor)
            .args(["get", "dbm", "-n", &ns, "-w", "--request-timeout=0"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("kubectl get -w");
        std::thread::sleep(std::time::Duration::from_millis(700));
        cluster.ok_with_input(
            minor,
            &["apply", "-n", &ns, "-f", "-"],
            &MIGRATION.replace("forum-schema", "second"),
        );
        std::thread::sleep(std::time::Duration::from_millis(700));
        watch.kill().expect("stopping kubectl get -w");
        let output = watch.wait_with_output().expect("kubectl output");
        let text = String::from_utf8_lossy(&output.stdout);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines
                .first()
                .is_some_and(|h| h.contains("NAME") && h.contains("PHASE")),
            "{text}"
        );
        assert!(
            lines.iter().any(|l| l.starts_with("forum-schema")),
            "{text}"
        );
        assert!(
            lines.iter().any(|l| l.starts_with("second")),
            "kubectl {}: the watch did not print the new row:\n{text}",
            version_label(minor)
        );
    }
}

#[test]
fn events_published_by_kube_rs_show_in_describe_and_get_events() {
    use kube::runtime::events::{Event, EventType, Recorder, Reporter};
    let cluster = cluster_with_crds();
    for &minor in KUBECTLS {
        let ns = ns(minor);
        cluster.ok_with_input(minor, &["apply", "-n", &ns, "-f", "-"], MIGRATION);
        let client = cluster.client();
        let gvk =
            kube::api::GroupVersionKind::gvk("dbmigrate.dev", "v1alpha1", "DatabaseMigration");
        let resource = kube::api::ApiResource::from_gvk_with_plural(&gvk, "databasemigrations");
        let api: kube::Api<kube::api::DynamicObject> =
            kube::Api::namespaced_with(client.clone(), &ns, &resource);
        let reporter = Reporter {
            controller: "dbmigrate".into(),
            instance: Some("operator-0".into()),
        };
        cluster.block_on(async {
            let migration = api.get("forum-schema").await.expect("the migration");
            let reference = kube::Resource::object_ref(&migration, &resource);
            let event = Event {
                type_: EventType::Warning,
                reason: "MigrationFailed".into(),
                note: Some("V2__add_posts.sql line 3: relation \"users\" does not exist".into()),
                action: "Apply".into(),
                secondary: None,
            };
            Recorder::new(client, reporter)
                .publish(&event, &reference)
                .await
                .expect("publishing an events.k8s.io/v1 event");
        });
        let described = cluster.ok(minor, &["describe", "dbm", "forum-schema", "-n", &ns]);
        assert!(
            described.contains("MigrationFailed") && described.contains("does not exist"),
            "kubectl {}: {described}",
            version_label(minor)
        );
        let events = cluster.ok(minor, &["get", "events", "-n", &ns]);
        assert!(events.contains("MigrationFailed"), "{events}");
    }
}
