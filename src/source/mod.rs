//! Sources: an input (file, directory entry, stdin, object) becomes a bounded stream of Arrow
//! `RecordBatch`es. Format, compression and encoding are sniffed from the bytes (and the file
//! name); CSV is parsed by our own reader (`csv/`), JSON by arrow-json and Parquet by the parquet
//! crate, each fed UTF-8, and their failures become errors that name the file and the place.

mod csv;
mod decode;
mod input;
mod isolate;
mod json;
#[cfg(feature = "cloud")]
pub mod object;
mod parquet;
mod parquet_footer;
mod sniff;
pub mod text;

pub(crate) use decode::{map_io, BatchDecoder, DecodeLoop};
#[cfg(feature = "cloud")]
pub(crate) use input::is_data_file;
pub use input::{expand_inputs, expand_inputs_noting, is_object_url, Expanded, Input, OBJECT_SCHEMES};
use sniff::{has_par1, looks_binary, open_error, sniff_text_format};

use std::fmt;
use std::fs::File;
use std::io::{self, Read};

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;
use encoding_rs::Encoding;

use crate::error::{Error, Place, Result};
use isolate::isolate;
use text::{Counting, CountingBufRead, Prefixed, TextStats};

/// Input data format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Json,
    Parquet,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Parquet => "parquet",
        })
    }
}

impl std::str::FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "csv" | "tsv" | "txt" => Ok(Format::Csv),
            "json" | "ndjson" | "jsonl" => Ok(Format::Json),
            "parquet" | "pq" => Ok(Format::Parquet),
            other => Err(Error::Usage(format!("unknown input format {other:?} (expected csv, json or parquet)"))),
        }
    }
}

/// Compression wrapped around the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Zstd,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// How sources read. Defaults suit a pipeline stage; every limit is a guard against hostile input.
#[derive(Debug, Clone)]
pub struct SourceOptions {
    /// Rows per Arrow batch.
    pub batch_size: usize,
    /// Forced format (needed for stdin when sniffing is ambiguous).
    pub format: Option<Format>,
    /// Forced text encoding (`--encoding`).
    pub encoding: Option<&'static Encoding>,
    /// A text line (CSV record, NDJSON line) longer than this is an error.
    pub max_line_bytes: u64,
    /// JSON deeper than this is an error.
    pub max_json_depth: usize,
    /// How many bytes of JSON are read to infer its schema.
    pub json_infer_bytes: usize,
    /// An input with more columns (CSV fields, JSON or Parquet leaf columns) is not read: each
    /// column costs the scanner tallies, and a hostile header can name millions.
    pub max_columns: usize,
    /// Parquet from a stream (stdin, a pipe, a compressed file) is spooled to a temporary file;
    /// a stream longer than this is not spooled further and the input is incomplete.
    pub max_spool_bytes: u64,
}

impl Default for SourceOptions {
    fn default() -> Self {
        SourceOptions {
            batch_size: 32768,
            format: None,
            encoding: None,
            max_line_bytes: 16 << 20,
            max_json_depth: 64,
            json_infer_bytes: 8 << 20,
            max_columns: 10_000,
            max_spool_bytes: 1 << 30,
        }
    }
}

/// Parse an `--encoding` name (any WHATWG label: `utf-8`, `gbk`, `gb18030`, `utf-16le`, …).
pub fn encoding_for_label(label: &str) -> Result<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes())
        .ok_or_else(|| Error::Usage(format!("unknown encoding {:?}", crate::error::sanitize_name(label))))
}

/// What a source found out about its input.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InputInfo {
    pub path: String,
    pub format: Format,
    pub encoding: Option<String>,
    pub compression: Option<&'static str>,
}

pub(crate) type BatchIter = Box<dyn Iterator<Item = Result<RecordBatch>> + Send>;

/// A stream of batches from one input. Stops after the first error.
pub struct Source {
    pub info: InputInfo,
    batches: BatchIter,
    bytes: Arc<AtomicU64>,
    text: Option<Arc<Mutex<TextStats>>>,
    /// Problems a reader recovered from (a skipped ragged record).
    soft: Arc<Mutex<Vec<Error>>>,
    failed: bool,
    /// Rows handed out so far (the place of a decoder's panic).
    rows: u64,
    /// JSON and Parquet: the schema with top-level names that are identifiers masked (`None`
    /// until the first batch; `Some(None)` when no name needs it). CSV masks its own header.
    masked: Option<Option<arrow_schema::SchemaRef>>,
}

impl Source {
    /// Open an input and sniff it. The file is opened once and read as a stream unless it is a
    /// regular file: a named pipe or `<(…)` cannot be opened twice or read from the start again.
    pub fn open(input: &Input, opts: &SourceOptions) -> Result<Source> {
        let name = input.display();
        isolate(&name, Place::default, || Source::open_inner(&name, input, opts))
    }

    fn open_inner(name: &str, input: &Input, opts: &SourceOptions) -> Result<Source> {
        let bytes = Arc::new(AtomicU64::new(0));
        let raw: Box<dyn Read + Send> = match input {
            Input::Stdin => Box::new(Counting::new(io::stdin(), bytes.clone())),
            Input::Path(p) => {
                let mut f = File::open(p).map_err(|e| open_error(name, p, &e))?;
                let meta = f.metadata().map_err(|e| Error::io(name, &e))?;
                if meta.is_dir() {
                    return Err(Error::Io { path: name.to_string(), message: "is a directory".into() });
                }
                if meta.is_file() {
                    let lower = name.to_ascii_lowercase();
                    let is_parquet_ext = lower.ends_with(".parquet") || lower.ends_with(".pq");
                    if opts.format == Some(Format::Parquet)
                        || (opts.format.is_none() && is_parquet_ext)
                        || has_par1(&mut f).map_err(|e| Error::io(name, &e))?
                    {
                        return parquet::open_file(name, f, opts, bytes);
                    }
                }
                Box::new(Counting::new(f, bytes.clone()))
            }
        };
        Source::open_stream_inner(name, raw, opts, bytes)
    }

    /// Read any byte stream (a socket, a child's output, bytes in memory) as the input `name`, as
    /// stdin is read: sniffed once, Parquet spooled to a temporary file.
    pub fn from_reader(name: &str, reader: impl Read + Send + 'static, opts: &SourceOptions) -> Result<Source> {
        let bytes = Arc::new(AtomicU64::new(0));
        Source::open_stream(name, Box::new(Counting::new(reader, bytes.clone())), opts, bytes)
    }

    /// Sniff and decode a byte stream (a file, stdin, an object-store body): compression, then
    /// encoding and format, then arrow's decoder. `bytes` counts the raw bytes read so far.
    pub(crate) fn open_stream(
        name: &str,
        raw: Box<dyn Read + Send>,
        opts: &SourceOptions,
        bytes: Arc<AtomicU64>,
    ) -> Result<Source> {
        isolate(name, Place::default, || Source::open_stream_inner(name, raw, opts, bytes))
    }

    fn open_stream_inner(
        name: &str,
        raw: Box<dyn Read + Send>,
        opts: &SourceOptions,
        bytes: Arc<AtomicU64>,
    ) -> Result<Source> {
        let name = name.to_string();
        let head = Prefixed::peek(raw, 4).map_err(|e| Error::io(&name, &e))?;
        let magic = head.prefix().to_vec();
        let compression = if magic.starts_with(&[0x1f, 0x8b]) {
            Some(Compression::Gzip)
        } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Compression::Zstd)
        } else {
            None
        };
        if magic.starts_with(b"PAR1") || (compression.is_none() && opts.format == Some(Format::Parquet)) {
            // Parquet needs random access: a stream is spooled to a temporary file first.
            return parquet::open_spooled(&name, head, opts, bytes);
        }
        let mut stream: Box<dyn Read + Send> = match compression {
            Some(c) => {
                // The compressed bytes the decompressor has taken, for the place of its errors.
                let taken = Arc::new(AtomicU64::new(0));
                let input = CountingBufRead::new(head, taken.clone());
                let inner: Box<dyn Read + Send> = match c {
                    Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(input)),
                    Compression::Zstd => {
                        Box::new(zstd::stream::read::Decoder::with_buffer(input).map_err(|e| Error::io(&name, &e))?)
                    }
                };
                Box::new(text::Decompressed::new(inner, c.name(), taken))
            }
            None => Box::new(head),
        };
        const SNIFF: usize = 1 << 20;
        let mut prefix = Vec::with_capacity(64 * 1024);
        (&mut stream).take(SNIFF as u64).read_to_end(&mut prefix).map_err(|e| map_io(&name, e))?;
        let whole = prefix.len() < SNIFF;
        if prefix.starts_with(b"PAR1") || opts.format == Some(Format::Parquet) {
            let pre = ChainOwned { first: io::Cursor::new(prefix), rest: stream };
            return parquet::open_spooled(&name, pre, opts, bytes);
        }
        let (encoding, _bom) = match opts.encoding {
            Some(e) => (e, false),
            None => text::sniff_encoding(&prefix, whole),
        };
        // One rule for an empty file, a byte-order mark alone and blank lines alone: no header
        // row and no record.
        let (decoded_prefix, _, _) = encoding.decode(&prefix);
        if whole && decoded_prefix.trim_start_matches('\u{feff}').trim().is_empty() {
            let what = if prefix.is_empty() { "empty input" } else { "input holds only whitespace" };
            return Err(Error::located(
                &name,
                Place::offset(prefix.len() as u64),
                format!("{what}: no header row and no records"),
            ));
        }
        if encoding != encoding_rs::UTF_16LE && encoding != encoding_rs::UTF_16BE {
            if let Some(pos) = looks_binary(&prefix) {
                return Err(Error::malformed(
                    &name,
                    Place::offset(pos as u64),
                    "input is binary, not CSV, JSON or Parquet (control bytes found)",
                ));
            }
        }
        // Line breaks in the bytes that decode to none: the text is not in this encoding (UTF-8
        // read as `--encoding utf-16le` is one long line of CJK characters and no record).
        if prefix.contains(&b'\n') && !decoded_prefix.contains(['\n', '\r']) {
            return Err(Error::located(
                &name,
                Place::offset(0),
                format!(
                    "the input does not read as {} text: its line breaks decode to none (check --encoding)",
                    encoding.name().to_ascii_lowercase()
                ),
            ));
        }
        let pre = ChainOwned { first: io::Cursor::new(prefix.clone()), rest: stream };
        let format = match opts.format {
            Some(f) => f,
            None => sniff_text_format(&name, &decoded_prefix),
        };
        let info = InputInfo {
            path: name.clone(),
            format,
            encoding: Some(encoding.name().to_ascii_lowercase()),
            compression: compression.map(Compression::name),
        };
        let max_line = if format == Format::Json { u64::MAX } else { opts.max_line_bytes };
        let utf8 = text::Utf8Reader::new(pre, encoding, max_line);
        let stats = utf8.stats.clone();
        let soft: Arc<Mutex<Vec<Error>>> = Arc::default();
        let batches: BatchIter = match format {
            Format::Csv => csv::open(&name, utf8, &decoded_prefix, whole, opts, soft.clone())?,
            Format::Json => json::open(&name, utf8, &decoded_prefix, opts)?,
            Format::Parquet => unreachable!("parquet is handled above"),
        };
        Ok(Source { info, batches, bytes, text: Some(stats), soft, failed: false, rows: 0, masked: None })
    }

    /// A source over batches some other reader produces (the ranged Parquet reader of an object
    /// store).
    #[cfg_attr(not(feature = "cloud"), allow(dead_code))]
    pub(crate) fn from_batches(info: InputInfo, batches: BatchIter, bytes: Arc<AtomicU64>) -> Source {
        Source { info, batches, bytes, text: None, soft: Default::default(), failed: false, rows: 0, masked: None }
    }

    /// Raw bytes read from the input so far (compressed size for compressed inputs).
    pub fn bytes_read(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Problems that did not stop the stream (malformed text replaced by U+FFFD). Call after the
    /// stream ended.
    pub fn soft_errors(&self) -> Vec<Error> {
        let mut out: Vec<Error> = std::mem::take(&mut *self.soft.lock().unwrap());
        if let Some(st) = &self.text {
            let st = st.lock().unwrap();
            if let Some(off) = st.first_malformed {
                out.push(Error::malformed(
                    &self.info.path,
                    Place::offset(off),
                    format!(
                        "invalid {} bytes: {} malformed sequence(s) replaced, first shown",
                        self.info.encoding.as_deref().unwrap_or("text"),
                        st.malformed
                    ),
                ));
            }
        }
        out
    }
}

impl Iterator for Source {
    type Item = Result<RecordBatch>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let rows = self.rows;
        let batches = &mut self.batches;
        let item = match isolate(&self.info.path, || Place::row(rows + 1), || Ok(batches.next())) {
            Ok(item) => item,
            Err(e) => Some(Err(e)),
        };
        match item {
            Some(Ok(b)) => {
                self.rows += b.num_rows() as u64;
                Some(Ok(self.mask_names(b)))
            }
            Some(Err(e)) => {
                self.failed = true;
                Some(Err(e))
            }
            None => None,
        }
    }
}

impl Source {
    /// Column names are printed in every report: a JSON key or Parquet field at the top level
    /// that validates as an identifier (a phone, an ID, an e-mail address) is masked like a value.
    fn mask_names(&mut self, b: RecordBatch) -> RecordBatch {
        if self.info.format == Format::Csv {
            return b;
        }
        let masked = self.masked.get_or_insert_with(|| {
            let schema = b.schema();
            let mut seen: std::collections::HashSet<String> =
                schema.fields().iter().map(|f| f.name().clone()).collect();
            let mut changed = false;
            let fields: Vec<arrow_schema::FieldRef> = schema
                .fields()
                .iter()
                .map(|f| match csv::masked_name(f.name()) {
                    Some(mut m) => {
                        changed = true;
                        let base = m.clone();
                        let mut n = 2;
                        while !seen.insert(m.clone()) {
                            m = format!("{base} ({n})");
                            n += 1;
                        }
                        Arc::new(f.as_ref().clone().with_name(m))
                    }
                    None => f.clone(),
                })
                .collect();
            changed.then(|| Arc::new(arrow_schema::Schema::new_with_metadata(fields, schema.metadata().clone())))
        });
        match masked {
            Some(schema) if schema.fields().len() == b.num_columns() => RecordBatch::try_new_with_options(
                schema.clone(),
                b.columns().to_vec(),
                &arrow_array::RecordBatchOptions::new().with_row_count(Some(b.num_rows())),
            )
            .unwrap_or(b),
            _ => b,
        }
    }
}

struct ChainOwned<A, B> {
    first: A,
    rest: B,
}

impl<A: Read, B: Read> Read for ChainOwned<A, B> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.first.read(buf)?;
        if n > 0 {
            return Ok(n);
        }
        self.rest.read(buf)
    }
}
