//! Which finished step Jobs the duration histogram has counted: each Job once, found by the
//! reconciles that look at its resource (a Job's completion is recorded after its pod ends, so
//! no single decision sees every Job finished).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use k8s_openapi::jiff::Timestamp;

use super::decide::StepJob;

/// How recently a Job must have finished to be counted at the first look at its resource
/// (older ones were counted before the operator restarted, or long ago).
const FIRST_LOOK: Duration = Duration::from_secs(60);

/// The finished step Jobs counted so far, by resource.
#[derive(Debug, Default)]
pub struct CountedJobs {
    by_resource: Mutex<HashMap<String, HashSet<String>>>,
}

impl CountedJobs {
    /// The finished Jobs among `jobs` of `resource` not counted yet; from now on they are.
    pub fn newly_finished<'a>(
        &self,
        resource: &str,
        jobs: &'a [StepJob],
        now: Timestamp,
    ) -> Vec<&'a StepJob> {
        let finished = || jobs.iter().filter(|j| j.finished_at.is_some());
        let mut by_resource = self
            .by_resource
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let recent = now.checked_sub(FIRST_LOOK).unwrap_or(now);
        let fresh: Vec<&StepJob> = match by_resource.get(resource) {
            Some(counted) => finished().filter(|j| !counted.contains(&j.name)).collect(),
            None => finished()
                .filter(|j| j.finished_at.is_some_and(|at| at >= recent))
                .collect(),
        };
        // only Jobs that still exist are remembered: the set stays as small as the Job list
        let names = finished().map(|j| j.name.clone()).collect();
        by_resource.insert(resource.to_owned(), names);
        fresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::{StepKind, StepState};

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(seconds).unwrap()
    }

    fn job(name: &str, finished: Option<i64>) -> StepJob {
        StepJob {
            name: name.to_owned(),
            ordinal: 0,
            attempt: 1,
            kind: StepKind::Sql,
            state: StepState::Running,
            started_at: None,
            finished_at: finished.map(at),
        }
    }

    fn names(jobs: Vec<&StepJob>) -> Vec<&str> {
        jobs.into_iter().map(|j| j.name.as_str()).collect()
    }

    #[test]
    fn each_finished_job_is_counted_once_and_old_ones_not_at_the_first_look() {
        let counted = CountedJobs::default();
        let jobs = [
            job("old", Some(100)),
            job("recent", Some(990)),
            job("running", None),
        ];
        assert_eq!(
            names(counted.newly_finished("ns/a", &jobs, at(1000))),
            ["recent"]
        );
        assert!(counted.newly_finished("ns/a", &jobs, at(1001)).is_empty());
        let jobs = [job("recent", Some(990)), job("running", Some(1005))];
        assert_eq!(
            names(counted.newly_finished("ns/a", &jobs, at(1006))),
            ["running"]
        );
        assert_eq!(
            names(counted.newly_finished("ns/b", &[job("other", Some(1000))], at(1006))),
            ["other"]
        );
    }
}
