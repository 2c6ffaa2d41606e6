//! Helpers shared by the integration tests: a client pointed at a local
//! server, generated event pages, and a server-side signature check.

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use hss_client::prelude::*;
use hss_client::signer::{SdkDate, SignableRequest, Signer, canonical_query, decode_query};
use hss_client::spec::Pagination;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

pub const PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";
pub const AK: &str = "AKTESTLOCAL000000001";
pub const SK: &str = "sk-local-secret-value-0000000000000001";

/// A retry policy with millisecond waits, so tests stay fast.
pub fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(attempts)
        .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
}

/// A client builder for a local test server, which has no rate limit: no
/// request budget.
pub fn builder(uri: &str) -> HssClientBuilder {
    HssClient::builder()
        .endpoint(Endpoint::parse(uri).unwrap())
        .project_id(PROJECT_ID)
        .credentials(Credentials::ak_sk(AK, SK).unwrap())
        .retry_policy(fast_retries(4))
        .budget(Budget::Off)
}

pub fn client(uri: &str) -> HssClient {
    builder(uri).build().unwrap()
}

/// A clock that moves one second forward on every reading.
pub fn ticking_clock() -> hss_client::Clock {
    let ticks = Arc::new(AtomicU64::new(0));
    Arc::new(move || {
        let n = ticks.fetch_add(1, Ordering::SeqCst);
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_316_400 + n)
    })
}

pub fn event(i: usize) -> Value {
    json!({
        "event_id": format!("e-{i:06}"),
        "cluster_id": "c-1",
        "event_type": 3009,
        "handle_status": "unhandled",
        "update_time": 1_695_094_500_000_i64 + i as i64,
    })
}

/// The query parameter `name` of a request as an integer.
pub fn query_int(request: &Request, name: &str) -> Option<i64> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.parse().ok())
}

/// Serves ListClusterEvents pages over `total` generated events.
pub struct Pages {
    pub total: usize,
}

impl Respond for Pages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        page_response(request, self.total)
    }
}

/// How ListClusterEvents pages, from the spec.
pub fn events_paging() -> &'static Pagination {
    Operation::ListClusterEvents
        .pagination()
        .expect("the spec pages ListClusterEvents")
}

/// How ListClusterEventLogs pages, from the spec.
pub fn logs_paging() -> &'static Pagination {
    Operation::ListClusterEventLogs
        .pagination()
        .expect("the spec pages ListClusterEventLogs")
}

/// The offset and limit a request of an operation paging as `paging` asks
/// for (0 and the smallest page when it sends none).
pub fn window(request: &Request, paging: &Pagination) -> (usize, usize) {
    let offset = query_int(request, paging.offset).unwrap_or(0) as usize;
    let limit = query_int(request, paging.limit).unwrap_or(paging.min_limit) as usize;
    (offset, limit)
}

/// A page body of an operation paging as `paging`: `total` and `items`
/// under the spec's names, or no total at all.
pub fn page_body(paging: &Pagination, total: Option<usize>, items: Vec<Value>) -> Value {
    let mut body = serde_json::Map::new();
    if let Some(total) = total {
        body.insert(paging.total.to_string(), json!(total));
    }
    body.insert(paging.items.to_string(), Value::Array(items));
    Value::Object(body)
}

pub fn page_response(request: &Request, total: usize) -> ResponseTemplate {
    let paging = events_paging();
    let (offset, limit) = window(request, paging);
    let items: Vec<Value> = (offset..total.min(offset + limit)).map(event).collect();
    ResponseTemplate::new(200).set_body_json(page_body(paging, Some(total), items))
}

/// Checks, as a server would, that a received request carries a valid
/// signature over the headers it names, and that its query string is the
/// canonical one. Returns the SignedHeaders list.
pub fn verify_signature(request: &Request, sk: &str) -> String {
    let authorization = request
        .headers
        .get("authorization")
        .expect("authorization header")
        .to_str()
        .unwrap()
        .to_string();
    let signed = authorization
        .split("SignedHeaders=")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .unwrap()
        .to_string();
    let names: Vec<&str> = signed.split(';').collect();
    let headers: Vec<(String, String)> = names
        .iter()
        .map(|name| {
            let value = request
                .headers
                .get(*name)
                .unwrap_or_else(|| panic!("signed header {name} not received"))
                .to_str()
                .unwrap()
                .to_string();
            (name.to_string(), value)
        })
        .collect();
    let query = decode_query(request.url.query().unwrap_or(""));
    assert_eq!(
        request.url.query().unwrap_or(""),
        canonical_query(&query),
        "the URL sent must carry the canonical query string"
    );
    let date =
        SdkDate::parse(request.headers.get("x-sdk-date").unwrap().to_str().unwrap()).unwrap();
    let ak = authorization
        .split("Access=")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .unwrap();
    let signature = Signer::new(ak, sk).sign(
        &SignableRequest {
            method: request.method.as_str(),
            path: request.url.path(),
            query: &query,
            headers: &headers,
            body: &request.body,
        },
        &date,
    );
    assert_eq!(signature.authorization(), authorization);
    signed
}
