//! Resolves every resource before anything runs: database, files, rows, settings, order.

use super::bundle::{Bundle, ResourceId, ResourceKind};
use super::database::database_url;
use super::error::ManifestError;
use super::order::run_order;
use super::rows::sync_tables;
use super::source::{LoadedSource, load_source};
use crate::api::{self, DatabaseRef, DependsOn, TimeoutsSpec};
use crate::engine::{DatabaseUrl, EngineSettings, HistoryTable};
use crate::plan::lint::LintPolicy;
use crate::source::Version;
use crate::sync::TableSync;

/// Settings that apply to every resource unless its spec says otherwise.
#[derive(Debug, Clone)]
pub struct Defaults {
    /// `--database-url`: replaces every resource's database.
    pub database_url: Option<DatabaseUrl>,
    /// Timeouts and history table from the command line.
    pub settings: EngineSettings,
    /// Lint rules denied or disabled on the command line, added to each resource's policy.
    pub lint: LintPolicy,
}

/// One resource, resolved and ready to run.
pub struct Prepared {
    /// Which resource.
    pub id: ResourceId,
    /// `metadata.generation`, when the manifest has one.
    pub generation: Option<i64>,
    /// What it depends on.
    pub depends_on: Vec<ResourceId>,
    /// Its database.
    pub url: DatabaseUrl,
    /// Timeouts and history table.
    pub settings: EngineSettings,
    /// What it does.
    pub work: Work,
}

/// The resolved work of a resource.
pub enum Work {
    /// Apply migrations.
    Migrate(MigrateWork),
    /// Sync rows.
    Sync {
        /// The tables.
        tables: Vec<TableSync>,
        /// `spec.suspend`.
        suspended: bool,
    },
}

/// The resolved work of a DatabaseMigration.
pub struct MigrateWork {
    /// The files.
    pub source: LoadedSource,
    /// `spec.targetVersion`.
    pub target: Option<Version>,
    /// Lint policy (spec + command line).
    pub policy: LintPolicy,
    /// `spec.allowNonTransactional`.
    pub allow_non_transactional: bool,
}

/// Resolves all resources, in run order (dependencies first).
pub fn prepare(bundle: &Bundle, defaults: &Defaults) -> Result<Vec<Prepared>, ManifestError> {
    let mut prepared = Vec::new();
    for migration in &bundle.migrations {
        let id = migration.id(ResourceKind::DatabaseMigration);
        let spec = &migration.object.spec;
        let shared = Shared {
            generation: migration.object.metadata.generation,
            database: &spec.database,
            depends_on: &spec.depends_on,
            timeouts: spec.timeouts.as_ref(),
            history_table: spec.history_table.as_deref(),
        };
        prepared.push(resolve(id, &shared, bundle, defaults, |id, url| {
            let target = spec
                .target_version
                .as_deref()
                .map(Version::parse)
                .transpose()
                .map_err(|e| invalid(id, format!("spec.targetVersion: {e}")))?;
            let mut policy = defaults.lint.clone();
            if let Some(lint) = &spec.lint {
                policy.deny_warnings |= lint.deny_warnings;
                policy.deny.extend(lint.deny.iter().cloned());
                policy.disabled.extend(lint.disable.iter().cloned());
            }
            policy
                .validate(url.kind())
                .map_err(|e| invalid(id, format!("spec.lint: {e}")))?;
            Ok(Work::Migrate(MigrateWork {
                source: load_source(migration, id, bundle, url)?,
                target,
                policy,
                allow_non_transactional: spec.allow_non_transactional.unwrap_or(true),
            }))
        })?);
    }
    for sync in &bundle.syncs {
        let id = sync.id(ResourceKind::ConfigSync);
        let spec = &sync.object.spec;
        let shared = Shared {
            generation: sync.object.metadata.generation,
            database: &spec.database,
            depends_on: &spec.depends_on,
            timeouts: spec.timeouts.as_ref(),
            history_table: spec.history_table.as_deref(),
        };
        prepared.push(resolve(id, &shared, bundle, defaults, |id, _| {
            if let Some(interval) = &spec.interval {
                api::parse_duration(interval)
                    .map_err(|e| invalid(id, format!("spec.interval: {e}")))?;
            }
            Ok(Work::Sync {
                tables: sync_tables(spec, id, bundle)?,
                suspended: spec.suspend,
            })
        })?);
    }
    let nodes: Vec<(ResourceId, Vec<ResourceId>)> = prepared
        .iter()
        .map(|p| (p.id.clone(), p.depends_on.clone()))
        .collect();
    let order = run_order(&nodes)?;
    let mut slots: Vec<Option<Prepared>> = prepared.into_iter().map(Some).collect();
    Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
}

/// The spec fields both kinds have.
struct Shared<'a> {
    generation: Option<i64>,
    database: &'a DatabaseRef,
    depends_on: &'a [DependsOn],
    timeouts: Option<&'a TimeoutsSpec>,
    history_table: Option<&'a str>,
}

/// Resolves the shared fields, then the kind's own work (given the resolved database).
fn resolve(
    id: ResourceId,
    shared: &Shared<'_>,
    bundle: &Bundle,
    defaults: &Defaults,
    work: impl FnOnce(&ResourceId, &DatabaseUrl) -> Result<Work, ManifestError>,
) -> Result<Prepared, ManifestError> {
    let url = database_url(shared.database, &id, bundle, defaults.database_url.as_ref())?;
    Ok(Prepared {
        generation: shared.generation,
        depends_on: dependencies(shared.depends_on, &id),
        settings: settings(defaults, shared.timeouts, shared.history_table, &id)?,
        work: work(&id, &url)?,
        url,
        id,
    })
}

fn invalid(id: &ResourceId, message: String) -> ManifestError {
    ManifestError::InvalidSpec {
        resource: id.to_string(),
        message,
    }
}

fn dependencies(depends_on: &[DependsOn], id: &ResourceId) -> Vec<ResourceId> {
    depends_on
        .iter()
        .map(|d| ResourceId {
            kind: d.kind.into(),
            namespace: d.namespace.clone().unwrap_or_else(|| id.namespace.clone()),
            name: d.name.clone(),
        })
        .collect()
}

fn settings(
    defaults: &Defaults,
    timeouts: Option<&TimeoutsSpec>,
    history_table: Option<&str>,
    id: &ResourceId,
) -> Result<EngineSettings, ManifestError> {
    let mut settings = defaults.settings.clone();
    if let Some(timeouts) = timeouts {
        let fields = [
            ("connect", &timeouts.connect, &mut settings.timeouts.connect),
            ("lock", &timeouts.lock, &mut settings.timeouts.lock),
            (
                "statement",
                &timeouts.statement,
                &mut settings.timeouts.statement,
            ),
        ];
        for (name, text, slot) in fields {
            if let Some(text) = text {
                *slot = api::parse_duration(text)
                    .map_err(|e| invalid(id, format!("spec.timeouts.{name}: {e}")))?;
            }
        }
    }
    if let Some(table) = history_table {
        settings.history = HistoryTable::parse(table)
            .map_err(|e| invalid(id, format!("spec.historyTable: {e}")))?;
    }
    Ok(settings)
}
