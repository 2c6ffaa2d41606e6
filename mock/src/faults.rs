//! Opt-in fault injection: throttling, server errors, latency, connection
//! resets and truncated bodies, a rate limit ([`crate::limit`]) and records
//! that break their schema ([`FaultConfig::bad_record_every`],
//! [`crate::records::break_record`]).
//!
//! Which request gets which fault is decided by a hash of the fault seed and
//! the request's sequence number, so a run with the same seed and the same
//! request order sees the same faults.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::data::mix;

/// What the mock does wrong, and how often. Rates are probabilities from 0
/// to 1 per request; all default to 0 (no faults).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultConfig {
    /// Share of requests answered 429 with a `Retry-After` header.
    pub throttle_rate: f64,
    /// Seconds in the `Retry-After` header of a 429.
    pub retry_after_secs: u64,
    /// Share of requests answered with a 5xx status.
    pub server_error_rate: f64,
    /// The 5xx status to answer with.
    pub server_error_status: u16,
    /// Share of requests whose connection is reset before any answer.
    pub reset_rate: f64,
    /// Share of answers whose body stops halfway, under a `Content-Length`
    /// that promises all of it.
    pub truncate_rate: f64,
    /// Delay added before every answer.
    pub latency: Duration,
    /// Seed of the fault decisions.
    pub seed: u64,
    /// Most API requests a second ([`crate::limit`]): a token bucket of
    /// this many tokens; a request that finds it empty is answered 429 with
    /// `Retry-After`. 0 for no limit.
    pub rate_limit: f64,
    /// With K above 0, every record whose position p in the whole result
    /// has `p % K == K - 1` is served with a value of the wrong type: its
    /// first string field whose name ends in `_id` (else its first string
    /// field) becomes a number. The page stays valid JSON and the record
    /// stays in place; for testing clients that must keep the page's other
    /// records.
    pub bad_record_every: u64,
}

/// One request's fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer 429 with `Retry-After`.
    Throttle,
    /// Answer with a 5xx status.
    ServerError,
    /// Reset the connection without answering.
    Reset,
    /// Send half of the body.
    Truncate,
}

impl FaultConfig {
    /// Whether any fault can happen.
    pub fn any(&self) -> bool {
        self.throttle_rate > 0.0
            || self.server_error_rate > 0.0
            || self.reset_rate > 0.0
            || self.truncate_rate > 0.0
    }

    /// Checks that every rate is within 0..=1, that they add up to at most
    /// 1, that the rate limit is a finite number, 0 or more, and that the
    /// status is a 5xx.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("throttle rate", self.throttle_rate),
            ("server error rate", self.server_error_rate),
            ("reset rate", self.reset_rate),
            ("truncate rate", self.truncate_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("the {name} must be between 0 and 1, got {rate}"));
            }
        }
        if !self.rate_limit.is_finite() || self.rate_limit < 0.0 {
            return Err(format!(
                "the rate limit must be a number of requests a second, 0 or more, got {}",
                self.rate_limit
            ));
        }
        let total =
            self.throttle_rate + self.server_error_rate + self.reset_rate + self.truncate_rate;
        if total > 1.0 + 1e-9 {
            return Err(format!("the fault rates add up to {total}, more than 1"));
        }
        if !(500..=599).contains(&self.server_error_status) {
            return Err(format!(
                "the server error status must be 500 to 599, got {}",
                self.server_error_status
            ));
        }
        Ok(())
    }
}

/// Decides the fault of each request in turn.
#[derive(Debug, Default)]
pub struct FaultPlan {
    config: FaultConfig,
    counter: AtomicU64,
}

impl FaultPlan {
    /// A plan for `config`.
    pub fn new(config: FaultConfig) -> Self {
        FaultPlan {
            config,
            counter: AtomicU64::new(0),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &FaultConfig {
        &self.config
    }

    /// The fault of the next request, if any.
    pub fn next(&self) -> Option<Fault> {
        if !self.config.any() {
            return None;
        }
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        // 53 random bits as a number in [0, 1).
        let roll = (mix(self.config.seed ^ mix(n)) >> 11) as f64 / (1u64 << 53) as f64;
        let c = &self.config;
        let mut edge = c.throttle_rate;
        if roll < edge {
            return Some(Fault::Throttle);
        }
        edge += c.server_error_rate;
        if roll < edge {
            return Some(Fault::ServerError);
        }
        edge += c.reset_rate;
        if roll < edge {
            return Some(Fault::Reset);
        }
        edge += c.truncate_rate;
        if roll < edge {
            return Some(Fault::Truncate);
        }
        None
    }
}
