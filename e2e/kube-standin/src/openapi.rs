//! OpenAPI v3 (`/openapi/v3` and one document per group version): the paths and operations of
//! every resource, with the query parameters the real server takes. kubectl reads them to learn
//! that this server validates fields itself (`fieldValidation`), so `kubectl apply` and
//! `create` work without `--validate=false`; custom resources also carry their schema.

use serde_json::{Map, Value, json};

use crate::registry::{Registry, ResourceType};

fn group_version_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// `/openapi/v3`: the index of group-version documents.
pub fn index(registry: &Registry) -> Value {
    let mut paths = Map::new();
    for (group, versions) in registry.groups() {
        for version in versions {
            let path = group_version_path(&group, &version);
            let hash = document_hash(registry, &group, &version);
            paths.insert(
                path.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{path}?hash={hash}")}),
            );
        }
    }
    json!({"paths": paths})
}

fn document_hash(registry: &Registry, group: &str, version: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    if let Some(document) = document(registry, group, version) {
        document.to_string().hash(&mut hasher);
    }
    format!("{:016X}", hasher.finish())
}

fn parameter(name: &str) -> Value {
    json!({"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": true}})
}

fn operation(t: &ResourceType, action: &str, parameters: &[&str]) -> Value {
    json!({
        "operationId": format!("{action}{}", t.kind),
        "tags": [t.group.clone()],
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": t.group, "version": t.version, "kind": t.kind},
        "parameters": parameters.iter().map(|p| parameter(p)).collect::<Vec<_>>(),
        "responses": {"200": {"description": "OK"}},
    })
}

const WRITE_PARAMETERS: &[&str] = &["dryRun", "fieldManager", "fieldValidation", "pretty"];

fn schema_name(t: &ResourceType) -> String {
    let reversed: Vec<&str> = t.group.split('.').rev().collect();
    format!("{}.{}.{}", reversed.join("."), t.version, t.kind)
}

/// `/openapi/v3/api/v1` or `/openapi/v3/apis/<group>/<version>`.
pub fn document(registry: &Registry, group: &str, version: &str) -> Option<Value> {
    let types = registry.group_version(group, version);
    if types.is_empty() {
        return None;
    }
    let mut paths = Map::new();
    let mut schemas = Map::new();
    let prefix = format!("/{}", group_version_path(group, version));
    for t in types {
        let scope = if t.namespaced {
            "/namespaces/{namespace}"
        } else {
            ""
        };
        let collection = format!("{prefix}{scope}/{}", t.plural);
        if t.create_only {
            paths.insert(
                collection,
                json!({"post": operation(t, "post", WRITE_PARAMETERS)}),
            );
            continue;
        }
        let mut patch_parameters = WRITE_PARAMETERS.to_vec();
        patch_parameters.push("force");
        paths.insert(collection.clone(), json!({
            "get": operation(t, "list", &["labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "watch"]),
            "post": operation(t, "post", WRITE_PARAMETERS),
            "delete": operation(t, "deletecollection", &["labelSelector", "fieldSelector", "propagationPolicy"]),
        }));
        let item = json!({
            "get": operation(t, "get", &[]),
            "put": operation(t, "put", WRITE_PARAMETERS),
            "patch": operation(t, "patch", &patch_parameters),
            "delete": operation(t, "delete", &["propagationPolicy", "gracePeriodSeconds", "dryRun"]),
        });
        paths.insert(format!("{collection}/{{name}}"), item.clone());
        if t.status_subresource {
            paths.insert(format!("{collection}/{{name}}/status"), item);
        }
        if let Some(schema) = t.custom().and_then(|c| c.schema.clone()) {
            let mut schema = schema;
            schema["x-kubernetes-group-version-kind"] =
                json!([{"group": t.group, "version": t.version, "kind": t.kind}]);
            schemas.insert(schema_name(t), schema);
        }
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.33.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    }))
}
