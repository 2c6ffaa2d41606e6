//! `cargo xtask docs-sync [--spec SPEC] [--dry-run] PAGE...`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use hss_codegen::docs::sync::{Synced, sync};

/// Carries the pages into the spec. With `dry_run`, prints the unified
/// diff and writes nothing. Fails (and writes nothing) when a page cannot
/// be read or a difference is left that no edit settles.
pub fn run(spec: &Path, pages: &[PathBuf], dry_run: bool) -> Result<ExitCode> {
    let old =
        std::fs::read_to_string(spec).with_context(|| format!("cannot read {}", spec.display()))?;
    let mut texts = Vec::new();
    for page in pages {
        let text = std::fs::read_to_string(page)
            .with_context(|| format!("cannot read the page {}", page.display()))?;
        texts.push((page.clone(), text));
    }
    let synced = match sync(spec, &old, &texts) {
        Ok(synced) => synced,
        Err(error) => {
            eprintln!("error: {error}");
            eprintln!("error: {} was left as it was", spec.display());
            return Ok(ExitCode::FAILURE);
        }
    };
    report(&synced);
    let label = spec.display().to_string();
    if synced.text != old {
        let diff = similar::TextDiff::from_lines(&old, &synced.text);
        say!(
            "{}",
            diff.unified_diff()
                .context_radius(3)
                .header(&format!("a/{label}"), &format!("b/{label}"))
        );
    }
    let unsettled: Vec<_> = synced.unsettled().collect();
    if !unsettled.is_empty() {
        for d in &unsettled {
            eprintln!("error: not settled: {d}");
        }
        eprintln!(
            "error: {} difference(s) need a hand edit; {label} was left as it was",
            unsettled.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    if synced.text == old {
        sayln!("{label} already matches the page(s); nothing to do");
    } else if dry_run {
        sayln!("dry run: {label} was not written");
    } else {
        let temp = crate::generate::stage(spec, &synced.text)?;
        temp.persist(spec)
            .with_context(|| format!("cannot replace {}", spec.display()))?;
        sayln!("wrote {label}; next: cargo xtask validate, cargo xtask diff, cargo xtask generate");
    }
    Ok(ExitCode::SUCCESS)
}

fn report(synced: &Synced) {
    for change in &synced.changes {
        sayln!(
            "{}: [{}] {}: {}",
            change.page.display(),
            change.rule,
            change.field,
            change.what
        );
    }
    for note in &synced.notes {
        sayln!("note: {note}");
    }
    sayln!("{} edit(s)", synced.changes.len());
}
