//! The commands of the spec's operations: progenitor's generated clap
//! commands ([`crate::generated`]) under the operations' names, with the
//! project id and every parameter the spec gives a default made optional,
//! and the parameters a command line gives, by wire name, as text.

use clap::{ArgMatches, Command};
use hss_client::Operation;
use hss_client::spec::{PROJECT_ID, Parameter, ParameterLocation, Schema};

use crate::generated::{Cli, CliCommand, CliConfig};
use crate::names::{command_name, flag};
use crate::visit::Argument;

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
pub fn operations() -> Vec<(Operation, CliCommand)> {
    CliCommand::iter()
        .filter_map(|command| {
            Operation::from_method_name(command.operation_id()).map(|op| (op, command))
        })
        .collect()
}

/// The default of a parameter, as text: the spec's, or for the offset of
/// an operation that pages, its smallest value (the first page).
pub fn default_of(operation: Operation, parameter: &Parameter) -> Option<String> {
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
pub fn operation_command(operation: Operation, command: CliCommand) -> Command {
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

/// The parameters given on the command line, by wire name, as text; a
/// required one left out gets its default ([`default_of`]).
pub fn arguments(operation: Operation, matches: &ArgMatches, skip: &[&str]) -> Vec<Argument> {
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
