//! `cargo xtask validate [SPEC]`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use hss_codegen::validate::validate;
use hss_codegen::{Error, SpecSource};

/// Validates `spec` and prints one line per finding. Fails when there is
/// any finding; a file that is not YAML counts as one. A file that cannot
/// be read is an error.
pub fn run(spec: &Path) -> Result<ExitCode> {
    let source = match SpecSource::load(spec) {
        Ok(source) => source,
        Err(error @ Error::Yaml { .. }) => {
            sayln!("{error}");
            eprintln!("error: {} is not valid YAML", spec.display());
            return Ok(ExitCode::FAILURE);
        }
        Err(error) => return Err(error.into()),
    };
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
