//! Objects in memory under one monotonically increasing `resourceVersion`, with a bounded
//! history of changes for watches (older versions are `410 Gone`).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tokio::sync::broadcast;

/// Where an object lives: its storage (resource), namespace ("" when cluster-scoped) and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// The resource's storage key (`ResourceType::storage`).
    pub storage: String,
    /// Namespace, "" for cluster-scoped objects.
    pub namespace: String,
    /// Object name.
    pub name: String,
}

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeType {
    /// Created.
    Added,
    /// Updated.
    Modified,
    /// Removed for good.
    Deleted,
}

/// One change, at the resourceVersion it created.
#[derive(Debug)]
pub struct Change {
    /// The resourceVersion of this change.
    pub rv: u64,
    /// The storage it happened in.
    pub storage: String,
    /// Namespace of the object.
    pub namespace: String,
    /// Added, modified or deleted.
    pub change: ChangeType,
    /// The object after the change (for a delete: as it was, with the delete's resourceVersion).
    pub object: Value,
    /// The object before the change, for modifications (selectors need both).
    pub previous: Option<Value>,
}

/// What a watch starts from: the changes to replay, and a receiver for the next ones.
pub struct WatchStart {
    /// Changes after the requested version, oldest first (all storages).
    pub replay: Vec<Arc<Change>>,
    /// Every change from now on.
    pub receiver: broadcast::Receiver<Arc<Change>>,
    /// The resourceVersion the watch is current at once `replay` is sent.
    pub current: u64,
}

/// A requested resourceVersion older than the history kept.
#[derive(Debug)]
pub struct TooOld {
    /// The oldest resourceVersion a watch can still start from.
    pub oldest: u64,
}

struct Inner {
    rv: u64,
    objects: HashMap<String, BTreeMap<(String, String), Value>>,
    uids: HashMap<String, Key>,
    history: VecDeque<Arc<Change>>,
    /// Changes at or below this version were dropped from the history.
    floor: u64,
}

/// The whole cluster state.
pub struct Store {
    inner: Mutex<Inner>,
    sender: broadcast::Sender<Arc<Change>>,
    history_limit: usize,
}

/// Exclusive access to the state, for read-modify-write sequences.
pub struct Guard<'a> {
    inner: MutexGuard<'a, Inner>,
    store: &'a Store,
}

impl Store {
    /// An empty store keeping the last `history_limit` changes for watches.
    pub fn new(history_limit: usize) -> Self {
        let (sender, _) = broadcast::channel(16_384);
        Self {
            inner: Mutex::new(Inner {
                rv: 1,
                objects: HashMap::new(),
                uids: HashMap::new(),
                history: VecDeque::new(),
                floor: 1,
            }),
            sender,
            history_limit: history_limit.max(1),
        }
    }

    /// Locks the state.
    pub fn lock(&self) -> Guard<'_> {
        Guard {
            inner: self
                .inner
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
            store: self,
        }
    }

    /// Starts a watch after `from` (every change with a higher version is replayed).
    pub fn watch_from(&self, from: u64) -> Result<WatchStart, TooOld> {
        let inner = self.lock();
        if from < inner.inner.floor {
            return Err(TooOld {
                oldest: inner.inner.floor,
            });
        }
        let replay = inner
            .inner
            .history
            .iter()
            .filter(|c| c.rv > from)
            .cloned()
            .collect();
        Ok(WatchStart {
            replay,
            receiver: self.sender.subscribe(),
            current: inner.inner.rv,
        })
    }
}

impl Guard<'_> {
    /// The current resourceVersion.
    pub fn rv(&self) -> u64 {
        self.inner.rv
    }

    /// A receiver of every change after this moment.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.store.sender.subscribe()
    }

    /// The object at `key`.
    pub fn get(&self, key: &Key) -> Option<&Value> {
        self.inner
            .objects
            .get(&key.storage)?
            .get(&(key.namespace.clone(), key.name.clone()))
    }

    /// The key of the object with this uid.
    pub fn key_of_uid(&self, uid: &str) -> Option<&Key> {
        self.inner.uids.get(uid)
    }

    /// Objects of a storage, in namespace then name order; `namespace` None for all.
    pub fn list(&self, storage: &str, namespace: Option<&str>) -> Vec<Value> {
        self.list_where(storage, namespace, |_| true)
    }

    /// The objects of [`Self::list`] that `select` picks: only those are cloned.
    pub fn list_where(
        &self,
        storage: &str,
        namespace: Option<&str>,
        select: impl Fn(&Value) -> bool,
    ) -> Vec<Value> {
        let Some(objects) = self.inner.objects.get(storage) else {
            return Vec::new();
        };
        match namespace {
            None => objects.values().filter(|v| select(v)).cloned().collect(),
            Some(ns) => objects
                .range((ns.to_owned(), String::new())..)
                .take_while(|((n, _), _)| n == ns)
                .map(|(_, v)| v)
                .filter(|v| select(v))
                .cloned()
                .collect(),
        }
    }

    /// The keys of the objects (of `storage`, or all) that `select` picks: the controllers'
    /// scans, which clone nothing but the keys.
    pub fn keys_where(&self, storage: Option<&str>, select: impl Fn(&Value) -> bool) -> Vec<Key> {
        self.inner
            .objects
            .iter()
            .filter(|(s, _)| storage.is_none_or(|wanted| wanted == s.as_str()))
            .flat_map(|(storage, objects)| {
                objects
                    .iter()
                    .filter(|(_, v)| select(v))
                    .map(|((namespace, name), _)| Key {
                        storage: storage.clone(),
                        namespace: namespace.clone(),
                        name: name.clone(),
                    })
            })
            .collect()
    }

    /// Stores `object` at `key` (created or replaced), giving it the next resourceVersion.
    pub fn put(&mut self, key: &Key, mut object: Value) -> Value {
        self.inner.rv += 1;
        let rv = self.inner.rv;
        object["metadata"]["resourceVersion"] = Value::String(rv.to_string());
        let previous = self
            .inner
            .objects
            .entry(key.storage.clone())
            .or_default()
            .insert((key.namespace.clone(), key.name.clone()), object.clone());
        if let Some(uid) = object["metadata"]["uid"].as_str() {
            self.inner.uids.insert(uid.to_owned(), key.clone());
        }
        let change = if previous.is_some() {
            ChangeType::Modified
        } else {
            ChangeType::Added
        };
        self.record(key, change, object.clone(), previous);
        object
    }

    /// Removes the object at `key` for good; returns it with the delete's resourceVersion.
    pub fn remove(&mut self, key: &Key) -> Option<Value> {
        let mut object = self
            .inner
            .objects
            .get_mut(&key.storage)?
            .remove(&(key.namespace.clone(), key.name.clone()))?;
        if let Some(uid) = object["metadata"]["uid"].as_str() {
            self.inner.uids.remove(uid);
        }
        self.inner.rv += 1;
        object["metadata"]["resourceVersion"] = Value::String(self.inner.rv.to_string());
        self.record(key, ChangeType::Deleted, object.clone(), None);
        Some(object)
    }

    fn record(&mut self, key: &Key, change: ChangeType, object: Value, previous: Option<Value>) {
        let change = Arc::new(Change {
            rv: self.inner.rv,
            storage: key.storage.clone(),
            namespace: key.namespace.clone(),
            change,
            object,
            previous,
        });
        self.inner.history.push_back(change.clone());
        while self.inner.history.len() > self.store.history_limit {
            if let Some(dropped) = self.inner.history.pop_front() {
                self.inner.floor = dropped.rv;
            }
        }
        // No receiver is fine: nobody watches.
        let _ = self.store.sender.send(change);
    }
}
