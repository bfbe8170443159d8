//! Lint through the public API: migrations built from SQL snippets, as the CLI and planner see them.

use std::path::PathBuf;

use dbmigrate::plan::DatabaseKind;
use dbmigrate::plan::lint::{
    Finding, LintPolicy, LintPolicyError, Severity, lint_migration, rule_names,
};
use dbmigrate::source::{Directives, Migration, Script, Version};

fn script(path: &str, sql: &str) -> Script {
    Script {
        path: PathBuf::from(path),
        sql: sql.to_owned(),
        directives: Directives::parse(sql).expect("test directives are valid"),
        command: None,
    }
}

fn migration(up: &str, down: Option<&str>) -> Migration {
    Migration {
        version: Version::parse("20240101120000").expect("test version is valid"),
        name: "change".to_owned(),
        up: script("20240101120000_change.sql", up),
        down: down.map(|sql| script("20240101120000_change.down.sql", sql)),
    }
}

fn lint(db: DatabaseKind, up: &str, policy: &LintPolicy) -> Vec<Finding> {
    lint_migration(db, &migration(up, None), policy)
}

fn rules(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.rule.as_str()).collect()
}

const REQUIRED_COLUMN: &str = "-- add emails\nCREATE TABLE audit (id bigint);\n\nALTER TABLE users\n    ADD COLUMN email text NOT NULL;\n";

#[test]
fn postgres_required_column_is_flagged_at_its_line_and_column() {
    let findings = lint(
        DatabaseKind::Postgres,
        REQUIRED_COLUMN,
        &LintPolicy::default(),
    );
    assert_eq!(rules(&findings), ["adding-required-field"], "{findings:#?}");
    let finding = &findings[0];
    assert_eq!((finding.line, finding.column), (5, 5));
    assert_eq!(finding.version, "20240101120000");
    assert_eq!(finding.path, PathBuf::from("20240101120000_change.sql"));
    assert_eq!(finding.severity, Severity::Warning);
    assert!(!finding.blocking());
    assert!(finding.help.is_some());
}

#[test]
fn postgres_index_without_concurrently_is_flagged() {
    let findings = lint(
        DatabaseKind::Postgres,
        "CREATE INDEX users_email ON users (email);",
        &LintPolicy::default(),
    );
    assert_eq!(rules(&findings), ["require-concurrent-index-creation"]);
    assert_eq!((findings[0].line, findings[0].column), (1, 1));
}

#[test]
fn allow_directive_silences_the_rule_in_that_script() {
    let sql = format!("-- dbmigrate: allow=adding-required-field\n{REQUIRED_COLUMN}");
    assert!(lint(DatabaseKind::Postgres, &sql, &LintPolicy::default()).is_empty());
    let other = format!("-- dbmigrate: allow=ban-drop-table\n{REQUIRED_COLUMN}");
    assert_eq!(
        rules(&lint(
            DatabaseKind::Postgres,
            &other,
            &LintPolicy::default()
        )),
        ["adding-required-field"]
    );
}

#[test]
fn deny_and_deny_warnings_make_findings_blocking() {
    let deny = LintPolicy {
        deny: vec!["adding-required-field".to_owned()],
        ..LintPolicy::default()
    };
    let findings = lint(DatabaseKind::Postgres, REQUIRED_COLUMN, &deny);
    assert_eq!(findings[0].severity, Severity::Error);
    assert!(findings[0].blocking());

    let deny_other = LintPolicy {
        deny: vec!["ban-drop-table".to_owned()],
        ..LintPolicy::default()
    };
    assert!(!lint(DatabaseKind::Postgres, REQUIRED_COLUMN, &deny_other)[0].blocking());

    let deny_all = LintPolicy {
        deny_warnings: true,
        ..LintPolicy::default()
    };
    assert!(lint(DatabaseKind::Sqlite, "DROP TABLE users;", &deny_all)[0].blocking());
}

#[test]
fn disabled_rules_report_nothing() {
    let policy = LintPolicy {
        disabled: vec!["adding-required-field".to_owned()],
        ..LintPolicy::default()
    };
    assert!(lint(DatabaseKind::Postgres, REQUIRED_COLUMN, &policy).is_empty());
}

#[test]
fn unknown_rule_names_in_the_policy_are_rejected() {
    let policy = LintPolicy {
        deny: vec!["adding-required-field".to_owned()],
        disabled: vec!["ban-everything".to_owned()],
        ..LintPolicy::default()
    };
    let err = policy.validate(DatabaseKind::Postgres).unwrap_err();
    assert!(matches!(&err, LintPolicyError::UnknownRule { name, .. } if name == "ban-everything"));
    assert!(err.to_string().contains("adding-required-field"), "{err}");

    let postgres_only = LintPolicy {
        deny: vec!["require-concurrent-index-creation".to_owned()],
        ..LintPolicy::default()
    };
    assert!(postgres_only.validate(DatabaseKind::Postgres).is_ok());
    assert!(postgres_only.validate(DatabaseKind::Sqlite).is_err());
    assert!(LintPolicy::default().validate(DatabaseKind::Sqlite).is_ok());
}

#[test]
fn rule_names_list_each_dialect() {
    let postgres = rule_names(DatabaseKind::Postgres);
    for name in [
        "adding-required-field",
        "require-concurrent-index-creation",
        "syntax-error",
        "ban-drop-column",
    ] {
        assert!(
            postgres.iter().any(|r| r == name),
            "{name} missing from {postgres:?}"
        );
    }
    assert!(!postgres.iter().any(|r| r == "require-timeout-settings"));
    let sqlite = rule_names(DatabaseKind::Sqlite);
    assert!(sqlite.iter().any(|r| r == "ban-drop-column"));
    assert!(!sqlite.iter().any(|r| r == "syntax-error"));
}

#[test]
fn sqlite_drop_column_is_flagged_at_the_statement() {
    let sql =
        "CREATE INDEX users_email ON users (email);\n\n  ALTER TABLE users DROP COLUMN legacy;\n";
    let findings = lint(DatabaseKind::Sqlite, sql, &LintPolicy::default());
    assert_eq!(rules(&findings), ["ban-drop-column"]);
    assert_eq!((findings[0].line, findings[0].column), (3, 3));
    assert!(
        findings[0].message.contains("later migration"),
        "{}",
        findings[0].message
    );
}

#[test]
fn clean_migrations_have_no_findings() {
    let postgres = "CREATE TABLE posts (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  title text NOT NULL,\n  created_at timestamptz NOT NULL DEFAULT now()\n);\n\
                    CREATE INDEX posts_title ON posts (title);\n\
                    ALTER TABLE users ADD COLUMN bio text;\n\
                    INSERT INTO settings (key, value) VALUES ('theme', 'dark') ON CONFLICT (key) DO NOTHING;\n";
    let down = "DELETE FROM settings WHERE key = 'theme';";
    let findings = lint_migration(
        DatabaseKind::Postgres,
        &migration(postgres, Some(down)),
        &LintPolicy::default(),
    );
    assert!(findings.is_empty(), "{findings:#?}");

    let sqlite = "CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n\
                  CREATE TRIGGER posts_touch AFTER UPDATE ON posts BEGIN SELECT 1; END;\n\
                  ALTER TABLE users ADD COLUMN score INTEGER NOT NULL DEFAULT 0;\n";
    assert!(lint(DatabaseKind::Sqlite, sqlite, &LintPolicy::default()).is_empty());
}

#[test]
fn down_scripts_are_linted_too() {
    let m = migration(
        "ALTER TABLE users ADD COLUMN bio text;",
        Some("ALTER TABLE users DROP COLUMN bio;"),
    );
    for db in [DatabaseKind::Postgres, DatabaseKind::Sqlite] {
        let findings = lint_migration(db, &m, &LintPolicy::default());
        assert_eq!(
            rules(&findings),
            ["ban-drop-column"],
            "{db:?}: {findings:#?}"
        );
        assert_eq!(
            findings[0].path,
            PathBuf::from("20240101120000_change.down.sql")
        );
    }
    let allowed = migration(
        "ALTER TABLE users ADD COLUMN bio text;",
        Some("-- dbmigrate: allow=ban-drop-column\nALTER TABLE users DROP COLUMN bio;"),
    );
    assert!(lint_migration(DatabaseKind::Sqlite, &allowed, &LintPolicy::default()).is_empty());
}

#[test]
fn postgres_syntax_errors_are_findings() {
    let findings = lint(
        DatabaseKind::Postgres,
        "CREATE TABLE t (id bigint;\n",
        &LintPolicy::default(),
    );
    assert_eq!(rules(&findings), ["syntax-error"]);
    assert_eq!(findings[0].line, 1);
}

#[test]
fn findings_serialize_with_lowercase_severity() {
    let findings = lint(
        DatabaseKind::Sqlite,
        "DROP TABLE users;",
        &LintPolicy::default(),
    );
    let json = serde_json::to_value(&findings[0]).expect("findings serialize");
    assert_eq!(json["severity"], "warning");
    assert_eq!(json["rule"], "ban-drop-table");
}

#[test]
fn a_misspelt_allow_directive_is_a_blocking_finding_with_a_suggestion() {
    let typo = migration(
        "-- dbmigrate: allow=ban-drop-tabel\nDROP TABLE users;\n",
        None,
    );
    for db in [DatabaseKind::Postgres, DatabaseKind::Sqlite] {
        let findings = lint_migration(db, &typo, &LintPolicy::default());
        let unknown = findings
            .iter()
            .find(|f| f.rule == "unknown-rule")
            .unwrap_or_else(|| panic!("{db:?}: {findings:?}"));
        assert!(unknown.blocking() && unknown.line == 1, "{unknown:?}");
        assert!(
            unknown.message.contains("did you mean `ban-drop-table`"),
            "{}",
            unknown.message
        );
        assert!(
            findings.iter().any(|f| f.rule == "ban-drop-table"),
            "the typo allows nothing"
        );
    }
    // A portable migration may allow a rule only PostgreSQL has; SQLite does not complain.
    let portable = migration(
        "-- dbmigrate: allow=prefer-bigint-over-int\nCREATE TABLE t (id INT);\n",
        None,
    );
    let on_sqlite = lint_migration(DatabaseKind::Sqlite, &portable, &LintPolicy::default());
    assert!(
        !on_sqlite.iter().any(|f| f.rule == "unknown-rule"),
        "{on_sqlite:?}"
    );
}
