//! hss-mock's `--bad-record-every K`: every record at a position p with
//! `p % K == K - 1` has a string field (its first `..._id` one) served as a
//! number; the page is otherwise the one served without the option.

use hss_client::Operation;
use hss_mock::{Credentials, FaultConfig, MockConfig, RunningMock, start};
use serde_json::Value;

const TOKEN: &str = "bad-records-test-token";
const EVERY: u64 = 7;

async fn mock(bad_record_every: u64) -> RunningMock {
    let defaults = MockConfig::default();
    start(MockConfig {
        events: 200,
        seed: 11,
        credentials: Credentials::new().with_token(TOKEN),
        faults: FaultConfig {
            bad_record_every,
            ..defaults.faults.clone()
        },
        ..defaults
    })
    .await
    .expect("mock starts")
}

/// The records of the page of `operation` from `offset`, with the total,
/// fetched with plain reqwest.
async fn page(mock: &RunningMock, operation: Operation, offset: u64) -> (u64, Vec<Value>) {
    let pagination = operation.pagination().expect("the operation pages");
    let limit = pagination
        .max_limit
        .unwrap_or(pagination.default_page_size)
        .min(30)
        .max(pagination.min_limit);
    let mut query: Vec<(String, String)> = operation
        .example_query()
        .expect("the spec allows some query")
        .into_iter()
        .filter(|(name, _)| *name != pagination.offset && *name != pagination.limit)
        .map(|(name, value)| (name.to_string(), value))
        .collect();
    query.push((pagination.offset.to_string(), offset.to_string()));
    query.push((pagination.limit.to_string(), limit.to_string()));
    let response = reqwest::Client::new()
        .get(mock.url_of(operation))
        .query(&query)
        .header("X-Auth-Token", TOKEN)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status().as_u16(), 200, "{operation}");
    let body: Value = response.json().await.expect("the page is still JSON");
    let total = body[pagination.total].as_u64().expect("a total");
    let records = body[pagination.items]
        .as_array()
        .expect("a list of records")
        .clone();
    (total, records)
}

#[tokio::test]
async fn every_kth_record_has_one_string_field_served_as_a_number() {
    let plain = mock(0).await;
    let bad = mock(EVERY).await;
    let mut broken = 0;
    for &operation in Operation::ALL {
        if operation.pagination().is_none() {
            continue;
        }
        for offset in [0, 13] {
            let (total, expected) = page(&plain, operation, offset).await;
            let (bad_total, served) = page(&bad, operation, offset).await;
            assert_eq!(bad_total, total, "{operation}: the total is unchanged");
            assert_eq!(served.len(), expected.len(), "{operation}: no record lost");
            for (position, (got, want)) in (offset..).zip(served.iter().zip(&expected)) {
                if position % EVERY != EVERY - 1 {
                    assert_eq!(got, want, "{operation}: record {position} is unchanged");
                    continue;
                }
                broken += 1;
                let (Some(got), Some(want)) = (got.as_object(), want.as_object()) else {
                    panic!("{operation}: record {position} is not an object");
                };
                assert_eq!(
                    got.keys().collect::<Vec<_>>(),
                    want.keys().collect::<Vec<_>>(),
                    "{operation}: record {position} keeps its fields"
                );
                let changed: Vec<&String> = want
                    .keys()
                    .filter(|name| got.get(*name) != want.get(*name))
                    .collect();
                let [name] = changed.as_slice() else {
                    panic!("{operation}: record {position} changed in {changed:?}, not one field");
                };
                assert!(want[*name].is_string(), "{operation}: {name} was a string");
                assert_eq!(got[*name], 12345, "{operation}: {name} is now a number");
                let has_string_id = want
                    .iter()
                    .any(|(field, value)| field.ends_with("_id") && value.is_string());
                if has_string_id {
                    assert!(name.ends_with("_id"), "{operation}: {name} is an id");
                }
            }
        }
    }
    assert!(broken > 0, "some record was broken");
    plain.shutdown().await;
    bad.shutdown().await;
}
