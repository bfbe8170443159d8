//! A statement timeout for SQLite: a thread that interrupts the connection at a deadline.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use rusqlite::InterruptHandle;

#[derive(Default)]
struct State {
    deadline: Option<Instant>,
    fired: bool,
    stop: bool,
}

/// Interrupts the connection when an armed deadline passes.
pub struct Watchdog {
    shared: Arc<(Mutex<State>, Condvar)>,
    limit: Duration,
}

impl Watchdog {
    /// Starts the watchdog thread for a connection.
    pub fn start(handle: InterruptHandle, limit: Duration) -> Self {
        let shared = Arc::new((Mutex::new(State::default()), Condvar::new()));
        let watched = Arc::clone(&shared);
        thread::spawn(move || watch(&watched, &handle));
        Self { shared, limit }
    }

    /// Runs `work` with the deadline armed; tells whether the deadline interrupted it.
    pub fn guard<T>(&self, work: impl FnOnce() -> T) -> (T, bool) {
        self.set(|s| {
            s.deadline = Some(Instant::now() + self.limit);
            s.fired = false;
        });
        let result = work();
        let mut fired = false;
        self.set(|s| {
            s.deadline = None;
            fired = s.fired;
        });
        (result, fired)
    }

    /// The armed limit.
    pub fn limit(&self) -> Duration {
        self.limit
    }

    fn set(&self, change: impl FnOnce(&mut State)) {
        let (lock, condvar) = &*self.shared;
        change(&mut lock.lock().unwrap_or_else(PoisonError::into_inner));
        condvar.notify_all();
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.set(|s| s.stop = true);
    }
}

fn watch(shared: &(Mutex<State>, Condvar), handle: &InterruptHandle) {
    let (lock, condvar) = shared;
    let mut state = lock.lock().unwrap_or_else(PoisonError::into_inner);
    while !state.stop {
        state = match state.deadline {
            None => condvar.wait(state).unwrap_or_else(PoisonError::into_inner),
            Some(deadline) if Instant::now() >= deadline => {
                handle.interrupt();
                state.fired = true;
                state.deadline = None;
                state
            }
            Some(deadline) => {
                let wait = deadline.saturating_duration_since(Instant::now());
                condvar
                    .wait_timeout(state, wait)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
        };
    }
}
