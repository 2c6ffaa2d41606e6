//! A continuous feed of new and changed records: the cycles `hss watch`
//! runs, for a Rust pipeline too.
//!
//! A [`Feed`] is one operation with one set of filters. Each cycle reads
//! only what is new or changed since the last, inside the operation's
//! request budget, and gives the records to deliver a page at a time, each
//! with the [`FeedState`] after that page: the caller writes the records,
//! then persists the state, and a restart from the persisted state
//! delivers every record version exactly once across the runs. A record
//! that breaks its schema is not delivered but handed over beside the
//! deliveries ([`Rejected`]) and counted in the cycle's summary: nothing
//! is dropped without a trace.
//!
//! How a cycle reads, by what the spec and the data say:
//!
//! - **An operation with a time window** (`x-time-window` naming the
//!   record field it bounds): the window runs from the end of the last one,
//!   minus [`Feed::overlap`] for records the service indexes late, to now.
//!   The first cycle backfills from [`Feed::since`] back. Records from the
//!   overlap that were delivered already are skipped by key.
//! - **Without one, when the list is newest first** ([`Mode::Head`]):
//!   pages are read from the head until a page holds a record delivered
//!   already in the same version: everything after it was delivered too.
//!   An idle cycle, or one with fewer new records than a page, costs one
//!   request.
//! - **Otherwise** ([`Mode::Full`]): a full pass, paced by the budget.
//!
//! Which of the last two holds is told from the data: the first cycle is
//! a full pass, and after each full pass the list is taken to be newest
//! first when its records' versions (`x-record-version`) never rise from
//! one record to the next; for records without versions, when the new
//! records a full pass met all came before every record of an earlier
//! cycle (until new records arrive, such a list is read in full passes). A head cycle that finds the total grew by more
//! than the new records it found goes back to full passes. Each cycle's
//! [`CycleSummary`] says which was used.
//!
//! A record's version is its `x-record-version` field: a record that
//! changes (an alarm being handled) is delivered again, once per version.
//! The state is bounded: a key is dropped once it falls out of the overlap
//! (time window), or out of the list (full passes); a feed that reads from
//! the head keeps at most [`MAX_KEYS`], those read last.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use futures::stream::{self, BoxStream, StreamExt};
use serde::{Deserialize, Serialize};

use crate::client::HssClient;
use crate::error::Error;
use crate::paging::options::PageOptions;
use crate::paging::pager::{Cursor, Page};
use crate::query::{JsonRecord, Query};
use crate::record::RecordKey;
use crate::spec::Operation;

/// Most keys a feed that reads from the head keeps: beyond it, the ones
/// read longest ago are dropped.
pub const MAX_KEYS: usize = 1_000_000;

/// Drops the keys read longest ago beyond [`MAX_KEYS`].
fn trim(delivered: &mut BTreeMap<RecordKey, Delivered>) {
    if delivered.len() <= MAX_KEYS {
        return;
    }
    let mut seen: Vec<u64> = delivered.values().map(|d| d.seen).collect();
    seen.sort_unstable();
    let cut = seen[delivered.len() - MAX_KEYS];
    delivered.retain(|_, d| d.seen >= cut);
}

/// How a cycle reads the list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Mode {
    /// A full pass over the list.
    #[default]
    Full,
    /// From the head until a page holds nothing new.
    Head,
    /// A time window from the last one's end (less the overlap) to now.
    Window,
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mode::Full => "full pass",
            Mode::Head => "from the head",
            Mode::Window => "time window",
        })
    }
}

/// A record delivered, as far as later cycles need to know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Delivered {
    /// The version delivered.
    pub version: Option<String>,
    /// The record's time-window field, in ms since the epoch, when the
    /// operation has one.
    pub time: Option<i64>,
    /// The cycle that last read it.
    pub seen: u64,
}

/// The cycle in progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Pass {
    /// Its number, from 1.
    pub cycle: u64,
    /// How it reads.
    pub mode: Mode,
    /// The time window, in ms since the epoch, for [`Mode::Window`].
    pub window: Option<(i64, i64)>,
    /// Where the pass over the list stands.
    pub cursor: Cursor,
    /// Whether the versions read so far never rose from one record to the
    /// next.
    pub falling: bool,
    /// How many times two records' versions were compared: without one,
    /// the order is unknown.
    #[serde(default)]
    pub compared: u64,
    /// Whether a record delivered in an earlier cycle was met.
    #[serde(default)]
    pub met_earlier: bool,
    /// Whether a record new to the state came after one delivered in an
    /// earlier cycle: new records did not all arrive at the head.
    #[serde(default)]
    pub new_after_earlier: bool,
    /// The version of the last record read.
    pub last_version: Option<String>,
    /// Records delivered in this pass.
    pub delivered: u64,
    /// Records read that were new to the state (not changed ones).
    pub new: u64,
    /// The total the last cycle ended with.
    pub total_before: Option<i64>,
    /// When it started, in ms since the epoch.
    pub started: i64,
    /// Records read in this pass that break their schema, each handed to
    /// the caller in its page's step.
    #[serde(default)]
    pub rejected: u64,
}

/// Everything a feed's cycles need to go on, in a new process too.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FeedState {
    /// Cycles completed.
    pub cycles: u64,
    /// How the next cycle reads.
    pub mode: Mode,
    /// The end of the last window read, in ms since the epoch.
    pub window_end: Option<i64>,
    /// The total the last cycle ended with.
    pub last_total: Option<i64>,
    /// The records delivered that a later cycle can meet again.
    pub delivered: BTreeMap<RecordKey, Delivered>,
    /// The cycle in progress, if one is.
    pub pass: Option<Pass>,
}

/// A record to deliver.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivery {
    /// The operation.
    pub operation: Operation,
    /// The record's key.
    pub key: RecordKey,
    /// Its version, when the spec names a version field.
    pub version: Option<String>,
    /// The record as compact JSON.
    pub json: String,
    /// An id for this version of this record: the same every time it is
    /// delivered, so a sink can write it idempotently.
    pub id: RecordKey,
    /// Its time (its time-window or version field), in ms since the
    /// epoch, when it has one.
    pub time: Option<i64>,
}

/// A record of a page that breaks its schema: it is not delivered, but
/// handed to the caller, so that nothing is dropped without a trace (set
/// it aside, as `hss watch --rejects` does).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rejected {
    /// The operation.
    pub operation: Operation,
    /// The record's position in the list when it was read (its offset).
    pub position: i64,
    /// What does not match the schema.
    pub message: String,
    /// The record as it came, in JSON.
    pub raw: String,
    /// An id for this text of this record: a digest of `raw`, since the
    /// field that breaks the schema may be the record's key (several
    /// broken records may share it).
    pub id: RecordKey,
}

/// One step of a cycle.
#[derive(Debug)]
#[non_exhaustive]
pub enum Step {
    /// A page was read: deliver these records, set aside the rejected
    /// ones, then keep `state`.
    Page {
        /// The records to deliver.
        deliveries: Vec<Delivery>,
        /// The page's records that break their schema, in their order: not
        /// delivered, and not met again by later cycles unless they change.
        rejected: Vec<Rejected>,
        /// The state once they are delivered.
        state: FeedState,
    },
    /// The cycle is complete: keep `state`.
    Done {
        /// What it did.
        summary: CycleSummary,
        /// The state for the next cycle.
        state: FeedState,
    },
}

/// What one cycle did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CycleSummary {
    /// The operation.
    pub operation: Operation,
    /// The cycle's number, from 1.
    pub cycle: u64,
    /// How it read.
    pub mode: Mode,
    /// Records delivered.
    pub records: u64,
    /// Records that broke their schema, reported in the pages' steps and
    /// not delivered.
    pub rejected: u64,
    /// Pages requested.
    pub requests: u64,
    /// How the next cycle will read.
    pub next: Mode,
    /// When the cycle began, in ms since the epoch.
    pub started: i64,
}

/// One operation with one set of filters, followed cycle after cycle.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Feed {
    /// The operation and its filters (not its paging or time-window
    /// parameters, which the feed sets).
    pub query: Query,
    /// How far back the first cycle reads, for an operation with a time
    /// window (default 24 hours).
    pub since: Duration,
    /// How far each window reaches back before the end of the last one,
    /// for records the service indexes late (default 2 minutes).
    pub overlap: Duration,
    /// Records a page; the operation's largest when `None`.
    pub page_size: Option<i64>,
}

fn ms(at: SystemTime) -> i64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn duration_ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// A version as a number, when it is one (times are).
fn numeric(version: &str) -> Option<f64> {
    version.parse::<f64>().ok()
}

/// Whether version `next` does not come after `before` (the list is newest
/// first so far).
fn not_rising(before: &str, next: &str) -> bool {
    match (numeric(before), numeric(next)) {
        (Some(a), Some(b)) => b <= a,
        _ => next <= before,
    }
}

impl Feed {
    /// A feed of `query`, with the defaults.
    pub fn new(query: Query) -> Self {
        Feed {
            query,
            since: Duration::from_secs(24 * 3600),
            overlap: Duration::from_secs(120),
            page_size: None,
        }
    }

    /// The operation.
    pub fn operation(&self) -> Operation {
        self.query.operation
    }

    /// The record field a time window bounds, when the operation has one.
    fn window_field(&self) -> Option<&'static str> {
        self.operation().time_window().and_then(|w| w.field)
    }

    /// The pass a new cycle starts with, at `now`.
    fn begin(&self, state: &FeedState, now: SystemTime) -> Pass {
        let cycle = state.cycles + 1;
        let now = ms(now);
        let (mode, window) = match self.window_field() {
            Some(_) => {
                let start = match state.window_end {
                    Some(end) => end.saturating_sub(duration_ms(self.overlap)),
                    None => now.saturating_sub(duration_ms(self.since)),
                };
                (Mode::Window, Some((start.min(now), now)))
            }
            None if state.cycles == 0 => (Mode::Full, None),
            None => (state.mode, None),
        };
        Pass {
            cycle,
            mode,
            window,
            cursor: Cursor::moving_from(0),
            falling: true,
            compared: 0,
            met_earlier: false,
            new_after_earlier: false,
            last_version: None,
            delivered: 0,
            new: 0,
            total_before: state.last_total,
            started: now,
            rejected: 0,
        }
    }

    /// The query of one pass: the feed's filters and the window's bounds.
    fn pass_query(&self, pass: &Pass) -> Query {
        let mut query = self.query.clone();
        if let (Some(window), Some((start, end))) = (self.operation().time_window(), pass.window) {
            query = query
                .with(window.start, start.to_string())
                .with(window.end, end.to_string());
        }
        query
    }

    /// One cycle from `state` (going on with the cycle in progress when it
    /// has one): its pages, then [`Step::Done`]. Dropping the stream
    /// between steps loses nothing: the state of the last step taken is
    /// where a new cycle goes on.
    pub fn cycle(
        &self,
        client: HssClient,
        state: FeedState,
    ) -> BoxStream<'static, Result<Step, Error>> {
        let mut state = state;
        let pass = match state.pass.take() {
            Some(pass) => pass,
            None => self.begin(&state, SystemTime::now()),
        };
        // A record that changes while the pass runs may move to where the
        // pass has been: by key and version, it is met again there.
        let mut options = PageOptions::default()
            .with_cursor(pass.cursor.clone())
            .with_versions();
        if let Some(size) = self.page_size {
            options = options.with_page_size(size);
        }
        let pages = self.pass_query(&pass).pages(client, options);
        let feed = self.clone();
        let run = Run {
            feed,
            state,
            pass,
            pages,
            finished: false,
        };
        stream::unfold(run, |mut run| async move {
            let step = run.next().await?;
            Some((step, run))
        })
        .boxed()
    }
}

/// A cycle under way.
struct Run {
    feed: Feed,
    state: FeedState,
    pass: Pass,
    pages: BoxStream<'static, Result<Page<JsonRecord>, Error>>,
    finished: bool,
}

impl Run {
    async fn next(&mut self) -> Option<Result<Step, Error>> {
        if self.finished {
            return None;
        }
        match self.pages.next().await {
            None => Some(Ok(self.finish())),
            Some(Err(error)) => {
                self.finished = true;
                Some(Err(error))
            }
            Some(Ok(page)) => match self.page(page) {
                Ok(step) => Some(Ok(step)),
                Err(error) => {
                    self.finished = true;
                    Some(Err(error))
                }
            },
        }
    }

    /// The step of one page: its records to deliver, and those that break
    /// their schema, each new version once.
    fn page(&mut self, page: Page<JsonRecord>) -> Result<Step, Error> {
        let mut known = 0usize;
        let (mut deliveries, mut rejected) = (Vec::new(), Vec::new());
        // A page of a read of the head again (after a full pass over a list
        // that moved) follows the list's end, not the record before it: it
        // says nothing of the list's order.
        let in_order = self.pass.cursor.round == 0;
        for item in page.items {
            match item {
                Ok(record) => match self.take(record, in_order)? {
                    Some(delivery) => deliveries.push(delivery),
                    None => known += 1,
                },
                // A record that breaks its schema costs only itself: it is
                // handed to the caller, and the cycle goes on.
                Err(Error::Record {
                    position,
                    message,
                    raw,
                    ..
                }) => match self.reject((position, message, raw), in_order) {
                    Some(record) => rejected.push(record),
                    None => known += 1,
                },
                Err(error) => return Err(error),
            }
        }
        self.pass.cursor = page.cursor;
        self.state.last_total = page.total.or(self.state.last_total);
        if self.pass.mode == Mode::Head && known > 0 {
            // A record delivered already, in the same version: in a
            // newest-first list everything after it was too, so the head
            // cycle is done with this page.
            self.pages = stream::empty().boxed();
        }
        let mut state = self.state.clone();
        state.pass = Some(self.pass.clone());
        Ok(Step::Page {
            deliveries,
            rejected,
            state,
        })
    }

    /// Notes a record read: its key, version and time, and, when it was
    /// read `in_order`, what it says of the list's order. Whether it is
    /// new, or in a new version (to be handed on).
    fn note(
        &mut self,
        key: RecordKey,
        (version, time): (Option<&String>, Option<i64>),
        in_order: bool,
    ) -> bool {
        let cycle = self.pass.cycle;
        let known = self.state.delivered.get(&key).cloned();
        if in_order {
            self.order(version, known.as_ref());
        }
        let fresh = known.as_ref().is_none_or(|d| d.version.as_ref() != version);
        self.state.delivered.insert(
            key,
            Delivered {
                version: version.cloned(),
                time,
                seen: cycle,
            },
        );
        if fresh && known.is_none() {
            self.pass.new += 1;
        }
        fresh
    }

    /// What a record read in order says of the list's order: whether
    /// versions fall along it, and where records of earlier cycles are met.
    fn order(&mut self, version: Option<&String>, known: Option<&Delivered>) {
        if let (Some(before), Some(version)) = (&self.pass.last_version, version) {
            self.pass.compared += 1;
            if !not_rising(before, version) {
                self.pass.falling = false;
            }
        }
        if version.is_some() {
            self.pass.last_version = version.cloned();
        }
        if known.is_some_and(|d| d.seen < self.pass.cycle) {
            self.pass.met_earlier = true;
        } else if known.is_none() && self.pass.met_earlier {
            self.pass.new_after_earlier = true;
        }
    }

    /// Whether `record` is to be delivered (new, or in a new version), and
    /// notes it.
    fn take(&mut self, record: JsonRecord, in_order: bool) -> Result<Option<Delivery>, Error> {
        let operation = self.feed.operation();
        let json = record.to_json()?;
        let time = self.feed.window_field().and_then(|field| {
            serde_json::from_str::<serde_json::Value>(&json)
                .ok()?
                .get(field)?
                .as_i64()
        });
        if !self.note(record.key, (record.version.as_ref(), time), in_order) {
            return Ok(None);
        }
        self.pass.delivered += 1;
        let id = RecordKey::of_version(record.key, record.version.as_deref());
        let time = time.or_else(|| record.version.as_deref().and_then(|v| v.parse().ok()));
        Ok(Some(Delivery {
            operation,
            key: record.key,
            version: record.version,
            json,
            id,
            time,
        }))
    }

    /// A record that breaks its schema, when its text is new: noted under a
    /// digest of that text, as a delivered one is under its key and version,
    /// so that it is handed on once, not at every pass.
    fn reject(
        &mut self,
        (position, message, raw): (i64, String, String),
        in_order: bool,
    ) -> Option<Rejected> {
        let operation = self.feed.operation();
        let value =
            serde_json::from_str::<serde_json::Value>(&raw).unwrap_or(serde_json::Value::Null);
        // Known by its whole text: the field that breaks the schema may be
        // the record's key itself, which several broken records can share.
        let key = RecordKey::of(std::slice::from_ref(&raw));
        let time = self
            .feed
            .window_field()
            .and_then(|field| value.get(field)?.as_i64());
        if !self.note(key, (None, time), in_order) {
            return None;
        }
        self.pass.rejected += 1;
        Some(Rejected {
            operation,
            position,
            message,
            raw,
            id: key,
        })
    }

    /// The cycle is complete: the mode of the next, and the state trimmed.
    fn finish(&mut self) -> Step {
        self.finished = true;
        let pass = &self.pass;
        let cycle = pass.cycle;
        let next = match pass.mode {
            Mode::Window => {
                if let Some((_, end)) = pass.window {
                    self.state.window_end = Some(end);
                    let keep_from = end.saturating_sub(duration_ms(self.feed.overlap));
                    self.state
                        .delivered
                        .retain(|_, d| d.time.is_none_or(|t| t >= keep_from));
                }
                Mode::Window
            }
            Mode::Full => {
                // What the pass did not meet has left the list.
                self.state.delivered.retain(|_, d| d.seen == cycle);
                // Newest first only on evidence: versions that never rose
                // along the list; or, for records without versions (no
                // `x-record-version`), new records met only before every
                // record of an earlier cycle.
                let by_versions = pass.compared > 0 && pass.falling;
                let by_arrivals = pass.compared == 0
                    && pass.new > 0
                    && pass.met_earlier
                    && !pass.new_after_earlier;
                if by_versions || by_arrivals {
                    Mode::Head
                } else {
                    Mode::Full
                }
            }
            Mode::Head => {
                trim(&mut self.state.delivered);
                let grew = match (self.state.last_total, pass.total_before) {
                    (Some(now), Some(before)) => now - before,
                    _ => 0,
                };
                // More records than the head showed: some arrived
                // elsewhere, so the list is not newest first after all.
                if grew > i64::try_from(pass.new).unwrap_or(i64::MAX) {
                    Mode::Full
                } else {
                    Mode::Head
                }
            }
        };
        let summary = CycleSummary {
            operation: self.feed.operation(),
            cycle,
            mode: pass.mode,
            records: pass.delivered,
            rejected: pass.rejected,
            requests: pass.cursor.pages,
            next,
            started: pass.started,
        };
        self.state.cycles = cycle;
        self.state.mode = next;
        self.state.pass = None;
        Step::Done {
            summary,
            state: self.state.clone(),
        }
    }
}
