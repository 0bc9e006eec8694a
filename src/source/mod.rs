//! Sources: an input (file, directory entry, stdin) becomes a bounded stream of Arrow
//! `RecordBatch`es. Format, compression and encoding are sniffed from the bytes (and the file
//! name), then arrow's own CSV, JSON and Parquet decoders do the parsing; this module only feeds
//! them UTF-8 and turns their failures into errors that name the file and the place.

mod csv;
mod isolate;
mod json;
#[cfg(feature = "cloud")]
pub mod object;
mod parquet;
mod parquet_footer;
pub mod text;

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
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

/// One thing to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Standard input (`-`).
    Stdin,
    /// A local file.
    Path(PathBuf),
}

impl Input {
    /// The name reports use for this input.
    pub fn display(&self) -> String {
        match self {
            Input::Stdin => "-".to_string(),
            Input::Path(p) => p.to_string_lossy().into_owned(),
        }
    }
}

/// URL schemes read through an object store (`object` module, `cloud` feature).
pub const OBJECT_SCHEMES: [&str; 10] =
    ["s3://", "s3a://", "gs://", "az://", "azure://", "abfs://", "abfss://", "https://", "http://", "file://"];

/// An object-store URL rather than a local path.
pub fn is_object_url(arg: &str) -> bool {
    let lower = arg.get(..8).unwrap_or(arg).to_ascii_lowercase();
    OBJECT_SCHEMES.iter().any(|p| lower.starts_with(p))
}

/// Command-line inputs expanded: what to read, what cannot be read (each an input of the report
/// that is incomplete), and the files of directories that were left out, with why.
#[derive(Debug, Default)]
pub struct Expanded {
    pub inputs: Vec<Input>,
    pub errors: Vec<Error>,
    /// Files found in directories but not read: (path, reason).
    pub skipped: Vec<(PathBuf, &'static str)>,
}

/// Expand command-line inputs: `-`, files, directories (recursive, sorted), globs. Inputs that do
/// not exist are returned as errors, so the run goes on with the rest and exits incomplete.
pub fn expand_inputs(args: &[String]) -> (Vec<Input>, Vec<Error>) {
    let e = expand_inputs_noting(args);
    (e.inputs, e.errors)
}

/// [`expand_inputs`], also listing the files of directories that were not taken. Nothing read is
/// never clean: a directory or a pattern that yields no data file is an error of its own.
pub fn expand_inputs_noting(args: &[String]) -> Expanded {
    let mut x = Expanded::default();
    for arg in args {
        if arg == "-" {
            x.inputs.push(Input::Stdin);
            continue;
        }
        let path = Path::new(arg);
        if path.is_dir() {
            let mut files = Vec::new();
            let skipped_before = x.skipped.len();
            if let Err(e) = walk(path, &mut files, &mut x.skipped) {
                x.errors.push(e);
            }
            if files.is_empty() {
                let skipped = x.skipped.len() - skipped_before;
                x.errors.push(Error::Io {
                    path: arg.clone(),
                    message: if skipped == 0 {
                        "no data file in this directory: nothing was read".into()
                    } else {
                        format!(
                            "no data file in this directory: nothing was read ({skipped} file(s) skipped, not a data \
                             file by name; name a file to read it)"
                        )
                    },
                });
            }
            files.sort();
            x.inputs.extend(files.into_iter().map(Input::Path));
        } else if path.exists() {
            x.inputs.push(Input::Path(path.to_path_buf()));
        } else if arg.contains(['*', '?', '[']) {
            match glob::glob(arg) {
                Ok(paths) => {
                    let mut files: Vec<PathBuf> = Vec::new();
                    for p in paths {
                        match p {
                            Ok(p) if p.is_file() => files.push(p),
                            Ok(p) if p.is_dir() => {
                                if let Err(e) = walk(&p, &mut files, &mut x.skipped) {
                                    x.errors.push(e);
                                }
                            }
                            Ok(p) => x.skipped.push((p, "not a regular file")),
                            Err(e) => x.errors.push(Error::io(e.path().to_string_lossy(), e.error())),
                        }
                    }
                    if files.is_empty() {
                        x.errors.push(Error::Io {
                            path: arg.clone(),
                            message: "no data file matches this pattern: nothing was read".into(),
                        });
                    }
                    files.sort();
                    x.inputs.extend(files.into_iter().map(Input::Path));
                }
                Err(e) => x.errors.push(Error::Usage(format!("invalid glob {arg:?}: {e}"))),
            }
        } else {
            let message = match (path.symlink_metadata(), std::fs::metadata(path)) {
                (Ok(_), Err(e)) if e.raw_os_error() == Some(libc::ELOOP) => {
                    "symbolic link loop (too many levels of links)"
                }
                (Ok(_), _) => "dangling symbolic link (its target does not exist)",
                _ => "no such file or directory",
            };
            x.errors.push(Error::Io { path: arg.clone(), message: message.into() });
        }
    }
    x
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, skipped: &mut Vec<(PathBuf, &'static str)>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir.to_string_lossy(), &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir.to_string_lossy(), &e))?;
        let p = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // Hidden files and our own artefacts (manifests, ledgers, keys) are not data.
        if name.starts_with('.') || name.ends_with(".manifest.json") || name.ends_with(".db") || name.ends_with(".key")
        {
            continue;
        }
        let ft = entry.file_type().map_err(|e| Error::io(p.to_string_lossy(), &e))?;
        if ft.is_dir() {
            walk(&p, out, skipped)?;
        } else if !is_data_file(&name) {
            skipped.push((p, "not a data file by its extension"));
        } else if ft.is_file() || (ft.is_symlink() && p.is_file()) {
            out.push(p);
        } else if ft.is_symlink() {
            skipped.push((p, "a symbolic link to no regular file (dangling, a loop or a directory)"));
        } else {
            skipped.push((p, "not a regular file"));
        }
    }
    Ok(())
}

/// Files a directory scan picks up. Unknown extensions are skipped in directories (a README next
/// to the data is not data); named explicitly, any file is sniffed.
pub(crate) fn is_data_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let base = lower.trim_end_matches(".gz").trim_end_matches(".zst").trim_end_matches(".zstd");
    [".csv", ".tsv", ".txt", ".json", ".ndjson", ".jsonl", ".parquet", ".pq"].iter().any(|e| base.ends_with(e))
        || lower.ends_with(".gz")
        || lower.ends_with(".zst")
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

/// Whether a regular file starts with Parquet's magic; the handle is rewound (the same handle:
/// opening a path twice may not open the same file twice).
fn has_par1(f: &mut File) -> io::Result<bool> {
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
fn open_error(name: &str, p: &Path, e: &io::Error) -> Error {
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
fn looks_binary(prefix: &[u8]) -> Option<usize> {
    let window = &prefix[..prefix.len().min(8192)];
    let bad = window.iter().position(|&b| b == 0 || (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b)));
    bad
}

fn sniff_text_format(name: &str, prefix: &str) -> Format {
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

/// Turn an I/O error from the reader chain into a library error, keeping a byte offset when one
/// of our adapters attached it.
pub(crate) fn map_io(name: &str, e: io::Error) -> Error {
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<text::PlacedIoError>()) {
        if inner.compressed {
            // Place offsets are in the decoded stream; this one is in the file as it is.
            return Error::malformed(name, Place::default(), inner.to_string());
        }
        return Error::malformed(name, Place::offset(inner.byte_offset), &inner.message);
    }
    Error::io(name, &e)
}

/// Shared read loop of the text decoders (the shape of arrow's own `BufReader::read`, with our
/// error mapping): feed buffered bytes to `decode` until it stops taking them, then `flush`.
/// On an error the rows decoded before it are still returned, then the error.
pub(crate) struct DecodeLoop<R, D> {
    pub name: String,
    pub reader: BufReader<R>,
    pub decoder: D,
    pub consumed: u64,
    pub done: bool,
    pub pending: Option<Error>,
}

impl<R, D> DecodeLoop<R, D> {
    pub fn new(name: &str, reader: BufReader<R>, decoder: D) -> Self {
        DecodeLoop { name: name.to_string(), reader, decoder, consumed: 0, done: false, pending: None }
    }
}

pub(crate) trait BatchDecoder {
    fn decode(&mut self, buf: &[u8]) -> std::result::Result<usize, arrow_schema::ArrowError>;
    fn flush(&mut self) -> std::result::Result<Option<RecordBatch>, arrow_schema::ArrowError>;
    fn full(&self) -> bool;
    /// Where in `buf` (the bytes `decode` failed on) the error is, when the decoder did not say.
    fn locate(&self, _buf: &[u8]) -> Option<u64> {
        None
    }
}

impl<R: Read, D: BatchDecoder> Iterator for DecodeLoop<R, D> {
    type Item = Result<RecordBatch>;
    fn next(&mut self) -> Option<Result<RecordBatch>> {
        use io::BufRead;
        if let Some(e) = self.pending.take() {
            return Some(Err(e));
        }
        if self.done {
            return None;
        }
        let mut failure = None;
        loop {
            let buf = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) => {
                    failure = Some(map_io(&self.name, e));
                    break;
                }
            };
            if buf.is_empty() {
                self.done = true;
                break;
            }
            let len = buf.len();
            match self.decoder.decode(buf) {
                Ok(n) => {
                    self.reader.consume(n);
                    self.consumed += n as u64;
                    if n < len || self.decoder.full() {
                        break;
                    }
                }
                Err(e) => {
                    let at = self.consumed + self.decoder.locate(buf).unwrap_or(0);
                    failure = Some(Error::malformed(&self.name, Place::offset(at), e.to_string()));
                    break;
                }
            }
        }
        let flushed = self.decoder.flush();
        if let Some(f) = failure {
            self.done = true;
            return match flushed {
                Ok(Some(b)) if b.num_rows() > 0 => {
                    self.pending = Some(f);
                    Some(Ok(b))
                }
                _ => Some(Err(f)),
            };
        }
        match flushed {
            Ok(Some(b)) => Some(Ok(b)),
            Ok(None) if self.done => None,
            Ok(None) => self.next(),
            Err(e) => {
                self.done = true;
                Some(Err(Error::malformed(&self.name, Place::offset(self.consumed), e.to_string())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_object_url;

    #[test]
    fn object_urls_and_paths() {
        for u in ["s3://b/k", "S3://B/", "gs://b", "az://c/p", "https://h/x.csv", "file:///tmp/x", "abfss://c/p"] {
            assert!(is_object_url(u), "{u}");
        }
        for p in ["-", "data/x.csv", "/tmp/s3:/x", "s3:/b", "./file://x", "导出/数据.csv", ""] {
            assert!(!is_object_url(p), "{p}");
        }
    }
}
