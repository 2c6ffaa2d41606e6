//! `cargo xtask`: a thin command line over `hss-codegen`.

/// Prints to stdout like `print!`, but a reader that has gone away (`cargo
/// xtask diff ... | head`) ends the output instead of panicking; the exit
/// status still tells the result.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::write_stdout(::std::format_args!($($arg)*))
    };
}

/// [`say!`] followed by a newline, like `println!`.
macro_rules! sayln {
    ($($arg:tt)*) => {{
        say!($($arg)*);
        say!("\n");
    }};
}

mod bench;
mod conformance;
mod diff;
mod docs_check;
mod docs_sync;
mod generate;
mod lint;
mod spec_change;
mod validate;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit status of a command that could not do its job (a spec that does
/// not load, a file that cannot be written). A check that ran and found a
/// problem (a finding, a stale file, a breaking change) exits with 1.
const COULD_NOT_RUN: u8 = 2;

/// Maintainer commands for the HSS client workspace.
///
/// Exit status: 0 when all is well, 1 when a check found a problem (a
/// finding, a stale generated file, a breaking change, a difference from
/// the docs), 2 when a command could not run (for example, a spec that does
/// not load).
#[derive(Parser)]
#[command(name = "cargo xtask", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate everything the spec drives.
    ///
    /// Writes generated-client/src/generated.rs (types and request
    /// builders) and, beside it, operations.rs (the operations table,
    /// `.call()`/`.stream()`, the HssClient presets) and mock.rs (the
    /// helpers of the `mock` feature), and the operations section of
    /// README.md between its marker lines. Each file is replaced
    /// atomically, and only once all have been generated and written out;
    /// on any error all are left as they were.
    Generate {
        /// Write nothing; print a unified diff and fail when the committed
        /// file differs from what the spec generates.
        #[arg(long)]
        check: bool,
        /// The spec to generate from [default: spec/hss.yaml].
        #[arg(long)]
        spec: Option<PathBuf>,
        /// The client module to write or check [default:
        /// generated-client/src/generated.rs]; operations.rs and mock.rs are
        /// written or checked in the same directory.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The README whose operations section is written or checked
        /// [default: README.md, unless --out is given].
        #[arg(long)]
        readme: Option<PathBuf>,
        /// The command-line module of hss-cli to write or check [default:
        /// cli/src/generated.rs, unless --out is given].
        #[arg(long)]
        cli: Option<PathBuf>,
    },
    /// Check the spec against every rule and report every finding at once.
    ///
    /// Structure (OpenAPI 3.0.x, `$ref`s, path parameters, operationIds),
    /// the project's rules and the examples. Fails on any finding.
    Validate {
        /// The spec to check [default: spec/hss.yaml].
        spec: Option<PathBuf>,
    },
    /// Run the external linter (Redocly CLI, pinned in package.json).
    ///
    /// Installs it with `npm ci` when node_modules is missing. Any problem,
    /// a warning too, fails.
    Lint {
        /// The spec to lint [default: spec/hss.yaml].
        spec: Option<PathBuf>,
    },
    /// Report what changed between two versions of the spec for client
    /// users, breaking changes first. Fails when a change is breaking.
    Diff {
        /// The old spec: a file, or a git revision and path such as
        /// `HEAD~1:spec/hss.yaml`.
        old: String,
        /// The new spec, in the same forms.
        new: String,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Compare API reference pages saved as text with the spec.
    ///
    /// Lists every difference; the ones the spec settles on purpose
    /// (`x-acknowledged`) are shown as acknowledged. Fails on any other.
    DocsCheck {
        /// The spec to compare with [default: spec/hss.yaml].
        #[arg(long)]
        spec: Option<PathBuf>,
        /// The pages to check.
        #[arg(required = true)]
        pages: Vec<PathBuf>,
    },
    /// Carry API reference pages (saved as text) into the spec.
    ///
    /// Adds an operation the spec does not have (parameters, response
    /// schemas, example) and settles every difference `docs-check` reports
    /// by a minimal edit of the spec's text; what the spec acknowledges is
    /// left alone. Prints the edits and the unified diff. Writes nothing
    /// when a page cannot be read or a difference is left unsettled.
    DocsSync {
        /// The spec to edit [default: spec/hss.yaml].
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Print the diff; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// The pages to carry in.
        #[arg(required = true)]
        pages: Vec<PathBuf>,
    },
    /// Benchmark decoding and end-to-end paging against hss-mock (release
    /// builds, loopback); prints a markdown table and writes
    /// target/bench/results.json.
    Bench {
        /// Interleaved repetitions of every end-to-end contender.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Items fetched by contenders (a) to (d).
        #[arg(long, default_value_t = 100_000)]
        events: u64,
        /// Items fetched by contender (e).
        #[arg(long, default_value_t = 1_000_000)]
        big_events: u64,
        /// Leave out the official Python SDK.
        #[arg(long)]
        skip_python: bool,
        /// Leave out the criterion decode benchmark.
        #[arg(long)]
        skip_decode: bool,
        /// Items of the pacing benchmark against a mock with 50 ms latency
        /// and at most 40 requests a second; 0 leaves it out.
        #[arg(long, default_value_t = 100_000)]
        throttle_events: u64,
        /// The time scale of the service benchmark: hss-mock applies the
        /// documented throttling with its window divided by this; 0 leaves
        /// the benchmark out.
        #[arg(long, default_value_t = 10.0)]
        service_scale: f64,
    },
    /// Run schemathesis against hss-mock with the spec
    /// (scripts/schemathesis.sh).
    Conformance,
    /// Prove that a spec edit plus `generate` is the whole change.
    ///
    /// Copies the tracked files to a scratch directory, edits the copy's
    /// spec (a larger page, a new bounded parameter on every operation,
    /// new paginated operations, one of them cluster-level records that
    /// comes first), then runs validate, generate,
    /// generate --check and `cargo test --workspace` there with no other
    /// edit. Fails when any step fails or a file other than the spec and
    /// the generated ones had to change.
    SpecChange {
        /// Keep the scratch copy and print where it is.
        #[arg(long)]
        keep: bool,
        /// The API reference pages of the docs-sync round trip; skipped
        /// when the directory holds none [default: ../shared/docs]
        #[arg(long, value_name = "DIR")]
        pages: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = workspace_root();
    let result = match cli.command {
        Command::Generate {
            check,
            spec,
            out,
            readme,
            cli,
        } => {
            let spec = spec.unwrap_or_else(|| root.join(generate::SPEC));
            let readme = match (&readme, &out) {
                (Some(readme), _) => Some(readme.clone()),
                (None, Some(_)) => None,
                (None, None) => Some(root.join(generate::README)),
            };
            let cli = match (&cli, &out) {
                (Some(cli), _) => Some(cli.clone()),
                (None, Some(_)) => None,
                (None, None) => Some(root.join(generate::CLI_OUT)),
            };
            let out = out.unwrap_or_else(|| root.join(generate::CLIENT_OUT));
            generate::run(&root, &spec, &out, readme.as_deref(), cli.as_deref(), check)
        }
        Command::Validate { spec } => validate::run(&spec.unwrap_or_else(|| default_spec(&root))),
        Command::Lint { spec } => lint::run(&root, &spec.unwrap_or_else(|| default_spec(&root))),
        Command::Diff { old, new, json } => diff::run(&old, &new, json),
        Command::DocsCheck { spec, pages } => {
            docs_check::run(&spec.unwrap_or_else(|| default_spec(&root)), &pages)
        }
        Command::DocsSync {
            spec,
            dry_run,
            pages,
        } => docs_sync::run(
            &spec.unwrap_or_else(|| default_spec(&root)),
            &pages,
            dry_run,
        ),
        Command::Bench {
            runs,
            events,
            big_events,
            skip_python,
            skip_decode,
            throttle_events,
            service_scale,
        } => bench::run(
            &root,
            &bench::Options {
                runs,
                events,
                big_events,
                skip_python,
                skip_decode,
                throttle_events,
                service_scale,
            },
        ),
        Command::Conformance => conformance::run(&root),
        Command::SpecChange { keep, pages } => spec_change::run(
            &root,
            &spec_change::Options {
                keep,
                pages: pages.unwrap_or_else(|| root.join("../shared/docs")),
            },
        ),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(COULD_NOT_RUN)
        }
    }
}

/// Writes to stdout for [`say!`]. A closed pipe is not an error; another
/// write error is reported once on stderr.
pub fn write_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    if let Err(error) = std::io::stdout().lock().write_fmt(args)
        && error.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write to stdout: {error}");
    }
}

/// The default spec; named relative to the workspace root when the command
/// runs there, so that findings read `spec/hss.yaml:12`.
fn default_spec(root: &Path) -> PathBuf {
    match std::env::current_dir() {
        Ok(dir) if dir == root => PathBuf::from(generate::SPEC),
        _ => root.join(generate::SPEC),
    }
}

/// The workspace root: xtask's own manifest sits one level below it.
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
