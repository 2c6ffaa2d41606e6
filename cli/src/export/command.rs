//! `hss export`'s command line: one subcommand per paginated operation
//! (its generated command, with its paging parameters hidden), its flags,
//! and the export they describe.

use std::path::PathBuf;

use clap::{Arg, ArgAction, ArgMatches, Command};
use hss_client::Operation;

use super::Export;
use crate::format::Format;
use crate::names::flag;
use crate::operations::{arguments, operation_command, operations};
use crate::schema::EventSchema;

/// The name of the command.
pub const EXPORT: &str = "export";

/// `hss export <operation>`, for every operation that pages.
pub fn command() -> Command {
    let mut export = Command::new(EXPORT)
        .about("Write every record of a paginated operation to stdout or a file")
        .subcommand_required(true)
        .arg_required_else_help(true);
    for (operation, generated) in operations() {
        if let Some(pagination) = operation.pagination() {
            let mut cmd = operation_command(operation, generated);
            for name in [pagination.offset, pagination.limit] {
                if let Some(parameter) = operation.parameter(name) {
                    cmd = cmd.mut_arg(flag(parameter.rust_name), |arg| arg.hide(true));
                }
            }
            export = export.subcommand(flags(cmd));
        }
    }
    export
}

/// The export of `operation` that `matches` describe.
pub fn parse(operation: Operation, matches: &ArgMatches) -> Export {
    let skip: Vec<&str> = operation
        .pagination()
        .map(|p| vec![p.offset, p.limit])
        .unwrap_or_default();
    let mut export = Export::new(operation);
    export.arguments = arguments(operation, matches, &skip);
    export.format = matches
        .get_one::<Format>("format")
        .copied()
        .unwrap_or(Format::Ndjson);
    export.schema = matches
        .get_one::<EventSchema>("schema")
        .copied()
        .unwrap_or_default();
    export.output = matches.get_one::<PathBuf>("output").cloned();
    export.checkpoint = matches.get_one::<PathBuf>("checkpoint").cloned();
    export.rejects = matches.get_one::<PathBuf>("rejects").cloned();
    export.page_size = matches.get_one::<i64>("page-size").copied();
    if let Some(prefetch) = matches.get_one::<hss_client::Prefetch>("prefetch") {
        export.prefetch = *prefetch;
    }
    export.quiet = matches.get_flag("quiet");
    export
}

/// The flags of `hss export <operation>`.
pub fn flags(cmd: Command) -> Command {
    cmd.arg(
        Arg::new("format")
            .long("format")
            .value_parser(clap::value_parser!(Format))
            .default_value("ndjson")
            .help("Output format"),
    )
    .arg(crate::schema::arg())
    .arg(
        Arg::new("output")
            .long("output")
            .short('o')
            .value_name("FILE")
            .value_parser(clap::value_parser!(PathBuf))
            .help("Write to FILE instead of stdout"),
    )
    .arg(
        Arg::new("prefetch")
            .long("prefetch")
            .value_name("N|auto")
            .default_value("1")
            .value_parser(clap::value_parser!(hss_client::Prefetch))
            .help("Pages in flight: a number, or auto to find the pace the service keeps up with"),
    )
    .arg(
        Arg::new("checkpoint")
            .long("checkpoint")
            .value_name("FILE")
            .value_parser(clap::value_parser!(PathBuf))
            .help("Record progress in FILE after every page; rerun the same command to resume"),
    )
    .arg(
        Arg::new("rejects")
            .long("rejects")
            .value_name("FILE")
            .value_parser(clap::value_parser!(PathBuf))
            .help("Write records that do not match their schema to FILE, one JSON line each"),
    )
    .arg(
        Arg::new("page-size")
            .long("page-size")
            .value_name("N")
            .value_parser(clap::value_parser!(i64))
            .help("Records a page [default: the largest the operation allows]"),
    )
    .arg(
        Arg::new("quiet")
            .long("quiet")
            .short('q')
            .action(ArgAction::SetTrue)
            .help("No progress bar"),
    )
}
