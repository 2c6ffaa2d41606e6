//! The files `hss export` and `hss watch` write records to: one synced
//! writer ([`Synced`]) for both, and for watch the rotation it follows
//! ([`Followed`]).
//!
//! Every write is an append (`O_APPEND`): whatever else shortened the file
//! meanwhile (logrotate's `copytruncate`), a write lands at its end and
//! leaves no hole. Before a checkpoint or a state names a file's length,
//! the file is synced to disk; after a crash, the tail written after the
//! last save is cut off again ([`Synced::resume`], [`Followed::open`]), so
//! that no line is written twice.
//!
//! A save names the output by a [`Mark`]: which file it is (its device and
//! inode, [`FileId`]), its length, and a digest of its last bytes before
//! that length ([`Tail`]: the last 4 KiB, which end with the last line).
//! A file is the output a mark names when it is at least that long and
//! holds that tail there: so the output is known by its content as well
//! as by its inode. A copy of it (moved to another volume: a new inode)
//! is the same output, and the same inode rewritten since (copied and
//! truncated, then written again) is not, however long it is.
//!
//! `hss watch` runs for months beside logrotate, so its output follows a
//! rotation ([`Followed`]): when the file at the path is not the output
//! its state names (renamed away and created anew, gone, or truncated),
//! the output is taken as rotated, and the file at the path is opened or
//! created and appended to. Nothing is cut from a file that is not the
//! output, but a line the same file ends with cut short (a crash after a
//! copy-and-truncate) is this watch's own, and is cut off: a line is never
//! glued to a part of another.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::exit::Failure;

/// The most bytes a [`Tail`] covers.
const TAIL_SPAN: usize = 4096;

/// Which file a path led to: its device and inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FileId {
    /// The device the file is on.
    pub device: u64,
    /// Its inode on that device.
    pub inode: u64,
}

impl FileId {
    /// The file `metadata` describes.
    pub fn of(metadata: &Metadata) -> Self {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            FileId {
                device: metadata.dev(),
                inode: metadata.ino(),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = metadata;
            FileId {
                device: 0,
                inode: 0,
            }
        }
    }
}

/// The last bytes of a file before a length, by digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Tail {
    /// How many bytes it covers, ending at the length: 4 KiB, or the
    /// whole file when it is shorter.
    pub bytes: u64,
    /// Their SHA-256, in hex.
    pub sha256: String,
}

impl Tail {
    /// The tail that is `bytes`.
    fn of(bytes: &[u8]) -> Self {
        Tail {
            bytes: bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(bytes)),
        }
    }
}

/// What a save knows of an output: which file, its length, its tail.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Mark {
    /// The file (absent in states written before rotation was followed).
    pub file: Option<FileId>,
    /// Its length.
    pub bytes: u64,
    /// Its last bytes before that length (absent in states and
    /// checkpoints written before the output was known by its content).
    pub tail: Option<Tail>,
}

/// The last bytes written to a file: the file's own last bytes, since
/// every write appends.
#[derive(Debug, Default)]
struct Window(Vec<u8>);

impl Window {
    /// The last bytes, up to [`TAIL_SPAN`], of `file` before `length`.
    fn read(file: &File, length: u64) -> io::Result<Self> {
        let span = length.min(TAIL_SPAN as u64);
        Ok(Window(read_at(file, length - span, span)?))
    }

    fn push(&mut self, bytes: &[u8]) {
        if bytes.len() >= TAIL_SPAN {
            self.0.clear();
            self.0.extend_from_slice(&bytes[bytes.len() - TAIL_SPAN..]);
            return;
        }
        self.0.extend_from_slice(bytes);
        if self.0.len() > 2 * TAIL_SPAN {
            let cut = self.0.len() - TAIL_SPAN;
            self.0.drain(..cut);
        }
    }

    /// The tail of the file these bytes end, `length` long.
    fn tail(&self, length: u64) -> Tail {
        let span = usize::try_from(length)
            .unwrap_or(usize::MAX)
            .min(TAIL_SPAN)
            .min(self.0.len());
        Tail::of(&self.0[self.0.len() - span..])
    }
}

/// `count` bytes of `file` from `start` (fewer when it ends first).
fn read_at(file: &File, start: u64, count: u64) -> io::Result<Vec<u8>> {
    let mut reader = file;
    reader.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    reader.take(count).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Whether `file` holds `tail` before byte `bytes`.
fn holds_tail(file: &File, bytes: u64, tail: &Tail) -> io::Result<bool> {
    if tail.bytes > bytes {
        return Ok(false);
    }
    let found = read_at(file, bytes - tail.bytes, tail.bytes)?;
    Ok(found.len() as u64 == tail.bytes && Tail::of(&found) == *tail)
}

/// The length of `file`'s whole lines: up to its last newline, of the
/// first `length` bytes.
fn whole_lines(file: &File, length: u64) -> io::Result<u64> {
    let mut end = length;
    while end > 0 {
        let start = end.saturating_sub(TAIL_SPAN as u64);
        let chunk = read_at(file, start, end - start)?;
        if let Some(at) = chunk.iter().rposition(|b| *b == b'\n') {
            return Ok(start + at as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// Opens `path` to append to (and to read its tail), creating it when
/// there is none.
fn append_to(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .read(true)
        .open(path)
}

/// The metadata of the file at `path`; `None` when there is none.
fn at_path(path: &Path) -> io::Result<Option<Metadata>> {
    match std::fs::metadata(path) {
        Ok(metadata) => Ok(Some(metadata)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// A file appended to through a buffer, and synced to disk on demand; it
/// keeps the last bytes written, for the [`Tail`] a save names.
#[derive(Debug)]
pub struct Synced {
    path: PathBuf,
    writer: BufWriter<File>,
    window: Window,
}

impl Synced {
    /// An export's output, opened to go on after a checkpoint that counted
    /// `bytes` of it, ending with `tail` when it names one: the tail after
    /// them is cut off, and every write appends. A file shorter than that,
    /// or without that tail, was changed since; the export cannot go on.
    pub fn resume(
        path: &Path,
        bytes: u64,
        tail: Option<&Tail>,
        what: &str,
    ) -> Result<Self, Failure> {
        let file = resume(path, bytes, tail, what)?;
        let window = Window::read(&file, bytes).map_err(|e| {
            Failure::local(format!("cannot read the {what} {}: {e}", path.display()))
        })?;
        Ok(Synced::over(path, file, window))
    }

    fn over(path: &Path, file: File, window: Window) -> Self {
        Synced {
            path: path.to_path_buf(),
            writer: BufWriter::with_capacity(1 << 16, file),
            window,
        }
    }

    /// Syncs what was flushed to disk: a checkpoint or a state may then
    /// name its length.
    pub fn sync(&self) -> io::Result<()> {
        self.writer.get_ref().sync_data()
    }

    /// Writes out what is buffered and syncs it; the file's length now.
    pub fn commit(&mut self) -> io::Result<u64> {
        self.writer.flush()?;
        self.sync()?;
        Ok(self.writer.get_ref().metadata()?.len())
    }

    /// The tail of the file once what was written is, when it is `length`
    /// long.
    pub fn tail(&self, length: u64) -> Tail {
        self.window.tail(length)
    }

    /// The file written to.
    pub fn file(&self) -> &File {
        self.writer.get_ref()
    }

    /// The path it writes to.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Write for Synced {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.writer.write(buf)?;
        self.window.push(&buf[..written]);
        Ok(written)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer.write_all(buf)?;
        self.window.push(buf);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// The file at `path` opened to go on after a save that counted `bytes`
/// of it, as [`Synced::resume`] says.
fn resume(path: &Path, bytes: u64, tail: Option<&Tail>, what: &str) -> Result<File, Failure> {
    let fail =
        |e: io::Error| Failure::local(format!("cannot open the {what} {}: {e}", path.display()));
    let file = append_to(path).map_err(fail)?;
    let length = file.metadata().map_err(fail)?.len();
    if length < bytes {
        return Err(Failure::usage(format!(
            "the {what} {} holds {length} bytes, fewer than the {bytes} the checkpoint counts; \
             it was changed since, so the export cannot go on: remove the checkpoint to start afresh",
            path.display()
        )));
    }
    if let Some(tail) = tail
        && !holds_tail(&file, bytes, tail).map_err(fail)?
    {
        return Err(Failure::usage(format!(
            "the {what} {} does not end, at the {bytes} bytes the checkpoint counts, with what \
             the export wrote there; it was changed since, so the export cannot go on: \
             remove the checkpoint to start afresh",
            path.display()
        )));
    }
    if length > bytes {
        // What came after the last checkpoint is written again.
        file.set_len(bytes).map_err(fail)?;
    }
    Ok(file)
}

/// Why the file a watch writes to is taken as rotated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rotation {
    /// No file is at the path (renamed away, not yet created anew).
    Gone,
    /// Another file is at the path (renamed away and created anew).
    Replaced,
    /// The file is shorter than what was written to it (copied and
    /// truncated).
    Truncated {
        /// Its length now.
        length: u64,
        /// The length written.
        written: u64,
    },
    /// The same file, as long as what was written or longer, no longer
    /// holds what was written (copied and truncated, then written again).
    Rewritten {
        /// Its length now.
        length: u64,
        /// The length written.
        written: u64,
    },
}

impl std::fmt::Display for Rotation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rotation::Gone => f.write_str("it was moved away; a new file is created"),
            Rotation::Replaced => f.write_str("another file is at its path now"),
            Rotation::Truncated { length, written } => write!(
                f,
                "it holds {length} bytes of the {written} written: it was truncated"
            ),
            Rotation::Rewritten { length, written } => write!(
                f,
                "it holds {length} bytes, but not the {written} written: \
                 it was truncated and written again"
            ),
        }
    }
}

/// What becomes of the file found at the path when a watch starts.
struct Found {
    /// Why it is not the output the state names, if it is not.
    rotation: Option<Rotation>,
    /// The length to cut it back to.
    keep: u64,
}

/// How `file`, found at the path with `id` and `length`, goes on from
/// `mark`, the output a state names.
fn judge(file: &File, id: FileId, length: u64, mark: &Mark) -> io::Result<Found> {
    let same_file = mark.file.is_none_or(|saved| saved == id);
    // An empty tail tells nothing: another file is then known by its
    // inode alone.
    let by_content = mark.bytes > 0 && mark.tail.is_some();
    let holds = length >= mark.bytes
        && (same_file || by_content)
        && match &mark.tail {
            Some(tail) => holds_tail(file, mark.bytes, tail)?,
            // A state written before tails: the byte before the length
            // must end a line.
            None => mark.bytes == 0 || read_at(file, mark.bytes - 1, 1)? == b"\n",
        };
    if holds {
        // What came after the last save is written again.
        return Ok(Found {
            rotation: None,
            keep: mark.bytes,
        });
    }
    if !same_file {
        return Ok(Found {
            rotation: Some(Rotation::Replaced),
            keep: length,
        });
    }
    let rotation = if length < mark.bytes {
        Rotation::Truncated {
            length,
            written: mark.bytes,
        }
    } else {
        Rotation::Rewritten {
            length,
            written: mark.bytes,
        }
    };
    // The same file, copied and truncated: all it holds was written by
    // this watch since, and a line it ends with cut short (a crash) is cut
    // off, to be written again whole.
    Ok(Found {
        rotation: Some(rotation),
        keep: whole_lines(file, length)?,
    })
}

/// The file at `path`, opened (or created) to append to, and cut back to
/// `keep` bytes when given; a file that ends inside a line is ended with a
/// newline, so that no line is glued to it. Its mark, and its window.
fn open_at(
    path: &Path,
    keep: impl FnOnce(&File, FileId, u64) -> io::Result<u64>,
) -> io::Result<(File, Mark, Window)> {
    let file = append_to(path)?;
    let metadata = file.metadata()?;
    let id = FileId::of(&metadata);
    let mut length = metadata.len();
    let kept = keep(&file, id, length)?;
    if kept < length {
        file.set_len(kept)?;
        length = kept;
    }
    if length > 0 && read_at(&file, length - 1, 1)? != b"\n" {
        (&file).write_all(b"\n")?;
        file.sync_data()?;
        length += 1;
    }
    let window = Window::read(&file, length)?;
    let mark = Mark {
        file: Some(id),
        bytes: length,
        tail: Some(window.tail(length)),
    };
    Ok((file, mark, window))
}

/// A watch's output file: appended to, synced page by page, following a
/// rotation.
#[derive(Debug)]
pub struct Followed {
    out: Synced,
    /// The file written to, and its length and tail at the last commit
    /// (or since it was opened).
    mark: Mark,
}

impl Followed {
    /// Opens the output a state names (`saved`; `None` for a new state).
    /// The file at the path is appended to. When it is that output (the
    /// same file, or a copy, holding the tail the state names at the
    /// length it names), it is cut back to that length (a crash between
    /// writing a page and saving the state); otherwise the output was
    /// rotated, said in the second value, and nothing is cut but a line
    /// the same file ends with cut short. The state must name the output
    /// as [`Followed::mark`] gives it before anything is written.
    pub fn open(path: &Path, saved: Option<&Mark>) -> Result<(Self, Option<Rotation>), Failure> {
        let fail = |e: io::Error| {
            Failure::local(format!("cannot open the output {}: {e}", path.display()))
        };
        let existed = at_path(path).map_err(fail)?.is_some();
        let mut rotation = None;
        let (file, mark, window) = open_at(path, |file, id, length| match saved {
            None => Ok(length),
            Some(mark) if !existed => {
                rotation = (mark.bytes > 0).then_some(Rotation::Gone);
                Ok(length)
            }
            Some(mark) => {
                let found = judge(file, id, length, mark)?;
                rotation = found.rotation;
                Ok(found.keep)
            }
        })
        .map_err(fail)?;
        let output = Followed {
            out: Synced::over(path, file, window),
            mark,
        };
        Ok((output, rotation))
    }

    /// Checks whether the output was rotated since it was last committed
    /// to; if so, goes on with the file at the path, which it creates when
    /// there is none. Another file that holds just what was written (a
    /// copy, moved to another volume) is gone on with too, but is no
    /// rotation. Call it with nothing buffered; after a rotation, the
    /// state must name the output as [`Followed::mark`] gives it before
    /// anything is written.
    pub fn follow(&mut self) -> io::Result<Option<Rotation>> {
        let written = self.mark.bytes;
        let rotation = match at_path(self.out.path())? {
            None => Some(Rotation::Gone),
            Some(metadata) if Some(FileId::of(&metadata)) != self.mark.file => {
                Some(Rotation::Replaced)
            }
            Some(_) => {
                let length = self.out.file().metadata()?.len();
                (length < written).then_some(Rotation::Truncated { length, written })
            }
        };
        let Some(rotation) = rotation else {
            return Ok(None);
        };
        self.out.flush()?;
        let tail = self.mark.tail.clone();
        let mut copy = false;
        let (file, mark, window) = open_at(self.out.path(), |file, _, length| {
            // A copy of the output as it was written (moved to another
            // volume) is the output still.
            copy = matches!(rotation, Rotation::Replaced)
                && written > 0
                && length == written
                && match &tail {
                    Some(tail) => holds_tail(file, written, tail)?,
                    None => false,
                };
            Ok(length)
        })?;
        self.out = Synced::over(self.out.path(), file, window);
        self.mark = mark;
        Ok((!copy).then_some(rotation))
    }

    /// Writes `text` (to the buffer; [`Followed::commit`] writes it out).
    pub fn write(&mut self, text: &str) -> io::Result<()> {
        self.out.write_all(text.as_bytes())
    }

    /// Writes out what is buffered and syncs the file to disk; the output
    /// as a state names it now.
    pub fn commit(&mut self) -> io::Result<Mark> {
        let bytes = self.out.commit()?;
        self.mark.bytes = bytes;
        self.mark.tail = Some(self.out.tail(bytes));
        Ok(self.mark.clone())
    }

    /// The output as a state names it: the file written to, and its
    /// length and tail at the last commit, or since it was opened.
    pub fn mark(&self) -> &Mark {
        &self.mark
    }

    /// The path it writes to.
    pub fn path(&self) -> &Path {
        self.out.path()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap()
    }

    fn truncate(path: &Path) {
        std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .unwrap()
            .set_len(0)
            .unwrap();
    }

    fn append(path: &Path, text: &str) {
        let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
        file.write_all(text.as_bytes()).unwrap();
    }

    #[test]
    fn a_crash_tail_is_cut_only_from_the_same_longer_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let (mut out, rotation) = Followed::open(&path, None).unwrap();
        assert_eq!(rotation, None);
        out.write("one\n").unwrap();
        let mark = out.commit().unwrap();
        out.write("half a page\n").unwrap();
        out.commit().unwrap();
        drop(out);
        let (mut out, rotation) = Followed::open(&path, Some(&mark)).unwrap();
        assert_eq!(rotation, None);
        assert_eq!(text(&path), "one\n");
        out.write("two\n").unwrap();
        out.commit().unwrap();
        assert_eq!(text(&path), "one\ntwo\n");
    }

    #[test]
    fn the_mark_before_the_first_byte_cuts_back_a_first_page() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        std::fs::write(&path, "before\n").unwrap();
        let (mut out, _) = Followed::open(&path, None).unwrap();
        // What a state saved before the first byte names.
        let mark = out.mark().clone();
        assert_eq!(mark.bytes, 7);
        out.write("a whole line\nhalf a li").unwrap();
        out.out.flush().unwrap();
        drop(out);
        let (_, rotation) = Followed::open(&path, Some(&mark)).unwrap();
        assert_eq!(rotation, None);
        assert_eq!(text(&path), "before\n");
    }

    #[test]
    fn a_copy_with_the_same_content_is_the_same_output() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let (mut out, _) = Followed::open(&path, None).unwrap();
        out.write("one\ntwo\n").unwrap();
        let mark = out.commit().unwrap();
        out.write("three\nfou").unwrap();
        out.commit().unwrap();
        drop(out);
        // Copied to a new inode, at the same path.
        std::fs::copy(&path, dir.path().join("copy")).unwrap();
        std::fs::rename(dir.path().join("copy"), &path).unwrap();
        let (mut out, rotation) = Followed::open(&path, Some(&mark)).unwrap();
        assert_eq!(rotation, None);
        assert_ne!(out.mark().file, mark.file);
        out.write("three\n").unwrap();
        out.commit().unwrap();
        assert_eq!(text(&path), "one\ntwo\nthree\n");
        // Another file of the same length and other content is not.
        let mark = out.commit().unwrap();
        drop(out);
        std::fs::write(dir.path().join("other"), "ONE\nTWO\nTHREE\n").unwrap();
        std::fs::rename(dir.path().join("other"), &path).unwrap();
        let (_, rotation) = Followed::open(&path, Some(&mark)).unwrap();
        assert_eq!(rotation, Some(Rotation::Replaced));
        assert_eq!(text(&path), "ONE\nTWO\nTHREE\n");
    }

    #[test]
    fn copytruncate_then_a_crash_glues_no_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let (mut out, _) = Followed::open(&path, None).unwrap();
        out.write("one\ntwo\n").unwrap();
        let mark = out.commit().unwrap();
        drop(out);
        // Truncated in a page, which grew the file past the saved length
        // (8 is inside "three"), then a crash.
        truncate(&path);
        append(&path, "three\nfour\nfiv");
        let (mut out, rotation) = Followed::open(&path, Some(&mark)).unwrap();
        assert_eq!(
            rotation,
            Some(Rotation::Rewritten {
                length: 14,
                written: 8
            })
        );
        assert_eq!(text(&path), "three\nfour\n");
        out.write("five\n").unwrap();
        out.commit().unwrap();
        assert_eq!(text(&path), "three\nfour\nfive\n");
        // Shorter than the saved length, a line cut short: cut off too.
        let mark = out.commit().unwrap();
        drop(out);
        truncate(&path);
        append(&path, "six\nsev");
        let (_, rotation) = Followed::open(&path, Some(&mark)).unwrap();
        assert!(matches!(rotation, Some(Rotation::Truncated { .. })));
        assert_eq!(text(&path), "six\n");
    }

    #[test]
    fn a_state_without_a_tail_still_cuts_only_at_a_line_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let (mut out, _) = Followed::open(&path, None).unwrap();
        out.write("one\ntwo\n").unwrap();
        let mut mark = out.commit().unwrap();
        drop(out);
        mark.tail = None;
        truncate(&path);
        append(&path, "three\nfour\n");
        let (_, rotation) = Followed::open(&path, Some(&mark)).unwrap();
        assert!(matches!(rotation, Some(Rotation::Rewritten { .. })));
        assert_eq!(text(&path), "three\nfour\n");
    }

    #[test]
    fn a_start_after_a_rotation_appends_and_cuts_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let (mut out, _) = Followed::open(&path, None).unwrap();
        out.write("one\ntwo\n").unwrap();
        let mark = out.commit().unwrap();
        drop(out);
        // Renamed away and created anew, holding something of its own.
        std::fs::rename(&path, dir.path().join("out.1")).unwrap();
        std::fs::write(&path, "x\n").unwrap();
        let (out, rotation) = Followed::open(&path, Some(&mark)).unwrap();
        assert_eq!(rotation, Some(Rotation::Replaced));
        assert_eq!(text(&path), "x\n");
        // The output is the new file, of its own length.
        assert_eq!(out.mark().bytes, 2);
        drop(out);
        // Gone.
        std::fs::remove_file(&path).unwrap();
        let (_, rotation) = Followed::open(&path, Some(&mark)).unwrap();
        assert_eq!(rotation, Some(Rotation::Gone));
        // Truncated: the same file, shorter.
        let (mut out, _) = Followed::open(&path, None).unwrap();
        out.write("abc\n").unwrap();
        let mark = out.commit().unwrap();
        drop(out);
        truncate(&path);
        let (mut out, rotation) = Followed::open(&path, Some(&mark)).unwrap();
        assert_eq!(
            rotation,
            Some(Rotation::Truncated {
                length: 0,
                written: 4
            })
        );
        out.write("d\n").unwrap();
        out.commit().unwrap();
        assert_eq!(text(&path), "d\n");
    }

    #[test]
    fn a_rotation_while_writing_is_followed_and_leaves_no_hole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let (mut out, _) = Followed::open(&path, None).unwrap();
        out.write("1\n2\n").unwrap();
        let written = out.commit().unwrap().bytes;
        // copytruncate: the writes go on at the end, from 0.
        std::fs::copy(&path, dir.path().join("out.1")).unwrap();
        truncate(&path);
        assert_eq!(
            out.follow().unwrap(),
            Some(Rotation::Truncated { length: 0, written })
        );
        // The output is known at its new length: no second "truncated".
        assert_eq!(out.mark().bytes, 0);
        assert_eq!(out.follow().unwrap(), None);
        out.write("3\n").unwrap();
        out.commit().unwrap();
        assert_eq!(text(&path), "3\n");
        // rename and create.
        std::fs::rename(&path, dir.path().join("out.2")).unwrap();
        std::fs::write(&path, "").unwrap();
        assert_eq!(out.follow().unwrap(), Some(Rotation::Replaced));
        assert_eq!(out.follow().unwrap(), None);
        out.write("4\n").unwrap();
        out.commit().unwrap();
        // A copy with the same content (moved to another volume): the same
        // output, no rotation, and the writes go to the copy.
        std::fs::copy(&path, dir.path().join("copy")).unwrap();
        std::fs::rename(dir.path().join("copy"), &path).unwrap();
        assert_eq!(out.follow().unwrap(), None);
        out.write("4b\n").unwrap();
        out.commit().unwrap();
        assert_eq!(text(&path), "4\n4b\n");
        // rename alone.
        std::fs::rename(&path, dir.path().join("out.3")).unwrap();
        assert_eq!(out.follow().unwrap(), Some(Rotation::Gone));
        assert_eq!(out.follow().unwrap(), None);
        out.write("5\n").unwrap();
        out.commit().unwrap();
        assert_eq!(out.follow().unwrap(), None);
        assert_eq!(text(&dir.path().join("out.1")), "1\n2\n");
        assert_eq!(text(&dir.path().join("out.2")), "3\n");
        assert_eq!(text(&dir.path().join("out.3")), "4\n4b\n");
        assert_eq!(text(&path), "5\n");
    }

    #[test]
    fn the_tail_is_the_file_s_last_bytes_however_they_were_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let (mut out, _) = Followed::open(&path, None).unwrap();
        let long = "x".repeat(3 * TAIL_SPAN);
        for line in ["short\n", &format!("{long}\n"), "a\n", "b\n"] {
            out.write(line).unwrap();
            let mark = out.commit().unwrap();
            let file = File::open(&path).unwrap();
            let tail = mark.tail.unwrap();
            assert!(holds_tail(&file, mark.bytes, &tail).unwrap());
            assert_eq!(tail.bytes, mark.bytes.min(TAIL_SPAN as u64));
        }
    }

    #[test]
    fn an_export_resumes_only_the_output_it_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let mut out = Synced::resume(&path, 0, None, "output").unwrap();
        out.write_all(b"[\n{\"a\":1},\n").unwrap();
        let bytes = out.commit().unwrap();
        let tail = out.tail(bytes);
        out.write_all(b"{\"a\":2").unwrap();
        out.commit().unwrap();
        drop(out);
        // The same output: the tail after the checkpoint is cut.
        let out = Synced::resume(&path, bytes, Some(&tail), "output").unwrap();
        drop(out);
        assert_eq!(text(&path), "[\n{\"a\":1},\n");
        // Another content of that length or longer is refused, untouched.
        std::fs::write(&path, "[\n{\"b\":1},\n{\"b\":2},\n").unwrap();
        let refused = Synced::resume(&path, bytes, Some(&tail), "output").unwrap_err();
        assert_eq!(refused.status, crate::exit::Status::Usage);
        assert!(
            refused.message.contains("changed since"),
            "{}",
            refused.message
        );
        assert_eq!(text(&path), "[\n{\"b\":1},\n{\"b\":2},\n");
        // A checkpoint of before tails goes by the length alone.
        Synced::resume(&path, bytes, None, "output").unwrap();
    }
}
