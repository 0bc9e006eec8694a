//! Staging in an object store (`cloud` feature): an input's bytes go into a multipart upload
//! (`s3://`, `gs://`, `az://`), which is invisible at its key until it is completed. Commit is
//! completing it (the store answers with the object's ETag and version); removing is aborting
//! it. The upload id and the uploaded parts are journalled, so a later process can complete or
//! abort an upload a killed one left.
//!
//! Parts of [`PART_BYTES`] are uploaded by a thread of their own while the scan goes on, with at
//! most [`QUEUED_PARTS`] waiting: memory per input is a few parts, whatever its size.

use std::io;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use futures::StreamExt;
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use tokio::runtime::Runtime;

use super::stage::{Committed, StageWriter, Stager};
use crate::error::{redact, sanitize_name};
use crate::ledger::GateObject;
use crate::source::object::describe;
use crate::{Error, Result};

/// Bytes per uploaded part: above the 5 MiB minimum of S3 and GCS for all parts but the last.
const PART_BYTES: usize = 8 << 20;
/// Parts queued behind the one uploading.
const QUEUED_PARTS: usize = 2;
/// S3 allows at most 10,000 parts: larger inputs get larger parts.
const MAX_PARTS: u64 = 10_000;

/// An object-store prefix as a destination.
pub struct ObjectDest {
    rt: Arc<Runtime>,
    store: Arc<dyn ObjectStore>,
    multipart: Arc<dyn MultipartStore>,
    /// `scheme://bucket[/prefix]`, without a trailing slash.
    dest: String,
    prefix: String,
}

impl ObjectDest {
    /// A destination for `url`: `s3://bucket/prefix`, `gs://…` or `az://container/…`, with
    /// credentials, region and endpoint from the environment only (as `scan` reads stores).
    pub fn new(url: &str) -> Result<ObjectDest> {
        let bad = |m: &str| Error::Usage(format!("--to {}: {m}", sanitize_name(url)));
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("not a URL"))?;
        let scheme = scheme.to_ascii_lowercase();
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(bad("no bucket in the URL"));
        }
        let prefix = prefix.trim_matches('/').to_string();
        let conf =
            |e: object_store::Error| bad(&format!("cannot configure the object store: {}", redact(&e.to_string())));
        let (store, multipart): (Arc<dyn ObjectStore>, Arc<dyn MultipartStore>) = match scheme.as_str() {
            "s3" | "s3a" => {
                let s = Arc::new(
                    object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket).build().map_err(conf)?,
                );
                (s.clone(), s)
            }
            "gs" => {
                let s = Arc::new(
                    object_store::gcp::GoogleCloudStorageBuilder::from_env()
                        .with_bucket_name(bucket)
                        .build()
                        .map_err(conf)?,
                );
                (s.clone(), s)
            }
            "az" | "azure" => {
                let s = Arc::new(
                    object_store::azure::MicrosoftAzureBuilder::from_env()
                        .with_url(format!("{scheme}://{bucket}"))
                        .build()
                        .map_err(conf)?,
                );
                (s.clone(), s)
            }
            other => {
                return Err(bad(&format!("a gate destination is a directory, s3://, gs:// or az://, not {other}://")))
            }
        };
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("xborder-gate")
            .enable_all()
            .build()
            .map_err(|e| Error::Usage(format!("cannot start the upload runtime: {e}")))?;
        let base = format!("{scheme}://{bucket}");
        let dest = if prefix.is_empty() { base } else { format!("{base}/{prefix}") };
        Ok(ObjectDest { rt: Arc::new(rt), store, multipart, dest, prefix })
    }

    fn location(&self, obj: &GateObject) -> Result<ObjPath> {
        let name = obj
            .url
            .strip_prefix(&self.dest)
            .and_then(|r| r.strip_prefix('/'))
            .ok_or_else(|| Error::Usage(format!("{}: not below {}", obj.url, self.dest)))?;
        Ok(ObjPath::from(if self.prefix.is_empty() { name.to_string() } else { format!("{}/{name}", self.prefix) }))
    }

    fn err(&self, obj: &GateObject, what: &str, e: &object_store::Error) -> Error {
        Error::Io { path: sanitize_name(&obj.url), message: format!("{what}: {}", describe(e)) }
    }

    fn upload_id(obj: &GateObject) -> Result<String> {
        obj.staging.clone().ok_or_else(|| Error::Io {
            path: sanitize_name(&obj.url),
            message: "no multipart upload id in the journal".into(),
        })
    }
}

impl Stager for ObjectDest {
    fn dest(&self) -> &str {
        &self.dest
    }

    fn url(&self, name: &str) -> String {
        format!("{}/{name}", self.dest)
    }

    fn staging_name(&self, _run: &str, _n: u32) -> Option<String> {
        None
    }

    fn create(&self, obj: &GateObject, size_hint: u64) -> Result<(Box<dyn StageWriter>, Option<String>)> {
        let loc = self.location(obj)?;
        let id = self
            .rt
            .block_on(self.multipart.create_multipart(&loc))
            .map_err(|e| self.err(obj, "cannot start the multipart upload", &e))?;
        let part = PART_BYTES.max(size_hint.div_ceil(MAX_PARTS - 1) as usize);
        let (tx, rx) = sync_channel::<(usize, Vec<u8>)>(QUEUED_PARTS);
        let shared: Arc<Mutex<Uploaded>> = Arc::default();
        let (mp, rt, sh, l, i) = (self.multipart.clone(), self.rt.clone(), shared.clone(), loc.clone(), id.clone());
        let thread = std::thread::Builder::new()
            .name("xborder-upload".into())
            .spawn(move || {
                for (idx, data) in rx {
                    let r = rt.block_on(mp.put_part(&l, &i, idx, PutPayload::from(data)));
                    let mut u = sh.lock().unwrap_or_else(|p| p.into_inner());
                    match r {
                        Ok(p) => u.parts.push((idx, p)),
                        Err(e) => {
                            u.error.get_or_insert_with(|| describe(&e));
                        }
                    }
                }
            })
            .map_err(|e| Error::Usage(format!("cannot start the upload thread: {e}")))?;
        let w = PartWriter {
            url: obj.url.clone(),
            part,
            buf: Vec::with_capacity(part),
            next: 0,
            tx: Some(tx),
            thread: Some(thread),
            shared,
        };
        Ok((Box::new(w), Some(id)))
    }

    fn commit(&self, obj: &GateObject) -> Result<Committed> {
        let loc = self.location(obj)?;
        let id = Self::upload_id(obj)?;
        let ids: Vec<String> = serde_json::from_str(obj.parts.as_deref().unwrap_or("[]")).map_err(|e| Error::Io {
            path: sanitize_name(&obj.url),
            message: format!("the journal's part list does not parse: {e}"),
        })?;
        let parts = ids.into_iter().map(|content_id| PartId { content_id }).collect();
        match self.rt.block_on(self.multipart.complete_multipart(&loc, &id, parts)) {
            Ok(r) => Ok(Committed { etag: r.e_tag, version: r.version }),
            Err(e) => {
                // Completed before a crash: the upload is gone and the object is there, whole.
                if self.present(obj)? {
                    let m = self.rt.block_on(self.store.head(&loc)).map_err(|e| self.err(obj, "head", &e))?;
                    return Ok(Committed { etag: m.e_tag, version: m.version });
                }
                Err(self.err(obj, "cannot complete the multipart upload", &e))
            }
        }
    }

    fn remove(&self, obj: &GateObject) -> Result<()> {
        let Some(id) = obj.staging.clone() else { return Ok(()) };
        let loc = self.location(obj)?;
        match self.rt.block_on(self.multipart.abort_multipart(&loc, &id)) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.err(obj, "cannot abort the multipart upload", &e)),
        }
    }

    fn present(&self, obj: &GateObject) -> Result<bool> {
        let loc = self.location(obj)?;
        let m = match self.rt.block_on(self.store.head(&loc)) {
            Ok(m) => m,
            Err(object_store::Error::NotFound { .. }) => return Ok(false),
            Err(e) => return Err(self.err(obj, "head", &e)),
        };
        if Some(m.size) != obj.size {
            return Ok(false);
        }
        if obj.etag.is_some() {
            return Ok(m.e_tag == obj.etag);
        }
        // No ETag journalled yet (a crash before it was): the bytes themselves decide.
        let digest = self.rt.block_on(async {
            let mut h = blake3::Hasher::new();
            let mut body = self.store.get(&loc).await?.into_stream();
            while let Some(chunk) = body.next().await {
                h.update(&chunk?);
            }
            Ok::<_, object_store::Error>(format!("blake3:{}", h.finalize().to_hex()))
        });
        Ok(digest.map_err(|e| self.err(obj, "read back", &e))? == obj.digest.clone().unwrap_or_default())
    }
}

#[derive(Default)]
struct Uploaded {
    parts: Vec<(usize, PartId)>,
    error: Option<String>,
}

/// Gathers parts and hands them to the upload thread.
struct PartWriter {
    url: String,
    part: usize,
    buf: Vec<u8>,
    next: usize,
    tx: Option<SyncSender<(usize, Vec<u8>)>>,
    thread: Option<JoinHandle<()>>,
    shared: Arc<Mutex<Uploaded>>,
}

impl PartWriter {
    fn send(&mut self) -> io::Result<()> {
        if let Some(e) = &self.shared.lock().unwrap_or_else(|p| p.into_inner()).error {
            return Err(io::Error::other(e.clone()));
        }
        let data = std::mem::replace(&mut self.buf, Vec::with_capacity(self.part));
        let tx = self.tx.as_ref().ok_or_else(|| io::Error::other("upload finished"))?;
        tx.send((self.next, data)).map_err(|_| io::Error::other("the upload thread stopped"))?;
        self.next += 1;
        Ok(())
    }
}

impl StageWriter for PartWriter {
    fn write(&mut self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            let take = (self.part - self.buf.len()).min(buf.len());
            self.buf.extend_from_slice(&buf[..take]);
            buf = &buf[take..];
            if self.buf.len() == self.part {
                self.send()?;
            }
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<Option<String>> {
        let url = sanitize_name(&self.url);
        let fail = |m: String| Error::Io { path: url.clone(), message: format!("upload failed: {m}") };
        // The last part (or the only one, possibly empty: an upload needs one).
        if !self.buf.is_empty() || self.next == 0 {
            self.send().map_err(|e| fail(e.to_string()))?;
        }
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let mut u = std::mem::take(&mut *self.shared.lock().unwrap_or_else(|p| p.into_inner()));
        if let Some(e) = u.error {
            return Err(fail(e));
        }
        u.parts.sort_by_key(|(i, _)| *i);
        if u.parts.len() != self.next {
            return Err(fail(format!("{} of {} parts uploaded", u.parts.len(), self.next)));
        }
        let ids: Vec<&str> = u.parts.iter().map(|(_, p)| p.content_id.as_str()).collect();
        Ok(Some(serde_json::to_string(&ids).expect("strings serialise")))
    }
}

impl Drop for PartWriter {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
