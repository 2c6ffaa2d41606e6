//! [`Records`]: what serves the records of one operation, record by
//! record, computed when asked for. The hand-tuned sources
//! ([`crate::data`]) and the synthetic ones ([`crate::synthetic`]) are
//! its kinds; [`crate::records`] picks one for each operation.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde_json::{Map, Value};

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
