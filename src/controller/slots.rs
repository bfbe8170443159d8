//! Creation of step Jobs serialised per database inside the operator: a reconcile holds its
//! database's turn from "is the database free?" until its Job exists, so two reconciles cannot
//! both find the database free (see `decide::gate` for the check itself).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OwnedMutexGuard;

/// One lock per database label, held from "is the database free?" until the Job exists.
#[derive(Debug, Default)]
pub struct DatabaseSlots {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl DatabaseSlots {
    /// Waits for this operator's turn to start a step on `database`.
    pub async fn claim(&self, database: &str) -> OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self
                .locks
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // a lock only this map refers to is neither held nor awaited: forget it
            locks.retain(|_, lock| Arc::strong_count(lock) > 1);
            locks.entry(database.to_owned()).or_default().clone()
        };
        lock.lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn claims_on_one_database_wait_for_each_other_and_not_for_others() {
        let slots = DatabaseSlots::default();
        let held = slots.claim("a").await;
        let other = tokio::time::timeout(std::time::Duration::from_secs(1), slots.claim("b"));
        assert!(other.await.is_ok(), "another database is free");
        let same = tokio::time::timeout(std::time::Duration::from_millis(100), slots.claim("a"));
        assert!(same.await.is_err(), "the same database waits");
        drop(held);
        let after = tokio::time::timeout(std::time::Duration::from_secs(1), slots.claim("a"));
        assert!(after.await.is_ok(), "free again once released");
    }

    #[tokio::test]
    async fn locks_nobody_holds_are_forgotten() {
        let slots = DatabaseSlots::default();
        for database in ["a", "b", "c"] {
            drop(slots.claim(database).await);
        }
        let held = slots.claim("d").await;
        let known = slots.locks.lock().unwrap().len();
        assert_eq!(known, 1, "only d's lock is left");
        drop(held);
    }
}
