//! The values of `dbmigrate operator`'s flags that clap cannot check alone: namespace names
//! and the `--runner-defaults` JSON, checked against the CRD's own schema of `spec.runner`.

use crate::api::{RunnerSettings, SchemaChecker, openapi_schema};

/// Parses a `--namespace` value: a DNS-1123 label, as Kubernetes requires of namespace names,
/// or nothing (`DBMIGRATE_NAMESPACE=""`, an empty item of a list), which adds no namespace.
pub fn parse_namespace(text: &str) -> Result<String, String> {
    let name = text.trim();
    if name.is_empty() {
        return Ok(String::new());
    }
    let valid_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let alphanumeric_ends = !name.starts_with('-') && !name.ends_with('-');
    if name.len() > 63 || !valid_chars || !alphanumeric_ends {
        return Err(format!(
            "`{name}` is not a namespace name: write at most 63 lower-case letters, digits and \
             '-', starting and ending with a letter or digit (several namespaces: repeat \
             --namespace or separate them with commas)"
        ));
    }
    Ok(name.to_owned())
}

/// Parses `--runner-defaults`: a JSON object of the shape of `spec.runner`, checked against
/// the schema the API server checks `spec.runner` with (so an unknown field, a wrong type or
/// a value out of range is refused naming the field). Nothing (`DBMIGRATE_RUNNER_DEFAULTS=""`)
/// sets no default.
pub fn parse_runner_defaults(text: &str) -> Result<RunnerSettings, String> {
    if text.trim().is_empty() {
        return Ok(RunnerSettings::default());
    }
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| format!("not JSON ({e}); write an object such as '{{\"image\": \"…\"}}'"))?;
    if !value.is_object() {
        return Err("not a JSON object; write one such as '{\"image\": \"…\"}'".to_owned());
    }
    let rejections = runner_schema()?.check(&value);
    if let Some(first) = rejections.first() {
        let field = if first.path.is_empty() {
            String::new()
        } else {
            format!("field {}: ", first.path)
        };
        return Err(format!(
            "{field}{} (the fields of a resource's spec.runner: {})",
            first.message,
            runner_fields().join(", ")
        ));
    }
    serde_json::from_value(value).map_err(|e| format!("not a spec.runner: {e}"))
}

/// The checker of `spec.runner`, from the DatabaseMigration CRD's schema.
fn runner_schema() -> Result<SchemaChecker, String> {
    let schema = openapi_schema("DatabaseMigration")
        .map(|schema| schema["properties"]["spec"]["properties"]["runner"].clone())
        .filter(serde_json::Value::is_object)
        .ok_or("the DatabaseMigration CRD has no schema of spec.runner (a bug of this build)")?;
    SchemaChecker::new(schema)
}

/// The field names of `spec.runner`.
fn runner_fields() -> Vec<String> {
    let schema = openapi_schema("DatabaseMigration").unwrap_or_default();
    schema["properties"]["spec"]["properties"]["runner"]["properties"]
        .as_object()
        .map(|fields| fields.keys().cloned().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_are_dns_labels() {
        assert_eq!(parse_namespace("forum-2"), Ok("forum-2".to_owned()));
        assert_eq!(parse_namespace(" "), Ok(String::new()), "adds no namespace");
        for bad in ["Forum", "-forum", "forum-", "for_um", &"a".repeat(64)] {
            let error = parse_namespace(bad).unwrap_err();
            assert!(error.contains("is not a namespace name"), "{bad}: {error}");
        }
    }

    #[test]
    fn runner_defaults_read_as_a_spec_runner() {
        let defaults = parse_runner_defaults(
            r#"{"image": "registry.example.com/dbmigrate:1", "backoffLimit": 5,
                "resources": {"limits": {"memory": "256Mi"}}, "nodeSelector": {"pool": "jobs"},
                "tolerations": [{"key": "jobs", "operator": "Exists"}],
                "activeDeadlineSeconds": 600, "ttlSecondsAfterFinished": 60,
                "maxMigrationsPerJob": 10, "serviceAccountName": "migrations",
                "imagePullPolicy": "Always"}"#,
        )
        .unwrap();
        assert_eq!(
            defaults.image.as_deref(),
            Some("registry.example.com/dbmigrate:1")
        );
        assert_eq!(defaults.backoff_limit, Some(5));
        assert_eq!(defaults.node_selector["pool"], "jobs");
        assert_eq!(defaults.tolerations.len(), 1);
        assert!(defaults.resources.is_some());
        assert_eq!(parse_runner_defaults(""), Ok(RunnerSettings::default()));
    }

    #[test]
    fn namespaces_repeat_split_on_commas_and_skip_empty_items() {
        use clap::Parser;
        let cli = crate::cli::args::Cli::try_parse_from([
            "dbmigrate",
            "operator",
            "--namespace",
            "a,b",
            "--namespace",
            "c,",
            "--secret-access",
            "none",
        ])
        .unwrap();
        let crate::cli::args::Command::Operator {
            namespaces,
            secret_access,
            ..
        } = cli.command
        else {
            panic!("not the operator command");
        };
        assert_eq!(namespaces, ["a", "b", "c", ""]);
        assert_eq!(secret_access, crate::controller::SecretAccess::None);
    }

    #[test]
    fn runner_defaults_refuse_what_the_api_server_refuses_naming_the_field() {
        let cases = [
            (r#"{"imagee": "x"}"#, "imagee"),
            (
                r#"{"imagePullPolicy": "Sometimes"}"#,
                "field imagePullPolicy",
            ),
            (r#"{"backoffLimit": -1}"#, "field backoffLimit"),
            (r#"{"resources": {"limitz": {}}}"#, "limitz"),
            (r#"{"image": 7}"#, "field image"),
            ("[1]", "not a JSON object"),
            ("{image", "not JSON"),
        ];
        for (text, named) in cases {
            let error = parse_runner_defaults(text).unwrap_err();
            assert!(error.contains(named), "{text}: {error}");
        }
        let unknown = parse_runner_defaults(r#"{"imagee": "x"}"#).unwrap_err();
        assert!(unknown.contains("image, imagePullPolicy"), "{unknown}");
    }
}
