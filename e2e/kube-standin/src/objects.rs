//! The object verbs: get, list, create, update, patch (four kinds), delete, deletecollection,
//! on the main resource and the status subresource. Every write holds the store lock from read
//! to store, so optimistic concurrency is exact.

use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use serde_json::{Value, json};

use crate::admission::{self, FieldValidation, Write};
use crate::authn::user::UserInfo;
use crate::authz::owner_references;
use crate::convert::{from_storage, to_storage};
use crate::error::{ApiError, Cause, Subject};
use crate::http::{
    Params, Representation, json_response, parse_body, representation, with_warnings,
};
use crate::lifecycle::{self, Propagation};
use crate::patch::{self, ApplyError, Operation, PatchType};
use crate::registry::ResourceType;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::state::{State, now};
use crate::store::{Guard, Key};
use crate::table::{self, IncludeObject, Printer, PrinterColumn, TableOptions};

/// One request on objects of a resource.
pub struct Request<'a> {
    /// Shared state.
    pub state: &'a Arc<State>,
    /// The resource.
    pub rt: Arc<ResourceType>,
    /// Namespace from the path.
    pub namespace: Option<String>,
    /// Name from the path.
    pub name: Option<String>,
    /// Whether `/status` is addressed.
    pub status: bool,
    /// Query parameters.
    pub params: Params,
    /// Request headers.
    pub headers: HeaderMap,
    /// The user the request acts as.
    pub user: &'a UserInfo,
}

impl Request<'_> {
    /// The stored object the request names, or NotFound.
    fn existing(&self, guard: &Guard) -> Result<(Key, Value), ApiError> {
        let key = self.key(self.name());
        let object = guard
            .get(&key)
            .cloned()
            .ok_or_else(|| ApiError::not_found(&self.subject(self.name())))?;
        Ok((key, object))
    }

    fn key(&self, name: &str) -> Key {
        Key {
            storage: self.rt.storage.clone(),
            namespace: self.namespace.clone().unwrap_or_default(),
            name: name.to_owned(),
        }
    }

    fn subject<'n>(&'n self, name: &'n str) -> Subject<'n> {
        Subject {
            group: &self.rt.group,
            resource: &self.rt.plural,
            name,
        }
    }

    fn name(&self) -> &str {
        self.name.as_deref().unwrap_or_default()
    }

    /// The field manager: `fieldManager`, else the User-Agent's program name.
    fn manager(&self) -> String {
        self.params
            .get("fieldManager")
            .map(str::to_owned)
            .unwrap_or_else(|| {
                self.headers
                    .get(header::USER_AGENT)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|ua| ua.split('/').next())
                    .unwrap_or("unknown")
                    .to_owned()
            })
    }

    /// The OwnerReferencesPermissionEnforcement admission plugin: may the user set the owner
    /// references of `new` (`old` on updates)?
    fn admit_owner_references(
        &self,
        guard: &Guard,
        old: Option<&Value>,
        new: &Value,
    ) -> Result<(), ApiError> {
        let write = owner_references::Write {
            user: self.user,
            rt: &self.rt,
            subresource: if self.status { "status" } else { "" },
            namespace: self.namespace.as_deref().unwrap_or_default(),
            name: new["metadata"]["name"].as_str().unwrap_or_default(),
        };
        owner_references::admit(self.state, guard, &write, old, new)
    }

    fn dry_run(&self) -> bool {
        self.params.get("dryRun") == Some("All")
    }

    fn write<'w>(
        &'w self,
        manager: &'w str,
        operation: Operation,
        now: &'w str,
    ) -> Result<Write<'w>, ApiError> {
        Ok(Write {
            rt: &self.rt,
            namespace: self.namespace.as_deref().unwrap_or_default(),
            name: self.name.as_deref(),
            status: self.status,
            field_validation: FieldValidation::from_query(self.params.get("fieldValidation"))?,
            manager,
            operation,
            now,
        })
    }

    /// Renders one object as the client asked (object, Table, PartialObjectMetadata).
    fn render_one(&self, code: StatusCode, object: Value) -> Response {
        let object = from_storage(&self.rt, object);
        match representation(&self.headers) {
            Representation::Object => json_response(code, &object),
            Representation::Table(version) => {
                let rv = object["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                json_response(code, &self.table(&[object], &version, &rv, None, true))
            }
            Representation::Metadata(version) => {
                json_response(code, &partial_metadata(&object, &version))
            }
        }
    }

    /// A Table of served objects.
    pub fn table(
        &self,
        objects: &[Value],
        version: &str,
        rv: &str,
        continue_token: Option<&str>,
        columns: bool,
    ) -> Value {
        let crd_columns: Option<Vec<PrinterColumn>> = self
            .rt
            .custom()
            .and_then(|c| serde_json::from_value(c.printer_columns.clone()).ok());
        let printer = Printer::for_kind(&self.rt.group, &self.rt.kind, crd_columns);
        table::render(
            &printer,
            objects,
            &TableOptions {
                api_version: version,
                include_object: IncludeObject::from_query(self.params.get("includeObject")),
                column_definitions: columns,
                resource_version: rv,
                continue_token,
                now: time::OffsetDateTime::now_utc(),
            },
        )
    }
}

/// `{kind: PartialObjectMetadata, metadata}` of an object.
pub fn partial_metadata(object: &Value, version: &str) -> Value {
    json!({"kind": "PartialObjectMetadata", "apiVersion": version, "metadata": object["metadata"]})
}

/// GET of one object.
pub fn get(req: &Request) -> Result<Response, ApiError> {
    let guard = req.state.store.lock();
    let object = guard
        .get(&req.key(req.name()))
        .cloned()
        .ok_or_else(|| ApiError::not_found(&req.subject(req.name())))?;
    Ok(req.render_one(StatusCode::OK, object))
}

/// The label and field selectors of a list or watch.
pub struct Selectors {
    labels: LabelSelector,
    fields: FieldSelector,
}

impl Selectors {
    /// From `labelSelector` and `fieldSelector`.
    pub fn parse(params: &Params, kind: &str) -> Result<Self, ApiError> {
        Ok(Self {
            labels: LabelSelector::parse(params.get("labelSelector").unwrap_or_default())?,
            fields: FieldSelector::parse(params.get("fieldSelector").unwrap_or_default(), kind)?,
        })
    }

    /// Whether a served object is selected.
    pub fn matches(&self, object: &Value) -> bool {
        self.labels.matches(object) && self.fields.matches(object)
    }
}

/// LIST (with selectors, `limit` and `continue`).
pub fn list(req: &Request) -> Result<Response, ApiError> {
    let selectors = Selectors::parse(&req.params, &req.rt.kind)?;
    let (objects, rv) = {
        let guard = req.state.store.lock();
        // labels are the same stored and served: only objects they select are cloned
        let labelled = |o: &Value| selectors.labels.matches(o);
        (
            guard.list_where(&req.rt.storage, req.namespace.as_deref(), labelled),
            guard.rv(),
        )
    };
    let start = match req.params.get("continue") {
        Some(token) => Some(decode_continue(token)?),
        None => None,
    };
    let mut selected: Vec<Value> = objects
        .into_iter()
        .map(|o| from_storage(&req.rt, o))
        .filter(|o| selectors.matches(o))
        .filter(|o| start.as_ref().is_none_or(|s| position(o) > *s))
        .collect();
    let mut continue_token = None;
    let mut remaining = None;
    if let Some(limit) = req.params.number("limit")?.filter(|l| *l > 0) {
        let limit = limit as usize;
        if selected.len() > limit {
            remaining = Some(selected.len() - limit);
            selected.truncate(limit);
            continue_token = selected
                .last()
                .map(|last| encode_continue(rv, &position(last)));
        }
    }
    let rv = rv.to_string();
    let body = match representation(&req.headers) {
        Representation::Table(version) => {
            req.table(&selected, &version, &rv, continue_token.as_deref(), true)
        }
        Representation::Metadata(version) => json!({
            "kind": "PartialObjectMetadataList", "apiVersion": version,
            "metadata": list_meta(&rv, continue_token.as_deref(), remaining),
            "items": selected.iter().map(|o| partial_metadata(o, &version)).collect::<Vec<_>>(),
        }),
        Representation::Object => json!({
            "kind": format!("{}List", req.rt.kind), "apiVersion": req.rt.api_version(),
            "metadata": list_meta(&rv, continue_token.as_deref(), remaining),
            "items": selected,
        }),
    };
    Ok(json_response(StatusCode::OK, &body))
}

fn list_meta(rv: &str, continue_token: Option<&str>, remaining: Option<usize>) -> Value {
    let mut meta = json!({"resourceVersion": rv});
    if let Some(token) = continue_token {
        meta["continue"] = json!(token);
    }
    if let Some(remaining) = remaining {
        meta["remainingItemCount"] = json!(remaining);
    }
    meta
}

fn position(object: &Value) -> (String, String) {
    let meta = &object["metadata"];
    (
        meta["namespace"].as_str().unwrap_or_default().to_owned(),
        meta["name"].as_str().unwrap_or_default().to_owned(),
    )
}

fn encode_continue(rv: u64, (namespace, name): &(String, String)) -> String {
    let token = json!({"v": "meta.k8s.io/v1", "rv": rv, "start": [namespace, name]});
    base64::engine::general_purpose::URL_SAFE.encode(token.to_string())
}

fn decode_continue(token: &str) -> Result<(String, String), ApiError> {
    let invalid = || ApiError::bad_request(format!("invalid continue token {token:?}"));
    let bytes = base64::engine::general_purpose::URL_SAFE
        .decode(token)
        .map_err(|_| invalid())?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    let start = value["start"].as_array().ok_or_else(invalid)?;
    Ok((
        start
            .first()
            .and_then(Value::as_str)
            .ok_or_else(invalid)?
            .to_owned(),
        start
            .get(1)
            .and_then(Value::as_str)
            .ok_or_else(invalid)?
            .to_owned(),
    ))
}

/// Rejects writes into a namespace that does not exist or is being deleted.
fn check_namespace(guard: &Guard, req: &Request) -> Result<(), ApiError> {
    let Some(namespace) = req.namespace.as_deref().filter(|_| req.rt.namespaced) else {
        return Ok(());
    };
    let key = Key {
        storage: "/namespaces".to_owned(),
        namespace: String::new(),
        name: namespace.to_owned(),
    };
    match guard.get(&key) {
        None => Err(ApiError::not_found(&Subject {
            group: "",
            resource: "namespaces",
            name: namespace,
        })),
        Some(ns) if !ns["metadata"]["deletionTimestamp"].is_null() => {
            Err(ApiError::forbidden(format!(
                "{} \"{}\" is forbidden: unable to create new content in namespace {namespace} because it is being terminated",
                req.rt.plural,
                req.name()
            )))
        }
        Some(_) => Ok(()),
    }
}

/// Stores a new object (create, or apply of a missing one).
fn store_new(
    req: &Request,
    guard: &mut Guard,
    admitted: admission::Admitted,
) -> Result<Response, ApiError> {
    let stored = to_storage(&req.rt, admitted.object);
    let name = stored["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let key = req.key(&name);
    if guard.get(&key).is_some() {
        return Err(ApiError::already_exists(&req.subject(&name)));
    }
    let stored = if req.dry_run() {
        stored
    } else {
        guard.put(&key, stored)
    };
    lifecycle::after_write(req.state, guard, &req.rt);
    Ok(with_warnings(
        req.render_one(StatusCode::CREATED, stored),
        &admitted.warnings,
    ))
}

/// POST: create.
pub fn create(req: &Request, body: &[u8]) -> Result<Response, ApiError> {
    if req.status {
        return Err(ApiError::method_not_supported(&req.rt.plural, "create"));
    }
    let object = parse_body(&req.headers, body)?;
    let (manager, now) = (req.manager(), now());
    let write = req.write(&manager, Operation::Update, &now)?;
    let mut guard = req.state.store.lock();
    check_namespace(&guard, req)?;
    let admitted = admission::admit(&write, None, object)?;
    req.admit_owner_references(&guard, None, &admitted.object)?;
    store_new(req, &mut guard, admitted)
}

/// Stores `admitted` over `old` (a no-op when nothing changed), deleting the object when its
/// last finalizer went away during deletion.
fn store_update(
    req: &Request,
    guard: &mut Guard,
    key: &Key,
    old: &Value,
    admitted: admission::Admitted,
) -> Result<Response, ApiError> {
    let mut new = to_storage(&req.rt, admitted.object);
    new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"].clone();
    if new == *old || req.dry_run() {
        return Ok(with_warnings(
            req.render_one(StatusCode::OK, new),
            &admitted.warnings,
        ));
    }
    let deleting = !new["metadata"]["deletionTimestamp"].is_null();
    let finalizers_left = new["metadata"]["finalizers"]
        .as_array()
        .is_some_and(|f| !f.is_empty());
    let stored = if deleting && !finalizers_left {
        guard.put(key, new);
        lifecycle::remove(guard, key).unwrap_or_default()
    } else {
        guard.put(key, new)
    };
    lifecycle::after_write(req.state, guard, &req.rt);
    Ok(with_warnings(
        req.render_one(StatusCode::OK, stored),
        &admitted.warnings,
    ))
}

fn stale(req: &Request, old: &Value, new: &Value) -> Result<(), ApiError> {
    match new["metadata"]["resourceVersion"]
        .as_str()
        .filter(|v| !v.is_empty())
    {
        Some(rv) if Some(rv) != old["metadata"]["resourceVersion"].as_str() => {
            Err(ApiError::conflict(
                &req.subject(req.name()),
                "the object has been modified; please apply your changes to the latest version and try again",
            ))
        }
        _ => Ok(()),
    }
}

/// PUT: update (optimistic concurrency on `metadata.resourceVersion`).
pub fn update(req: &Request, body: &[u8]) -> Result<Response, ApiError> {
    let object = parse_body(&req.headers, body)?;
    let (manager, now) = (req.manager(), now());
    let write = req.write(&manager, Operation::Update, &now)?;
    let mut guard = req.state.store.lock();
    let (key, old) = req.existing(&guard)?;
    stale(req, &old, &object)?;
    let served = from_storage(&req.rt, old.clone());
    let admitted = admission::admit(&write, Some(&served), object)?;
    req.admit_owner_references(&guard, Some(&served), &admitted.object)?;
    store_update(req, &mut guard, &key, &old, admitted)
}

/// PATCH: JSON patch, merge patch, strategic merge patch or server-side apply.
pub fn patch(req: &Request, body: &[u8]) -> Result<Response, ApiError> {
    let content_type = req
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let patch_type = PatchType::from_content_type(&content_type)
        .ok_or_else(|| ApiError::unsupported_media_type(&content_type))?;
    if matches!(patch_type, PatchType::StrategicMerge) && req.rt.custom().is_some() {
        return Err(ApiError::unsupported_media_type(&content_type));
    }
    let patch_body = parse_body(&req.headers, body)?;
    let apply = matches!(patch_type, PatchType::Apply);
    let manager = match (apply, req.params.get("fieldManager")) {
        (true, None) => {
            return Err(ApiError::invalid(
                "PatchOptions",
                "meta.k8s.io",
                "",
                vec![Cause {
                    reason: "FieldValueRequired",
                    field: "fieldManager".to_owned(),
                    message: "Required value: is required for apply patch".to_owned(),
                }],
            ));
        }
        _ => req.manager(),
    };
    let now = now();
    let operation = if apply {
        Operation::Apply
    } else {
        Operation::Update
    };
    let write = req.write(&manager, operation, &now)?;
    let lists = admission::list_types(&req.rt);
    let mut guard = req.state.store.lock();
    let key = req.key(req.name());
    let Some(old) = guard.get(&key).cloned() else {
        if !apply || req.status {
            return Err(ApiError::not_found(&req.subject(req.name())));
        }
        check_namespace(&guard, req)?;
        let applied = server_side_apply(req, None, &patch_body, &write, lists.as_ref())?;
        let admitted = admission::admit(&write, None, applied)?;
        req.admit_owner_references(&guard, None, &admitted.object)?;
        return store_new(req, &mut guard, admitted);
    };
    let served = from_storage(&req.rt, old.clone());
    let patched = match patch_type {
        PatchType::Json => patch::json_patch(&served, &patch_body)
            .map_err(|e| unprocessable(req, e.to_string()))?,
        PatchType::Merge => patch::merge_patch(&served, &patch_body),
        PatchType::StrategicMerge => {
            patch::strategic_merge_patch(&served, &patch_body, lists.as_ref())
                .map_err(|e| unprocessable(req, e.to_string()))?
        }
        PatchType::Apply => {
            server_side_apply(req, Some(&served), &patch_body, &write, lists.as_ref())?
        }
    };
    if !apply {
        stale(req, &old, &patched)?;
    }
    let admitted = admission::admit(&write, Some(&served), patched)?;
    req.admit_owner_references(&guard, Some(&served), &admitted.object)?;
    store_update(req, &mut guard, &key, &old, admitted)
}

fn unprocessable(req: &Request, message: String) -> ApiError {
    ApiError::invalid(
        &req.rt.kind,
        &req.rt.group,
        req.name(),
        vec![Cause {
            reason: "FieldValueInvalid",
            field: String::new(),
            message,
        }],
    )
}

fn server_side_apply(
    req: &Request,
    live: Option<&Value>,
    config: &Value,
    write: &Write,
    lists: &dyn patch::ListTypes,
) -> Result<Value, ApiError> {
    if let Some(name) = config["metadata"]["name"].as_str()
        && name != req.name()
    {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({name}) does not match the name on the URL ({})",
            req.name()
        )));
    }
    let api_version = req.rt.api_version();
    let mut who = write.field_manager();
    who.api_version = &api_version;
    patch::server_side_apply(live, config, &who, req.params.flag("force"), lists).map_err(|e| {
        match e {
            ApplyError::Conflicts(conflicts) => {
                let causes = conflicts
                    .iter()
                    .map(|c| Cause {
                        reason: "FieldManagerConflict",
                        field: c.field.clone(),
                        message: format!("conflict with {:?}", c.manager),
                    })
                    .collect();
                ApiError::apply_conflict(
                    &req.subject(req.name()),
                    ApplyError::Conflicts(conflicts).to_string(),
                    causes,
                )
            }
            ApplyError::Invalid(message) => unprocessable(req, message),
        }
    })
}

/// The propagation policy of a delete: body `DeleteOptions`, else query, else the resource's default.
fn propagation(req: &Request, body: &[u8]) -> Result<Propagation, ApiError> {
    let options: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        parse_body(&req.headers, body)?
    };
    let policy = options["propagationPolicy"]
        .as_str()
        .or_else(|| req.params.get("propagationPolicy"))
        .map(str::to_owned);
    let orphan = options["orphanDependents"]
        .as_bool()
        .or_else(|| req.params.get("orphanDependents").map(|v| v == "true"));
    Ok(match (policy.as_deref(), orphan) {
        (Some("Foreground"), _) => Propagation::Foreground,
        (Some("Orphan"), _) | (None, Some(true)) => Propagation::Orphan,
        (Some("Background"), _) | (None, Some(false)) => Propagation::Background,
        (Some(other), _) => {
            return Err(ApiError::bad_request(format!(
                "invalid propagationPolicy {other:?}"
            )));
        }
        // batch/v1 Jobs orphan their pods by default, as on a real cluster
        (None, None) if req.rt.group == "batch" && req.rt.kind == "Job" => Propagation::Orphan,
        (None, None) => Propagation::Background,
    })
}

/// DELETE of one object.
pub fn delete(req: &Request, body: &[u8]) -> Result<Response, ApiError> {
    let policy = propagation(req, body)?;
    let mut guard = req.state.store.lock();
    let (key, old) = req.existing(&guard)?;
    if req.dry_run() {
        return Ok(req.render_one(StatusCode::OK, old));
    }
    let outcome = lifecycle::delete(&mut guard, &key, policy, &now());
    req.state.controllers.notify_one();
    lifecycle::after_write(req.state, &mut guard, &req.rt);
    Ok(match outcome {
        Some(pending) => req.render_one(StatusCode::OK, pending),
        None => json_response(
            StatusCode::OK,
            &crate::error::success(json!({
                "name": req.name(), "group": req.rt.group, "kind": req.rt.plural,
                "uid": old["metadata"]["uid"],
            })),
        ),
    })
}

/// DELETE of a collection (selected by label and field selectors).
pub fn delete_collection(req: &Request, body: &[u8]) -> Result<Response, ApiError> {
    let policy = propagation(req, body)?;
    let selectors = Selectors::parse(&req.params, &req.rt.kind)?;
    let mut guard = req.state.store.lock();
    let now = now();
    let mut deleted = Vec::new();
    for object in guard.list(&req.rt.storage, req.namespace.as_deref()) {
        let served = from_storage(&req.rt, object);
        if !selectors.matches(&served) {
            continue;
        }
        let (namespace, name) = position(&served);
        let key = Key {
            storage: req.rt.storage.clone(),
            namespace,
            name,
        };
        if !req.dry_run() {
            lifecycle::delete(&mut guard, &key, policy, &now);
        }
        deleted.push(served);
    }
    req.state.controllers.notify_one();
    lifecycle::after_write(req.state, &mut guard, &req.rt);
    let rv = guard.rv().to_string();
    Ok(json_response(
        StatusCode::OK,
        &json!({"kind": format!("{}List", req.rt.kind), "apiVersion": req.rt.api_version(),
                "metadata": {"resourceVersion": rv}, "items": deleted}),
    ))
}
