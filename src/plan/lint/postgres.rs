//! PostgreSQL lint: squawk's default rules, tuned to how dbmigrate runs migrations.
//!
//! What differs from running `squawk` by hand:
//! - `require-timeout-settings` (its `require-lock-timeout` and `require-statement-timeout`) is
//!   never run: dbmigrate sets `lock_timeout` and `statement_timeout` on every connection
//!   itself, so a script need not.
//! - `prefer-robust-stmts` is not run on transactional scripts: such a script and its history
//!   row commit together or not at all, so a failed run leaves nothing behind and the rerun
//!   starts clean without `IF NOT EXISTS` guards. It still runs on `no-transaction` scripts.
//! - squawk runs with `assume_in_transaction` set for transactional scripts, and
//!   `CREATE INDEX CONCURRENTLY` in a transactional script is reported even when it is the
//!   script's only statement (squawk assumes a one-statement file runs on its own; dbmigrate
//!   wraps it in a transaction, which PostgreSQL rejects).
//! - squawk's parse errors are reported as rule `syntax-error`, the first one per statement.

use squawk_linter::{Linter, Rule};
use squawk_syntax::ast;
use squawk_syntax::{Parse, SourceFile};

use super::finding::Violation;
use crate::source::split_statements;

/// Rule name for SQL that PostgreSQL's grammar does not accept.
const SYNTAX_ERROR: &str = "syntax-error";

/// Rules never run: dbmigrate sets lock and statement timeouts itself.
const ALWAYS_EXCLUDED: [Rule; 1] = [Rule::RequireTimeoutSettings];

/// Rules not run on transactional scripts: the transaction already makes them rerunnable.
const EXCLUDED_IN_TRANSACTION: [Rule; 1] = [Rule::PreferRobustStmts];

/// How to run a statement outside the migration's transaction in dbmigrate.
const NO_TRANSACTION_HELP: &str = "`CONCURRENTLY` cannot run inside a transaction: move the statement into a migration of its own whose first line is `-- dbmigrate: no-transaction`";

/// Names of every rule this module can report.
pub(super) fn rule_names() -> Vec<String> {
    let mut names: Vec<String> = linter(false)
        .rules
        .iter()
        .map(ToString::to_string)
        .collect();
    names.push(SYNTAX_ERROR.to_owned());
    names
}

/// Lints one script; `transactional` says whether dbmigrate wraps it in a transaction.
pub(super) fn lint(sql: &str, transactional: bool) -> Vec<Violation> {
    let parse = SourceFile::parse(sql);
    let mut violations = syntax_errors(sql, &parse);
    violations.extend(
        linter(transactional)
            .lint(&parse, sql)
            .into_iter()
            .map(|v| Violation {
                rule: v.code.to_string(),
                offset: usize::from(v.text_range.start()),
                help: tailor_help(v.code, v.help, transactional),
                message: v.message,
            }),
    );
    if transactional {
        for violation in concurrent_index_in_transaction(&parse) {
            let reported = violations
                .iter()
                .any(|v| v.rule == violation.rule && v.offset == violation.offset);
            if !reported {
                violations.push(violation);
            }
        }
    }
    violations
}

fn linter(transactional: bool) -> Linter {
    let mut excluded = ALWAYS_EXCLUDED.to_vec();
    if transactional {
        excluded.extend(EXCLUDED_IN_TRANSACTION);
    }
    let mut linter = Linter::with_rules(&[], &excluded);
    linter.settings.assume_in_transaction = transactional;
    linter
}

/// squawk's parse errors, the first one per statement (later ones mostly follow from it).
fn syntax_errors(sql: &str, parse: &Parse<SourceFile>) -> Vec<Violation> {
    let errors = parse.errors();
    if errors.is_empty() {
        return Vec::new();
    }
    let starts: Vec<usize> = split_statements(sql).iter().map(|s| s.offset).collect();
    let mut seen_statements = Vec::new();
    let mut violations = Vec::new();
    for error in errors {
        let offset = usize::from(error.range().start());
        let statement = starts.partition_point(|&start| start <= offset);
        if seen_statements.contains(&statement) {
            continue;
        }
        seen_statements.push(statement);
        violations.push(Violation {
            rule: SYNTAX_ERROR.to_owned(),
            offset,
            message: error.message().to_owned(),
            help: Some("fix the SQL; the database would reject it".to_owned()),
        });
    }
    violations
}

/// `CREATE INDEX CONCURRENTLY` anywhere in a script that runs in a transaction.
fn concurrent_index_in_transaction(parse: &Parse<SourceFile>) -> Vec<Violation> {
    parse
        .tree()
        .stmts()
        .filter_map(|stmt| match stmt {
            ast::Stmt::CreateIndex(create_index) => create_index.concurrently_token(),
            _ => None,
        })
        .map(|token| Violation {
            rule: Rule::BanConcurrentIndexCreationInTransaction.to_string(),
            offset: usize::from(token.text_range().start()),
            message: "`CREATE INDEX CONCURRENTLY` cannot run inside a transaction, and this migration runs in one; PostgreSQL would reject it.".to_owned(),
            help: Some(NO_TRANSACTION_HELP.to_owned()),
        })
        .collect()
}

/// Replaces squawk's generic advice where dbmigrate has a concrete way to follow it.
fn tailor_help(rule: Rule, help: Option<String>, transactional: bool) -> Option<String> {
    if !transactional {
        return help;
    }
    match rule {
        Rule::RequireConcurrentIndexCreation | Rule::RequireConcurrentIndexDeletion => {
            Some(match help {
                Some(help) => format!("{help} {NO_TRANSACTION_HELP}"),
                None => NO_TRANSACTION_HELP.to_owned(),
            })
        }
        Rule::BanConcurrentIndexCreationInTransaction => Some(NO_TRANSACTION_HELP.to_owned()),
        Rule::TransactionNesting => Some(
            "dbmigrate runs each migration in a transaction of its own: remove `BEGIN`/`COMMIT`, or start the script with `-- dbmigrate: no-transaction` to manage transactions yourself".to_owned(),
        ),
        _ => help,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(sql: &str, transactional: bool) -> Vec<String> {
        lint(sql, transactional)
            .into_iter()
            .map(|v| v.rule)
            .collect()
    }

    #[test]
    fn flags_required_column_at_its_add_clause() {
        let sql = "ALTER TABLE users\n  ADD COLUMN email text NOT NULL;";
        let violations = lint(sql, true);
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(violations[0].rule, "adding-required-field");
        assert_eq!(violations[0].offset, sql.find("ADD COLUMN").unwrap());
        assert!(violations[0].help.is_some());
        assert!(
            rules(
                "ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT '';",
                true
            )
            .is_empty()
        );
    }

    #[test]
    fn flags_blocking_index_creation_with_no_transaction_help() {
        let violations = lint("CREATE INDEX users_email ON users (email);", true);
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(violations[0].rule, "require-concurrent-index-creation");
        let help = violations[0].help.as_deref().unwrap();
        assert!(help.contains("-- dbmigrate: no-transaction"), "{help}");
    }

    #[test]
    fn never_asks_for_timeouts() {
        let all = rule_names();
        assert!(!all.iter().any(|r| r.contains("timeout")), "{all:?}");
        assert!(
            rules("ALTER TABLE t ALTER COLUMN c TYPE bigint;", true)
                .iter()
                .all(|r| r == "changing-column-type")
        );
    }

    #[test]
    fn robust_statements_only_asked_for_outside_a_transaction() {
        let sql = "CREATE INDEX CONCURRENTLY users_email ON users (email);";
        assert_eq!(rules(sql, false), ["prefer-robust-stmts"]);
        assert!(
            !rules("CREATE TABLE t (id bigint);", true).contains(&"prefer-robust-stmts".to_owned())
        );
        assert!(rule_names().contains(&"prefer-robust-stmts".to_owned()));
    }

    #[test]
    fn concurrent_index_in_a_transaction_is_reported_once() {
        let single = "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);";
        assert_eq!(
            rules(single, true),
            ["ban-concurrent-index-creation-in-transaction"]
        );
        let double = "SELECT 1;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);";
        assert_eq!(
            rules(double, true),
            ["ban-concurrent-index-creation-in-transaction"]
        );
        assert!(rules(single, false).is_empty());
    }

    #[test]
    fn begin_commit_in_a_transactional_script_is_nesting() {
        let violations = lint("BEGIN;\nCREATE TABLE a (id bigint);\nCOMMIT;", true);
        assert!(
            violations.iter().all(|v| v.rule == "transaction-nesting"),
            "{violations:?}"
        );
        assert_eq!(violations.len(), 2);
        assert!(
            violations[0]
                .help
                .as_deref()
                .unwrap()
                .contains("no-transaction")
        );
    }

    #[test]
    fn reports_the_first_syntax_error_per_statement() {
        let sql = "SELEC 1;\nCREATE TABLE ok (id bigint);\nCREATE TABLE x (a bigint;";
        let errors: Vec<_> = lint(sql, true)
            .into_iter()
            .filter(|v| v.rule == SYNTAX_ERROR)
            .collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0].offset, 0);
        assert!(errors[1].offset > sql.find("CREATE TABLE x").unwrap());
        assert_eq!(
            errors[1].help.as_deref(),
            Some("fix the SQL; the database would reject it")
        );
    }

    /// Ordinary, valid migration SQL must not produce syntax errors (nor, in a transaction and
    /// without `CONCURRENTLY`, any other finding).
    #[test]
    fn valid_postgres_parses_without_syntax_errors() {
        let snippets = [
            "CREATE TABLE users (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  email text NOT NULL UNIQUE,\n  created_at timestamptz NOT NULL DEFAULT now(),\n  org_id bigint REFERENCES orgs (id) ON DELETE CASCADE,\n  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'banned'))\n);",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (lower(email)) WHERE deleted_at IS NULL;",
            "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN\n    CREATE TYPE mood AS ENUM ('sad', 'ok');\n  END IF;\nEND\n$$;",
            "DO $$ BEGIN\n ALTER TABLE \"posts\" ADD CONSTRAINT \"posts_author_fk\" FOREIGN KEY (\"author_id\") REFERENCES \"public\".\"users\"(\"id\") ON DELETE cascade ON UPDATE no action;\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;\n--> statement-breakpoint\nSELECT 1;",
            "INSERT INTO settings (key, value) VALUES ('a', '{\"x\": 1}'::jsonb), ('b', NULL)\nON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;",
            "INSERT INTO t (a) VALUES (1) ON CONFLICT ON CONSTRAINT t_pkey DO NOTHING;",
            "UPDATE posts p SET author_name = u.name FROM users u WHERE u.id = p.author_id AND p.author_name IS NULL;",
            "CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND;\n$$;",
            "CREATE FUNCTION g() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT 1; END;",
            "COMMENT ON TABLE users IS 'people';\nCOMMENT ON COLUMN users.email IS 'lower-cased';",
            "ALTER TABLE posts ADD CONSTRAINT posts_title_len CHECK (char_length(title) <= 200) NOT VALID;",
            "ALTER TABLE posts ADD CONSTRAINT posts_author_fk FOREIGN KEY (author_id) REFERENCES users (id) NOT VALID;",
            "WITH moved AS (DELETE FROM old_t RETURNING *) INSERT INTO new_t SELECT * FROM moved;",
            "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, s.v);",
            "SELECT setval('users_id_seq', (SELECT max(id) FROM users));\nUPDATE t SET x = E'it\\'s';",
        ];
        for sql in snippets {
            for transactional in [true, false] {
                let violations = lint(sql, transactional);
                let errors: Vec<_> = violations
                    .iter()
                    .filter(|v| v.rule == SYNTAX_ERROR)
                    .collect();
                assert!(errors.is_empty(), "{sql}\n{errors:?}");
                if transactional && !sql.contains("CONCURRENTLY") {
                    assert!(violations.is_empty(), "{sql}\n{violations:?}");
                }
            }
        }
    }
}
