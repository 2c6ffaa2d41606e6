//! `hss mcp` against hss-mock, through a real MCP client that no one here
//! wrote: the official Python SDK (PyPI `mcp`, pinned with its hashes in
//! `scripts/mcp-requirements.txt`), driven by `scripts/mcp_client.py`.
//! Tools, paging through the cursor on a still and a moving list, the
//! documented limit (scaled) with progress while waiting, bad input, both
//! transports, the HTTP guards, and no secret anywhere. Operations come
//! from the generated table.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::Duration;

use hss_client::{Operation, RecordKey};
use hss_mock::{Arrive, Credentials, LiveConfig, MockConfig, RunningMock};
use hss_tests::requests::selecting_filters;
use hss_tests::service::{keys, scale};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::common::{BIN, text};
use hss_tests::service::paged;

const AK: &str = "CLIMCPACCESSKEY0001";
const SK: &str = "cli-mcp-secret-key-do-not-print";

/// The window the documented limit runs in here: long enough that a call
/// waiting for the budget waits over a second (progress is sent each
/// second), short enough for a test.
const WINDOW: Duration = Duration::from_secs(3);

async fn mock(events: u64, live: LiveConfig, gateway: Option<f64>) -> RunningMock {
    hss_mock::start(MockConfig {
        events,
        clusters: 1,
        live,
        gateway_limits: gateway,
        credentials: Credentials::new().with_key_pair(AK, SK),
        ..MockConfig::default()
    })
    .await
    .expect("the mock starts")
}

fn python() -> std::path::PathBuf {
    hss_tests::venv::python("mcp", "scripts/mcp-requirements.txt", "mcp, jsonschema")
        .unwrap_or_else(|why| panic!("the MCP client is not available: {why}"))
}

/// The client script, its server `hss mcp` on stdio against `mock`.
fn client(mock: &RunningMock, hss_args: &[&str], scenario: &str, input: &Value) -> Command {
    let mut command = Command::new(python());
    command
        .env_clear()
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", hss_mock::DEFAULT_PROJECT_ID)
        .arg(hss_tests::workspace_root().join("scripts/mcp_client.py"))
        .args(["stdio", BIN, "--endpoint", &mock.base_url()])
        .args(hss_args)
        .args(["mcp", "--", scenario, &input.to_string()])
        .stdin(Stdio::null());
    command
}

/// Runs the client; its answer. No secret in anything it printed.
async fn run(mut command: Command) -> Value {
    let output = command.output().await.expect("the client runs");
    for stream in [&output.stdout, &output.stderr] {
        assert!(!text(stream).contains(SK), "the secret key was printed");
    }
    assert!(output.status.success(), "{}", text(&output.stderr));
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&output.stdout), text(&output.stderr)))
}

/// The arguments of `operation`'s tool that select the mock's records.
fn arguments(mock: &RunningMock, operation: Operation, max_records: i64) -> Value {
    let mut out = serde_json::Map::new();
    for (name, value) in selecting_filters(mock, operation, true) {
        let parameter = operation.parameter(&name).expect("a parameter");
        let value = match parameter.schema {
            hss_client::spec::Schema::Integer(_) => json!(value.parse::<i64>().expect("integer")),
            _ => json!(value),
        };
        out.insert(name, value);
    }
    out.insert("max_records".into(), json!(max_records));
    Value::Object(out)
}

/// The keys of the records a `page` scenario gathered, each asserted to
/// come once.
fn once_each(operation: Operation, paged: &Value) -> BTreeSet<RecordKey> {
    let records = paged["records"].as_array().expect("records");
    let distinct = keys(operation, records);
    assert_eq!(distinct.len(), records.len(), "{operation}: a record twice");
    distinct
}

#[tokio::test(flavor = "multi_thread")]
async fn the_tools_are_the_operations_with_valid_schemas_and_resources() {
    let mock = mock(10, LiveConfig::default(), None).await;
    let listed = run(client(&mock, &["--rate-limit", "off"], "list", &json!({}))).await;
    assert_eq!(listed["schemas_valid"], true, "{}", listed["schema_errors"]);
    let names: BTreeSet<&str> = listed["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| t["name"].as_str().expect("a name"))
        .collect();
    let expected: BTreeSet<&str> = Operation::ALL.iter().map(|op| op.method_name()).collect();
    assert_eq!(names, expected);
    for tool in listed["tools"].as_array().expect("tools") {
        assert_eq!(tool["annotations"]["readOnlyHint"], true);
        assert_eq!(tool["annotations"]["openWorldHint"], true);
        assert!(tool["outputSchema"].is_object());
        let properties = tool["inputSchema"]["properties"]
            .as_object()
            .expect("properties");
        assert!(
            !properties.contains_key(hss_client::spec::PROJECT_ID),
            "the server fills the project"
        );
    }
    let resources = listed["resources"].as_array().expect("resources");
    let operations = resources
        .iter()
        .find(|r| r["uri"] == "hss://operations")
        .expect("the table");
    for op in Operation::ALL {
        assert!(
            operations["text"]
                .as_str()
                .unwrap_or("")
                .contains(op.operation_id()),
            "{op}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn paging_through_the_cursor_gives_every_record_once() {
    // A call of one largest page each: five and a half calls' worth of
    // records, so that the last call's page is short.
    let largest = |operation: Operation| {
        let paging = operation.pagination().expect("pages");
        paging.max_limit.unwrap_or(paging.default_page_size)
    };
    let most = paged().into_iter().map(largest).max().unwrap_or(1) as u64;
    let mock = mock(5 * most + most / 2, LiveConfig::default(), None).await;
    for operation in paged() {
        let per_call = largest(operation);
        let input = json!({
            "tool": operation.method_name(),
            "arguments": arguments(&mock, operation, per_call),
        });
        let paged = run(client(&mock, &["--rate-limit", "off"], "page", &input)).await;
        assert!(
            paged.get("error").is_none(),
            "{operation}: {}",
            paged["error"]
        );
        let distinct = once_each(operation, &paged);
        let (_, truth) = mock.truth(operation, None).expect("truth");
        let expected = keys(operation, &truth);
        assert_eq!(distinct, expected, "{operation}");
        // Each call returns max_records while more remain, and the call
        // that reaches the end gives no cursor.
        let calls = (expected.len() as u64).div_ceil(per_call as u64);
        assert!(calls > 1, "{operation}: {calls} call pages nothing");
        assert_eq!(paged["calls"].as_u64(), Some(calls), "{operation}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn paging_a_moving_list_misses_nothing_present_throughout() {
    let live = LiveConfig {
        arrivals_per_sec: 50.0,
        arrive_at: Arrive::Head,
        ..LiveConfig::default()
    };
    let mock = mock(1_000, live, None).await;
    for operation in paged() {
        let before = std::time::SystemTime::now();
        let input =
            json!({"tool": operation.method_name(), "arguments": arguments(&mock, operation, 100)});
        let paged = run(client(&mock, &["--rate-limit", "off"], "page", &input)).await;
        let after = std::time::SystemTime::now();
        let distinct = once_each(operation, &paged);
        let at = |t| keys(operation, &mock.truth(operation, Some(t)).expect("truth").1);
        let throughout: BTreeSet<RecordKey> =
            at(before).intersection(&at(after)).copied().collect();
        assert!(
            !throughout.is_empty(),
            "{operation}: no record was present throughout"
        );
        let missed: Vec<_> = throughout.difference(&distinct).collect();
        assert!(
            missed.is_empty(),
            "{operation}: {} present throughout were missed",
            missed.len()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn paging_through_the_cursor_while_records_change_misses_nothing_present_throughout() {
    // Records change (and move to the head) between the calls: 2 a
    // second, on the mock's clock, which steps on 500 ms at each request
    // however long the calls take.
    let live = LiveConfig {
        changes_per_sec: 2.0,
        ..LiveConfig::default()
    };
    let operations = paged();
    assert!(!operations.is_empty(), "an operation pages");
    let (mut changed, mut throughout_all) = (0, 0);
    for operation in operations {
        let (clock, _) = hss_mock::Clock::stepped(Duration::from_millis(500));
        let mock = hss_mock::start(MockConfig {
            events: 1_000,
            clusters: 1,
            live,
            clock,
            credentials: Credentials::new().with_key_pair(AK, SK),
            ..MockConfig::default()
        })
        .await
        .expect("the mock starts");
        let now = |mock: &RunningMock| -> std::collections::BTreeMap<RecordKey, Value> {
            let truth = mock.truth(operation, None).expect("truth").1;
            truth
                .into_iter()
                .map(|record| (RecordKey::from_json(operation, &record), record))
                .collect()
        };
        let first = now(&mock);
        let input =
            json!({"tool": operation.method_name(), "arguments": arguments(&mock, operation, 100)});
        let paged = run(client(&mock, &["--rate-limit", "off"], "page", &input)).await;
        let last = now(&mock);
        assert!(
            paged.get("error").is_none(),
            "{operation}: {}",
            paged["error"]
        );
        let distinct = once_each(operation, &paged);
        let throughout: Vec<&RecordKey> = first.keys().filter(|k| last.contains_key(*k)).collect();
        assert!(
            !throughout.is_empty(),
            "{operation}: no record was present throughout"
        );
        let missed = throughout
            .iter()
            .filter(|k| !distinct.contains(**k))
            .count();
        assert_eq!(
            missed,
            0,
            "{operation}: missed {missed} of the {} records present throughout",
            throughout.len()
        );
        throughout_all += throughout.len();
        changed += throughout
            .iter()
            .filter(|k| first[**k] != last[**k])
            .count();
    }
    assert!(throughout_all > 0, "no record was present throughout");
    assert!(
        changed > 0,
        "no record present throughout changed: the case tests nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_calls_keep_to_the_documented_limit_and_report_their_wait() {
    let limited: Vec<Operation> = paged()
        .into_iter()
        .filter(|op| op.rate_limit().is_some())
        .collect();
    assert!(!limited.is_empty(), "no paginated operation has a limit");
    for operation in limited {
        let limit = operation.rate_limit().expect("limited");
        let mock = mock(2_000, LiveConfig::default(), Some(scale(operation, WINDOW))).await;
        let budget = format!("{}/{}ms", limit.calls(), WINDOW.as_millis());
        let input = json!({
            "tool": operation.method_name(),
            "arguments": arguments(&mock, operation, operation.pagination().expect("pages").min_limit),
            "count": 10,
        });
        let answer = run(client(&mock, &["--rate-limit", &budget], "calls", &input)).await;
        for result in answer["results"].as_array().expect("results") {
            assert_ne!(result["isError"], true, "{operation}: {result}");
        }
        let stats = mock.stats();
        assert_eq!(
            stats["answers"]["429"].as_u64().unwrap_or(0),
            0,
            "{operation}: {stats}"
        );
        assert_eq!(
            stats["total"].as_u64(),
            Some(10),
            "{operation}: one request a call"
        );
        let waiting = answer["progress"]
            .as_array()
            .expect("progress")
            .iter()
            .filter(|p| {
                p["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("waiting for the request budget"))
            })
            .count();
        assert!(
            waiting > 0,
            "{operation}: no progress while waiting: {}",
            answer["progress"]
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_names_the_parameter_and_sends_nothing() {
    let mock = mock(10, LiveConfig::default(), None).await;
    for operation in paged() {
        let (low, high) = hss_cli::mcp::tools::max_records_bounds(operation);
        let mut cases = vec![
            (json!({"max_records": high + 1}), "max_records".to_string()),
            (
                json!({"no_such_argument": 1}),
                "no_such_argument".to_string(),
            ),
            (
                json!({"max_records": low, "cursor": "not-a-cursor"}),
                "cursor".to_string(),
            ),
        ];
        if let Some(window) = operation.time_window() {
            let mut args = arguments(&mock, operation, low);
            args[window.start] = json!(2);
            args[window.end] = json!(1);
            cases.push((args, window.start.to_string()));
        }
        for (arguments, named) in cases {
            let input = json!({"tool": operation.method_name(), "arguments": arguments});
            let answer = run(client(&mock, &["--rate-limit", "off"], "call", &input)).await;
            assert_eq!(answer["isError"], true, "{operation} {named}: {answer}");
            let said = answer["content"][0]["text"].as_str().unwrap_or("");
            assert!(said.contains(&named), "{operation}: {said}");
        }
    }
    assert_eq!(mock.stats()["total"].as_u64(), Some(0), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn streamable_http_serves_and_refuses_foreign_origins_and_missing_tokens() {
    let mock = mock(300, LiveConfig::default(), None).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "test-token-1234\n").expect("token");
    let mut server = crate::common::hss(&mock, AK, SK)
        .args([
            "--rate-limit",
            "off",
            "mcp",
            "--listen",
            "127.0.0.1:0",
            "--token-file",
        ])
        .arg(&token_file)
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("hss mcp starts");
    let mut lines = BufReader::new(server.stderr.take().expect("stderr")).lines();
    let url = loop {
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the address in time")
            .expect("stderr")
            .expect("a line");
        if let Some(url) = line.strip_prefix("hss mcp listening on ") {
            break url.to_string();
        }
    };
    let operation = paged()[0];
    let input =
        json!({"tool": operation.method_name(), "arguments": arguments(&mock, operation, 100)});
    let output = Command::new(python())
        .arg(hss_tests::workspace_root().join("scripts/mcp_client.py"))
        .args([
            "http",
            &url,
            "test-token-1234",
            "--",
            "page",
            &input.to_string(),
        ])
        .output()
        .await
        .expect("the client runs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let paged: Value = serde_json::from_slice(&output.stdout).expect("json");
    let (_, truth) = mock.truth(operation, None).expect("truth");
    assert_eq!(paged["records"].as_array().map(Vec::len), Some(truth.len()));
    let http = reqwest::Client::new();
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let post = |token: Option<&str>, origin: Option<&str>| {
        let mut request = http
            .post(&url)
            .header("Accept", "application/json, text/event-stream")
            .json(&initialize);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        request.send()
    };
    assert_eq!(post(None, None).await.expect("answered").status(), 401);
    assert_eq!(
        post(Some("wrong-token-0000"), None)
            .await
            .expect("answered")
            .status(),
        401
    );
    let foreign = post(Some("test-token-1234"), Some("https://evil.example"))
        .await
        .expect("answered");
    assert_eq!(foreign.status(), 403);
    let local = post(Some("test-token-1234"), Some("http://localhost:3000"))
        .await
        .expect("answered");
    assert!(local.status().is_success(), "{}", local.status());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_error_names_its_code_and_request_id() {
    let mock = mock(10, LiveConfig::default(), None).await;
    let operation = paged()[0];
    let input =
        json!({"tool": operation.method_name(), "arguments": arguments(&mock, operation, 10)});
    let wrong = "not-the-secret-key-00000000000000";
    let mut command = client(&mock, &["--rate-limit", "off"], "call", &input);
    command.env("HUAWEICLOUD_SDK_SK", wrong);
    let output = command.output().await.expect("the client runs");
    for stream in [&output.stdout, &output.stderr] {
        assert!(!text(stream).contains(wrong), "the secret key was printed");
    }
    let answer: Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(answer["isError"], true, "{answer}");
    let said = answer["content"][0]["text"].as_str().unwrap_or("");
    assert!(
        said.contains("HTTP 401") && said.contains("request id"),
        "{said}"
    );
}
