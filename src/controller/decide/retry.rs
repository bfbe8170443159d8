//! How failed steps are retried: exponential backoff up to the resource's retry limit, and
//! never for a reason that needs new inputs ([`crate::api::Reason::is_permanent`]).

use std::time::Duration;

use crate::jobs::JobSettings;

/// How failed steps are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (`spec.runner.backoffLimit`).
    pub limit: u32,
    /// Delay before the first retry; doubled for each further one.
    pub base_delay: Duration,
    /// Longest delay.
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// The policy of a resource's Jobs (its settings with `spec.runner` applied): its retry limit, 10 s doubling up to 5 min.
    pub fn for_runner(settings: &JobSettings) -> Self {
        Self {
            limit: settings.retry_limit,
            base_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(300),
        }
    }

    /// The delay before attempt `attempt` (1 = the first retry).
    pub fn delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.base_delay
            .saturating_mul(1 << doublings)
            .min(self.max_delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap() {
        let policy = RetryPolicy::for_runner(&JobSettings::default());
        let delays: Vec<u64> = (1..=7).map(|a| policy.delay(a).as_secs()).collect();
        assert_eq!(delays, [10, 20, 40, 80, 160, 300, 300]);
        assert_eq!(policy.delay(1_000).as_secs(), 300);
        assert_eq!(policy.limit, 3);
    }
}
