//! Reading an API reference page saved as text.
//!
//! A page is a sequence of lines; the parts read here are:
//!
//! - the line after `URI`: `METHOD /path`;
//! - tables, each introduced by a `Table <n> <title>` line, followed by
//!   the column headers (`Parameter`, optionally `Mandatory`, `Type`,
//!   `Description`) and the rows, one cell per non-empty line (a
//!   description can take several lines);
//! - the first JSON document after `Example Responses` (and its
//!   `Status code: <n>` line).
//!
//! The table title says what it holds: `Path Parameters`, `Query
//! Parameters`, `Request header parameters`, `Response body parameters`
//! (the top-level response object) or the name of a nested object type.

use serde_json::Value;

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A path template parameter.
    Path,
    /// A query parameter.
    Query,
    /// A request header.
    Header,
}

impl Place {
    /// The OpenAPI `in` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Place::Path => "path",
            Place::Query => "query",
            Place::Header => "header",
        }
    }
}

/// A documented range, from a `Range` paragraph ("1 to 256 characters",
/// "0 to 2,000,000").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Lower bound.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
    /// Whether it bounds a length (characters) rather than a value.
    pub length: bool,
}

/// One row of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The parameter or field name.
    pub name: String,
    /// `Mandatory` column, when the table has one.
    pub mandatory: Option<bool>,
    /// The `Type` cell, as written (`String`, `Array of X objects`, ...).
    pub kind: String,
    /// The range the description states, if any.
    pub range: Option<Range>,
    /// The values the description lists as bullets (`• cce: CCE cluster`
    /// gives `cce`), in page order; empty when it lists none.
    pub values: Vec<String>,
    /// The default the description states (`Default Value` paragraph, or
    /// "The default value is 10"), as written.
    pub default: Option<String>,
    /// 1-based line of the row's name on the page.
    pub line: usize,
}

/// One table of the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The title after `Table <n>`.
    pub title: String,
    /// The `Status code: <n>` stated before the table, if any.
    pub status: Option<String>,
    /// 1-based line of the `Table <n>` line.
    pub line: usize,
    /// The rows, in page order.
    pub rows: Vec<Row>,
}

/// What a page documents.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// Upper-case HTTP method.
    pub method: String,
    /// The path template.
    pub path: String,
    /// Every table, in page order.
    pub tables: Vec<Table>,
    /// The example response.
    pub example: Option<Example>,
    /// The operation name the page's SDK sample uses: the class name of its
    /// request object without the `Request` suffix.
    pub operation_id: Option<String>,
    /// The section of the reference the page sits in: the last but one
    /// part of its breadcrumb line (`.../ Cluster Management/ Title`).
    pub section: Option<String>,
}

/// The example response of a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The status code stated before it.
    pub status: String,
    /// The JSON body.
    pub value: Value,
    /// The JSON body as the page writes it (key order and layout kept).
    pub text: String,
    /// 1-based line the JSON starts on.
    pub line: usize,
}

impl Page {
    /// The parameters of one place, from its table.
    pub fn parameters(&self, place: Place) -> Vec<&Row> {
        let wanted = match place {
            Place::Path => "path parameters",
            Place::Query => "query parameters",
            Place::Header => "request header parameters",
        };
        self.tables
            .iter()
            .filter(|t| t.title.eq_ignore_ascii_case(wanted))
            .flat_map(|t| t.rows.iter())
            .collect()
    }

    /// The top-level response table of the success response (a table
    /// stated under a 2xx status, or under none).
    pub fn response(&self) -> Option<&Table> {
        self.tables.iter().find(|t| {
            t.title.eq_ignore_ascii_case("response body parameters")
                && t.status.as_deref().is_none_or(|s| s.starts_with('2'))
        })
    }

    /// The status of the success response: the status of the response
    /// table or the example when it is a 2xx, else `200`.
    pub fn success_status(&self) -> String {
        self.response()
            .and_then(|t| t.status.clone())
            .or_else(|| {
                self.example
                    .as_ref()
                    .map(|e| e.status.clone())
                    .filter(|s| s.starts_with('2'))
            })
            .unwrap_or_else(|| "200".into())
    }

    /// The table of the request body, if the page has one.
    pub fn request_body(&self) -> Option<&Table> {
        self.tables
            .iter()
            .find(|t| t.title.eq_ignore_ascii_case("request body parameters"))
    }

    /// The table of a nested object type, by its name.
    pub fn object(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.title == name)
    }
}

/// Why a page could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct PageError {
    /// 1-based line the problem is at (or the last line).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Section headings that end a table.
const SECTIONS: [&str; 9] = [
    "Request Parameters",
    "Response Parameters",
    "Example Requests",
    "Example Responses",
    "SDK Sample Code",
    "Status Codes",
    "Error Codes",
    "Function",
    "URI",
];

const METHODS: [&str; 7] = ["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// Reads a page.
pub fn parse(text: &str) -> Result<Page, PageError> {
    // Pages saved on Windows end lines with CR LF.
    let text = &text.replace("\r\n", "\n");
    // Non-empty lines, trimmed, with their 1-based line numbers.
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let mut page = Page::default();
    let uri = lines
        .iter()
        .position(|(_, l)| *l == "URI")
        .and_then(|i| lines.get(i + 1))
        .and_then(|(n, l)| l.split_once(' ').map(|(m, p)| (*n, m, p.trim())))
        .filter(|(_, m, _)| METHODS.contains(m));
    let Some((_, method, path)) = uri else {
        return Err(PageError {
            line: lines.first().map(|(n, _)| *n).unwrap_or(1),
            message: "no `URI` line followed by `METHOD /path`".into(),
        });
    };
    page.method = method.to_string();
    page.path = path.split('?').next().unwrap_or(path).to_string();

    page.section = lines
        .iter()
        .take_while(|(_, l)| *l != "URI")
        .find(|(_, l)| l.contains("/ "))
        .and_then(|(_, l)| {
            let parts: Vec<&str> = l.split("/ ").map(str::trim).collect();
            parts
                .len()
                .checked_sub(2)
                .and_then(|i| parts.get(i).copied())
        })
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    page.operation_id = sdk_operation_id(&lines);

    let mut status: Option<String> = None;
    let mut index = 0;
    while index < lines.len() {
        let (number, line) = lines[index];
        if let Some(code) = line.strip_prefix("Status code:") {
            status = Some(code.trim().to_string());
        } else if SECTIONS.contains(&line) {
            status = None;
        }
        if let Some(title) = table_title(line) {
            let (mut table, next) = read_table(&lines, index + 1, title)?;
            table.status = status.clone();
            table.line = number;
            page.tables.push(table);
            index = next;
            continue;
        }
        if line == "Example Responses" && page.example.is_none() {
            page.example = read_example(text, &lines[index + 1..])?;
        }
        index += 1;
    }
    Ok(page)
}

/// The operation name of the SDK sample: the most frequent `XxxRequest`
/// class that is constructed (`new XxxRequest(`, `XxxRequest()`,
/// `model.XxxRequest{`).
fn sdk_operation_id(lines: &[(usize, &str)]) -> Option<String> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for (_, line) in lines {
        let mut rest = *line;
        while let Some(at) = rest.find("Request") {
            let after = &rest[at + "Request".len()..];
            let before = &rest[..at];
            let start = before
                .rfind(|c: char| !c.is_ascii_alphanumeric())
                .map_or(0, |i| i + 1);
            let name = &before[start..];
            let constructed = after.starts_with('(') || after.starts_with('{');
            if constructed && name.len() > 1 && name.starts_with(|c: char| c.is_ascii_uppercase()) {
                match counts.iter_mut().find(|(n, _)| n == name) {
                    Some((_, count)) => *count += 1,
                    None => counts.push((name.to_string(), 1)),
                }
            }
            rest = after;
        }
    }
    // The first of the most frequent, so a tie keeps page order.
    let best = counts.iter().map(|(_, c)| *c).max()?;
    counts.into_iter().find(|(_, c)| *c == best).map(|(n, _)| n)
}

/// The title of a `Table <n> <title>` line.
fn table_title(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("Table ")?;
    let (number, title) = rest.split_once(' ')?;
    number
        .chars()
        .all(|c| c.is_ascii_digit())
        .then_some(title.trim())
}

fn ends_table(line: &str) -> bool {
    SECTIONS.contains(&line) || line.starts_with("Status code:") || table_title(line).is_some()
}

/// Whether a cell is a type as the pages write them.
pub fn is_type(cell: &str) -> bool {
    matches!(
        cell,
        "String" | "Integer" | "Long" | "Boolean" | "Float" | "Double" | "Number" | "Object"
    ) || (cell.starts_with("Array of ") && !cell.contains('.'))
        || (cell.ends_with(" object") && cell.split(' ').count() == 2)
        || cell.starts_with("Map<")
}

fn is_name(cell: &str) -> bool {
    !cell.is_empty()
        && cell
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
}

fn read_table(
    lines: &[(usize, &str)],
    start: usize,
    title: &str,
) -> Result<(Table, usize), PageError> {
    let headers: Vec<&str> = lines
        .get(start..)
        .unwrap_or_default()
        .iter()
        .map(|(_, cell)| *cell)
        .take_while(|cell| matches!(*cell, "Parameter" | "Mandatory" | "Type" | "Description"))
        .collect();
    let mut index = start + headers.len();
    let has_mandatory = headers.contains(&"Mandatory");
    if !headers.contains(&"Parameter") || !headers.contains(&"Type") {
        return Err(PageError {
            line: lines.get(start).map(|(n, _)| *n).unwrap_or(0),
            message: format!("table {title:?} has no Parameter/Type header"),
        });
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut description: Vec<&str> = Vec::new();
    while let Some((number, cell)) = lines.get(index) {
        if ends_table(cell) {
            break;
        }
        if let Some((mandatory, kind)) = row_start(lines, index, has_mandatory) {
            describe_last(&mut rows, &mut description);
            rows.push(Row {
                name: cell.to_string(),
                mandatory,
                kind: kind.to_string(),
                range: None,
                values: Vec::new(),
                default: None,
                line: *number,
            });
            index += if has_mandatory { 3 } else { 2 };
            continue;
        }
        description.push(cell);
        index += 1;
    }
    describe_last(&mut rows, &mut description);
    Ok((
        Table {
            title: title.to_string(),
            status: None,
            line: lines.get(start).map_or(0, |(n, _)| n.saturating_sub(1)),
            rows,
        },
        index,
    ))
}

/// Whether a row starts at line `i`: a name, then (when the table has the
/// column) `Yes` or `No`, then a type. Gives the mandatory flag and the
/// type.
fn row_start<'l>(
    lines: &[(usize, &'l str)],
    i: usize,
    has_mandatory: bool,
) -> Option<(Option<bool>, &'l str)> {
    let (_, name) = lines.get(i)?;
    if !is_name(name) {
        return None;
    }
    if !has_mandatory {
        let (_, kind) = lines.get(i + 1)?;
        return is_type(kind).then_some((None, *kind));
    }
    let (_, mandatory) = lines.get(i + 1)?;
    let (_, kind) = lines.get(i + 2)?;
    let mandatory = match *mandatory {
        "Yes" => true,
        "No" => false,
        _ => return None,
    };
    is_type(kind).then_some((Some(mandatory), *kind))
}

/// Gives the last row what its description lines say (range, listed
/// values, default), and starts the next description.
fn describe_last(rows: &mut [Row], description: &mut Vec<&str>) {
    if let Some(last) = rows.last_mut() {
        last.range = range(description);
        last.values = bullet_values(description);
        last.default = default_value(description);
    }
    description.clear();
}

/// The values a description lists as bullets: each bullet's text up to a
/// colon, when every bullet is one word (`• cce: CCE cluster`, `• Warning`).
/// Prose bullets give no values.
fn bullet_values(description: &[&str]) -> Vec<String> {
    let bullets: Vec<&str> = description
        .iter()
        .filter_map(|line| line.strip_prefix('•').or_else(|| line.strip_prefix("- ")))
        .map(str::trim)
        .collect();
    let values: Vec<String> = bullets
        .iter()
        .map(|b| {
            let value = b.split_once(':').map_or(*b, |(v, _)| v).trim();
            value.trim_end_matches(['.', ';', ',']).to_string()
        })
        .collect();
    let one_word = |v: &String| {
        !v.is_empty()
            && v.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
    };
    if values.iter().all(one_word) {
        values
    } else {
        Vec::new()
    }
}

/// The default a description states: the line after a `Default Value`
/// heading (its text up to a colon; `N/A` is none), or the word after
/// "default value is".
fn default_value(description: &[&str]) -> Option<String> {
    let clean = |s: &str| {
        let s = s.split_once(':').map_or(s, |(v, _)| v).trim();
        let s = s.trim_end_matches(['.', ';', ',']).trim();
        (!s.is_empty() && !s.eq_ignore_ascii_case("N/A") && !s.contains(' ')).then(|| s.to_string())
    };
    for (i, line) in description.iter().enumerate() {
        if *line == "Default Value" {
            return description.get(i + 1).and_then(|next| clean(next));
        }
        let lower = line.to_ascii_lowercase();
        if let Some(at) = lower.find("default value is ") {
            let rest = &line[at + "default value is ".len()..];
            if let Some(word) = rest.split_whitespace().next() {
                return clean(word);
            }
        }
    }
    None
}

/// The range a description states: the line after a `Range` heading, or a
/// line that says "value range" or "characters", holding "A to B".
fn range(description: &[&str]) -> Option<Range> {
    let mut candidates: Vec<&str> = Vec::new();
    for (i, line) in description.iter().enumerate() {
        if *line == "Range" {
            candidates.extend(description.get(i + 1));
        } else if line.to_ascii_lowercase().contains("range") || line.contains("characters") {
            candidates.push(line);
        }
    }
    candidates.into_iter().find_map(|line| {
        let words: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || c == ':')
            .filter(|w| !w.is_empty())
            .collect();
        let at = words.iter().position(|w| *w == "to")?;
        let number = |w: &str| w.trim_end_matches('.').replace(',', "").parse::<f64>().ok();
        let min = number(words.get(at.checked_sub(1)?)?)?;
        let max = number(words.get(at + 1)?)?;
        Some(Range {
            min,
            max,
            length: line.contains("character"),
        })
    })
}

/// The first JSON document after `Example Responses`, with the status code
/// stated before it.
fn read_example(text: &str, after: &[(usize, &str)]) -> Result<Option<Example>, PageError> {
    let mut status = String::from("200");
    for (number, line) in after {
        if let Some(code) = line.strip_prefix("Status code:") {
            status = code.trim().to_string();
        }
        if SECTIONS.contains(line) {
            return Ok(None);
        }
        if line.starts_with('{') || line.starts_with('[') {
            // Parse from this line of the original text; the JSON ends
            // wherever the first complete value ends.
            let offset: usize = text.lines().take(number - 1).map(|l| l.len() + 1).sum();
            let rest = text.get(offset..).unwrap_or("");
            let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
            return match stream.next() {
                Some(Ok(value)) => Ok(Some(Example {
                    status,
                    value,
                    text: rest
                        .get(..stream.byte_offset())
                        .unwrap_or("")
                        .trim()
                        .to_string(),
                    line: *number,
                })),
                Some(Err(e)) => Err(PageError {
                    line: number + e.line().saturating_sub(1),
                    message: format!("the example response is not valid JSON: {e}"),
                }),
                None => Ok(None),
            };
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_in_both_styles() {
        assert_eq!(
            range(&["Range", "The value can contain 1 to 256 characters."]),
            Some(Range {
                min: 1.0,
                max: 256.0,
                length: true
            })
        );
        assert_eq!(
            range(&["Range", "The value range is 0 to 2,000,000."]),
            Some(Range {
                min: 0.0,
                max: 2_000_000.0,
                length: false
            })
        );
        assert_eq!(
            range(&["Value range: 10 to 200"]).map(|r| (r.min, r.max)),
            Some((10.0, 200.0))
        );
        assert_eq!(range(&["Offset; 0 or more."]), None);
    }

    #[test]
    fn crlf_pages_read_like_lf_pages() {
        let page =
            "URI\n\nGET /v1/things\n\nExample Responses\n\nStatus code: 200\n\n{\n  \"a\" : 1\n}\n";
        let lf = parse(page).expect("LF page");
        let crlf = parse(&page.replace('\n', "\r\n")).expect("CRLF page");
        assert_eq!(lf, crlf);
        let example = lf.example.expect("example");
        assert_eq!(
            (example.status.as_str(), example.value),
            ("200", serde_json::json!({"a": 1}))
        );
        assert_eq!(example.text, "{\n  \"a\" : 1\n}");
        assert_eq!(lf.path, "/v1/things");
    }

    #[test]
    fn types() {
        for t in [
            "String",
            "Long",
            "Array of ClusterEventLogResponseInfo objects",
            "ClusterEventResourceResponseInfo object",
        ] {
            assert!(is_type(t), "{t}");
        }
        for t in ["Cluster name", "Yes", "Event type."] {
            assert!(!is_type(t), "{t}");
        }
    }
}
