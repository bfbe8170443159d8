//! The server's shared state: the store, the resource registry and background wake-ups.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::Notify;

use crate::registry::{Registry, ResourceType};
use crate::store::Store;

/// Settings of one server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Changes kept for watches; older resourceVersions get `410 Gone`.
    pub watch_history: usize,
    /// How often a watch that asked for bookmarks gets one.
    pub bookmark_interval: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            watch_history: 10_000,
            bookmark_interval: Duration::from_secs(5),
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
}

impl State {
    /// A fresh cluster.
    pub fn new(config: Config) -> Arc<Self> {
        Arc::new(Self {
            store: Store::new(config.watch_history),
            registry: RwLock::new(Registry::new()),
            controllers: Notify::new(),
            config,
        })
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
    let now = time::OffsetDateTime::now_utc();
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    now.format(&format).unwrap_or_default()
}
