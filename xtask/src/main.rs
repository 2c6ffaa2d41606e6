//! `cargo xtask`: a thin command line over `hss-codegen`.

mod generate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Maintainer commands for the HSS client workspace.
#[derive(Parser)]
#[command(name = "cargo xtask", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate generated-client/src/generated.rs from the spec.
    ///
    /// The file is replaced atomically; on any error it is left as it was.
    Generate {
        /// Write nothing; print a unified diff and fail when the committed
        /// file differs from what the spec generates.
        #[arg(long)]
        check: bool,
        /// The spec to generate from [default: spec/hss.yaml].
        #[arg(long)]
        spec: Option<PathBuf>,
        /// The file to write or check [default:
        /// generated-client/src/generated.rs].
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = workspace_root();
    let result = match cli.command {
        Command::Generate { check, spec, out } => {
            let spec = spec.unwrap_or_else(|| root.join(generate::SPEC));
            let out = out.unwrap_or_else(|| root.join(generate::CLIENT_OUT));
            generate::run(&root, &spec, &out, check)
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: xtask's own manifest sits one level below it.
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
