//! A rule's source made ready for many records ([`Step`]), and what it
//! gives for one: a value borrowed from the record where it can be, and
//! the record fields it copied.

use std::borrow::Cow;

use serde::ser::{Serialize, SerializeSeq, Serializer};
use serde_json::Value;

use super::context::Context;
use super::fields::Fields;
use crate::spec::siem::{Condition, Const, ContextValue, Convert, Source};

/// A target's value for one record.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Got<'r> {
    /// A record value, as it is.
    Value(&'r Value),
    /// A record value in a list of one.
    One(&'r Value),
    /// Text: a context fact, a value as text, a date.
    Text(Cow<'r, str>),
    /// A constant of the spec.
    Const(Const),
}

impl Got<'_> {
    /// The value as a whole number, if it is one.
    pub(super) fn as_i64(&self) -> Option<i64> {
        match self {
            Got::Value(value) => value.as_i64(),
            Got::Const(Const::Int(n)) => Some(*n),
            _ => None,
        }
    }

    /// Whether the value is an object holding `key`.
    pub(super) fn holds(&self, key: &str) -> bool {
        matches!(self, Got::Value(value) if value.get(key).is_some())
    }
}

impl Serialize for Got<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Got::Value(value) => value.serialize(serializer),
            Got::One(value) => {
                let mut list = serializer.serialize_seq(Some(1))?;
                list.serialize_element(value)?;
                list.end()
            }
            Got::Text(text) => serializer.serialize_str(text),
            Got::Const(c) => constant(c, serializer),
        }
    }
}

/// A constant, written as JSON.
pub(super) fn constant<S: Serializer>(c: &Const, serializer: S) -> Result<S::Ok, S::Error> {
    match *c {
        Const::Str(text) => serializer.serialize_str(text),
        Const::Int(n) => serializer.serialize_i64(n),
        Const::Bool(b) => serializer.serialize_bool(b),
        Const::Strs(list) => list.serialize(serializer),
    }
}

/// A rule's source, its field paths made indexes of the plan's
/// [`Fields`].
#[derive(Debug)]
pub(super) enum Step {
    /// A record field: its index, and how it is written.
    Field(usize, Convert),
    /// A constant.
    Const(Const),
    /// A fact the record does not hold.
    Context(ContextValue),
    /// The first of these that has a value.
    First(Vec<Step>),
    /// A field's listed value mapped to a constant.
    Map {
        field: usize,
        cases: &'static [(&'static str, Const)],
        default: Option<Const>,
    },
    /// The constant of the first case whose test holds.
    Cases {
        cases: Vec<(Test, Const)>,
        default: Option<Const>,
    },
}

/// A condition, its field paths made indexes.
#[derive(Debug)]
pub(super) enum Test {
    /// The field holds one of these values.
    In(usize, &'static [&'static str]),
    /// Both fields are present, and differ.
    Differs(usize, usize),
}

impl Step {
    /// The step of `source`, its paths added to `fields`.
    pub(super) fn of(source: &'static Source, fields: &mut Fields) -> Self {
        match *source {
            Source::Field(path, how) => Step::Field(fields.index(path), how),
            Source::Const(c) => Step::Const(c),
            Source::Context(which) => Step::Context(which),
            Source::First(list) => Step::First(list.iter().map(|s| Step::of(s, fields)).collect()),
            Source::Map {
                field,
                cases,
                default,
            } => Step::Map {
                field: fields.index(field),
                cases,
                default,
            },
            Source::Cases { cases, default } => Step::Cases {
                cases: cases
                    .iter()
                    .map(|(when, then)| (Test::of(when, fields), *then))
                    .collect(),
                default,
            },
        }
    }

    /// The step's value, given the record's `found` fields; the fields it
    /// copies are marked in `copied` (by index).
    pub(super) fn evaluate<'r>(
        &self,
        found: &[Option<&'r Value>],
        context: &'r Context,
        copied: &mut [bool],
    ) -> Option<Got<'r>> {
        let field = |index: usize| found.get(index).copied().flatten().filter(|v| !v.is_null());
        match self {
            Step::Field(index, how) => {
                let got = convert(field(*index)?, *how)?;
                if let Some(mark) = copied.get_mut(*index) {
                    *mark = true;
                }
                Some(got)
            }
            Step::Const(c) => Some(Got::Const(*c)),
            Step::Context(which) => context.get(*which).map(|v| Got::Text(Cow::Borrowed(v))),
            Step::First(steps) => steps
                .iter()
                .find_map(|s| s.evaluate(found, context, copied)),
            Step::Map {
                field: index,
                cases,
                default,
            } => {
                let value = field(*index).and_then(Value::as_str);
                let hit = value.and_then(|v| cases.iter().find(|(k, _)| *k == v));
                hit.map(|(_, c)| *c).or(*default).map(Got::Const)
            }
            Step::Cases { cases, default } => cases
                .iter()
                .find(|(test, _)| test.holds(&field))
                .map(|(_, c)| *c)
                .or(*default)
                .map(Got::Const),
        }
    }
}

impl Test {
    fn of(condition: &Condition, fields: &mut Fields) -> Self {
        match *condition {
            Condition::In(field, values) => Test::In(fields.index(field), values),
            Condition::Differs(a, b) => Test::Differs(fields.index(a), fields.index(b)),
        }
    }

    /// Whether it holds, `field` giving each field's value (not null).
    fn holds<'r>(&self, field: &impl Fn(usize) -> Option<&'r Value>) -> bool {
        match *self {
            Test::In(index, values) => field(index)
                .and_then(Value::as_str)
                .is_some_and(|v| values.contains(&v)),
            Test::Differs(a, b) => match (field(a), field(b)) {
                (Some(a), Some(b)) => a != b,
                _ => false,
            },
        }
    }
}

fn convert(value: &Value, how: Convert) -> Option<Got<'_>> {
    match how {
        Convert::AsIs => Some(Got::Value(value)),
        Convert::List => Some(Got::One(value)),
        Convert::Text => Some(Got::Text(match value {
            Value::String(text) => Cow::Borrowed(text.as_str()),
            other => Cow::Owned(other.to_string()),
        })),
        Convert::Date => value
            .as_i64()
            .and_then(rfc3339)
            .map(|date| Got::Text(Cow::Owned(date))),
    }
}

/// Milliseconds since the epoch as RFC 3339 in UTC, with milliseconds.
fn rfc3339(millis: i64) -> Option<String> {
    let nanos = i128::from(millis) * 1_000_000;
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()?;
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    at.format(&format).ok()
}
