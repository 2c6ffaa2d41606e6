//! `hss_client::watch` in the library, against a live hss-mock with the
//! documented throttling (scaled): every operation's feed, cycle after
//! cycle, delivers every record version present through a cycle, and
//! none twice; the state survives a round trip through JSON between
//! any two steps.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime};

use futures::StreamExt;
use hss_client::prelude::*;
use hss_client::watch::{Feed, FeedState, Mode, Step};
use hss_client::{Query, RecordKey};
use hss_mock::{Credentials as MockCredentials, LiveConfig, MockConfig, RunningMock, start};
use hss_tests::requests::selecting_filters;
use hss_tests::service::{WINDOW, budget, mock_config, scale};

const AK: &str = "AKWATCHTEST000000001";
const SK: &str = "sk-watch-test-000000000000000000000001";

async fn mock(operation: Operation, live: LiveConfig) -> RunningMock {
    start(MockConfig {
        credentials: MockCredentials::new().with_key_pair(AK, SK),
        ..mock_config(300, Some(scale(operation, WINDOW)), live, Duration::ZERO)
    })
    .await
    .expect("mock starts")
}

fn client(mock: &RunningMock, operation: Operation) -> HssClient {
    HssClient::builder()
        .endpoint(Endpoint::parse(&mock.base_url()).expect("endpoint"))
        .project_id(hss_mock::DEFAULT_PROJECT_ID)
        .credentials(Credentials::ak_sk(AK, SK).expect("credentials"))
        .budget(budget(operation, WINDOW, 1))
        .build()
        .expect("client builds")
}

/// The feed of `operation`: the filters that select the mock's records
/// (no paging, no time window: the feed sets those).
fn feed(mock: &RunningMock, operation: Operation) -> Feed {
    let query = selecting_filters(mock, operation, false)
        .into_iter()
        .fold(Query::new(operation), |q, (name, value)| {
            q.with(name, value)
        });
    let mut feed = Feed::new(query);
    feed.overlap = Duration::from_secs(5);
    feed
}

type Version = (RecordKey, Option<String>);

/// The versions of `records`; for an operation with a time window, of
/// those whose time is `from` (ms since the epoch) or later: what a feed
/// that reaches back to `from` covers.
fn versions(operation: Operation, records: &[serde_json::Value], from: i64) -> BTreeSet<Version> {
    let field = operation.pagination().and_then(|p| p.record_version);
    let window = operation.time_window().and_then(|w| w.field);
    records
        .iter()
        .filter(|r| window.is_none_or(|w| r[w].as_i64().is_some_and(|t| t >= from)))
        .map(|r| {
            (
                RecordKey::from_json(operation, r),
                field.map(|f| r[f].to_string()),
            )
        })
        .collect()
}

/// Runs one cycle, taking the state through JSON after every step (as a
/// process that persists it and restarts would); the versions delivered
/// and the cycle's mode.
async fn cycle(
    feed: &Feed,
    client: &HssClient,
    state: &mut FeedState,
    delivered: &mut BTreeMap<Version, u32>,
) -> Mode {
    let mut steps = feed.cycle(client.clone(), state.clone());
    let mut mode = Mode::Full;
    while let Some(step) = steps.next().await {
        let step = step.expect("a step");
        let next = match step {
            Step::Page {
                deliveries, state, ..
            } => {
                for delivery in deliveries {
                    let version = (delivery.key, delivery.version.clone());
                    *delivered.entry(version).or_insert(0) += 1;
                }
                state
            }
            Step::Done { summary, state } => {
                mode = summary.mode;
                state
            }
            _ => continue,
        };
        let text = serde_json::to_string(&next).expect("state writes");
        *state = serde_json::from_str(&text).expect("state reads");
    }
    mode
}

#[tokio::test]
async fn every_feed_delivers_each_version_present_through_a_cycle_once() {
    check_feeds(hss_mock::Arrive::Head).await;
}

#[tokio::test]
async fn an_oldest_first_list_is_followed_in_full_passes() {
    check_feeds(hss_mock::Arrive::Tail).await;
}

async fn check_feeds(arrive_at: hss_mock::Arrive) {
    let operations = hss_tests::service::paged();
    for operation in operations {
        let live = LiveConfig {
            arrivals_per_sec: 30.0,
            changes_per_sec: 10.0,
            removals_per_sec: 3.0,
            arrive_at,
        };
        let mock = mock(operation, live).await;
        let client = client(&mock, operation);
        let feed = feed(&mock, operation);
        let mut state = FeedState::default();
        let mut delivered = BTreeMap::new();
        let mut modes = Vec::new();
        let from = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
            - feed.since.as_millis() as i64;
        let mut present_through = 0;
        for _ in 0..5 {
            let before = SystemTime::now();
            modes.push(cycle(&feed, &client, &mut state, &mut delivered).await);
            let after = SystemTime::now();
            let (_, at_start) = mock.truth(operation, Some(before)).expect("truth");
            let (_, at_end) = mock.truth(operation, Some(after)).expect("truth");
            let present: Vec<_> = versions(operation, &at_start, from)
                .intersection(&versions(operation, &at_end, from))
                .cloned()
                .collect();
            present_through += present.len();
            let through = present
                .iter()
                .filter(|v| !delivered.contains_key(*v))
                .count();
            assert_eq!(
                through, 0,
                "{operation}: versions present through a cycle not delivered"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        assert!(
            present_through > 0,
            "{operation}: no version was present through a cycle"
        );
        let twice: Vec<_> = delivered.iter().filter(|(_, n)| **n > 1).collect();
        assert!(twice.is_empty(), "{operation}: delivered twice: {twice:?}");
        let expected = if operation.time_window().is_some() {
            Mode::Window
        } else if arrive_at == hss_mock::Arrive::Head {
            Mode::Head
        } else {
            Mode::Full
        };
        assert_eq!(modes.last(), Some(&expected), "{operation}: {modes:?}");
        assert_eq!(
            mock.stats()["answers"]["429"].as_u64().unwrap_or(0),
            0,
            "{operation}: {}",
            mock.stats()
        );
    }
}
