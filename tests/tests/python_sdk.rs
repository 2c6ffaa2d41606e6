//! An outside signer: the official Huawei Cloud Python SDK, pinned with its
//! hashes in `bench/python-sdk-requirements.txt` and installed on first use
//! into `target/venvs/hss-sdk`, asks hss-mock for a page of every
//! paginated operation the SDK has (`scripts/hss_sdk_page.py`; one the SDK
//! does not have, made up or not yet in it, is said on stderr, and at least
//! one must be checked). The mock checks
//! signatures with code the client shares, so a bug they share passes
//! every other AK/SK test; here the mock must accept the SDK's signature
//! and refuse it made with a wrong secret key.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

use hss_client::Operation;
use hss_mock::{Credentials, LiveConfig, MockConfig, RunningMock, start};
use hss_tests::requests::{selecting_query, with};
use hss_tests::service::mock_config;
use hss_tests::service::paged_served;
use hss_tests::workspace_root;
use serde_json::Value;

const AK: &str = "AKPYTHONSDKORACLE001";
const SK: &str = "sk-python-sdk-oracle-00000000000000000001";

/// The python of the venv that holds the pinned SDK; panics saying why
/// when it cannot be made (no python3, no PyPI).
fn sdk_python() -> PathBuf {
    hss_tests::venv::python(
        "hss-sdk",
        "bench/python-sdk-requirements.txt",
        "huaweicloudsdkhss.v5, huaweicloudsdkcore",
    )
    .unwrap_or_else(|why| panic!("the official Python SDK is not available: {why}"))
}

async fn mock() -> RunningMock {
    start(MockConfig {
        credentials: Credentials::new().with_key_pair(AK, SK),
        ..mock_config(50, None, LiveConfig::default(), std::time::Duration::ZERO)
    })
    .await
    .expect("mock starts")
}

/// The first page's query of `operation`: it selects every record.
fn first_page(mock: &RunningMock, operation: Operation) -> Vec<(String, String)> {
    let paging = operation.pagination().expect("pages");
    with(&selecting_query(mock, operation), paging.offset, "0")
}

/// The SDK's answer to `query` of `operation`, signed with `sk`: the JSON
/// line the script prints; `None` when the SDK has no such operation (the
/// script's exit status 3), which is said on stderr.
async fn sdk_page(
    mock: &RunningMock,
    operation: Operation,
    query: &[(String, String)],
    sk: &str,
) -> Option<Value> {
    let mut command = Command::new(sdk_python());
    command
        .arg(workspace_root().join("scripts/hss_sdk_page.py"))
        .args(["--url", &mock.base_url()])
        .args(["--project-id", mock.dataset().project_id()])
        .args(["--operation", operation.operation_id()])
        .env("HSS_SDK_AK", AK)
        .env("HSS_SDK_SK", sk);
    for (name, value) in query {
        command.arg("--param").arg(format!("{name}={value}"));
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("the SDK's process is waited for")
        .expect("the SDK's script runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(3) {
        // Written to the stream itself: the harness hides what eprintln!
        // prints for a test that passes.
        let _ = writeln!(
            std::io::stderr().lock(),
            "{operation}: not in the official SDK, not checked: {stderr}"
        );
        return None;
    }
    assert!(
        output.status.success(),
        "{operation}: the SDK's script failed: {stderr}"
    );
    Some(serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{operation}: the SDK's script printed no JSON line ({e}): {}{stderr}",
            String::from_utf8_lossy(&output.stdout)
        )
    }))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_signed_by_the_official_python_sdk_is_the_mocks_first_page() {
    let mock = mock().await;
    let mut checked = 0;
    for operation in paged_served(&mock) {
        let paging = operation.pagination().expect("pages");
        let query = first_page(&mock, operation);
        let Some(answer) = sdk_page(&mock, operation, &query, SK).await else {
            continue;
        };
        checked += 1;
        assert_eq!(answer["status"], 200, "{operation}: {answer}");
        let limit: usize = query
            .iter()
            .find(|(name, _)| name == paging.limit)
            .and_then(|(_, value)| value.parse().ok())
            .expect("the query sets the page size");
        let truth = mock.truth(operation, None).expect("truth").1;
        assert!(!truth.is_empty(), "{operation}: the mock has records");
        let expected: Vec<Value> = truth.iter().take(limit).cloned().collect();
        let body = &answer["body"];
        assert_eq!(
            body[paging.items].as_array(),
            Some(&expected),
            "{operation}: the SDK's page is not the mock's first page"
        );
        assert_eq!(
            body[paging.total].as_u64(),
            u64::try_from(truth.len()).ok(),
            "{operation}: {body}"
        );
    }
    assert!(
        checked > 0,
        "no operation of the spec is in the official SDK"
    );
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_official_python_sdk_signing_with_a_wrong_secret_key_is_refused() {
    let mock = mock().await;
    let mut checked = 0u64;
    for operation in paged_served(&mock) {
        let query = first_page(&mock, operation);
        let Some(answer) = sdk_page(&mock, operation, &query, "not-the-secret-key").await else {
            continue;
        };
        checked += 1;
        assert_eq!(answer["status"], 401, "{operation}: {answer}");
        assert_eq!(
            answer["error_code"],
            hss_mock::error::UNAUTHENTICATED,
            "{operation}: {answer}"
        );
        let message = answer["error_msg"].as_str().unwrap_or_default();
        assert!(
            message.contains("signature does not match"),
            "{operation}: {answer}"
        );
        assert!(
            answer["request_id"]
                .as_str()
                .is_some_and(|id| !id.is_empty()),
            "{operation}: {answer}"
        );
    }
    assert!(
        checked > 0,
        "no operation of the spec is in the official SDK"
    );
    let stats = mock.stats();
    let refused = stats["answers"]["401"].as_u64();
    assert_eq!(refused, Some(checked), "one refusal an operation: {stats}");
    mock.shutdown().await;
}
