//! Parquet: arrow's `ParquetRecordBatchReader` reads the footer, then one row group at a time and
//! one batch at a time, so memory follows the batch size and the widest column chunk, not the
//! file. Non-seekable inputs (stdin) are spooled to an unlinked temporary file first.

use std::fs::File;
use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use parquet::basic::Encoding;

use super::{isolate, parquet_footer, BatchIter, Format, InputInfo, Source, SourceOptions};
use crate::error::{Error, Place, Result};

pub(super) fn open_file(name: &str, mut file: File, opts: &SourceOptions, bytes: Arc<AtomicU64>) -> Result<Source> {
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let footer_err =
        |m: &str| Error::malformed(name, Place::offset(len), format!("cannot read the Parquet footer: {m}"));
    // The checker's messages hold counts and offsets only.
    let footer = check_footer(&mut file, len)
        .map_err(|m| Error::located(name, Place::offset(len), format!("cannot read the Parquet footer: {m}")))?;
    if footer.leaves > opts.max_columns {
        return Err(Error::located(
            name,
            Place::default(),
            format!(
                "the schema has {} columns, more than the limit of {} per input: not read",
                footer.leaves, opts.max_columns
            ),
        ));
    }
    let reopen = file.try_clone().map_err(|e| Error::io(name, &e))?;
    let again = file.try_clone().map_err(|e| Error::io(name, &e))?;
    // The Arrow schema parquet embeds (`ARROW:schema`) is decoded by arrow-ipc, which may panic
    // on a damaged one; the columns can still be read by their Parquet types, and the damage is
    // reported.
    let mut soft = Vec::new();
    let builder = match isolate(name, Place::default, || {
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| footer_err(&e.to_string()))
    }) {
        Ok(b) => b,
        Err(first) => {
            let options = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
            match isolate(name, Place::default, || {
                ParquetRecordBatchReaderBuilder::try_new_with_options(reopen, options)
                    .map_err(|e| footer_err(&e.to_string()))
            }) {
                Ok(b) => {
                    let why = match &first {
                        Error::Malformed { message, .. } => message.as_str(),
                        _ => "",
                    };
                    soft.push(Error::malformed(
                        name,
                        Place::default(),
                        format!(
                            "the embedded Arrow schema (ARROW:schema) cannot be read ({why}); the columns were read \
                             by their Parquet types"
                        ),
                    ));
                    b
                }
                Err(_) => return Err(first),
            }
        }
    };
    // Text columns stored as dictionaries in every row group are read as Arrow dictionaries: the
    // scan judges each distinct value once (the same answers; a status or template-note column
    // costs its dictionary, not its rows).
    let builder = match dictionary_schema(&builder) {
        Some(schema) => {
            let options = ArrowReaderOptions::new().with_schema(schema);
            match ArrowReaderMetadata::try_new(builder.metadata().clone(), options) {
                Ok(m) => ParquetRecordBatchReaderBuilder::new_with_metadata(again, m),
                Err(_) => builder,
            }
        }
        None => builder,
    };
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
        soft: Arc::new(std::sync::Mutex::new(soft)),
        failed: false,
        rows: 0,
        masked: None,
    })
}

/// The reader's schema with each top-level text column whose every data page is dictionary-encoded
/// read as `Dictionary(Int32, Utf8)`; `None` when there is none. A column with plain pages stays
/// text: parquet would build a dictionary of its plain values by hashing each one.
fn dictionary_schema(builder: &ParquetRecordBatchReaderBuilder<File>) -> Option<SchemaRef> {
    let meta = builder.metadata();
    let descr = builder.parquet_schema();
    if meta.row_groups().is_empty() {
        return None;
    }
    let all_dictionary = |name: &str| {
        let Some(j) = (0..descr.num_columns()).find(|&j| {
            let c = descr.column(j);
            let parts = c.path().parts();
            parts.len() == 1 && parts[0] == name
        }) else {
            return false;
        };
        meta.row_groups().iter().all(|rg| {
            let c = rg.column(j);
            c.dictionary_page_offset().is_some()
                && c.page_encoding_stats_mask()
                    .is_some_and(|m| m.is_only(Encoding::PLAIN_DICTIONARY) || m.is_only(Encoding::RLE_DICTIONARY))
        })
    };
    let schema = builder.schema();
    let mut changed = false;
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            if *f.data_type() == DataType::Utf8 && all_dictionary(f.name()) {
                changed = true;
                Field::new(
                    f.name(),
                    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                    f.is_nullable(),
                )
                .with_metadata(f.metadata().clone())
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    changed.then(|| Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone())))
}

/// Read the footer's length and magic, then the footer, and check it (`parquet_footer`) before
/// parquet trusts its counts. The file is rewound.
fn check_footer(file: &mut File, len: u64) -> std::result::Result<parquet_footer::Footer, String> {
    use std::io::{Seek, SeekFrom};
    if len < 12 {
        return Err(format!("the file has {len} bytes, too few for a Parquet file"));
    }
    let io = |e: io::Error| e.to_string();
    let mut tail = [0u8; 8];
    file.seek(SeekFrom::Start(len - 8)).map_err(io)?;
    file.read_exact(&mut tail).map_err(io)?;
    let footer_len = parquet_footer::check_tail(tail, len)?;
    let mut meta = vec![0u8; footer_len as usize];
    file.seek(SeekFrom::Start(len - 8 - footer_len)).map_err(io)?;
    file.read_exact(&mut meta).map_err(io)?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    parquet_footer::check(&meta, len)
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
    let cap = opts.max_spool_bytes;
    let copied = io::copy(&mut (&mut r).take(cap.saturating_add(1)), &mut f).map_err(|e| super::map_io(name, e))?;
    if copied > cap {
        return Err(Error::located(
            name,
            Place::offset(cap),
            format!(
                "Parquet from a stream is spooled to a temporary file, and this one is longer than {} MiB: \
                 not read (name the file itself instead of a stream or a compressed copy)",
                cap >> 20
            ),
        ));
    }
    open_file(name, f, opts, bytes)
}

fn unique() -> u64 {
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}
