//! Waiting between failed sends to one device: doubling from half a second up to half a
//! minute, each wait drawn between half and all of its step ("equal jitter"), so devices
//! that failed together do not all retry in the same instant.

use rand::Rng;
use std::time::Duration;

const FIRST: Duration = Duration::from_millis(500);
pub const CAP: Duration = Duration::from_secs(30);

#[derive(Debug, Default)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    /// After a failure: how long to wait before the next try.
    pub fn next(&mut self) -> Duration {
        let step = FIRST.saturating_mul(1 << self.failures.min(16)).min(CAP);
        self.failures = self.failures.saturating_add(1);
        let half = step / 2;
        half + rand::rng().random_range(Duration::ZERO..=half)
    }

    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_with_jitter_up_to_the_cap() {
        let mut b = Backoff::default();
        let first = b.next();
        assert!(first >= FIRST / 2 && first <= FIRST, "{first:?}");
        let second = b.next();
        assert!(second >= FIRST && second <= FIRST * 2, "{second:?}");
        for _ in 0..40 {
            let wait = b.next();
            assert!(wait <= CAP, "{wait:?}");
        }
        assert!(b.next() >= CAP / 2);
        b.reset();
        assert!(b.next() <= FIRST);
    }
}
