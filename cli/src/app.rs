//! The command tree and what each command does.
//!
//! ```text
//! hss [--region R] [--endpoint URL] [--project-id ID] [--rate-limit N/Ws|off]
//!     <operation> [--<parameter> VALUE]...
//! hss export <operation> [--<parameter> VALUE]... [--format F] [--output FILE]
//!            [--prefetch N|auto] [--checkpoint FILE] [--rejects FILE] [--quiet]
//! hss watch <operation>... [--<parameter> VALUE]... --state FILE [--output FILE]
//!           [--interval SECONDS] [--once] [--since DURATION] [--overlap DURATION]
//!           [--metrics ADDR] [--rejects FILE] [--schema hss|ocsf|ecs]
//! ```
//!
//! One command per operation of the spec, named by its kebab-case
//! operationId, built by the generated [`crate::generated::Cli`]
//! ([`crate::operations`]); `export` ([`crate::export`]) and `watch`
//! ([`crate::watch`]) beside them. The global flags are accepted before or
//! after the command.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Arg, ArgAction, ArgMatches, Command};
use hss_client::spec::PROJECT_ID;
use hss_client::{HssClient, Operation};

use crate::config::Globals;
use crate::exit::{Failure, Status};
use crate::export::command::EXPORT;
use crate::mcp::command::MCP;
use crate::names::{flag, operation_named};
use crate::operations::{operation_command, operations};
use crate::watch::command::WATCH;

/// `hss` is one command per operation, `export` and `watch`; see the
/// module documentation.
pub use crate::names::command_name;

/// The whole command tree.
pub fn command() -> Command {
    let root = Command::new("hss")
        .version(env!("CARGO_PKG_VERSION"))
        .about("The HSS operations of the spec on the command line, and an exporter of their records")
        .long_about(
            "The HSS operations of the spec on the command line, and an exporter of their records.\n\n\
             Credentials come from the official SDKs' default chain, the first that has them: \
             the environment (HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, plus \
             HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary ones; or HUAWEICLOUD_SDK_IDP_ID and \
             HUAWEICLOUD_SDK_ID_TOKEN_FILE for OIDC federation), then the profile file \
             (HUAWEICLOUD_SDK_CREDENTIALS_FILE, else ~/.huaweicloud/credentials, section [basic]), \
             then the ECS metadata service (the instance's agency). Temporary keys are fetched \
             again before they expire; -v tells which source was used. The project id and region \
             come from --project-id and --region, else HUAWEICLOUD_SDK_PROJECT_ID and \
             HUAWEICLOUD_SDK_REGION; without a project id, the region's one project is looked up \
             at IAM.\n\n\
             Every operation keeps to the rate limit the spec documents for it: requests wait \
             for their turn rather than be refused. --rate-limit (or HSS_RATE_LIMIT) sets \
             another budget, or none.\n\n\
             Exit status: 0 done, 1 done with rejected records, 2 usage or configuration error \
             (a setting missing or malformed), 3 service error (the service, or a service on the \
             way such as IAM's project lookup, failed or could not be reached).",
        )
        .subcommand_required(true)
        .arg_required_else_help(true);
    let mut root = global_flags(root);
    for (operation, generated) in operations() {
        root = root.subcommand(operation_command(operation, generated));
    }
    root.subcommand(crate::export::command::command())
        .subcommand(crate::watch::command::command())
        .subcommand(crate::mcp::command::command())
}

/// The flags every command takes, before or after the command.
fn global_flags(cmd: Command) -> Command {
    cmd.arg(
        Arg::new("region")
            .long("region")
            .global(true)
            .value_name("REGION")
            .help("Region id, such as cn-north-4 [default: HUAWEICLOUD_SDK_REGION]"),
    )
    .arg(
        Arg::new("endpoint")
            .long("endpoint")
            .global(true)
            .value_name("URL")
            .help("Base URL of the service; wins over --region"),
    )
    .arg(
        Arg::new("rate-limit")
            .long("rate-limit")
            .global(true)
            .value_name("N/SECONDSs|off")
            .value_parser(clap::value_parser!(hss_client::Budget))
            .help(
                "Requests of each operation the client sends per window, such as 5/60s, \
                     or off [default: HSS_RATE_LIMIT, else the spec's documented limit]",
            ),
    )
    .arg(
        Arg::new("verbose")
            .short('v')
            .long("verbose")
            .global(true)
            .action(ArgAction::Count)
            .help("Log to stderr: -v the credentials' source and each request, -vv more"),
    )
    .arg(
        Arg::new("project-id-global")
            .long("project-id")
            .value_name("ID")
            .help("Project id [default: HUAWEICLOUD_SDK_PROJECT_ID]"),
    )
}

/// Runs `hss` with `args` and `lookup` for the environment.
pub async fn run(
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Status, Failure> {
    let matches = match command().try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(error) => return Ok(clap_error(&error)),
    };
    crate::logging::init(matches.get_count("verbose"));
    let globals = Globals {
        region: matches.get_one::<String>("region").cloned(),
        endpoint: matches.get_one::<String>("endpoint").cloned(),
        project_id: matches.get_one::<String>("project-id-global").cloned(),
        rate_limit: matches.get_one::<hss_client::Budget>("rate-limit").copied(),
    };
    let Some((name, sub)) = matches.subcommand() else {
        return Err(Failure::usage("no command given; see hss --help"));
    };
    match name {
        MCP => {
            let mcp = crate::mcp::command::parse(sub)?;
            let client = globals.client(&lookup).await?;
            crate::mcp::run(&client, &mcp).await
        }
        WATCH => {
            // The handlers first: a SIGHUP while the credentials are
            // fetched and the project looked up must not end the daemon,
            // and a SIGTERM then ends it cleanly.
            let mut signals = crate::signals::Signals::install();
            let watch = crate::watch::command::parse(sub)?;
            let first = watch.feeds[0].1.operation();
            let client = tokio::select! {
                client = client(&globals, first, sub, &lookup) => client?,
                () = signals.stop.recv() => return Ok(Status::Done),
            };
            crate::watch::run(&client, &watch, signals).await
        }
        EXPORT => {
            let Some((name, sub)) = sub.subcommand() else {
                return Err(Failure::usage("no operation given; see hss export --help"));
            };
            let operation = operation_named(name)
                .ok_or_else(|| Failure::usage(format!("unknown operation {name}")))?;
            let client = client(&globals, operation, sub, &lookup).await?;
            let export = crate::export::command::parse(operation, sub);
            crate::export::run_and_report(&client, &export).await
        }
        _ => {
            let operation = operation_named(name)
                .ok_or_else(|| Failure::usage(format!("unknown command {name}")))?;
            let client = client(&globals, operation, sub, &lookup).await?;
            crate::call::run(&client, operation, sub).await
        }
    }
}

/// What a command line clap refused ends with: help and the version are
/// no error.
fn clap_error(error: &clap::Error) -> Status {
    let _ = error.print();
    match error.kind() {
        clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
            Status::Done
        }
        _ => Status::Usage,
    }
}

/// The client, with the project id from the command's own flag when given.
async fn client(
    globals: &Globals,
    operation: Operation,
    sub: &ArgMatches,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<HssClient, Failure> {
    let mut globals = globals.clone();
    if let Some(parameter) = operation.parameter(PROJECT_ID)
        && let Ok(Some(value)) = sub.try_get_raw(&flag(parameter.rust_name))
        && let Some(value) = value.clone().next()
    {
        globals.project_id = Some(value.to_string_lossy().into_owned());
    }
    globals.client(lookup).await
}

/// The process entry point.
pub fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start: {error}");
            return Status::Service.into();
        }
    };
    let result = runtime.block_on(run(std::env::args_os(), |name| std::env::var(name).ok()));
    match result {
        Ok(status) => status.into(),
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            failure.status.into()
        }
    }
}
