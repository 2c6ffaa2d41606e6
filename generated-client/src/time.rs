//! Time as the crate reads it: epoch milliseconds as [`SystemTime`], and
//! the [`Clock`] requests are dated by.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// A clock: returns the current time. Tests replace it to see that every
/// attempt gets a new `X-Sdk-Date`.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// A time in milliseconds since the Unix epoch as a [`SystemTime`]
/// (`None` when it is outside the range `SystemTime` can hold).
pub fn from_epoch_millis(millis: i64) -> Option<SystemTime> {
    let magnitude = Duration::from_millis(millis.unsigned_abs());
    if millis >= 0 {
        SystemTime::UNIX_EPOCH.checked_add(magnitude)
    } else {
        SystemTime::UNIX_EPOCH.checked_sub(magnitude)
    }
}
