//! `hss <operation>`: one call of the operation, its answer printed as
//! JSON.

use clap::ArgMatches;
use hss_client::{HssClient, Operation};

use crate::exit::{Failure, Status};
use crate::operations::arguments;
use crate::visit::call;

/// Calls `operation` with the parameters `matches` give, and prints the
/// answer.
pub async fn run(
    client: &HssClient,
    operation: Operation,
    matches: &ArgMatches,
) -> Result<Status, Failure> {
    let body = call(client, operation, arguments(operation, matches, &[])).await?;
    let text = serde_json::to_string_pretty(&body)
        .map_err(|e| Failure::local(format!("cannot print the answer: {e}")))?;
    println!("{text}");
    Ok(Status::Done)
}
