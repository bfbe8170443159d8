//! Reads manifests: YAML or JSON files, folders of them, or stdin; multi-document streams.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::ManifestError;

/// One parsed document and where it came from.
#[derive(Debug, Clone)]
pub struct Document {
    /// `file.yaml#2` (1-based document index), for messages.
    pub origin: String,
    /// The folder relative paths in the document are resolved against.
    pub base_dir: PathBuf,
    /// The document.
    pub value: serde_json::Value,
}

/// Reads every input (`-` is stdin; a folder means its `.yaml`, `.yml` and `.json` files in
/// name order, like `kubectl apply -f <dir>`).
pub fn read_inputs(inputs: &[PathBuf]) -> Result<Vec<Document>, ManifestError> {
    let mut documents = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|source| ManifestError::Read {
                    path: input.clone(),
                    source,
                })?;
            let cwd = std::env::current_dir().unwrap_or_default();
            documents.extend(parse_stream(&text, "<stdin>", &cwd)?);
        } else if input.is_dir() {
            for file in manifest_files(input)? {
                documents.extend(read_file(&file)?);
            }
        } else {
            documents.extend(read_file(input)?);
        }
    }
    Ok(documents)
}

fn manifest_files(dir: &Path) -> Result<Vec<PathBuf>, ManifestError> {
    let entries = std::fs::read_dir(dir).map_err(|source| ManifestError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.is_file()
                && path
                    .extension()
                    .is_some_and(|ext| ext == "yaml" || ext == "yml" || ext == "json")
                && !path
                    .file_name()
                    .is_some_and(|name| name.to_string_lossy().starts_with("kustomization."))
        })
        .collect();
    files.sort();
    Ok(files)
}

fn read_file(path: &Path) -> Result<Vec<Document>, ManifestError> {
    let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse_stream(&text, &path.display().to_string(), &base)
}

/// Splits a YAML (or JSON) stream into documents; `kind: List` is flattened into its items.
pub fn parse_stream(
    text: &str,
    name: &str,
    base_dir: &Path,
) -> Result<Vec<Document>, ManifestError> {
    let mut documents = Vec::new();
    for (index, part) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let origin = format!("{name}#{}", index + 1);
        let value = serde_json::Value::deserialize(part).map_err(|e| ManifestError::Syntax {
            origin: origin.clone(),
            message: e.to_string(),
        })?;
        match value {
            serde_json::Value::Null => {}
            serde_json::Value::Object(ref object)
                if object.get("kind").and_then(|k| k.as_str()) == Some("List") =>
            {
                let items = object.get("items").and_then(|i| i.as_array()).cloned();
                for (item_index, item) in items.unwrap_or_default().into_iter().enumerate() {
                    documents.push(Document {
                        origin: format!("{origin} items[{item_index}]"),
                        base_dir: base_dir.to_path_buf(),
                        value: item,
                    });
                }
            }
            value => documents.push(Document {
                origin,
                base_dir: base_dir.to_path_buf(),
                value,
            }),
        }
    }
    Ok(documents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_documents_and_flattens_lists() {
        let text = "a: 1\n---\n---\nkind: List\nitems:\n- b: 2\n- c: 3\n";
        let documents = parse_stream(text, "x.yaml", Path::new(".")).expect("parses");
        let origins: Vec<&str> = documents.iter().map(|d| d.origin.as_str()).collect();
        assert_eq!(
            origins,
            ["x.yaml#1", "x.yaml#3 items[0]", "x.yaml#3 items[1]"]
        );
    }

    #[test]
    fn names_the_document_with_a_syntax_error() {
        let error =
            parse_stream("a: 1\n---\nb: [\n", "bad.yaml", Path::new(".")).expect_err("must fail");
        assert!(error.to_string().contains("bad.yaml#2"), "{error}");
    }
}
