//! The pager: how a stream walks an offset-paged list that may move while
//! it is paged, as an explicit state machine (`Pager`: what to request
//! next, and what a page tells it), with its whole state in a [`Cursor`]
//! that can be saved and restored. Fetching pages ahead (`drive`) and the
//! request budget are separate pieces around it.
//!
//! # What a page tells the pager
//!
//! Every page carries the list's current total. The pager reads it from
//! every page, not only the first, and ends at the last total it saw, or
//! at a short page. It remembers the keys ([`crate::record`]) of the
//! records it read last ([`KEEP_PAGES`] pages' worth), to tell where the
//! list moved, and every record it read in the pass with the version it
//! read it in ([`super::keys`]), and skips a record it has already
//! yielded in this pass.
//!
//! A record without `x-record-key` is known by its whole content, and two
//! records may have the same: such a record is skipped only once the list
//! is seen to move (pages of a list that does not move never overlap), it
//! is never itself taken as a sign that the list moved, and each one
//! skipped is counted ([`Cursor::repeats_skipped`]): it is the same record
//! read again, or another just like it, which no reader can tell apart.
//!
//! While the total stays the same and no record comes twice, the list is
//! taken to be still: pages follow each other at `offset + page size`, so a
//! still list costs exactly `ceil(total / page size)` requests.
//!
//! The first time the total changes (or a record comes twice), the page
//! that shows it is set aside and asked for again at where the last record
//! yielded can be now. From then on the list is moving, and every page is
//! asked for so that it overlaps the records yielded: by one record, plus
//! the most the list has recently shifted towards its head. Its first
//! record must be one already yielded; that is what shows whether records
//! before the position left:
//!
//! - records that arrive at the head push the list towards its tail: a
//!   page then starts with records already yielded, which are skipped;
//! - records that arrive at the tail, or leave it, shift nothing already
//!   read;
//! - records that leave before the position shift the list towards its
//!   head: a page then starts with a record never yielded. It is set aside
//!   whole, and the pager steps back (by the shift it can tell, then by a
//!   page) and reads again from there. So the records yielded are always
//!   the list's records from its start up to one of them, with no hole.
//!
//! When the list ends before the pager's position (records left its tail,
//! or left before the position while it was away), the pager reads the
//! list's last records again, which tells the two apart.
//!
//! # Records that move within the list: reading the head again
//!
//! A list sorted by update time moves a record that changes (an alarm
//! being handled) to its head. A record that moves from the part not yet
//! read to the part read already is never met by a pass that goes
//! forwards: the pages after show only that the list shifted by one, as
//! if a record had arrived. So a pass over a list seen to move does not
//! end at the list's end: it reads the head again (a round), page after
//! page as above, until a page holds a record the pass read before the
//! round in the version it read it in ([`crate::record::version_stamp`]
//! of its `x-record-version`). In a list sorted by update time, every
//! record after that one last changed before it and was met by the pass;
//! records before it that the pass had yielded are skipped, the others
//! yielded. A round of more than one page is followed by another, for the
//! records that moved to the head while it ran, up to [`HEAD_ROUNDS`]
//! rounds (then the pass ends with an [`Error::Pagination`] that says so).
//! A pass that starts past offset 0 does not read the head.
//!
//! # What it guarantees
//!
//! Each record at most once, and every record that existed from the first
//! request to the last, whatever arrives at or leaves its head or tail,
//! and whatever moves to its head, as long as the list does not shift by
//! more than the records the pager remembers between two pages, and it
//! shows that it moves (its total changes, or a record comes again)
//! before records leave ahead of the position: records leaving before the
//! position exactly as fast as others arrive at the tail, from the very
//! first page on, leave no trace an offset pager could see without
//! reading every page twice.
//!
//! What it cannot guarantee, and says:
//!
//! - a record that moves to the head without a version to tell it changed
//!   (its schema has no `x-record-version`) stops a round when it is met
//!   there, as if unchanged: records it passed are found only if the
//!   round's page holds them too;
//! - a record without a key that has the content of one read before, on
//!   a list that moves, is counted ([`Cursor::repeats_skipped`]), not
//!   yielded;
//! - two keys share a 64-bit fingerprint with odds of about 1 in 40
//!   million in a pass of a million records (the later one is skipped).
//!
//! The cost of a still list is exactly `ceil(total / page size)`
//! requests: it never reads the head again. The cost of a moving list,
//! in requests: one request when it is first seen to move; the overlap of
//! each page (a page reads `size - overlap` new records); the records
//! that arrived at the head while it paged (each is read twice); one or
//! two requests each time records before the position leave faster than
//! the overlap allows for; and the reads of the head again: at least one
//! page, and a page for every page's worth of records that arrived or
//! changed while the pass ran.
//!
//! # What the cursor carries
//!
//! Everything above: the position and the shifts, the keys read last, and
//! every record read in the pass as a 64-bit fingerprint of its key and a
//! 32-bit stamp of its version (24 hex digits a record in a saved cursor),
//! so that a pass resumed in another process (export's checkpoint, `hss
//! mcp`'s cursor) yields each record once and reads the head again as
//! the first process would have.
//!
//! # The physical limit
//!
//! A list that grows faster than the stream reads it (newest first, under
//! a request budget) pushes its tail away faster than any offset pager can
//! reach it. When the records left to read, more than a page, have not
//! fallen over [`STALL_PAGES`] pages while the list grew, the stream ends
//! with an [`Error::Pagination`] that names both rates, rather than running
//! forever or ending short in silence. For an operation with a time
//! window, an end time in the past keeps the list still; the error says
//! so.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::keys::{ReadSet, RecentKeys};
use crate::error::Error;
use crate::record::RecordKey;
use crate::spec::{Operation, Pagination};

/// Pages' worth of record keys the pager remembers.
pub(crate) const KEEP_PAGES: usize = 4;
/// Pages over which the gap to the total must shrink.
pub(crate) const STALL_PAGES: usize = 10;
/// Most reads of the head again after a pass over a list that moved.
pub(crate) const HEAD_ROUNDS: u32 = 8;

/// Where a pass over a list stands: everything a stream needs to go on
/// from there, in a new process too (it is `Serialize`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Cursor {
    /// The offset of the next page to request.
    pub(crate) next_offset: i64,
    /// The total the last page reported.
    pub(crate) last_total: Option<i64>,
    /// Whether the list was seen to move in this pass.
    pub(crate) moving: bool,
    /// The keys of the records yielded last.
    pub(crate) recent: RecentKeys,
    /// Records yielded in this pass.
    pub(crate) yielded: u64,
    /// Records skipped because they had been yielded already.
    pub(crate) skipped: u64,
    /// Pages received in this pass.
    pub(crate) pages: u64,
    /// Steps back in a row (a shift towards the head being closed).
    pub(crate) backtracks: u32,
    /// How far the list shifted towards its head between the last pages,
    /// newest last (at most [`KEEP_PAGES`]): the overlap pages are asked
    /// for with.
    pub(crate) shifts: Vec<i64>,
    /// The position of the last record yielded, as of the last page kept.
    pub(crate) last_at: Option<i64>,
    /// Whether the pass is complete.
    pub(crate) done: bool,
    /// The offset the pass started at: the head is read again only when
    /// it is 0.
    #[serde(default)]
    pub(crate) start: i64,
    /// Every record read before the current round, with its version.
    #[serde(default)]
    pub(crate) read: ReadSet,
    /// The records read in the current round, once it is a read of the
    /// head again.
    #[serde(default)]
    pub(crate) fresh: ReadSet,
    /// 0 for the pass itself, then 1, 2, ... for each read of the head
    /// again.
    #[serde(default)]
    pub(crate) round: u32,
    /// Pages kept in the current round.
    #[serde(default)]
    pub(crate) round_pages: u32,
    /// Records yielded by a read of the head again: records that changed
    /// (and moved) while the pass read the rest, or arrived meanwhile.
    #[serde(default)]
    pub(crate) recovered: u64,
    /// Records without a key skipped because a record with the same
    /// content had been read in this pass.
    #[serde(default)]
    pub(crate) repeats: u64,
}

impl Cursor {
    /// A pass that starts at `offset`.
    pub fn at(offset: i64) -> Self {
        Cursor {
            next_offset: offset,
            start: offset,
            ..Cursor::default()
        }
    }

    /// Records yielded in this pass.
    pub fn yielded(&self) -> u64 {
        self.yielded
    }

    /// Records met again and skipped, because this pass had yielded them
    /// (pages overlap on a list that moves).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Records yielded by reading the head of the list again after the
    /// pass: ones that changed and moved to the head while the pass read
    /// the rest (a pass of a list that moves could not have met them
    /// otherwise), and ones that arrived meanwhile.
    pub fn recovered(&self) -> u64 {
        self.recovered
    }

    /// Records without a key (`x-record-key`) skipped because a record
    /// with the same content had been read in this pass, while the list
    /// moved. Each is a record read again, or another record with the same
    /// content, which the stream cannot tell apart: at most this many
    /// records were left out. On a list that does not move, no record is
    /// skipped.
    pub fn repeats_skipped(&self) -> u64 {
        self.repeats
    }

    /// Pages received in this pass.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    /// Whether the pass is complete: the list was read to its end.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The offset of the next page to request.
    pub fn next_offset(&self) -> i64 {
        self.next_offset
    }

    /// A pass that starts at `offset` over a list known to move: pages
    /// overlap from the first on, so that even records that leave before
    /// the position as fast as others arrive at the tail (what records
    /// that move to the tail when they change do) are never skipped. It
    /// costs a record of overlap a page from the start.
    pub fn moving_from(offset: i64) -> Self {
        Cursor {
            next_offset: offset,
            start: offset,
            moving: true,
            ..Cursor::default()
        }
    }
}

/// One page of a stream ([`crate::PaginatedExt::pages_with`], [`crate::Query::pages`]).
#[derive(Debug)]
#[non_exhaustive]
pub struct Page<T> {
    /// The offset the page was asked for at.
    pub offset: i64,
    /// The number of matching records this page reported, when the
    /// response carries one.
    pub total: Option<i64>,
    /// The page's records not yielded before, in order; a record that does
    /// not match its schema is an [`Error::Record`] in its place.
    pub items: Vec<Result<T, Error>>,
    /// Where the pass stands after this page: save it to go on from here
    /// later ([`crate::PageOptions::with_cursor`]).
    pub cursor: Cursor,
}

/// One record of a fetched page, with its key.
#[derive(Debug)]
pub(crate) struct Entry<T> {
    pub(crate) key: RecordKey,
    /// The stamp of its version ([`crate::record::version_stamp`]).
    pub(crate) stamp: u32,
    pub(crate) item: Result<T, Error>,
}

/// A page as fetched.
#[derive(Debug)]
pub(crate) struct Fetched<T> {
    pub(crate) total: Option<i64>,
    pub(crate) entries: Vec<Entry<T>>,
    /// Whether an attempt of it was throttled.
    pub(crate) throttled: bool,
}

/// What to do next.
#[derive(Debug)]
pub(crate) enum Step {
    /// Request the page at this offset.
    Fetch(i64),
    /// The pass is complete.
    Done,
    /// The pass cannot go on.
    Fail(Error),
}

/// One observation of the gap to the total, for the physical limit.
#[derive(Clone, Copy, Debug)]
struct Sample {
    at: Instant,
    gap: i64,
    total: i64,
    yielded: u64,
}

/// The state machine of one pass.
#[derive(Debug)]
pub(crate) struct Pager {
    operation: Operation,
    pagination: &'static Pagination,
    page_size: i64,
    cursor: Cursor,
    samples: VecDeque<Sample>,
    /// An error to end with once the page it came with is yielded.
    ending: Option<Error>,
    /// Whether records have no key: two records may then be the same.
    keyless: bool,
}

impl Pager {
    pub(crate) fn new(
        operation: Operation,
        pagination: &'static Pagination,
        page_size: i64,
        cursor: Cursor,
    ) -> Self {
        Pager {
            operation,
            pagination,
            page_size,
            cursor,
            samples: VecDeque::new(),
            ending: None,
            keyless: pagination.record_key.is_empty(),
        }
    }

    pub(crate) fn page_size(&self) -> i64 {
        self.page_size
    }

    fn capacity(&self) -> usize {
        usize::try_from(self.page_size)
            .unwrap_or(usize::MAX)
            .saturating_mul(KEEP_PAGES)
    }

    /// Records a page overlaps the one before by, once the list moves:
    /// one, plus the most the list shifted towards its head between recent
    /// pages (records that leave before the position shift it by that
    /// much while the next page is on its way).
    fn overlap(&self) -> i64 {
        if self.cursor.moving {
            let shift = self.cursor.shifts.iter().copied().max().unwrap_or(0);
            (1 + shift).min(self.page_size - 1).max(0)
        } else {
            0
        }
    }

    fn record_shift(&mut self, shift: i64) {
        self.cursor.shifts.push(shift.max(0));
        if self.cursor.shifts.len() > KEEP_PAGES {
            let excess = self.cursor.shifts.len() - KEEP_PAGES;
            self.cursor.shifts.drain(..excess);
        }
    }

    /// The offset a page after the one at `offset` starts at, when nothing
    /// changes.
    fn stride(&self) -> i64 {
        (self.page_size - self.overlap()).max(1)
    }

    /// What to request next.
    pub(crate) fn step(&mut self) -> Step {
        if let Some(error) = self.ending.take() {
            self.cursor.done = true;
            return Step::Fail(error);
        }
        if self.cursor.done {
            return Step::Done;
        }
        let next = self.cursor.next_offset;
        if next > self.pagination.max_offset {
            self.cursor.done = true;
            return Step::Fail(self.beyond_max_offset(next));
        }
        Step::Fetch(next)
    }

    /// The offsets of the next `count` pages, if nothing changes: the next
    /// one first. Pages past the last total are not predicted, nor any
    /// before a total is known.
    pub(crate) fn predict(&self, count: usize) -> Vec<i64> {
        let next = self.cursor.next_offset;
        let Some(total) = self.cursor.last_total else {
            return vec![next];
        };
        let stride = self.stride();
        (0..count as i64)
            .map(|k| next.saturating_add(k.saturating_mul(stride)))
            .take_while(|offset| *offset == next || *offset < total)
            .take_while(|offset| *offset <= self.pagination.max_offset)
            .collect()
    }

    /// What the page at `offset` tells the pager: the records to yield
    /// (those not yielded already), and where to go next.
    ///
    /// A page that shows the list shifted towards its head past the
    /// records read so far is set aside whole, and the pager steps back:
    /// so the records yielded are always the list's records from its start
    /// up to one of them, with no hole, and a page that starts with one of
    /// them continues from there.
    pub(crate) fn apply<T>(&mut self, offset: i64, fetched: Fetched<T>) -> Page<T> {
        let now = Instant::now();
        let previous = self.cursor.last_total;
        // The page was asked for at the position of the last record
        // yielded: its first record must be one already yielded.
        let anchored = self.cursor.moving && offset > 0;
        self.cursor.pages += 1;
        let count = fetched.entries.len() as i64;
        let first_unseen = fetched
            .entries
            .first()
            .is_some_and(|e| !self.cursor.recent.contains(&e.key));
        let last_seen = fetched
            .entries
            .iter()
            .rposition(|e| self.cursor.recent.contains(&e.key))
            .map(|i| i as i64);
        // Two records without a key may be the same: one that comes again
        // is no sign that the list moved.
        let repeated = last_seen.is_some() && !self.keyless;
        // A read of the head again ends at a record read before it, in
        // the version it was read in.
        let met = self.cursor.round > 0
            && fetched
                .entries
                .iter()
                .any(|e| self.cursor.read.stamp(&e.key) == Some(e.stamp));
        self.cursor.last_total = fetched.total.or(previous);
        let seen = Seen {
            offset,
            count,
            total: fetched.total,
            previous,
            anchored,
            first_unseen,
            repeated,
            last_seen,
            met,
        };
        let round = self.cursor.round;
        let kept = self.decide(&seen);
        let items = if kept {
            self.take(fetched.entries, round)
        } else {
            Vec::new()
        };
        if !self.cursor.done && self.ending.is_none() {
            self.watch_gap(now);
        }
        Page {
            offset,
            total: fetched.total,
            items,
            cursor: self.cursor.clone(),
        }
    }

    /// The records of a page of round `round` kept: those not read
    /// before in this pass. Whether a record was read is asked of the pass
    /// before this page, so that two records of one page with the same
    /// content are both yielded; and a record without a key is skipped
    /// only once the list is seen to move (on a list that does not move,
    /// pages never overlap). When the page ended its round, its records
    /// count as read before the next.
    fn take<T>(&mut self, entries: Vec<Entry<T>>, round: u32) -> Vec<Result<T, Error>> {
        let capacity = self.capacity();
        let head = round > 0;
        let same_round = self.cursor.round == round && !self.cursor.done;
        let skip = !self.keyless || self.cursor.moving;
        let before: Vec<bool> = entries
            .iter()
            .map(|e| self.cursor.read.contains(&e.key) || self.cursor.fresh.contains(&e.key))
            .collect();
        let mut items = Vec::with_capacity(entries.len());
        for (entry, read) in entries.into_iter().zip(before) {
            if same_round {
                self.cursor.recent.insert(&entry.key, capacity);
            }
            if head && same_round {
                self.cursor.fresh.insert(&entry.key, entry.stamp);
            } else {
                self.cursor.read.insert(&entry.key, entry.stamp);
            }
            if read && skip {
                self.cursor.skipped += 1;
                if self.keyless {
                    self.cursor.repeats += 1;
                }
            } else {
                self.cursor.yielded += 1;
                if head {
                    self.cursor.recovered += 1;
                }
                items.push(entry.item);
            }
        }
        items
    }

    /// The end of a round. A pass over a list that moved has read the
    /// head again until it met a record it read before in the version it
    /// read it in; a round of more than one page is followed by another,
    /// for the records that moved to the head while it ran.
    fn end_round(&mut self) {
        let fresh = std::mem::take(&mut self.cursor.fresh);
        self.cursor.read.absorb(fresh);
        let again = self.cursor.round_pages > 1
            && self.cursor.start == 0
            && (self.cursor.round > 0 || self.cursor.moving);
        if !again {
            self.cursor.done = true;
            return;
        }
        if self.cursor.round >= HEAD_ROUNDS {
            self.cursor.done = true;
            self.ending = Some(self.pagination_error(format!(
                "the head of the list kept changing: after reading it again {HEAD_ROUNDS} times, \
                 records that changed while it was read may be missing, so the pass stops here: \
                 run it again, or narrow the query"
            )));
            return;
        }
        self.cursor.round += 1;
        self.cursor.round_pages = 0;
        self.cursor.next_offset = 0;
        self.cursor.last_at = None;
        self.cursor.shifts.clear();
        self.cursor.backtracks = 0;
        self.cursor.recent = RecentKeys::default();
        self.cursor.moving = true;
        self.samples.clear();
    }

    /// Where to go after a page; `false` when the page is set aside.
    fn decide(&mut self, seen: &Seen) -> bool {
        let Some(total) = seen.total else {
            // Without a total, pages go on until a short one.
            self.cursor.round_pages += 1;
            self.cursor.next_offset = seen.offset + seen.count;
            if seen.count < self.page_size || seen.met {
                self.end_round();
            }
            return true;
        };
        let shrink = seen.previous.map_or(0, |before| (before - total).max(0));
        if seen.previous.is_some_and(|before| before != total) || (seen.repeated && !seen.anchored)
        {
            self.cursor.moving = true;
        }
        if self.set_aside(seen, total, shrink) {
            return false;
        }
        self.cursor.round_pages += 1;
        self.follow_last_yielded(seen);
        if seen.met {
            self.end_round();
        } else {
            self.go_on(seen, total, shrink);
        }
        true
    }

    /// Whether the page shows the list shifted past the last record
    /// yielded, so that it is set aside and asked for again further back.
    fn set_aside(&mut self, seen: &Seen, total: i64, shrink: i64) -> bool {
        // Where the last record yielded was expected in this page: the
        // difference to where it is is how far the list shifted.
        let expected = self.cursor.last_at.map(|at| at - seen.offset);
        if seen.anchored && seen.count > 0 && seen.first_unseen {
            // Records before this page left: it starts past the last
            // record yielded.
            let shift = expected.map_or(shrink, |e| e + 1 + shrink);
            self.record_shift(shift);
            self.step_back(seen.offset, total, shift + self.overlap());
            return true;
        }
        if !seen.anchored && seen.offset > 0 && self.cursor.moving {
            // The first change seen: records before this page may have
            // left (as many as arrived elsewhere), and it may start past
            // the last record yielded. Set it aside and ask again at where
            // that record can be now, so that the page shows it.
            self.record_shift(shrink);
            self.cursor.backtracks = 0;
            self.cursor.next_offset = (seen.offset - shrink - self.overlap()).max(0);
            return true;
        }
        false
    }

    /// A page kept: how far the list shifted, and where the last record
    /// yielded now is.
    fn follow_last_yielded(&mut self, seen: &Seen) {
        let expected = self.cursor.last_at.map(|at| at - seen.offset);
        if seen.anchored
            && let (Some(expected), Some(found)) = (expected, seen.last_seen)
        {
            self.record_shift(expected - found);
        }
        let end = seen.offset + seen.count;
        self.cursor.last_at = if seen.count > 0 && seen.last_seen != Some(seen.count - 1) {
            Some(end - 1)
        } else {
            seen.last_seen
                .map(|found| seen.offset + found)
                .or(self.cursor.last_at)
        };
        self.cursor.backtracks = 0;
    }

    /// The next page after one kept, or the end of the pass.
    fn go_on(&mut self, seen: &Seen, total: i64, shrink: i64) {
        let Seen { offset, count, .. } = *seen;
        let end = offset + count;
        if count == 0 && offset >= total && offset > 0 && total > 0 && seen.previous.is_some() {
            // The list now ends before this offset: read its last records
            // again, which shows whether records left before the part read
            // (the page then starts with one not yielded, and the pager
            // steps back) or only after it (the pass is complete).
            self.cursor.moving = true;
            let back = self.overlap().max(shrink + 1);
            self.cursor.next_offset = (total - back).max(0);
            return;
        }
        self.cursor.next_offset = end;
        if end >= total {
            self.end_round();
        } else if count < self.page_size {
            self.cursor.done = true;
            self.ending = Some(self.pagination_error(format!(
                "the page at offset {offset} held {count} records, fewer than the {} asked for, while its total is {total}; \
                 either the service returns fewer than {} records a page (set a smaller PageOptions::page_size), \
                 or it answered inconsistently",
                self.page_size, self.page_size
            )));
        } else {
            self.cursor.next_offset = end - self.overlap();
        }
    }

    /// The page at `offset` starts past the last record yielded: records
    /// before it left. Go back by the shrink, then by a page at a time.
    fn step_back(&mut self, offset: i64, total: i64, shrink: i64) {
        self.cursor.backtracks += 1;
        let limit = u32::try_from(KEEP_PAGES).unwrap_or(u32::MAX);
        if self.cursor.backtracks >= limit {
            self.cursor.done = true;
            self.ending = Some(self.pagination_error(format!(
                "the list moved towards its head by more than the {} records this stream remembers, \
                 between two pages (at offset {offset}, total {total}); records may have been missed, \
                 so the pass stops here: run it again",
                self.capacity()
            )));
            return;
        }
        let back = if self.cursor.backtracks == 1 {
            shrink
        } else {
            (self.page_size - 1).max(shrink)
        };
        self.cursor.next_offset = (offset - back).max(0);
    }

    /// Records the gap to the total; ends the pass when it has not shrunk
    /// over [`STALL_PAGES`] pages.
    fn watch_gap(&mut self, now: Instant) {
        let Some(total) = self.cursor.last_total else {
            return;
        };
        let sample = Sample {
            at: now,
            gap: total - self.cursor.next_offset,
            total,
            yielded: self.cursor.yielded,
        };
        self.samples.push_back(sample);
        if self.samples.len() <= STALL_PAGES {
            return;
        }
        let Some(then) = self.samples.pop_front() else {
            return;
        };
        // Only a list that grew, and is more than a page from its end, is
        // out of reach.
        if sample.gap < then.gap || sample.gap <= self.page_size || sample.total <= then.total {
            return;
        }
        let minutes = now.saturating_duration_since(then.at).as_secs_f64() / 60.0;
        let per_minute = |n: f64| {
            if minutes > 0.0 {
                (n / minutes).round()
            } else {
                f64::INFINITY
            }
        };
        let grows = per_minute((sample.total - then.total) as f64);
        let reads = per_minute(sample.yielded.saturating_sub(then.yielded) as f64);
        let hint = match self.operation.time_window() {
            Some(window) => format!(" An `{}` in the past keeps the list still.", window.end),
            None => " Narrow the query so that fewer records arrive while it is read.".to_string(),
        };
        self.cursor.done = true;
        self.ending = Some(self.pagination_error(format!(
            "the list grows by about {grows} records a minute, and this stream reads about {reads} a minute: \
             over the last {STALL_PAGES} pages the records left to read went from {} to {}, so its end cannot be reached.{hint}",
            then.gap, sample.gap
        )));
    }

    fn pagination_error(&self, message: String) -> Error {
        Error::Pagination {
            operation: self.operation.to_string(),
            message,
        }
    }

    fn beyond_max_offset(&self, offset: i64) -> Error {
        let max = self.pagination.max_offset;
        let operation = self.operation;
        self.pagination_error(match self.cursor.last_total {
            Some(total) => format!(
                "{} is {total}, but records from offset {offset} on cannot be fetched: the largest offset {operation} accepts is {max}; narrow the query to see the rest",
                self.pagination.total
            ),
            None if self.cursor.pages == 0 => format!(
                "the stream would start at offset {offset}, past the largest offset {operation} accepts ({max})"
            ),
            None => format!(
                "records from offset {offset} on cannot be fetched: the largest offset {operation} accepts is {max}, and the answers carry no {} to tell how many there are; narrow the query to see the rest",
                self.pagination.total
            ),
        })
    }
}

/// What one page showed.
#[derive(Clone, Copy, Debug)]
struct Seen {
    offset: i64,
    count: i64,
    total: Option<i64>,
    previous: Option<i64>,
    anchored: bool,
    first_unseen: bool,
    repeated: bool,
    /// The index in the page of its last record already yielded.
    last_seen: Option<i64>,
    /// Whether, in a read of the head again, the page holds a record read
    /// before in the version it was read in.
    met: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A list that moves between pages as a test tells it to.
    struct List {
        ids: Vec<u64>,
        next_id: u64,
        seed: u64,
        /// Each changed record's version; 0 for one never changed.
        versions: std::collections::HashMap<u64, u32>,
    }

    #[derive(Clone, Copy, Debug)]
    struct Moves {
        head_arrivals: u64,
        tail_arrivals: u64,
        head_removals: u64,
        tail_removals: u64,
        random_removals: u64,
        /// Records that change: each moves to the head, in a new version.
        changes: u64,
    }

    const STILL: Moves = Moves {
        head_arrivals: 0,
        tail_arrivals: 0,
        head_removals: 0,
        tail_removals: 0,
        random_removals: 0,
        changes: 0,
    };

    impl List {
        fn new(len: u64, seed: u64) -> Self {
            List {
                ids: (0..len).collect(),
                next_id: len,
                seed,
                versions: Default::default(),
            }
        }

        fn random(&mut self, below: u64) -> u64 {
            self.seed = crate::record::tests_support::mix(self.seed);
            if below == 0 { 0 } else { self.seed % below }
        }

        /// Up to `max` of each move, chosen at random.
        fn shake(&mut self, moves: Moves) {
            let count = |list: &mut List, max: u64| list.random(max + 1);
            for _ in 0..count(self, moves.head_arrivals) {
                self.ids.insert(0, self.next_id);
                self.next_id += 1;
            }
            for _ in 0..count(self, moves.tail_arrivals) {
                self.ids.push(self.next_id);
                self.next_id += 1;
            }
            for _ in 0..count(self, moves.head_removals) {
                if !self.ids.is_empty() {
                    self.ids.remove(0);
                }
            }
            for _ in 0..count(self, moves.tail_removals) {
                self.ids.pop();
            }
            for _ in 0..count(self, moves.random_removals) {
                if !self.ids.is_empty() {
                    let at = self.random(self.ids.len() as u64) as usize;
                    self.ids.remove(at);
                }
            }
            for _ in 0..count(self, moves.changes) {
                if !self.ids.is_empty() {
                    let at = self.random(self.ids.len() as u64) as usize;
                    let id = self.ids.remove(at);
                    *self.versions.entry(id).or_default() += 1;
                    self.ids.insert(0, id);
                }
            }
        }

        fn page(&self, offset: i64, limit: i64) -> Fetched<u64> {
            let start = (offset as usize).min(self.ids.len());
            let end = (start + limit as usize).min(self.ids.len());
            Fetched {
                total: Some(self.ids.len() as i64),
                entries: self.ids[start..end]
                    .iter()
                    .map(|id| Entry {
                        key: RecordKey::of(&[id.to_string()]),
                        stamp: self.versions.get(id).copied().unwrap_or(0),
                        item: Ok(*id),
                    })
                    .collect(),
                throttled: false,
            }
        }
    }

    fn pagination() -> &'static Pagination {
        Operation::ALL
            .iter()
            .find_map(|op| op.pagination())
            .expect("an operation pages")
    }

    struct Pass {
        yielded: Vec<u64>,
        requests: usize,
        error: Option<Error>,
        throughout: Vec<u64>,
        recovered: u64,
        rounds: u32,
    }

    /// Pages `list` to the end, moving it by `moves` before every page.
    fn pass(list: List, page_size: i64, moves: Moves) -> Pass {
        pass_from(list, page_size, moves, Cursor::at(0))
    }

    /// [`pass`] without reading the head again at the end, as the pager
    /// did before it could: the records it misses show what the reads of
    /// the head again are for.
    fn pass_without_head_rounds(list: List, page_size: i64, moves: Moves) -> Pass {
        let cursor = Cursor {
            start: -1,
            ..Cursor::at(0)
        };
        pass_from(list, page_size, moves, cursor)
    }

    fn pass_from(mut list: List, page_size: i64, moves: Moves, cursor: Cursor) -> Pass {
        let operation = Operation::ALL[0];
        let mut pager = Pager::new(operation, pagination(), page_size, cursor);
        let first: std::collections::BTreeSet<u64> = list.ids.iter().copied().collect();
        let mut yielded = Vec::new();
        let mut requests = 0;
        let mut error = None;
        let mut cursor = Cursor::default();
        loop {
            match pager.step() {
                Step::Fetch(offset) => {
                    if requests == 1 && moves.head_arrivals + moves.tail_arrivals > 0 {
                        // Before the list is first seen to change, records
                        // leaving before the position exactly as fast as
                        // others arrive would go unseen (see the module
                        // docs): the first move here is arrivals only.
                        list.shake(Moves {
                            head_removals: 0,
                            tail_removals: 0,
                            random_removals: 0,
                            ..moves
                        });
                    } else if requests > 0 {
                        list.shake(moves);
                    }
                    requests += 1;
                    let page = pager.apply(offset, list.page(offset, page_size));
                    yielded.extend(page.items.into_iter().map(|i| i.expect("no record error")));
                    cursor = page.cursor;
                    assert!(requests < 100_000, "the pass does not end");
                }
                Step::Done => break,
                Step::Fail(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        let last: std::collections::BTreeSet<u64> = list.ids.iter().copied().collect();
        Pass {
            yielded,
            requests,
            error,
            throughout: first.intersection(&last).copied().collect(),
            recovered: cursor.recovered,
            rounds: cursor.round,
        }
    }

    fn check(pass: &Pass, what: &str) {
        assert!(pass.error.is_none(), "{what}: {:?}", pass.error);
        let mut seen = std::collections::BTreeSet::new();
        for id in &pass.yielded {
            assert!(seen.insert(*id), "{what}: {id} yielded twice");
        }
        let missing: Vec<u64> = pass
            .throughout
            .iter()
            .filter(|id| !seen.contains(id))
            .copied()
            .collect();
        assert!(missing.is_empty(), "{what}: missed {missing:?}");
    }

    #[test]
    fn a_still_list_costs_exactly_one_request_a_page() {
        for (len, size, requests) in [
            (0, 10, 1),
            (1, 10, 1),
            (10, 10, 1),
            (11, 10, 2),
            (1200, 200, 6),
            (10_000, 200, 50),
        ] {
            let pass = pass(List::new(len, 1), size, STILL);
            check(&pass, "still");
            assert_eq!(pass.requests, requests, "{len} records in pages of {size}");
            assert_eq!(pass.yielded, (0..len).collect::<Vec<_>>());
        }
    }

    #[test]
    fn moving_lists_lose_nothing_and_repeat_nothing() {
        let cases = [
            (
                "arrivals at the head",
                Moves {
                    head_arrivals: 30,
                    ..STILL
                },
            ),
            (
                "arrivals at the tail",
                Moves {
                    tail_arrivals: 30,
                    ..STILL
                },
            ),
            (
                "removals at the head",
                Moves {
                    head_removals: 20,
                    ..STILL
                },
            ),
            (
                "removals at the tail",
                Moves {
                    tail_removals: 20,
                    ..STILL
                },
            ),
            (
                "removals anywhere",
                Moves {
                    random_removals: 20,
                    ..STILL
                },
            ),
            (
                "new at the tail, old leave the head",
                Moves {
                    tail_arrivals: 15,
                    head_removals: 15,
                    ..STILL
                },
            ),
            (
                "new at the head, old leave the tail",
                Moves {
                    head_arrivals: 15,
                    tail_removals: 15,
                    ..STILL
                },
            ),
            (
                "everything",
                Moves {
                    head_arrivals: 10,
                    tail_arrivals: 10,
                    head_removals: 8,
                    tail_removals: 8,
                    random_removals: 8,
                    changes: 0,
                },
            ),
        ];
        for (what, moves) in cases {
            for seed in 1..30 {
                let pass = pass(List::new(3000, seed), 100, moves);
                check(&pass, &format!("{what}, seed {seed}"));
            }
        }
    }

    #[test]
    fn records_that_change_and_move_to_the_head_are_read_there_once() {
        let cases = [
            (
                "changes",
                Moves {
                    changes: 10,
                    ..STILL
                },
            ),
            (
                "a few changes",
                Moves {
                    changes: 1,
                    ..STILL
                },
            ),
            (
                "changes and arrivals at the head",
                Moves {
                    changes: 8,
                    head_arrivals: 8,
                    ..STILL
                },
            ),
            (
                "changes, arrivals and removals",
                Moves {
                    changes: 8,
                    head_arrivals: 5,
                    random_removals: 5,
                    ..STILL
                },
            ),
        ];
        let (mut recovered, mut missed_without) = (0, 0);
        for (what, moves) in cases {
            for seed in 1..30 {
                let pass = pass(List::new(3000, seed), 100, moves);
                check(&pass, &format!("{what}, seed {seed}"));
                recovered += pass.recovered;
                let without = pass_without_head_rounds(List::new(3000, seed), 100, moves);
                let yielded: std::collections::BTreeSet<u64> =
                    without.yielded.iter().copied().collect();
                missed_without += without
                    .throughout
                    .iter()
                    .filter(|id| !yielded.contains(id))
                    .count();
            }
        }
        assert!(recovered > 0, "no record was ever found at the head again");
        assert!(
            missed_without > 0,
            "the pass alone misses nothing here: the case tests nothing"
        );
    }

    #[test]
    fn a_moving_list_costs_one_more_request_when_only_its_head_grows() {
        // 3000 records in pages of 100; the first move is arrivals only
        // (see `pass`), then up to 3 arrivals a page. The pass meets
        // records it read on its first read of the head again.
        let moves = Moves {
            head_arrivals: 3,
            ..STILL
        };
        let moving = pass(List::new(3000, 4), 100, moves);
        check(&moving, "head arrivals");
        let still = pass(List::new(3000, 4), 100, STILL);
        assert_eq!(still.requests, 30);
        assert!(moving.requests > still.requests, "{}", moving.requests);
        assert_eq!(moving.rounds, 1, "one read of the head again");
    }

    #[test]
    fn a_list_that_outgrows_the_reader_ends_with_an_error_naming_both_rates() {
        let moves = Moves {
            head_arrivals: 400,
            ..STILL
        };
        let pass = pass(List::new(1000, 3), 100, moves);
        let Some(Error::Pagination { message, .. }) = pass.error else {
            panic!("expected a pagination error, got {:?}", pass.error);
        };
        assert!(
            message.contains("grows by about") && message.contains("reads about"),
            "{message}"
        );
    }

    #[test]
    fn a_cursor_saved_after_any_page_resumes_the_pass() {
        let operation = Operation::ALL[0];
        let mut list = List::new(1000, 9);
        let moves = Moves {
            head_arrivals: 5,
            random_removals: 5,
            changes: 3,
            ..STILL
        };
        let first: std::collections::BTreeSet<u64> = list.ids.iter().copied().collect();
        let mut pager = Pager::new(operation, pagination(), 50, Cursor::at(0));
        let mut yielded = Vec::new();
        let mut pages = 0;
        loop {
            match pager.step() {
                Step::Fetch(offset) => {
                    list.shake(moves);
                    let page = pager.apply(offset, list.page(offset, 50));
                    yielded.extend(page.items.into_iter().map(|i| i.unwrap()));
                    pages += 1;
                    // Every few pages the process "restarts" from the
                    // saved cursor, which went through JSON.
                    if pages % 3 == 0 {
                        let text = serde_json::to_string(&page.cursor).unwrap();
                        let cursor: Cursor = serde_json::from_str(&text).unwrap();
                        pager = Pager::new(operation, pagination(), 50, cursor);
                    }
                }
                Step::Done => break,
                Step::Fail(e) => panic!("{e}"),
            }
        }
        let last: std::collections::BTreeSet<u64> = list.ids.iter().copied().collect();
        let pass = Pass {
            yielded,
            requests: pages,
            error: None,
            throughout: first.intersection(&last).copied().collect(),
            recovered: 0,
            rounds: 0,
        };
        check(&pass, "resumed");
    }

    #[test]
    fn a_resume_after_the_list_shrank_below_the_cursor_reads_again() {
        let operation = Operation::ALL[0];
        let mut pager = Pager::new(operation, pagination(), 10, Cursor::at(0));
        let mut list = List::new(100, 1);
        let page = pager.apply(0, list.page(0, 10));
        assert_eq!(page.items.len(), 10);
        let mut cursor = page.cursor;
        cursor.next_offset = 90;
        cursor.last_total = Some(100);
        // 95 records leave from the head.
        list.ids.drain(0..95);
        let mut pager = Pager::new(operation, pagination(), 10, cursor);
        let Step::Fetch(offset) = pager.step() else {
            panic!()
        };
        assert_eq!(offset, 90);
        let page = pager.apply(offset, list.page(offset, 10));
        assert!(page.items.is_empty());
        let Step::Fetch(offset) = pager.step() else {
            panic!("it reads again")
        };
        assert!(offset < 5, "{offset}");
    }

    #[test]
    fn records_without_a_key_that_repeat_on_a_still_list_are_all_yielded() {
        // 1000 records, of which 700 have the content of another.
        let mut list = List::new(0, 1);
        list.ids = (0..1000).map(|n| n % 300).collect();
        let operation = Operation::ALL[0];
        let mut pager = Pager::new(operation, pagination(), 100, Cursor::at(0));
        pager.keyless = true;
        let mut yielded = 0;
        let mut cursor = Cursor::default();
        while let Step::Fetch(offset) = pager.step() {
            let page = pager.apply(offset, list.page(offset, 100));
            yielded += page.items.len();
            cursor = page.cursor;
        }
        assert_eq!(yielded, 1000);
        assert_eq!((cursor.skipped(), cursor.repeats_skipped()), (0, 0));
        assert_eq!(cursor.pages(), 10);
    }

    #[test]
    fn records_without_a_key_skipped_as_repeats_on_a_moving_list_are_counted() {
        let mut list = List::new(0, 1);
        list.ids = (0..1000).map(|n| n % 300).collect();
        list.next_id = 300;
        let operation = Operation::ALL[0];
        let mut pager = Pager::new(operation, pagination(), 100, Cursor::at(0));
        pager.keyless = true;
        let mut yielded = 0u64;
        let mut cursor = Cursor::default();
        let mut requests = 0;
        while let Step::Fetch(offset) = pager.step() {
            if requests > 0 {
                list.shake(Moves {
                    head_arrivals: 3,
                    ..STILL
                });
            }
            requests += 1;
            let page = pager.apply(offset, list.page(offset, 100));
            yielded += page.items.len() as u64;
            cursor = page.cursor;
        }
        assert!(cursor.repeats_skipped() > 0);
        assert_eq!(cursor.repeats_skipped(), cursor.skipped());
        // Every record read is yielded or counted.
        assert!(yielded + cursor.repeats_skipped() >= 1000, "{yielded}");
    }

    #[test]
    fn a_start_past_the_largest_offset_is_a_pagination_error_naming_it() {
        let max = pagination().max_offset;
        let mut pager = Pager::new(Operation::ALL[0], pagination(), 10, Cursor::at(max + 1));
        let Step::Fail(Error::Pagination { message, .. }) = pager.step() else {
            panic!("expected a pagination error");
        };
        assert!(message.contains(&max.to_string()), "{message}");
    }
}
