//! The one retry policy: how long to wait between attempts at something that
//! may pass (a sink write, a server that is down, a file not readable yet).

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use std::time::Duration;

/// Waits between attempts at a failure that may pass: `initial` after the
/// first failure in a row, `factor` times longer after each next one, at
/// most `max`, without a limit on attempts. With `jitter`, each wait is
/// shortened at random by up to half, so that many clients failing at once
/// spread out; it is never longer than without.
///
/// Every retry in newsflow is one of these: the runtime's retries of a sink
/// ([`Backoff::STANDARD`], waiting at least a failure's
/// [`SinkError::retry_after`](crate::SinkError::retry_after)), the `nats`
/// and `dir` sources (the same), and the `feed` source (its options).
///
/// ```
/// use newsflow_core::Backoff;
/// use std::time::Duration;
/// let waits: Vec<Duration> = Backoff::STANDARD.delays().take(12).collect();
/// assert_eq!(waits[0], Duration::from_millis(100));
/// assert!(waits[1] > waits[0] && waits[2] > waits[1]);
/// assert_eq!(waits[11], Duration::from_secs(30));
///
/// let feed = Backoff { initial: Duration::from_secs(60), max: Duration::from_secs(3600), factor: 2.0, jitter: true };
/// let first = feed.delays().next().unwrap();
/// assert!(first >= Duration::from_secs(30) && first <= Duration::from_secs(60));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The wait after the first failure in a row.
    pub initial: Duration,
    /// The longest wait.
    pub max: Duration,
    /// How many times longer each wait is than the one before.
    pub factor: f32,
    /// Shorten each wait at random by up to half.
    pub jitter: bool,
}

impl Backoff {
    /// What newsflow waits between attempts unless a stage's options say
    /// otherwise: 100 ms, doubling, at most 30 s apart.
    pub const STANDARD: Backoff = Backoff {
        initial: Duration::from_millis(100),
        max: Duration::from_secs(30),
        factor: 2.0,
        jitter: false,
    };

    /// backon's builder for these waits.
    fn builder(&self) -> ExponentialBuilder {
        let (initial, max) = (self.initial.min(self.max), self.max);
        // backon's jitter lengthens a wait by up to all of it: from half the
        // waits that is "the wait, shortened by up to half".
        let (initial, max) = if self.jitter {
            (initial / 2, max / 2)
        } else {
            (initial, max)
        };
        let builder = ExponentialBuilder::new()
            .with_min_delay(initial)
            .with_max_delay(max)
            .with_factor(self.factor)
            .without_max_times();
        if self.jitter {
            builder.with_jitter()
        } else {
            builder
        }
    }

    /// The waits after the first, second, ... failure in a row. Start a new
    /// one after a success.
    pub fn delays(&self) -> Delays {
        Delays {
            delays: self.builder().build(),
            max: self.max,
        }
    }
}

/// The waits of a [`Backoff`], one per failure in a row; it never ends.
#[derive(Debug)]
pub struct Delays {
    delays: ExponentialBackoff,
    max: Duration,
}

impl Delays {
    /// The wait after the next failure.
    pub fn next_delay(&mut self) -> Duration {
        // backon ends only with a limit on attempts or on the total, and
        // the builder sets neither.
        self.delays.next().unwrap_or(self.max)
    }
}

impl Iterator for Delays {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        Some(self.next_delay())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_policy_doubles_from_100_ms_up_to_30_s() {
        let waits: Vec<Duration> = Backoff::STANDARD.delays().take(40).collect();
        let millis: Vec<u128> = waits.iter().map(|w| w.as_millis()).collect();
        assert_eq!(
            &millis[..10],
            [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000]
        );
        assert!(waits[10..].iter().all(|&w| w == Duration::from_secs(30)));
    }

    #[test]
    fn jitter_shortens_each_wait_by_up_to_half() {
        let policy = Backoff {
            initial: Duration::from_secs(10),
            max: Duration::from_secs(45),
            factor: 2.0,
            jitter: true,
        };
        for _ in 0..50 {
            let waits: Vec<Duration> = policy.delays().take(5).collect();
            for (wait, plain) in waits.iter().zip([10, 20, 40, 45, 45]) {
                let plain = Duration::from_secs(plain);
                assert!(
                    *wait >= plain / 2 && *wait <= plain,
                    "{wait:?} for {plain:?}"
                );
            }
        }
    }

    #[test]
    fn an_initial_wait_over_the_maximum_is_the_maximum() {
        let policy = Backoff {
            initial: Duration::from_secs(600),
            ..Backoff::STANDARD
        };
        assert_eq!(policy.delays().next(), Some(Duration::from_secs(30)));
    }
}
