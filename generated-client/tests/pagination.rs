//! Streams across pages: ends, order, failures, prefetch, the offset limit,
//! and a flaky server. Page sizes, the largest offset and the names of the
//! paging parameters and fields come from the spec (the generated
//! operations table), so a spec change needs no edit here.

use crate::common;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::{StreamExt, TryStreamExt};
use hss_client::prelude::*;
use hss_client::types::ClusterEventResponseInfo;
use serde_json::json;
use wiremock::matchers::{method, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn ids(items: &[ClusterEventResponseInfo]) -> Vec<String> {
    items.iter().map(|e| e.event_id.clone().unwrap()).collect()
}

/// The smallest and the largest page of ListClusterEvents.
fn sizes() -> (usize, usize) {
    let paging = common::events_paging();
    let max = paging.max_limit.expect("the spec bounds the page");
    (paging.min_limit as usize, max as usize)
}

fn expected(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("e-{i:06}")).collect()
}

async fn stream_all(total: usize, options: PageOptions) -> (Vec<String>, usize) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(common::Pages { total })
        .mount(&server)
        .await;
    let client = common::client(&server.uri());
    let items: Vec<_> = client
        .list_cluster_events()
        .stream_with(options)
        .try_collect()
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap().len();
    (ids(&items), requests)
}

#[tokio::test]
async fn zero_one_full_and_ragged() {
    let page = |size: usize| PageOptions::default().with_page_size(size as i64);
    let (min, max) = sizes();
    for (total, size, requests) in [
        (0, max, 1),
        (1, max, 1),
        (2 * max, max, 2),
        (2 * max + max / 4, max, 3),
        (3 * min, min, 3),
        (3 * min + 1, min, 4),
    ] {
        let (items, sent) = stream_all(total, page(size)).await;
        assert_eq!(items, expected(0..total), "total {total} page {size}");
        assert_eq!(sent, requests, "total {total} page {size}");
    }
}

#[tokio::test]
async fn default_page_size_is_the_largest_allowed() {
    let paging = common::events_paging();
    let (_, max) = sizes();
    assert_eq!(paging.default_page_size as usize, max);
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param(paging.limit, max.to_string()))
        .respond_with(common::Pages {
            total: max + max / 4,
        })
        .expect(2)
        .mount(&server)
        .await;
    let count = common::client(&server.uri())
        .list_cluster_events()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .len();
    assert_eq!(count, max + max / 4);
}

#[tokio::test]
async fn prefetch_keeps_order() {
    let (min, _) = sizes();
    let total = 9 * min + min / 2;
    for prefetch in [2, 4, 16] {
        let options = PageOptions::default()
            .with_page_size(min as i64)
            .with_prefetch(prefetch);
        let (items, sent) = stream_all(total, options).await;
        assert_eq!(items, expected(0..total), "prefetch {prefetch}");
        assert_eq!(sent, 10, "prefetch {prefetch}");
    }
}

#[tokio::test]
async fn filters_are_kept_on_every_page() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param("cluster_id", "c-42"))
        .respond_with(common::Pages {
            total: 2 * sizes().0 + 1,
        })
        .expect(3)
        .mount(&server)
        .await;
    let client = common::client(&server.uri());
    let items: Vec<_> = client
        .list_cluster_events()
        .cluster_id("c-42")
        .stream_with(PageOptions::default().with_page_size(sizes().0 as i64))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&items), expected(0..2 * sizes().0 + 1));
}

/// Fails the third page of the smallest size with a 404, of six.
struct FailingMiddle;

impl Respond for FailingMiddle {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let (min, _) = sizes();
        let (offset, _) = common::window(request, common::events_paging());
        if offset == 2 * min {
            ResponseTemplate::new(404).set_body_json(json!({"error_code": "HSS.404"}))
        } else {
            common::page_response(request, 6 * min)
        }
    }
}

#[tokio::test]
async fn a_failing_middle_page_is_an_error_after_all_earlier_items() {
    for prefetch in [1, 3] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(FailingMiddle)
            .mount(&server)
            .await;
        let client = common::client(&server.uri());
        let (min, _) = sizes();
        let results: Vec<_> = client
            .list_cluster_events()
            .stream_with(
                PageOptions::default()
                    .with_page_size(min as i64)
                    .with_prefetch(prefetch),
            )
            .collect()
            .await;
        assert_eq!(results.len(), 2 * min + 1, "prefetch {prefetch}");
        let items: Vec<_> = results[..2 * min]
            .iter()
            .map(|r| r.as_ref().unwrap().clone())
            .collect();
        assert_eq!(ids(&items), expected(0..2 * min));
        let error = results[2 * min].as_ref().unwrap_err();
        assert_eq!(error.status(), Some(404), "{error}");
    }
}

/// Serves pages whose total shrinks: the total says 50, data ends at 25.
struct Shrinking;

impl Respond for Shrinking {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let paging = common::events_paging();
        let (offset, limit) = common::window(request, paging);
        let items: Vec<_> = (offset..25.min(offset + limit))
            .map(common::event)
            .collect();
        ResponseTemplate::new(200).set_body_json(common::page_body(paging, Some(50), items))
    }
}

#[tokio::test]
async fn a_short_page_before_total_num_ends_with_an_error_after_every_item() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(Shrinking)
        .mount(&server)
        .await;
    let results: Vec<_> = common::client(&server.uri())
        .list_cluster_events()
        .stream_with(PageOptions::default().with_page_size(sizes().0 as i64))
        .collect()
        .await;
    assert!(
        results.last().is_some_and(Result::is_err),
        "the error comes last"
    );
    let (items, errors): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
    let items: Vec<_> = items.into_iter().map(Result::unwrap).collect();
    assert_eq!(ids(&items), expected(0..25));
    assert_eq!(errors.len(), 1, "one error item, after the items");
    let message = errors[0].as_ref().unwrap_err().to_string();
    assert!(
        message.contains("fewer than the 10 asked for") && message.contains("its total is 50"),
        "{message}"
    );
}

/// Serves pages without a total: three full pages of the smallest size and
/// a short one.
struct NoTotal;

impl Respond for NoTotal {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let paging = common::events_paging();
        let (offset, limit) = common::window(request, paging);
        let items: Vec<_> = (offset..(3 * sizes().0 + 3).min(offset + limit))
            .map(common::event)
            .collect();
        ResponseTemplate::new(200).set_body_json(common::page_body(paging, None, items))
    }
}

#[tokio::test]
async fn without_total_num_pages_go_on_until_a_short_one() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(NoTotal)
        .expect(4)
        .mount(&server)
        .await;
    let items: Vec<_> = common::client(&server.uri())
        .list_cluster_events()
        .stream_with(
            PageOptions::default()
                .with_page_size(sizes().0 as i64)
                .with_prefetch(4),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&items), expected(0..3 * sizes().0 + 3));
}

/// Reports a total beyond what the largest offset can reach.
struct Huge;

impl Respond for Huge {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let paging = common::events_paging();
        let (offset, limit) = common::window(request, paging);
        let items: Vec<_> = (offset..offset + limit).map(common::event).collect();
        // Past the end of the page that ends at the largest offset, for
        // any page size the spec allows.
        let max = paging.max_limit.unwrap_or(paging.default_page_size) as usize;
        let total = paging.max_offset as usize + 2 * max + 1;
        ResponseTemplate::new(200).set_body_json(common::page_body(paging, Some(total), items))
    }
}

#[tokio::test]
async fn a_total_beyond_the_offset_limit_ends_with_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(Huge)
        .expect(2)
        .mount(&server)
        .await;
    // Two full pages end exactly at the largest offset; the next one is
    // past it.
    let paging = common::events_paging();
    let (_, max) = sizes();
    let max_offset = paging.max_offset;
    let results: Vec<_> = common::client(&server.uri())
        .list_cluster_events()
        .stream_with(
            PageOptions::default()
                .with_start_offset(max_offset - max as i64)
                .with_prefetch(4),
        )
        .collect()
        .await;
    assert_eq!(results.len(), 2 * max + 1);
    assert!(results[..2 * max].iter().all(Result::is_ok));
    let error = results[2 * max].as_ref().unwrap_err();
    assert!(matches!(error, Error::Pagination { .. }), "{error:?}");
    let text = error.to_string();
    assert!(
        text.contains(&(max_offset + max as i64).to_string())
            && text.contains(&max_offset.to_string()),
        "{text}"
    );
    let offsets: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| common::query_int(r, paging.offset).unwrap())
        .collect();
    assert!(offsets.iter().all(|o| *o <= max_offset), "{offsets:?}");
}

#[tokio::test]
async fn an_out_of_range_page_size_sends_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(common::Pages { total: 10 })
        .expect(0)
        .mount(&server)
        .await;
    let results: Vec<_> = common::client(&server.uri())
        .list_cluster_events()
        .stream_with(PageOptions::default().with_page_size(sizes().1 as i64 + 1))
        .collect()
        .await;
    assert_eq!(results.len(), 1);
    let error = results[0].as_ref().unwrap_err();
    assert!(matches!(error, Error::InvalidInput { .. }), "{error:?}");
}

/// Answers about 30% of requests with 429 or 503, by a fixed
/// pseudo-random sequence, and serves 10,000 events otherwise.
struct Flaky {
    state: Mutex<u64>,
    failures: AtomicUsize,
}

impl Respond for Flaky {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let roll = {
            let mut state = self.state.lock().unwrap();
            *state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (*state >> 33) % 100
        };
        if roll < 15 {
            self.failures.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_json(json!({"error_code": "APIGW.0308"}))
        } else if roll < 30 {
            self.failures.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(503).set_body_string("busy")
        } else {
            common::page_response(request, 10_000)
        }
    }
}

#[tokio::test]
async fn ten_thousand_events_through_a_flaky_server_arrive_once_in_order() {
    for prefetch in [1, 4] {
        let server = MockServer::start().await;
        let flaky = Flaky {
            state: Mutex::new(42 + prefetch as u64),
            failures: AtomicUsize::new(0),
        };
        Mock::given(method("GET"))
            .respond_with(flaky)
            .mount(&server)
            .await;
        let client = common::builder(&server.uri())
            .retry_policy(common::fast_retries(RetryPolicy::default().max_attempts))
            .build()
            .unwrap();
        let items: Vec<_> = client
            .list_cluster_events()
            .stream_with(PageOptions::default().with_prefetch(prefetch))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(ids(&items), expected(0..10_000), "prefetch {prefetch}");
        let received = server.received_requests().await.unwrap();
        let pages = 10_000usize.div_ceil(common::events_paging().default_page_size as usize);
        let failed = received.len() - pages;
        eprintln!(
            "prefetch {prefetch}: {} requests, {failed} answered 429/503 ({:.0}%)",
            received.len(),
            100.0 * failed as f64 / received.len() as f64
        );
        assert!(failed > 0, "the server must actually fail some requests");
    }
}

/// Serves ListClusterEventLogs pages: two full pages of the stream's size
/// and a quarter of one.
struct LogPages;

impl LogPages {
    fn total() -> usize {
        let size = common::logs_paging().default_page_size as usize;
        2 * size + size / 4
    }
}

impl Respond for LogPages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let paging = common::logs_paging();
        let (offset, limit) = common::window(request, paging);
        let items: Vec<_> = (offset..Self::total().min(offset + limit))
            .map(|i| json!({"event_name": format!("log-{i:04}"), "line_num": i, "time": 1000 + i}))
            .collect();
        ResponseTemplate::new(200).set_body_json(common::page_body(
            paging,
            Some(Self::total()),
            items,
        ))
    }
}

#[tokio::test]
async fn event_logs_stream_with_their_filters() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param("cluster_id", "c-9"))
        .and(query_param("start_time", "1"))
        .and(query_param("end_time", "2"))
        .and(query_param(
            common::logs_paging().limit,
            common::logs_paging().default_page_size.to_string(),
        ))
        .respond_with(LogPages)
        .expect(3)
        .mount(&server)
        .await;
    let logs: Vec<_> = common::client(&server.uri())
        .list_cluster_event_logs()
        .cluster_id("c-9")
        .start_time(1_i64)
        .end_time(2_i64)
        .stream_with(PageOptions::default().with_prefetch(2))
        .try_collect()
        .await
        .unwrap();
    let names: Vec<_> = logs.iter().map(|l| l.event_name.clone().unwrap()).collect();
    let total = LogPages::total();
    let wanted: Vec<_> = (0..total).map(|i| format!("log-{i:04}")).collect();
    assert_eq!(names, wanted);
    assert_eq!(
        logs[total - 1].time_at(),
        hss_client::from_epoch_millis(1000 + total as i64 - 1)
    );
}

/// ListClusterEventLogs pages of `total` records; the page at `fail_at`
/// answers 500 every time.
struct LogTotal {
    total: usize,
    fail_at: Option<i64>,
}

impl Respond for LogTotal {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let paging = common::logs_paging();
        let (offset, limit) = common::window(request, paging);
        if Some(offset as i64) == self.fail_at {
            return ResponseTemplate::new(500).set_body_json(json!({"error_code": "HSS.500"}));
        }
        let items: Vec<_> = (offset..self.total.min(offset + limit))
            .map(|i| json!({"event_name": format!("log-{i:04}"), "line_num": i}))
            .collect();
        ResponseTemplate::new(200).set_body_json(common::page_body(paging, Some(self.total), items))
    }
}

#[tokio::test]
async fn event_logs_zero_one_full_ragged_and_a_failing_middle_page() {
    let names = |range: std::ops::Range<usize>| -> Vec<String> {
        range.map(|i| format!("log-{i:04}")).collect()
    };
    let min = common::logs_paging().min_limit as usize;
    for (total, fail_at, requests) in [
        (0, None, 1),
        (1, None, 1),
        (3 * min, None, 3),
        (3 * min + 1, None, 4),
        (4 * min + min / 2, Some(2 * min as i64), 3),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(LogTotal { total, fail_at })
            .mount(&server)
            .await;
        let client = common::builder(&server.uri())
            .retry_policy(common::fast_retries(2))
            .build()
            .unwrap();
        let results: Vec<_> = client
            .list_cluster_event_logs()
            .cluster_id("c-1")
            .start_time(1_i64)
            .end_time(2_i64)
            .stream_with(PageOptions::default().with_page_size(min as i64))
            .collect()
            .await;
        let received: Vec<String> = results
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|l| l.event_name.clone().unwrap())
            .collect();
        let sent = server.received_requests().await.unwrap();
        match fail_at {
            None => {
                assert!(results.iter().all(Result::is_ok), "total {total}");
                assert_eq!(received, names(0..total), "total {total}");
                assert_eq!(sent.len(), requests, "total {total}");
            }
            Some(offset) => {
                let offset = offset as usize;
                assert_eq!(received, names(0..offset));
                assert_eq!(results.len(), offset + 1, "one error after the items");
                let error = results[offset].as_ref().unwrap_err();
                assert_eq!(error.status(), Some(500), "{error}");
                // Two pages, then the failing one twice (two attempts).
                assert_eq!(sent.len(), 4);
            }
        }
    }
}
