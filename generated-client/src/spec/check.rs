//! What the spec's facts imply for a request: every parameter's type,
//! bounds, lengths, pattern and listed values, and the operation's time
//! window (its start not after its end). Nothing is checked that the spec
//! does not state: a string that must not be empty says so with
//! `minLength`.
//!
//! The client runs these on every request before it is sent
//! (`crate::validate`), and `hss-mock` answers a request that breaks them
//! with a 400, from the same functions ([`check_request`]).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use percent_encoding::percent_decode_str;
use regex::Regex;

use super::operations::Operation;
use super::{IntegerSchema, Parameter, ParameterLocation, Schema, StringSchema};

/// Decodes a URL query string (`+` and `%20` both mean a space) into pairs.
pub fn decode_query(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A parameter that breaks the spec: which, the value given, and what the
/// spec allows.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Invalid {
    /// The parameter's wire name.
    pub parameter: String,
    /// The value given, quoted and cut when long (or `(missing)`).
    pub value: String,
    /// What the spec allows, in words.
    pub allowed: String,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "parameter {} = {}: allowed {}",
            self.parameter, self.value, self.allowed
        )
    }
}

/// Longest value shown in an error message, in characters.
const SHOWN_VALUE_LIMIT: usize = 80;

/// A value as error messages show it: quoted, and cut when long.
pub fn shown(value: &str) -> String {
    if value.chars().count() <= SHOWN_VALUE_LIMIT {
        format!("{value:?}")
    } else {
        let head: String = value.chars().take(SHOWN_VALUE_LIMIT).collect();
        format!("{head:?}... ({} characters)", value.chars().count())
    }
}

/// The values of the path template's `{name}` segments in `path`. The
/// template is matched against the end of the path, so that an endpoint
/// with a path prefix (`https://proxy/hss/v5/...`) matches too. Values are
/// percent-decoded. `None` when the path does not match.
pub fn match_path(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    let wanted: Vec<&str> = template.trim_start_matches('/').split('/').collect();
    let given: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let skip = given.len().checked_sub(wanted.len())?;
    let mut values = Vec::new();
    for (pattern, segment) in wanted.iter().zip(&given[skip..]) {
        match pattern.split_once('{').and_then(|(prefix, rest)| {
            let (name, suffix) = rest.split_once('}')?;
            Some((prefix, name, suffix))
        }) {
            Some((prefix, name, suffix)) => {
                let raw = segment.strip_prefix(prefix)?.strip_suffix(suffix)?;
                let value = percent_decode_str(raw).decode_utf8().ok()?.into_owned();
                values.push((name.to_string(), value));
            }
            None if pattern == segment => {}
            None => return None,
        }
    }
    Some(values)
}

/// Checks the path and query parameters of a request of `operation`:
/// each required one is there, each value fits its schema, and the time
/// window is not reversed. Header parameters are not checked here.
pub fn check_request(
    operation: Operation,
    path: &[(String, String)],
    query: &[(String, String)],
) -> Result<(), Invalid> {
    check_parameters(operation, path, query)?;
    check_window(operation, query)
}

/// Checks each parameter on its own, as a JSON schema would: required ones
/// are there and every value fits its schema.
pub fn check_parameters(
    operation: Operation,
    path: &[(String, String)],
    query: &[(String, String)],
) -> Result<(), Invalid> {
    for parameter in operation.parameters() {
        let source = match parameter.location {
            ParameterLocation::Path => path,
            ParameterLocation::Query => query,
            _ => continue,
        };
        let mut values = source
            .iter()
            .filter(|(name, _)| name == parameter.name)
            .peekable();
        if values.peek().is_none() && parameter.required {
            return Err(Invalid {
                parameter: parameter.name.to_string(),
                value: "(missing)".into(),
                allowed: format!("{} (the parameter is required)", allowed(parameter)),
            });
        }
        for (_, value) in values {
            check_value(parameter, value).map_err(|allowed| Invalid {
                parameter: parameter.name.to_string(),
                value: match parameter.schema {
                    Schema::Integer(_) if value.parse::<i64>().is_ok() => value.clone(),
                    _ => shown(value),
                },
                allowed,
            })?;
        }
    }
    Ok(())
}

/// Checks the time window: its start not after its end.
pub fn check_window(operation: Operation, query: &[(String, String)]) -> Result<(), Invalid> {
    if let Some(window) = operation.time_window() {
        let number = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.parse::<i64>().ok())
        };
        if let (Some(start), Some(end)) = (number(window.start), number(window.end))
            && start > end
        {
            return Err(Invalid {
                parameter: window.start.to_string(),
                value: start.to_string(),
                allowed: format!("at most {} ({end})", window.end),
            });
        }
    }
    Ok(())
}

/// Checks one value of `parameter`; the error is what is allowed, in words.
pub fn check_value(parameter: &Parameter, value: &str) -> Result<(), String> {
    if parameter.wildcard == Some(value) {
        return Ok(());
    }
    match parameter.schema {
        Schema::Integer(integer) => {
            let number = value
                .parse::<i64>()
                .map_err(|_| format!("an integer{}", integer_range(*integer)))?;
            if number < integer.lowest() || number > integer.highest() {
                return Err(integer_range(*integer).trim_start().to_string());
            }
            Ok(())
        }
        Schema::String(string) => check_string(parameter, string, value),
        Schema::Boolean { .. } => match value {
            "true" | "false" => Ok(()),
            _ => Err("true or false".into()),
        },
        Schema::Number => value
            .parse::<f64>()
            .map(|_| ())
            .map_err(|_| "a number".into()),
        _ => Ok(()),
    }
}

fn check_string(parameter: &Parameter, string: &StringSchema, value: &str) -> Result<(), String> {
    let min = string.min_length;
    let length = value.chars().count() as u64;
    if min.is_some_and(|m| length < m) || string.max_length.is_some_and(|m| length > m) {
        return Err(length_range(min, string.max_length));
    }
    if string.closed && !string.values.is_empty() && !string.values.contains(&value) {
        return Err(allowed(parameter));
    }
    if let Some(pattern) = string.pattern
        && !pattern_matches(pattern, value)
    {
        return Err(allowed(parameter));
    }
    Ok(())
}

/// Whether `value` matches `pattern`. A pattern that does not compile
/// matches nothing (`cargo xtask validate` reports it).
fn pattern_matches(pattern: &'static str, value: &str) -> bool {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Option<Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let Ok(mut cache) = cache.lock() else {
        return Regex::new(pattern).is_ok_and(|r| r.is_match(value));
    };
    cache
        .entry(pattern)
        .or_insert_with(|| Regex::new(pattern).ok())
        .as_ref()
        .is_some_and(|r| r.is_match(value))
}

/// What the spec allows for `parameter`, in words.
pub fn allowed(parameter: &Parameter) -> String {
    let mut out = match parameter.schema {
        Schema::Integer(integer) => format!("an integer{}", integer_range(*integer)),
        Schema::String(string) => {
            let mut text = length_range(string.min_length, string.max_length);
            if string.closed && !string.values.is_empty() {
                text = format!("one of {}", string.values.join(", "));
            }
            if let Some(pattern) = string.pattern {
                text.push_str(&format!(", matching {pattern}"));
            }
            text
        }
        Schema::Boolean { .. } => "true or false".into(),
        Schema::Number => "a number".into(),
        _ => "any value".into(),
    };
    if let Some(wildcard) = parameter.wildcard {
        out.push_str(&format!(", or {wildcard}"));
    }
    out
}

fn length_range(min: Option<u64>, max: Option<u64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("{a} to {b} characters"),
        (Some(a), None) => format!("at least {a} character(s), not empty"),
        (None, Some(b)) => format!("at most {b} characters"),
        (None, None) => "any text".into(),
    }
}

/// The range in words, with a leading space: the spec's bounds, and for an
/// `int32` the format's where the spec gives none.
fn integer_range(integer: IntegerSchema) -> String {
    let implied = |bound: Option<i64>, format: i64| match bound {
        Some(b) => Some(b),
        None if integer.bits == 32 => Some(format),
        None => None,
    };
    match (
        implied(integer.minimum, integer.format_min()),
        implied(integer.maximum, integer.format_max()),
    ) {
        (Some(a), Some(b)) => format!(" from {a} to {b}"),
        (Some(a), None) => format!(" of at least {a}"),
        (None, Some(b)) => format!(" of at most {b}"),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_from_the_end_and_decode() {
        let values = match_path("/v5/{project_id}/things", "/prefix/v5/p%201/things");
        assert_eq!(
            values,
            Some(vec![("project_id".to_string(), "p 1".to_string())])
        );
        assert_eq!(match_path("/v5/{project_id}/things", "/v5/p/other"), None);
        assert_eq!(
            match_path("/v5/{id}.json", "/v5/a.json").map(|v| v.len()),
            Some(1)
        );
        assert_eq!(match_path("/a/b/c", "/b/c"), None);
    }

    #[test]
    fn long_values_are_cut() {
        let long = "x".repeat(200);
        let text = shown(&long);
        assert!(text.contains("(200 characters)"), "{text}");
        assert_eq!(shown("ab"), "\"ab\"");
    }
}
