//! Client-side checks of the documented parameter constraints, run on the
//! built request before anything is sent.
//!
//! [`CONSTRAINTS`] lists every parameter of both operations with the
//! constraints `spec/hss.yaml` gives it; a test compares the table with the
//! spec, so the two cannot drift apart. On top of the table: a required
//! string must not be empty, and `start_time` must not be after `end_time`.

use percent_encoding::percent_decode_str;
use reqwest::Url;

use crate::error::Error;
use crate::signer::decode_query;

/// Where a parameter travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// In the URL path.
    Path,
    /// In the query string.
    Query,
}

/// A parameter's type and documented bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An integer with optional inclusive bounds.
    Integer {
        /// Smallest allowed value.
        minimum: Option<i64>,
        /// Largest allowed value.
        maximum: Option<i64>,
    },
    /// A string with optional length bounds, in characters.
    String {
        /// Shortest allowed length.
        min_length: Option<u64>,
        /// Longest allowed length.
        max_length: Option<u64>,
    },
}

/// One parameter of one operation and its documented constraints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Constraint {
    /// The spec's operationId, such as `ListClusterEvents`.
    pub operation: &'static str,
    /// The parameter name.
    pub name: &'static str,
    /// Path or query.
    pub location: Location,
    /// Whether the spec marks it required.
    pub required: bool,
    /// Type and bounds.
    pub kind: Kind,
}

const fn int(
    operation: &'static str,
    name: &'static str,
    required: bool,
    minimum: Option<i64>,
    maximum: Option<i64>,
) -> Constraint {
    Constraint {
        operation,
        name,
        location: Location::Query,
        required,
        kind: Kind::Integer { minimum, maximum },
    }
}

const fn text(
    operation: &'static str,
    name: &'static str,
    location: Location,
    required: bool,
    min_length: Option<u64>,
    max_length: Option<u64>,
) -> Constraint {
    Constraint {
        operation,
        name,
        location,
        required,
        kind: Kind::String {
            min_length,
            max_length,
        },
    }
}

const EVENTS: &str = "ListClusterEvents";
const LOGS: &str = "ListClusterEventLogs";
const Q: Location = Location::Query;
const P: Location = Location::Path;

/// Largest `offset` ListClusterEvents accepts.
pub const LIST_CLUSTER_EVENTS_MAX_OFFSET: i64 = 2_000_000;
/// Largest `limit` ListClusterEvents accepts.
pub const LIST_CLUSTER_EVENTS_MAX_LIMIT: i32 = 200;

/// Every parameter of both operations, with the spec's constraints.
pub const CONSTRAINTS: &[Constraint] = &[
    text(EVENTS, "project_id", P, true, Some(1), Some(256)),
    text(
        EVENTS,
        "enterprise_project_id",
        Q,
        false,
        Some(1),
        Some(256),
    ),
    int(
        EVENTS,
        "offset",
        true,
        Some(0),
        Some(LIST_CLUSTER_EVENTS_MAX_OFFSET),
    ),
    int(EVENTS, "limit", true, Some(10), Some(200)),
    text(EVENTS, "cluster_id", Q, false, None, None),
    text(LOGS, "project_id", P, true, Some(1), Some(256)),
    text(LOGS, "enterprise_project_id", Q, false, Some(1), Some(256)),
    text(LOGS, "cluster_id", Q, true, None, None),
    text(LOGS, "cluster_name", Q, false, None, None),
    text(LOGS, "namespace", Q, false, None, None),
    text(LOGS, "event_name", Q, false, None, None),
    text(LOGS, "event_type", Q, false, None, None),
    text(LOGS, "resource_type", Q, false, None, None),
    text(LOGS, "resource_name", Q, false, None, None),
    text(LOGS, "reason", Q, false, None, None),
    int(LOGS, "start_time", true, None, None),
    int(LOGS, "end_time", true, None, None),
    int(LOGS, "limit", true, None, None),
    int(LOGS, "offset", true, Some(0), None),
    text(LOGS, "line_num", Q, false, None, None),
];

/// The spec's operationId of a progenitor operation id
/// (`list_cluster_events` -> `ListClusterEvents`); other ids unchanged.
pub fn spec_operation_id(generated_id: &str) -> &str {
    match generated_id {
        "list_cluster_events" => EVENTS,
        "list_cluster_event_logs" => LOGS,
        other => other,
    }
}

/// The path after the `{project_id}` segment, per operation.
fn path_suffix(operation: &str) -> Option<&'static str> {
    match operation {
        EVENTS => Some("/cluster-protect/events"),
        LOGS => Some("/container/kubernetes/cluster/events"),
        _ => None,
    }
}

/// Longest value shown in an error message, in characters.
const SHOWN_VALUE_LIMIT: usize = 80;

fn shown(value: &str) -> String {
    if value.chars().count() <= SHOWN_VALUE_LIMIT {
        format!("{value:?}")
    } else {
        let head: String = value.chars().take(SHOWN_VALUE_LIMIT).collect();
        format!("{head:?}... ({} characters)", value.chars().count())
    }
}

/// Checks a built request of `operation` (the spec's operationId) against
/// [`CONSTRAINTS`] and the cross-parameter rules.
pub fn validate_url(operation: &str, url: &Url) -> Result<(), Error> {
    let query = decode_query(url.query().unwrap_or(""));
    let path_value = path_suffix(operation).and_then(|suffix| {
        let path = url.path().strip_suffix(suffix)?;
        let segment = path.rsplit('/').next()?;
        Some(percent_decode_str(segment).decode_utf8_lossy().into_owned())
    });
    let invalid = |name: &str, value: String, allowed: String| Error::InvalidInput {
        operation: operation.to_string(),
        parameter: name.to_string(),
        value,
        allowed,
    };
    for constraint in CONSTRAINTS.iter().filter(|c| c.operation == operation) {
        let values: Vec<String> = match constraint.location {
            Location::Path => path_value.iter().cloned().collect(),
            Location::Query => query
                .iter()
                .filter(|(k, _)| k == constraint.name)
                .map(|(_, v)| v.clone())
                .collect(),
        };
        if values.is_empty() && constraint.required {
            return Err(invalid(
                constraint.name,
                "(missing)".into(),
                "a value (the parameter is required)".into(),
            ));
        }
        for value in values {
            check_value(constraint, &value).map_err(|allowed| {
                let display = match constraint.kind {
                    Kind::Integer { .. } if value.parse::<i64>().is_ok() => value.clone(),
                    _ => shown(&value),
                };
                invalid(constraint.name, display, allowed)
            })?;
        }
    }
    if operation == LOGS {
        let number = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.parse::<i64>().ok())
        };
        if let (Some(start), Some(end)) = (number("start_time"), number("end_time"))
            && start > end
        {
            return Err(invalid(
                "start_time",
                start.to_string(),
                format!("at most end_time ({end})"),
            ));
        }
    }
    Ok(())
}

/// Checks one value; the error is the allowed range in words.
fn check_value(constraint: &Constraint, value: &str) -> Result<(), String> {
    match constraint.kind {
        Kind::Integer { minimum, maximum } => {
            let range = integer_range(minimum, maximum);
            let number = value
                .parse::<i64>()
                .map_err(|_| format!("an integer{range}"))?;
            if minimum.is_some_and(|min| number < min) || maximum.is_some_and(|max| number > max) {
                return Err(range.trim_start().to_string());
            }
            Ok(())
        }
        Kind::String {
            min_length,
            max_length,
        } => {
            let min = match (min_length, constraint.required) {
                (Some(min), _) => Some(min),
                (None, true) => Some(1),
                (None, false) => None,
            };
            let length = value.chars().count() as u64;
            if min.is_some_and(|m| length < m) || max_length.is_some_and(|m| length > m) {
                return Err(match (min, max_length) {
                    (Some(a), Some(b)) => format!("{a} to {b} characters"),
                    (Some(a), None) => format!("at least {a} character(s), not empty"),
                    (None, Some(b)) => format!("at most {b} characters"),
                    (None, None) => "any text".into(),
                });
            }
            Ok(())
        }
    }
}

fn integer_range(minimum: Option<i64>, maximum: Option<i64>) -> String {
    match (minimum, maximum) {
        (Some(a), Some(b)) => format!(" from {a} to {b}"),
        (Some(a), None) => format!(" of at least {a}"),
        (None, Some(b)) => format!(" of at most {b}"),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(operation: &str, url: &str) -> Result<(), Error> {
        validate_url(operation, &Url::parse(url).unwrap())
    }

    const BASE: &str = "https://h/v5/p1/cluster-protect/events";
    const LOGS_BASE: &str = "https://h/v5/p1/container/kubernetes/cluster/events";

    #[test]
    fn events_limit_and_offset() {
        assert!(check(EVENTS, &format!("{BASE}?limit=10&offset=0")).is_ok());
        assert!(check(EVENTS, &format!("{BASE}?limit=200&offset=2000000")).is_ok());
        let e = check(EVENTS, &format!("{BASE}?limit=201&offset=0")).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("limit") && text.contains("201"), "{text}");
        assert!(text.contains("from 10 to 200"), "{text}");
        let e = check(EVENTS, &format!("{BASE}?limit=9&offset=0")).unwrap_err();
        assert!(e.to_string().contains("from 10 to 200"));
        let e = check(EVENTS, &format!("{BASE}?limit=10&offset=2000001")).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("offset") && text.contains("2000001"),
            "{text}"
        );
        assert!(text.contains("from 0 to 2000000"), "{text}");
        let e = check(EVENTS, &format!("{BASE}?limit=10")).unwrap_err();
        assert!(e.to_string().contains("offset = (missing)"), "{e}");
    }

    #[test]
    fn logs_offset_times_and_required_strings() {
        let ok = format!("{LOGS_BASE}?cluster_id=c&start_time=1&end_time=2&limit=10&offset=0");
        assert!(check(LOGS, &ok).is_ok());
        let e = check(
            LOGS,
            &format!("{LOGS_BASE}?cluster_id=c&start_time=1&end_time=2&limit=10&offset=-1"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("of at least 0"), "{e}");
        let e = check(
            LOGS,
            &format!("{LOGS_BASE}?cluster_id=c&start_time=3&end_time=2&limit=10&offset=0"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("at most end_time (2)"), "{e}");
        let e = check(
            LOGS,
            &format!("{LOGS_BASE}?cluster_id=&start_time=1&end_time=2&limit=10&offset=0"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("cluster_id"), "{e}");
        assert!(e.to_string().contains("not empty"), "{e}");
        let long = "e".repeat(257);
        let e = check(
            LOGS,
            &format!(
                "{LOGS_BASE}?cluster_id=c&start_time=1&end_time=2&limit=10&offset=0&enterprise_project_id={long}"
            ),
        )
        .unwrap_err();
        assert!(e.to_string().contains("1 to 256 characters"), "{e}");
    }

    #[test]
    fn project_id_from_the_path() {
        let long = "p".repeat(257);
        let e = check(
            EVENTS,
            &format!("https://h/prefix/v5/{long}/cluster-protect/events?limit=10&offset=0"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("project_id"), "{e}");
    }
}
