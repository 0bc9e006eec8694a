//! One read, three consumers: the bytes the scanner's decoder asks for are handed to it, written
//! to the staging location and hashed (BLAKE3), in the order they were read. What is staged is
//! therefore exactly what was judged — no second read of the input.
//!
//! A staging write that fails stops staging (the error is kept for the gate to report) but not
//! the scan: the report still covers the whole input, and the gate refuses to commit.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::sync::{Arc, Mutex};

use super::stage::StageWriter;

/// What the tee saw, shared between the reader (moved into the source) and the gate.
pub(crate) struct TeeState {
    pub bytes: u64,
    /// The input returned end of file: every byte of it passed through.
    pub eof: bool,
    hasher: blake3::Hasher,
    pub writer: Option<Box<dyn StageWriter>>,
    /// Why staging stopped (a write to the destination failed).
    pub stage_error: Option<String>,
}

impl TeeState {
    /// `blake3:` and the 64 hex digits of the bytes read so far.
    pub fn digest(&self) -> String {
        format!("blake3:{}", self.hasher.finalize().to_hex())
    }
}

/// The reader handed to the scanner.
pub(crate) struct Tee {
    file: File,
    state: Arc<Mutex<TeeState>>,
}

impl Tee {
    pub fn new(file: File, writer: Option<Box<dyn StageWriter>>) -> (Tee, Arc<Mutex<TeeState>>) {
        let state = Arc::new(Mutex::new(TeeState {
            bytes: 0,
            eof: false,
            hasher: blake3::Hasher::new(),
            writer,
            stage_error: None,
        }));
        (Tee { file, state: state.clone() }, state)
    }
}

impl Read for Tee {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if n == 0 {
            st.eof = !buf.is_empty();
            return Ok(0);
        }
        st.bytes += n as u64;
        st.hasher.update(&buf[..n]);
        if let Some(w) = st.writer.as_mut() {
            if let Err(e) = w.write(&buf[..n]) {
                st.stage_error = Some(crate::error::redact(&e.to_string()));
                st.writer = None;
            }
        }
        Ok(n)
    }
}

/// What identifies the file's content at a moment: device, inode, size, modification and
/// status-change times (nanoseconds). Any write to the file changes the times; an append also
/// the size; a rename over the path the inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    dev: u64,
    ino: u64,
    pub size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    #[cfg(unix)]
    pub fn of(m: &Metadata) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        Stamp {
            dev: m.dev(),
            ino: m.ino(),
            size: m.len(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        }
    }

    #[cfg(not(unix))]
    pub fn of(m: &Metadata) -> Stamp {
        let t = |r: io::Result<std::time::SystemTime>| {
            r.ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or((0, 0), |d| (d.as_secs() as i64, d.subsec_nanos() as i64))
        };
        Stamp { dev: 0, ino: 0, size: m.len(), mtime: t(m.modified()), ctime: t(m.created()) }
    }

    /// How `later` differs from this stamp, in words (`None`: the same file, unchanged).
    pub fn changed(&self, later: &Stamp) -> Option<&'static str> {
        if (self.dev, self.ino) != (later.dev, later.ino) {
            Some("the path now names another file (replaced while it was read)")
        } else if later.size != self.size {
            Some("its size changed while it was read (appended to or truncated)")
        } else if later.mtime != self.mtime || later.ctime != self.ctime {
            Some("it was modified while it was read")
        } else {
            None
        }
    }
}
