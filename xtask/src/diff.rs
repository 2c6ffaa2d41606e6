//! `cargo xtask diff OLD NEW [--json]`.

use std::path::Path;
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};
use hss_codegen::SpecSource;
use hss_codegen::diff::diff;

/// Compares two specs and prints the report; fails when a change is
/// breaking.
pub fn run(old: &str, new: &str, json: bool) -> Result<ExitCode> {
    let old = load(old)?;
    let new = load(new)?;
    let report = diff(&old, &new);
    if json {
        sayln!("{}", serde_json::to_string_pretty(&report.to_json())?);
    } else {
        say!("{report}");
    }
    if report.is_breaking() {
        eprintln!("error: the new spec has breaking changes for client users");
        Ok(ExitCode::FAILURE)
    } else {
        Ok(ExitCode::SUCCESS)
    }
}

/// Loads a spec from a file, or from `REV:PATH` through `git show` when no
/// such file exists.
fn load(spec: &str) -> Result<SpecSource> {
    if Path::new(spec).is_file() {
        return Ok(SpecSource::load(spec)?);
    }
    let Some((revision, path)) = spec.split_once(':') else {
        bail!(
            "{spec}: no such file (a git revision is written REV:PATH, such as HEAD~1:spec/hss.yaml)"
        );
    };
    if revision.is_empty() || path.is_empty() {
        bail!("{spec}: a git revision is written REV:PATH, such as HEAD~1:spec/hss.yaml");
    }
    let output = Command::new("git")
        .arg("show")
        .arg(spec)
        .output()
        .context("cannot run git")?;
    if !output.status.success() {
        bail!(
            "{spec}: neither a file nor a git revision: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let text = String::from_utf8(output.stdout)
        .with_context(|| format!("{spec}: the file is not UTF-8"))?;
    Ok(SpecSource::parse(spec, &text)?)
}
