//! `hss mcp`'s progress while a call waits for the request budget, heard
//! by the official Python MCP client (`scripts/mcp_client.py`): each call's
//! progress values rise with every notification, as the protocol
//! requires. Operations come from the generated table: each that pages
//! and has a documented limit.

use std::process::Stdio;
use std::time::Duration;

use hss_client::Operation;
use hss_mock::{Credentials, MockConfig};
use hss_tests::requests::selecting_filters;
use hss_tests::service::scale;
use serde_json::{Value, json};
use tokio::process::Command;

use crate::common::{BIN, text};

const AK: &str = "CLIMCPPROGRESSKEY001";
const SK: &str = "cli-mcp-progress-secret-do-not-print";

/// The window the documented limit runs in here: the one call past the
/// limit waits most of it, so that it hears several notifications (one a
/// second).
const WINDOW: Duration = Duration::from_secs(6);

#[tokio::test(flavor = "multi_thread")]
async fn progress_rises_with_every_notification_while_a_call_waits() {
    let python = hss_tests::venv::python("mcp", "scripts/mcp-requirements.txt", "mcp, jsonschema")
        .unwrap_or_else(|why| panic!("the MCP client is not available: {why}"));
    let limited: Vec<Operation> = Operation::ALL
        .iter()
        .copied()
        .filter(|op| op.pagination().is_some() && op.rate_limit().is_some())
        .collect();
    assert!(!limited.is_empty(), "no paginated operation has a limit");
    for operation in limited {
        let limit = operation.rate_limit().expect("limited");
        let mock = hss_mock::start(MockConfig {
            events: 100,
            clusters: 1,
            gateway_limits: Some(scale(operation, WINDOW)),
            credentials: Credentials::new().with_key_pair(AK, SK),
            ..MockConfig::default()
        })
        .await
        .expect("the mock starts");
        let mut arguments = serde_json::Map::new();
        for (name, value) in selecting_filters(&mock, operation, true) {
            let parameter = operation.parameter(&name).expect("a parameter");
            let value = match parameter.schema {
                hss_client::spec::Schema::Integer(_) => json!(value.parse::<i64>().expect("int")),
                _ => json!(value),
            };
            arguments.insert(name, value);
        }
        let min = operation.pagination().expect("pages").min_limit;
        arguments.insert("max_records".into(), json!(min));
        // One call more than the window allows: the last one waits.
        let input = json!({
            "tool": operation.method_name(),
            "arguments": arguments,
            "count": limit.calls() + 1,
        });
        let budget = format!("{}/{}ms", limit.calls(), WINDOW.as_millis());
        let output = Command::new(&python)
            .env_clear()
            .env("HUAWEICLOUD_SDK_AK", AK)
            .env("HUAWEICLOUD_SDK_SK", SK)
            .env("HUAWEICLOUD_SDK_PROJECT_ID", hss_mock::DEFAULT_PROJECT_ID)
            .arg(hss_tests::workspace_root().join("scripts/mcp_client.py"))
            .args(["stdio", BIN, "--endpoint", &mock.base_url()])
            .args(["--rate-limit", &budget, "mcp", "--", "calls"])
            .arg(input.to_string())
            .stdin(Stdio::null())
            .output()
            .await
            .expect("the client runs");
        assert!(output.status.success(), "{}", text(&output.stderr));
        let answer: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        let heard = answer["progress"].as_array().expect("progress");
        let mut longest = 0;
        for call in 0..=limit.calls() {
            let values: Vec<f64> = heard
                .iter()
                .filter(|p| p["call"].as_u64() == Some(call))
                .map(|p| p["progress"].as_f64().expect("a number"))
                .collect();
            assert!(
                values.windows(2).all(|w| w[1] > w[0]),
                "{operation}: call {call}: progress must rise: {values:?}"
            );
            longest = longest.max(values.len());
        }
        assert!(
            longest >= 2,
            "{operation}: no call heard two notifications while it waited: {heard:?}"
        );
        mock.shutdown().await;
    }
}
