//! `hss watch`'s command line: its flags, its filters (every query
//! parameter of a paginated operation that the watch does not set itself),
//! and the feeds they give.

use std::path::PathBuf;

use clap::{Arg, ArgAction, ArgMatches, Command};
use hss_client::Operation;
use hss_client::spec::{Parameter, ParameterLocation, Schema};

use super::Watch;
use crate::exit::Failure;
use crate::names::{command_name, flag, operation_named};
use crate::operations::default_of;

/// The name of the command.
pub const WATCH: &str = "watch";

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
pub fn command() -> Command {
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
             writes every record version exactly once across the runs. A record that breaks its \
             schema, or that --schema cannot take, is left out with a warning on stderr, and set \
             aside in --rejects. Stops on SIGINT or SIGTERM with exit status 0; --once exits 1 \
             when records were left out, 2 on a usage or configuration error, 3 when the service \
             or the way to it failed.",
        )
        .arg(
            Arg::new("operations")
                .value_name("OPERATION")
                .required(true)
                .num_args(1..)
                .value_parser(clap::builder::PossibleValuesParser::new(names))
                .help("The operations to follow"),
        );
    cmd = watch_flags(cmd);
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

/// The flags of `hss watch` besides its filters.
fn watch_flags(cmd: Command) -> Command {
    cmd.arg(crate::schema::arg())
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
            Arg::new("rejects")
                .long("rejects")
                .value_name("FILE")
                .value_parser(clap::value_parser!(PathBuf))
                .help("Append the records left out (breaking their schema, or not taken by --schema) to FILE, one JSON line each"),
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
        )
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

/// The watch `hss watch` was given: its feeds, state, output and timing.
pub fn parse(matches: &ArgMatches) -> Result<Watch, Failure> {
    let feeds = feeds(matches)?;
    if feeds.is_empty() {
        return Err(Failure::usage("no operation given; see hss watch --help"));
    }
    Ok(Watch {
        feeds,
        state: matches
            .get_one::<PathBuf>("state")
            .cloned()
            .ok_or_else(|| Failure::usage("hss watch needs --state FILE"))?,
        output: matches.get_one::<PathBuf>("output").cloned(),
        rejects: matches.get_one::<PathBuf>("rejects").cloned(),
        interval: std::time::Duration::from_secs(
            matches.get_one::<u64>("interval").copied().unwrap_or(60),
        ),
        once: matches.get_flag("once"),
        metrics: matches.get_one::<std::net::SocketAddr>("metrics").copied(),
        schema: matches
            .get_one::<crate::schema::EventSchema>("schema")
            .copied()
            .unwrap_or_default(),
    })
}

/// The feeds `hss watch` was given: each operation, once for every
/// combination of the values of the filters it has; each named by its
/// operation and filters.
fn feeds(matches: &ArgMatches) -> Result<Vec<(String, hss_client::watch::Feed)>, Failure> {
    let duration = |name: &str| {
        matches
            .get_one::<std::time::Duration>(name)
            .copied()
            .unwrap_or_default()
    };
    let (since, overlap) = (duration("since"), duration("overlap"));
    let page_size = matches.get_one::<i64>("page-size").copied();
    let mut feeds = Vec::new();
    let operations = matches
        .get_many::<String>("operations")
        .into_iter()
        .flatten()
        .filter_map(|name| operation_named(name));
    for operation in operations {
        for given in combinations(operation, matches) {
            check_required(operation, &given)?;
            let name = feed_name(operation, &given);
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

/// Every combination of the values given for `operation`'s parameters.
fn combinations(operation: Operation, matches: &ArgMatches) -> Vec<Vec<(&'static str, String)>> {
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
    combinations
}

/// A required query parameter a feed lacks (one the spec gives no default
/// and the watch does not set) is a usage error.
fn check_required(operation: Operation, given: &[(&'static str, String)]) -> Result<(), Failure> {
    let missing = operation.parameters().iter().find(|p| {
        p.required
            && p.location == ParameterLocation::Query
            && default_of(operation, p).is_none()
            && operation
                .time_window()
                .is_none_or(|w| p.name != w.start && p.name != w.end)
            && !given.iter().any(|(name, _)| *name == p.name)
    });
    match missing {
        Some(parameter) => Err(Failure::usage(format!(
            "{} needs --{}: give it once, or once for each feed",
            command_name(operation),
            flag(parameter.rust_name)
        ))),
        None => Ok(()),
    }
}

/// A feed's name: its operation and filters, sorted.
fn feed_name(operation: Operation, given: &[(&'static str, String)]) -> String {
    let mut name = operation.operation_id().to_string();
    let mut sorted = given.to_vec();
    sorted.sort();
    for (parameter, value) in &sorted {
        name.push_str(&format!(" {parameter}={value}"));
    }
    name
}
