//! The statements of a sync, shared by both databases: load, update, insert, prune, own.
//!
//! Values never appear in this SQL: desired rows sit in a temporary table, and the owner
//! and target names are parameters (`$1`/`$2` on PostgreSQL, `?1`/`?2` on SQLite).

use super::convert::ColumnType;
use super::ident::quote;
use super::rows::ColumnInfo;

/// Which database's spelling to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// PostgreSQL.
    Postgres,
    /// SQLite.
    Sqlite,
}

/// The temporary table desired rows are loaded into.
pub const DESIRED: &str = "\"dbmigrate_sync_desired\"";

/// Builds one table's statements.
pub struct TableSql<'a> {
    /// Database flavor.
    pub flavor: Flavor,
    /// The quoted target table.
    pub target: &'a str,
    /// The quoted ownership table.
    pub owned: &'a str,
    /// Key columns.
    pub keys: &'a [ColumnInfo],
    /// Managed non-key columns.
    pub values: &'a [ColumnInfo],
}

impl TableSql<'_> {
    fn param(&self, n: u8) -> String {
        match self.flavor {
            Flavor::Postgres => format!("${n}"),
            Flavor::Sqlite => format!("?{n}"),
        }
    }

    fn all(&self) -> impl Iterator<Item = &ColumnInfo> {
        self.keys.iter().chain(self.values)
    }

    fn list(&self, alias: &str) -> String {
        self.all()
            .map(|c| format!("{alias}{}", quote(&c.name)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn key_match(&self, left: &str, right: &str) -> String {
        self.keys
            .iter()
            .map(|c| format!("{left}.{q} = {right}.{q}", q = quote(&c.name)))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// The key as canonical text, for the ownership table.
    fn key_text(&self, alias: &str) -> String {
        let parts: Vec<String> = self
            .keys
            .iter()
            .map(|c| match self.flavor {
                Flavor::Postgres => format!("{alias}.{}::text", quote(&c.name)),
                Flavor::Sqlite => format!("CAST({alias}.{} AS TEXT)", quote(&c.name)),
            })
            .collect();
        match self.flavor {
            Flavor::Postgres => format!("jsonb_build_array({})::text", parts.join(", ")),
            Flavor::Sqlite => format!("json_array({})", parts.join(", ")),
        }
    }

    fn differs(&self, column: &ColumnInfo) -> String {
        let q = quote(&column.name);
        match (self.flavor, &column.ty) {
            // json has no equality operator; compare as jsonb (key order and spacing ignored).
            (Flavor::Postgres, ColumnType::Json) => {
                format!("t.{q}::jsonb IS DISTINCT FROM d.{q}::jsonb")
            }
            (Flavor::Postgres, _) => format!("t.{q} IS DISTINCT FROM d.{q}"),
            (Flavor::Sqlite, _) => format!("t.{q} IS NOT d.{q}"),
        }
    }

    /// Creates the temporary table of desired rows: on PostgreSQL with the target's exact
    /// column types (dropped at commit), on SQLite with the same declared types (affinity).
    pub fn create_desired(&self) -> String {
        match self.flavor {
            Flavor::Postgres => format!(
                "CREATE TEMP TABLE {DESIRED} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA",
                self.list(""),
                self.target
            ),
            Flavor::Sqlite => {
                let definition: Vec<String> = self
                    .all()
                    .map(|c| format!("{} {}", quote(&c.name), c.declared))
                    .collect();
                format!("CREATE TEMP TABLE {DESIRED} ({})", definition.join(", "))
            }
        }
    }

    /// Updates rows whose managed values differ (none when there are no managed columns).
    pub fn update(&self) -> Option<String> {
        if self.values.is_empty() {
            return None;
        }
        let set: Vec<String> = self
            .values
            .iter()
            .map(|c| format!("{q} = d.{q}", q = quote(&c.name)))
            .collect();
        let differs: Vec<String> = self.values.iter().map(|c| self.differs(c)).collect();
        Some(format!(
            "UPDATE {target} AS t SET {set} FROM {DESIRED} AS d WHERE {keys} AND ({differs})",
            target = self.target,
            set = set.join(", "),
            keys = self.key_match("t", "d"),
            differs = differs.join(" OR "),
        ))
    }

    /// Inserts desired rows whose key is not in the table.
    pub fn insert(&self) -> String {
        format!(
            "INSERT INTO {target} ({columns}) SELECT {selected} FROM {DESIRED} AS d \
             WHERE NOT EXISTS (SELECT 1 FROM {target} AS t WHERE {keys})",
            target = self.target,
            columns = self.list(""),
            selected = self.list("d."),
            keys = self.key_match("t", "d"),
        )
    }

    /// Deletes rows this owner synced before that are no longer desired (mirror mode).
    pub fn prune(&self) -> String {
        format!(
            "DELETE FROM {target} WHERE {key} IN (SELECT o.key FROM {owned} AS o WHERE o.owner = {p1} AND o.target = {p2}) \
             AND NOT EXISTS (SELECT 1 FROM {DESIRED} AS d WHERE {keys})",
            target = self.target,
            key = self.key_text(self.target),
            owned = self.owned,
            p1 = self.param(1),
            p2 = self.param(2),
            keys = self.key_match(self.target, "d"),
        )
    }

    /// Records ownership of every desired row not yet owned.
    pub fn own(&self) -> String {
        format!(
            "INSERT INTO {owned} (owner, target, key) SELECT {p1}, {p2}, {key} FROM {DESIRED} AS d \
             WHERE NOT EXISTS (SELECT 1 FROM {owned} AS o WHERE o.owner = {p1} AND o.target = {p2} AND o.key = {key})",
            owned = self.owned,
            p1 = self.param(1),
            p2 = self.param(2),
            key = self.key_text("d"),
        )
    }

    /// Forgets ownership of rows that are no longer desired. Each database gets the form it
    /// plans well for 100k keys: PostgreSQL a hash anti-join (`NOT EXISTS`; a `NOT IN` that
    /// outgrows `work_mem` is a nested loop), SQLite `NOT IN` (it indexes the subquery; its
    /// `NOT EXISTS` on a computed key is a nested loop).
    pub fn disown(&self) -> String {
        let desired_key = self.key_text("d");
        let not_desired = match self.flavor {
            Flavor::Postgres => format!(
                "NOT EXISTS (SELECT 1 FROM {DESIRED} AS d WHERE {desired_key} = {}.key)",
                self.owned
            ),
            Flavor::Sqlite => format!("key NOT IN (SELECT {desired_key} FROM {DESIRED} AS d)"),
        };
        format!(
            "DELETE FROM {owned} WHERE owner = {p1} AND target = {p2} AND {not_desired}",
            owned = self.owned,
            p1 = self.param(1),
            p2 = self.param(2),
        )
    }
}

/// The bookkeeping tables: ownership of synced rows, and the last sync per owner and table.
pub fn bookkeeping_ddl(owned: &str, state: &str, flavor: Flavor) -> String {
    let time = match flavor {
        Flavor::Postgres => "timestamptz NOT NULL DEFAULT now()",
        Flavor::Sqlite => "TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
    };
    format!(
        "CREATE TABLE IF NOT EXISTS {owned} (owner TEXT NOT NULL, target TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (owner, target, key)); \
         CREATE TABLE IF NOT EXISTS {state} (owner TEXT NOT NULL, target TEXT NOT NULL, source_hash TEXT NOT NULL, \
         desired BIGINT NOT NULL, inserted BIGINT NOT NULL, updated BIGINT NOT NULL, deleted BIGINT NOT NULL, \
         drift BOOLEAN NOT NULL, applied_by TEXT NOT NULL, synced_at {time}, PRIMARY KEY (owner, target))"
    )
}
