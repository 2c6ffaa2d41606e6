//! The service as it is, for tests: hss-mock with the API gateway's
//! documented throttling (its windows scaled down so that a test runs a
//! minute's window in a fraction of a second), and client budgets that
//! match it, both from the spec's `x-rate-limit`.

use std::collections::BTreeSet;
use std::time::Duration;

use hss_client::Budget;
use hss_client::Operation;
use hss_client::RecordKey;
use hss_mock::{LiveConfig, MockConfig, RunningMock};

/// A mock of `events` records in one cluster (so that a query that needs a
/// cluster selects every record), with the documented throttling at time
/// scale `gateway` (none for `None`), lists moving by `live`, and
/// `latency` before every answer. Credentials are the caller's to add.
pub fn mock_config(
    events: u64,
    gateway: Option<f64>,
    live: LiveConfig,
    latency: Duration,
) -> MockConfig {
    let mut config = MockConfig {
        events,
        clusters: 1,
        gateway_limits: gateway,
        live,
        ..MockConfig::default()
    };
    config.faults.latency = latency;
    config
}

/// The window tests run the documented limits in.
pub const WINDOW: Duration = Duration::from_millis(400);

/// The time scale that runs `operation`'s documented window in `window`
/// (1 when the spec states no limit).
pub fn scale(operation: Operation, window: Duration) -> f64 {
    operation.rate_limit().map_or(1.0, |limit| {
        limit.window().as_secs_f64() / window.as_secs_f64()
    })
}

/// The client budget of the documented limit of `operation`, its window
/// scaled to `window`; scaled `times` over.
pub fn budget(operation: Operation, window: Duration, times: u32) -> Budget {
    let calls = operation
        .rate_limit()
        .map_or(u64::from(u32::MAX), |l| l.calls());
    Budget::PerWindow {
        calls: u32::try_from(calls)
            .unwrap_or(u32::MAX)
            .saturating_mul(times),
        window,
    }
}

/// The operations that page. Panics when there are none: a test looping
/// over them would check nothing.
pub fn paged() -> Vec<Operation> {
    let operations: Vec<Operation> = Operation::ALL
        .iter()
        .copied()
        .filter(|op| op.pagination().is_some())
        .collect();
    assert!(
        !operations.is_empty(),
        "the spec has no paginated operation"
    );
    operations
}

/// The operations that page and that `mock` serves records of. Panics
/// when there are none.
pub fn paged_served(mock: &RunningMock) -> Vec<Operation> {
    let served: Vec<Operation> = paged()
        .into_iter()
        .filter(|op| mock.records(*op).is_some())
        .collect();
    assert!(!served.is_empty(), "the mock serves a paginated operation");
    served
}

/// The operations that page and have a documented limit. Panics when
/// there are none: a test looping over them would check nothing.
pub fn limited() -> Vec<Operation> {
    let operations: Vec<Operation> = Operation::ALL
        .iter()
        .copied()
        .filter(|op| op.pagination().is_some() && op.rate_limit().is_some())
        .collect();
    assert!(
        !operations.is_empty(),
        "the spec has no paginated operation with a documented rate limit (x-rate-limit)"
    );
    operations
}

/// The keys of records given as JSON.
pub fn keys(operation: Operation, records: &[serde_json::Value]) -> BTreeSet<RecordKey> {
    records
        .iter()
        .map(|record| RecordKey::from_json(operation, record))
        .collect()
}

/// What `mock`'s identity services (metadata, federation, IAM projects)
/// have been asked so far, read over HTTP from [`hss_mock::IDENTITY_PATH`]
/// as a monitoring script would read it.
pub async fn identity_stats(mock: &RunningMock) -> Result<serde_json::Value, reqwest::Error> {
    reqwest::get(format!("{}{}", mock.base_url(), hss_mock::IDENTITY_PATH))
        .await?
        .error_for_status()?
        .json()
        .await
}
