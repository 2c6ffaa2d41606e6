//! `cargo xtask generate [--check]`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use hss_codegen::{SpecSource, generate_client};

/// The spec the client is generated from, relative to the workspace root.
pub const SPEC: &str = "spec/hss.yaml";
/// The generated client module, relative to the workspace root.
pub const CLIENT_OUT: &str = "generated-client/src/generated.rs";

/// Generates the client from `spec`; writes it to `out`, or with `check`
/// compares it with `out`. Paths inside `root` are named relative to it.
pub fn run(root: &Path, spec: &Path, out: &Path, check: bool) -> Result<ExitCode> {
    let source = SpecSource::load(spec)?;
    let label = relative(root, spec);
    let fresh = generate_client(&source, &label)?;
    let out_label = relative(root, out);
    let committed = match std::fs::read_to_string(out) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", out.display())),
    };
    if committed == fresh {
        println!("{out_label} is up to date with {label}");
        return Ok(ExitCode::SUCCESS);
    }
    if check {
        let diff = similar::TextDiff::from_lines(&committed, &fresh);
        print!(
            "{}",
            diff.unified_diff()
                .context_radius(3)
                .header(&format!("a/{out_label}"), &format!("b/{out_label}"))
        );
        eprintln!("error: {out_label} is stale; run `cargo xtask generate` and commit the result");
        return Ok(ExitCode::FAILURE);
    }
    write_atomically(out, &fresh)?;
    println!("wrote {out_label} from {label}");
    Ok(ExitCode::SUCCESS)
}

/// `path` relative to `root` with `/` separators when it is inside it, else
/// as given.
fn relative(root: &Path, path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    absolute
        .strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Writes `contents` to a temporary file beside `path`, then renames it over
/// `path`, so that readers see either the old file or the new one.
fn write_atomically(path: &Path, contents: &str) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    temp.write_all(contents.as_bytes())?;
    temp.as_file().sync_all()?;
    temp.persist(path)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}
