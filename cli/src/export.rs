//! `hss export`: every record of a paginated operation, each once, to
//! stdout or a file; records that do not match their schema to
//! `--rejects`; resumable with `--checkpoint`. The pager follows a list
//! that moves while it is read (see `hss_client::pager`), and every
//! request keeps to the operation's budget.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use futures::StreamExt;
use hss_client::{Error, HssClient, Operation, PageOptions, Prefetch};
use serde_json::json;

use crate::checkpoint::{Checkpoint, Identity};
use crate::exit::{Failure, Status};
use crate::format::{Format, Sink};
use crate::progress::Progress;
use crate::visit::{Argument, pages};

/// An output file, and a handle to sync it to disk with.
struct Output {
    file: File,
    sync: File,
}

impl Output {
    fn open(path: &Path, bytes: u64, what: &str) -> Result<Self, Failure> {
        let file = crate::output::resume(path, bytes, what)?;
        let sync = file.try_clone().map_err(|e| {
            Failure::local(format!("cannot open the {what} {}: {e}", path.display()))
        })?;
        Ok(Output { file, sync })
    }
}

/// Pages fetched ahead of the one being written.
const PAGES_AHEAD: usize = 2;

/// Stops a task when dropped.
pub(crate) struct AbortOnDrop(pub(crate) tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

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
}

impl Summary {
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

/// Runs `export` with `client`.
pub async fn run(client: &HssClient, export: &Export) -> Result<Summary, Failure> {
    if export.checkpoint.is_some() && export.output.is_none() {
        return Err(Failure::usage(
            "--checkpoint needs --output: an export to stdout cannot be resumed",
        ));
    }
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
    let format_name = format!("{:?}", export.format).to_lowercase();
    let identity = Identity {
        operation: export.operation.operation_id(),
        arguments: sorted,
        format: &format_name,
        output: absolute(&export.output),
        rejects: absolute(&export.rejects),
    };
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
    let mut state = resumed.unwrap_or_else(|| Checkpoint::start(&identity));

    // The files are synced to disk before each checkpoint names their
    // length, as a database writes its log before the commit record.
    let mut syncs: Vec<(File, &str)> = Vec::new();
    let (out, to_terminal): (Box<dyn Write>, bool) = match &export.output {
        Some(path) => {
            let output = Output::open(path, state.output_bytes, "output")?;
            syncs.push((output.sync, "output"));
            (Box::new(output.file), false)
        }
        None => (Box::new(io::stdout().lock()), io::stdout().is_terminal()),
    };
    let mut sink = Sink::new(
        BufWriter::with_capacity(1 << 16, out),
        state.output_bytes,
        state.records,
        export.format,
        export.operation,
        table_width(to_terminal),
    );
    let mut rejects = match &export.rejects {
        Some(path) => {
            let output = Output::open(path, state.rejects_bytes, "rejects file")?;
            syncs.push((output.sync, "rejects file"));
            Some(crate::format::Counting::new(
                BufWriter::new(output.file),
                state.rejects_bytes,
            ))
        }
        None => None,
    };
    let write_failed =
        |what: &str, e: io::Error| Failure::local(format!("cannot write the {what}: {e}"));
    if fresh {
        sink.begin().map_err(|e| write_failed("output", e))?;
    }

    let mut options = PageOptions::default().with_cursor(state.cursor.clone());
    if let Some(size) = export.page_size {
        options = options.with_page_size(size);
    }
    options.prefetch = export.prefetch;
    let progress = Progress::new(export.quiet);
    let mut started = false;
    // The pages are fetched by a task of their own, a few pages ahead, so
    // that fetching and decoding go on while a page is being written.
    let (sender, mut receiver) = tokio::sync::mpsc::channel(PAGES_AHEAD);
    let fetcher = {
        let mut stream = pages(client, export.operation, &export.arguments, options);
        tokio::spawn(async move {
            while let Some(page) = stream.next().await {
                if sender.send(page).await.is_err() {
                    break;
                }
            }
        })
    };
    let _stop_fetching = AbortOnDrop(fetcher);
    // One buffer to encode every record into.
    let mut buffer: Vec<u8> = Vec::with_capacity(4096);
    while let Some(page) = receiver.recv().await {
        let page = match page {
            Ok(page) => page,
            Err(error) => {
                progress.finish();
                sink.flush().map_err(|e| write_failed("output", e))?;
                return Err(Failure::from(error));
            }
        };
        if !started {
            progress.start(page.total, state.records + state.rejected);
            started = true;
        } else {
            progress.total(page.total);
        }
        let count = page.items.len();
        for item in page.items {
            match item {
                Ok(record) => {
                    buffer.clear();
                    record.write_json(&mut buffer).map_err(Failure::from)?;
                    let json = std::str::from_utf8(&buffer).map_err(|e| {
                        Failure::local(format!("a record's JSON is not UTF-8: {e}"))
                    })?;
                    sink.record(json).map_err(|e| write_failed("output", e))?;
                    state.records += 1;
                }
                Err(Error::Record {
                    operation,
                    position,
                    message,
                    raw,
                }) => {
                    state.rejected += 1;
                    let record: serde_json::Value =
                        serde_json::from_str(&raw).unwrap_or(serde_json::Value::String(raw));
                    match rejects.as_mut() {
                        Some(file) => {
                            let line = json!({
                                "operation": operation,
                                "position": position,
                                "error": message,
                                "record": record,
                            });
                            serde_json::to_writer(&mut *file, &line)
                                .map_err(io::Error::other)
                                .and_then(|()| file.write_all(b"\n"))
                                .map_err(|e| write_failed("rejects file", e))?;
                        }
                        None => {
                            progress.suspend(|| {
                                eprintln!(
                                    "warning: {operation}: the record at offset {position} does not match its schema and was left out: {message}"
                                );
                            });
                        }
                    }
                }
                Err(other) => {
                    progress.finish();
                    sink.flush().map_err(|e| write_failed("output", e))?;
                    return Err(Failure::from(other));
                }
            }
        }
        progress.advance(count as u64);
        state.cursor = page.cursor;
        sink.flush().map_err(|e| write_failed("output", e))?;
        if let Some(file) = rejects.as_mut() {
            file.flush().map_err(|e| write_failed("rejects file", e))?;
            state.rejects_bytes = file.bytes();
        }
        state.output_bytes = sink.bytes();
        if let Some(path) = &export.checkpoint {
            for (file, what) in &syncs {
                file.sync_data().map_err(|e| write_failed(what, e))?;
            }
            state.save(path)?;
        }
    }
    progress.finish();
    sink.end().map_err(|e| write_failed("output", e))?;
    if let Some(path) = &export.checkpoint {
        // Done: a rerun starts a new export.
        if let Err(e) = std::fs::remove_file(path)
            && e.kind() != io::ErrorKind::NotFound
        {
            return Err(Failure::local(format!(
                "the export is complete, but its checkpoint {} cannot be removed: {e}",
                path.display()
            )));
        }
    }
    Ok(Summary {
        records: state.records,
        rejected: state.rejected,
    })
}
