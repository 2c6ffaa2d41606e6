//! The command tree and what each command does.
//!
//! ```text
//! hss [--region R] [--endpoint URL] [--project-id ID] [--rate-limit N/Ws|off]
//!     <operation> [--<parameter> VALUE]...
//! hss export <operation> [--<parameter> VALUE]... [--format F] [--output FILE]
//!            [--prefetch N|auto] [--checkpoint FILE] [--rejects FILE] [--quiet]
//! hss watch <operation>... [--<parameter> VALUE]... --state FILE [--output FILE]
//!           [--interval SECONDS] [--once] [--since DURATION] [--overlap DURATION]
//!           [--metrics ADDR]
//! ```
//!
//! One command per operation of the spec, named by its kebab-case
//! operationId, built by the generated [`crate::generated::Cli`]; the
//! global flags are accepted before or after the command.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Arg, ArgAction, ArgMatches, Command};
use hss_client::spec::{PROJECT_ID, Parameter, ParameterLocation, Schema};
use hss_client::{HssClient, Operation};

use crate::config::Globals;
use crate::exit::{Failure, Status};
use crate::export::Export;
use crate::format::Format;
use crate::generated::{Cli, CliCommand, CliConfig};
use crate::visit::{Argument, call};

/// The name of the export command.
const EXPORT: &str = "export";
/// The name of the watch command.
const WATCH: &str = "watch";

/// The command-line name of an operation: its kebab-case operationId.
pub fn command_name(operation: Operation) -> String {
    operation.method_name().replace('_', "-")
}

/// The flag of a parameter, as the generated commands name it.
fn flag(rust_name: &str) -> String {
    rust_name.replace('_', "-")
}

/// The generated commands have no output of their own; `hss` prints
/// through `hss-client` instead.
struct Quiet;

impl CliConfig for Quiet {
    fn success_item<T>(&self, _value: &hss_client::raw::ResponseValue<T>)
    where
        T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
    {
    }
    fn success_no_item(&self, _value: &hss_client::raw::ResponseValue<()>) {}
    fn error<T>(&self, _value: &hss_client::raw::Error<T>)
    where
        T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
    {
    }
    fn list_start<T>(&self)
    where
        T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
    {
    }
    fn list_item<T>(&self, _value: &T)
    where
        T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
    {
    }
    fn list_end_success<T>(&self)
    where
        T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
    {
    }
    fn list_end_error<T>(&self, _value: &hss_client::raw::Error<T>)
    where
        T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
    {
    }
}

/// Every operation with its generated command.
fn operations() -> Vec<(Operation, CliCommand)> {
    CliCommand::iter()
        .filter_map(|command| {
            Operation::from_method_name(command.operation_id()).map(|op| (op, command))
        })
        .collect()
}

/// The default of a parameter, as text: the spec's, or for the offset of
/// an operation that pages, its smallest value (the first page).
fn default_of(operation: Operation, parameter: &Parameter) -> Option<String> {
    if let (Some(pagination), Schema::Integer(integer)) = (operation.pagination(), parameter.schema)
        && pagination.offset == parameter.name
        && integer.default.is_none()
    {
        return Some(integer.lowest().to_string());
    }
    match parameter.schema {
        Schema::Integer(integer) => integer.default.map(|d| d.to_string()),
        Schema::String(string) => string.default.map(str::to_string),
        Schema::Boolean { default } => default.map(|d| d.to_string()),
        _ => None,
    }
}

/// The generated command of `operation`, named, with the project id
/// optional (the global flag or the environment gives it) and so is every
/// parameter the spec gives a default (the client fills it in).
fn operation_command(operation: Operation, command: CliCommand) -> Command {
    let mut cmd = Cli::<Quiet>::get_command(command).name(command_name(operation));
    for parameter in operation.parameters() {
        let id = flag(parameter.rust_name);
        if matches!(parameter.schema, Schema::Integer(_) | Schema::Number) {
            // `--start-time -1` is a value, not a flag.
            cmd = cmd.mut_arg(&id, |arg| arg.allow_negative_numbers(true));
        }
        if parameter.location == ParameterLocation::Path && parameter.name == PROJECT_ID {
            cmd = cmd.mut_arg(id, |arg| {
                arg.required(false)
                    .help("The project id [default: --project-id, or HUAWEICLOUD_SDK_PROJECT_ID]")
            });
        } else if let Some(default) = default_of(operation, parameter) {
            cmd = cmd.mut_arg(id, |arg| {
                let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
                arg.required(false)
                    .help(format!("{help} [default: {default}]").trim().to_string())
            });
        }
    }
    cmd
}

/// The whole command tree.
pub fn command() -> Command {
    let mut root = Command::new("hss")
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
             Exit status: 0 done, 1 done with rejected records, 2 usage or configuration error, \
             3 service error.",
        )
        .subcommand_required(true)
        .arg_required_else_help(true)
        .arg(
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
        );
    let mut export = Command::new(EXPORT)
        .about("Write every record of a paginated operation to stdout or a file")
        .subcommand_required(true)
        .arg_required_else_help(true);
    for (operation, generated) in operations() {
        root = root.subcommand(operation_command(operation, generated));
        if let Some(pagination) = operation.pagination() {
            let mut cmd = operation_command(operation, generated);
            for name in [pagination.offset, pagination.limit] {
                if let Some(parameter) = operation.parameter(name) {
                    cmd = cmd.mut_arg(flag(parameter.rust_name), |arg| arg.hide(true));
                }
            }
            export = export.subcommand(export_flags(cmd));
        }
    }
    root.subcommand(export).subcommand(watch_command())
}

/// The parameters `hss watch` takes as filters: every query parameter of
/// a paginated operation but its paging and time-window parameters (which
/// the watch sets), by wire name, with the first operation that has it.
fn watch_filters() -> Vec<(&'static Parameter, Operation)> {
    let mut out: Vec<(&'static Parameter, Operation)> = Vec::new();
    for &operation in Operation::ALL {
        let Some(pagination) = operation.pagination() else {
            continue;
        };
        let window = operation.time_window();
        for parameter in operation.parameters() {
            let set_by_watch = parameter.name == pagination.offset
                || parameter.name == pagination.limit
                || window.is_some_and(|w| parameter.name == w.start || parameter.name == w.end);
            if set_by_watch
                || parameter.location != ParameterLocation::Query
                || out.iter().any(|(p, _)| p.name == parameter.name)
            {
                continue;
            }
            out.push((parameter, operation));
        }
    }
    out
}

/// `hss watch <operation>...`.
fn watch_command() -> Command {
    let names: Vec<String> = Operation::ALL
        .iter()
        .filter(|op| op.pagination().is_some())
        .map(|op| command_name(*op))
        .collect();
    let mut cmd = Command::new(WATCH)
        .about("Follow paginated operations: write every new or changed record as it comes, restart-safe")
        .long_about(
            "Follow one or more paginated operations: a first cycle backfills what the filters \
             select, then a cycle each --interval writes only the records that are new or changed, \
             one NDJSON line each: {\"operation\": ..., \"id\": ..., \"record\": {...}}, where \
             id is the same for the same version of the same record. A filter given several times \
             gives a feed for each value; a filter applies to every operation that has it. \
             --state is written after each page, so rerunning the same command after a crash \
             writes every record version exactly once across the runs. Stops on SIGINT or SIGTERM \
             with exit status 0.",
        )
        .arg(
            Arg::new("operations")
                .value_name("OPERATION")
                .required(true)
                .num_args(1..)
                .value_parser(clap::builder::PossibleValuesParser::new(names))
                .help("The operations to follow"),
        )
        .arg(
            Arg::new("state")
                .long("state")
                .value_name("FILE")
                .required(true)
                .value_parser(clap::value_parser!(PathBuf))
                .help("Where the watch keeps its place"),
        )
        .arg(
            Arg::new("output")
                .long("output")
                .short('o')
                .value_name("FILE")
                .value_parser(clap::value_parser!(PathBuf))
                .help("Append to FILE instead of writing to stdout"),
        )
        .arg(
            Arg::new("interval")
                .long("interval")
                .value_name("SECONDS")
                .default_value("60")
                .value_parser(clap::value_parser!(u64).range(1..))
                .help("Seconds from the start of one cycle to the start of the next"),
        )
        .arg(
            Arg::new("once")
                .long("once")
                .action(ArgAction::SetTrue)
                .help("Run one cycle of each feed and exit (for cron and systemd timers)"),
        )
        .arg(
            Arg::new("since")
                .long("since")
                .value_name("DURATION")
                .default_value("24h")
                .value_parser(parse_duration)
                .help("How far back the first cycle reads, for operations with a time window"),
        )
        .arg(
            Arg::new("overlap")
                .long("overlap")
                .value_name("DURATION")
                .default_value("2m")
                .value_parser(parse_duration)
                .help("How far each time window reaches back, for records indexed late"),
        )
        .arg(
            Arg::new("metrics")
                .long("metrics")
                .value_name("ADDR")
                .value_parser(clap::value_parser!(std::net::SocketAddr))
                .help("Serve Prometheus metrics at http://ADDR/metrics"),
        )
        .arg(
            Arg::new("page-size")
                .long("page-size")
                .value_name("N")
                .value_parser(clap::value_parser!(i64))
                .help("Records a page [default: the largest the operation allows]"),
        );
    for (parameter, _) in watch_filters() {
        let mut arg = Arg::new(parameter.name)
            .long(flag(parameter.rust_name))
            .value_name(parameter.name.to_uppercase())
            .action(ArgAction::Append)
            .help(parameter.description);
        if matches!(parameter.schema, Schema::Integer(_) | Schema::Number) {
            arg = arg.allow_negative_numbers(true);
        }
        cmd = cmd.arg(arg);
    }
    cmd
}

/// A duration such as `24h`, `30m`, `90s` or `2d`.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let amount: u64 = number
        .parse()
        .map_err(|_| format!("expected a duration such as 24h, 30m or 90s, got {text:?}"))?;
    let seconds = match unit {
        "s" | "" => Some(amount),
        "m" => amount.checked_mul(60),
        "h" => amount.checked_mul(3600),
        "d" => amount.checked_mul(86_400),
        _ => None,
    }
    .ok_or_else(|| format!("expected a duration such as 24h, 30m or 90s, got {text:?}"))?;
    Ok(std::time::Duration::from_secs(seconds))
}

/// The feeds `hss watch` was given: each operation, once for every
/// combination of the values of the filters it has; each named by its
/// operation and filters.
fn watch_feeds(matches: &ArgMatches) -> Result<Vec<(String, hss_client::watch::Feed)>, Failure> {
    let operations: Vec<Operation> = matches
        .get_many::<String>("operations")
        .into_iter()
        .flatten()
        .filter_map(|name| operation_named(name))
        .collect();
    let since = matches
        .get_one::<std::time::Duration>("since")
        .copied()
        .unwrap_or_default();
    let overlap = matches
        .get_one::<std::time::Duration>("overlap")
        .copied()
        .unwrap_or_default();
    let page_size = matches.get_one::<i64>("page-size").copied();
    let mut feeds = Vec::new();
    for operation in operations {
        // Every combination of the values given for its parameters.
        let mut combinations: Vec<Vec<(&'static str, String)>> = vec![Vec::new()];
        for parameter in operation.parameters() {
            let Some(values) = matches
                .try_get_many::<String>(parameter.name)
                .ok()
                .flatten()
            else {
                continue;
            };
            let values: Vec<String> = values.cloned().collect();
            combinations = combinations
                .into_iter()
                .flat_map(|given| {
                    values.iter().map(move |value| {
                        let mut more = given.clone();
                        more.push((parameter.name, value.clone()));
                        more
                    })
                })
                .collect();
        }
        for given in combinations {
            let missing = operation.parameters().iter().find(|p| {
                p.required
                    && p.location == ParameterLocation::Query
                    && default_of(operation, p).is_none()
                    && operation
                        .time_window()
                        .is_none_or(|w| p.name != w.start && p.name != w.end)
                    && !given.iter().any(|(name, _)| *name == p.name)
            });
            if let Some(parameter) = missing {
                return Err(Failure::usage(format!(
                    "{} needs --{}: give it once, or once for each feed",
                    command_name(operation),
                    flag(parameter.rust_name)
                )));
            }
            let mut name = operation.operation_id().to_string();
            let mut sorted = given.clone();
            sorted.sort();
            for (parameter, value) in &sorted {
                name.push_str(&format!(" {parameter}={value}"));
            }
            let query = given
                .iter()
                .fold(hss_client::Query::new(operation), |query, (n, v)| {
                    query.with(*n, v.clone())
                });
            let mut feed = hss_client::watch::Feed::new(query);
            feed.since = since;
            feed.overlap = overlap;
            feed.page_size = page_size;
            feeds.push((name, feed));
        }
    }
    Ok(feeds)
}

/// The flags of `hss export <operation>`.
fn export_flags(cmd: Command) -> Command {
    cmd.arg(
        Arg::new("format")
            .long("format")
            .value_parser(clap::value_parser!(Format))
            .default_value("ndjson")
            .help("Output format"),
    )
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

/// The parameters given on the command line, by wire name, as text; a
/// required one left out gets its default ([`default_of`]).
fn arguments(operation: Operation, matches: &ArgMatches, skip: &[&str]) -> Vec<Argument> {
    let mut out = Vec::new();
    for parameter in operation.parameters() {
        if skip.contains(&parameter.name) {
            continue;
        }
        let id = flag(parameter.rust_name);
        if let Ok(Some(mut values)) = matches.try_get_raw(&id)
            && let Some(value) = values.next()
        {
            out.push((parameter.name, value.to_string_lossy().into_owned()));
        } else if parameter.required
            && parameter.name != PROJECT_ID
            && let Some(default) = default_of(operation, parameter)
        {
            out.push((parameter.name, default));
        }
    }
    out
}

/// The operation a subcommand name stands for.
fn operation_named(name: &str) -> Option<Operation> {
    Operation::ALL
        .iter()
        .copied()
        .find(|op| command_name(*op) == name)
}

/// Runs `hss` with `args` and `lookup` for the environment.
pub async fn run(
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Status, Failure> {
    let matches = match command().try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(error) => {
            let informational = matches!(
                error.kind(),
                clap::error::ErrorKind::DisplayHelp
                    | clap::error::ErrorKind::DisplayVersion
                    | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            );
            let _ = error.print();
            return Ok(
                if informational
                    && error.kind()
                        != clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
                {
                    Status::Done
                } else {
                    Status::Usage
                },
            );
        }
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
    if name == WATCH {
        let feeds = watch_feeds(sub)?;
        let Some((_, first)) = feeds.first() else {
            return Err(Failure::usage("no operation given; see hss watch --help"));
        };
        let client = client(&globals, first.operation(), sub, &lookup).await?;
        let watch = crate::watch::Watch {
            feeds,
            state: sub
                .get_one::<PathBuf>("state")
                .cloned()
                .ok_or_else(|| Failure::usage("hss watch needs --state FILE"))?,
            output: sub.get_one::<PathBuf>("output").cloned(),
            interval: std::time::Duration::from_secs(
                sub.get_one::<u64>("interval").copied().unwrap_or(60),
            ),
            once: sub.get_flag("once"),
            metrics: sub.get_one::<std::net::SocketAddr>("metrics").copied(),
        };
        return crate::watch::run(&client, &watch).await;
    }
    if name == EXPORT {
        let Some((name, sub)) = sub.subcommand() else {
            return Err(Failure::usage("no operation given; see hss export --help"));
        };
        let operation = operation_named(name)
            .ok_or_else(|| Failure::usage(format!("unknown operation {name}")))?;
        let pagination = operation.pagination();
        let skip: Vec<&str> = pagination
            .map(|p| vec![p.offset, p.limit])
            .unwrap_or_default();
        let client = client(&globals, operation, sub, &lookup).await?;
        let mut export = Export::new(operation);
        export.arguments = arguments(operation, sub, &skip);
        export.format = sub
            .get_one::<Format>("format")
            .copied()
            .unwrap_or(Format::Ndjson);
        export.output = sub.get_one::<PathBuf>("output").cloned();
        export.checkpoint = sub.get_one::<PathBuf>("checkpoint").cloned();
        export.rejects = sub.get_one::<PathBuf>("rejects").cloned();
        export.page_size = sub.get_one::<i64>("page-size").copied();
        if let Some(prefetch) = sub.get_one::<hss_client::Prefetch>("prefetch") {
            export.prefetch = *prefetch;
        }
        export.quiet = sub.get_flag("quiet");
        let summary = crate::export::run(&client, &export).await?;
        if summary.rejected > 0 {
            eprintln!(
                "{}: {} records written, {} set aside as not matching their schema",
                operation, summary.records, summary.rejected
            );
        }
        return Ok(summary.status());
    }
    let operation =
        operation_named(name).ok_or_else(|| Failure::usage(format!("unknown command {name}")))?;
    let client = client(&globals, operation, sub, &lookup).await?;
    let body = call(&client, operation, arguments(operation, sub, &[])).await?;
    let text = serde_json::to_string_pretty(&body)
        .map_err(|e| Failure::local(format!("cannot print the answer: {e}")))?;
    println!("{text}");
    Ok(Status::Done)
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
