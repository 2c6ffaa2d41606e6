//! Requests built from the spec's operations table: a valid value for
//! every parameter, the values at and just past each bound, and sending
//! them through `HssClient` (by name, through [`HssClient::visit`]) or as
//! plain HTTP to hss-mock.

use futures::future::{BoxFuture, ready};
use hss_client::prelude::*;
use hss_client::spec::{Parameter, Schema};

/// A valid query of `operation`: every required query parameter at a value
/// the spec allows ([`Operation::example_query`]).
pub fn valid_query(operation: Operation) -> Vec<(String, String)> {
    operation
        .example_query()
        .unwrap_or_else(|| panic!("{operation}: no required parameter value the spec allows"))
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect()
}

/// `query` with `name` set to `value` (added when it is not there).
pub fn with(query: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = query.iter().filter(|(k, _)| k != name).cloned().collect();
    out.push((name.to_string(), value.to_string()));
    out
}

/// A query of `operation` that selects some of the records `mock` serves:
/// [`valid_query`], the widest time window (`x-time-window`), and every
/// filter the query sets at the value of the mock's first record.
pub fn selecting_query(
    mock: &hss_mock::RunningMock,
    operation: Operation,
) -> Vec<(String, String)> {
    let records = mock
        .records(operation)
        .unwrap_or_else(|| panic!("{operation}: the mock serves no records"));
    let mut query = valid_query(operation);
    if let Some(window) = operation.time_window() {
        query = with(
            &query,
            window.start,
            &extreme(operation, window.start, false),
        );
        query = with(&query, window.end, &extreme(operation, window.end, true));
    }
    let unset = query.clone();
    for (name, _) in hss_mock::records::filters(operation, &unset) {
        let value = records
            .field(0, name)
            .unwrap_or_else(|| panic!("{operation}: record 0 has no {name}"));
        query = with(&query, name, &value);
    }
    query
}

/// The records of `operation` that the still list of `mock` holds for
/// `query`, as JSON, in list order: what a pass over every page of the
/// query must give. The mock's truth, found as its handler finds a page:
/// the query's time window, when the operation has one, then its filters.
pub fn selected_records(
    mock: &hss_mock::RunningMock,
    operation: Operation,
    query: &[(String, String)],
) -> Vec<serde_json::Value> {
    let records = mock
        .records(operation)
        .unwrap_or_else(|| panic!("{operation}: the mock serves no records"));
    let number = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse::<i64>().ok())
    };
    let range = match operation
        .time_window()
        .and_then(|window| Some((number(window.start)?, number(window.end)?)))
    {
        Some((start, end)) => records.window(start, end),
        None => 0..records.len(),
    };
    let filters = hss_mock::records::filters(operation, query);
    hss_mock::records::select(records, range, &filters, 0, u64::MAX)
        .indices
        .into_iter()
        .map(|index| {
            let mut out = Vec::new();
            records.write(index, &mut out);
            serde_json::from_slice(&out)
                .unwrap_or_else(|e| panic!("{operation}: record {index} is not JSON: {e}"))
        })
        .collect()
}

/// The filters of [`selecting_query`]: every parameter it sets but the
/// paging ones, and but the time window's unless `with_window` (a feed or
/// a watch sets the window itself).
pub fn selecting_filters(
    mock: &hss_mock::RunningMock,
    operation: Operation,
    with_window: bool,
) -> Vec<(String, String)> {
    let paging = operation.pagination();
    let window = operation.time_window();
    selecting_query(mock, operation)
        .into_iter()
        .filter(|(name, _)| {
            paging.is_none_or(|p| name != p.offset && name != p.limit)
                && (with_window || window.is_none_or(|w| name != w.start && name != w.end))
        })
        .collect()
}

/// The widest value of an integer parameter, as text: its highest or its
/// lowest.
pub fn extreme(operation: Operation, name: &str, highest: bool) -> String {
    match operation.parameter(name).map(|p| p.schema) {
        Some(Schema::Integer(integer)) if highest => integer.highest().to_string(),
        Some(Schema::Integer(integer)) => integer.lowest().to_string(),
        other => panic!("{operation}: {name} is not an integer parameter: {other:?}"),
    }
}

/// The values at each bound of `parameter` that the spec states, each
/// with whether it is allowed: the minimum and the maximum are, one past
/// them is not; the same for lengths; a listed value is and an unlisted one
/// is not, for a closed list. Values past the wire format are left out.
pub fn boundary_values(parameter: &Parameter) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    match parameter.schema {
        Schema::Integer(integer) => {
            if let Some(max) = integer.maximum {
                out.push((max.to_string(), true));
                if max < integer.format_max() {
                    out.push(((max + 1).to_string(), false));
                }
            }
            if let Some(min) = integer.minimum {
                out.push((min.to_string(), true));
                if min > integer.format_min() {
                    out.push(((min - 1).to_string(), false));
                }
            }
        }
        Schema::String(string) => {
            if let Some(max) = string.max_length {
                out.push(("m".repeat(max as usize), true));
                out.push(("m".repeat(max as usize + 1), false));
            }
            if let Some(min) = string.min_length.filter(|m| *m > 0) {
                out.push(("m".repeat(min as usize), true));
                out.push(("m".repeat(min as usize - 1), false));
            }
            if string.closed
                && let Some(first) = string.values.first()
            {
                out.push((first.to_string(), true));
                out.push(("not-a-listed-value".to_string(), false));
            }
        }
        _ => {}
    }
    out
}

/// Sends `operation` through `client` with `query` set by name; the
/// decoded body is dropped.
pub fn send<'a>(
    client: &'a HssClient,
    operation: Operation,
    query: &[(String, String)],
) -> BoxFuture<'a, Result<(), Error>> {
    client.visit(
        operation,
        Send {
            query: query.to_vec(),
        },
    )
}

struct Send {
    query: Vec<(String, String)>,
}

impl<'a> OperationVisitor<'a> for Send {
    type Output = BoxFuture<'a, Result<(), Error>>;

    fn call<B: OperationExt<'a>>(self, mut builder: B) -> Self::Output {
        for (name, value) in &self.query {
            builder = match builder.with_parameter(name, value) {
                Ok(builder) => builder,
                Err(error) => return Box::pin(ready(Err(error))),
            };
        }
        Box::pin(async move { builder.call().await.map(|_| ()) })
    }

    fn unsupported(self, operation: Operation) -> Self::Output {
        Box::pin(ready(Err(Error::Config(format!(
            "{operation} cannot be called"
        )))))
    }
}
