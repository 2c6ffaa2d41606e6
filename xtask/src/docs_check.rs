//! `cargo xtask docs-check [--spec SPEC] PAGE...`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use hss_codegen::SpecSource;
use hss_codegen::docs::check_file;

/// Compares each page with the spec and prints the report; fails on any
/// difference the spec does not acknowledge (or on a page it cannot read).
pub fn run(spec: &Path, pages: &[PathBuf]) -> Result<ExitCode> {
    let source = SpecSource::load(spec)?;
    let mut open = 0;
    let mut settled = 0;
    let mut unreadable = 0;
    for page in pages {
        match check_file(&source, page) {
            Ok(report) => {
                open += report.unacknowledged().count();
                settled += report.acknowledged().count();
                say!("{report}");
            }
            Err(error) => {
                eprintln!("error: {error}");
                unreadable += 1;
            }
        }
    }
    sayln!(
        "{} page(s): {open} unacknowledged difference(s), {settled} acknowledged",
        pages.len()
    );
    if open > 0 {
        eprintln!(
            "error: the spec differs from the documentation; fix the spec, or settle the difference with an x-acknowledged entry and a reason"
        );
    }
    if unreadable > 0 {
        eprintln!("error: {unreadable} page(s) could not be checked (see above)");
    }
    Ok(if open > 0 || unreadable > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
