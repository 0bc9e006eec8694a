//! Live counters of a scan session, for a caller that shows progress while a long input is read
//! (the command line's progress line): bytes read, rows scanned and distinct person keys so far.
//! Updated once per batch; reading them never blocks the scan.

use std::sync::atomic::{AtomicU64, Ordering};

/// What a session has read so far ([`super::ScanSession::progress`]).
#[derive(Debug, Default)]
pub struct Progress {
    bytes: AtomicU64,
    rows: AtomicU64,
    keys: AtomicU64,
}

impl Progress {
    /// Bytes of input read (as stored: compressed bytes for a compressed file).
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }
    /// Rows scanned.
    pub fn rows(&self) -> u64 {
        self.rows.load(Ordering::Relaxed)
    }
    /// Distinct person keys so far (exact persons; 0 otherwise).
    pub fn keys(&self) -> u64 {
        self.keys.load(Ordering::Relaxed)
    }

    pub(super) fn batch(&self, bytes: u64, rows: u64, keys: u64) {
        self.bytes.store(bytes, Ordering::Relaxed);
        self.rows.fetch_add(rows, Ordering::Relaxed);
        self.keys.store(keys, Ordering::Relaxed);
    }
}
