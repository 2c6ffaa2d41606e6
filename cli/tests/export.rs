//! `hss` against hss-mock: one call, every export format, resume after
//! `kill -9`, refused checkpoints, exit statuses, no secret in any output,
//! and the progress bar in a real terminal. Operations, their parameters
//! and paging come from the generated operations table.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use hss_client::spec::PROJECT_ID;
use hss_client::{Operation, RecordKey};
use hss_mock::{Clock, Credentials, FaultConfig, LiveConfig, MockConfig, RunningMock};
use hss_tests::requests::{selected_records, selecting_query};
use tokio::process::Command;

use crate::common;
use common::{BIN, text};
const AK: &str = "CLITESTACCESSKEY";
const SK: &str = "cli-test-secret-key-do-not-print";

async fn mock(events: u64, latency: Duration) -> RunningMock {
    mock_with(events, |faults| faults.latency = latency).await
}

/// A mock of `events` records accepting [`AK`]/[`SK`], with the faults
/// `faults` sets.
async fn mock_with(events: u64, faults: impl FnOnce(&mut FaultConfig)) -> RunningMock {
    let mut config = MockConfig {
        events,
        credentials: Credentials::new().with_key_pair(AK, SK),
        ..MockConfig::default()
    };
    faults(&mut config.faults);
    hss_mock::start(config).await.expect("the mock starts")
}

fn hss(mock: &RunningMock) -> Command {
    let mut command = common::hss(mock, AK, SK);
    // These mocks have no rate limit of the gateway's.
    command.env("HSS_RATE_LIMIT", "off");
    command
}

/// Every paginated operation with its command name and flags: every
/// required filter at the value of the mock's first record (the widest
/// time window), so that the query selects records; the paging
/// parameters are left to the export.
fn paginated(mock: &RunningMock) -> Vec<(Operation, String, Vec<String>)> {
    let mut out = Vec::new();
    for &op in Operation::ALL {
        let Some(paging) = op.pagination() else {
            continue;
        };
        if mock.records(op).is_none() {
            continue;
        }
        let query = selecting_query(mock, op);
        let mut flags = Vec::new();
        for (name, value) in query {
            if name == paging.offset || name == paging.limit {
                continue;
            }
            let Some(parameter) = op.parameter(&name) else {
                continue;
            };
            flags.push(format!("--{}", parameter.rust_name.replace('_', "-")));
            flags.push(value);
        }
        out.push((op, hss_cli::app::command_name(op), flags));
    }
    out
}

fn assert_no_secret(output: &Output) {
    for stream in [&output.stdout, &output.stderr] {
        assert!(!text(stream).contains(SK), "the secret key was printed");
    }
}

/// The total of an operation's records, as one call reports it.
async fn total(mock: &RunningMock, op: Operation, name: &str, flags: &[String]) -> u64 {
    let output = hss(mock)
        .arg(name)
        .args(flags)
        .output()
        .await
        .expect("runs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_no_secret(&output);
    let body: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one JSON page");
    let paging = op.pagination().expect("pages");
    body[paging.total].as_u64().expect("a total")
}

/// The text of a record's field in a CSV or table cell, as the formats
/// say: a string as it is, any other value as JSON, nothing for a missing
/// field or null.
fn cell_text(record: &serde_json::Value, path: &[&str]) -> String {
    let value = path.iter().try_fold(record, |value, key| value.get(key));
    match value {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

/// The cells of a table's row, cut where the rule under its header
/// (dashes, two spaces between columns) says; a cell that ends in `…` was
/// cut to fit.
fn table_cells(rule: &str, row: &str) -> Vec<String> {
    let row: Vec<char> = row.chars().collect();
    let mut cells = Vec::new();
    let mut start = 0;
    for (index, width) in rule
        .split("  ")
        .map(|dashes| dashes.chars().count())
        .enumerate()
    {
        let end = if index + 1 == rule.split("  ").count() {
            row.len()
        } else {
            (start + width).min(row.len())
        };
        let cell: String = row[start.min(row.len())..end].iter().collect();
        cells.push(cell.trim_end().to_string());
        start = end + 2;
    }
    cells
}

#[tokio::test(flavor = "multi_thread")]
async fn every_format_writes_every_record_once() {
    let mock = mock(1_234, Duration::ZERO).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let operations = paginated(&mock);
    assert!(!operations.is_empty());
    for (op, name, flags) in operations {
        // The mock's records for the query, in list order: what every
        // format must hold, each record once.
        let expected = selected_records(&mock, op, &selecting_query(&mock, op));
        let reported = total(&mock, op, &name, &flags).await as usize;
        let total = expected.len();
        assert!(total > 0, "{name}: the mock serves no records");
        assert_eq!(reported, total, "{name}: the total the service reports");
        let expected_keys: Vec<RecordKey> = expected
            .iter()
            .map(|record| RecordKey::from_json(op, record))
            .collect();
        let distinct: HashSet<&RecordKey> = expected_keys.iter().collect();
        assert_eq!(distinct.len(), total, "{name}: the mock's keys are unique");
        let key_fields = op.pagination().expect("pages").record_key;
        let columns = hss_cli::format::columns(op);
        let min = op
            .pagination()
            .map(|p| p.min_limit)
            .unwrap_or(1)
            .to_string();
        let mut lines_by_format = Vec::new();
        for format in ["ndjson", "json", "csv", "table"] {
            let file = dir.path().join(format!("{name}.{format}"));
            let output = hss(&mock)
                .args(["export", &name])
                .args(&flags)
                .args([
                    "--format",
                    format,
                    "--page-size",
                    &min,
                    "--prefetch",
                    "4",
                    "--output",
                ])
                .arg(&file)
                .env("COLUMNS", "100")
                .output()
                .await
                .expect("runs");
            assert!(
                output.status.success(),
                "{name} {format}: {}",
                text(&output.stderr)
            );
            assert_eq!(
                text(&output.stderr),
                "",
                "{name} {format}: stderr is piped, so quiet"
            );
            let written = std::fs::read_to_string(&file).expect("written");
            lines_by_format.push((format, written));
        }
        for (format, written) in &lines_by_format {
            match *format {
                "ndjson" => {
                    let keys: Vec<RecordKey> = written
                        .lines()
                        .map(|line| {
                            let record = serde_json::from_str(line).expect("a JSON line");
                            RecordKey::from_json(op, &record)
                        })
                        .collect();
                    assert_eq!(keys, expected_keys, "{name} ndjson: the mock's records");
                }
                "json" => {
                    let array: Vec<serde_json::Value> =
                        serde_json::from_str(written).expect("one JSON array");
                    let keys: Vec<RecordKey> = array
                        .iter()
                        .map(|record| RecordKey::from_json(op, record))
                        .collect();
                    assert_eq!(keys, expected_keys, "{name} json: the mock's records");
                }
                "csv" => {
                    let mut reader = csv::Reader::from_reader(written.as_bytes());
                    let header = reader.headers().expect("a header").clone();
                    assert_eq!(header.len(), columns.len(), "{name}: one column per field");
                    assert!(header.iter().any(|h| h.contains('.')) || !has_nested(op));
                    // The key fields' cells of each row, against the
                    // mock's records.
                    let at: Vec<usize> = key_fields
                        .iter()
                        .map(|field| {
                            header.iter().position(|h| h == *field).unwrap_or_else(|| {
                                panic!("{name}: no column of the key field {field}")
                            })
                        })
                        .collect();
                    let rows: Vec<Vec<String>> = reader
                        .records()
                        .map(|row| {
                            let row = row.expect("a CSV row");
                            at.iter().map(|i| row[*i].to_string()).collect()
                        })
                        .collect();
                    let want: Vec<Vec<String>> = expected
                        .iter()
                        .map(|record| {
                            key_fields
                                .iter()
                                .map(|field| cell_text(record, &[field]))
                                .collect()
                        })
                        .collect();
                    assert_eq!(rows, want, "{name} csv: the mock's records' keys");
                }
                _ => {
                    let lines: Vec<&str> = written.lines().collect();
                    assert_eq!(lines.len(), total + 2, "{name}: header, rule and rows");
                    for line in &lines {
                        assert!(
                            line.chars().count() <= 100,
                            "{name}: wider than 100: {line}"
                        );
                    }
                    // A table shows the first columns, cut to fit: each
                    // row's cells are the mock's record's, in list order.
                    for (row, record) in lines[2..].iter().zip(&expected) {
                        let cells = table_cells(lines[1], row);
                        assert!(!cells.is_empty(), "{name}: a row with no cell");
                        for (cell, path) in cells.iter().zip(&columns) {
                            let want = cell_text(record, path).replace(['\n', '\t', '\r'], " ");
                            let shown = match cell.strip_suffix('…') {
                                Some(cut) => want.starts_with(cut),
                                None => *cell == want.trim_end(),
                            };
                            assert!(
                                shown,
                                "{name} table: {} shows {cell:?}, the mock's record has {want:?}",
                                path.join(".")
                            );
                        }
                    }
                }
            }
        }
    }
    mock.shutdown().await;
}

fn has_nested(op: Operation) -> bool {
    hss_cli::format::columns(op).iter().any(|c| c.len() > 1)
}

async fn wait_for(path: &Path) {
    for _ in 0..600 {
        if path.exists() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{} never appeared", path.display());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_killed_with_sigkill_resumes_with_every_record_once() {
    let mock = mock(3_000, Duration::from_millis(20)).await;
    let (op, name, flags) = paginated(&mock)
        .into_iter()
        .next()
        .expect("a paginated operation");
    let total = total(&mock, op, &name, &flags).await as usize;
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out.ndjson");
    let checkpoint = dir.path().join("export.checkpoint");
    let min = op
        .pagination()
        .map(|p| p.min_limit)
        .unwrap_or(1)
        .to_string();
    let run = || {
        let mut command = hss(&mock);
        command
            .args(["export", &name])
            .args(&flags)
            .args(["--page-size", &min, "--output"])
            .arg(&out)
            .arg("--checkpoint")
            .arg(&checkpoint);
        command
    };
    let mut child = run()
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawns");
    wait_for(&checkpoint).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    child.start_kill().expect("kill -9");
    let status = child.wait().await.expect("waits");
    assert!(!status.success(), "the export ended before it was killed");
    let partial = std::fs::read_to_string(&out)
        .unwrap_or_default()
        .lines()
        .count();
    assert!(partial < total, "killed too late: {partial} of {total}");

    let output = run().output().await.expect("reruns");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let written = std::fs::read_to_string(&out).expect("written");
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), total, "every record, none twice");
    let distinct: HashSet<&&str> = lines.iter().collect();
    assert_eq!(distinct.len(), total);
    for line in &lines {
        serde_json::from_str::<serde_json::Value>(line).expect("whole JSON lines");
    }
    assert!(
        !checkpoint.exists(),
        "a finished export removes its checkpoint"
    );
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_checkpoint_of_other_filters_is_refused() {
    let mock = mock(500, Duration::ZERO).await;
    let (op, name, flags) = paginated(&mock)
        .into_iter()
        .next()
        .expect("a paginated operation");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out.ndjson");
    let checkpoint = dir.path().join("export.checkpoint");
    let identity = hss_cli::checkpoint::Identity {
        operation: op.operation_id(),
        arguments: vec![("some_other_filter", "x")],
        format: "ndjson",
        output: Some(std::path::absolute(&out).expect("absolute")),
        rejects: None,
    };
    hss_cli::checkpoint::Checkpoint::start(&identity)
        .save(&checkpoint)
        .expect("saved");
    let output = hss(&mock)
        .args(["export", &name])
        .args(&flags)
        .arg("--output")
        .arg(&out)
        .arg("--checkpoint")
        .arg(&checkpoint)
        .output()
        .await
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("belongs to another export"));
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_statuses_name_the_problem_and_print_no_secret() {
    let mock = mock(100, Duration::ZERO).await;
    let (op, name, flags) = paginated(&mock)
        .into_iter()
        .next()
        .expect("a paginated operation");
    let paging = op.pagination().expect("pages");
    let limit = op.parameter(paging.limit).expect("a limit");
    // Above the largest page: refused before sending, status 2.
    let too_big = paging
        .max_limit
        .map(|m| m + 1)
        .unwrap_or(i64::from(i32::MAX));
    let output = hss(&mock)
        .arg(&name)
        .args(&flags)
        .arg(format!("--{}", limit.rust_name.replace('_', "-")))
        .arg(too_big.to_string())
        .output()
        .await
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(op.operation_id()) && stderr.contains(paging.limit),
        "{stderr}"
    );
    assert_no_secret(&output);

    // A wrong secret key: the service refuses, status 3, one line naming
    // the operation and the request id.
    let output = hss(&mock)
        .env("HUAWEICLOUD_SDK_SK", "a-wrong-secret-key")
        .args(["export", &name])
        .args(&flags)
        .output()
        .await
        .expect("runs");
    assert_eq!(output.status.code(), Some(3));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(op.operation_id()), "{stderr}");
    assert!(stderr.contains("request id"), "{stderr}");
    assert!(!stderr.contains("a-wrong-secret-key"));

    // No credentials at all: a configuration error, status 2.
    let output = hss(&mock)
        .env_remove("HUAWEICLOUD_SDK_AK")
        .arg(&name)
        .args(&flags)
        .output()
        .await
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("HUAWEICLOUD_SDK_AK"));
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn help_lists_every_operation_and_globals_go_anywhere() {
    let output = std::process::Command::new(BIN)
        .arg("--help")
        .output()
        .expect("runs");
    assert!(output.status.success());
    let help = text(&output.stdout);
    for op in Operation::ALL {
        assert!(
            help.contains(&hss_cli::app::command_name(*op)),
            "{op} missing from --help"
        );
    }
    let mock = mock(50, Duration::ZERO).await;
    let (op, name, flags) = paginated(&mock)
        .into_iter()
        .next()
        .expect("a paginated operation");
    // The project id and endpoint after the command, none in the
    // environment.
    let output = Command::new(BIN)
        .env_clear()
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .arg(&name)
        .args(&flags)
        .arg("--endpoint")
        .arg(mock.base_url())
        .arg(format!("--{}", PROJECT_ID.replace('_', "-")))
        .arg(hss_mock::DEFAULT_PROJECT_ID)
        .output()
        .await
        .expect("runs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let body: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert!(body.get(op.pagination().expect("pages").items).is_some());
    mock.shutdown().await;
}

/// The progress bar shows in a terminal (`script` gives the command one)
/// and not in a pipe (the tests above check an empty stderr).
#[tokio::test(flavor = "multi_thread")]
async fn the_progress_bar_shows_in_a_terminal() {
    // `script` (util-linux; on Debian in bsdutils, which every system
    // has) runs the command in a terminal. Nothing else can show the bar,
    // so without it the test fails and says why.
    let script = std::process::Command::new("script")
        .arg("--version")
        .output();
    assert!(
        script.as_ref().is_ok_and(|out| out.status.success()),
        "the `script` command of util-linux is needed to give hss a terminal \
         (apt-get install bsdutils): {script:?}"
    );
    let mock = mock(2_000, Duration::from_millis(5)).await;
    let (_, name, flags) = paginated(&mock)
        .into_iter()
        .next()
        .expect("a paginated operation");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out.ndjson");
    let mut line = format!(
        "{BIN} --endpoint {} export {name} --output {}",
        mock.base_url(),
        out.display()
    );
    for flag in &flags {
        line.push_str(&format!(" '{flag}'"));
    }
    let output = Command::new("script")
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", hss_mock::DEFAULT_PROJECT_ID)
        .env("HSS_RATE_LIMIT", "off")
        .output()
        .await
        .expect("script runs");
    assert!(output.status.success(), "{}", text(&output.stdout));
    let terminal = text(&output.stdout);
    assert!(
        terminal.contains("records"),
        "no progress bar: {terminal:?}"
    );
    assert!(
        terminal.contains("/2000") || terminal.contains("/2,000"),
        "{terminal:?}"
    );
    // The rate is rounded: no long fraction before "/s".
    let rates: Vec<&str> = terminal
        .split("/s")
        .filter_map(|before| before.rsplit(' ').next())
        .filter(|rate| rate.contains('.'))
        .filter(|rate| rate.split('.').nth(1).is_some_and(|f| f.len() > 1))
        .collect();
    assert!(rates.is_empty(), "rates not rounded: {rates:?}");
    assert!(!terminal.contains(SK));
    // --quiet: nothing.
    let output = Command::new("script")
        .args(["-q", "-e", "-c", &format!("{line} --quiet"), "/dev/null"])
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", hss_mock::DEFAULT_PROJECT_ID)
        .env("HSS_RATE_LIMIT", "off")
        .env("HSS_RATE_LIMIT", "off")
        .output()
        .await
        .expect("script runs");
    assert!(output.status.success());
    assert!(
        !text(&output.stdout).contains("records"),
        "{:?}",
        text(&output.stdout)
    );
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_that_breaks_its_schema_costs_only_itself() {
    let every = 97u64;
    let mock = mock_with(1_000, |faults| faults.bad_record_every = every).await;
    let (op, name, flags) = paginated(&mock)
        .into_iter()
        .next()
        .expect("a paginated operation");
    let total = total(&mock, op, &name, &flags).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out.ndjson");
    let rejects = dir.path().join("rejects.ndjson");
    let output = hss(&mock)
        .args(["export", &name])
        .args(&flags)
        .args(["--prefetch", "3", "--output"])
        .arg(&out)
        .arg("--rejects")
        .arg(&rejects)
        .output()
        .await
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let bad = total / every;
    assert!(bad > 0);
    let written = std::fs::read_to_string(&out).expect("output");
    assert_eq!(written.lines().count() as u64, total - bad);
    let rejected = std::fs::read_to_string(&rejects).expect("rejects");
    let positions: Vec<u64> = rejected
        .lines()
        .map(|line| {
            let reject: serde_json::Value = serde_json::from_str(line).expect("JSON");
            assert!(
                reject["record"].is_object(),
                "the raw record is kept: {line}"
            );
            assert!(reject["error"].as_str().is_some_and(|e| !e.is_empty()));
            reject["position"].as_u64().expect("a position")
        })
        .collect();
    let expected: Vec<u64> = (0..total).filter(|p| p % every == every - 1).collect();
    assert_eq!(positions, expected, "exactly the broken records, in order");
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn auto_prefetch_under_a_rate_limit_gets_every_record() {
    let mock = mock_with(600, |faults| {
        faults.rate_limit = 20.0;
        faults.latency = Duration::from_millis(10);
    })
    .await;
    let (op, name, flags) = paginated(&mock)
        .into_iter()
        .next()
        .expect("a paginated operation");
    let total = total(&mock, op, &name, &flags).await as usize;
    let min = op
        .pagination()
        .map(|p| p.min_limit)
        .unwrap_or(1)
        .to_string();
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out.ndjson");
    let output = hss(&mock)
        .args(["export", &name])
        .args(&flags)
        .args(["--prefetch", "auto", "--page-size", &min, "--output"])
        .arg(&out)
        .output()
        .await
        .expect("runs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let written = std::fs::read_to_string(&out).expect("output");
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), total, "every record");
    let distinct: HashSet<&&str> = lines.iter().collect();
    assert_eq!(distinct.len(), total, "none twice");
    let expected = selected_records(&mock, op, &selecting_query(&mock, op));
    assert_eq!(total, expected.len(), "the mock's records");
    let stats = mock.stats();
    let ok = stats["answers"]["200"].as_u64().unwrap_or(0);
    // Pages of the smallest size the spec allows, over the mock's records.
    let page_size = op.pagination().expect("pages").min_limit.max(1) as usize;
    let pages = expected.len().div_ceil(page_size);
    // The call that read the total, then every page answered 200 exactly
    // once: a 429 costs a retry, never a page read twice.
    assert_eq!(ok as usize, 1 + pages, "{stats}");
    eprintln!("auto under --rate-limit 20: {stats}");
    mock.shutdown().await;
}

/// The mock's records of `operation` now, by key.
fn records_now(
    mock: &RunningMock,
    operation: Operation,
) -> std::collections::BTreeMap<RecordKey, serde_json::Value> {
    let truth = mock.truth(operation, None).expect("truth").1;
    truth
        .into_iter()
        .map(|record| (RecordKey::from_json(operation, &record), record))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_of_a_list_whose_records_change_writes_every_record_present_throughout_once() {
    // An alarm list being handled: records change, and move to the head,
    // five times as fast as new ones arrive. The list moves on the mock's
    // clock, 30 ms at each request, however long the export takes.
    let live = LiveConfig {
        arrivals_per_sec: 20.0,
        changes_per_sec: 100.0,
        ..LiveConfig::default()
    };
    let (mut changed, mut throughout_all) = (0, 0);
    let operations = hss_tests::service::paged();
    for operation in operations {
        let (clock, _) = Clock::stepped(Duration::from_millis(30));
        let mock = hss_mock::start(MockConfig {
            events: 1_000,
            // One cluster: the filters select every record.
            clusters: 1,
            live,
            clock,
            credentials: Credentials::new().with_key_pair(AK, SK),
            ..MockConfig::default()
        })
        .await
        .expect("the mock starts");
        let (_, name, flags) = paginated(&mock)
            .into_iter()
            .find(|(op, _, _)| *op == operation)
            .expect("the mock serves it");
        let paging = operation.pagination().expect("pages");
        let size = paging
            .min_limit
            .max(100)
            .min(paging.default_page_size)
            .to_string();
        let first = records_now(&mock, operation);
        let output = hss(&mock)
            .args(["export", &name])
            .args(&flags)
            .args(["--page-size", &size, "--quiet"])
            .output()
            .await
            .expect("runs");
        let last = records_now(&mock, operation);
        assert!(output.status.success(), "{name}: {}", text(&output.stderr));
        let mut written = HashSet::new();
        for line in text(&output.stdout).lines() {
            let record: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            let key = RecordKey::from_json(operation, &record);
            assert!(written.insert(key), "{name}: {key} written twice");
        }
        let throughout: Vec<&RecordKey> = first.keys().filter(|k| last.contains_key(*k)).collect();
        assert!(
            !throughout.is_empty(),
            "{name}: no record was present throughout"
        );
        let missed = throughout.iter().filter(|k| !written.contains(**k)).count();
        assert_eq!(
            missed,
            0,
            "{name}: missed {missed} of the {} records present throughout",
            throughout.len()
        );
        throughout_all += throughout.len();
        changed += throughout
            .iter()
            .filter(|k| first[**k] != last[**k])
            .count();
        mock.shutdown().await;
    }
    assert!(throughout_all > 0, "no record was present throughout");
    assert!(
        changed > 0,
        "no record present throughout changed: the case tests nothing"
    );
}
