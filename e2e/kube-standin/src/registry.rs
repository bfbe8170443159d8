//! The resource types this server serves: the built-in ones and those that
//! CustomResourceDefinitions register (added and removed with the CRD, no restart).

use std::sync::Arc;

use serde_json::Value;

use crate::validation::Validator;

/// One served resource: a group/version/plural and how it behaves.
pub struct ResourceType {
    /// API group, "" for core.
    pub group: String,
    /// API version within the group.
    pub version: String,
    /// Kind, e.g. `Job`.
    pub kind: String,
    /// Plural resource name, e.g. `jobs`.
    pub plural: String,
    /// Singular name, e.g. `job`.
    pub singular: String,
    /// Short names for kubectl, e.g. `cm`.
    pub short_names: Vec<String>,
    /// Categories, e.g. `all`.
    pub categories: Vec<String>,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
    /// Whether `/status` is a subresource (the main endpoint then ignores status).
    pub status_subresource: bool,
    /// Whether `metadata.generation` counts spec changes.
    pub tracks_generation: bool,
    /// Objects of every version/representation of this resource share this key.
    pub storage: String,
    /// What is known only for built-in kinds, else the CRD's schema.
    pub flavour: Flavour,
    /// A review: only `create` on the collection, answered from the request, never stored.
    pub create_only: bool,
}

/// Built-in kinds are checked by decoding them as the real types; custom ones by their schema.
pub enum Flavour {
    /// A built-in kind.
    Builtin,
    /// A custom resource of a CRD version.
    Custom(Arc<CustomSchema>),
}

/// What a CRD version declares about its objects.
pub struct CustomSchema {
    /// `openAPIV3Schema`, when the version has one.
    pub schema: Option<Value>,
    /// The schema's checks (OpenAPI, list types, CEL), compiled.
    pub validator: Option<Validator>,
    /// `additionalPrinterColumns` as declared.
    pub printer_columns: Value,
    /// The version objects are stored in (all versions share one storage, no conversion).
    pub storage_version: String,
}

impl ResourceType {
    /// `group/version`, or `version` for core.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The CRD schema, for custom resources.
    pub fn custom(&self) -> Option<&CustomSchema> {
        match &self.flavour {
            Flavour::Custom(custom) => Some(custom),
            Flavour::Builtin => None,
        }
    }

    /// Whether the resource has subresource `name` (`status`, `log`, `token`).
    pub fn has_subresource(&self, name: &str) -> bool {
        match name {
            "status" => self.status_subresource,
            "log" => self.group.is_empty() && self.plural == "pods",
            "token" => self.group.is_empty() && self.plural == "serviceaccounts",
            _ => false,
        }
    }

    /// Verbs for discovery.
    pub fn verbs(&self) -> Vec<&'static str> {
        if self.create_only {
            return vec!["create"];
        }
        vec![
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch",
        ]
    }
}

/// (group, version, kind, plural, short names, categories, namespaced, status, generation)
type BuiltinRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    bool,
    bool,
    bool,
);

const BUILTINS: &[BuiltinRow] = &[
    (
        "",
        "v1",
        "Namespace",
        "namespaces",
        &["ns"],
        &[],
        false,
        true,
        false,
    ),
    ("", "v1", "Secret", "secrets", &[], &[], true, false, false),
    (
        "",
        "v1",
        "ConfigMap",
        "configmaps",
        &["cm"],
        &[],
        true,
        false,
        false,
    ),
    (
        "",
        "v1",
        "ServiceAccount",
        "serviceaccounts",
        &["sa"],
        &[],
        true,
        false,
        false,
    ),
    (
        "",
        "v1",
        "Event",
        "events",
        &["ev"],
        &[],
        true,
        false,
        false,
    ),
    (
        "",
        "v1",
        "Pod",
        "pods",
        &["po"],
        &["all"],
        true,
        true,
        false,
    ),
    ("", "v1", "Node", "nodes", &["no"], &[], false, true, false),
    // stored and served only (no controller acts on them): what installing an operator applies
    (
        "",
        "v1",
        "Service",
        "services",
        &["svc"],
        &["all"],
        true,
        true,
        false,
    ),
    (
        "apps",
        "v1",
        "Deployment",
        "deployments",
        &["deploy"],
        &["all"],
        true,
        true,
        true,
    ),
    (
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        &["pdb"],
        &[],
        true,
        true,
        true,
    ),
    (
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        &["netpol"],
        &[],
        true,
        false,
        true,
    ),
    (
        "batch",
        "v1",
        "Job",
        "jobs",
        &[],
        &["all"],
        true,
        true,
        true,
    ),
    (
        "coordination.k8s.io",
        "v1",
        "Lease",
        "leases",
        &[],
        &[],
        true,
        false,
        false,
    ),
    (
        "events.k8s.io",
        "v1",
        "Event",
        "events",
        &["ev"],
        &[],
        true,
        false,
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "Role",
        "roles",
        &[],
        &[],
        true,
        false,
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        &[],
        &[],
        true,
        false,
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        &[],
        &[],
        false,
        false,
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        &[],
        &[],
        false,
        false,
        false,
    ),
    (
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        &["crd", "crds"],
        &["api-extensions"],
        false,
        true,
        true,
    ),
];

/// The reviews (group, version, kind, plural), create-only and cluster-scoped.
const REVIEWS: &[(&str, &str, &str, &str)] = &[
    (
        "authorization.k8s.io",
        "v1",
        "SelfSubjectAccessReview",
        "selfsubjectaccessreviews",
    ),
    (
        "authorization.k8s.io",
        "v1",
        "SelfSubjectRulesReview",
        "selfsubjectrulesreviews",
    ),
    (
        "authorization.k8s.io",
        "v1",
        "SubjectAccessReview",
        "subjectaccessreviews",
    ),
    (
        "authentication.k8s.io",
        "v1",
        "SelfSubjectReview",
        "selfsubjectreviews",
    ),
];

/// Every served resource type.
pub struct Registry {
    types: Vec<Arc<ResourceType>>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    /// The built-in resources only.
    pub fn new() -> Self {
        let types = BUILTINS
            .iter()
            .map(
                |&(
                    group,
                    version,
                    kind,
                    plural,
                    short,
                    categories,
                    namespaced,
                    status,
                    generation,
                )| {
                    Arc::new(ResourceType {
                        group: group.to_owned(),
                        version: version.to_owned(),
                        kind: kind.to_owned(),
                        plural: plural.to_owned(),
                        singular: kind.to_lowercase(),
                        short_names: short.iter().map(|s| s.to_string()).collect(),
                        categories: categories.iter().map(|s| s.to_string()).collect(),
                        namespaced,
                        status_subresource: status,
                        tracks_generation: generation,
                        // core and events.k8s.io events are one store, two representations
                        storage: if plural == "events" {
                            "events".to_owned()
                        } else {
                            format!("{group}/{plural}")
                        },
                        flavour: Flavour::Builtin,
                        create_only: false,
                    })
                },
            )
            .chain(REVIEWS.iter().map(|&(group, version, kind, plural)| {
                Arc::new(ResourceType {
                    group: group.to_owned(),
                    version: version.to_owned(),
                    kind: kind.to_owned(),
                    plural: plural.to_owned(),
                    singular: kind.to_lowercase(),
                    short_names: Vec::new(),
                    categories: Vec::new(),
                    namespaced: false,
                    status_subresource: false,
                    tracks_generation: false,
                    storage: format!("{group}/{plural}"),
                    flavour: Flavour::Builtin,
                    create_only: true,
                })
            }))
            .collect();
        Self { types }
    }

    /// The resource at `group/version/plural`.
    pub fn find(&self, group: &str, version: &str, plural: &str) -> Option<Arc<ResourceType>> {
        self.types
            .iter()
            .find(|t| t.group == group && t.version == version && t.plural == plural)
            .cloned()
    }

    /// Every served resource type, in registration order.
    pub fn all(&self) -> &[Arc<ResourceType>] {
        &self.types
    }

    /// The resources of one group version.
    pub fn group_version(&self, group: &str, version: &str) -> Vec<&Arc<ResourceType>> {
        self.types
            .iter()
            .filter(|t| t.group == group && t.version == version)
            .collect()
    }

    /// The served group versions: (group, versions in preference order).
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for t in &self.types {
            match groups.iter_mut().find(|(g, _)| *g == t.group) {
                Some((_, versions)) => {
                    if !versions.contains(&t.version) {
                        versions.push(t.version.clone());
                    }
                }
                None => groups.push((t.group.clone(), vec![t.version.clone()])),
            }
        }
        groups
    }

    /// Replaces every CRD-registered type by those of `crds` (established CRD objects).
    pub fn set_custom(&mut self, crds: &[Value]) {
        self.types.retain(|t| matches!(t.flavour, Flavour::Builtin));
        for crd in crds {
            self.types.extend(custom_types(crd));
        }
    }
}

/// The resource types one CRD object registers: one per served version.
fn custom_types(crd: &Value) -> Vec<Arc<ResourceType>> {
    let spec = &crd["spec"];
    let names = &spec["names"];
    let group = spec["group"].as_str().unwrap_or_default();
    let plural = names["plural"].as_str().unwrap_or_default();
    let kind = names["kind"].as_str().unwrap_or_default();
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    let versions = spec["versions"].as_array().cloned().unwrap_or_default();
    let storage_version = versions
        .iter()
        .find(|v| v["storage"] == Value::Bool(true))
        .and_then(|v| v["name"].as_str())
        .unwrap_or_default()
        .to_owned();
    versions
        .iter()
        .filter(|v| v["served"] != Value::Bool(false))
        .map(|version| {
            let schema = version["schema"]["openAPIV3Schema"].clone();
            let schema = (!schema.is_null()).then_some(schema);
            let validator = schema.as_ref().and_then(|s| match Validator::new(s) {
                Ok(validator) => Some(validator),
                Err(e) => {
                    tracing::warn!(crd = plural, error = %e, "schema not enforced");
                    None
                }
            });
            Arc::new(ResourceType {
                group: group.to_owned(),
                version: version["name"].as_str().unwrap_or_default().to_owned(),
                kind: kind.to_owned(),
                plural: plural.to_owned(),
                singular: names["singular"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| kind.to_lowercase()),
                short_names: strings(&names["shortNames"]),
                categories: strings(&names["categories"]),
                namespaced: spec["scope"] != "Cluster",
                status_subresource: version["subresources"].get("status").is_some(),
                tracks_generation: true,
                storage: format!("{group}/{plural}"),
                flavour: Flavour::Custom(Arc::new(CustomSchema {
                    schema,
                    validator,
                    printer_columns: version["additionalPrinterColumns"].clone(),
                    storage_version: storage_version.clone(),
                })),
                create_only: false,
            })
        })
        .collect()
}
