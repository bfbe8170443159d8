//! Harness of the CRD tests: the API server's schema checks re-created from the generated
//! `openAPIV3Schema` (OpenAPI part with `jsonschema`, list types by hand, CEL with `kube-cel`),
//! a structural-schema lint, and a discovery-only HTTP responder for `kubectl --dry-run=client`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use serde_json::{Map, Value, json};

/// The `openAPIV3Schema` of `kind` (panics for a kind that is not ours).
pub fn openapi_schema(kind: &str) -> Value {
    dbmigrate::api::openapi_schema(kind).unwrap_or_else(|| panic!("no CRD of kind {kind}"))
}

/// Schema keywords allowed inside `oneOf`/`anyOf`/`allOf`/`not` of a structural schema (value
/// validations only).
const JUNCTOR_KEYWORDS: &[&str] = &[
    "required",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "minProperties",
    "maxProperties",
    "format",
    "oneOf",
    "anyOf",
    "allOf",
    "not",
];

/// Every way `schema` breaks the Kubernetes structural-schema rules (or the list-type rules),
/// as `path: problem` lines; `path` is the schema location.
pub fn structural_problems(schema: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    structural(schema, "openAPIV3Schema", false, &mut problems);
    problems
}

fn structural(node: &Value, at: &str, in_junctor: bool, problems: &mut Vec<String>) {
    let Some(object) = node.as_object() else {
        problems.push(format!("{at}: not an object"));
        return;
    };
    for forbidden in [
        "$ref",
        "definitions",
        "$defs",
        "uniqueItems",
        "additionalItems",
        "patternProperties",
        "dependencies",
    ] {
        if object.contains_key(forbidden) {
            problems.push(format!(
                "{at}: `{forbidden}` is not allowed in a CRD schema"
            ));
        }
    }
    if in_junctor {
        for key in object
            .keys()
            .filter(|k| !JUNCTOR_KEYWORDS.contains(&k.as_str()))
        {
            problems.push(format!(
                "{at}: `{key}` inside oneOf/anyOf/allOf/not (only value validations may be there)"
            ));
        }
    } else {
        let typed = object
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| !t.is_empty());
        let exempt = object.contains_key("x-kubernetes-int-or-string")
            || object.contains_key("x-kubernetes-preserve-unknown-fields");
        if !typed && !exempt {
            problems.push(format!("{at}: no `type`"));
        }
        if object.contains_key("properties") && object.contains_key("additionalProperties") {
            problems.push(format!(
                "{at}: both `properties` and `additionalProperties`"
            ));
        }
        let properties = object.get("properties").and_then(Value::as_object);
        for required in object
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = required.as_str().unwrap_or_default();
            if !properties.is_some_and(|p| p.contains_key(name)) {
                problems.push(format!("{at}: required `{name}` is not a property"));
            }
        }
        list_type_problems(object, at, problems);
    }
    // OpenAPI 3.0 formats of numbers; anything else makes the API server warn on every install.
    let known_format = match (
        object.get("type").and_then(Value::as_str),
        object.get("format").and_then(Value::as_str),
    ) {
        (Some("integer"), Some(format)) => ["int32", "int64"].contains(&format),
        (Some("number"), Some(format)) => ["float", "double"].contains(&format),
        _ => true,
    };
    if !known_format {
        problems.push(format!(
            "{at}: format `{}` is not an OpenAPI 3.0 number format",
            object["format"]
        ));
    }
    for (key, child) in object {
        match key.as_str() {
            "properties" => {
                for (name, property) in child.as_object().into_iter().flatten() {
                    structural(
                        property,
                        &format!("{at}.properties.{name}"),
                        in_junctor,
                        problems,
                    );
                }
            }
            "items" | "additionalProperties" if child.is_object() => {
                structural(child, &format!("{at}.{key}"), in_junctor, problems)
            }
            "oneOf" | "anyOf" | "allOf" => {
                for (index, branch) in child.as_array().into_iter().flatten().enumerate() {
                    structural(branch, &format!("{at}.{key}[{index}]"), true, problems);
                }
            }
            "not" => structural(child, &format!("{at}.not"), true, problems),
            _ => {}
        }
    }
}

fn list_type_problems(object: &Map<String, Value>, at: &str, problems: &mut Vec<String>) {
    let Some(list_type) = object.get("x-kubernetes-list-type").and_then(Value::as_str) else {
        if object.contains_key("x-kubernetes-list-map-keys") {
            problems.push(format!("{at}: list-map-keys without list-type map"));
        }
        return;
    };
    let items = &object["items"];
    match list_type {
        "atomic" => {}
        "set" => {
            if !matches!(
                items["type"].as_str(),
                Some("string" | "integer" | "number" | "boolean")
            ) {
                problems.push(format!("{at}: a set of non-scalar items"));
            }
        }
        "map" => {
            let keys = object
                .get("x-kubernetes-list-map-keys")
                .and_then(Value::as_array);
            if items["type"] != "object" || keys.is_none_or(Vec::is_empty) {
                problems.push(format!(
                    "{at}: a list map needs object items and list-map-keys"
                ));
            }
            let required = items["required"].as_array().cloned().unwrap_or_default();
            for key in keys.into_iter().flatten().filter_map(Value::as_str) {
                let property = &items["properties"][key];
                if !property.is_object()
                    || (!required.contains(&json!(key)) && property.get("default").is_none())
                {
                    problems.push(format!(
                        "{at}: list-map key `{key}` must be a required or defaulted property"
                    ));
                }
            }
        }
        other => problems.push(format!("{at}: unknown list-type `{other}`")),
    }
}

/// Every `x-kubernetes-validations` rule of `schema` with the problems `kube-cel` finds in it
/// (compile errors, wrong scope, cost over the budget, unbounded lists or strings).
pub fn cel_rule_problems(schema: &Value) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    cel_rules(schema, "openAPIV3Schema", &mut out);
    out
}

/// `kube-cel`'s scope check reports the variables a macro binds (`all(d, ...)`) as unknown;
/// those are fine.
fn binds_macro_variable(rule: &str, warning: &kube_cel::AnalysisWarning) -> bool {
    let variable = warning.message.split('\'').nth(1).unwrap_or_default();
    matches!(warning.kind, kube_cel::WarningKind::WrongScope)
        && !variable.is_empty()
        && ["all", "exists", "exists_one", "map", "filter"]
            .iter()
            .any(|m| rule.contains(&format!(".{m}({variable},")))
}

fn cel_rules(node: &Value, at: &str, out: &mut Vec<(String, Vec<String>)>) {
    let Some(object) = node.as_object() else {
        return;
    };
    if let Some(rules) = object
        .get("x-kubernetes-validations")
        .and_then(Value::as_array)
    {
        let compiled = kube_cel::compile_schema(node);
        let mut compile_errors: Vec<String> = compiled
            .compilation_errors()
            .iter()
            .map(ToString::to_string)
            .collect();
        for rule in rules {
            let text = rule["rule"].as_str().unwrap_or_default();
            if rule["message"].as_str().is_none_or(str::is_empty) {
                compile_errors.push(format!("rule `{text}` has no message"));
            }
            let warnings =
                kube_cel::analyze_rule(text, &compiled, kube_cel::ScopeContext::CrdValidation);
            let mut problems: Vec<String> = warnings
                .iter()
                .filter(|w| !binds_macro_variable(text, w))
                .map(|w| format!("{:?}: {}", w.kind, w.message))
                .collect();
            problems.append(&mut compile_errors);
            out.push((format!("{at}: {text}"), problems));
        }
    }
    for (key, child) in object {
        match key.as_str() {
            "properties" => {
                for (name, property) in child.as_object().into_iter().flatten() {
                    cel_rules(property, &format!("{at}.properties.{name}"), out);
                }
            }
            "items" | "additionalProperties" => cel_rules(child, &format!("{at}.{key}"), out),
            _ => {}
        }
    }
}

/// A minimal HTTP/1.1 responder on 127.0.0.1 that answers kubectl's discovery requests
/// (`/version`, `/api`, `/apis`, `/apis/apiextensions.k8s.io/v1`) and a 404 `Status` for
/// everything else (so every object GET says "not found yet"). One request per connection.
pub struct DiscoveryServer {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl DiscoveryServer {
    /// Starts it on a free port.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let address = listener.local_addr().expect("a local address");
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    std::thread::spawn(move || serve(stream));
                }
            }
        });
        Self {
            url: format!("http://{address}"),
            stop,
            thread: Some(thread),
        }
    }

    /// Writes a kubeconfig pointing at this server into `dir` and returns its path.
    pub fn kubeconfig(&self, dir: &Path) -> PathBuf {
        let path = dir.join("kubeconfig");
        let config = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: discovery-only\n  cluster:\n    server: {}\n\
             contexts:\n- name: discovery-only\n  context:\n    cluster: discovery-only\n    user: nobody\n\
             current-context: discovery-only\nusers:\n- name: nobody\n  user: {{}}\n",
            self.url
        );
        std::fs::write(&path, config).expect("write the kubeconfig");
        path
    }
}

impl Drop for DiscoveryServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(stream: TcpStream) {
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // Skip the headers: discovery requests are GETs without a body.
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
        header.clear();
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = target.split('?').next().unwrap_or(target);
    let (status, body) = match path {
        "/version" => (
            "200 OK",
            json!({"major": "1", "minor": "33", "gitVersion": "v1.33.0", "platform": "linux/amd64"}),
        ),
        "/api" => (
            "200 OK",
            json!({
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}],
            }),
        ),
        "/apis" => (
            "200 OK",
            json!({
                "kind": "APIGroupList",
                "apiVersion": "v1",
                "groups": [{
                    "name": "apiextensions.k8s.io",
                    "versions": [{"groupVersion": "apiextensions.k8s.io/v1", "version": "v1"}],
                    "preferredVersion": {"groupVersion": "apiextensions.k8s.io/v1", "version": "v1"},
                }],
            }),
        ),
        "/apis/apiextensions.k8s.io/v1" => (
            "200 OK",
            json!({
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": "apiextensions.k8s.io/v1",
                "resources": [{
                    "name": "customresourcedefinitions",
                    "singularName": "customresourcedefinition",
                    "namespaced": false,
                    "kind": "CustomResourceDefinition",
                    "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                    "shortNames": ["crd", "crds"],
                }],
            }),
        ),
        _ => (
            "404 Not Found",
            json!({
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": format!("{path} not found (discovery-only test server)"),
                "reason": "NotFound",
                "code": 404,
            }),
        ),
    };
    let body = body.to_string();
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = (&stream).write_all(response.as_bytes());
}

/// An executable named `name`: on `PATH`, or next to the real file of `kubectl` (versioned
/// kubectl binaries such as `kubectl.1.27` ship beside the dispatcher in the Google Cloud SDK).
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let on_path = |program: &str| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    };
    on_path(name).or_else(|| {
        let kubectl = std::fs::canonicalize(on_path("kubectl")?).ok()?;
        let sibling = kubectl.parent()?.join(name);
        sibling.is_file().then_some(sibling)
    })
}
