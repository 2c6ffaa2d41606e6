//! `hss mcp`'s command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Arg, ArgAction, ArgMatches, Command};

use super::Mcp;
use crate::exit::Failure;
use crate::schema::EventSchema;

/// The name of the command.
pub const MCP: &str = "mcp";

/// `hss mcp`.
pub fn command() -> Command {
    Command::new(MCP)
        .about("Serve the operations to AI assistants over the Model Context Protocol (stdio, or Streamable HTTP with --listen)")
        .arg(
            Arg::new("listen")
                .long("listen")
                .value_name("ADDR")
                .value_parser(clap::value_parser!(SocketAddr))
                .help("Serve Streamable HTTP at http://ADDR/mcp instead of stdio (for example 127.0.0.1:8931)"),
        )
        .arg(
            Arg::new("token-file")
                .long("token-file")
                .value_name("FILE")
                .value_parser(clap::value_parser!(PathBuf))
                .help("Require every HTTP request to carry the token in FILE as a bearer token"),
        )
        .arg(
            Arg::new("allow-origin")
                .long("allow-origin")
                .value_name("ORIGIN")
                .action(ArgAction::Append)
                .help("Also accept HTTP requests from this Origin (local origins always are)"),
        )
        .arg(crate::schema::arg())
}

/// What `matches` ask of `hss mcp`.
pub fn parse(matches: &ArgMatches) -> Result<Mcp, Failure> {
    let token = match matches.get_one::<PathBuf>("token-file") {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Failure::usage(format!(
                    "cannot read the token file {}: {e}",
                    path.display()
                ))
            })?;
            let token = text.trim().to_string();
            if token.is_empty() {
                return Err(Failure::usage(format!(
                    "the token file {} is empty",
                    path.display()
                )));
            }
            Some(token)
        }
    };
    Ok(Mcp {
        listen: matches.get_one::<SocketAddr>("listen").copied(),
        token,
        allow_origins: matches
            .get_many::<String>("allow-origin")
            .map(|v| v.cloned().collect())
            .unwrap_or_default(),
        schema: matches
            .get_one::<EventSchema>("schema")
            .copied()
            .unwrap_or_default(),
    })
}
