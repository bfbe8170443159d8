//! Objects in memory under one monotonically increasing `resourceVersion`, with a bounded
//! history of changes for watches (older versions are `410 Gone`).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
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
    /// The controllers' indexes, kept up to date by every write.
    index: ControllerIndex,
    history: VecDeque<Arc<Change>>,
    /// Changes at or below this version were dropped from the history.
    floor: u64,
}

/// What the controllers look up after each write, so that none of them scans every object:
/// objects being deleted, dependents by owner, and objects whose owners may be gone.
#[derive(Default)]
struct ControllerIndex {
    /// Objects with a `deletionTimestamp`.
    deleting: BTreeSet<Key>,
    /// Owner uid -> the objects whose `ownerReferences` name it.
    dependents: HashMap<String, BTreeSet<Key>>,
    /// Objects to check for owners that are gone: those written with owners, and the
    /// dependents of removed objects.
    orphan_candidates: BTreeSet<Key>,
}

impl ControllerIndex {
    /// Forgets what `object` at `key` contributed.
    fn forget(&mut self, key: &Key, object: &Value) {
        self.deleting.remove(key);
        for uid in owner_uids(object) {
            if let Some(keys) = self.dependents.get_mut(uid) {
                keys.remove(key);
                if keys.is_empty() {
                    self.dependents.remove(uid);
                }
            }
        }
    }

    /// Records what `object` at `key` contributes.
    fn learn(&mut self, key: &Key, object: &Value) {
        if !object["metadata"]["deletionTimestamp"].is_null() {
            self.deleting.insert(key.clone());
        }
        let mut owned = false;
        for uid in owner_uids(object) {
            owned = true;
            self.dependents
                .entry(uid.to_owned())
                .or_default()
                .insert(key.clone());
        }
        if owned {
            self.orphan_candidates.insert(key.clone());
        }
    }
}

/// The uids of an object's `ownerReferences`.
pub fn owner_uids(object: &Value) -> impl Iterator<Item = &str> {
    object["metadata"]["ownerReferences"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["uid"].as_str())
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
                index: ControllerIndex::default(),
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

    /// The keys of the objects (of `storage`, or all) with a `deletionTimestamp`.
    pub fn deleting_keys(&self, storage: Option<&str>) -> Vec<Key> {
        self.inner
            .index
            .deleting
            .iter()
            .filter(|k| storage.is_none_or(|wanted| wanted == k.storage))
            .cloned()
            .collect()
    }

    /// The keys of the objects whose `ownerReferences` name `uid`.
    pub fn dependents_of(&self, uid: &str) -> Vec<Key> {
        self.inner
            .index
            .dependents
            .get(uid)
            .map(|keys| keys.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The objects whose owners may be gone since the last call (written with owners, or
    /// dependents of a removed object); each is returned once.
    pub fn take_orphan_candidates(&mut self) -> Vec<Key> {
        std::mem::take(&mut self.inner.index.orphan_candidates)
            .into_iter()
            .collect()
    }

    /// The keys of every object in `namespace`, of all storages.
    pub fn keys_in_namespace(&self, namespace: &str) -> Vec<Key> {
        self.inner
            .objects
            .iter()
            .flat_map(|(storage, objects)| {
                objects
                    .range((namespace.to_owned(), String::new())..)
                    .take_while(|((n, _), _)| n == namespace)
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
        if let Some(previous) = &previous {
            self.inner.index.forget(key, previous);
        }
        self.inner.index.learn(key, &object);
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
        self.inner.index.forget(key, &object);
        if let Some(uid) = object["metadata"]["uid"].as_str() {
            self.inner.uids.remove(uid);
            // its dependents may have lost their last owner
            let index = &mut self.inner.index;
            if let Some(dependents) = index.dependents.get(uid) {
                index.orphan_candidates.extend(dependents.iter().cloned());
            }
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
