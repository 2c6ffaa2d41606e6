//! What the tests of `hss` share: the binary, run against a mock.

#![allow(dead_code)]

use std::process::Stdio;

use hss_mock::RunningMock;
use tokio::process::Command;

/// The `hss` binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_hss");

/// `hss` pointed at `mock`, with the key pair `ak`/`sk` and the mock's
/// project in the environment, and nothing else there.
pub fn hss(mock: &RunningMock, ak: &str, sk: &str) -> Command {
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .env("HUAWEICLOUD_SDK_AK", ak)
        .env("HUAWEICLOUD_SDK_SK", sk)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", hss_mock::DEFAULT_PROJECT_ID)
        .arg("--endpoint")
        .arg(mock.base_url())
        .stdin(Stdio::null());
    command
}

/// Bytes of an output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
