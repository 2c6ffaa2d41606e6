//! The `hss-mock` command line: `--help` lists every option, and the binary
//! serves on the port it reports.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use hss_client::Operation;
use hss_mock::{Credentials as MockCredentials, MockConfig, start};
use hss_tests::requests::{selecting_query, with};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_hss-mock");

#[test]
fn help_lists_every_option() {
    let output = Command::new(BIN).arg("--help").output().expect("runs");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for option in [
        "--host",
        "--port",
        "--events",
        "--seed",
        "--clusters",
        "--project-id",
        "--key-pair",
        "--token",
        "--max-clock-skew",
        "--throttle-rate",
        "--retry-after",
        "--server-error-rate",
        "--server-error-status",
        "--reset-rate",
        "--truncate-rate",
        "--latency-ms",
        "--fault-seed",
        "--rate-limit",
        "--bad-record-every",
    ] {
        assert!(help.contains(option), "--help does not mention {option}");
    }
}

#[test]
fn bad_settings_are_refused_with_a_message() {
    let output = Command::new(BIN)
        .args(["--port", "0", "--reset-rate", "1.5"])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains("reset rate must be between 0 and 1"),
        "{error}"
    );
    let output = Command::new(BIN)
        .args(["--port", "0", "--rate-limit=-2"])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("rate limit must be"), "{error}");
}

/// The body of a GET of `url` with `query` and the token, with its status.
async fn answer(url: &str, query: &[(String, String)], token: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(url)
        .query(query)
        .header("X-Auth-Token", token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url}: no answer: {e}"));
    let status = response.status().as_u16();
    let body = response
        .json()
        .await
        .unwrap_or_else(|e| panic!("{url}: no JSON: {e}"));
    (status, body)
}

/// `query` with the paging parameters of `operation` set to `offset` and
/// `limit` (no change for an operation that does not page).
fn at(
    operation: Operation,
    query: &[(String, String)],
    offset: i64,
    limit: i64,
) -> Vec<(String, String)> {
    match operation.pagination() {
        Some(paging) => with(
            &with(query, paging.offset, &offset.to_string()),
            paging.limit,
            &limit.to_string(),
        ),
        None => query.to_vec(),
    }
}

#[tokio::test]
async fn the_binary_serves_every_operation_on_the_port_it_reports() {
    let events: u64 = 1_000_000;
    let mut child = Command::new(BIN)
        .args([
            "--port",
            "0",
            "--events",
            &events.to_string(),
            "--seed",
            "1",
        ])
        .args(["--token", "bin-token"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("first line");
    let url = line
        .strip_prefix("hss-mock listening on ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    // Then one line per operation of the spec, in its order.
    for operation in Operation::ALL {
        let mut line = String::new();
        stdout.read_line(&mut line).expect("operation line");
        let expected = format!(
            "{} {} ({operation}): ",
            operation.http_method(),
            operation.path()
        );
        assert!(line.trim_start().starts_with(&expected), "{line:?}");
    }

    // The library's mock with the same settings is the reference: every
    // operation's first and last page from the binary are the same as its.
    let twin = start(MockConfig {
        events,
        seed: 1,
        credentials: MockCredentials::new().with_token("twin-token"),
        ..MockConfig::default()
    })
    .await
    .expect("the library's mock starts");
    let mut served = 0;
    for &operation in Operation::ALL {
        let twin_url = twin.url_of(operation);
        let path = twin_url
            .strip_prefix(&twin.base_url())
            .expect("the twin's URL is under its base");
        let binary_url = format!("{url}{path}");
        let query = selecting_query(&twin, operation);
        let limit = operation
            .pagination()
            .map_or(0, |p| p.max_limit.unwrap_or(p.min_limit).min(10));
        let first = at(operation, &query, 0, limit);
        let (status, body) = answer(&binary_url, &first, "bin-token").await;
        assert_eq!(status, 200, "{operation}: {body}");
        assert_eq!(
            body,
            answer(&twin_url, &first, "twin-token").await.1,
            "{operation}: first page"
        );
        if let Some(paging) = operation.pagination() {
            let total = body[paging.total]
                .as_i64()
                .unwrap_or_else(|| panic!("{operation}: no total: {body}"));
            assert!(
                total > limit,
                "{operation}: {total} records selected, too few to page"
            );
            let last = at(
                operation,
                &query,
                (total - limit).min(paging.max_offset),
                limit,
            );
            let (status, body) = answer(&binary_url, &last, "bin-token").await;
            assert_eq!(status, 200, "{operation}: {body}");
            assert_eq!(
                body[paging.items].as_array().map(Vec::len),
                Some(limit as usize),
                "{operation}: {body}"
            );
            assert_eq!(
                body,
                answer(&twin_url, &last, "twin-token").await.1,
                "{operation}: last page"
            );
        }
        served += 1;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(served > 0, "the spec has no operation: nothing was checked");
}
