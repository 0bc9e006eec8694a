//! One gate run at a time per ledger: an exclusive `flock` on `<ledger>.gate.lock`, held for the
//! run. A run must not clean up staged data of a run that is still alive, and a killed process
//! releases the lock with its descriptors, so what holds the lock is always alive.

use std::fs::{File, OpenOptions};
use std::path::Path;

use crate::{Error, Result};

pub(super) struct GateLock {
    _file: File,
}

impl GateLock {
    /// Wait for the lock beside `ledger`.
    pub fn acquire(ledger: &Path) -> Result<GateLock> {
        let mut name = ledger.as_os_str().to_owned();
        name.push(".gate.lock");
        let path = std::path::PathBuf::from(name);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::Ledger { path: path.display().to_string(), message: e.to_string() })?;
        #[cfg(unix)]
        {
            use std::os::unix::io::AsRawFd;
            loop {
                // SAFETY: a valid descriptor; flock only takes an advisory lock on it.
                let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
                if r == 0 {
                    break;
                }
                let e = std::io::Error::last_os_error();
                if e.kind() != std::io::ErrorKind::Interrupted {
                    return Err(Error::Ledger { path: path.display().to_string(), message: e.to_string() });
                }
            }
        }
        Ok(GateLock { _file: file })
    }
}
