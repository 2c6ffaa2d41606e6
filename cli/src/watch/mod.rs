//! `hss watch`: a continuous, restart-safe feed of new and changed
//! records, one NDJSON line each, for a SIEM to keep current.
//!
//! The feeds (an operation with one set of filters each) run their cycles
//! with `hss_client::watch`: every `--interval`, each reads only what is
//! new or changed, inside its operation's request budget. Every record
//! version is one line:
//!
//! ```json
//! {"operation":"<operationId>","id":"<32 hex digits>","record":{...}}
//! ```
//!
//! `id` is the same each time the same version of the same record is
//! written, so a sink that keys documents by it writes idempotently.
//! After each page's lines are written and synced, `--state` is written
//! atomically: every feed's state (its cursor, and the keys with versions
//! still needed to skip what was delivered) and the output's length. After
//! a crash, even `kill -9`, rerunning the same command cuts the output
//! back to what the state covers and goes on, so every record version is
//! written exactly once across the runs. The state names the output
//! before the first byte is written to it (at start, and after a
//! rotation), so that a crash in the first page is cut back too. Beside
//! the state, `FILE.requests`
//! gets a line for every request as it takes its place in the budget,
//! before it is sent, and another when it is answered: a restarted process
//! counts every request the one before may have sent, from its answer (or,
//! unanswered, from the restart), and stays inside the budget.
//!
//! As a daemon beside logrotate and a shipper: one process per state and
//! per output ([`crate::lock`]: a second is refused, naming the first
//! one's pid); every write to the output is an append; the state records
//! which file it covers, its length and a digest of its last bytes, so
//! that a copy of the output (moved to another volume) is known as the
//! same output, and a rotation (the file renamed away, created anew, or
//! copied and truncated) is followed on start, on SIGHUP and before every
//! page ([`crate::output::Followed`]), said in one log line and never
//! refused; the state then names the new file at its own length. SIGHUP
//! never ends the process. When the reader of stdout goes away, watch
//! ends with an error and the state covers exactly the lines written
//! before.
//!
//! The one case of at-least-once: a crash between writing a page and
//! saving the state, when the output was rotated in between, leaves that
//! page's lines in the file rotated away; the restart, finding another
//! file at the path, cuts nothing and writes them again, with the same
//! ids, so a sink keyed by `id` keeps one of each.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use futures::StreamExt;
use hss_client::watch::{CycleSummary, Delivery, Feed, FeedState, Rejected, Step};
use hss_client::{Error, HssClient};

pub mod command;
mod lines;
mod rejects;
mod requests;
mod state;

use crate::exit::{Failure, Status};
use crate::metrics::Metrics;
use crate::output::{Followed, Mark, Rotation};
use crate::schema::EventSchema;
use crate::signals::Signals;
use lines::Lines;
use requests::{RequestLog, ms_of};
use state::State;

/// What to watch, and how.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Watch {
    /// The feeds, each with a name that identifies it (its operation and
    /// filters).
    pub feeds: Vec<(String, Feed)>,
    /// The state file.
    pub state: PathBuf,
    /// The output file (appended to); stdout when `None`.
    pub output: Option<PathBuf>,
    /// Time from the start of one cycle to the start of the next.
    pub interval: Duration,
    /// Run one cycle of each feed and stop.
    pub once: bool,
    /// Where to serve Prometheus metrics.
    pub metrics: Option<SocketAddr>,
    /// What a line holds: the HSS record in an envelope, or a SIEM event.
    pub schema: EventSchema,
    /// Where record versions that cannot be a line are appended.
    pub rejects: Option<PathBuf>,
}

/// What a feed's task tells the writer.
enum Message {
    Step(usize, Result<Step, Error>),
}

/// The output: a file that follows rotation, or stdout.
enum Output {
    File(Followed),
    Stdout(io::Stdout),
}

impl Output {
    /// The output a state covers (`saved`: none for a new state).
    fn open(path: Option<&Path>, saved: Option<&Mark>) -> Result<Self, Failure> {
        let Some(path) = path else {
            return Ok(Output::Stdout(io::stdout()));
        };
        let (file, rotation) = Followed::open(path, saved)?;
        if let Some(rotation) = rotation {
            say_rotated(path, rotation);
        }
        Ok(Output::File(file))
    }

    /// Goes on with the file at the path when the output was rotated since
    /// it was last committed to; whether it was.
    fn follow(&mut self) -> Result<bool, Failure> {
        let Output::File(file) = self else {
            return Ok(false);
        };
        match file.follow() {
            Ok(Some(rotation)) => say_rotated(file.path(), rotation),
            Ok(None) => return Ok(false),
            Err(error) => return Err(write_failed(Some(file.path()), &error)),
        }
        Ok(true)
    }

    /// The output as the state must name it (none for stdout).
    fn mark(&self) -> Option<&Mark> {
        match self {
            Output::File(file) => Some(file.mark()),
            Output::Stdout(_) => None,
        }
    }

    fn write(&mut self, text: &str) -> Result<(), Failure> {
        let written = match self {
            Output::File(file) => file.write(text),
            Output::Stdout(out) => out.lock().write_all(text.as_bytes()),
        };
        written.map_err(|e| write_failed(self.path(), &e))
    }

    /// Writes out and syncs what was written; the output as the state must
    /// name it (none for stdout).
    fn commit(&mut self) -> Result<Option<Mark>, Failure> {
        let committed = match self {
            Output::File(file) => file.commit().map(Some),
            Output::Stdout(out) => out.lock().flush().map(|()| None),
        };
        committed.map_err(|e| write_failed(self.path(), &e))
    }

    fn path(&self) -> Option<&Path> {
        match self {
            Output::File(file) => Some(file.path()),
            Output::Stdout(_) => None,
        }
    }
}

/// A write to the output (`None`: stdout) that failed, in watch's terms:
/// nothing after the last page the state covers was taken as written (the
/// state names the output before its first byte), so a rerun loses
/// nothing.
fn write_failed(path: Option<&Path>, error: &io::Error) -> Failure {
    let rerun = if error.kind() == io::ErrorKind::StorageFull {
        "the disk is full: free some space, then rerun the same command to go on \
         (the state covers every line written before it, and the rerun cuts back the rest)"
    } else {
        "the state covers every line written before it: rerun the same command to go on"
    };
    Failure::local(match path {
        None if error.kind() == io::ErrorKind::BrokenPipe => {
            format!("the reader of stdout went away (broken pipe); {rerun}")
        }
        None => format!("cannot write to stdout: {error}; {rerun}"),
        Some(path) => format!(
            "cannot write the output {}: {error}; {rerun}",
            path.display()
        ),
    })
}

/// The one log line of a rotation.
fn say_rotated(path: &Path, rotation: Rotation) {
    eprintln!(
        "hss watch: the output {} was rotated ({rotation}); appending to the file at that path",
        path.display()
    );
}

/// Runs the watch until SIGINT or SIGTERM (or, with `--once`, one cycle of
/// each feed); `signals` are this process's handlers, installed before
/// anything else it did.
pub async fn run(client: &HssClient, watch: &Watch, signals: Signals) -> Result<Status, Failure> {
    let Signals {
        mut stop,
        mut hangup,
    } = signals;
    // Nothing is read or written before the state is this process's own,
    // and the output: a watch that cut its output back to its own state
    // would cut another's lines.
    let _lock = crate::lock::hold(&watch.state, "watch", "state")?;
    let _output_lock = match &watch.output {
        Some(path) => Some(crate::lock::hold(path, "watch", "output")?),
        None => None,
    };
    let lines = Lines::new(client, &watch.feeds, watch.schema, watch.rejects.as_deref())?;
    let of = state::Of {
        names: watch.feeds.iter().map(|(name, _)| name.clone()).collect(),
        output: watch.output.clone(),
        schema: watch.schema.siem().map_or("hss", |siem| siem.name()),
    };
    let loaded = State::load(&watch.state, &of)?;
    let saved = loaded.as_ref().map(State::output);
    let mut state = loaded.unwrap_or_else(|| State::new(&of));
    // The budget of each operation holds across a restart.
    let requests = RequestLog::open(&watch.state, client)?;
    let output = Output::open(watch.output.as_deref(), saved.as_ref())?;
    // Before the first byte is written, the state names the output as it
    // is: a crash in the first page is cut back as in any other.
    if let Some(mark) = output.mark() {
        state.set_output(mark);
    }
    state.save(&watch.state)?;
    let metrics = Metrics::new(client.clone());
    for (_, feed) in &watch.feeds {
        metrics.watching(feed.operation());
    }
    if let Some(addr) = watch.metrics {
        metrics.serve(addr).await?;
    }
    let (mut receiver, _feeds) = spawn_feeds(client, watch, &state);
    let mut writer = Writer::new(client, watch, state, (output, lines), requests, metrics);
    loop {
        tokio::select! {
            message = receiver.recv() => {
                let Some(Message::Step(index, step)) = message else {
                    break;
                };
                if writer.step(index, step)? == Flow::AllDone {
                    break;
                }
            }
            // A page is written whole or not at all: the state on disk
            // already agrees with the output.
            () = stop.recv() => return Ok(Status::Done),
            () = hangup.recv() => writer.follow()?,
        }
    }
    // As `hss export`: done, but records were set aside.
    Ok(match writer.lines.left_out() {
        0 => Status::Done,
        _ => Status::DoneWithRejects,
    })
}

/// A task for each feed, running its cycles and sending their steps; they
/// stop when the returned handles are dropped.
fn spawn_feeds(
    client: &HssClient,
    watch: &Watch,
    state: &State,
) -> (
    tokio::sync::mpsc::Receiver<Message>,
    Vec<crate::tasks::AbortOnDrop>,
) {
    let (sender, receiver) = tokio::sync::mpsc::channel::<Message>(4);
    let mut tasks = Vec::new();
    for (index, (name, feed)) in watch.feeds.iter().enumerate() {
        let mut feed_state = state.feeds.get(name).cloned().unwrap_or_default();
        let sender = sender.clone();
        let client = client.clone();
        let feed = feed.clone();
        let (interval, once) = (watch.interval, watch.once);
        tasks.push(crate::tasks::AbortOnDrop(tokio::spawn(async move {
            loop {
                let began = tokio::time::Instant::now();
                let mut steps = feed.cycle(client.clone(), feed_state.clone());
                while let Some(step) = steps.next().await {
                    if let Ok(Step::Page { state, .. } | Step::Done { state, .. }) = &step {
                        feed_state = state.clone();
                    }
                    let failed = step.is_err();
                    if sender.send(Message::Step(index, step)).await.is_err() || failed {
                        return;
                    }
                }
                if once {
                    return;
                }
                tokio::time::sleep_until(began + interval).await;
            }
        })));
    }
    (receiver, tasks)
}

/// Whether the watch goes on after a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    Going,
    AllDone,
}

/// What the writer keeps of one feed between its steps.
#[derive(Clone, Debug, Default)]
struct FeedProgress {
    /// Time its operation had waited for the budget at its last cycle's
    /// end.
    waited: Duration,
    /// The largest lag of this cycle's records, in seconds.
    lag: Option<f64>,
    /// Lag counts the records that arrived or changed since the feed's
    /// cycle before this one began (a backfill's old records say nothing
    /// of it): the start of that cycle, and of this one, in ms since the
    /// epoch.
    starts: (Option<i64>, Option<i64>),
}

/// Writes the feeds' pages and saves the state after each.
struct Writer<'a> {
    client: &'a HssClient,
    watch: &'a Watch,
    state: State,
    output: Output,
    lines: Lines,
    requests: std::sync::Arc<RequestLog>,
    metrics: Metrics,
    feeds: Vec<FeedProgress>,
    cycles_done: usize,
}

impl<'a> Writer<'a> {
    fn new(
        client: &'a HssClient,
        watch: &'a Watch,
        state: State,
        (output, lines): (Output, Lines),
        requests: std::sync::Arc<RequestLog>,
        metrics: Metrics,
    ) -> Self {
        let feeds = watch
            .feeds
            .iter()
            .map(|(_, feed)| FeedProgress {
                waited: client.budget_waited(feed.operation()),
                ..FeedProgress::default()
            })
            .collect();
        Writer {
            client,
            watch,
            state,
            output,
            lines,
            requests,
            metrics,
            feeds,
            cycles_done: 0,
        }
    }

    fn step(&mut self, index: usize, step: Result<Step, Error>) -> Result<Flow, Failure> {
        match step {
            Err(error) => {
                let failure = Failure::from(error);
                Err(Failure {
                    status: failure.status,
                    message: format!("{}: {}", self.watch.feeds[index].0, failure.message),
                })
            }
            Ok(Step::Page {
                deliveries,
                rejected,
                state,
            }) => {
                self.page(index, (&deliveries, &rejected), state)?;
                Ok(Flow::Going)
            }
            Ok(Step::Done { summary, state }) => self.cycle_done(index, &summary, state),
            Ok(_) => Ok(Flow::Going),
        }
    }

    /// Goes on with the file at the output's path when it was rotated; the
    /// state names the new file before anything is written to it.
    fn follow(&mut self) -> Result<(), Failure> {
        if self.output.follow()? {
            if let Some(mark) = self.output.mark() {
                self.state.set_output(mark);
            }
            self.state.save(&self.watch.state)?;
        }
        Ok(())
    }

    /// Writes a page's lines (to the output at its path, rotated or not),
    /// and sets aside what cannot be one, syncs them, then saves the state
    /// that covers them.
    fn page(
        &mut self,
        index: usize,
        (deliveries, rejected): (&[Delivery], &[Rejected]),
        feed_state: FeedState,
    ) -> Result<(), Failure> {
        self.follow()?;
        let now = ms_of(SystemTime::now());
        let progress = &mut self.feeds[index];
        if let Some(pass) = &feed_state.pass
            && progress.starts.1 != Some(pass.started)
        {
            progress.starts = (progress.starts.1, Some(pass.started));
        }
        let mut unmapped = Vec::new();
        for delivery in deliveries {
            match self.lines.line(index, delivery) {
                Ok(line) => self.output.write(&line)?,
                Err(reason) => unmapped.push((delivery, reason)),
            }
            if let (Some(time), Some(from)) = (delivery.time, progress.starts.0)
                && time >= from
            {
                let seconds = (now - time) as f64 / 1000.0;
                progress.lag = Some(progress.lag.map_or(seconds, |l| l.max(seconds)));
            }
        }
        self.lines.set_aside(&self.metrics, rejected, &unmapped)?;
        if let Some(mark) = self.output.commit()? {
            self.state.set_output(&mark);
        }
        let (name, feed) = &self.watch.feeds[index];
        let written = deliveries.len() - unmapped.len();
        self.metrics.delivered(feed.operation(), written as u64);
        self.state.feeds.insert(name.clone(), feed_state);
        self.state.save(&self.watch.state)
    }

    /// A feed's cycle ended: its state saved, the request log compacted,
    /// its line logged.
    fn cycle_done(
        &mut self,
        index: usize,
        summary: &CycleSummary,
        feed_state: FeedState,
    ) -> Result<Flow, Failure> {
        let (name, feed) = &self.watch.feeds[index];
        let operation = feed.operation();
        self.state.feeds.insert(name.clone(), feed_state);
        self.state.save(&self.watch.state)?;
        self.requests.compact(self.client).map_err(|e| {
            Failure::local(format!(
                "cannot write the request log {}: {e}",
                self.requests.path().display()
            ))
        })?;
        let progress = &mut self.feeds[index];
        let waited = self.client.budget_waited(operation);
        let budget_wait = waited.saturating_sub(progress.waited);
        progress.waited = waited;
        log_cycle(name, summary, budget_wait, progress.lag);
        self.metrics.cycle(operation, progress.lag);
        progress.lag = None;
        self.cycles_done += 1;
        Ok(
            if self.watch.once && self.cycles_done == self.watch.feeds.len() {
                Flow::AllDone
            } else {
                Flow::Going
            },
        )
    }
}

/// One line a cycle on stderr.
fn log_cycle(name: &str, summary: &CycleSummary, budget_wait: Duration, lag: Option<f64>) {
    let lag = lag.map_or("-".to_string(), |l| format!("{l:.1} s"));
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    let took = (now - summary.started).max(0) as f64 / 1000.0;
    eprintln!(
        "hss watch: {name}: cycle {} ({}): {} records, {} requests, {:.1} s waiting for the budget, lag {lag}, {:.1} s in all; next: {}",
        summary.cycle,
        summary.mode,
        summary.records,
        summary.requests,
        budget_wait.as_secs_f64(),
        took,
        summary.next
    );
}
