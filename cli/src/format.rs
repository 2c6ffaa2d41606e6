//! The output formats of `hss export`, each written record by record, so
//! that an export of any size runs in constant memory and can be resumed
//! from a byte position.

use std::io::{self, Write};

use hss_client::Operation;
use hss_client::spec::Schema;
use serde_json::Value;

/// How records are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
#[non_exhaustive]
pub enum Format {
    /// One JSON object a line.
    Ndjson,
    /// One JSON array.
    Json,
    /// Comma-separated values: one column per field of the record schema,
    /// nested objects flattened into dotted names (`a.b`); lists and other
    /// values as JSON text.
    Csv,
    /// A table that fits the terminal width: the first fields of the record
    /// schema, cells cut to fit.
    Table,
}

/// The column paths of an operation's records: every field of its record
/// schema, nested objects flattened.
pub fn columns(operation: Operation) -> Vec<Vec<&'static str>> {
    let mut out = Vec::new();
    if let Some(schema) = operation.item_schema() {
        flatten(schema, &mut Vec::new(), &mut out);
    }
    out
}

fn flatten(schema: &Schema, prefix: &mut Vec<&'static str>, out: &mut Vec<Vec<&'static str>>) {
    for field in schema.fields() {
        prefix.push(field.name);
        match field.schema {
            Schema::Object(fields) if !fields.is_empty() => flatten(field.schema, prefix, out),
            _ => out.push(prefix.clone()),
        }
        prefix.pop();
    }
}

/// The text of one cell: strings as they are, other values as JSON, a
/// missing value or null as nothing.
fn cell(record: &Value, path: &[&str]) -> String {
    let mut value = record;
    for key in path {
        match value.get(key) {
            Some(inner) => value = inner,
            None => return String::new(),
        }
    }
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A writer that counts the bytes it passes on.
#[derive(Debug)]
pub struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Counting<W> {
    /// Counts from `bytes` on (the length already in the file).
    pub fn new(inner: W, bytes: u64) -> Self {
        Counting { inner, bytes }
    }

    /// Bytes written so far, those before included.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The writer it passes bytes on to.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes records in one [`Format`].
pub struct Sink<W: Write> {
    out: Counting<W>,
    format: Format,
    columns: Vec<Vec<&'static str>>,
    /// For a table: the columns shown and their widths.
    widths: Vec<usize>,
    /// Records written, those of an earlier run included.
    written: u64,
}

impl<W: Write> Sink<W> {
    /// A sink writing `format` to `out` (which holds `bytes` bytes and
    /// `written` records already) for the records of `operation`; `width`
    /// is the table's width in characters.
    pub fn new(
        out: W,
        bytes: u64,
        written: u64,
        format: Format,
        operation: Operation,
        width: usize,
    ) -> Self {
        let columns = columns(operation);
        let widths = match format {
            Format::Table => table_widths(&columns, width),
            _ => Vec::new(),
        };
        Sink {
            out: Counting::new(out, bytes),
            format,
            columns,
            widths,
            written,
        }
    }

    /// Bytes in the output so far.
    pub fn bytes(&self) -> u64 {
        self.out.bytes()
    }

    /// The writer it writes to.
    pub fn get_mut(&mut self) -> &mut W {
        self.out.get_mut()
    }

    /// Writes what comes before the first record (an array's `[`, a CSV
    /// header, a table's header); for a new output only.
    pub fn begin(&mut self) -> io::Result<()> {
        match self.format {
            Format::Ndjson => Ok(()),
            Format::Json => self.out.write_all(b"["),
            Format::Csv => {
                let names: Vec<String> = self.columns.iter().map(|c| c.join(".")).collect();
                let row = csv_row(&names)?;
                self.out.write_all(&row)
            }
            Format::Table => {
                let names: Vec<String> = self.columns.iter().map(|c| c.join(".")).collect();
                let header = self.table_row(&names);
                let rule: Vec<String> = self.widths.iter().map(|w| "-".repeat(*w)).collect();
                let rule = self.table_row(&rule);
                writeln!(self.out, "{header}")?;
                writeln!(self.out, "{rule}")
            }
        }
    }

    /// Writes one record, given as compact JSON text.
    pub fn record(&mut self, json: &str) -> io::Result<()> {
        match self.format {
            Format::Ndjson => {
                self.out.write_all(json.as_bytes())?;
                self.out.write_all(b"\n")?;
            }
            Format::Json => {
                let lead: &[u8] = if self.written == 0 { b"\n" } else { b",\n" };
                self.out.write_all(lead)?;
                self.out.write_all(json.as_bytes())?;
            }
            Format::Csv => {
                let record: Value = serde_json::from_str(json).map_err(io::Error::other)?;
                let cells: Vec<String> = self.columns.iter().map(|c| cell(&record, c)).collect();
                let row = csv_row(&cells)?;
                self.out.write_all(&row)?;
            }
            Format::Table => {
                let record: Value = serde_json::from_str(json).map_err(io::Error::other)?;
                let cells: Vec<String> = self
                    .columns
                    .iter()
                    .take(self.widths.len())
                    .map(|c| cell(&record, c))
                    .collect();
                let row = self.table_row(&cells);
                writeln!(self.out, "{row}")?;
            }
        }
        self.written += 1;
        Ok(())
    }

    /// Writes what comes after the last record, and flushes.
    pub fn end(&mut self) -> io::Result<()> {
        if self.format == Format::Json {
            let tail: &[u8] = if self.written == 0 { b"]\n" } else { b"\n]\n" };
            self.out.write_all(tail)?;
        }
        self.out.flush()
    }

    /// Flushes what was written.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn table_row(&self, cells: &[String]) -> String {
        let mut line = String::new();
        for (i, (text, width)) in cells.iter().zip(&self.widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let text = text.replace(['\n', '\t', '\r'], " ");
            let count = text.chars().count();
            if count > *width {
                line.extend(text.chars().take(width.saturating_sub(1)));
                line.push('…');
            } else {
                line.push_str(&text);
                if i + 1 < self.widths.len() {
                    line.extend(std::iter::repeat_n(' ', width - count));
                }
            }
        }
        line
    }
}

/// Column widths for a table `width` characters wide: each column as wide
/// as its name (at least 8, at most 32), as many columns as fit, two
/// spaces between them; at least one column, cut to the width.
fn table_widths(columns: &[Vec<&'static str>], width: usize) -> Vec<usize> {
    let mut widths = Vec::new();
    let mut used = 0;
    for column in columns {
        let name = column.join(".").chars().count();
        let wanted = name.clamp(8, 32);
        let gap = if widths.is_empty() { 0 } else { 2 };
        if used + gap + wanted > width {
            break;
        }
        used += gap + wanted;
        widths.push(wanted);
    }
    if widths.is_empty() && !columns.is_empty() {
        widths.push(width.max(1));
        used = width.max(1);
    }
    // The last column takes what is left.
    if let Some(last) = widths.last_mut() {
        *last += width.saturating_sub(used);
    }
    widths
}

fn csv_row(cells: &[String]) -> io::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(cells).map_err(io::Error::other)?;
    writer
        .into_inner()
        .map_err(|e| io::Error::other(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_widths_fit_and_keep_one_column() {
        let columns = vec![
            vec!["record_id"],
            vec!["record_name"],
            vec!["details", "namespace"],
        ];
        let widths = table_widths(&columns, 30);
        let total: usize = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
        assert_eq!(total, 30);
        assert_eq!(widths.len(), 2);
        assert_eq!(table_widths(&columns, 5), vec![5]);
    }

    #[test]
    fn cells_follow_dotted_paths() {
        let record: Value = serde_json::json!({"a": {"b": 1, "c": "x"}, "d": [1, 2], "e": null});
        assert_eq!(cell(&record, &["a", "b"]), "1");
        assert_eq!(cell(&record, &["a", "c"]), "x");
        assert_eq!(cell(&record, &["d"]), "[1,2]");
        assert_eq!(cell(&record, &["e"]), "");
        assert_eq!(cell(&record, &["missing", "x"]), "");
    }
}
