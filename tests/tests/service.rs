//! hss-client against the service as it is: hss-mock with the API
//! gateway's documented throttling (windows scaled down) and lists that
//! move while they are paged. Every limit, page size and key comes from
//! the spec.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures::StreamExt;
use hss_client::prelude::*;
use hss_client::{Cursor, Query, RecordKey};
use hss_mock::{
    Arrive, Clock, Credentials as MockCredentials, LiveConfig, MockConfig, RunningMock, start,
};
use hss_tests::requests::selecting_query;
use hss_tests::service::{WINDOW, budget, limited, mock_config, scale};

const AK: &str = "AKSERVICETEST0000001";
const SK: &str = "sk-service-test-00000000000000000000001";

async fn mock(
    events: u64,
    gateway: Option<f64>,
    live: LiveConfig,
    latency: Duration,
) -> RunningMock {
    start(MockConfig {
        credentials: MockCredentials::new().with_key_pair(AK, SK),
        ..mock_config(events, gateway, live, latency)
    })
    .await
    .expect("mock starts")
}

fn client(mock: &RunningMock, budget: Budget) -> HssClient {
    HssClient::builder()
        .endpoint(Endpoint::parse(&mock.base_url()).expect("endpoint"))
        .project_id(hss_mock::DEFAULT_PROJECT_ID)
        .credentials(Credentials::ak_sk(AK, SK).expect("credentials"))
        .budget(budget)
        .build()
        .expect("client builds")
}

/// The query that selects the mock's records of `operation`.
fn query(mock: &RunningMock, operation: Operation) -> Query {
    let paging = operation.pagination().expect("pages");
    selecting_query(mock, operation)
        .into_iter()
        .filter(|(name, _)| name != paging.offset && name != paging.limit)
        .fold(Query::new(operation), |q, (name, value)| {
            q.with(name, value)
        })
}

/// Every record of a pass: keys in the order yielded, and the error that
/// ended it, if any.
async fn pass(
    client: &HssClient,
    query: &Query,
    options: PageOptions,
) -> (Vec<RecordKey>, Option<Error>) {
    let mut pages = query.pages(client.clone(), options);
    let mut keys = Vec::new();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => {
                for item in page.items {
                    keys.push(item.expect("no record error").key);
                }
            }
            Err(error) => return (keys, Some(error)),
        }
    }
    (keys, None)
}

fn answers(mock: &RunningMock, status: &str) -> u64 {
    mock.stats()["answers"][status].as_u64().unwrap_or(0)
}

/// Records a page of `operation` holds in streams.
fn page_size(operation: Operation) -> u64 {
    operation.pagination().expect("pages").default_page_size as u64
}

#[tokio::test]
async fn an_export_under_the_documented_limit_gets_every_record_and_no_429() {
    for operation in limited() {
        // Six pages: more than the calls one window allows.
        let events = 6 * page_size(operation);
        let mock = mock(
            events,
            Some(scale(operation, WINDOW)),
            LiveConfig::default(),
            Duration::ZERO,
        )
        .await;
        let client = client(&mock, budget(operation, WINDOW, 1));
        let (keys, error) = pass(&client, &query(&mock, operation), PageOptions::default()).await;
        assert!(error.is_none(), "{operation}: {error:?}");
        let distinct: BTreeSet<_> = keys.iter().collect();
        assert_eq!(distinct.len(), keys.len(), "{operation}: duplicates");
        let truth = mock.truth(operation, None).expect("truth").1;
        assert_eq!(keys.len(), truth.len(), "{operation}");
        assert_eq!(answers(&mock, "429"), 0, "{operation}: {}", mock.stats());
    }
}

#[tokio::test]
async fn eight_concurrent_streams_through_one_client_stay_within_the_budget() {
    for operation in limited() {
        let events = 2 * page_size(operation);
        let mock = mock(
            events,
            Some(scale(operation, WINDOW)),
            LiveConfig::default(),
            Duration::ZERO,
        )
        .await;
        let client = client(&mock, budget(operation, WINDOW, 1));
        let query = query(&mock, operation);
        let mut tasks = Vec::new();
        for _ in 0..8 {
            // Each task has a clone of the client: they share its budget.
            let client = client.clone();
            let query = query.clone();
            tasks.push(tokio::spawn(async move {
                pass(&client, &query, PageOptions::default().with_prefetch(2)).await
            }));
        }
        for task in tasks {
            let (keys, error) = task.await.expect("task ends");
            assert!(error.is_none(), "{operation}: {error:?}");
            assert_eq!(keys.len() as u64, events, "{operation}");
        }
        assert_eq!(answers(&mock, "429"), 0, "{operation}: {}", mock.stats());
        assert_eq!(answers(&mock, "200"), 16, "{operation}: {}", mock.stats());
    }
}

#[tokio::test]
async fn a_budget_above_the_service_s_limit_is_lowered_by_its_429_and_the_export_finishes() {
    for operation in limited() {
        let events = 8 * page_size(operation);
        // A window long enough that the eight requests sent at once reach
        // the gateway inside one on a busy machine.
        let window = Duration::from_secs(2);
        let mock = mock(
            events,
            Some(scale(operation, window)),
            LiveConfig::default(),
            Duration::ZERO,
        )
        .await;
        // Four times what the service allows.
        let client = client(&mock, budget(operation, window, 4));
        let (keys, error) = pass(
            &client,
            &query(&mock, operation),
            PageOptions::default().with_prefetch(8),
        )
        .await;
        assert!(error.is_none(), "{operation}: {error:?}");
        assert_eq!(keys.len() as u64, events, "{operation}");
        let throttled = answers(&mock, "429");
        assert!(throttled >= 1, "{operation}: the service refused nothing");
        // Once it named its quota, the client keeps to it.
        let quota = client.quota(operation).expect("a quota");
        let limit = operation.rate_limit().expect("limited");
        assert_eq!(u64::from(quota.calls), limit.calls(), "{operation}");
        assert!(throttled <= 8, "{operation}: {} answers 429", throttled);
    }
}

/// What a pass over a moving list showed, over every paginated operation.
#[derive(Default)]
struct Moved {
    /// Records present throughout whose content changed while paged.
    changed: usize,
    /// Records present throughout, in all.
    throughout: usize,
    /// Records the passes yielded by reading the head again.
    recovered: u64,
}

/// The mock's records of `operation` now, by key.
fn records_now(mock: &RunningMock, operation: Operation) -> BTreeMap<RecordKey, serde_json::Value> {
    let truth = mock.truth(operation, None).expect("truth").1;
    truth
        .into_iter()
        .map(|record| (RecordKey::from_json(operation, &record), record))
        .collect()
}

/// A pass over a moving list, checked against the mock's truth at its
/// start and its end: no record twice, and every record present
/// throughout. The list moves on the mock's clock, which steps on by
/// `step` at each request: between two requests it moves by the same
/// records however long the client took.
async fn check_moving(live: LiveConfig, step: Duration, what: &str) -> Moved {
    let mut moved = Moved::default();
    let operations = hss_tests::service::paged();
    for operation in operations {
        let (clock, _) = Clock::stepped(step);
        let mock = start(MockConfig {
            credentials: MockCredentials::new().with_key_pair(AK, SK),
            clock,
            ..mock_config(3_000, None, live, Duration::ZERO)
        })
        .await
        .expect("mock starts");
        let client = client(&mock, Budget::Off);
        let query = query(&mock, operation);
        let paging = operation.pagination().expect("pages");
        // Small pages: many requests while the list moves.
        let options = PageOptions::default()
            .with_page_size(paging.min_limit.max(100).min(paging.default_page_size));
        let first = records_now(&mock, operation);
        let (yielded, error, cursor) = pass_with_cursor(&client, &query, options).await;
        let last = records_now(&mock, operation);
        assert!(error.is_none(), "{what}, {operation}: {error:?}");
        let distinct: BTreeSet<_> = yielded.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            yielded.len(),
            "{what}, {operation}: duplicates"
        );
        let throughout: Vec<&RecordKey> = first.keys().filter(|k| last.contains_key(k)).collect();
        let missing = throughout
            .iter()
            .filter(|k| !distinct.contains(**k))
            .count();
        assert_eq!(
            missing,
            0,
            "{what}, {operation}: missed {missing} of {} records present throughout",
            throughout.len()
        );
        moved.throughout += throughout.len();
        moved.changed += throughout
            .iter()
            .filter(|k| first[**k] != last[**k])
            .count();
        moved.recovered += cursor.map_or(0, |c| c.recovered());
    }
    assert!(
        moved.throughout > 0,
        "{what}: no record was present throughout"
    );
    moved
}

/// [`pass`], with the cursor after the last page.
async fn pass_with_cursor(
    client: &HssClient,
    query: &Query,
    options: PageOptions,
) -> (Vec<RecordKey>, Option<Error>, Option<Cursor>) {
    let mut pages = query.pages(client.clone(), options);
    let (mut keys, mut cursor) = (Vec::new(), None);
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => {
                for item in page.items {
                    keys.push(item.expect("no record error").key);
                }
                cursor = Some(page.cursor);
            }
            Err(error) => return (keys, Some(error), cursor),
        }
    }
    (keys, None, cursor)
}

#[tokio::test]
async fn records_that_change_and_move_to_the_head_while_paged_are_each_yielded_once() {
    // As an alarm list being handled: records change (and move to the
    // head) five times as fast as new ones arrive, at 100 changes a
    // second and 30 ms a request.
    let moved = check_moving(
        LiveConfig {
            arrivals_per_sec: 20.0,
            changes_per_sec: 100.0,
            ..LiveConfig::default()
        },
        Duration::from_millis(30),
        "changes",
    )
    .await;
    assert!(
        moved.changed > 0,
        "no record present throughout changed: the case tests nothing"
    );
    assert!(moved.recovered > 0, "no record was found at the head again");
}

#[tokio::test]
async fn arrivals_at_the_head_and_removals_lose_nothing_and_repeat_nothing() {
    check_moving(
        LiveConfig {
            arrivals_per_sec: 400.0,
            removals_per_sec: 100.0,
            ..LiveConfig::default()
        },
        Duration::from_millis(5),
        "head arrivals and removals",
    )
    .await;
}

#[tokio::test]
async fn arrivals_at_the_tail_and_removals_lose_nothing_and_repeat_nothing() {
    // Each page takes longer than an arrival and a removal apart, so the
    // list shows it moves from its first pages on (see hss_client::pager).
    check_moving(
        LiveConfig {
            arrivals_per_sec: 200.0,
            removals_per_sec: 50.0,
            arrive_at: Arrive::Tail,
            ..LiveConfig::default()
        },
        Duration::from_millis(20),
        "tail arrivals and removals",
    )
    .await;
}
