//! `cargo xtask validate [SPEC]`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use hss_codegen::SpecSource;
use hss_codegen::validate::validate;

/// Validates `spec` and prints one line per finding. Fails when there is
/// any finding (or when the file cannot be read or parsed).
pub fn run(spec: &Path) -> Result<ExitCode> {
    let source = SpecSource::load(spec)?;
    let findings = validate(&source);
    if findings.is_empty() {
        sayln!("{}: valid, no finding", spec.display());
        return Ok(ExitCode::SUCCESS);
    }
    for finding in &findings {
        sayln!("{finding}");
    }
    eprintln!(
        "error: {} finding{} in {}",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        spec.display()
    );
    Ok(ExitCode::FAILURE)
}
