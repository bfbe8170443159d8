//! Runs an Argo CD resource health customization (a Lua script) on an object as Argo CD's
//! controller does: the object as the global `obj`, the script's returned table read as
//! `{status, message}`, with only the libraries Argo CD opens for it (the base library and
//! `table`: no `string`, `math`, `io` or loading of files). The interpreter is the real
//! `lua5.4`; the object reaches it as a Lua table literal written from its JSON.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::HarnessError;
use crate::os::find_program;

/// The health statuses Argo CD accepts from a script.
pub const STATUSES: [&str; 6] = [
    "Healthy",
    "Progressing",
    "Degraded",
    "Suspended",
    "Missing",
    "Unknown",
];

/// What a health script said about an object.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Health {
    /// One of [`STATUSES`].
    pub status: String,
    /// The message Argo CD shows beside it.
    pub message: String,
}

/// Evaluates the health script `script` on `object` (a Kubernetes object as JSON).
pub fn evaluate(script: &Path, object: &Value) -> Result<Health, HarnessError> {
    let lua = find_program("lua5.4", &[PathBuf::from("/usr/bin")]).ok_or(
        HarnessError::MissingProgram {
            program: "lua5.4",
            hint: "install the `lua5.4` Debian package (`bash scripts/test` does); it runs the \
                   Argo CD health scripts of charts/dbmigrate/argocd",
        },
    )?;
    let source = std::fs::read_to_string(script)
        .map_err(HarnessError::io(format!("reading {}", script.display())))?;
    let program = program(&script.display().to_string(), &source, object);
    let mut child = Command::new(&lua)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(HarnessError::io(format!("starting {}", lua.display())))?;
    let mut stdin = child.stdin.take().ok_or_else(|| HarnessError::Io {
        what: "lua5.4's stdin".to_owned(),
        source: std::io::Error::other("not piped"),
    })?;
    stdin
        .write_all(program.as_bytes())
        .map_err(HarnessError::io("writing the program to lua5.4"))?;
    drop(stdin);
    let output = child
        .wait_with_output()
        .map_err(HarnessError::io("waiting for lua5.4"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let wrong = |reason: String| HarnessError::HealthScript {
        script: script.to_owned(),
        reason,
    };
    if !output.status.success() {
        return Err(wrong(format!(
            "lua5.4 failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let (status, message) = stdout
        .split_once('\0')
        .ok_or_else(|| wrong(format!("printed no status: {stdout:?}")))?;
    if !STATUSES.contains(&status) {
        return Err(wrong(format!(
            "returned status {status:?}; Argo CD accepts only {}",
            STATUSES.join(", ")
        )));
    }
    Ok(Health {
        status: status.to_owned(),
        message: message.to_owned(),
    })
}

/// The Lua program that runs `source` (named `name` in errors) on `object` in Argo CD's
/// environment and writes `<status>\0<message>`.
fn program(name: &str, source: &str, object: &Value) -> String {
    format!(
        r#"local obj = {object}
local env = {{
  obj = obj, table = table,
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = pcall,
  print = print, rawequal = rawequal, rawget = rawget, rawset = rawset, select = select,
  tonumber = tonumber, tostring = tostring, type = type, xpcall = xpcall,
  getmetatable = getmetatable, setmetatable = setmetatable,
}}
local chunk, err = load({source}, {name}, "t", env)
if chunk == nil then error(err, 0) end
local hs = chunk()
if type(hs) ~= "table" then error("the script returned " .. type(hs) .. ", not a table", 0) end
if type(hs.status) ~= "string" then error("hs.status is " .. type(hs.status) .. ", not a string", 0) end
if hs.message ~= nil and type(hs.message) ~= "string" then
  error("hs.message is " .. type(hs.message) .. ", not a string", 0)
end
io.write(hs.status, "\0", hs.message or "")
"#,
        object = lua_literal(object),
        source = lua_string(source),
        name = lua_string(&format!("@{name}")),
    )
}

/// `value` as a Lua expression: objects and arrays become tables (arrays 1-based, as Argo CD
/// converts them), `null` becomes `nil` (an absent key).
pub fn lua_literal(value: &Value) -> String {
    let mut out = String::new();
    write_literal(&mut out, value);
    out
}

fn write_literal(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("nil"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(&lua_string(s)),
        Value::Array(items) => {
            out.push('{');
            for item in items {
                write_literal(out, item);
                out.push_str(", ");
            }
            out.push('}');
        }
        Value::Object(fields) => {
            out.push('{');
            for (key, item) in fields {
                out.push('[');
                out.push_str(&lua_string(key));
                out.push_str("] = ");
                write_literal(out, item);
                out.push_str(", ");
            }
            out.push('}');
        }
    }
}

/// `text` as a double-quoted Lua string literal (bytes other than printable ASCII escaped as
/// `\ddd`, which every Lua since 5.1 reads).
fn lua_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for byte in text.bytes() {
        match byte {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b' '..=b'~' => out.push(char::from(byte)),
            _ => {
                // writing to a String cannot fail
                let _ = write!(out, "\\{byte:03}");
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Runs a script held in a string.
    fn run(source: &str, object: &Value) -> Result<Health, HarnessError> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let script = dir.path().join("health.lua");
        std::fs::write(&script, source).expect("writing the script");
        evaluate(&script, object)
    }

    #[test]
    fn the_object_arrives_whole_and_the_returned_table_is_read() {
        let object = json!({
            "metadata": {"name": "forum", "generation": 2, "annotations": {"a.b/c": "q\"uote\\"}},
            "status": {"conditions": [{"type": "Ready", "status": "True"}], "gone": null,
                       "message": "ünïcode\nline\ttab"},
        });
        let script = r#"
            local hs = {}
            local c = obj.status.conditions[1]
            hs.status = "Healthy"
            hs.message = obj.metadata.name .. " " .. tostring(obj.metadata.generation) .. " "
              .. c.type .. "=" .. c.status .. " " .. obj.metadata.annotations["a.b/c"] .. " "
              .. tostring(obj.status.gone) .. " " .. obj.status.message
            return hs
        "#;
        let health = run(script, &object).unwrap();
        assert_eq!(health.status, "Healthy");
        assert_eq!(
            health.message,
            "forum 2 Ready=True q\"uote\\ nil ünïcode\nline\ttab"
        );
    }

    #[test]
    fn a_script_argo_cd_would_refuse_is_an_error_naming_it() {
        let object = json!({"metadata": {"name": "forum"}});
        let cases = [
            ("return {status = \"Fine\"}", "returned status \"Fine\""),
            ("return nil", "returned nil, not a table"),
            ("return {status = string.upper(\"healthy\")}", "string"),
            ("return {status = \"Healthy\"", "expected"),
        ];
        for (script, expected) in cases {
            let error = run(script, &object).unwrap_err().to_string();
            assert!(
                error.contains("health.lua") && error.contains(expected),
                "{script}: {error}"
            );
        }
    }
}
