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
                .help("Serve Streamable HTTP at http://ADDR/mcp instead of stdio (for example 127.0.0.1:8931); an address other than loopback needs --token-file"),
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
    let listen = matches.get_one::<SocketAddr>("listen").copied();
    if let Some(addr) = listen {
        check_exposure(addr, token.is_some())?;
    }
    Ok(Mcp {
        listen,
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

/// Refuses to serve on `addr` when others than this host can reach it and
/// no token is required: every tool runs with this host's credentials.
/// Checked before anything is bound.
pub fn check_exposure(addr: SocketAddr, token: bool) -> Result<(), Failure> {
    if addr.ip().is_loopback() || token {
        return Ok(());
    }
    Err(Failure::usage(format!(
        "--listen {addr}: {} is not a loopback address, so hosts other than this one could \
         reach the server and call every tool with its credentials; give --token-file FILE to \
         require a bearer token, or listen on 127.0.0.1 or [::1]",
        addr.ip()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_serves_without_a_token() {
        for addr in ["127.0.0.1:8931", "[::1]:8931", "127.0.0.2:0"] {
            let addr: SocketAddr = addr.parse().unwrap();
            assert!(check_exposure(addr, false).is_ok(), "{addr}");
        }
        for addr in [
            "0.0.0.0:8931",
            "[::]:8931",
            "192.0.2.7:80",
            "[2001:db8::1]:1",
        ] {
            let addr: SocketAddr = addr.parse().unwrap();
            let refused = check_exposure(addr, false).unwrap_err();
            assert_eq!(refused.status, crate::exit::Status::Usage);
            assert!(
                refused.message.contains("--token-file"),
                "{}",
                refused.message
            );
            assert!(refused.message.contains("loopback"), "{}", refused.message);
            assert!(check_exposure(addr, true).is_ok(), "{addr} with a token");
        }
    }
}
