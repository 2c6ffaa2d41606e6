//! The files `hss export` and `hss watch` write records to: one synced
//! writer ([`Synced`]) for both, and for watch the rotation it follows
//! ([`Followed`]).
//!
//! Every write is an append (`O_APPEND`): whatever else shortened the file
//! meanwhile (logrotate's `copytruncate`), a write lands at its end and
//! leaves no hole. Before a checkpoint or a state names a file's length,
//! the file is synced to disk; after a crash, the tail written after the
//! last save is cut off again ([`Synced::resume`], [`Followed::open`]), so that no
//! line is written twice.
//!
//! `hss watch` runs for months beside logrotate, so its output follows a
//! rotation ([`Followed`]): the state records which file it covers (its
//! device and inode, [`FileId`]) and its length, and when the file at the
//! path is another one (renamed away and created anew), or gone, or
//! shorter than what was written (copied and truncated), the output is
//! taken as rotated: the file at the path is opened or created and
//! appended to, with nothing cut.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::exit::Failure;

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

/// Opens `path` to append to, creating it when there is none.
fn append_to(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

/// The metadata of the file at `path`; `None` when there is none.
fn at_path(path: &Path) -> io::Result<Option<Metadata>> {
    match std::fs::metadata(path) {
        Ok(metadata) => Ok(Some(metadata)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// A file appended to through a buffer, and synced to disk on demand.
#[derive(Debug)]
pub struct Synced {
    path: PathBuf,
    writer: BufWriter<File>,
}

impl Synced {
    /// An export's output, opened to go on after a checkpoint that counted
    /// `bytes` of it: the tail after them is cut off, and every write
    /// appends. A file shorter than that was changed since; the export
    /// cannot go on.
    pub fn resume(path: &Path, bytes: u64, what: &str) -> Result<Self, Failure> {
        let file = resume(path, bytes, what)?;
        Ok(Synced::over(path, file))
    }

    fn over(path: &Path, file: File) -> Self {
        Synced {
            path: path.to_path_buf(),
            writer: BufWriter::with_capacity(1 << 16, file),
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
        self.writer.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// The file at `path` opened to go on after a save that counted `bytes`
/// of it, as [`Synced::resume`] says.
fn resume(path: &Path, bytes: u64, what: &str) -> Result<File, Failure> {
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
        }
    }
}

/// A watch's output file: appended to, synced page by page, following a
/// rotation.
#[derive(Debug)]
pub struct Followed {
    out: Synced,
    id: FileId,
}

impl Followed {
    /// Opens the output a state covers: `saved` the file it covers, when
    /// known, and its length then. The file at the path is appended to.
    /// It is cut back to that length only when it is that very file and
    /// longer (a crash between writing a page and saving the state);
    /// another file, none, or a shorter one is a rotation, said in the
    /// second value, and nothing is cut.
    pub fn open(
        path: &Path,
        saved: Option<(Option<FileId>, u64)>,
    ) -> Result<(Self, Option<Rotation>), Failure> {
        let fail = |e: io::Error| {
            Failure::local(format!("cannot open the output {}: {e}", path.display()))
        };
        let found = at_path(path).map_err(fail)?;
        let rotation = match (&found, saved) {
            (_, None) => None,
            (None, Some((_, bytes))) => (bytes > 0).then_some(Rotation::Gone),
            (Some(metadata), Some((Some(id), _))) if FileId::of(metadata) != id => {
                Some(Rotation::Replaced)
            }
            (Some(metadata), Some((_, bytes))) if metadata.len() < bytes => {
                Some(Rotation::Truncated {
                    length: metadata.len(),
                    written: bytes,
                })
            }
            (Some(_), Some(_)) => None,
        };
        let file = append_to(path).map_err(fail)?;
        if let (None, Some((_, bytes))) = (rotation, saved)
            && file.metadata().map_err(fail)?.len() > bytes
        {
            // What came after the last save is written again.
            file.set_len(bytes).map_err(fail)?;
        }
        let id = FileId::of(&file.metadata().map_err(fail)?);
        let output = Followed {
            out: Synced::over(path, file),
            id,
        };
        Ok((output, rotation))
    }

    /// Checks whether the output was rotated since `written` bytes were
    /// committed to it; if so, goes on with the file at the path, which
    /// it creates when there is none. Call it with nothing buffered.
    pub fn follow(&mut self, written: u64) -> io::Result<Option<Rotation>> {
        let rotation = match at_path(self.out.path())? {
            None => Some(Rotation::Gone),
            Some(metadata) if FileId::of(&metadata) != self.id => Some(Rotation::Replaced),
            Some(_) => {
                let length = self.out.file().metadata()?.len();
                (length < written).then_some(Rotation::Truncated { length, written })
            }
        };
        if matches!(rotation, Some(Rotation::Gone | Rotation::Replaced)) {
            self.out.flush()?;
            let file = append_to(self.out.path())?;
            self.id = FileId::of(&file.metadata()?);
            self.out = Synced::over(self.out.path(), file);
        }
        Ok(rotation)
    }

    /// Writes `text` (to the buffer; [`Followed::commit`] writes it out).
    pub fn write(&mut self, text: &str) -> io::Result<()> {
        self.out.write_all(text.as_bytes())
    }

    /// Writes out what is buffered and syncs the file to disk; the file and
    /// its length now.
    pub fn commit(&mut self) -> io::Result<(FileId, u64)> {
        Ok((self.id, self.out.commit()?))
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

    #[test]
    fn a_crash_tail_is_cut_only_from_the_same_longer_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let (mut out, rotation) = Followed::open(&path, None).unwrap();
        assert_eq!(rotation, None);
        out.write("one\n").unwrap();
        let (id, bytes) = out.commit().unwrap();
        out.write("half a page\n").unwrap();
        out.commit().unwrap();
        drop(out);
        let (mut out, rotation) = Followed::open(&path, Some((Some(id), bytes))).unwrap();
        assert_eq!(rotation, None);
        assert_eq!(text(&path), "one\n");
        out.write("two\n").unwrap();
        out.commit().unwrap();
        assert_eq!(text(&path), "one\ntwo\n");
    }

    #[test]
    fn a_start_after_a_rotation_appends_and_cuts_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let (mut out, _) = Followed::open(&path, None).unwrap();
        out.write("one\ntwo\n").unwrap();
        let (id, bytes) = out.commit().unwrap();
        drop(out);
        // Renamed away and created anew, holding something of its own.
        std::fs::rename(&path, dir.path().join("out.1")).unwrap();
        std::fs::write(&path, "x\n").unwrap();
        let (_, rotation) = Followed::open(&path, Some((Some(id), bytes))).unwrap();
        assert_eq!(rotation, Some(Rotation::Replaced));
        assert_eq!(text(&path), "x\n");
        // Gone.
        std::fs::remove_file(&path).unwrap();
        let (_, rotation) = Followed::open(&path, Some((Some(id), bytes))).unwrap();
        assert_eq!(rotation, Some(Rotation::Gone));
        // Truncated: the same file, shorter.
        let (mut out, _) = Followed::open(&path, None).unwrap();
        out.write("abc\n").unwrap();
        let (id, bytes) = out.commit().unwrap();
        drop(out);
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(0)
            .unwrap();
        let (mut out, rotation) = Followed::open(&path, Some((Some(id), bytes))).unwrap();
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
        let (_, written) = out.commit().unwrap();
        // copytruncate: the writes go on at the end, from 0.
        std::fs::copy(&path, dir.path().join("out.1")).unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(0)
            .unwrap();
        assert_eq!(
            out.follow(written).unwrap(),
            Some(Rotation::Truncated { length: 0, written })
        );
        out.write("3\n").unwrap();
        let (_, written) = out.commit().unwrap();
        assert_eq!(text(&path), "3\n");
        // rename and create.
        std::fs::rename(&path, dir.path().join("out.2")).unwrap();
        std::fs::write(&path, "").unwrap();
        assert_eq!(out.follow(written).unwrap(), Some(Rotation::Replaced));
        out.write("4\n").unwrap();
        let (_, written) = out.commit().unwrap();
        // rename alone.
        std::fs::rename(&path, dir.path().join("out.3")).unwrap();
        assert_eq!(out.follow(written).unwrap(), Some(Rotation::Gone));
        out.write("5\n").unwrap();
        let (_, written) = out.commit().unwrap();
        assert_eq!(out.follow(written).unwrap(), None);
        assert_eq!(text(&dir.path().join("out.1")), "1\n2\n");
        assert_eq!(text(&dir.path().join("out.2")), "3\n");
        assert_eq!(text(&dir.path().join("out.3")), "4\n");
        assert_eq!(text(&path), "5\n");
    }
}
