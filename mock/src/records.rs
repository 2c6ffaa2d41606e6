//! What the mock serves for each operation: a [`Records`] source per
//! operation of the spec, and the page a request selects from it.
//!
//! Hand-tuned sources ([`crate::data`]) serve the operations whose shape
//! they fit; every other operation gets records built from its response
//! item schema ([`crate::synthetic`]). Either way, nothing is stored: record `i` is
//! computed from the seed and `i` when it is asked for.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use hss_client::operations::Operation;
use hss_client::spec::ParameterLocation;
use serde_json::{Map, Value};

use crate::data::{Dataset, EventRecords, LogRecords};
use crate::synthetic::Synthetic;

/// The records of one operation.
pub trait Records: Send + Sync + fmt::Debug {
    /// How many records there are.
    fn len(&self) -> u64;

    /// Whether there is none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends record `index`, as JSON, to `out`.
    fn write(&self, index: u64, out: &mut Vec<u8>);

    /// A top-level field of record `index` as text (a string as it is, a
    /// number in decimal), for filters; `None` when the record has none.
    fn field(&self, index: u64, name: &str) -> Option<Cow<'_, str>>;

    /// The records whose time-window field lies from `start` to `end`, both
    /// included: records are in time order, so this is a range of indices.
    fn window(&self, start: i64, end: i64) -> Range<u64>;

    /// The field [`Records::window`] compares, if it bounds the records at
    /// all.
    fn window_field(&self) -> Option<&str> {
        None
    }

    /// Where the records come from, in a few words, for the startup
    /// summary.
    fn origin(&self) -> &'static str;

    /// Response fields other than the total and the records.
    fn page_fields(&self) -> Map<String, Value> {
        Map::new()
    }
}

/// The hand-tuned sources, in order of preference.
fn tuned_sources(dataset: &Arc<Dataset>) -> Vec<Box<dyn Records>> {
    vec![
        Box::new(EventRecords(Arc::clone(dataset))),
        Box::new(LogRecords(Arc::clone(dataset))),
    ]
}

/// Whether the hand-tuned `source` can serve `operation` as the spec
/// describes it: the operation pages, every key of the source's records is
/// a field of the operation's item schema, every field the source adds to a
/// page is a field of the response, and the source windows records by the
/// operation's time-window field (or the operation has none and neither
/// does the source).
///
/// A tuned source is thus chosen by the shape the spec gives, not by the
/// operation's name: renaming or removing an operation in the spec needs no
/// edit here, and an operation whose records no longer fit gets synthetic
/// ones.
pub fn fits(source: &dyn Records, operation: Operation) -> bool {
    let (Some(item), Some(response)) = (operation.item_schema(), operation.response()) else {
        return false;
    };
    let mut sample = Vec::new();
    source.write(0, &mut sample);
    let Ok(Value::Object(record)) = serde_json::from_slice::<Value>(&sample) else {
        return false;
    };
    let window = operation.time_window().and_then(|w| w.field);
    record.keys().all(|key| item.field(key).is_some())
        && item
            .fields()
            .iter()
            .filter(|field| field.required)
            .all(|field| record.contains_key(field.name))
        && source
            .page_fields()
            .keys()
            .all(|key| response.field(key).is_some())
        && source.window_field() == window
}

/// The source of every operation of the spec: the first hand-tuned source
/// that [`fits`] it, else a [`Synthetic`] one.
pub fn sources(dataset: &Arc<Dataset>, seed: u64) -> Vec<(Operation, Box<dyn Records>)> {
    let mut tuned: Vec<Option<Box<dyn Records>>> =
        tuned_sources(dataset).into_iter().map(Some).collect();
    Operation::ALL
        .iter()
        .map(|&op| {
            let chosen = tuned
                .iter_mut()
                .find(|slot| slot.as_deref().is_some_and(|source| fits(source, op)))
                .and_then(Option::take);
            let source =
                chosen.unwrap_or_else(|| Box::new(Synthetic::new(op, seed, dataset.len())));
            (op, source)
        })
        .collect()
}

/// The filters a request sets: every query parameter named like a field of
/// the records, except the paging and time-window parameters, and except a
/// parameter's wildcard value.
pub fn filters(operation: Operation, query: &[(String, String)]) -> Vec<(&str, &str)> {
    let Some(item) = operation.item_schema() else {
        return Vec::new();
    };
    let pagination = operation.pagination();
    let window = operation.time_window();
    let reserved = |name: &str| {
        pagination.is_some_and(|p| p.offset == name || p.limit == name)
            || window.is_some_and(|w| w.start == name || w.end == name)
    };
    query
        .iter()
        .filter(|(name, value)| {
            let Some(parameter) = operation.parameter(name) else {
                return false;
            };
            parameter.location == ParameterLocation::Query
                && !reserved(name)
                && item.field(name).is_some()
                && parameter.wildcard != Some(value.as_str())
        })
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

/// One page: the total number of matching records and the indices of the
/// page's records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Records that match the query.
    pub total: u64,
    /// Indices of the records on this page, in order.
    pub indices: Vec<u64>,
}

/// The page of `records` within `range` that `filters` select, from the
/// `offset`th match, at most `limit` records.
pub fn select(
    records: &dyn Records,
    range: Range<u64>,
    filters: &[(&str, &str)],
    offset: u64,
    limit: u64,
) -> Page {
    if filters.is_empty() {
        let total = range.end.saturating_sub(range.start);
        let first = range.start.saturating_add(offset).min(range.end);
        let last = first.saturating_add(limit).min(range.end);
        return Page {
            total,
            indices: (first..last).collect(),
        };
    }
    let mut total = 0u64;
    let mut indices = Vec::new();
    for index in range {
        let matches = filters
            .iter()
            .all(|(name, value)| records.field(index, name).as_deref() == Some(*value));
        if matches {
            if total >= offset && (indices.len() as u64) < limit {
                indices.push(index);
            }
            total += 1;
        }
    }
    Page { total, indices }
}

/// The JSON body of a page: the total, the other page fields and the
/// records.
pub fn page_body(
    records: &dyn Records,
    total_field: &str,
    items_field: &str,
    page: &Page,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + page.indices.len() * 1024);
    out.push(b'{');
    push_key(&mut out, total_field);
    out.extend_from_slice(page.total.to_string().as_bytes());
    for (key, value) in records.page_fields() {
        out.push(b',');
        push_key(&mut out, &key);
        out.extend_from_slice(value.to_string().as_bytes());
    }
    out.push(b',');
    push_key(&mut out, items_field);
    out.push(b'[');
    for (n, index) in page.indices.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        records.write(*index, &mut out);
    }
    out.extend_from_slice(b"]}");
    out
}

fn push_key(out: &mut Vec<u8>, key: &str) {
    out.extend_from_slice(Value::String(key.to_string()).to_string().as_bytes());
    out.push(b':');
}
