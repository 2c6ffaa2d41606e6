//! `--rate-limit N`: a token bucket that lets at most N requests a second
//! through. It holds at most N tokens (at least one), is refilled
//! continuously at N a second and starts full; each API request takes one
//! token as it arrives, and one that finds none is answered 429 with the
//! whole seconds until the next token in `Retry-After`.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Slack in the comparison with one token, so that a bucket read exactly
/// when its next token is due lets the request through despite rounding.
const EPSILON: f64 = 1e-9;

/// A token bucket. Its clock is an argument ([`TokenBucket::take_at`]), so
/// it can be tested without sleeping.
#[derive(Debug)]
pub struct TokenBucket {
    rate: f64,
    capacity: f64,
    /// The tokens left, as of the instant beside them.
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    /// A full bucket of `rate` tokens (at least one), refilled at `rate`
    /// tokens a second from `now`. `rate` must be finite and above 0
    /// ([`crate::FaultConfig::validate`]).
    pub fn new(rate: f64, now: Instant) -> Self {
        let capacity = rate.max(1.0);
        TokenBucket {
            rate,
            capacity,
            state: Mutex::new((capacity, now)),
        }
    }

    /// Takes a token at `now`: `Ok` if there was one, else the wait until
    /// the next. An instant before the last one seen counts as that one.
    pub fn take_at(&self, now: Instant) -> Result<(), Duration> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (tokens, last) = *state;
        let now = now.max(last);
        let elapsed = now.saturating_duration_since(last).as_secs_f64();
        let tokens = (tokens + elapsed * self.rate).min(self.capacity);
        if tokens >= 1.0 - EPSILON {
            *state = ((tokens - 1.0).max(0.0), now);
            Ok(())
        } else {
            *state = (tokens, now);
            let wait = (1.0 - tokens) / self.rate;
            Err(Duration::try_from_secs_f64(wait).unwrap_or(Duration::MAX))
        }
    }
}

/// The whole seconds of a `Retry-After` for a wait: rounded up, at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    let whole = wait.as_secs();
    let rounded = if wait.subsec_nanos() > 0 {
        whole.saturating_add(1)
    } else {
        whole
    };
    rounded.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bucket_lets_n_through_then_refills_at_n_a_second() {
        let start = Instant::now();
        let bucket = TokenBucket::new(40.0, start);
        for n in 0..40 {
            assert!(bucket.take_at(start).is_ok(), "request {n} passes");
        }
        let Err(wait) = bucket.take_at(start) else {
            panic!("the 41st request at the same instant is refused");
        };
        assert_eq!(retry_after_secs(wait), 1);
        assert_eq!(wait.as_millis(), 25);
        let later = start + Duration::from_millis(25);
        assert!(bucket.take_at(later).is_ok(), "25 ms later one passes");
        assert!(bucket.take_at(later).is_err(), "and only one");
    }

    #[test]
    fn it_never_holds_more_than_n() {
        let start = Instant::now();
        let bucket = TokenBucket::new(40.0, start);
        let later = start + Duration::from_secs(10);
        for _ in 0..40 {
            assert!(bucket.take_at(later).is_ok());
        }
        assert!(bucket.take_at(later).is_err());
    }

    #[test]
    fn a_rate_below_one_still_holds_one_token() {
        let start = Instant::now();
        let bucket = TokenBucket::new(0.25, start);
        assert!(bucket.take_at(start).is_ok());
        let Err(wait) = bucket.take_at(start) else {
            panic!("the second request is refused");
        };
        assert_eq!(retry_after_secs(wait), 4);
        assert!(bucket.take_at(start + Duration::from_secs(4)).is_ok());
    }

    #[test]
    fn an_earlier_instant_takes_nothing_back() {
        let start = Instant::now() + Duration::from_secs(1);
        let bucket = TokenBucket::new(1.0, start);
        assert!(bucket.take_at(start).is_ok());
        assert!(bucket.take_at(start - Duration::from_secs(1)).is_err());
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1001)), 2);
        assert_eq!(retry_after_secs(Duration::MAX), u64::MAX);
    }
}
