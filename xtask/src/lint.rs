//! `cargo xtask lint [SPEC]`: the external linter, Redocly CLI.
//!
//! The version is pinned in `package.json` and `package-lock.json` at the
//! workspace root and the rules are in `redocly.yaml`. When `node_modules`
//! is missing it is installed with `npm ci` first. Any finding, a warning
//! too, fails.

use std::path::Path;
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// Runs Redocly on `spec` from the workspace `root` and prints one line per
/// problem, in the same `file:line (#pointer): [rule] message` form as
/// `cargo xtask validate`.
pub fn run(root: &Path, spec: &Path) -> Result<ExitCode> {
    let redocly = root.join("node_modules/.bin/redocly");
    if !redocly.exists() {
        sayln!("installing the pinned linter with `npm ci`");
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(root)
            .status()
            .context("cannot run `npm ci` (are Node.js and npm installed?)")?;
        if !status.success() {
            bail!("`npm ci` failed ({status})");
        }
    }
    let output = Command::new(&redocly)
        .arg("lint")
        .arg("--config")
        .arg(root.join("redocly.yaml"))
        .args(["--format", "json", "--max-problems", "10000"])
        .arg(spec)
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
        .current_dir(root)
        .output()
        .with_context(|| format!("cannot run {}", redocly.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    // Redocly prints the JSON report on stdout; a spec it cannot parse at
    // all gives no report, only a message on stderr.
    let report: Option<Value> = stdout
        .find('{')
        .and_then(|start| serde_json::from_str(&stdout[start..]).ok());
    let Some(report) = report else {
        eprint!("{}", String::from_utf8_lossy(&output.stderr));
        eprintln!(
            "error: redocly gave no report on {} ({})",
            spec.display(),
            output.status
        );
        return Ok(ExitCode::FAILURE);
    };
    let problems = report
        .get("problems")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for problem in &problems {
        sayln!("{}", describe(spec, problem));
    }
    if problems.is_empty() && output.status.success() {
        sayln!("{}: redocly lint found no problem", spec.display());
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "error: redocly found {} problem(s) in {}; warnings fail too",
        problems.len(),
        spec.display()
    );
    Ok(ExitCode::FAILURE)
}

/// One problem of Redocly's JSON report as one line.
fn describe(spec: &Path, problem: &Value) -> String {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("?").to_string();
    let location = problem.pointer("/location/0");
    let line = location
        .and_then(|l| l.pointer("/start/line"))
        .and_then(Value::as_u64)
        .map(|l| format!(":{l}"))
        .unwrap_or_default();
    let pointer = text(location.and_then(|l| l.get("pointer")));
    format!(
        "{}{line} ({pointer}): [redocly/{}] {}: {}",
        spec.display(),
        text(problem.get("ruleId")),
        text(problem.get("severity")),
        text(problem.get("message")),
    )
}
