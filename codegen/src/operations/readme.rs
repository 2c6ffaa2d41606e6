//! The README's section on the operations: a table per operation with its
//! parameters, their limits and defaults, and how it pages. `cargo xtask
//! generate` writes it between two marker lines of README.md, and `--check`
//! fails when it is stale.

use super::{Location, OperationModel, PaginationModel, RateLimitModel, SchemaModel};

/// The line that opens the generated section.
pub const BEGIN: &str =
    "<!-- BEGIN operations: written by `cargo xtask generate` from the spec; do not edit -->";
/// The line that closes it.
pub const END: &str = "<!-- END operations -->";

/// The markdown of the section (without the marker lines).
pub fn section(models: &[OperationModel]) -> String {
    let mut out = String::new();
    out.push_str(
        "| operation | request | client method | pages | calls allowed | as an OCSF event |\n",
    );
    out.push_str("| --- | --- | --- | --- | --- | --- |\n");
    for m in models {
        out.push_str(&format!(
            "| `{}` | `{} {}` | `{}()` | {} | {} | {} |\n",
            m.operation_id,
            m.http_method,
            m.path,
            m.method_name,
            if m.pagination.is_some() { "yes" } else { "no" },
            m.rate_limit
                .as_ref()
                .map(|l| per_window(l.budget(), l))
                .unwrap_or_else(|| "no limit stated".to_string()),
            ocsf_class(m),
        ));
    }
    for m in models {
        operation(m, &mut out);
    }
    out
}

/// The OCSF class its records map to (`x-siem`), or "not mapped".
fn ocsf_class(m: &OperationModel) -> String {
    m.pagination
        .iter()
        .flat_map(|p| &p.siem)
        .find_map(|mapping| mapping.class.as_ref())
        .map(|c| format!("{} ({})", c.name, c.uid))
        .unwrap_or_else(|| "not mapped".to_string())
}

/// One operation's heading, its sentences and its parameter table.
fn operation(m: &OperationModel, out: &mut String) {
    out.push_str(&format!("\n### `{}`\n\n{}.", m.operation_id, m.summary));
    if let Some(p) = &m.pagination {
        pagination(p, out);
    }
    if let Some(limit) = &m.rate_limit {
        rate_limit(limit, out);
    }
    if let Some(w) = &m.time_window {
        out.push_str(&format!(
            " `{}` must not be after `{}`{}.",
            w.start,
            w.end,
            w.field
                .as_ref()
                .map(|f| format!("; they bound the records' `{f}`"))
                .unwrap_or_default()
        ));
    }
    out.push_str("\n\n| parameter | in | required | type | allowed | default |\n");
    out.push_str("| --- | --- | --- | --- | --- | --- |\n");
    for p in &m.parameters {
        let location = match p.location {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
        };
        let (kind, allowed, default) = describe(&p.schema);
        let mut allowed = allowed;
        if let Some(w) = &p.wildcard {
            allowed = join_nonempty(&allowed, &format!("`{w}` for any"));
        }
        out.push_str(&format!(
            "| `{}` | {location} | {} | {kind} | {allowed} | {default} |\n",
            p.name,
            if p.required { "yes" } else { "no" },
        ));
    }
}

/// How an operation pages, and how its records are told apart.
fn pagination(p: &PaginationModel, out: &mut String) {
    let sizes = match p.max_limit {
        Some(max) => format!("{} to {max}", p.min_limit),
        None => format!("at least {}", p.min_limit),
    };
    out.push_str(&format!(
        " Pages by `{}` and `{}` (page sizes {sizes}; offsets up to {}); the total count is `{}` and the records are `{}` in the response. Streams fetch pages of {}.",
        p.offset, p.limit, p.max_offset, p.total, p.items, p.default_page_size
    ));
    let key = if p.record_key.is_empty() {
        " A record is identified by its whole content".to_string()
    } else {
        format!(" A record is identified by {}", code_list(&p.record_key))
    };
    out.push_str(&key);
    match &p.record_version {
        Some(version) => {
            out.push_str(&format!("; `{version}` tells its versions apart."));
        }
        None => out.push('.'),
    }
}

/// What an operation's rate limit allows, and what the client keeps to.
fn rate_limit(limit: &RateLimitModel, out: &mut String) {
    let mut parts = Vec::new();
    if let Some(n) = limit.per_user {
        parts.push(format!("{} by one user", per_window(n, limit)));
    }
    if let Some(n) = limit.per_ip {
        parts.push(format!("{} from one address", per_window(n, limit)));
    }
    if let Some(n) = limit.overall {
        parts.push(format!("{} by everyone", per_window(n, limit)));
    }
    out.push_str(&format!(
        " The service allows {} ({}); the client keeps to {} unless told otherwise.",
        and_list(&parts),
        limit.source,
        per_window(limit.budget(), limit)
    ));
}

/// `n` calls per the limit's window, in words: "5 calls a minute".
fn per_window(n: u64, limit: &RateLimitModel) -> String {
    let calls = if n == 1 { "call" } else { "calls" };
    let window = match limit.window_seconds {
        1 => "a second".to_string(),
        60 => "a minute".to_string(),
        3600 => "an hour".to_string(),
        86_400 => "a day".to_string(),
        s => format!("per {s} s"),
    };
    format!("{n} {calls} {window}")
}

/// `a`, `a` and `b`, `a`, `b` and `c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Names in backticks, joined with "and".
fn code_list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    and_list(&quoted)
}

fn join_nonempty(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}; {b}")
    }
}

/// Type, allowed values and default of a parameter schema, in words.
fn describe(schema: &SchemaModel) -> (String, String, String) {
    match schema {
        SchemaModel::Integer {
            bits,
            minimum,
            maximum,
            default,
            ..
        } => (
            format!("int{bits}"),
            match (minimum, maximum) {
                (Some(a), Some(b)) => format!("{a} to {b}"),
                (Some(a), None) => format!("at least {a}"),
                (None, Some(b)) => format!("at most {b}"),
                (None, None) => String::new(),
            },
            default.map(|d| d.to_string()).unwrap_or_default(),
        ),
        SchemaModel::String { default, .. } => (
            "string".into(),
            string_allowed(schema),
            default
                .as_ref()
                .map(|d| format!("`{d}`"))
                .unwrap_or_default(),
        ),
        SchemaModel::Number => ("number".into(), String::new(), String::new()),
        SchemaModel::Boolean { default } => (
            "boolean".into(),
            String::new(),
            default.map(|d| d.to_string()).unwrap_or_default(),
        ),
        SchemaModel::Array(_) => ("array".into(), String::new(), String::new()),
        SchemaModel::Object(_) => ("object".into(), String::new(), String::new()),
        SchemaModel::OneOf(_) | SchemaModel::Any => ("any".into(), String::new(), String::new()),
    }
}

/// What a string schema allows, in words: its length, pattern and listed
/// values; empty for any other schema.
fn string_allowed(schema: &SchemaModel) -> String {
    let SchemaModel::String {
        min_length,
        max_length,
        pattern,
        values,
        closed,
        ..
    } = schema
    else {
        return String::new();
    };
    let mut allowed = match (min_length, max_length) {
        (Some(a), Some(b)) => format!("{a} to {b} characters"),
        (Some(a), None) => format!("at least {a} characters"),
        (None, Some(b)) => format!("at most {b} characters"),
        (None, None) => String::new(),
    };
    if let Some(pattern) = pattern {
        allowed = join_nonempty(&allowed, &format!("matches `{pattern}`"));
    }
    if !values.is_empty() {
        let listed = values
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ");
        allowed = join_nonempty(
            &allowed,
            &if *closed {
                format!("one of {listed}")
            } else {
                format!("{listed} or others")
            },
        );
    }
    allowed
}

/// `readme` with the text between the marker lines replaced by `section`.
/// Both markers must be there, in order, each on a line of its own.
pub fn splice(readme: &str, section: &str) -> Result<String, String> {
    let begin = readme
        .find(&format!("{BEGIN}\n"))
        .ok_or_else(|| format!("the README has no line `{BEGIN}`"))?;
    let body_start = begin + BEGIN.len() + 1;
    let end = readme[body_start..]
        .find(&format!("\n{END}"))
        .map(|i| body_start + i + 1)
        .or_else(|| readme[body_start..].starts_with(END).then_some(body_start))
        .ok_or_else(|| format!("the README has no line `{END}` after `{BEGIN}`"))?;
    Ok(format!(
        "{}{section}{}",
        &readme[..body_start],
        &readme[end..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_replaces_only_the_section() {
        let readme = format!("intro\n{BEGIN}\nold\n{END}\nrest\n");
        let out = splice(&readme, "new\n").expect("markers found");
        assert_eq!(out, format!("intro\n{BEGIN}\nnew\n{END}\nrest\n"));
        assert_eq!(splice(&out, "new\n").expect("again"), out);
        assert!(splice("no markers\n", "x").is_err());
    }
}
