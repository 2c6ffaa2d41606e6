//! One tool call: its arguments checked and turned into a query and a page
//! plan, the pages read through the client (its budget, validation,
//! credentials and retries, as for every `hss` command), and the result:
//! the records, how many the list holds, and a cursor to go on.

use std::time::{Duration, SystemTime};

use futures::StreamExt;
use hss_client::{Cursor, Error, HssClient, Operation, PageOptions, Query, RecordKey};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::tools::{DEFAULT_MAX_RECORDS, given_parameters, max_records_bounds};
use crate::schema::{EventSchema, Mapper};

/// A call, checked.
#[derive(Clone, Debug)]
pub struct Plan {
    operation: Operation,
    arguments: Vec<(String, String)>,
    cursor: Option<Cursor>,
    page_size: i64,
    pages: i64,
}

/// Why a call gives no records: an error result for the assistant.
#[derive(Debug)]
pub enum CallError {
    /// The arguments break the spec; nothing was sent.
    Input(String),
    /// The service, the network or the credentials failed.
    Service(String),
}

/// What a cursor carries: the query it belongs to and where it stands.
#[derive(Serialize, Deserialize)]
struct Token {
    arguments: Vec<(String, String)>,
    cursor: Cursor,
}

/// Checks `arguments` of `operation`'s tool; no request is sent.
pub fn plan(operation: Operation, arguments: &Map<String, Value>) -> Result<Plan, CallError> {
    let mut given = Vec::new();
    let (mut max_records, mut token) = (None, None);
    for (name, value) in arguments {
        match name.as_str() {
            "max_records" => max_records = Some(value),
            "cursor" => token = value.as_str().map(str::to_string),
            _ if given_parameters(operation).any(|p| p.name == name) => {
                let text = match value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                given.push((name.clone(), text));
            }
            _ => {
                let known: Vec<&str> = given_parameters(operation).map(|p| p.name).collect();
                return Err(CallError::Input(format!(
                    "unknown argument {name}; {} takes {}, max_records and cursor",
                    operation.method_name(),
                    known.join(", ")
                )));
            }
        }
    }
    given.sort();
    let (low, high) = max_records_bounds(operation);
    let max_records = match max_records {
        None => DEFAULT_MAX_RECORDS.clamp(low, high),
        Some(value) => value
            .as_i64()
            .filter(|n| (low..=high).contains(n))
            .ok_or_else(|| {
                CallError::Input(format!(
                    "max_records = {value}: allowed a whole number from {low} to {high}"
                ))
            })?,
    };
    let cursor = token.map(|t| resume(&t, &given)).transpose()?;
    let largest = operation
        .pagination()
        .map_or(1, |p| p.max_limit.unwrap_or(p.default_page_size));
    let pages = (max_records + largest - 1) / largest;
    Ok(Plan {
        operation,
        arguments: given,
        cursor,
        page_size: (max_records / pages.max(1)).max(low),
        pages: pages.max(1),
    })
}

/// The cursor of token `text`, which must belong to the same arguments.
fn resume(text: &str, given: &[(String, String)]) -> Result<Cursor, CallError> {
    let bad = || CallError::Input("cursor: not a cursor this server gave".to_string());
    let bytes = hex::decode(text).map_err(|_| bad())?;
    let token: Token = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if token.arguments != given {
        return Err(CallError::Input(
            "cursor: it goes on a call with other arguments; give the arguments of the call that returned it".into(),
        ));
    }
    Ok(token.cursor)
}

/// The calls the budget allows and the time until the next one is free,
/// when every place is taken: for a progress message.
pub fn budget_wait(client: &HssClient, operation: Operation) -> Option<(String, Duration)> {
    let quota = client.quota(operation)?;
    let recent = client.recent_requests(operation);
    // Each request counts from its last event (sent, then answered).
    let mut counted: std::collections::BTreeMap<u64, SystemTime> = Default::default();
    for observation in &recent {
        let at = counted.entry(observation.request).or_insert(observation.at);
        *at = (*at).max(observation.at);
    }
    if (counted.len() as u64) < u64::from(quota.calls) {
        return None;
    }
    let oldest = counted.values().min()?;
    let free = *oldest + quota.window;
    let left = free.duration_since(SystemTime::now()).unwrap_or_default();
    let text = format!("{} calls every {} s", quota.calls, quota.window.as_secs());
    Some((text, left))
}

/// Runs `plan`: its pages through `client`, each record as `schema` says;
/// `on_page` hears of every page (records so far).
pub async fn run(
    client: &HssClient,
    plan: Plan,
    schema: EventSchema,
    on_page: &(dyn Fn(u64) + Send + Sync),
) -> Result<Value, CallError> {
    let operation = plan.operation;
    let Some(paging) = operation.pagination() else {
        let query = plan
            .arguments
            .iter()
            .fold(Query::new(operation), |q, (k, v)| q.with(k, v));
        let body = query.call(client).await.map_err(failure)?;
        return Ok(json!({ "response": body }));
    };
    let mut mapper = match schema.siem() {
        Some(siem) => {
            Some(Mapper::new(client, operation, siem).map_err(|f| CallError::Input(f.message))?)
        }
        None => None,
    };
    let query = plan
        .arguments
        .iter()
        .fold(Query::new(operation), |q, (k, v)| q.with(k, v));
    let mut options = PageOptions::default().with_page_size(plan.page_size);
    if let Some(cursor) = plan.cursor.clone() {
        options = options.with_cursor(cursor);
    }
    let mut pages = query
        .pages(client.clone(), options)
        .take(plan.pages as usize);
    let (mut records, mut left_out) = (Vec::new(), 0u64);
    let (mut total, mut cursor) = (None, plan.cursor.clone());
    while let Some(page) = pages.next().await {
        let page = page.map_err(failure)?;
        total = page.total.or(total);
        for item in page.items {
            let Ok(record) = item else {
                left_out += 1;
                continue;
            };
            let value = record.to_value().map_err(failure)?;
            match mapper.as_mut() {
                None => records.push(value),
                Some(mapper) => {
                    let id = RecordKey::of_version(record.key, record.version.as_deref());
                    match mapper.event(&value, id) {
                        Ok(event) => records.push(event),
                        Err(_) => left_out += 1,
                    }
                }
            }
        }
        cursor = Some(page.cursor);
        on_page(records.len() as u64);
    }
    Ok(result(
        client,
        &plan,
        paging.total,
        (records, left_out),
        total,
        cursor,
    ))
}

/// The structured result.
fn result(
    client: &HssClient,
    plan: &Plan,
    total_field: &str,
    (records, left_out): (Vec<Value>, u64),
    total: Option<i64>,
    cursor: Option<Cursor>,
) -> Value {
    let operation = plan.operation;
    let more = cursor.filter(|c| !c.is_done());
    // At the largest page: what the rest costs at the least.
    let page = operation
        .pagination()
        .map_or(plan.page_size, |p| {
            p.max_limit.unwrap_or(p.default_page_size)
        })
        .max(1);
    let rest = match (&more, total) {
        (Some(c), Some(total)) => ((total - c.next_offset()).max(0) + page - 1) / page,
        _ => 0,
    };
    let seconds = client.quota(operation).map_or(0.0, |q| {
        rest as f64 / f64::from(q.calls.max(1)) * q.window.as_secs_f64()
    });
    let token = more.map(|cursor| {
        let token = Token {
            arguments: plan.arguments.clone(),
            cursor,
        };
        hex::encode(serde_json::to_vec(&token).unwrap_or_default())
    });
    let mut out = json!({
        "records": records,
        "cursor": token,
        "requests_for_rest": rest,
        "seconds_for_rest": seconds,
    });
    out[total_field] = total.into();
    if left_out > 0 {
        out["left_out"] = left_out.into();
    }
    out
}

/// The summary line of a result.
pub fn summary(operation: Operation, result: &Value) -> String {
    let count = result["records"].as_array().map_or(0, Vec::len);
    let total_field = operation.pagination().map_or("total", |p| p.total);
    let mut text = format!("{}: {count} records", operation.method_name());
    if let Some(total) = result[total_field].as_i64() {
        text.push_str(&format!(" of {total}"));
    }
    match result["cursor"].as_str() {
        Some(_) => text.push_str(&format!(
            "; more remain (cursor given): {} requests, at least {:.0} s at the calls allowed",
            result["requests_for_rest"],
            result["seconds_for_rest"].as_f64().unwrap_or(0.0)
        )),
        None => text.push_str("; the list is done"),
    }
    text
}

/// An error the assistant can act on: the input's own words when nothing
/// was sent, else the service's code and request id, never a secret.
fn failure(error: Error) -> CallError {
    match error {
        Error::InvalidInput { .. } => CallError::Input(error.to_string()),
        other => CallError::Service(other.to_string()),
    }
}
