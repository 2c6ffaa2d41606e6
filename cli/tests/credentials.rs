//! `hss` with the default credential chain against hss-mock's identity
//! services: an export across several rotations of the metadata service's
//! temporary keys, with no AK/SK in the environment; a profile file that
//! works as the environment does; `-v` names the source, never a secret.
//!
//! `hss` runs in a process of its own, on the system's clock; the mock's
//! identity services run on a clock that steps with each API request, so
//! that keys expire after so many requests, not after a real sub-second
//! window a stalled machine overruns.

use std::collections::BTreeMap;
use std::process::{Output, Stdio};
use std::time::Duration;

use hss_client::env::{ENV_CREDENTIALS_FILE, ENV_METADATA_ENDPOINT};
use hss_client::{Operation, RecordKey};
use hss_mock::identity::IdentityConfig;
use hss_mock::{Clock, Credentials, MockConfig, RunningMock};
use hss_tests::requests::selecting_query;
use hss_tests::service::identity_stats;
use tokio::process::Command;

use crate::common;
use common::{BIN, text};
use hss_tests::service::paged_served;

const AK: &str = "CLICHAINACCESSKEY001";
const SK: &str = "cli-chain-secret-key-do-not-print";

/// A mock of `events` records whose temporary keys live `lifetime` by
/// `clock` (the mock's when `None`), answering each request after
/// `latency`.
async fn mock(
    events: u64,
    lifetime: Duration,
    clock: Option<Clock>,
    latency: Duration,
) -> RunningMock {
    let mut config = MockConfig {
        events,
        // One cluster: the filters of `selecting_query` select every record.
        clusters: 1,
        credentials: Credentials::new().with_key_pair(AK, SK),
        identity: IdentityConfig {
            key_lifetime: lifetime,
            clock,
            ..IdentityConfig::default()
        },
        ..MockConfig::default()
    };
    config.faults.latency = latency;
    hss_mock::start(config).await.expect("the mock starts")
}

/// `hss` with nothing in its environment but the project id, pointed at
/// `mock`, without a budget (the mock has no gateway limit).
fn hss(mock: &RunningMock) -> Command {
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .env("HUAWEICLOUD_SDK_PROJECT_ID", hss_mock::DEFAULT_PROJECT_ID)
        .env("HSS_RATE_LIMIT", "off")
        .arg("--endpoint")
        .arg(mock.base_url())
        .stdin(Stdio::null());
    command
}

/// The export command of `operation`, with the filters that select every
/// record.
fn export(mock: &RunningMock, operation: Operation) -> Vec<String> {
    let paging = operation.pagination().expect("pages");
    let mut args = vec!["export".to_string(), hss_cli::app::command_name(operation)];
    for (name, value) in selecting_query(mock, operation) {
        if name == paging.offset || name == paging.limit {
            continue;
        }
        if let Some(parameter) = operation.parameter(&name) {
            args.push(format!("--{}", parameter.rust_name.replace('_', "-")));
            args.push(value);
        }
    }
    args.push("--quiet".into());
    args
}

/// The records an export wrote, by key (`x-record-key`, or the whole
/// record for records without one): every key with how often it came.
fn written(operation: Operation, output: &Output) -> BTreeMap<RecordKey, usize> {
    let mut keys = BTreeMap::new();
    for line in text(&output.stdout).lines() {
        let record: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        *keys
            .entry(RecordKey::from_json(operation, &record))
            .or_insert(0) += 1;
    }
    keys
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_signed_by_rotating_metadata_keys_completes_exactly() {
    // The identity services' clock steps 250 ms with each API request,
    // and requests come at least 250 ms apart (the mock's latency, one
    // page at a time), so it never runs ahead of the system's clock `hss`
    // judges its keys by by more than a step, while a stall moves it on by
    // nothing. Keys live 3 s of it, a rotation being six steps: whatever
    // `hss` signs with a key before the key is due arrives before it
    // expires by the mock's clock, however long any request took. A stall
    // only makes `hss` fetch keys sooner.
    let latency = Duration::from_millis(250);
    let (clock, _hand) = Clock::stepped(latency);
    let mock = mock(3_000, Duration::from_secs(3), Some(clock), latency).await;
    let operations = paged_served(&mock);
    for &operation in &operations {
        let output = hss(&mock)
            .env(ENV_METADATA_ENDPOINT, mock.base_url())
            .args(export(&mock, operation))
            .output()
            .await
            .expect("runs");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{operation}: {}",
            text(&output.stderr)
        );
        // The mock's truth: its records, each once.
        let truth = mock.truth(operation, None).expect("truth").1;
        let expected: BTreeMap<RecordKey, usize> = truth
            .iter()
            .map(|record| (RecordKey::from_json(operation, record), 1))
            .collect();
        assert_eq!(expected.len(), truth.len(), "{operation}: distinct records");
        assert!(!expected.is_empty(), "{operation}: the mock has records");
        assert!(
            written(operation, &output) == expected,
            "{operation}: the export wrote other records than the mock's, or some twice"
        );
    }
    let stats = mock.stats();
    assert_eq!(
        stats["answers"].as_object().map(|a| a.len()),
        Some(1),
        "{stats}"
    );
    let asked = identity_stats(&mock).await.expect("identity stats")["security_keys"]
        .as_u64()
        .expect("counted");
    eprintln!("{asked} keys fetched over {} exports", operations.len());
    assert!(
        asked > u64::try_from(operations.len()).expect("fits"),
        "no export fetched a key again: {asked} keys over {} exports",
        operations.len()
    );
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_file_works_as_the_environment_does_and_v_names_it() {
    let mock = mock(300, Duration::from_secs(3600), None, Duration::ZERO).await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let profile = dir.path().join("credentials");
    std::fs::write(
        &profile,
        format!(
            "[basic]\nak = {AK}\nsk = {SK}\nproject_id = {}\n",
            hss_mock::DEFAULT_PROJECT_ID
        ),
    )
    .expect("profile written");
    let args = export(&mock, paged_served(&mock)[0]);
    let from_env = hss(&mock)
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .args(&args)
        .output()
        .await
        .expect("runs");
    assert_eq!(
        from_env.status.code(),
        Some(0),
        "{}",
        text(&from_env.stderr)
    );
    let from_profile = hss(&mock)
        .env_remove("HUAWEICLOUD_SDK_PROJECT_ID")
        .env(ENV_CREDENTIALS_FILE, &profile)
        .env(ENV_METADATA_ENDPOINT, "http://127.0.0.1:9")
        .arg("-v")
        .args(&args)
        .output()
        .await
        .expect("runs");
    assert_eq!(
        from_profile.status.code(),
        Some(0),
        "{}",
        text(&from_profile.stderr)
    );
    assert_eq!(from_profile.stdout, from_env.stdout);
    let log = text(&from_profile.stderr);
    assert!(
        log.contains(&format!("the profile file {}", profile.display())),
        "{log}"
    );
    assert!(!log.contains(SK), "the secret key was logged");
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_credentials_the_error_names_every_source() {
    let mock = mock(10, Duration::from_secs(3600), None, Duration::ZERO).await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let broken = dir.path().join("credentials");
    std::fs::write(&broken, "[basic]\nak = A\n").expect("profile written");
    let args = export(&mock, paged_served(&mock)[0]);
    let output = hss(&mock)
        .env(ENV_CREDENTIALS_FILE, &broken)
        .env(ENV_METADATA_ENDPOINT, "http://127.0.0.1:9")
        .args(&args)
        .output()
        .await
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("HUAWEICLOUD_SDK_AK is not set"), "{stderr}");
    assert!(
        stderr.contains("line 1: section [basic] has ak but no sk"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the ECS metadata service at http://127.0.0.1:9"),
        "{stderr}"
    );
    mock.shutdown().await;
}
