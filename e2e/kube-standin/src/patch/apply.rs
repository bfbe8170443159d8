//! Server-side apply and `metadata.managedFields` bookkeeping for non-apply writes: who owns
//! which fields, conflicts between managers, and removal of fields a manager stopped applying.

use serde_json::{Map, Value};

use super::fields::{
    FieldSet, Path, display, field, from_fields_v1, get, is_item, key_of, keyed, leaves, names,
    never_owned, owns_within, remove, same_item, to_fields_v1,
};
use super::lists::{ListType, ListTypes};

/// Who writes, for metadata.managedFields.
#[derive(Debug, Clone, Copy)]
pub struct FieldManager<'a> {
    /// The field manager name (`?fieldManager=`, else derived from the user agent).
    pub manager: &'a str,
    /// Apply (server-side apply) or Update (every other write).
    pub operation: Operation,
    /// The part of the object the request may change.
    pub subresource: Scope,
    /// The apiVersion the request used; empty means the object's own `apiVersion`.
    pub api_version: &'a str,
    /// The time of the write, RFC 3339 (`2024-01-02T03:04:05Z`).
    pub time: &'a str,
}

/// The operation of a managedFields entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Server-side apply.
    Apply,
    /// Create, update or a non-apply patch.
    Update,
}

/// Which part of the object a request may change: the main resource (status ignored when the type has a status subresource) or the status subresource (only `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The main resource; `status` is out of reach when the type has a status subresource.
    Main {
        /// Whether the type has a status subresource.
        status_subresource: bool,
    },
    /// The status subresource: only `status`.
    Status,
}

impl Scope {
    /// Whether a request of this scope may change the field at `path`.
    fn covers(self, path: &[String]) -> bool {
        let status = path.first().is_some_and(|top| top == "f:status");
        match self {
            Scope::Main { status_subresource } => !(status_subresource && status),
            Scope::Status => status,
        }
    }

    /// The part of `object` this scope may change.
    fn part(self, object: &Value) -> Value {
        let Value::Object(map) = object else {
            return object.clone();
        };
        let part = map.iter().filter(|(k, _)| self.covers(&[field(k)]));
        Value::Object(part.map(|(k, v)| (k.clone(), v.clone())).collect())
    }

    /// The managedFields `subresource` of entries written in this scope.
    fn subresource(self) -> Option<&'static str> {
        match self {
            Scope::Main { .. } => None,
            Scope::Status => Some("status"),
        }
    }
}

/// Why a server-side apply was refused.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// Fields of the configuration are owned by other managers with other values (HTTP 409).
    #[error("{}", conflicts_message(.0))]
    Conflicts(Vec<Conflict>),
    /// The configuration cannot be applied (HTTP 422).
    #[error("invalid apply configuration: {0}")]
    Invalid(String),
}

/// A field another manager owns with a different value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The manager owning the field.
    pub manager: String,
    /// The apiVersion of that manager's entry.
    pub api_version: String,
    /// The field, as `.spec.replicas` or `.spec.containers[name="a"].image`.
    pub field: String,
}

impl Conflict {
    /// `"manager" using apps/v1`, as the real server names the other manager.
    fn owner(&self) -> String {
        if self.api_version.is_empty() {
            format!("{:?}", self.manager)
        } else {
            format!("{:?} using {}", self.manager, self.api_version)
        }
    }
}

/// The real server's message: `Apply failed with 1 conflict: conflict with "m" using v1: .spec.replicas`.
fn conflicts_message(conflicts: &[Conflict]) -> String {
    let count = conflicts.len();
    let plural = if count == 1 { "" } else { "s" };
    let body = match conflicts {
        [one] => format!("conflict with {}: {}", one.owner(), one.field),
        _ => {
            let mut owners: Vec<String> = Vec::new();
            for conflict in conflicts {
                if !owners.contains(&conflict.owner()) {
                    owners.push(conflict.owner());
                }
            }
            let mut lines = Vec::new();
            for owner in owners {
                lines.push(format!("conflicts with {owner}:"));
                lines.extend(
                    conflicts
                        .iter()
                        .filter(|c| c.owner() == owner)
                        .map(|c| format!("- {}", c.field)),
                );
            }
            lines.join("\n")
        }
    };
    format!("Apply failed with {count} conflict{plural}: {body}")
}

/// One `metadata.managedFields` entry: its stored form and the field set it holds.
struct Entry {
    raw: Value,
    manager: String,
    operation: String,
    subresource: Option<String>,
    fields: FieldSet,
    dirty: bool,
}

impl Entry {
    fn parse(raw: &Value) -> Self {
        Entry {
            raw: raw.clone(),
            manager: raw["manager"].as_str().unwrap_or_default().to_owned(),
            operation: raw["operation"].as_str().unwrap_or_default().to_owned(),
            subresource: raw["subresource"]
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            fields: from_fields_v1(&raw["fieldsV1"]),
            dirty: false,
        }
    }

    fn new(who: &FieldManager, api_version: &str) -> Self {
        let operation = match who.operation {
            Operation::Apply => "Apply",
            Operation::Update => "Update",
        };
        let mut raw = Map::new();
        raw.insert("manager".into(), who.manager.into());
        raw.insert("operation".into(), operation.into());
        raw.insert("apiVersion".into(), api_version.into());
        raw.insert("time".into(), who.time.into());
        raw.insert("fieldsType".into(), "FieldsV1".into());
        if let Some(subresource) = who.subresource.subresource() {
            raw.insert("subresource".into(), subresource.into());
        }
        Entry {
            raw: Value::Object(raw),
            manager: who.manager.to_owned(),
            operation: operation.to_owned(),
            subresource: who.subresource.subresource().map(str::to_owned),
            fields: FieldSet::new(),
            dirty: true,
        }
    }

    fn is(&self, who: &FieldManager) -> bool {
        let operation = match who.operation {
            Operation::Apply => "Apply",
            Operation::Update => "Update",
        };
        self.manager == who.manager
            && self.operation == operation
            && self.subresource.as_deref() == who.subresource.subresource()
    }

    fn api_version(&self) -> &str {
        self.raw["apiVersion"].as_str().unwrap_or_default()
    }

    /// Takes `fields` as this writer's new field set, stamping time and apiVersion.
    fn set_fields(&mut self, fields: FieldSet, who: &FieldManager, api_version: &str) {
        if self.fields != fields || self.api_version() != api_version {
            self.fields = fields;
            self.raw["time"] = who.time.into();
            self.raw["apiVersion"] = api_version.into();
            self.dirty = true;
        }
    }

    fn drop_field(&mut self, path: &Path) {
        self.dirty |= self.fields.remove(path);
    }

    fn into_raw(mut self) -> Value {
        if self.dirty {
            self.raw["fieldsV1"] = to_fields_v1(&self.fields);
        }
        self.raw
    }
}

fn parse_entries(object: Option<&Value>) -> Vec<Entry> {
    let raw = object.and_then(|o| o["metadata"]["managedFields"].as_array());
    raw.map(|entries| entries.iter().map(Entry::parse).collect())
        .unwrap_or_default()
}

/// Stores the non-empty entries as `metadata.managedFields` (removed when there are none).
fn store_entries(object: &mut Value, entries: Vec<Entry>) {
    let entries: Vec<Value> = entries
        .into_iter()
        .filter(|e| !e.fields.is_empty())
        .map(Entry::into_raw)
        .collect();
    let Some(object) = object.as_object_mut() else {
        return;
    };
    if entries.is_empty() {
        if let Some(Value::Object(metadata)) = object.get_mut("metadata") {
            metadata.remove("managedFields");
        }
        return;
    }
    let metadata = object
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(metadata) = metadata {
        metadata.insert("managedFields".into(), Value::Array(entries));
    }
}

fn api_version<'a>(who: &FieldManager<'a>, object: &'a Value) -> &'a str {
    if who.api_version.is_empty() {
        object["apiVersion"].as_str().unwrap_or_default()
    } else {
        who.api_version
    }
}

/// Whether the field at `path` has another value in `after` than in `before` (list items: whether it is new).
fn differs(before: &Value, after: &Value, path: &[String]) -> bool {
    if is_item(path) {
        get(before, path).is_none()
    } else {
        get(before, path) != get(after, path)
    }
}

/// Applies `config` for `who` on top of `live` (None: the object does not exist yet).
pub fn server_side_apply(
    live: Option<&Value>,
    config: &Value,
    who: &FieldManager,
    force: bool,
    lists: &dyn ListTypes,
) -> Result<Value, ApplyError> {
    if !config.is_object() {
        return Err(ApplyError::Invalid(
            "the configuration must be a JSON object".into(),
        ));
    }
    if !config["metadata"]["managedFields"].is_null() {
        return Err(ApplyError::Invalid(
            "metadata.managedFields must be nil".into(),
        ));
    }
    let mut scoped = without_nulls(&who.subresource.part(config));
    let applied = leaves(&scoped, lists);
    let api_version = api_version(who, config).to_owned();
    let mut object = match live {
        Some(live) => live.clone(),
        None if who.subresource == Scope::Status => without_nulls(
            &Scope::Main {
                status_subresource: true,
            }
            .part(config),
        ),
        None => Value::Object(Map::new()),
    };
    let mut entries = parse_entries(live);
    let mine = entries.iter().position(|e| e.is(who));
    let previous = mine.map(|i| entries[i].fields.clone()).unwrap_or_default();

    // Fields whose value changes and that others own: conflicts, or taken over.
    let mut conflicts = Vec::new();
    let mut taken = Vec::new();
    for path in applied.iter().filter(|p| differs(&object, &scoped, p)) {
        for (i, entry) in entries.iter().enumerate() {
            if Some(i) == mine || !entry.fields.contains(path) {
                continue;
            }
            if force || entry.manager == who.manager {
                taken.push((i, path.clone()));
            } else {
                conflicts.push(Conflict {
                    manager: entry.manager.clone(),
                    api_version: entry.api_version().to_owned(),
                    field: display(path),
                });
            }
        }
    }
    if !conflicts.is_empty() {
        return Err(ApplyError::Conflicts(conflicts));
    }
    for (i, path) in &taken {
        entries[*i].drop_field(path);
    }

    // Fields this manager applied before and omits now go, unless someone else owns them.
    for path in previous.difference(&applied) {
        let shared = entries
            .iter()
            .enumerate()
            .any(|(i, e)| Some(i) != mine && owns_within(&e.fields, path));
        if !shared && who.subresource.covers(path) && remove(&mut object, path) {
            prune(&mut object, path, &entries, &applied);
        }
    }

    merge(&mut object, &mut scoped, &mut Path::new(), lists);
    match mine {
        Some(i) => entries[i].set_fields(applied, who, &api_version),
        None => {
            let mut entry = Entry::new(who, &api_version);
            entry.fields = applied;
            entries.push(entry);
        }
    }
    store_entries(&mut object, entries);
    match live {
        Some(live) if *live == object => Ok(live.clone()),
        _ => Ok(object),
    }
}

/// Records a create, update or non-apply patch by `who` in `new`'s managedFields.
pub fn record_update(
    old: Option<&Value>,
    new: &mut Value,
    who: &FieldManager,
    lists: &dyn ListTypes,
) {
    let given = new["metadata"]["managedFields"].is_array();
    let mut entries = if given {
        parse_entries(Some(new))
    } else {
        parse_entries(old)
    };
    let after = who.subresource.part(new);
    let changed: FieldSet = match old.map(|o| who.subresource.part(o)) {
        Some(before) => leaves(&after, lists)
            .into_iter()
            .filter(|p| differs(&before, &after, p))
            .collect(),
        None => leaves(&after, lists),
    };
    let mine = entries.iter().position(|e| e.is(who));
    for (i, entry) in entries.iter_mut().enumerate() {
        let gone: Vec<Path> = entry
            .fields
            .iter()
            .filter(|p| {
                who.subresource.covers(p)
                    && (get(new, p).is_none() || (Some(i) != mine && changed.contains(*p)))
            })
            .cloned()
            .collect();
        for path in &gone {
            entry.drop_field(path);
        }
    }
    if !changed.is_empty() {
        let api_version = api_version(who, new).to_owned();
        match mine {
            Some(i) => {
                let mut fields = entries[i].fields.clone();
                fields.extend(changed);
                entries[i].set_fields(fields, who, &api_version);
            }
            None => {
                let mut entry = Entry::new(who, &api_version);
                entry.fields = changed;
                entries.push(entry);
            }
        }
    }
    store_entries(new, entries);
}

/// `value` without null map fields (in an apply configuration they set nothing).
fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// Removes maps and lists left empty by removing `path`, up from its parent, unless owned or applied.
fn prune(object: &mut Value, path: &[String], entries: &[Entry], applied: &FieldSet) {
    let mut parent = &path[..path.len().saturating_sub(1)];
    while parent.len() >= 2 && !is_item(parent) {
        let empty = match get(object, parent) {
            Some(Value::Object(map)) => map.is_empty(),
            Some(Value::Array(items)) => items.is_empty(),
            _ => false,
        };
        let owned = applied.contains(parent) || entries.iter().any(|e| e.fields.contains(parent));
        if !empty || owned || !remove(object, parent) {
            return;
        }
        parent = &parent[..parent.len() - 1];
    }
}

/// Merges an apply configuration into the object: maps recursively, map lists by key (new
/// items appended), sets by union, everything else replaced. Never-owned metadata is kept.
fn merge(target: &mut Value, config: &mut Value, path: &mut Path, lists: &dyn ListTypes) {
    match (target, config) {
        (Value::Object(target), Value::Object(config)) => {
            for (key, value) in config.iter_mut() {
                path.push(field(key));
                match target.get_mut(key) {
                    Some(_) if never_owned(path) => {}
                    Some(existing) => merge(existing, value, path, lists),
                    None => {
                        target.insert(key.clone(), std::mem::take(value));
                    }
                }
                path.pop();
            }
        }
        (Value::Array(target), Value::Array(config)) => match lists.list_type(&names(path)) {
            ListType::Set => {
                for item in config.drain(..) {
                    if !target.contains(&item) {
                        target.push(item);
                    }
                }
            }
            ListType::Map(keys) if keyed(target, &keys) && keyed(config, &keys) => {
                for mut item in config.drain(..) {
                    match target.iter_mut().find(|t| same_item(&item, t, &keys)) {
                        Some(existing) => {
                            if let Some(key) = key_of(&item, &keys) {
                                path.push(format!("k:{}", Value::Object(key)));
                                merge(existing, &mut item, path, lists);
                                path.pop();
                            }
                        }
                        None => target.push(item),
                    }
                }
            }
            _ => *target = std::mem::take(config),
        },
        (target, config) => *target = std::mem::take(config),
    }
}
