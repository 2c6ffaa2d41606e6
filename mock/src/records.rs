//! What the mock serves for each operation: a [`Records`] source per
//! operation of the spec, and the page a request selects from it.
//!
//! Hand-tuned sources ([`crate::data`]) serve the operations whose shape
//! they fit; every other operation gets records built from its response
//! item schema ([`crate::synthetic`]). Either way, nothing is stored: record `i` is
//! computed from the seed and `i` when it is asked for.

use std::ops::Range;
use std::sync::Arc;

use hss_client::Operation;
use hss_client::spec::ParameterLocation;
use serde_json::{Map, Value};

use crate::data::{Dataset, EventRecords, LogRecords};
use crate::synthetic::Synthetic;

pub use crate::source::Records;

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
                chosen.unwrap_or_else(|| Box::new(Synthetic::new(op, seed, Arc::clone(dataset))));
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
    page_body_breaking(records, total_field, items_field, page, 0, 0)
}

/// [`page_body`], with the records whose position p in the whole result
/// has `p % every == every - 1` broken by [`break_record`]; the page's
/// first record is at position `first` (the request's offset). With
/// `every` 0 no record is broken.
pub fn page_body_breaking(
    records: &dyn Records,
    total_field: &str,
    items_field: &str,
    page: &Page,
    first: u64,
    every: u64,
) -> Vec<u8> {
    let written = page.indices.iter().map(|index| {
        let mut out = Vec::new();
        records.write(*index, &mut out);
        out
    });
    body_of(
        records.page_fields(),
        total_field,
        items_field,
        page.total,
        written,
        first,
        every,
    )
}

/// The JSON body of a page whose records are already written: the total,
/// the other page fields and the records, every `every`-th broken (see
/// [`page_body_breaking`]).
pub fn body_of(
    page_fields: Map<String, Value>,
    total_field: &str,
    items_field: &str,
    total: u64,
    written: impl Iterator<Item = Vec<u8>>,
    first: u64,
    every: u64,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    out.push(b'{');
    push_key(&mut out, total_field);
    out.extend_from_slice(total.to_string().as_bytes());
    for (key, value) in page_fields {
        out.push(b',');
        push_key(&mut out, &key);
        out.extend_from_slice(value.to_string().as_bytes());
    }
    out.push(b',');
    push_key(&mut out, items_field);
    out.push(b'[');
    for ((n, record), position) in written.enumerate().zip(first..) {
        if n > 0 {
            out.push(b',');
        }
        let broken = (every > 0 && position % every == every - 1)
            .then(|| break_record(&record))
            .flatten();
        out.extend_from_slice(broken.as_deref().unwrap_or(&record));
    }
    out.extend_from_slice(b"]}");
    out
}

/// The value a broken record carries instead of a string.
pub const BROKEN_VALUE: u64 = 12345;

/// `record` (a JSON object) with a value of the wrong type: the first of
/// its top-level fields, in the record's own order, whose name ends in
/// `_id` and whose value is a string, else its first string field, holds
/// the number [`BROKEN_VALUE`] instead. Every other byte stays as it was,
/// so the record still parses and keeps its place. `None` when the record
/// is not an object or has no string field.
///
/// This is `--bad-record-every`: a record that breaks its schema in a page
/// that is otherwise fine, for testing clients that must keep the page's
/// other records.
pub fn break_record(record: &[u8]) -> Option<Vec<u8>> {
    let fields = top_level_fields(record)?;
    let strings: Vec<(String, Range<usize>)> = fields
        .into_iter()
        .filter(|(_, value)| record.get(value.start) == Some(&b'"'))
        .filter_map(|(key, value)| {
            let name = serde_json::from_slice::<String>(record.get(key)?).ok()?;
            Some((name, value))
        })
        .collect();
    let (_, value) = strings
        .iter()
        .find(|(name, _)| name.ends_with("_id"))
        .or(strings.first())?;
    let mut broken = Vec::with_capacity(record.len());
    broken.extend_from_slice(record.get(..value.start)?);
    broken.extend_from_slice(BROKEN_VALUE.to_string().as_bytes());
    broken.extend_from_slice(record.get(value.end..)?);
    Some(broken)
}

/// The byte ranges of the name (quotes included) and the value of every
/// top-level field of the JSON object `json`, in order; `None` if `json`
/// does not start like one.
fn top_level_fields(json: &[u8]) -> Option<Vec<(Range<usize>, Range<usize>)>> {
    let mut at = skip_space(json, 0);
    if json.get(at) != Some(&b'{') {
        return None;
    }
    at = skip_space(json, at + 1);
    let mut fields = Vec::new();
    if json.get(at) == Some(&b'}') {
        return Some(fields);
    }
    loop {
        let key = at..end_of_string(json, at)?;
        at = skip_space(json, key.end);
        if json.get(at) != Some(&b':') {
            return None;
        }
        at = skip_space(json, at + 1);
        let value = at..end_of_value(json, at)?;
        fields.push((key, value.clone()));
        at = skip_space(json, value.end);
        match json.get(at) {
            Some(b',') => at = skip_space(json, at + 1),
            Some(b'}') => return Some(fields),
            _ => return None,
        }
    }
}

fn skip_space(json: &[u8], mut at: usize) -> usize {
    while json.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// The end (after the closing quote) of the string starting at `at`.
fn end_of_string(json: &[u8], at: usize) -> Option<usize> {
    if json.get(at) != Some(&b'"') {
        return None;
    }
    let mut i = at + 1;
    loop {
        match json.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// The end of the JSON value starting at `at`.
fn end_of_value(json: &[u8], at: usize) -> Option<usize> {
    match json.get(at)? {
        b'"' => end_of_string(json, at),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = at;
            loop {
                match json.get(i)? {
                    b'"' => {
                        i = end_of_string(json, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => {
            let mut i = at;
            while json
                .get(i)
                .is_some_and(|b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace())
            {
                i += 1;
            }
            (i > at).then_some(i)
        }
    }
}

fn push_key(out: &mut Vec<u8>, key: &str) {
    out.extend_from_slice(Value::String(key.to_string()).to_string().as_bytes());
    out.push(b':');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn broken(record: &str) -> Option<Value> {
        let bytes = break_record(record.as_bytes())?;
        Some(serde_json::from_slice(&bytes).expect("a broken record still parses"))
    }

    #[test]
    fn the_first_string_id_in_the_record_s_order_becomes_a_number() {
        let record = r#"{"name": "n", "count_id": 7, "zone_id": "z", "n": 3, "nested": {"a_id": "x", "s": "}]\\\""}, "event_id" : "e-1", "other_id": "o"}"#;
        let value = broken(record).expect("broken");
        assert_eq!(value["zone_id"], 12345);
        assert_eq!(value["name"], "n");
        assert_eq!(value["count_id"], 7);
        assert_eq!(value["event_id"], "e-1");
        assert_eq!(value["nested"]["a_id"], "x");
        assert_eq!(value["nested"]["s"], "}]\\\"");
        assert_eq!(value["n"], 3);
    }

    #[test]
    fn without_a_string_id_the_first_string_becomes_a_number() {
        let value =
            broken(r#"{"n":1,"list":["a"],"name":"x","tag":"y","id_count":2}"#).expect("broken");
        assert_eq!(
            value,
            serde_json::json!({"n":1,"list":["a"],"name":12345,"tag":"y","id_count":2})
        );
    }

    #[test]
    fn every_other_byte_is_kept() {
        let record = r#"{"a":1.50,"b_id":"q\"u","c":"d"}"#;
        let bytes = break_record(record.as_bytes()).expect("broken");
        assert_eq!(
            String::from_utf8_lossy(&bytes),
            r#"{"a":1.50,"b_id":12345,"c":"d"}"#
        );
    }

    #[test]
    fn a_record_without_a_string_is_left_alone() {
        assert_eq!(break_record(br#"{"n":1,"o":{"s":"x"}}"#), None);
        assert_eq!(break_record(b"{}"), None);
        assert_eq!(break_record(b"[\"a\"]"), None);
        assert_eq!(break_record(b"{\"a\":"), None);
    }
}
