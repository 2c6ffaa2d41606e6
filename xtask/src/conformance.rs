//! `cargo xtask conformance`: schemathesis against hss-mock with the spec,
//! by `scripts/schemathesis.sh` (which installs the pinned schemathesis into
//! a venv under `target/`).

use std::path::Path;
use std::process::{Command, ExitCode};

use anyhow::{Context, Result};

/// Runs the conformance script; its exit status is the command's.
pub fn run(root: &Path) -> Result<ExitCode> {
    let script = root.join("scripts/schemathesis.sh");
    let status = Command::new("bash")
        .arg(&script)
        .current_dir(root)
        .status()
        .with_context(|| format!("cannot run {}", script.display()))?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        eprintln!("error: schemathesis found failures ({status})");
        ExitCode::FAILURE
    })
}
