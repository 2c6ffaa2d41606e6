//! hss-mock as the service is: the API gateway's documented throttling
//! (`gateway_limits`, from the spec's `x-rate-limit`) and lists that move
//! while they are paged (`live`), with their truth.

use std::time::{Duration, SystemTime};

use hss_client::Operation;
use hss_mock::{
    Arrive, Clock, Credentials, LiveConfig, MockConfig, RunningMock, TRUTH_PATH, start,
};
use serde_json::Value;

const TOKEN: &str = "service-test-token";
const OTHER_TOKEN: &str = "service-test-token-2";

/// A mock whose windows and lists read `clock`.
async fn mock_on(
    events: u64,
    gateway_limits: Option<f64>,
    live: LiveConfig,
    clock: Clock,
) -> RunningMock {
    start(MockConfig {
        events,
        credentials: Credentials::new().with_token(TOKEN).with_token(OTHER_TOKEN),
        gateway_limits,
        live,
        clock,
        ..MockConfig::default()
    })
    .await
    .expect("mock starts")
}

/// The first operation of the spec that has a documented rate limit and
/// pages; the spec must have one (its top-level `x-rate-limit` covers every
/// operation).
fn limited() -> Operation {
    Operation::ALL
        .iter()
        .copied()
        .find(|op| op.rate_limit().is_some() && op.pagination().is_some())
        .expect("the spec has a paginated operation with a documented rate limit (x-rate-limit)")
}

/// A page of `operation` at `offset`: every required query parameter at a
/// value the spec allows, the widest time window.
async fn page(
    mock: &RunningMock,
    operation: Operation,
    token: &str,
    offset: i64,
) -> reqwest::Response {
    let mut query = hss_tests::requests::selecting_query(mock, operation);
    let paging = operation.pagination().expect("pages");
    query.retain(|(name, _)| name != paging.offset);
    query.push((paging.offset.to_string(), offset.to_string()));
    reqwest::Client::new()
        .get(mock.url_of(operation))
        .query(&query)
        .header("X-Auth-Token", token)
        .send()
        .await
        .expect("answered")
}

#[tokio::test]
async fn the_gateway_refuses_calls_beyond_the_documented_limit_with_its_body() {
    let operation = limited();
    let limit = operation.rate_limit().expect("limited");
    // A minute's window in half a second, on a clock that moves only when
    // the test moves it: however slow the machine, every call below comes
    // at the instant the test says.
    let scale = limit.window().as_secs_f64() / 0.5;
    let (clock, hand) = Clock::manual();
    let mock = mock_on(100, Some(scale), LiveConfig::default(), clock).await;
    let calls = limit.calls();
    for n in 0..calls {
        let response = page(&mock, operation, TOKEN, 0).await;
        assert_eq!(response.status().as_u16(), 200, "call {n}");
    }
    let refused = page(&mock, operation, TOKEN, 0).await;
    assert_eq!(refused.status().as_u16(), 429);
    assert!(refused.headers().get("retry-after").is_none());
    let request_id = refused.headers()["x-request-id"]
        .to_str()
        .expect("text")
        .to_string();
    let body: Value = refused.json().await.expect("JSON");
    assert_eq!(body["error_code"], "APIG.0308");
    assert_eq!(body["request_id"], request_id.as_str());
    let message = body["error_msg"].as_str().expect("message");
    assert!(
        message.starts_with("The throttling threshold has been reached: policy ")
            && message.contains(&format!(
                "over ratelimit,limit:{calls},time:500 millisecond"
            )),
        "{message}"
    );
    // The client reads the same quota from it.
    let quota =
        hss_client::Quota::from_throttle(body["error_code"].as_str(), body["error_msg"].as_str())
            .expect("a quota");
    assert_eq!(quota.calls as u64, calls);
    assert_eq!(quota.window, Duration::from_millis(500));
    // Another user from the same address is refused too: by the address.
    if limit.per_ip.is_some() {
        let other = page(&mock, operation, OTHER_TOKEN, 0).await;
        assert_eq!(other.status().as_u16(), 429);
        let body: Value = other.json().await.expect("JSON");
        assert!(
            body["error_msg"].as_str().is_some_and(
                |m| m.contains("policy ip over ratelimit") || m.contains("policy user")
            ),
            "{body}"
        );
    }
    // Just before the window has passed, still refused; once it has,
    // calls go through again.
    hand.advance(Duration::from_millis(499));
    assert_eq!(
        page(&mock, operation, TOKEN, 0).await.status().as_u16(),
        429
    );
    hand.advance(Duration::from_millis(1));
    assert_eq!(
        page(&mock, operation, TOKEN, 0).await.status().as_u16(),
        200
    );
    let stats = mock.stats();
    assert!(
        stats["answers"]["429"].as_u64().unwrap_or(0) >= 1,
        "{stats}"
    );
}

fn total(body: &Value, operation: Operation) -> i64 {
    body[operation.pagination().expect("pages").total]
        .as_i64()
        .expect("a total")
}

async fn truth(mock: &RunningMock, operation: Operation, at: Option<i64>) -> Value {
    let mut url = format!(
        "{}{TRUTH_PATH}/{}",
        mock.base_url(),
        operation.operation_id()
    );
    if let Some(at) = at {
        url.push_str(&format!("?at={at}"));
    }
    let response = reqwest::get(url).await.expect("answered");
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.expect("JSON")
}

fn ms(at: SystemTime) -> i64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[tokio::test]
async fn records_arrive_at_the_head_and_the_truth_follows() {
    let Some(operation) = Operation::ALL
        .iter()
        .copied()
        .find(|op| op.pagination().is_some())
    else {
        panic!("the spec has no paginated operation (x-pagination): nothing arrives at a head");
    };
    let (clock, hand) = Clock::manual();
    let started = ms(clock.now());
    let live = LiveConfig {
        arrivals_per_sec: 100.0,
        ..LiveConfig::default()
    };
    let mock = mock_on(50, None, live, clock).await;
    hand.advance(Duration::from_millis(305));
    let body: Value = page(&mock, operation, TOKEN, 0)
        .await
        .json()
        .await
        .expect("JSON");
    let now = total(&body, operation);
    assert_eq!(now, 80, "30 records arrived in 0.305 s at 100 a second");
    // The newest is first, and the truth has it first too.
    let truth_now = truth(&mock, operation, None).await;
    let records = truth_now["records"].as_array().expect("records");
    assert_eq!(records.len() as i64, now);
    let items = operation.pagination().expect("pages").items;
    assert_eq!(body[items][0], records[0]);
    // At the start there were the first 50.
    let at_start = truth(&mock, operation, Some(started)).await;
    assert_eq!(at_start["total"], 50);
}

#[tokio::test]
async fn records_leave_and_change_deterministically() {
    let Some(operation) = Operation::ALL
        .iter()
        .copied()
        .find(|op| op.pagination().is_some_and(|p| p.record_version.is_some()))
    else {
        panic!(
            "the spec has no paginated operation whose records have a version \
             (x-record-version): nothing can change"
        );
    };
    let version = operation
        .pagination()
        .and_then(|p| p.record_version)
        .expect("a version");
    let live = LiveConfig {
        removals_per_sec: 50.0,
        changes_per_sec: 50.0,
        arrive_at: Arrive::Tail,
        ..LiveConfig::default()
    };
    // Two mocks on one clock start at the same instant of it.
    let (clock, hand) = Clock::manual();
    let one = mock_on(200, None, live, clock.clone()).await;
    let two = mock_on(200, None, live, clock.clone()).await;
    hand.advance(Duration::from_millis(400));
    let at = ms(clock.now());
    let (a, b) = (
        truth(&one, operation, Some(at - 100)).await,
        truth(&two, operation, Some(at - 100)).await,
    );
    let total_a = a["total"].as_i64().expect("total");
    assert!(total_a < 200, "records left: {total_a}");
    // The same seed gives the same list at the same moment of its life.
    assert_eq!(a, b);
    // Some records carry a version from after the start.
    let changed = a["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter(|r| r[version].as_i64().is_some_and(|v| v >= at - 1000))
        .count();
    assert!(changed > 0, "no record changed");
}
