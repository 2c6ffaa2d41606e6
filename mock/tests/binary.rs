//! The `hss-mock` command line: `--help` lists every option, and the binary
//! serves on the port it reports.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use hss_client::Operation;

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

#[tokio::test]
async fn the_binary_serves_every_operation_on_the_port_it_reports() {
    let events: u64 = 1_000_000;
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--events", &events.to_string()])
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

    // The last page of the first paginated operation.
    let operation = *Operation::ALL
        .iter()
        .find(|op| op.pagination().is_some())
        .expect("the spec has a paginated operation");
    let pagination = operation.pagination().expect("pages");
    let limit = pagination.max_limit.unwrap_or(pagination.min_limit).min(10);
    let mut query = operation.example_query().expect("some query is allowed");
    query.retain(|(name, _)| *name != pagination.offset && *name != pagination.limit);
    query.push((pagination.offset, (events - limit as u64).to_string()));
    query.push((pagination.limit, limit.to_string()));
    let path = operation
        .path()
        .replace(&format!("{{{}}}", hss_client::spec::PROJECT_ID), "p");
    let response = reqwest::Client::new()
        .get(format!("{url}{path}"))
        .query(&query)
        .header("X-Auth-Token", "bin-token")
        .send()
        .await
        .expect("answered");
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.expect("JSON");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[pagination.total], events);
    assert_eq!(
        body[pagination.items].as_array().map(Vec::len),
        Some(limit as usize)
    );
}
