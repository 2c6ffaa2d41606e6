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
    /// 1-based line of the row's name on the page.
    pub line: usize,
}

/// One table of the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The title after `Table <n>`.
    pub title: String,
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
    /// The status code of the example response and its JSON body.
    pub example: Option<(String, Value)>,
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

    /// The top-level response table.
    pub fn response(&self) -> Option<&Table> {
        self.tables
            .iter()
            .find(|t| t.title.eq_ignore_ascii_case("response body parameters"))
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

    let mut index = 0;
    while index < lines.len() {
        let (_, line) = lines[index];
        if let Some(title) = table_title(line) {
            let (table, next) = read_table(&lines, index + 1, title)?;
            page.tables.push(table);
            index = next;
            continue;
        }
        if line == "Example Responses" {
            page.example = read_example(text, &lines[index + 1..])?;
        }
        index += 1;
    }
    Ok(page)
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
    let mut index = start;
    let mut headers = Vec::new();
    while let Some((_, cell)) = lines.get(index) {
        if matches!(*cell, "Parameter" | "Mandatory" | "Type" | "Description") {
            headers.push(*cell);
            index += 1;
        } else {
            break;
        }
    }
    let has_mandatory = headers.contains(&"Mandatory");
    if !headers.contains(&"Parameter") || !headers.contains(&"Type") {
        return Err(PageError {
            line: lines.get(start).map(|(n, _)| *n).unwrap_or(0),
            message: format!("table {title:?} has no Parameter/Type header"),
        });
    }
    let row_at = |i: usize| -> Option<(bool, Option<bool>, &str)> {
        let (_, name) = lines.get(i)?;
        if !is_name(name) {
            return None;
        }
        if has_mandatory {
            let (_, mandatory) = lines.get(i + 1)?;
            let (_, kind) = lines.get(i + 2)?;
            let mandatory = match *mandatory {
                "Yes" => true,
                "No" => false,
                _ => return None,
            };
            is_type(kind).then_some((true, Some(mandatory), *kind))
        } else {
            let (_, kind) = lines.get(i + 1)?;
            is_type(kind).then_some((true, None, *kind))
        }
    };
    let mut rows: Vec<Row> = Vec::new();
    let mut description: Vec<&str> = Vec::new();
    let finish = |rows: &mut Vec<Row>, description: &mut Vec<&str>| {
        if let Some(last) = rows.last_mut() {
            last.range = range(description);
        }
        description.clear();
    };
    while let Some((number, cell)) = lines.get(index) {
        if ends_table(cell) {
            break;
        }
        if let Some((_, mandatory, kind)) = row_at(index) {
            finish(&mut rows, &mut description);
            rows.push(Row {
                name: cell.to_string(),
                mandatory,
                kind: kind.to_string(),
                range: None,
                line: *number,
            });
            index += if has_mandatory { 3 } else { 2 };
            continue;
        }
        description.push(cell);
        index += 1;
    }
    finish(&mut rows, &mut description);
    Ok((
        Table {
            title: title.to_string(),
            rows,
        },
        index,
    ))
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
fn read_example(text: &str, after: &[(usize, &str)]) -> Result<Option<(String, Value)>, PageError> {
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
                Some(Ok(value)) => Ok(Some((status, value))),
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
        assert_eq!(
            lf.example,
            Some(("200".to_string(), serde_json::json!({"a": 1})))
        );
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
