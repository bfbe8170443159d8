//! kube-standin as the e2e harness runs it (HTTPS, RBAC, the admin token, an audit log), driven
//! by the real kubectl 1.27 and 1.33: ServiceAccount tokens from `kubectl create token`, Roles
//! and bindings created with kubectl, `kubectl auth can-i [--as] [--list]`, refusals worded as
//! kube-apiserver words them, and the audit log of who did what.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{Cluster, KUBECTLS, describe};

const SA: &str = "system:serviceaccount:forum:dbmigrate";

/// Namespaces `forum` and `other`, and ServiceAccount `forum/dbmigrate`.
fn forum() -> Cluster {
    let cluster = Cluster::start_rbac(false);
    setup(&cluster);
    cluster
}

fn setup(cluster: &Cluster) {
    cluster.ok(None, &["create", "namespace", "forum"]);
    cluster.ok(None, &["create", "namespace", "other"]);
    cluster.ok(
        None,
        &["create", "serviceaccount", "dbmigrate", "-n", "forum"],
    );
}

/// `kubectl create token dbmigrate -n forum` with kubectl 1.`minor`.
fn token(cluster: &Cluster, minor: Option<u32>) -> String {
    let token = cluster.ok(minor, &["create", "token", "dbmigrate", "-n", "forum"]);
    let token = token.trim().to_owned();
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");
    token
}

/// kubectl authenticating with `token`.
fn with_token(cluster: &Cluster, minor: Option<u32>, token: &str) -> Command {
    let mut command = cluster.kubectl(minor);
    command.args(["--token", token]);
    command
}

fn succeeds(mut command: Command, args: &[&str]) -> String {
    let output = command.args(args).output().expect("running kubectl");
    assert!(
        output.status.success(),
        "kubectl {args:?}:\n{}",
        describe(&output)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn fails(mut command: Command, args: &[&str]) -> String {
    let output = command.args(args).output().expect("running kubectl");
    assert!(
        !output.status.success(),
        "kubectl {args:?} should fail:\n{}",
        describe(&output)
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `kubectl auth can-i <args>`: its answer (`yes`/`no`), whose exit status must agree.
fn can_i(cluster: &Cluster, minor: Option<u32>, args: &[&str]) -> String {
    let output = cluster
        .kubectl(minor)
        .args(["auth", "can-i"])
        .args(args)
        .output()
        .expect("running kubectl");
    let answer = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert_eq!(
        output.status.success(),
        answer == "yes",
        "can-i {args:?}:\n{}",
        describe(&output)
    );
    answer
}

fn forbidden(verb: &str, resource: &str, group: &str, scope: &str) -> String {
    let qualified = if group.is_empty() {
        resource.to_owned()
    } else {
        format!("{resource}.{group}")
    };
    format!(
        "Error from server (Forbidden): {qualified} is forbidden: User \"{SA}\" cannot {verb} resource \"{resource}\" in API group \"{group}\" {scope}"
    )
}

#[test]
fn a_token_is_denied_until_a_role_binding_allows_it_and_then_only_in_that_namespace() {
    let cluster = forum();
    for &minor in KUBECTLS {
        let token = token(&cluster, minor);
        let denied = fails(
            with_token(&cluster, minor, &token),
            &["get", "jobs", "-n", "forum"],
        );
        let expected = forbidden("list", "jobs", "batch", "in the namespace \"forum\"");
        assert!(denied.contains(&expected), "{denied}");
    }
    let verbs = "--verb=create,get,list,watch";
    cluster.ok(
        None,
        &[
            "create",
            "role",
            "job-runner",
            verbs,
            "--resource=jobs",
            "-n",
            "forum",
        ],
    );
    cluster.ok(
        None,
        &[
            "create",
            "rolebinding",
            "dbmigrate",
            "--role=job-runner",
            "--serviceaccount=forum:dbmigrate",
            "-n",
            "forum",
        ],
    );
    for &minor in KUBECTLS {
        let token = token(&cluster, minor);
        let job = format!("migrate-{}", minor.unwrap_or_default());
        succeeds(
            with_token(&cluster, minor, &token),
            &["create", "job", &job, "--image=busybox", "-n", "forum"],
        );
        let jobs = succeeds(
            with_token(&cluster, minor, &token),
            &["get", "jobs", "-n", "forum"],
        );
        assert!(jobs.contains(&job), "{jobs}");
        let other = fails(
            with_token(&cluster, minor, &token),
            &["get", "jobs", "-n", "other"],
        );
        let expected = forbidden("list", "jobs", "batch", "in the namespace \"other\"");
        assert!(other.contains(&expected), "{other}");
        let everywhere = fails(with_token(&cluster, minor, &token), &["get", "jobs", "-A"]);
        let expected = forbidden("list", "jobs", "batch", "at the cluster scope");
        assert!(everywhere.contains(&expected), "{everywhere}");
        let delete = fails(
            with_token(&cluster, minor, &token),
            &["delete", "job", &job, "-n", "forum"],
        );
        let expected = format!(
            "Error from server (Forbidden): jobs.batch \"{job}\" is forbidden: User \"{SA}\" cannot delete resource \"jobs\" in API group \"batch\" in the namespace \"forum\""
        );
        assert!(delete.contains(&expected), "{delete}");
        let status = fails(
            with_token(&cluster, minor, &token),
            &[
                "patch",
                "job",
                &job,
                "-n",
                "forum",
                "--subresource=status",
                "--type=merge",
                "-p",
                r#"{"status":{"active":1}}"#,
            ],
        );
        // kubectl reads the subresource before it patches it
        assert!(
            status.contains("cannot get resource \"jobs/status\""),
            "{status}"
        );
    }
}

#[test]
fn kubectl_auth_can_i_answers_for_a_service_account() {
    let cluster = forum();
    let as_sa = format!("--as={SA}");
    for &minor in KUBECTLS {
        assert_eq!(
            can_i(&cluster, minor, &["create", "jobs", "-n", "forum", &as_sa]),
            "no"
        );
    }
    cluster.ok(
        None,
        &[
            "create",
            "role",
            "job-runner",
            "--verb=create,get,list,watch",
            "--resource=jobs",
            "-n",
            "forum",
        ],
    );
    cluster.ok(
        None,
        &[
            "create",
            "rolebinding",
            "dbmigrate",
            "--role=job-runner",
            "--serviceaccount=forum:dbmigrate",
            "-n",
            "forum",
        ],
    );
    for &minor in KUBECTLS {
        assert_eq!(
            can_i(&cluster, minor, &["create", "jobs", "-n", "forum", &as_sa]),
            "yes"
        );
        assert_eq!(
            can_i(&cluster, minor, &["create", "jobs", "-n", "other", &as_sa]),
            "no"
        );
        assert_eq!(
            can_i(&cluster, minor, &["delete", "jobs", "-n", "forum", &as_sa]),
            "no"
        );
        assert_eq!(
            can_i(&cluster, minor, &["get", "secrets", "-n", "forum", &as_sa]),
            "no"
        );
        let list = succeeds(
            cluster.kubectl(minor),
            &["auth", "can-i", "--list", "-n", "forum", &as_sa],
        );
        let jobs = list
            .lines()
            .find(|l| l.starts_with("jobs.batch"))
            .unwrap_or_default();
        assert!(jobs.ends_with("[create get list watch]"), "{list}");
        assert!(!list.contains("secrets"), "{list}");
        // the ServiceAccount asks for itself (a SelfSubjectAccessReview with its own token)
        let token = token(&cluster, minor);
        let own = succeeds(
            with_token(&cluster, minor, &token),
            &["auth", "can-i", "watch", "jobs", "-n", "forum"],
        );
        assert_eq!(own.trim(), "yes");
        // and may not impersonate anybody
        let impersonating = fails(
            with_token(&cluster, minor, &token),
            &["get", "jobs", "-n", "forum", "--as=alice"],
        );
        let expected = format!(
            "Error from server (Forbidden): users \"alice\" is forbidden: User \"{SA}\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"
        );
        assert!(impersonating.contains(&expected), "{impersonating}");
    }
}

#[test]
fn anonymous_requests_and_bad_tokens_are_refused_as_kube_apiserver_refuses_them() {
    let cluster = forum();
    let anonymous = cluster.anonymous_kubeconfig();
    for &minor in KUBECTLS {
        let kubectl = || {
            let mut command = cluster.kubectl(minor);
            command.env("KUBECONFIG", &anonymous);
            command
        };
        let version = succeeds(kubectl(), &["get", "--raw", "/version"]);
        assert!(version.contains("\"gitVersion\""), "{version}");
        // `--raw`: kubectl 1.27 words a refused discovery as `unknown`
        let namespaces = fails(kubectl(), &["get", "--raw", "/api/v1/namespaces"]);
        let expected = "Error from server (Forbidden): namespaces is forbidden: User \"system:anonymous\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope";
        assert!(namespaces.contains(expected), "{namespaces}");
        let discovery = fails(kubectl(), &["get", "--raw", "/apis"]);
        let expected = "forbidden: User \"system:anonymous\" cannot get path \"/apis\"";
        assert!(discovery.contains(expected), "{discovery}");
        let bogus = fails(
            with_token(&cluster, minor, "not-a-token"),
            &["get", "namespaces"],
        );
        // 401: kubectl 1.33 says `(Unauthorized)`, 1.27 `(the server has asked for the
        // client to provide credentials)`
        assert!(
            bogus.contains("error: You must be logged in to the server ("),
            "{bogus}"
        );
    }
    // a token stops working when its ServiceAccount goes, even if one of that name returns
    let token = token(&cluster, None);
    let whoami = succeeds(with_token(&cluster, None, &token), &["auth", "whoami"]);
    assert!(whoami.contains(SA), "{whoami}");
    cluster.ok(
        None,
        &["delete", "serviceaccount", "dbmigrate", "-n", "forum"],
    );
    cluster.ok(
        None,
        &["create", "serviceaccount", "dbmigrate", "-n", "forum"],
    );
    let revoked = fails(with_token(&cluster, None, &token), &["auth", "whoami"]);
    assert!(revoked.contains("Unauthorized"), "{revoked}");
    for &minor in KUBECTLS {
        let lifetime = cluster.ok(
            minor,
            &[
                "create",
                "token",
                "dbmigrate",
                "-n",
                "forum",
                "--duration=2h",
                "-o",
                "jsonpath={.spec.expirationSeconds} {.status.expirationTimestamp}",
            ],
        );
        assert!(lifetime.starts_with("7200 20"), "{lifetime}");
        let short = cluster.fails(
            minor,
            &[
                "create",
                "token",
                "dbmigrate",
                "-n",
                "forum",
                "--duration=1m",
            ],
        );
        assert!(
            short.contains("may not specify a duration less than 10 minutes"),
            "{short}"
        );
    }
    let missing = cluster.fails(None, &["create", "token", "nobody", "-n", "forum"]);
    assert!(
        missing.contains("serviceaccounts \"nobody\" not found"),
        "{missing}"
    );
}

#[test]
fn watches_are_authorized_before_they_start() {
    let cluster = forum();
    cluster.ok(
        None,
        &[
            "create",
            "role",
            "cm",
            "--verb=get,list",
            "--resource=configmaps",
            "-n",
            "forum",
        ],
    );
    cluster.ok(
        None,
        &[
            "create",
            "rolebinding",
            "cm",
            "--role=cm",
            "--serviceaccount=forum:dbmigrate",
            "-n",
            "forum",
        ],
    );
    for &minor in KUBECTLS {
        let token = token(&cluster, minor);
        let started = Instant::now();
        let watch = fails(
            with_token(&cluster, minor, &token),
            &[
                "get",
                "configmaps",
                "-n",
                "forum",
                "--watch",
                "--request-timeout=20s",
            ],
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the watch was not refused at once"
        );
        // kubectl 1.27 cannot decode a watch's error into its Table decoder and prints
        // `unknown`, as it does against a real cluster
        assert!(
            watch.contains(&forbidden(
                "watch",
                "configmaps",
                "",
                "in the namespace \"forum\""
            )) || watch.contains("Error from server (Forbidden): unknown (get configmaps)"),
            "{watch}"
        );
    }
    let events = cluster.audit_log();
    let refused_watches = events.iter().filter(|e| {
        e["user"]["username"] == SA && e["verb"] == "watch" && e["responseStatus"]["code"] == 403
    });
    let stages: Vec<&str> = refused_watches
        .filter_map(|e| e["stage"].as_str())
        .collect();
    // a watch is long-running: ResponseStarted, then ResponseComplete
    assert_eq!(stages.len(), 2 * KUBECTLS.len(), "{stages:?}");
    assert!(stages.contains(&"ResponseStarted") && stages.contains(&"ResponseComplete"));
}

#[test]
fn the_audit_log_shows_what_a_service_account_did_and_that_it_read_no_secret() {
    let cluster = forum();
    cluster.ok(
        None,
        &[
            "create",
            "secret",
            "generic",
            "forum-db",
            "--from-literal=url=postgres://db",
            "-n",
            "forum",
        ],
    );
    cluster.ok(
        None,
        &[
            "create",
            "configmap",
            "forum-config",
            "--from-literal=a=b",
            "-n",
            "forum",
        ],
    );
    cluster.ok(
        None,
        &[
            "create",
            "role",
            "cm",
            "--verb=get,list",
            "--resource=configmaps",
            "-n",
            "forum",
        ],
    );
    cluster.ok(
        None,
        &[
            "create",
            "rolebinding",
            "cm",
            "--role=cm",
            "--serviceaccount=forum:dbmigrate",
            "-n",
            "forum",
        ],
    );
    let token = token(&cluster, None);
    succeeds(
        with_token(&cluster, None, &token),
        &["get", "configmap", "forum-config", "-n", "forum"],
    );
    fails(
        with_token(&cluster, None, &token),
        &["get", "secret", "forum-db", "-n", "forum"],
    );
    fails(
        with_token(&cluster, None, &token),
        &["get", "secrets", "-n", "forum"],
    );
    succeeds(
        cluster.kubectl(None),
        &["get", "configmaps", "-n", "forum", &format!("--as={SA}")],
    );
    let events = cluster.audit_log();
    let by_sa: Vec<&Value> = events
        .iter()
        .filter(|e| e["user"]["username"] == SA)
        .collect();
    let read = by_sa
        .iter()
        .find(|e| e["verb"] == "get" && e["objectRef"]["name"] == "forum-config")
        .unwrap_or_else(|| panic!("no get of forum-config by {SA}: {by_sa:#?}"));
    assert_eq!(read["objectRef"]["resource"], "configmaps");
    assert_eq!(read["objectRef"]["namespace"], "forum");
    assert_eq!(read["objectRef"]["apiVersion"], "v1");
    assert_eq!(read["responseStatus"]["code"], 200);
    assert_eq!(read["stage"], "ResponseComplete");
    assert_eq!(read["sourceIPs"][0], "127.0.0.1");
    assert!(
        read["userAgent"]
            .as_str()
            .unwrap_or_default()
            .starts_with("kubectl")
    );
    assert_eq!(
        read["annotations"]["authorization.k8s.io/decision"],
        "allow"
    );
    assert_eq!(
        read["annotations"]["authorization.k8s.io/reason"],
        format!(
            "RBAC: allowed by RoleBinding \"cm/forum\" of Role \"cm\" to ServiceAccount \"dbmigrate/forum\""
        )
    );
    let secrets: Vec<&&Value> = by_sa
        .iter()
        .filter(|e| e["objectRef"]["resource"] == "secrets")
        .collect();
    assert_eq!(secrets.len(), 2, "{secrets:#?}");
    assert!(secrets.iter().all(|e| e["responseStatus"]["code"] == 403
        && e["annotations"]["authorization.k8s.io/decision"] == "forbid"));
    // impersonation: the admin authenticated, the ServiceAccount acted
    let impersonated = events
        .iter()
        .find(|e| e["impersonatedUser"]["username"] == SA && e["verb"] == "list")
        .expect("the admin's list as the ServiceAccount");
    assert_eq!(impersonated["user"]["username"], "kubernetes-admin");
    assert_eq!(
        impersonated["user"]["groups"],
        serde_json::json!(["system:masters", "system:authenticated"])
    );
    // the token request itself, by the admin
    assert!(events.iter().any(|e| e["verb"] == "create"
        && e["objectRef"]["subresource"] == "token"
        && e["objectRef"]["name"] == "dbmigrate"
        && e["user"]["username"] == "kubernetes-admin"
        && e["responseStatus"]["code"] == 201));
}

#[test]
fn bootstrap_roles_aggregate_as_on_a_real_cluster() {
    let cluster = forum();
    cluster.ok(
        None,
        &[
            "create",
            "rolebinding",
            "viewers",
            "--clusterrole=view",
            "--serviceaccount=forum:dbmigrate",
            "-n",
            "forum",
        ],
    );
    let as_sa = format!("--as={SA}");
    assert_eq!(
        can_i(
            &cluster,
            None,
            &["list", "configmaps", "-n", "forum", &as_sa]
        ),
        "yes"
    );
    assert_eq!(
        can_i(&cluster, None, &["list", "secrets", "-n", "forum", &as_sa]),
        "no"
    );
    assert_eq!(
        can_i(
            &cluster,
            None,
            &["list", "leases.coordination.k8s.io", "-n", "forum", &as_sa]
        ),
        "no"
    );
    cluster.ok_with_input(
        None,
        &["apply", "-f", "-"],
        "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: lease-viewer
  labels:
    rbac.authorization.k8s.io/aggregate-to-view: \"true\"
rules:
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, list, watch]
",
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while can_i(
        &cluster,
        None,
        &["list", "leases.coordination.k8s.io", "-n", "forum", &as_sa],
    ) != "yes"
    {
        assert!(
            Instant::now() < deadline,
            "view never aggregated lease-viewer's rule"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let rules = cluster.ok(
        None,
        &[
            "get",
            "clusterrole",
            "view",
            "-o",
            "jsonpath={.rules[*].resources}",
        ],
    );
    assert!(
        rules.contains("leases") && rules.contains("configmaps"),
        "{rules}"
    );
    // a binding's role cannot change, as kube-apiserver's validation says
    let changed = cluster.fails(
        None,
        &[
            "patch",
            "rolebinding",
            "viewers",
            "-n",
            "forum",
            "--type=merge",
            "-p",
            r#"{"roleRef":{"name":"edit"}}"#,
        ],
    );
    assert!(changed.contains("cannot change roleRef"), "{changed}");
}

#[test]
fn owner_references_need_finalizer_rights_when_the_admission_plugin_is_on() {
    let cluster = Cluster::start_rbac(true);
    setup(&cluster);
    cluster.ok(None, &["create", "configmap", "parent", "-n", "forum"]);
    let uid = cluster.jsonpath(None, "forum", "configmap/parent", "{.metadata.uid}");
    cluster.ok(
        None,
        &[
            "create",
            "role",
            "cm",
            "--verb=create,get",
            "--resource=configmaps",
            "-n",
            "forum",
        ],
    );
    cluster.ok(
        None,
        &[
            "create",
            "rolebinding",
            "cm",
            "--role=cm",
            "--serviceaccount=forum:dbmigrate",
            "-n",
            "forum",
        ],
    );
    let child = |name: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: forum\n  ownerReferences:\n  - apiVersion: v1\n    kind: ConfigMap\n    name: parent\n    uid: {uid}\n    controller: true\n    blockOwnerDeletion: true\n"
        )
    };
    let token = token(&cluster, None);
    let first = cluster.write("child-1.yaml", &child("child-1"));
    let refused = fails(
        with_token(&cluster, None, &token),
        &["create", "-f", first.to_str().unwrap_or_default()],
    );
    let expected = "configmaps \"child-1\" is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: , <nil>";
    assert!(refused.contains(expected), "{refused}");
    cluster.ok_with_input(
        None,
        &["apply", "-f", "-"],
        "apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: finalizers
  namespace: forum
rules:
- apiGroups: [\"\"]
  resources: [configmaps/finalizers]
  verbs: [update]
",
    );
    cluster.ok(
        None,
        &[
            "create",
            "rolebinding",
            "finalizers",
            "--role=finalizers",
            "--serviceaccount=forum:dbmigrate",
            "-n",
            "forum",
        ],
    );
    let second = cluster.write("child-2.yaml", &child("child-2"));
    succeeds(
        with_token(&cluster, None, &token),
        &["create", "-f", second.to_str().unwrap_or_default()],
    );
}
