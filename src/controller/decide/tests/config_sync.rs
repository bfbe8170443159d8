//! A ConfigSync: its first sync, periodic syncs that keep it Ready, drift, suspension.

use std::time::Duration;

use super::*;

#[test]
fn each_state_of_a_config_sync_decides_its_next_move() {
    let new = || World::of(config_sync(""));
    let sync = || StepKind::Sync;
    let synced_once = || new().job(0, 1, sync(), JobIs::Succeeded(100, synced(false)));
    let ready = || settled_at(synced_once(), 110);
    let cases: Vec<(&str, Seen, Seen)> = vec![
        (
            "new: the first sync starts",
            decide_at(&new(), Gate::Open, 20),
            seen(
                &["create s0-a1", "event StepStarted"],
                &format!(
                    "Progressing/Applying: step 1 (attempt 1): sync in Job {}",
                    job_name(&new(), 0, 1)
                ),
                RECHECK,
                Verdict::Create,
            ),
        ),
        (
            "synced: Ready until the interval is over",
            decide_at(&synced_once(), Gate::Open, 110),
            seen(
                &["event Synced"],
                "Ready/Synced: 1 rows in sync, 1 written",
                Requeue::After(Duration::from_secs(590)),
                Verdict::Ready,
            ),
        ),
        (
            "synced with drift: an Event says what was set back",
            decide_at(
                &new().job(0, 1, sync(), JobIs::Succeeded(100, synced(true))),
                Gate::Open,
                110,
            ),
            seen(
                &["event Synced", "event DriftCorrected"],
                "Ready/Synced: 1 rows in sync, 1 written",
                Requeue::After(Duration::from_secs(590)),
                Verdict::Ready,
            ),
        ),
        (
            "the interval is over: the next sync starts and the status stays Ready",
            decide_at(&ready(), Gate::Open, 700),
            seen(
                &["create s1-a1"],
                "Ready/Synced: 1 rows in sync, 1 written",
                RECHECK,
                Verdict::Create,
            ),
        ),
        (
            "a periodic sync waits for a busy database without leaving Ready",
            decide_at(&ready(), Gate::Busy, 700),
            seen(
                &[],
                "Ready/Synced: 1 rows in sync, 1 written",
                Requeue::After(Duration::from_secs(3)),
                Verdict::Wait,
            ),
        ),
        (
            "a periodic sync runs without leaving Ready",
            decide_at(&ready().job(1, 1, sync(), JobIs::Running), Gate::Open, 705),
            seen(&[], "unchanged", RECHECK, Verdict::Wait),
        ),
        (
            "the third sync deletes the first, finished one",
            decide_at(
                &settled_at(
                    ready().job(1, 1, sync(), JobIs::Succeeded(705, synced(false))),
                    710,
                ),
                Gate::Open,
                1400,
            ),
            seen(
                &["create s2-a1", "delete s0-a1"],
                "Ready/Synced: 1 rows in sync, 1 written",
                RECHECK,
                Verdict::Create,
            ),
        ),
        (
            "suspended: nothing runs",
            decide_at(&new().changed(|s| s.spec.suspend = true), Gate::Open, 20),
            seen(
                &[],
                "Blocked/Suspended: spec.suspend is true; set it to false to sync",
                Requeue::AwaitChange,
                Verdict::Blocked,
            ),
        ),
    ];
    check(cases);
}
