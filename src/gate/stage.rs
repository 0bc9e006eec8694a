//! Staging at a destination: where the bytes wait until the gate decides, and how they are
//! committed or removed. A local directory stages into a temporary file beside the final name
//! and commits by `rename` (atomic on one file system); an object store (`multipart.rs`) stages
//! into an uncompleted multipart upload and commits by completing it.
//!
//! Every operation after staging works from the journal's row alone ([`GateObject`]: the URL,
//! the staging name or upload id, the parts, the size and digest), so a later process can finish
//! or clean up what a killed one left.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::ledger::GateObject;
use crate::{Error, Result};

/// Bytes after which a local staging file's dirty pages are handed to the kernel for writing
/// (`sync_file_range`), so the final `fsync` waits for little.
const WRITEBACK_BYTES: u64 = 8 << 20;

/// Where one input's bytes are staged while it is read.
pub trait StageWriter: Send {
    fn write(&mut self, buf: &[u8]) -> io::Result<()>;
    /// Make the staged bytes durable; the parts uploaded (JSON), for stores that have parts.
    fn finish(self: Box<Self>) -> Result<Option<String>>;
}

/// What a commit made: the store's ETag and version of the object (none for a local file).
#[derive(Debug, Clone, Default)]
pub struct Committed {
    pub etag: Option<String>,
    pub version: Option<String>,
}

/// A destination: a local directory or an object-store prefix.
pub trait Stager: Send + Sync {
    /// The destination as the journal names it (`file:///abs/dir` or `s3://bucket/prefix`).
    fn dest(&self) -> &str;
    /// The URL an object named `name` is committed at.
    fn url(&self, name: &str) -> String;
    /// The staging name, when it is chosen before anything is written (a temporary file).
    fn staging_name(&self, run: &str, n: u32) -> Option<String>;
    /// Start staging object `obj` (its `staging` as [`Stager::staging_name`] gave it). Returns
    /// the writer and, for an upload whose id the store chooses, that id (to journal).
    /// `size_hint`: the input's size when it was opened.
    fn create(&self, obj: &GateObject, size_hint: u64) -> Result<(Box<dyn StageWriter>, Option<String>)>;
    /// Commit a staged object (the journal row of a finished staging).
    fn commit(&self, obj: &GateObject) -> Result<Committed>;
    /// Remove staged data; nothing staged (already removed, never created) is not an error.
    fn remove(&self, obj: &GateObject) -> Result<()>;
    /// Whether the object is at its URL with the size and digest (or ETag) the journal holds.
    fn present(&self, obj: &GateObject) -> Result<bool>;
}

/// A local destination directory.
pub struct LocalDir {
    dir: PathBuf,
    dest: String,
}

impl LocalDir {
    /// `dir` must exist and be a directory.
    pub fn new(dir: &Path) -> Result<LocalDir> {
        let abs = dir
            .canonicalize()
            .map_err(|e| Error::Usage(format!("--to {}: {}", dir.display(), crate::error::redact(&e.to_string()))))?;
        if !abs.is_dir() {
            return Err(Error::Usage(format!("--to {}: not a directory", dir.display())));
        }
        let dest = format!("file://{}", abs.display());
        Ok(LocalDir { dir: abs, dest })
    }

    fn final_path(&self, obj: &GateObject) -> Result<PathBuf> {
        let name = obj
            .url
            .strip_prefix(&self.dest)
            .and_then(|r| r.strip_prefix('/'))
            .ok_or_else(|| Error::Usage(format!("{}: not below {}", obj.url, self.dest)))?;
        Ok(self.dir.join(name))
    }

    fn staging_path(&self, obj: &GateObject) -> Result<PathBuf> {
        match &obj.staging {
            Some(s) if !s.contains('/') => Ok(self.dir.join(s)),
            _ => Err(Error::Usage(format!("{}: no staging name in the journal", obj.url))),
        }
    }

    fn io(&self, what: &Path, e: &io::Error) -> Error {
        Error::Io { path: what.display().to_string(), message: crate::error::redact(&e.to_string()) }
    }

    /// A rename is durable once the directory is.
    fn sync_dir(&self) -> Result<()> {
        File::open(&self.dir).and_then(|d| d.sync_all()).map_err(|e| self.io(&self.dir, &e))
    }
}

/// BLAKE3 of a file, as `blake3:` and hex.
pub(crate) fn file_digest(p: &Path) -> io::Result<String> {
    let mut h = blake3::Hasher::new();
    let mut f = File::open(p)?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(format!("blake3:{}", h.finalize().to_hex()))
}

impl Stager for LocalDir {
    fn dest(&self) -> &str {
        &self.dest
    }

    fn url(&self, name: &str) -> String {
        format!("{}/{name}", self.dest)
    }

    fn staging_name(&self, run: &str, n: u32) -> Option<String> {
        Some(format!(".xborder-gate.{run}.{n}.partial"))
    }

    fn create(&self, obj: &GateObject, _size_hint: u64) -> Result<(Box<dyn StageWriter>, Option<String>)> {
        let p = self.staging_path(obj)?;
        let file = OpenOptions::new().write(true).create_new(true).open(&p).map_err(|e| self.io(&p, &e))?;
        Ok((Box::new(LocalWriter { file, path: p, written: 0, flushed: 0 }), None))
    }

    fn commit(&self, obj: &GateObject) -> Result<Committed> {
        let (from, to) = (self.staging_path(obj)?, self.final_path(obj)?);
        match std::fs::rename(&from, &to) {
            Ok(()) => {}
            // Renamed before a crash: the final file is the staged one if it has its digest.
            Err(e) if e.kind() == io::ErrorKind::NotFound && self.present(obj)? => {}
            Err(e) => return Err(self.io(&from, &e)),
        }
        self.sync_dir()?;
        Ok(Committed::default())
    }

    fn remove(&self, obj: &GateObject) -> Result<()> {
        let Ok(p) = self.staging_path(obj) else { return Ok(()) };
        match std::fs::remove_file(&p) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(self.io(&p, &e)),
            _ => Ok(()),
        }
    }

    fn present(&self, obj: &GateObject) -> Result<bool> {
        let p = self.final_path(obj)?;
        let Ok(m) = std::fs::metadata(&p) else { return Ok(false) };
        if Some(m.len()) != obj.size {
            return Ok(false);
        }
        Ok(file_digest(&p).map_err(|e| self.io(&p, &e))? == obj.digest.clone().unwrap_or_default())
    }
}

struct LocalWriter {
    file: File,
    path: PathBuf,
    written: u64,
    flushed: u64,
}

impl LocalWriter {
    /// Start writing back what is dirty, without waiting for it (Linux; elsewhere the final
    /// `fsync` does all of it).
    fn start_writeback(&mut self) {
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::io::AsRawFd;
            // SAFETY: a valid descriptor and a range inside the file; the call only schedules I/O.
            unsafe {
                libc::sync_file_range(
                    self.file.as_raw_fd(),
                    self.flushed as libc::off64_t,
                    (self.written - self.flushed) as libc::off64_t,
                    libc::SYNC_FILE_RANGE_WRITE,
                );
            }
        }
        self.flushed = self.written;
    }
}

impl StageWriter for LocalWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file.write_all(buf)?;
        self.written += buf.len() as u64;
        if self.written - self.flushed >= WRITEBACK_BYTES {
            self.start_writeback();
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<Option<String>> {
        self.file.sync_all().map_err(|e| Error::io(self.path.display().to_string(), &e))?;
        Ok(None)
    }
}
