//! Parquet: arrow's `ParquetRecordBatchReader` reads the footer, then one row group at a time and
//! one batch at a time, so memory follows the batch size and the widest column chunk, not the
//! file. Non-seekable inputs (stdin) are spooled to an unlinked temporary file first.

use std::fs::File;
use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::{BatchIter, Format, InputInfo, Source, SourceOptions};
use crate::error::{Error, Place, Result};

pub(super) fn open_file(name: &str, file: File, opts: &SourceOptions, bytes: Arc<AtomicU64>) -> Result<Source> {
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| Error::malformed(name, Place::offset(len), format!("cannot read the Parquet footer: {e}")))?;
    let row_groups: Vec<i64> = builder.metadata().row_groups().iter().map(|rg| rg.num_rows()).collect();
    let reader = builder
        .with_batch_size(opts.batch_size.max(1))
        .build()
        .map_err(|e| Error::malformed(name, Place::default(), e.to_string()))?;
    let name_owned = name.to_string();
    let mut rows: u64 = 0;
    let counter = bytes.clone();
    let mut failed = false;
    let total_rows: i64 = row_groups.iter().sum();
    let empty = row_groups.is_empty();
    let iter = reader.map_while(move |r| {
        if failed {
            return None;
        }
        Some(match r {
            Ok(b) => {
                rows += b.num_rows() as u64;
                if rows as i64 >= total_rows {
                    counter.store(len, Ordering::Relaxed);
                }
                Ok(b)
            }
            Err(e) => {
                failed = true;
                let rg = row_group_of(&row_groups, rows);
                Err(Error::malformed(&name_owned, Place::row(rows + 1), format!("cannot decode row group {rg}: {e}")))
            }
        })
    });
    if empty {
        bytes.store(len, Ordering::Relaxed);
    }
    let batches: BatchIter = Box::new(iter);
    Ok(Source {
        info: InputInfo { path: name.to_string(), format: Format::Parquet, encoding: None, compression: None },
        batches,
        bytes,
        text: None,
        soft: Default::default(),
        failed: false,
    })
}

pub(super) fn row_group_of(groups: &[i64], row: u64) -> usize {
    let mut acc = 0i64;
    for (i, n) in groups.iter().enumerate() {
        acc += n;
        if (row as i64) < acc {
            return i;
        }
    }
    groups.len().saturating_sub(1)
}

pub(super) fn open_spooled<R: Read>(
    name: &str,
    mut r: R,
    opts: &SourceOptions,
    bytes: Arc<AtomicU64>,
) -> Result<Source> {
    let dir = std::env::temp_dir();
    let path = dir.join(format!("xborder-spool-{}-{}.parquet", std::process::id(), unique()));
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| Error::io(name, &e))?;
    // Unlink at once: the file lives as long as the handle.
    let _ = std::fs::remove_file(&path);
    io::copy(&mut r, &mut f).map_err(|e| super::map_io(name, e))?;
    open_file(name, f, opts, bytes)
}

fn unique() -> u64 {
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}
