//! `hss export`: every record of a paginated operation, each once, to
//! stdout or a file; records that do not match their schema to
//! `--rejects`; resumable with `--checkpoint`. With `--schema ocsf|ecs`,
//! each record goes out as a SIEM event, and a record its schema cannot
//! take goes to the rejects. The pager follows a list
//! that moves while it is read, and every request keeps to the
//! operation's budget. [`command`] is its command line.

pub mod command;

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use futures::StreamExt;
use hss_client::siem::MapError;
use hss_client::{Error, HssClient, JsonRecord, Operation, Page, PageOptions, Prefetch, RecordKey};
use serde_json::json;

use crate::checkpoint::{Checkpoint, Identity};
use crate::exit::{Failure, Status};
use crate::format::{Counting, Format, Sink};
use crate::output::Synced;
use crate::progress::Progress;
use crate::schema::{EventSchema, Mapper};
use crate::tasks::AbortOnDrop;
use crate::visit::{Argument, pages};

/// Pages fetched ahead of the one being written.
const PAGES_AHEAD: usize = 2;

/// What to export, and how.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Export {
    /// The operation.
    pub operation: Operation,
    /// Its filters.
    pub arguments: Vec<Argument>,
    /// The output format.
    pub format: Format,
    /// What a record goes out as: the HSS record, or a SIEM event.
    pub schema: EventSchema,
    /// The output file; stdout when `None`.
    pub output: Option<PathBuf>,
    /// Where records that do not match their schema go.
    pub rejects: Option<PathBuf>,
    /// The checkpoint file.
    pub checkpoint: Option<PathBuf>,
    /// Pages in flight.
    pub prefetch: Prefetch,
    /// Records a page; the operation's largest when `None`.
    pub page_size: Option<i64>,
    /// No progress bar.
    pub quiet: bool,
}

impl Export {
    /// An export of `operation` with its defaults: NDJSON to stdout, one
    /// page in flight.
    pub fn new(operation: Operation) -> Self {
        Export {
            operation,
            arguments: Vec::new(),
            format: Format::Ndjson,
            schema: EventSchema::Hss,
            output: None,
            rejects: None,
            checkpoint: None,
            prefetch: Prefetch::Fixed(1),
            page_size: None,
            quiet: false,
        }
    }
}

/// What an export did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// Records written to the output, in all runs of a resumed export.
    pub records: u64,
    /// Records set aside as rejects, in all runs.
    pub rejected: u64,
    /// Records without a key skipped because one with the same content
    /// had been read while the list moved ([`hss_client::Cursor::repeats_skipped`]).
    pub repeats_skipped: u64,
}

impl Summary {
    /// The line an export ends with on stderr, when records were set
    /// aside or skipped as repeats: how many were written, and why the
    /// others were not.
    pub fn line(&self, operation: Operation) -> Option<String> {
        if self.rejected == 0 && self.repeats_skipped == 0 {
            return None;
        }
        let mut line = format!("{operation}: {} records written", self.records);
        if self.rejected > 0 {
            line.push_str(&format!(
                ", {} set aside as not matching their schema",
                self.rejected
            ));
        }
        if self.repeats_skipped > 0 {
            line.push_str(&format!(
                ", {} skipped as repeats: they have no key, the list moved while it was read, \
                 and each has the content of a record read before (the same record read again, \
                 or another just like it)",
                self.repeats_skipped
            ));
        }
        Some(line)
    }

    /// The exit status: 1 when records were set aside.
    pub fn status(&self) -> Status {
        if self.rejected > 0 {
            Status::DoneWithRejects
        } else {
            Status::Done
        }
    }
}

/// The width of a table on stdout.
fn table_width(to_terminal: bool) -> usize {
    if to_terminal && let Some((width, _)) = terminal_size::terminal_size() {
        return usize::from(width.0);
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(120)
}

/// Runs `export` with `client`, and says on stderr how many records were
/// set aside; the exit status.
pub async fn run_and_report(client: &HssClient, export: &Export) -> Result<Status, Failure> {
    let summary = run(client, export).await?;
    if let Some(line) = summary.line(export.operation) {
        eprintln!("{line}");
    }
    Ok(summary.status())
}

/// Runs `export` with `client`.
pub async fn run(client: &HssClient, export: &Export) -> Result<Summary, Failure> {
    if export.checkpoint.is_some() && export.output.is_none() {
        return Err(Failure::usage(
            "--checkpoint needs --output: an export to stdout cannot be resumed",
        ));
    }
    let mapper = mapper(client, export)?;
    let mut format_name = format!("{:?}", export.format).to_lowercase();
    if let Some(mapper) = &mapper {
        format_name = format!("{format_name}+{}", mapper.name());
    }
    let identity = identity(export, &format_name);
    // One process a checkpoint: nothing is read or written before it is
    // this process's own.
    let _lock = match &export.checkpoint {
        Some(path) => Some(crate::lock::hold(path, "export", "checkpoint")?),
        None => None,
    };
    let resumed = match &export.checkpoint {
        Some(path) => Checkpoint::load(path, &identity)?,
        None => None,
    };
    let fresh = resumed.is_none();
    let state = resumed.unwrap_or_else(|| Checkpoint::start(&identity));
    let mut writer = Writer::open(export, state, mapper)?;
    if fresh {
        writer.sink.begin().map_err(|e| write_failed("output", e))?;
    }
    let mut receiver = fetch_ahead(client, export, &writer.state);
    let _stop_fetching = receiver.1;
    let progress = Progress::new(export.quiet);
    let mut started = false;
    while let Some(page) = receiver.0.recv().await {
        let page = match page {
            Ok(page) => page,
            Err(error) => return Err(writer.abandon(&progress, error)),
        };
        if started {
            progress.total(page.total);
        } else {
            progress.start(page.total, writer.state.records + writer.state.rejected);
            started = true;
        }
        writer.page(page, &progress)?;
    }
    progress.finish();
    writer.finish()
}

/// The mapper of `export`'s records to its SIEM schema, if it has one; an
/// error for a format that cannot carry events.
fn mapper(client: &HssClient, export: &Export) -> Result<Option<Mapper>, Failure> {
    let Some(schema) = export.schema.siem() else {
        return Ok(None);
    };
    match export.format {
        Format::Ndjson | Format::Json => {}
        Format::Csv | Format::Table => {
            return Err(Failure::usage(format!(
                "--schema {} writes one JSON event a record, which --format {} cannot hold: use --format ndjson",
                schema.name(),
                format!("{:?}", export.format).to_lowercase()
            )));
        }
    }
    Mapper::new(client, export.operation, schema).map(Some)
}

/// What identifies `export` in its checkpoint.
fn identity<'a>(export: &'a Export, format_name: &'a str) -> Identity<'a> {
    let mut sorted: Vec<(&str, &str)> = export
        .arguments
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    sorted.sort();
    let absolute = |p: &Option<PathBuf>| {
        p.as_ref()
            .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
    };
    Identity {
        operation: export.operation.operation_id(),
        arguments: sorted,
        format: format_name,
        output: absolute(&export.output),
        rejects: absolute(&export.rejects),
    }
}

/// The pages of `export` from where `state` stands, fetched by a task of
/// their own, a few pages ahead, so that fetching and decoding go on while
/// a page is being written; the task stops when its handle is dropped.
fn fetch_ahead(
    client: &HssClient,
    export: &Export,
    state: &Checkpoint,
) -> (
    tokio::sync::mpsc::Receiver<Result<Page<JsonRecord>, Error>>,
    AbortOnDrop,
) {
    let mut options = PageOptions::default().with_cursor(state.cursor.clone());
    if let Some(size) = export.page_size {
        options = options.with_page_size(size);
    }
    options.prefetch = export.prefetch;
    let (sender, receiver) = tokio::sync::mpsc::channel(PAGES_AHEAD);
    let mut stream = pages(client, export.operation, &export.arguments, options);
    let fetcher = tokio::spawn(async move {
        while let Some(page) = stream.next().await {
            if sender.send(page).await.is_err() {
                break;
            }
        }
    });
    (receiver, AbortOnDrop(fetcher))
}

/// The output of an export: a file, or stdout.
enum Out {
    File(Synced),
    Stdout(io::BufWriter<io::StdoutLock<'static>>),
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Out::File(file) => file.write(buf),
            Out::Stdout(out) => out.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Out::File(file) => file.flush(),
            Out::Stdout(out) => out.flush(),
        }
    }
}

/// Writes an export's pages, and saves its checkpoint after each.
struct Writer<'e> {
    export: &'e Export,
    state: Checkpoint,
    sink: Sink<Out>,
    rejects: Option<Counting<Synced>>,
    /// One buffer to encode every record into.
    buffer: Vec<u8>,
    /// What turns records into SIEM events, when they go out as such.
    mapper: Option<Mapper>,
}

impl<'e> Writer<'e> {
    /// The outputs of `export`, opened where `state` left them.
    fn open(
        export: &'e Export,
        state: Checkpoint,
        mapper: Option<Mapper>,
    ) -> Result<Self, Failure> {
        let (out, to_terminal) = match &export.output {
            Some(path) => (
                Out::File(Synced::resume(
                    path,
                    state.output_bytes,
                    state.output_tail.as_ref(),
                    "output",
                )?),
                false,
            ),
            None => (
                Out::Stdout(io::BufWriter::with_capacity(1 << 16, io::stdout().lock())),
                io::stdout().is_terminal(),
            ),
        };
        let sink = Sink::new(
            out,
            state.output_bytes,
            state.records,
            export.format,
            export.operation,
            table_width(to_terminal),
        );
        let rejects = match &export.rejects {
            Some(path) => Some(Counting::new(
                Synced::resume(
                    path,
                    state.rejects_bytes,
                    state.rejects_tail.as_ref(),
                    "rejects file",
                )?,
                state.rejects_bytes,
            )),
            None => None,
        };
        Ok(Writer {
            export,
            state,
            sink,
            rejects,
            buffer: Vec::with_capacity(4096),
            mapper,
        })
    }

    /// Writes a page's records (and rejects), then commits it.
    fn page(&mut self, page: Page<JsonRecord>, progress: &Progress) -> Result<(), Failure> {
        let count = page.items.len();
        for item in page.items {
            match item {
                Ok(record) => self.record(&record, progress)?,
                Err(Error::Record {
                    operation,
                    position,
                    message,
                    raw,
                }) => self.reject(&operation, position, &message, raw, progress)?,
                Err(other) => return Err(self.abandon(progress, other)),
            }
        }
        progress.advance(count as u64);
        self.state.cursor = page.cursor;
        self.commit()
    }

    fn record(&mut self, record: &JsonRecord, progress: &Progress) -> Result<(), Failure> {
        self.buffer.clear();
        if let Some(mapper) = self.mapper.as_mut() {
            let value = record.to_value().map_err(Failure::from)?;
            let id = RecordKey::of_version(record.key, record.version.as_deref());
            if let Err(error) = mapper.write(&value, id, &mut self.buffer) {
                return self.unmapped(value, &error, progress);
            }
        } else {
            record.write_json(&mut self.buffer).map_err(Failure::from)?;
        }
        let json = std::str::from_utf8(&self.buffer)
            .map_err(|e| Failure::local(format!("a record's JSON is not UTF-8: {e}")))?;
        self.sink
            .record(json)
            .map_err(|e| write_failed("output", e))?;
        self.state.records += 1;
        Ok(())
    }

    /// A record that does not match its schema: to the rejects, or a
    /// warning.
    fn reject(
        &mut self,
        operation: &str,
        position: i64,
        message: &str,
        raw: String,
        progress: &Progress,
    ) -> Result<(), Failure> {
        self.state.rejected += 1;
        let Some(file) = self.rejects.as_mut() else {
            progress.suspend(|| {
                eprintln!(
                    "warning: {operation}: the record at offset {position} does not match its schema and was left out: {message}"
                );
            });
            return Ok(());
        };
        let record: serde_json::Value =
            serde_json::from_str(&raw).unwrap_or(serde_json::Value::String(raw));
        let line = json!({
            "operation": operation,
            "position": position,
            "error": message,
            "record": record,
        });
        serde_json::to_writer(&mut *file, &line)
            .map_err(io::Error::other)
            .and_then(|()| file.write_all(b"\n"))
            .map_err(|e| write_failed("rejects file", e))
    }

    /// A record its SIEM schema cannot take (a required target left
    /// empty): to the rejects with the reason, or a warning.
    fn unmapped(
        &mut self,
        record: serde_json::Value,
        error: &MapError,
        progress: &Progress,
    ) -> Result<(), Failure> {
        self.state.rejected += 1;
        let operation = self.export.operation.operation_id();
        let Some(file) = self.rejects.as_mut() else {
            progress.suspend(|| eprintln!("warning: a record was left out: {error}"));
            return Ok(());
        };
        let line = json!({
            "operation": operation,
            "error": error.to_string(),
            "record": record,
        });
        serde_json::to_writer(&mut *file, &line)
            .map_err(io::Error::other)
            .and_then(|()| file.write_all(b"\n"))
            .map_err(|e| write_failed("rejects file", e))
    }

    /// The end of a page: the outputs flushed, and with a checkpoint,
    /// synced to disk before the checkpoint names their lengths (as a
    /// database writes its log before the commit record).
    fn commit(&mut self) -> Result<(), Failure> {
        self.sink.flush().map_err(|e| write_failed("output", e))?;
        if let Some(file) = self.rejects.as_mut() {
            file.flush().map_err(|e| write_failed("rejects file", e))?;
            self.state.rejects_bytes = file.bytes();
        }
        self.state.output_bytes = self.sink.bytes();
        let Some(path) = &self.export.checkpoint else {
            return Ok(());
        };
        if let Out::File(file) = self.sink.get_mut() {
            file.sync().map_err(|e| write_failed("output", e))?;
            self.state.output_tail = Some(file.tail(self.state.output_bytes));
        }
        if let Some(file) = self.rejects.as_mut() {
            file.get_mut()
                .sync()
                .map_err(|e| write_failed("rejects file", e))?;
            self.state.rejects_tail = Some(file.get_mut().tail(self.state.rejects_bytes));
        }
        self.state.save(path)
    }

    /// The export failed: what was written is flushed, and the error
    /// returned.
    fn abandon(&mut self, progress: &Progress, error: Error) -> Failure {
        progress.finish();
        match self.sink.flush() {
            Ok(()) => Failure::from(error),
            Err(e) => write_failed("output", e),
        }
    }

    /// The export is done: its end written, its checkpoint removed (a rerun
    /// starts a new export).
    fn finish(mut self) -> Result<Summary, Failure> {
        self.sink.end().map_err(|e| write_failed("output", e))?;
        if let Some(path) = &self.export.checkpoint
            && let Err(e) = std::fs::remove_file(path)
            && e.kind() != io::ErrorKind::NotFound
        {
            return Err(Failure::local(format!(
                "the export is complete, but its checkpoint {} cannot be removed: {e}",
                path.display()
            )));
        }
        Ok(Summary {
            records: self.state.records,
            rejected: self.state.rejected,
            repeats_skipped: self.state.cursor.repeats_skipped(),
        })
    }
}

fn write_failed(what: &str, e: io::Error) -> Failure {
    Failure::local(format!("cannot write the {what}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_line_counts_repeats_skipped_and_rejects() {
        let operation = Operation::ALL[0];
        let summary = |rejected, repeats_skipped| Summary {
            records: 10,
            rejected,
            repeats_skipped,
        };
        assert_eq!(summary(0, 0).line(operation), None);
        let line = summary(0, 3).line(operation).expect("a line");
        assert!(line.contains("10 records written"), "{line}");
        assert!(line.contains("3 skipped as repeats"), "{line}");
        assert!(!line.contains("set aside"), "{line}");
        let line = summary(2, 3).line(operation).expect("a line");
        assert!(
            line.contains("2 set aside") && line.contains("3 skipped"),
            "{line}"
        );
    }
}
