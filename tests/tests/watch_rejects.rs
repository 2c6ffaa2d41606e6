//! `hss_client::watch` hands over the records that break their schema:
//! against hss-mock serving a broken record every few (`bad_record_every`),
//! each one is in its page's step, at its position, counted in the
//! cycle's summary, and handed over once, not again at the next cycle.
//! Operations come from the generated table: each that pages without a
//! time window (whose records the mock serves all of).

use std::time::Duration;

use futures::StreamExt;
use hss_client::prelude::*;
use hss_client::watch::{Feed, FeedState, Step};
use hss_client::{Query, RecordKey};
use hss_mock::{Credentials as MockCredentials, LiveConfig, MockConfig, start};
use hss_tests::requests::selecting_filters;
use hss_tests::service::mock_config;

const AK: &str = "AKWATCHREJECTS000001";
const SK: &str = "sk-watch-rejects-0000000000000000000001";

/// What one cycle handed over: the deliveries' ids, the rejected records'
/// positions and ids, and the summary's count of rejected records.
struct Cycle {
    delivered: Vec<RecordKey>,
    rejected: Vec<(i64, RecordKey)>,
    counted: u64,
}

async fn cycle(feed: &Feed, client: &HssClient, state: &mut FeedState) -> Cycle {
    let mut steps = feed.cycle(client.clone(), state.clone());
    let mut out = Cycle {
        delivered: Vec::new(),
        rejected: Vec::new(),
        counted: 0,
    };
    while let Some(step) = steps.next().await {
        match step.expect("a step") {
            Step::Page {
                deliveries,
                rejected,
                state: next,
            } => {
                out.delivered.extend(deliveries.iter().map(|d| d.id));
                for record in rejected {
                    assert!(!record.message.is_empty(), "says what breaks the schema");
                    let raw: serde_json::Value =
                        serde_json::from_str(&record.raw).expect("the raw record is JSON");
                    assert!(raw.is_object(), "the raw record is kept: {}", record.raw);
                    out.rejected.push((record.position, record.id));
                }
                *state = next;
            }
            Step::Done {
                summary,
                state: next,
            } => {
                out.counted = summary.rejected;
                *state = next;
            }
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn a_record_that_breaks_its_schema_is_handed_over_once_and_counted() {
    let every = 7u64;
    let operations: Vec<Operation> = Operation::ALL
        .iter()
        .copied()
        .filter(|op| op.pagination().is_some() && op.time_window().is_none())
        .collect();
    assert!(
        !operations.is_empty(),
        "no operation pages without a window"
    );
    for operation in operations {
        let mut config: MockConfig = mock_config(200, None, LiveConfig::default(), Duration::ZERO);
        config.credentials = MockCredentials::new().with_key_pair(AK, SK);
        config.faults.bad_record_every = every;
        let mock = start(config).await.expect("mock starts");
        let client = HssClient::builder()
            .endpoint(Endpoint::parse(&mock.base_url()).expect("endpoint"))
            .project_id(hss_mock::DEFAULT_PROJECT_ID)
            .credentials(Credentials::ak_sk(AK, SK).expect("credentials"))
            .budget(hss_client::Budget::Off)
            .build()
            .expect("client builds");
        let query = selecting_filters(&mock, operation, false)
            .into_iter()
            .fold(Query::new(operation), |q, (name, value)| {
                q.with(name, value)
            });
        let feed = Feed::new(query);
        let total = mock.truth(operation, None).expect("truth").1.len() as i64;
        let mut state = FeedState::default();
        let first = cycle(&feed, &client, &mut state).await;
        let positions: Vec<i64> = first.rejected.iter().map(|(p, _)| *p).collect();
        let expected: Vec<i64> = (0..total)
            .filter(|p| p % every as i64 == every as i64 - 1)
            .collect();
        assert!(!expected.is_empty(), "{operation}: no broken record served");
        assert_eq!(
            positions, expected,
            "{operation}: each broken record, in order"
        );
        assert_eq!(first.counted, expected.len() as u64, "{operation}: counted");
        for (_, id) in &first.rejected {
            assert!(
                !first.delivered.contains(id),
                "{operation}: rejected and delivered"
            );
        }
        let second = cycle(&feed, &client, &mut state).await;
        assert!(
            second.rejected.is_empty() && second.counted == 0,
            "{operation}: handed over again: {:?}",
            second.rejected
        );
        mock.shutdown().await;
    }
}
