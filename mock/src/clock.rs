//! The mock's clock: what its gateway windows, its token bucket, its
//! moving lists and its identity services' temporary keys take as now.
//!
//! A running service reads the system's clock ([`Clock::System`], the
//! default). A test that asserts what happens within a window or at a
//! rate gives the mock a [`ManualClock`] instead ([`Clock::manual`]) and
//! moves it on by hand, so that the outcome does not depend on how fast
//! the machine is: a sixth call inside a window is refused however long
//! the first five took.
//!
//! A manual clock can also step on by itself at every API request
//! ([`Clock::stepped`]): a moving list then moves by the same records
//! between two requests however long the client took between them, so a
//! test of paging a moving list holds on a loaded machine.
//!
//! `X-Sdk-Date` is compared with the system's clock whatever this one
//! says, since clients date their signatures by the system's.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

/// Where the mock reads the time.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum Clock {
    /// The system's clock.
    #[default]
    System,
    /// A clock that stands still until a test moves it on.
    Manual(Arc<ManualClock>),
}

impl Clock {
    /// A manual clock starting at the system's time now, and a handle to
    /// move it on.
    pub fn manual() -> (Clock, Arc<ManualClock>) {
        let manual = Arc::new(ManualClock::new());
        (Clock::Manual(manual.clone()), manual)
    }

    /// A manual clock that also moves on by `step` as each API request
    /// arrives ([`Clock::request_arrived`]).
    pub fn stepped(step: Duration) -> (Clock, Arc<ManualClock>) {
        let manual = Arc::new(ManualClock {
            step,
            ..ManualClock::new()
        });
        (Clock::Manual(manual.clone()), manual)
    }

    /// An API request arrived: a stepped clock moves on by its step.
    pub fn request_arrived(&self) {
        if let Clock::Manual(manual) = self {
            manual.advance(manual.step);
        }
    }

    /// The wall-clock time now.
    pub fn now(&self) -> SystemTime {
        match self {
            Clock::System => SystemTime::now(),
            Clock::Manual(manual) => manual.now(),
        }
    }

    /// A monotonic instant now.
    pub fn instant(&self) -> Instant {
        match self {
            Clock::System => Instant::now(),
            Clock::Manual(manual) => manual.instant(),
        }
    }
}

/// A clock that moves only when told ([`ManualClock::advance`]).
#[derive(Debug)]
pub struct ManualClock {
    started: (Instant, SystemTime),
    elapsed: Mutex<Duration>,
    step: Duration,
}

impl ManualClock {
    /// A clock standing at the system's time now.
    pub fn new() -> Self {
        ManualClock {
            started: (Instant::now(), SystemTime::now()),
            elapsed: Mutex::new(Duration::ZERO),
            step: Duration::ZERO,
        }
    }

    /// Moves the clock on by `by`.
    pub fn advance(&self, by: Duration) {
        let mut elapsed = self.elapsed.lock().unwrap_or_else(PoisonError::into_inner);
        *elapsed = elapsed.saturating_add(by);
    }

    /// How far the clock has moved since it was made.
    pub fn elapsed(&self) -> Duration {
        *self.elapsed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&self) -> SystemTime {
        self.started.1 + self.elapsed()
    }

    fn instant(&self) -> Instant {
        self.started.0 + self.elapsed()
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let (clock, hand) = Clock::manual();
        let (at, wall) = (clock.instant(), clock.now());
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(clock.instant(), at);
        assert_eq!(clock.now(), wall);
        hand.advance(Duration::from_secs(60));
        assert_eq!(clock.instant() - at, Duration::from_secs(60));
        assert_eq!(
            clock.now().duration_since(wall).ok(),
            Some(Duration::from_secs(60))
        );
        // A plain manual clock does not step with requests; a stepped one
        // does.
        clock.request_arrived();
        assert_eq!(hand.elapsed(), Duration::from_secs(60));
        let (stepped, hand) = Clock::stepped(Duration::from_millis(20));
        stepped.request_arrived();
        stepped.request_arrived();
        assert_eq!(hand.elapsed(), Duration::from_millis(40));
        assert!(Clock::System.now() <= SystemTime::now());
        Clock::System.request_arrived();
    }
}
