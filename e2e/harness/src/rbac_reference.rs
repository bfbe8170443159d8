//! The RBAC reference of `docs/rbac.md` as tests use it: its tables of the operator's and
//! `dbmigrate wait`'s API requests parsed into rows, the ServiceAccount, Roles or ClusterRole
//! and bindings that grant exactly those rows for one way of installing the operator, and
//! whether a request of the audit log is covered by a row.
//!
//! A row reads `| API group | Resource | Verbs | Scope | Why |`: the group in backticks
//! (`` `` `` with "(core)" for the core group), the resource with an optional `/subresource`
//! and an optional "(`name` only)" that restricts it to that object (`resourceNames`), the
//! verbs in backticks, and the scope: `watched` (each watched namespace, or the whole cluster
//! when all are watched), `own` (the operator's namespace, where its Lease is) or
//! `application` (the namespace of an application running `dbmigrate wait`).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::{AuditEvent, HarnessError};

/// Where a row's permission is granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RbacScope {
    /// Every watched namespace (a ClusterRole when all namespaces are watched).
    Watched,
    /// The operator's own namespace.
    Own,
    /// An application's namespace (`dbmigrate wait`).
    Application,
}

/// One row of a table: a permission and where it is granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RbacRow {
    /// API group ("" for the core group).
    pub api_group: String,
    /// Resource, with `/subresource` when the row is about one.
    pub resource: String,
    /// The only objects it allows (empty: all).
    pub resource_names: Vec<String>,
    /// Verbs.
    pub verbs: Vec<String>,
    /// Where.
    pub scope: RbacScope,
}

impl RbacRow {
    /// `group resource[/sub] verbs scope`, as a test prints it.
    pub fn describe(&self) -> String {
        let group = if self.api_group.is_empty() {
            "core"
        } else {
            &self.api_group
        };
        let names = if self.resource_names.is_empty() {
            String::new()
        } else {
            format!(" ({} only)", self.resource_names.join(", "))
        };
        format!(
            "{group} {}{names} [{}] {:?}",
            self.resource,
            self.verbs.join(", "),
            self.scope
        )
    }

    /// The `rbac.authorization.k8s.io/v1` PolicyRule of this row.
    fn policy_rule(&self) -> Value {
        let mut rule = json!({
            "apiGroups": [self.api_group],
            "resources": [self.resource],
            "verbs": self.verbs,
        });
        if !self.resource_names.is_empty() {
            rule["resourceNames"] = json!(self.resource_names);
        }
        rule
    }
}

/// The two tables of `docs/rbac.md`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RbacReference {
    /// The operator's rows.
    pub operator: Vec<RbacRow>,
    /// `dbmigrate wait`'s rows.
    pub wait: Vec<RbacRow>,
}

/// The namespaces an operator watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watched {
    /// All of them (`dbmigrate operator` without `--namespace`).
    All,
    /// These (`--namespace a,b`).
    Namespaces(Vec<String>),
}

/// How an operator is installed: who it is, what it watches, whether it may read Secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorInstall {
    /// Its ServiceAccount's namespace: its own namespace, where its Lease is.
    pub namespace: String,
    /// Its ServiceAccount's name.
    pub service_account: String,
    /// What it watches.
    pub watched: Watched,
    /// `--secret-access namespaced` (true) or `none` (false: no `secrets` row is granted).
    pub reads_secrets: bool,
}

impl OperatorInstall {
    /// The user name its requests carry.
    pub fn user(&self) -> String {
        format!(
            "system:serviceaccount:{}:{}",
            self.namespace, self.service_account
        )
    }

    /// Whether `row` is granted in this install.
    fn grants(&self, row: &RbacRow) -> bool {
        self.reads_secrets || row.resource != "secrets"
    }
}

impl RbacReference {
    /// The reference of this checkout: `docs/rbac.md` at the repository's root.
    pub fn of_repository() -> Result<Self, HarnessError> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rbac.md");
        let text = std::fs::read_to_string(&path)
            .map_err(HarnessError::io(format!("reading {}", path.display())))?;
        Self::parse(&text, &path)
    }

    /// Parses the operator's table (under "## The operator") and the wait table (under
    /// "## `dbmigrate wait`") of `text`, read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Self, HarnessError> {
        let mut operator = Vec::new();
        let mut wait = Vec::new();
        let mut section: Option<&mut Vec<RbacRow>> = None;
        for line in text.lines() {
            if let Some(heading) = line.strip_prefix("## ") {
                section = if heading.starts_with("The operator") {
                    Some(&mut operator)
                } else if heading.contains("dbmigrate wait") {
                    Some(&mut wait)
                } else {
                    None
                };
                continue;
            }
            let Some(rows) = section.as_deref_mut() else {
                continue;
            };
            let row = parse_row(line).map_err(|reason| invalid(path, line, &reason))?;
            if let Some(row) = row {
                rows.push(row);
            }
        }
        if operator.is_empty() || wait.is_empty() {
            return Err(invalid(
                path,
                "",
                "no rows under \"## The operator\" or \"## `dbmigrate wait`\"",
            ));
        }
        Ok(Self { operator, wait })
    }

    /// This reference without `verb` on `resource` of `api_group` in the operator's rows (a
    /// row left without verbs is dropped): for tests that show a missing rule fails.
    pub fn without(mut self, api_group: &str, resource: &str, verb: &str) -> Self {
        for row in &mut self.operator {
            if row.api_group == api_group && row.resource == resource {
                row.verbs.retain(|v| v != verb);
            }
        }
        self.operator.retain(|row| !row.verbs.is_empty());
        self
    }

    /// The objects that install the operator's RBAC as `install` says: its ServiceAccount;
    /// the `watched` rows in a Role and RoleBinding per watched namespace, or in a ClusterRole
    /// and ClusterRoleBinding (named `<namespace>-<service account>`, unique per install)
    /// for all namespaces; the `own` rows in a Role and RoleBinding in its namespace.
    pub fn operator_objects(&self, install: &OperatorInstall) -> Vec<Value> {
        let name = install.service_account.as_str();
        let own = install.namespace.as_str();
        let rules = |scope: RbacScope| -> Vec<Value> {
            self.operator
                .iter()
                .filter(|row| row.scope == scope && install.grants(row))
                .map(RbacRow::policy_rule)
                .collect()
        };
        let subject = json!([{"kind": "ServiceAccount", "name": name, "namespace": own}]);
        let mut objects = vec![json!({
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": name, "namespace": own},
        })];
        match &install.watched {
            Watched::All => {
                let cluster_name = format!("{own}-{name}");
                objects.push(role(
                    "ClusterRole",
                    &cluster_name,
                    None,
                    rules(RbacScope::Watched),
                ));
                objects.push(binding("ClusterRole", &cluster_name, None, &subject));
            }
            Watched::Namespaces(namespaces) => {
                for namespace in namespaces {
                    let watched = rules(RbacScope::Watched);
                    objects.push(role("Role", name, Some(namespace), watched));
                    objects.push(binding("Role", name, Some(namespace), &subject));
                }
            }
        }
        let leases = format!("{name}-leader-election");
        objects.push(role("Role", &leases, Some(own), rules(RbacScope::Own)));
        objects.push(binding("Role", &leases, Some(own), &subject));
        objects
    }

    /// The operator's row that allows `event`'s request in `install`, if one does: same group,
    /// resource (and subresource), verb and object name, in a namespace of its scope.
    /// Non-resource requests (`/version`, discovery) are covered by no row.
    pub fn operator_row_of(
        &self,
        install: &OperatorInstall,
        event: &AuditEvent,
    ) -> Option<&RbacRow> {
        let object = event.object_ref.as_ref()?;
        let resource = if object.subresource.is_empty() {
            object.resource.clone()
        } else {
            format!("{}/{}", object.resource, object.subresource)
        };
        self.operator.iter().find(|row| {
            install.grants(row)
                && row.api_group == object.api_group
                && row.resource == resource
                && row.verbs.contains(&event.verb)
                && (row.resource_names.is_empty() || row.resource_names.contains(&object.name))
                && in_scope(row.scope, install, &object.namespace)
        })
    }
}

/// Whether a request in `namespace` ("" for all namespaces) is within `scope`.
fn in_scope(scope: RbacScope, install: &OperatorInstall, namespace: &str) -> bool {
    match (scope, &install.watched) {
        (RbacScope::Watched, Watched::All) => true,
        (RbacScope::Watched, Watched::Namespaces(namespaces)) => {
            namespaces.iter().any(|n| n == namespace)
        }
        (RbacScope::Own, _) => namespace == install.namespace,
        (RbacScope::Application, _) => false,
    }
}

/// A Role or ClusterRole.
fn role(kind: &str, name: &str, namespace: Option<&str>, rules: Vec<Value>) -> Value {
    let mut metadata = json!({"name": name});
    if let Some(namespace) = namespace {
        metadata["namespace"] = json!(namespace);
    }
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": metadata, "rules": rules})
}

/// A RoleBinding (or ClusterRoleBinding) of the `role_kind` of that name to `subjects`.
fn binding(role_kind: &str, name: &str, namespace: Option<&str>, subjects: &Value) -> Value {
    let mut metadata = json!({"name": name});
    if let Some(namespace) = namespace {
        metadata["namespace"] = json!(namespace);
    }
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": format!("{role_kind}Binding"),
        "metadata": metadata,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": name},
        "subjects": subjects,
    })
}

/// One table line as a row; `None` for a header, separator or any other line.
fn parse_row(line: &str) -> Result<Option<RbacRow>, String> {
    let line = line.trim();
    if !line.starts_with('|') {
        return Ok(None);
    }
    let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
    if cells.len() < 4 || cells[0] == "API group" || cells[0].starts_with("---") {
        return Ok(None);
    }
    let api_group = backticked(cells[0])
        .into_iter()
        .next()
        .ok_or("the API group is not in backticks")?;
    let mut resource_cell = backticked(cells[1]).into_iter();
    let resource = resource_cell
        .next()
        .ok_or("the resource is not in backticks")?;
    // "(`name` only)": the remaining backticked words name the objects
    let resource_names: Vec<String> = if cells[1].contains(" only)") {
        resource_cell.collect()
    } else {
        Vec::new()
    };
    let verbs = backticked(cells[2]);
    if verbs.is_empty() {
        return Err("no verbs in backticks".to_owned());
    }
    let scope = match cells[3] {
        "watched" => RbacScope::Watched,
        "own" => RbacScope::Own,
        "application" => RbacScope::Application,
        other => return Err(format!("unknown scope `{other}`")),
    };
    Ok(Some(RbacRow {
        api_group,
        resource,
        resource_names,
        verbs,
        scope,
    }))
}

/// The words between backticks in `cell` (`` `` `` is the empty word).
fn backticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn invalid(path: &Path, line: &str, reason: &str) -> HarnessError {
    let at = if line.is_empty() {
        String::new()
    } else {
        format!(" in line {line:?}")
    };
    HarnessError::RbacReference {
        path: PathBuf::from(path),
        at,
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLES: &str = "# RBAC\n\n## The operator\n\n\
        | API group | Resource | Verbs | Scope | Why |\n|---|---|---|---|---|\n\
        | `batch` | `jobs` | `list`, `create` | watched | steps |\n\
        | `` (core) | `secrets` | `get` | watched | only namespaced |\n\
        | `dbmigrate.dev` | `configsyncs/status` | `patch` | watched | status |\n\
        | `coordination.k8s.io` | `leases` (`dbmigrate-operator` only) | `get`, `patch` | own | lease |\n\n\
        ## `dbmigrate wait` (an application's init container)\n\n\
        | API group | Resource | Verbs | Scope | Why |\n|---|---|---|---|---|\n\
        | `dbmigrate.dev` | `databasemigrations` | `get` | application | wait |\n";

    fn reference() -> RbacReference {
        RbacReference::parse(TABLES, Path::new("rbac.md")).unwrap()
    }

    fn install(watched: Watched, reads_secrets: bool) -> OperatorInstall {
        OperatorInstall {
            namespace: "ops".to_owned(),
            service_account: "dbmigrate".to_owned(),
            watched,
            reads_secrets,
        }
    }

    fn group_of(resource: &str) -> &'static str {
        match resource {
            "leases" => "coordination.k8s.io",
            "jobs" => "batch",
            "configsyncs" => "dbmigrate.dev",
            _ => "",
        }
    }

    fn event(verb: &str, resource: &str, sub: &str, namespace: &str, name: &str) -> AuditEvent {
        serde_json::from_value(json!({
            "auditID": "1", "stage": "ResponseComplete", "requestURI": "/", "verb": verb,
            "user": {"username": "system:serviceaccount:ops:dbmigrate"},
            "objectRef": {"resource": resource, "subresource": sub, "namespace": namespace,
                          "name": name, "apiGroup": group_of(resource)},
        }))
        .unwrap()
    }

    #[test]
    fn parses_groups_subresources_names_verbs_and_scopes() {
        let reference = reference();
        let rows: Vec<String> = reference.operator.iter().map(RbacRow::describe).collect();
        assert_eq!(
            rows,
            [
                "batch jobs [list, create] Watched",
                "core secrets [get] Watched",
                "dbmigrate.dev configsyncs/status [patch] Watched",
                "coordination.k8s.io leases (dbmigrate-operator only) [get, patch] Own",
            ]
        );
        assert_eq!(reference.wait[0].scope, RbacScope::Application);
        let broken = TABLES.replace("| watched | steps", "| everywhere | steps");
        let error = RbacReference::parse(&broken, Path::new("rbac.md")).unwrap_err();
        assert!(
            error.to_string().contains("unknown scope `everywhere`"),
            "{error}"
        );
    }

    #[test]
    fn the_repositorys_reference_parses() {
        let reference = RbacReference::of_repository().unwrap();
        assert!(reference.operator.iter().any(|r| r.resource == "jobs"));
        assert!(!reference.wait.is_empty());
    }

    #[test]
    fn builds_roles_per_namespace_or_a_cluster_role_and_leaves_out_secrets_in_mode_none() {
        let reference = reference();
        let namespaced = install(Watched::Namespaces(vec!["a".into(), "b".into()]), false);
        let objects = reference.operator_objects(&namespaced);
        let kinds: Vec<String> = objects
            .iter()
            .map(|o| {
                format!(
                    "{} {}/{}",
                    o["kind"].as_str().unwrap(),
                    o["metadata"]["namespace"].as_str().unwrap_or(""),
                    o["metadata"]["name"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "ServiceAccount ops/dbmigrate",
                "Role a/dbmigrate",
                "RoleBinding a/dbmigrate",
                "Role b/dbmigrate",
                "RoleBinding b/dbmigrate",
                "Role ops/dbmigrate-leader-election",
                "RoleBinding ops/dbmigrate-leader-election",
            ]
        );
        assert!(
            !objects[1].to_string().contains("secrets"),
            "{}",
            objects[1]
        );
        assert_eq!(
            objects[5]["rules"][0]["resourceNames"],
            json!(["dbmigrate-operator"])
        );
        let all = reference.operator_objects(&install(Watched::All, true));
        assert_eq!(all[1]["kind"], "ClusterRole");
        assert_eq!(all[1]["metadata"]["name"], "ops-dbmigrate");
        assert!(all[1].to_string().contains("secrets"), "{}", all[1]);
        assert_eq!(all[2]["roleRef"]["kind"], "ClusterRole");
    }

    #[test]
    fn a_request_is_covered_by_the_row_of_its_verb_resource_name_and_namespace() {
        let reference = reference();
        let a = install(Watched::Namespaces(vec!["a".into()]), true);
        let covered =
            |e: &AuditEvent, i: &OperatorInstall| reference.operator_row_of(i, e).is_some();
        assert!(covered(&event("create", "jobs", "", "a", ""), &a));
        assert!(
            !covered(&event("create", "jobs", "", "c", ""), &a),
            "another namespace"
        );
        assert!(
            !covered(&event("list", "jobs", "", "", ""), &a),
            "all namespaces"
        );
        assert!(covered(
            &event("list", "jobs", "", "", ""),
            &install(Watched::All, true)
        ));
        assert!(
            !covered(&event("delete", "jobs", "", "a", "x"), &a),
            "another verb"
        );
        assert!(covered(
            &event("patch", "configsyncs", "status", "a", "x"),
            &a
        ));
        assert!(
            !covered(&event("patch", "configsyncs", "", "a", "x"), &a),
            "not the subresource"
        );
        assert!(covered(
            &event("get", "leases", "", "ops", "dbmigrate-operator"),
            &a
        ));
        assert!(
            !covered(&event("get", "leases", "", "ops", "other"), &a),
            "another name"
        );
        assert!(
            !covered(&event("get", "leases", "", "a", "dbmigrate-operator"), &a),
            "not own"
        );
        assert!(covered(&event("get", "secrets", "", "a", "db"), &a));
        let none = install(Watched::Namespaces(vec!["a".into()]), false);
        assert!(
            !covered(&event("get", "secrets", "", "a", "db"), &none),
            "mode none"
        );
        let without = reference.without("batch", "jobs", "create");
        assert!(
            without
                .operator_row_of(&a, &event("create", "jobs", "", "a", ""))
                .is_none()
        );
        assert!(
            without
                .operator_row_of(&a, &event("list", "jobs", "", "a", ""))
                .is_some()
        );
    }
}
