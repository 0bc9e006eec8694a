//! What an input holds, from its first bytes and its name: Parquet's magic, binary bytes, JSON
//! or CSV; and why a path cannot be opened, in words a user can act on.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::Format;
use crate::error::Error;

/// Whether a regular file starts with Parquet's magic; the handle is rewound (the same handle:
/// opening a path twice may not open the same file twice).
pub(super) fn has_par1(f: &mut File) -> io::Result<bool> {
    use io::{Seek, SeekFrom};
    let mut b = [0u8; 4];
    let mut n = 0;
    while n < 4 {
        match f.read(&mut b[n..])? {
            0 => break,
            k => n += k,
        }
    }
    f.seek(SeekFrom::Start(0))?;
    Ok(n == 4 && &b == b"PAR1")
}

/// Why a path cannot be opened, in words a user can act on (`ELOOP` is a symlink loop, not a
/// missing file).
pub(super) fn open_error(name: &str, p: &Path, e: &io::Error) -> Error {
    if e.raw_os_error() == Some(libc::ELOOP) {
        return Error::Io { path: name.to_string(), message: "symbolic link loop (too many levels of links)".into() };
    }
    if e.kind() == io::ErrorKind::NotFound && p.symlink_metadata().is_ok() {
        return Error::Io {
            path: name.to_string(),
            message: "dangling symbolic link (its target does not exist)".into(),
        };
    }
    Error::io(name, e)
}

/// Offset of the first byte that no text file would contain (NUL or most C0 controls).
pub(super) fn looks_binary(prefix: &[u8]) -> Option<usize> {
    let window = &prefix[..prefix.len().min(8192)];
    let bad = window.iter().position(|&b| b == 0 || (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b)));
    bad
}

pub(super) fn sniff_text_format(name: &str, prefix: &str) -> Format {
    let lower = name.to_ascii_lowercase();
    let base = lower.trim_end_matches(".gz").trim_end_matches(".zst").trim_end_matches(".zstd");
    if base.ends_with(".json") || base.ends_with(".ndjson") || base.ends_with(".jsonl") {
        return Format::Json;
    }
    if base.ends_with(".csv") || base.ends_with(".tsv") {
        return Format::Csv;
    }
    match prefix.trim_start_matches('\u{feff}').trim_start().chars().next() {
        Some('{') | Some('[') => Format::Json,
        _ => Format::Csv,
    }
}
