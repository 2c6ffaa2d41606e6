//! How a stream fetches its pages ([`PageOptions`]): their size, how many
//! are in flight ([`Prefetch`]), where the pass starts (an offset or a
//! saved [`Cursor`]) and how records are told apart.

use std::str::FromStr;

use super::pager::Cursor;

/// Most pages in flight with [`Prefetch::Auto`].
pub const MAX_IN_FLIGHT: usize = 64;

/// How many pages a stream keeps in flight. Items keep their order either
/// way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Prefetch {
    /// At most this many pages at once (1 fetches one page after the
    /// other; values below 1 count as 1).
    Fixed(usize),
    /// As many as the service keeps up with: one more page in flight each
    /// round of pages answered without throttling (up to
    /// [`MAX_IN_FLIGHT`]), none more after one that was
    /// throttled, whose answer slows the operation's requests themselves
    /// (the adaptive pace of the request budget). Pages answered ahead of the one awaited do
    /// not count, so that a page waiting out a `Retry-After` holds back
    /// only itself.
    Auto,
}

impl FromStr for Prefetch {
    type Err = String;

    /// `auto`, or a number of pages, 1 or more (as a command line gives it).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "auto" {
            return Ok(Prefetch::Auto);
        }
        match text.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(Prefetch::Fixed(n)),
            _ => Err(format!(
                "expected a number of pages (1 or more) or `auto`, got {text:?}"
            )),
        }
    }
}

/// How a stream fetches pages. Build it from [`PageOptions::default`] with
/// the `with_` methods.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PageOptions {
    /// Items per page; `None` for the operation's default page size (the
    /// largest the spec allows).
    pub page_size: Option<i64>,
    /// Pages in flight at once.
    pub prefetch: Prefetch,
    /// Offset of the first item to fetch (0 for the start), when no
    /// [`PageOptions::cursor`] is given.
    pub start_offset: i64,
    /// Where an earlier pass stood ([`crate::Page::cursor`]): the stream goes on
    /// from there, skipping the records that pass yielded last.
    pub cursor: Option<Cursor>,
    /// Tell records apart by key and version (`x-record-version`): a record
    /// that changes while the pass runs is yielded again in its new
    /// version, wherever the change moved it. By key alone when `false`
    /// (the default): each record once.
    pub versions: bool,
}

impl Default for PageOptions {
    fn default() -> Self {
        Self {
            page_size: None,
            prefetch: Prefetch::Fixed(1),
            start_offset: 0,
            cursor: None,
            versions: false,
        }
    }
}

impl PageOptions {
    /// Sets the page size.
    pub fn with_page_size(mut self, page_size: i64) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// Sets a fixed number of pages in flight.
    pub fn with_prefetch(mut self, prefetch: usize) -> Self {
        self.prefetch = Prefetch::Fixed(prefetch);
        self
    }

    /// Keeps as many pages in flight as the service keeps up with
    /// ([`Prefetch::Auto`]).
    pub fn with_auto_prefetch(mut self) -> Self {
        self.prefetch = Prefetch::Auto;
        self
    }

    /// Sets the offset of the first item.
    pub fn with_start_offset(mut self, start_offset: i64) -> Self {
        self.start_offset = start_offset;
        self
    }

    /// Goes on from where an earlier pass stood.
    pub fn with_cursor(mut self, cursor: Cursor) -> Self {
        self.cursor = Some(cursor);
        self
    }

    /// Tells records apart by key and version ([`PageOptions::versions`]).
    pub fn with_versions(mut self) -> Self {
        self.versions = true;
        self
    }
}
