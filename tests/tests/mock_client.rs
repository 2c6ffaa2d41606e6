//! hss-client against hss-mock: the stream of every paginated operation of
//! the spec pages through every record with verified AK/SK signatures,
//! survives injected faults by retrying, and a wrong SK surfaces as a 401
//! with the mock's error code and request id.

use std::collections::HashSet;
use std::time::Duration;

use futures::TryStreamExt;
use futures::future::{BoxFuture, ready};
use hss_client::RecordKey;
use hss_client::prelude::*;
use hss_mock::{Credentials as MockCredentials, FaultConfig, MockConfig, RunningMock, start};
use hss_tests::requests::{selected_records, selecting_query, send};
use hss_tests::service::paged;

const AK: &str = "AKCLIENTTEST00000001";
const SK: &str = "sk-client-test-000000000000000000000001";

async fn mock(events: u64, faults: FaultConfig) -> RunningMock {
    start(MockConfig {
        events,
        credentials: MockCredentials::new().with_key_pair(AK, SK),
        faults,
        ..MockConfig::default()
    })
    .await
    .expect("mock starts")
}

fn client(mock: &RunningMock, sk: &str, retry: RetryPolicy) -> HssClient {
    HssClient::builder()
        .endpoint(Endpoint::parse(&mock.base_url()).expect("endpoint"))
        .project_id(hss_mock::DEFAULT_PROJECT_ID)
        .credentials(Credentials::ak_sk(AK, sk.to_string()).expect("credentials"))
        .retry_policy(retry)
        .budget(hss_client::Budget::Off)
        .build()
        .expect("client builds")
}

/// The keys of `records`, in their order.
fn keys_of(operation: Operation, records: &[serde_json::Value]) -> Vec<RecordKey> {
    records
        .iter()
        .map(|record| RecordKey::from_json(operation, record))
        .collect()
}

#[tokio::test]
async fn the_stream_gets_every_event_once_in_order_with_verified_signatures() {
    let mock = mock(2_345, MockConfig::default().faults).await;
    for operation in paged() {
        let query = selecting_query(&mock, operation);
        let expected = keys_of(operation, &selected_records(&mock, operation, &query));
        assert!(
            !expected.is_empty(),
            "{operation}: the query selects nothing"
        );
        for prefetch in [1, 4] {
            let before = answers(&mock, "200");
            let streamed = client(&mock, SK, RetryPolicy::no_retries())
                .visit(
                    operation,
                    StreamAll {
                        query: query.clone(),
                        prefetch,
                    },
                )
                .await
                .unwrap_or_else(|e| panic!("{operation}, prefetch {prefetch}: {e}"));
            // The mock's records, each once, in the list's order; every
            // request was signed and accepted.
            assert_eq!(
                keys_of(operation, &streamed),
                expected,
                "{operation}, prefetch {prefetch}"
            );
            assert!(
                answers(&mock, "200") > before,
                "{operation}: no page served"
            );
            assert_eq!(answers(&mock, "401"), 0, "{}", mock.stats());
        }
    }
}

/// The answers `mock` gave with `status` so far.
fn answers(mock: &RunningMock, status: &str) -> u64 {
    mock.stats()["answers"][status].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn a_wrong_secret_key_is_a_401_with_the_error_body_and_request_id() {
    let mock = mock(100, MockConfig::default().faults).await;
    let operation = paged()[0];
    let client = client(&mock, "not-the-secret-key", RetryPolicy::no_retries());
    let error = send(&client, operation, &selecting_query(&mock, operation))
        .await
        .expect_err("a wrong SK is rejected");
    let Error::Api(api) = &error else {
        panic!("expected an API error, got {error:?}");
    };
    assert_eq!(api.status, 401, "{api}");
    assert_eq!(api.error_code.as_deref(), Some("APIGW.0301"));
    assert!(api.request_id.as_deref().is_some_and(|id| !id.is_empty()));
    assert!(!error.to_string().contains("not-the-secret-key"));
}

#[tokio::test]
async fn the_stream_survives_throttling_and_server_errors_by_retrying() {
    let mock = mock(
        1_000,
        FaultConfig {
            throttle_rate: 0.2,
            retry_after_secs: 0,
            server_error_rate: 0.2,
            seed: 11,
            ..MockConfig::default().faults
        },
    )
    .await;
    let retry = RetryPolicy::default()
        .with_max_attempts(20)
        .with_backoff(Duration::from_millis(1), Duration::from_millis(5));
    let status = MockConfig::default().faults.server_error_status.to_string();
    for operation in paged() {
        let query = selecting_query(&mock, operation);
        let streamed = client(&mock, SK, retry.clone())
            .visit(
                operation,
                StreamAll {
                    query: query.clone(),
                    prefetch: 3,
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{operation}: retries get every page: {e}"));
        assert_eq!(
            keys_of(operation, &streamed),
            keys_of(operation, &selected_records(&mock, operation, &query)),
            "{operation}: the mock's records, each once"
        );
    }
    // Both faults were served, and retried past.
    assert!(
        answers(&mock, "429") > 0,
        "no request was throttled: {}",
        mock.stats()
    );
    assert!(
        answers(&mock, &status) > 0,
        "no request met a server error: {}",
        mock.stats()
    );
}

/// Streams `operation` through `client` with `query` set by name: every
/// record as JSON.
struct StreamAll {
    query: Vec<(String, String)>,
    prefetch: usize,
}

impl<'a> OperationVisitor<'a> for StreamAll {
    type Output = BoxFuture<'a, Result<Vec<serde_json::Value>, Error>>;

    fn call<B: OperationExt<'a>>(self, _builder: B) -> Self::Output {
        Box::pin(ready(Err(Error::Config(
            "the operation does not page".into(),
        ))))
    }

    fn paginated<B: PaginatedExt<'a>>(self, mut builder: B) -> Self::Output {
        for (name, value) in &self.query {
            builder = match builder.with_parameter(name, value) {
                Ok(builder) => builder,
                Err(error) => return Box::pin(ready(Err(error))),
            };
        }
        let prefetch = self.prefetch;
        Box::pin(async move {
            builder
                .stream_with(PageOptions::default().with_prefetch(prefetch))
                .map_ok(|item| serde_json::to_value(item).unwrap_or_default())
                .try_collect()
                .await
        })
    }

    fn unsupported(self, operation: Operation) -> Self::Output {
        Box::pin(ready(Err(Error::Config(format!(
            "{operation} cannot be called"
        )))))
    }
}

#[tokio::test]
async fn every_paginated_operation_streams_all_its_records_once_through_the_client() {
    let events = 1_111;
    let mock = mock(events, MockConfig::default().faults).await;
    let client = client(&mock, SK, RetryPolicy::no_retries());
    let mut streamed = 0;
    for &operation in Operation::ALL {
        if operation.pagination().is_none() {
            continue;
        }
        let records = mock.records(operation).expect("the mock serves it");
        // The widest time window, and every required filter at the value of
        // the first record, so that the query selects something.
        let query = selecting_query(&mock, operation);

        // What the records the mock serves hold for that query.
        let total = hss_mock::records::select(
            records,
            0..records.len(),
            &hss_mock::records::filters(operation, &query),
            0,
            u64::MAX,
        )
        .total;
        assert!(total > 0, "{operation}: the query selects nothing");

        let items = client
            .visit(operation, StreamAll { query, prefetch: 3 })
            .await
            .unwrap_or_else(|e| panic!("{operation}: {e}"));
        assert_eq!(items.len() as u64, total, "{operation}");
        let distinct: HashSet<String> = items.iter().map(|v| v.to_string()).collect();
        assert_eq!(
            distinct.len(),
            items.len(),
            "{operation}: a record came twice"
        );
        streamed += 1;
    }
    assert!(streamed > 0, "the spec has no paginated operation");
}
