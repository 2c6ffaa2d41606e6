//! `cargo xtask generate [--check]`: the client module and, beside it, the
//! operations module and the httpmock helpers of the `mock` feature; and the
//! operations section of the README.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use hss_codegen::operations::readme;
use hss_codegen::{SpecSource, generate};

/// The spec the client is generated from, relative to the workspace root.
pub const SPEC: &str = "spec/hss.yaml";
/// The generated client module, relative to the workspace root.
pub const CLIENT_OUT: &str = "generated-client/src/generated.rs";
/// File name of the generated httpmock helpers, written in the same
/// directory as the client module.
pub const MOCK_FILE: &str = "mock.rs";
/// The generated operations table, relative to the directory of the
/// client module.
pub const OPERATIONS_FILE: &str = "spec/operations.rs";
/// The generated presets module (the builders' `.call()`/`.stream()` and
/// the client's presets), relative to the directory of the client module.
pub const PRESETS_FILE: &str = "presets.rs";
/// The generated command-line module of `hss-cli`, relative to the
/// workspace root.
pub const CLI_OUT: &str = "cli/src/generated.rs";
/// The README whose operations section `generate` writes, relative to the
/// workspace root.
pub const README: &str = "README.md";

/// Generates every output from `spec`: the client to `out`, the
/// operations module ([`OPERATIONS_FILE`]) and the httpmock helpers
/// ([`MOCK_FILE`]) beside it, the command-line module to `cli` and the
/// operations section of `readme`, when given; or with `check` compares each with what is there. Paths inside
/// `root` are named relative to it. Nothing is written unless everything
/// generates, and a file is replaced only once every new file has been
/// written out.
pub fn run(
    root: &Path,
    spec: &Path,
    out: &Path,
    readme: Option<&Path>,
    cli: Option<&Path>,
    check: bool,
) -> Result<ExitCode> {
    let source = SpecSource::load(spec)?;
    let label = relative(root, spec);
    let generated = generate(&source, &label)?;
    let mut outputs = vec![
        (out.to_path_buf(), generated.client),
        (beside(out, OPERATIONS_FILE), generated.operations),
        (beside(out, PRESETS_FILE), generated.presets),
        (mock_path(out), generated.mock),
    ];
    if let Some(cli) = cli {
        outputs.push((cli.to_path_buf(), generated.cli));
    }
    if let Some(readme) = readme {
        let text = std::fs::read_to_string(readme)
            .with_context(|| format!("cannot read {}", readme.display()))?;
        let spliced = readme::splice(&text, &generated.readme_section)
            .map_err(|message| anyhow::anyhow!("{}: {message}", readme.display()))?;
        outputs.push((readme.to_path_buf(), spliced));
    }
    let mut stale = false;
    let mut changed = Vec::new();
    for (path, fresh) in &outputs {
        let out_label = relative(root, path);
        let committed = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        if committed == *fresh {
            sayln!("{out_label} is up to date with {label}");
        } else if check {
            let diff = similar::TextDiff::from_lines(&committed, fresh);
            say!(
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{out_label}"), &format!("b/{out_label}"))
            );
            eprintln!(
                "error: {out_label} is stale; run `cargo xtask generate` and commit the result"
            );
            stale = true;
        } else {
            changed.push((path, fresh, out_label));
        }
    }
    // Every new file is written out in full before any is put in place, so
    // that a failure (a full disk, a read-only directory) replaces nothing.
    let mut staged = Vec::new();
    for (path, fresh, out_label) in changed {
        staged.push((stage(path, fresh)?, path, out_label));
    }
    for (temp, path, out_label) in staged {
        temp.persist(path)
            .with_context(|| format!("cannot replace {}", path.display()))?;
        sayln!("wrote {out_label} from {label}");
    }
    Ok(if stale {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `name` (a path relative to the client module's directory) for a client
/// module written to `out`.
pub fn beside(out: &Path, name: &str) -> PathBuf {
    out.parent().unwrap_or_else(|| Path::new("")).join(name)
}

/// Where the httpmock helpers go for a client module written to `out`.
pub fn mock_path(out: &Path) -> PathBuf {
    out.with_file_name(MOCK_FILE)
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

/// Writes `contents` to a temporary file beside `path`; persisting it
/// renames it over `path`, so that readers see either the old file or the
/// new one.
pub fn stage(path: &Path, contents: &str) -> Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    // A generated file may live in a folder of its own (`spec/`).
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the directory {}", dir.display()))?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    temp.write_all(contents.as_bytes())
        .and_then(|()| temp.as_file().sync_all())
        .and_then(|()| match permissions_for(path) {
            Some(permissions) => std::fs::set_permissions(temp.path(), permissions),
            None => Ok(()),
        })
        .with_context(|| format!("cannot write {}", temp.path().display()))?;
    Ok(temp)
}

/// The permissions the file at `path` has now, or those of a new ordinary
/// file; `None` keeps the temporary file's own.
fn permissions_for(path: &Path) -> Option<std::fs::Permissions> {
    match std::fs::metadata(path) {
        Ok(metadata) => Some(metadata.permissions()),
        Err(_) => new_file_permissions(),
    }
}

/// On Unix a temporary file is private (0600); a generated file is an
/// ordinary one (0644).
#[cfg(unix)]
fn new_file_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

/// Elsewhere a temporary file already has ordinary permissions.
#[cfg(not(unix))]
fn new_file_permissions() -> Option<std::fs::Permissions> {
    None
}
