//! Object stores (`cloud` feature): `s3://`, `gs://`, `az://`, `https://` and `file://` inputs.
//!
//! A URL names one object or a prefix. A prefix is listed (the store pages through it), filtered
//! (data files by extension, or `--glob` on the key below the prefix, and `--since`), and the
//! objects are fetched by a tokio runtime, `concurrency` at a time, in listing order. Bodies do
//! not land in memory or on disk: a text object streams through a bounded channel of chunks into
//! a [`Read`] adapter that feeds the same sniffing and decoders as a local file; a Parquet object
//! is read by ranged requests (footer, then the column chunks of one row group at a time) by
//! parquet's async reader, whose batches cross a bounded channel. Memory per object in flight is
//! therefore a few chunks or a few batches, whatever the object's size.
//!
//! Credentials, region and endpoint come only from the environment (object_store's `from_env`
//! builders: `AWS_ACCESS_KEY_ID`, `AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP`,
//! `GOOGLE_SERVICE_ACCOUNT`, `AZURE_STORAGE_ACCOUNT_NAME`, …) and the instance or container
//! credential chain, never from flags that would show up in process lists.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use arrow_array::RecordBatch;
use bytes::{Bytes, BytesMut};
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt, TryStreamExt};
use object_store::path::Path as ObjPath;
use object_store::{GetOptions, ObjectMeta, ObjectStore, ObjectStoreExt};
use parquet::arrow::arrow_reader::ArrowReaderOptions;
use parquet::arrow::async_reader::{AsyncFileReader, ParquetRecordBatchStreamBuilder};
use parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

use super::{is_data_file, BatchIter, Format, InputInfo, Source, SourceOptions};
use crate::error::{redact, Error, Place, Result};

/// Bytes gathered from the network before they are handed to the decoder.
const CHUNK: usize = 256 * 1024;
/// Chunks queued per object: with [`CHUNK`], at most about a mebibyte per object in flight.
const QUEUED_CHUNKS: usize = 4;
/// Parquet batches queued per object.
const QUEUED_BATCHES: usize = 2;

/// Which listed objects to read.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Matched against the key below the listed prefix (`*` crosses `/`). Without it, data files
    /// are chosen by extension, as in a local directory.
    pub glob: Option<glob::Pattern>,
    /// Only objects modified at or after this time (Unix seconds).
    pub since_unix: Option<i64>,
}

/// One object to read, as the listing described it.
#[derive(Debug, Clone)]
pub struct ObjectEntry {
    /// `scheme://bucket/key`: the name reports and the ledger use.
    pub url: String,
    pub location: ObjPath,
    pub size: u64,
    pub etag: Option<String>,
    /// Last modification, Unix seconds.
    pub modified_unix: i64,
    store: Arc<dyn ObjectStore>,
}

impl ObjectEntry {
    /// What identifies this version of the object: its ETag, or (for stores without one) its
    /// size and modification time.
    pub fn version(&self) -> String {
        match &self.etag {
            Some(e) => e.clone(),
            None => format!("size={};modified={}", self.size, self.modified_unix),
        }
    }

    fn is_parquet_name(&self) -> bool {
        let lower = self.location.as_ref().to_ascii_lowercase();
        lower.ends_with(".parquet") || lower.ends_with(".pq")
    }
}

/// A URL split into the store it addresses and the path inside it.
struct Parsed {
    store: Arc<dyn ObjectStore>,
    /// `scheme://authority`, without a trailing slash.
    base: String,
    path: String,
}

fn parse_url(url: &str) -> Result<Parsed> {
    let bad = |m: &str| Error::Usage(format!("{}: {m}", crate::error::sanitize_name(url)));
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("not a URL"))?;
    let scheme = scheme.to_ascii_lowercase();
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let path = path.split(['?', '#']).next().unwrap_or("").to_string();
    let base = format!("{scheme}://{authority}");
    let store_err =
        |e: object_store::Error| bad(&format!("cannot configure the object store: {}", redact(&e.to_string())));
    let store: Arc<dyn ObjectStore> = match scheme.as_str() {
        "s3" | "s3a" => {
            if authority.is_empty() {
                return Err(bad("no bucket in the URL"));
            }
            Arc::new(
                object_store::aws::AmazonS3Builder::from_env()
                    .with_bucket_name(authority)
                    .build()
                    .map_err(store_err)?,
            )
        }
        "gs" => Arc::new(
            object_store::gcp::GoogleCloudStorageBuilder::from_env()
                .with_bucket_name(authority)
                .build()
                .map_err(store_err)?,
        ),
        "az" | "azure" | "abfs" | "abfss" => Arc::new(
            object_store::azure::MicrosoftAzureBuilder::from_env().with_url(base.clone()).build().map_err(store_err)?,
        ),
        "http" | "https" => Arc::new(
            object_store::http::HttpBuilder::new()
                .with_url(base.clone())
                .with_config(object_store::ClientConfigKey::AllowHttp, "true")
                .build()
                .map_err(store_err)?,
        ),
        "file" => {
            if !authority.is_empty() && authority != "localhost" {
                return Err(bad("a file:// URL names no host (file:///absolute/path)"));
            }
            Arc::new(object_store::local::LocalFileSystem::new())
        }
        other => return Err(bad(&format!("unsupported scheme {other:?}"))),
    };
    Ok(Parsed { store, base, path })
}

/// Reads objects: lists URLs, then fetches the objects `concurrency` at a time.
pub struct Fetcher {
    rt: Runtime,
    concurrency: usize,
    opts: SourceOptions,
    fetched: Arc<AtomicU64>,
}

impl Fetcher {
    /// A fetcher with its own runtime; `concurrency` objects are in flight at once.
    pub fn new(concurrency: usize, opts: SourceOptions) -> Result<Fetcher> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("xborder-fetch")
            .enable_all()
            .build()
            .map_err(|e| Error::Usage(format!("cannot start the fetch runtime: {e}")))?;
        Ok(Fetcher { rt, concurrency: concurrency.max(1), opts, fetched: Arc::default() })
    }

    /// Bytes received from stores so far (for progress).
    pub fn fetched(&self) -> Arc<AtomicU64> {
        self.fetched.clone()
    }

    /// The objects a URL names: the object itself, or every object below it (a prefix, the
    /// bucket root, or a glob in the last part of the path), sorted by key.
    pub fn list(&self, url: &str, filter: &ListFilter) -> Result<Vec<ObjectEntry>> {
        let Parsed { store, base, path } = parse_url(url)?;
        let name = crate::error::sanitize_name(url);
        // A glob in the URL: list below the part before it.
        let (path, url_glob) = match path.find(['*', '?', '[']) {
            Some(i) => {
                let cut = path[..i].rfind('/').map(|j| j + 1).unwrap_or(0);
                let pat =
                    glob::Pattern::new(&path[cut..]).map_err(|e| Error::Usage(format!("{name}: invalid glob: {e}")))?;
                (path[..cut].to_string(), Some(pat))
            }
            None => (path, None),
        };
        let location = if path.is_empty() {
            None
        } else {
            Some(
                ObjPath::from_url_path(&path)
                    .map_err(|e| Error::Usage(format!("{name}: {}", redact(&e.to_string()))))?,
            )
        };
        let entry = |m: ObjectMeta| ObjectEntry {
            url: format!("{base}/{}", m.location),
            size: m.size,
            etag: m.e_tag,
            modified_unix: m.last_modified.timestamp(),
            location: m.location,
            store: store.clone(),
        };
        // One object, named whole: read it whatever its name (as a file named on the command line).
        if let (Some(loc), None, false) = (&location, &url_glob, path.ends_with('/')) {
            match self.rt.block_on(store.head(loc)) {
                Ok(m) => {
                    let e = entry(m);
                    return Ok(if filter.since_unix.is_some_and(|s| e.modified_unix < s) { vec![] } else { vec![e] });
                }
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(Error::Io { path: name, message: describe(&e) }),
            }
        }
        let listed: Vec<ObjectMeta> = self
            .rt
            .block_on(store.list(location.as_ref()).try_collect())
            .map_err(|e| Error::Io { path: name.clone(), message: format!("cannot list: {}", describe(&e)) })?;
        let prefix_len = location.as_ref().map(|l| l.as_ref().len() + 1).unwrap_or(0);
        let mut out: Vec<ObjectEntry> = listed
            .into_iter()
            .filter(|m| {
                let key = m.location.as_ref();
                let rel = key.get(prefix_len..).unwrap_or(key);
                let file = m.location.filename().unwrap_or(rel);
                let chosen = match (&url_glob, &filter.glob) {
                    (None, None) => {
                        !file.starts_with('.')
                            && !file.ends_with(".manifest.json")
                            && !file.ends_with(".db")
                            && !file.ends_with(".key")
                            && is_data_file(file)
                    }
                    (u, g) => u.as_ref().is_none_or(|p| p.matches(rel)) && g.as_ref().is_none_or(|p| p.matches(rel)),
                };
                chosen && filter.since_unix.is_none_or(|s| m.last_modified.timestamp() >= s)
            })
            .map(entry)
            .collect();
        out.sort_by(|a, b| a.location.as_ref().cmp(b.location.as_ref()));
        if out.is_empty() && filter.glob.is_none() && url_glob.is_none() && filter.since_unix.is_none() {
            return Err(Error::Io { path: name, message: "no object at or below this URL".into() });
        }
        Ok(out)
    }

    /// Open `entries` in order, fetching up to `concurrency` of them ahead of the one returned.
    pub fn open_all(&self, entries: Vec<ObjectEntry>) -> Opened<'_> {
        Opened { fetcher: self, queue: entries.into(), window: VecDeque::new() }
    }

    fn start(&self, entry: ObjectEntry) -> Pending {
        let bytes = Arc::new(AtomicU64::new(0));
        let forced = self.opts.format;
        let body = if forced == Some(Format::Parquet) || (forced.is_none() && entry.is_parquet_name()) {
            Body::Parquet(self.start_parquet(&entry, bytes.clone()))
        } else {
            Body::Stream(self.start_stream(&entry, bytes.clone()))
        };
        Pending { entry, body, bytes }
    }

    fn start_stream(&self, entry: &ObjectEntry, bytes: Arc<AtomicU64>) -> mpsc::Receiver<io::Result<Bytes>> {
        let (tx, rx) = mpsc::channel(QUEUED_CHUNKS);
        let (store, location, etag, size) =
            (entry.store.clone(), entry.location.clone(), entry.etag.clone(), entry.size);
        let fetched = self.fetched.clone();
        self.rt.spawn(async move {
            // The version that was listed, or a precondition failure: the ETag recorded in the
            // ledger is the one whose bytes were scanned.
            let opts = GetOptions { if_match: etag, ..GetOptions::default() };
            let mut stream = match store.get_opts(&location, opts).await {
                Ok(r) => r.into_stream(),
                Err(e) => {
                    let _ = tx.send(Err(io::Error::other(describe(&e)))).await;
                    return;
                }
            };
            let mut buf = BytesMut::new();
            let mut total = 0u64;
            while let Some(chunk) = stream.next().await {
                let chunk = match chunk {
                    Ok(c) => c,
                    Err(e) => {
                        if !buf.is_empty() {
                            let _ = tx.send(Ok(buf.split().freeze())).await;
                        }
                        let _ = tx.send(Err(super::text::placed(total, describe(&e)))).await;
                        return;
                    }
                };
                total += chunk.len() as u64;
                bytes.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                fetched.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                let ready = if buf.is_empty() && chunk.len() >= CHUNK {
                    chunk
                } else {
                    buf.extend_from_slice(&chunk);
                    if buf.len() < CHUNK {
                        continue;
                    }
                    buf.split().freeze()
                };
                if tx.send(Ok(ready)).await.is_err() {
                    return; // the reader went away: stop fetching
                }
            }
            if !buf.is_empty() && tx.send(Ok(buf.split().freeze())).await.is_err() {
                return;
            }
            if total != size {
                let msg = format!("truncated body: got {total} of {size} bytes");
                let _ = tx.send(Err(super::text::placed(total, msg))).await;
            }
        });
        rx
    }

    fn start_parquet(&self, entry: &ObjectEntry, bytes: Arc<AtomicU64>) -> mpsc::Receiver<Result<RecordBatch>> {
        let (tx, rx) = mpsc::channel(QUEUED_BATCHES);
        let name = entry.url.clone();
        let reader = Ranged {
            store: entry.store.clone(),
            location: entry.location.clone(),
            etag: entry.etag.clone(),
            size: entry.size,
            bytes,
            fetched: self.fetched.clone(),
        };
        let batch_size = self.opts.batch_size.max(1);
        let (done_bytes, size) = (reader.bytes.clone(), entry.size);
        self.rt.spawn(async move {
            let builder = match ParquetRecordBatchStreamBuilder::new(reader).await {
                Ok(b) => b,
                Err(e) => {
                    let msg = format!("cannot read the Parquet footer: {}", parquet_reason(&e));
                    let _ = tx.send(Err(Error::malformed(&name, Place::default(), msg))).await;
                    return;
                }
            };
            let row_groups: Vec<i64> = builder.metadata().row_groups().iter().map(|rg| rg.num_rows()).collect();
            let mut stream = match builder.with_batch_size(batch_size).build() {
                Ok(s) => s,
                Err(e) => {
                    let _ = tx.send(Err(Error::malformed(&name, Place::default(), parquet_reason(&e)))).await;
                    return;
                }
            };
            let mut rows = 0u64;
            while let Some(b) = stream.next().await {
                let item = match b {
                    Ok(b) => {
                        rows += b.num_rows() as u64;
                        Ok(b)
                    }
                    Err(e) => {
                        let rg = super::parquet::row_group_of(&row_groups, rows);
                        let msg = format!("cannot decode row group {rg}: {}", parquet_reason(&e));
                        Err(Error::malformed(&name, Place::row(rows + 1), msg))
                    }
                };
                let stop = item.is_err();
                if tx.send(item).await.is_err() || stop {
                    return;
                }
            }
            // Read whole: report the object's size, as a local Parquet file does.
            done_bytes.store(size, Ordering::Relaxed);
        });
        rx
    }
}

/// Objects opened in listing order with a window of fetches running ahead.
pub struct Opened<'f> {
    fetcher: &'f Fetcher,
    queue: VecDeque<ObjectEntry>,
    window: VecDeque<Pending>,
}

impl Iterator for Opened<'_> {
    type Item = (ObjectEntry, Result<Source>);

    fn next(&mut self) -> Option<Self::Item> {
        while self.window.len() < self.fetcher.concurrency {
            let Some(e) = self.queue.pop_front() else { break };
            self.window.push_back(self.fetcher.start(e));
        }
        let p = self.window.pop_front()?;
        let entry = p.entry.clone();
        let src = self.fetcher.open(p);
        Some((entry, src))
    }
}

struct Pending {
    entry: ObjectEntry,
    body: Body,
    bytes: Arc<AtomicU64>,
}

enum Body {
    Stream(mpsc::Receiver<io::Result<Bytes>>),
    Parquet(mpsc::Receiver<Result<RecordBatch>>),
}

impl Fetcher {
    /// Turn a started fetch into a source. Blocks for the first bytes (sniffing).
    fn open(&self, p: Pending) -> Result<Source> {
        let name = p.entry.url.clone();
        match p.body {
            Body::Parquet(rx) => Ok(parquet_source(&name, rx, p.bytes)),
            Body::Stream(rx) => {
                let mut reader = ChannelReader { rx, cur: Bytes::new(), done: false };
                // Parquet under another name: leave the stream and read it by ranges instead.
                let mut head = [0u8; 4];
                let n = read_up_to(&mut reader, &mut head).map_err(|e| super::map_io(&name, e))?;
                if self.opts.format.is_none() && &head[..n] == b"PAR1" {
                    drop(reader);
                    self.fetched.fetch_sub(p.bytes.swap(0, Ordering::Relaxed), Ordering::Relaxed);
                    let rx = self.start_parquet(&p.entry, p.bytes.clone());
                    return Ok(parquet_source(&name, rx, p.bytes));
                }
                let replay = io::Cursor::new(head[..n].to_vec()).chain(reader);
                Source::open_stream(&name, Box::new(replay), &self.opts, p.bytes)
            }
        }
    }
}

fn parquet_source(name: &str, mut rx: mpsc::Receiver<Result<RecordBatch>>, bytes: Arc<AtomicU64>) -> Source {
    let info = InputInfo { path: name.to_string(), format: Format::Parquet, encoding: None, compression: None };
    let batches: BatchIter = Box::new(std::iter::from_fn(move || rx.blocking_recv()));
    Source::from_batches(info, batches, bytes)
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// The synchronous end of a body's chunk channel: what the decoders read.
struct ChannelReader {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    cur: Bytes,
    done: bool,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.cur.is_empty() {
            if self.done {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                Some(Ok(b)) => self.cur = b,
                Some(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                None => self.done = true,
            }
        }
        let n = self.cur.len().min(buf.len());
        buf[..n].copy_from_slice(&self.cur[..n]);
        bytes::Buf::advance(&mut self.cur, n);
        Ok(n)
    }
}

/// Parquet's view of an object: ranged GETs (the footer, then a row group's column chunks, which
/// the store coalesces and fetches concurrently), counting the bytes they bring in.
struct Ranged {
    store: Arc<dyn ObjectStore>,
    location: ObjPath,
    etag: Option<String>,
    size: u64,
    bytes: Arc<AtomicU64>,
    fetched: Arc<AtomicU64>,
}

fn store_err(e: object_store::Error) -> parquet::errors::ParquetError {
    parquet::errors::ParquetError::External(Box::new(e))
}

impl Ranged {
    fn count(&self, n: usize) {
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        self.fetched.fetch_add(n as u64, Ordering::Relaxed);
    }
}

impl AsyncFileReader for Ranged {
    fn get_bytes(&mut self, range: Range<u64>) -> BoxFuture<'_, parquet::errors::Result<Bytes>> {
        async move {
            // The listed version only (the footer is read first, so a replaced object fails early).
            let opts = GetOptions {
                range: Some(object_store::GetRange::Bounded(range)),
                if_match: self.etag.clone(),
                ..GetOptions::default()
            };
            let b =
                self.store.get_opts(&self.location, opts).await.map_err(store_err)?.bytes().await.map_err(store_err)?;
            self.count(b.len());
            Ok(b)
        }
        .boxed()
    }

    fn get_byte_ranges(&mut self, ranges: Vec<Range<u64>>) -> BoxFuture<'_, parquet::errors::Result<Vec<Bytes>>> {
        async move {
            let v = self.store.get_ranges(&self.location, &ranges).await.map_err(store_err)?;
            self.count(v.iter().map(Bytes::len).sum());
            Ok(v)
        }
        .boxed()
    }

    fn get_metadata<'a>(
        &'a mut self,
        options: Option<&'a ArrowReaderOptions>,
    ) -> BoxFuture<'a, parquet::errors::Result<Arc<ParquetMetaData>>> {
        async move {
            let size = self.size;
            let metadata =
                ParquetMetaDataReader::new().with_arrow_reader_options(options).load_and_finish(self, size).await?;
            Ok(Arc::new(metadata))
        }
        .boxed()
    }
}

/// A store error in words a user can act on. Never a cell value: stores echo only keys and
/// status lines, and whatever else they say is redacted.
pub fn describe(e: &object_store::Error) -> String {
    match e {
        object_store::Error::NotFound { .. } => "not found (404): deleted or moved after it was listed".into(),
        object_store::Error::PermissionDenied { .. } => "access denied (403)".into(),
        object_store::Error::Unauthenticated { .. } => {
            "not authenticated (401): credentials are read from the environment".into()
        }
        object_store::Error::Precondition { .. } => {
            "changed after it was listed (etag no longer matches): scan it again".into()
        }
        other => redact(&other.to_string()),
    }
}

/// parquet's error for an object: store errors in the words of [`describe`].
fn parquet_reason(e: &parquet::errors::ParquetError) -> String {
    if let parquet::errors::ParquetError::External(inner) = e {
        if let Some(os) = inner.downcast_ref::<object_store::Error>() {
            return describe(os);
        }
    }
    redact(&e.to_string())
}
