//! Drizzle Kit layout: `NNNN_<name>.sql` files whose order and membership come from `meta/_journal.json`.
//!
//! The `.sql` names are dbmigrate's own (`resolve_lookalikes` re-labels them); this file reads
//! the journal. `meta/NNNN_snapshot.json` files are Drizzle's schema snapshots and are ignored.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::Found;
use crate::source::error::SourceError;

/// Where Drizzle Kit keeps its journal, relative to the migrations folder.
pub(crate) const JOURNAL: &str = "meta/_journal.json";

/// `meta/_journal.json`: `{"version":"7","dialect":"postgresql","entries":[{"idx":0,
/// "when":1700000000000,"tag":"0000_steep_wolverine","breakpoints":true}, ...]}`.
#[derive(Deserialize)]
struct Journal {
    entries: Vec<JournalEntry>,
}

#[derive(Deserialize)]
struct JournalEntry {
    /// The migration's file name without `.sql`.
    tag: String,
}

/// Puts the Drizzle scripts in journal order, checking that the journal lists exactly the
/// `.sql` files present, each once, in ascending version order.
///
/// `root` is the migrations folder and `text` the journal's contents (for messages and parsing).
pub(crate) fn order_by_journal(
    root: &Path,
    text: &str,
    found: Vec<Found>,
) -> Result<Vec<Found>, SourceError> {
    let journal_path = root.join(JOURNAL);
    let metadata = |message: String| SourceError::Metadata {
        path: journal_path.clone(),
        message,
    };
    let journal: Journal = serde_json::from_str(text).map_err(|e| {
        metadata(format!(
            "not a Drizzle journal ({e}); expected {{\"entries\": [{{\"tag\": \"0000_name\", ...}}]}}"
        ))
    })?;

    let mut files: BTreeMap<PathBuf, Found> =
        found.into_iter().map(|f| (f.path.clone(), f)).collect();
    let mut listed = HashSet::new();
    let mut ordered: Vec<Found> = Vec::with_capacity(files.len());
    for JournalEntry { tag } in journal.entries {
        let file = PathBuf::from(format!("{tag}.sql"));
        let shown = root.join(&file);
        let Some(script) = files.remove(&file) else {
            return Err(metadata(if listed.contains(&file) {
                format!("lists `{tag}` twice; remove the second entry")
            } else {
                format!(
                    "lists `{tag}` but {} does not exist; restore the file or remove the entry",
                    shown.display()
                )
            }));
        };
        if let Some(previous) = ordered.last()
            && script.version < previous.version
        {
            return Err(metadata(format!(
                "lists {} after {}, but its version is lower; fix the order of the entries",
                shown.display(),
                root.join(&previous.path).display()
            )));
        }
        listed.insert(file);
        ordered.push(script);
    }
    if let Some(unlisted) = files.keys().next() {
        return Err(metadata(format!(
            "does not list {}; add it with drizzle-kit generate (which writes both) or delete it",
            root.join(unlisted).display()
        )));
    }
    Ok(ordered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::model::Format;
    use crate::source::version::Version;

    fn found(file: &str) -> Found {
        let (version, name) = file.trim_end_matches(".sql").split_once('_').unwrap();
        Found {
            format: Format::Drizzle,
            version: Version::parse(version).unwrap(),
            name: name.into(),
            down: false,
            path: file.into(),
        }
    }

    fn journal(tags: &[&str]) -> String {
        let entries: Vec<_> = tags
            .iter()
            .enumerate()
            .map(|(idx, tag)| {
                format!(r#"{{"idx":{idx},"version":"7","when":1700000000000,"tag":"{tag}","breakpoints":true}}"#)
            })
            .collect();
        format!(
            r#"{{"version":"7","dialect":"postgresql","entries":[{}]}}"#,
            entries.join(",")
        )
    }

    fn order(tags: &[&str], files: &[&str]) -> Result<Vec<String>, String> {
        let found = files.iter().map(|f| found(f)).collect();
        order_by_journal(Path::new("m"), &journal(tags), found)
            .map(|v| v.into_iter().map(|f| f.name).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn orders_by_the_journal() {
        assert_eq!(
            order(&["0000_a", "0001_b"], &["0001_b.sql", "0000_a.sql"]),
            Ok(vec!["a".to_owned(), "b".to_owned()])
        );
    }

    #[test]
    fn reports_disagreements_naming_the_journal_and_the_file() {
        let missing = order(&["0000_a", "0001_b"], &["0000_a.sql"]).unwrap_err();
        assert!(
            missing.contains("_journal.json") && missing.contains("0001_b.sql"),
            "{missing}"
        );
        let unlisted = order(&["0000_a"], &["0000_a.sql", "0001_b.sql"]).unwrap_err();
        assert!(
            unlisted.contains("does not list") && unlisted.contains("0001_b.sql"),
            "{unlisted}"
        );
        let twice = order(&["0000_a", "0000_a"], &["0000_a.sql"]).unwrap_err();
        assert!(twice.contains("twice"), "{twice}");
        let backwards = order(&["0001_b", "0000_a"], &["0000_a.sql", "0001_b.sql"]).unwrap_err();
        assert!(backwards.contains("version is lower"), "{backwards}");
        let garbage = order_by_journal(Path::new("m"), "[]", Vec::new()).unwrap_err();
        assert!(
            garbage.to_string().contains("not a Drizzle journal"),
            "{garbage}"
        );
    }
}
