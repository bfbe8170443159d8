//! The server's shared state: the store, the resource registry, background wake-ups, the
//! authenticators and the audit log.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::Notify;

use crate::audit::AuditLog;
use crate::authn::Authenticator;
use crate::authn::user::UserInfo;
use crate::authz::{self, Attributes, Decision};
use crate::registry::{Registry, ResourceType};
use crate::store::Store;

pub use crate::authz::Mode as AuthorizationMode;

/// Settings of one server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Changes kept for watches; older resourceVersions get `410 Gone`.
    pub watch_history: usize,
    /// How often a watch that asked for bookmarks gets one.
    pub bookmark_interval: Duration,
    /// Who decides what a user may do (`--authorization-mode`).
    pub authorization_mode: AuthorizationMode,
    /// The bearer token of `kubernetes-admin` (group `system:masters`), if any.
    pub admin_token: Option<String>,
    /// Where to append the audit log (none without).
    pub audit_log_path: Option<PathBuf>,
    /// Whether the OwnerReferencesPermissionEnforcement admission plugin is on.
    pub owner_references_permission_enforcement: bool,
    /// Serve HTTPS with a CA and certificate made at start (kubectl sends tokens only then).
    pub tls: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            watch_history: 10_000,
            bookmark_interval: Duration::from_secs(5),
            authorization_mode: AuthorizationMode::AlwaysAllow,
            admin_token: None,
            audit_log_path: None,
            owner_references_permission_enforcement: false,
            tls: false,
        }
    }
}

/// Everything the handlers share.
pub struct State {
    /// All objects.
    pub store: Store,
    /// Served resource types (built-in and CRD-registered).
    pub registry: RwLock<Registry>,
    /// Wakes the controllers (garbage collector, namespaces, CRD cleanup) after a change.
    pub controllers: Notify,
    /// Settings.
    pub config: Config,
    /// Who a request's credentials name.
    pub authenticator: Authenticator,
    /// The audit log, when one is kept.
    pub audit: Option<AuditLog>,
}

impl State {
    /// A fresh cluster (opening the audit log, when one is asked for).
    pub fn new(config: Config) -> std::io::Result<Arc<Self>> {
        let audit = config
            .audit_log_path
            .as_deref()
            .map(AuditLog::open)
            .transpose()?;
        Ok(Arc::new(Self {
            store: Store::new(config.watch_history),
            registry: RwLock::new(Registry::new()),
            controllers: Notify::new(),
            authenticator: Authenticator::new(config.admin_token.clone()),
            audit,
            config,
        }))
    }

    /// Whether `user` may do what `attributes` describe (takes the store lock).
    pub fn authorize(&self, user: &UserInfo, attributes: &Attributes) -> Decision {
        authz::authorize(
            self.config.authorization_mode,
            &self.store.lock(),
            user,
            attributes,
        )
    }

    /// The resource at `group/version/plural`.
    pub fn resource(&self, group: &str, version: &str, plural: &str) -> Option<Arc<ResourceType>> {
        self.registry().find(group, version, plural)
    }

    /// Read access to the registry.
    pub fn registry(&self) -> std::sync::RwLockReadGuard<'_, Registry> {
        self.registry
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Re-reads the registered CRDs (after a CRD was written or removed).
    pub fn refresh_custom_resources(&self, crds: &[serde_json::Value]) {
        let mut registry = self
            .registry
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        registry.set_custom(crds);
    }
}

/// The current time as Kubernetes writes `metav1.Time`: RFC 3339, whole seconds, UTC.
pub fn now() -> String {
    format_time(time::OffsetDateTime::now_utc())
}

/// `at` as Kubernetes writes `metav1.Time`: RFC 3339, whole seconds, UTC.
pub fn format_time(at: time::OffsetDateTime) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}
