//! hss-mock serves both operations over its synthetic dataset: paging,
//! totals, filters, and bodies that decode into the generated types with no
//! undocumented key.

use std::collections::HashSet;

use hss_client::Operation;
use hss_client::types::{ListClusterEventLogsResponse, ListClusterEventsResponse};
use hss_mock::data::{BASE_TIME_MS, LOG_STEP_MS};
use hss_mock::{Credentials, DEFAULT_PROJECT_ID, MockConfig, RunningMock, start};
use serde_json::Value;

const TOKEN: &str = "paging-test-token";

async fn mock(events: u64) -> RunningMock {
    start(MockConfig {
        events,
        seed: 7,
        credentials: Credentials::new().with_token(TOKEN),
        ..MockConfig::default()
    })
    .await
    .expect("mock starts")
}

/// The largest page `operation` allows, from the spec.
fn max_limit(operation: Operation) -> usize {
    operation
        .pagination()
        .and_then(|p| p.max_limit)
        .expect("the spec gives a largest page") as usize
}

/// GET `operation` with `query`, in which `limit=max` and `limit=min`
/// stand for the spec's largest and smallest page.
async fn get(mock: &RunningMock, operation: Operation, query: &str) -> (u16, Value) {
    let pagination = operation.pagination().expect("the operation pages");
    let query = query
        .replace("limit=max", &format!("limit={}", max_limit(operation)))
        .replace("limit=min", &format!("limit={}", pagination.min_limit));
    let url = format!("{}?{query}", mock.url_of(operation));
    let response = reqwest::Client::new()
        .get(url)
        .header("X-Auth-Token", TOKEN)
        .send()
        .await
        .expect("request is answered");
    let status = response.status().as_u16();
    assert!(response.headers().contains_key("x-request-id"));
    (status, response.json().await.expect("JSON body"))
}

#[tokio::test]
async fn list_cluster_events_pages_through_every_event_once() {
    let mock = mock(1_234).await;
    let mut seen = HashSet::new();
    let mut offset = 0;
    loop {
        let (status, body) = get(
            &mock,
            Operation::ListClusterEvents,
            &format!("offset={offset}&limit=max"),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let page: ListClusterEventsResponse = serde_json::from_value(body).expect("decodes");
        assert_eq!(page.total_num, Some(1_234));
        assert!(page.extra.is_empty(), "undocumented keys: {:?}", page.extra);
        for event in &page.data_list {
            assert!(
                event.extra.is_empty(),
                "undocumented keys: {:?}",
                event.extra
            );
            assert!(event.project_id.as_deref() == Some(DEFAULT_PROJECT_ID));
            let id = event.event_id.clone().expect("event_id");
            assert!(seen.insert(id), "an event came twice");
        }
        if page.data_list.is_empty() {
            break;
        }
        assert!(page.data_list.len() <= max_limit(Operation::ListClusterEvents));
        offset += page.data_list.len();
    }
    assert_eq!(seen.len(), 1_234);
    assert_eq!(offset, 1_234);
    mock.shutdown().await;
}

#[tokio::test]
async fn the_same_seed_gives_the_same_events_and_a_page_is_a_slice_of_a_bigger_one() {
    let mock = mock(500).await;
    let (_, big) = get(&mock, Operation::ListClusterEvents, "offset=100&limit=max").await;
    let (_, small) = get(&mock, Operation::ListClusterEvents, "offset=150&limit=min").await;
    let big = big["data_list"].as_array().expect("list");
    let small_list = small["data_list"].as_array().expect("list");
    assert_eq!(big[50..50 + small_list.len()], small_list[..]);
    let other = mock_with_seed(500, 8).await;
    let (_, different) = get(&other, Operation::ListClusterEvents, "offset=150&limit=min").await;
    assert_ne!(
        small["data_list"][0]["event_id"],
        different["data_list"][0]["event_id"]
    );
}

async fn mock_with_seed(events: u64, seed: u64) -> RunningMock {
    start(MockConfig {
        events,
        seed,
        credentials: Credentials::new().with_token(TOKEN),
        ..MockConfig::default()
    })
    .await
    .expect("mock starts")
}

#[tokio::test]
async fn cluster_id_filters_events_and_the_total_counts_only_that_cluster() {
    let mock = mock(1_000).await;
    let cluster = mock.dataset().clusters()[3].id.clone();
    let clusters = mock.dataset().clusters().len();
    let (status, body) = get(
        &mock,
        Operation::ListClusterEvents,
        &format!("offset=0&limit=max&cluster_id={cluster}"),
    )
    .await;
    assert_eq!(status, 200);
    let page: ListClusterEventsResponse = serde_json::from_value(body).expect("decodes");
    let expected = (1_000 - 3usize).div_ceil(clusters);
    assert_eq!(page.total_num, Some(expected as i32));
    assert_eq!(
        page.data_list.len(),
        expected.min(max_limit(Operation::ListClusterEvents))
    );
    assert!(
        page.data_list
            .iter()
            .all(|e| e.cluster_id.as_deref() == Some(cluster.as_str()))
    );

    let (_, unknown) = get(
        &mock,
        Operation::ListClusterEvents,
        "offset=0&limit=min&cluster_id=no-such-cluster",
    )
    .await;
    assert_eq!(unknown["total_num"], 0);
    assert_eq!(unknown["data_list"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn an_offset_past_the_end_gives_an_empty_page_with_the_total() {
    let mock = mock(50).await;
    let (status, body) = get(&mock, Operation::ListClusterEvents, "offset=60&limit=min").await;
    assert_eq!(status, 200);
    assert_eq!(body["total_num"], 50);
    assert_eq!(body["data_list"], serde_json::json!([]));
    let (_, tail) = get(&mock, Operation::ListClusterEvents, "offset=45&limit=min").await;
    assert_eq!(tail["data_list"].as_array().map(Vec::len), Some(5));
}

#[tokio::test]
async fn cluster_event_logs_honour_the_time_window_filters_and_paging() {
    let mock = mock(800).await;
    let cluster = mock.dataset().clusters()[0].id.clone();
    let clusters = mock.dataset().clusters().len() as i64;
    // Records 0..400 by time, of which cluster 0 owns every `clusters`th.
    let start = BASE_TIME_MS;
    let end = BASE_TIME_MS + 399 * LOG_STEP_MS;
    let base = format!("cluster_id={cluster}&start_time={start}&end_time={end}");
    let (status, body) = get(
        &mock,
        Operation::ListClusterEventLogs,
        &format!("{base}&offset=0&limit=20"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let page: ListClusterEventLogsResponse = serde_json::from_value(body).expect("decodes");
    assert_eq!(page.total_num, Some((400 / clusters) as i32));
    assert_eq!(page.data_list.len(), 20);
    for log in &page.data_list {
        assert!(log.extra.is_empty(), "undocumented keys: {:?}", log.extra);
        let time = log.time.expect("time");
        assert!((start..=end).contains(&time));
        assert_eq!(log.cluster_id.as_deref(), Some(cluster.as_str()));
    }

    let (_, warnings) = get(
        &mock,
        Operation::ListClusterEventLogs,
        &format!("{base}&offset=0&limit=max&event_type=Warning"),
    )
    .await;
    let warnings: ListClusterEventLogsResponse = serde_json::from_value(warnings).expect("decodes");
    let total = warnings.total_num.expect("total") as usize;
    assert!(total > 0 && total < (400 / clusters) as usize);
    assert_eq!(warnings.data_list.len(), total);
    assert!(
        warnings.data_list.iter().all(|l| l
            .event_type
            .as_ref()
            .map(ToString::to_string)
            .as_deref()
            == Some("Warning"))
    );

    // line_num, like every query parameter named as a record field, is a
    // filter on that field.
    let line = page.data_list[4].line_num.clone().expect("line_num");
    let (_, one) = get(
        &mock,
        Operation::ListClusterEventLogs,
        &format!("{base}&offset=0&limit=3&line_num={line}"),
    )
    .await;
    let one: ListClusterEventLogsResponse = serde_json::from_value(one).expect("decodes");
    assert_eq!(one.total_num, Some(1));
    assert_eq!(one.data_list, page.data_list[4..5]);
}

#[tokio::test]
async fn the_number_of_clusters_is_bounded() {
    use hss_mock::MAX_CLUSTERS;
    for clusters in [0, MAX_CLUSTERS + 1] {
        let Err(error) = start(MockConfig {
            clusters,
            ..MockConfig::default()
        })
        .await
        else {
            panic!("{clusters} clusters must be refused");
        };
        assert!(
            error
                .to_string()
                .contains("clusters must be from 1 to 10000"),
            "{error}"
        );
    }
}
