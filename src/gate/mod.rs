//! The gate: read each input once, judge it, and let it cross only if the verdict allows — so
//! the bytes that leave are the bytes that were judged.
//!
//! A [`Gate`] reads local files through a tee (`tee.rs`): the bytes the scanner's decoder reads
//! are, in the same pass, staged at the destination ([`stage::Stager`]: a temporary file in a
//! local directory, or an uncompleted multipart upload in an object store) and hashed (BLAKE3).
//! After the last input, when every input was read whole and unchanged (size, times and inode
//! checked after the read), the [`Assessor`] judges the export on the exporter's year to date
//! and, when it does not block, records the transfer; then the staged objects are committed.
//! Otherwise nothing is committed and the staged data is removed.
//!
//! Commit and record are one unit through the ledger's journal (`ledger::gate`): the run is
//! journalled `staging` before anything is written at the destination; the transfer and the
//! run's move to `committing` are one SQLite commit (the decision); the objects are committed
//! after it, each noted with its ETag and version; then the run is `done`. Every gate run first
//! finishes what a killed one left ([`recover`]): a `staging` run's staged data is removed (it
//! was never recorded), a `committing` run's objects are committed (it was recorded). A rerun of
//! a set already committed (same destination, names, sizes and digests, still there) commits and
//! records nothing again. Runs on one ledger are serialised by a lock file beside it.
//!
//! Progress is reported to an [`Observer`] at each [`Phase`], which is also how tests stop a
//! run at a crash window.

mod lock;
#[cfg(feature = "cloud")]
pub mod multipart;
mod recover;
pub mod stage;
mod tee;

use std::cell::RefCell;
use std::fs::File;
use std::path::{Path, PathBuf};

pub use recover::{recover, Recovered, RecoveredAction};
pub use stage::{LocalDir, Stager};

use crate::assess::{Assessment, Assessor, Record, TransferSpec};
use crate::error::sanitize_name;
use crate::ledger::{GateObject, GateRun, GateState, Ledger};
use crate::policy::Level;
use crate::source::{Input, Source};
use crate::{Error, Result, Scanner};
use tee::{Stamp, Tee};

/// Where a gate run is, as its [`Observer`] is told.
#[derive(Debug)]
pub enum Phase<'a> {
    /// Input `input` is opened and about to be read (and staged).
    Staging { input: usize },
    /// Every input is read; what was read whole is staged durably.
    Staged,
    /// The verdict, before anything is recorded (inside the ledger's write transaction).
    Judged { level: Level, blocked: bool },
    /// The transfer is recorded and the run journalled `committing`; nothing is committed yet.
    Recorded { transfer: u64 },
    /// Object `object` is about to be committed.
    Committing { object: usize },
    /// An object is committed at its URL (with the store's ETag and version).
    ObjectCommitted(&'a GateObject),
    /// Every object is committed; the run is not yet journalled `done`.
    Committed,
    /// The run is closed.
    Done,
}

impl Phase<'_> {
    /// The phase's name: `staging`, `staged`, `judged`, `recorded`, `committing`, `object`,
    /// `committed`, `done`.
    pub fn name(&self) -> &'static str {
        match self {
            Phase::Staging { .. } => "staging",
            Phase::Staged => "staged",
            Phase::Judged { .. } => "judged",
            Phase::Recorded { .. } => "recorded",
            Phase::Committing { .. } => "committing",
            Phase::ObjectCommitted(_) => "object",
            Phase::Committed => "committed",
            Phase::Done => "done",
        }
    }
}

/// Told of each phase of a run, in order.
pub trait Observer {
    fn phase(&mut self, phase: &Phase<'_>);
}

impl<F: FnMut(&Phase<'_>)> Observer for F {
    fn phase(&mut self, phase: &Phase<'_>) {
        self(phase)
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Every object committed, and the transfer recorded.
    Committed { transfer: u64 },
    /// The transfer is recorded but an object could not be committed: the next gate run with
    /// this ledger commits the rest.
    CommitPending { transfer: u64, error: String },
    /// The same set is already at the destination, recorded by an earlier run.
    AlreadyCommitted { run: String, transfer: Option<u64> },
    /// The verdict is at or above the assessor's `fail_at`: nothing committed or recorded.
    Blocked,
    /// An input could not be read whole, changed while it was read, or could not be staged.
    Refused,
    /// `dry_run`: judged, nothing staged.
    DryRun,
}

/// A run's result: the assessment (report with verdict), what was committed, what earlier runs
/// left that this one finished.
#[derive(Debug)]
pub struct GateOutcome {
    pub run: String,
    pub status: Status,
    pub assessment: Assessment,
    /// The run's objects as journalled (committed ones with their ETag and version).
    pub objects: Vec<GateObject>,
    pub recovered: Vec<Recovered>,
}

/// A destination from `--to`: a local directory, or (`cloud` feature) `s3://`, `gs://`,
/// `az://` prefixes.
pub fn destination(to: &str) -> Result<Box<dyn Stager>> {
    if let Some(p) = to.strip_prefix("file://") {
        return Ok(Box::new(LocalDir::new(Path::new(p))?));
    }
    if to.contains("://") {
        #[cfg(feature = "cloud")]
        return Ok(Box::new(multipart::ObjectDest::new(to)?));
        #[cfg(not(feature = "cloud"))]
        return Err(Error::Usage(format!(
            "--to {}: object-store destinations need the `cloud` feature, which this xborder was built without",
            sanitize_name(to)
        )));
    }
    Ok(Box::new(LocalDir::new(Path::new(to))?))
}

/// Judges and ships local files to one destination. See the module documentation.
pub struct Gate<'a> {
    assessor: &'a Assessor,
    scanner: &'a Scanner,
    stager: &'a dyn Stager,
    dry_run: bool,
}

impl<'a> Gate<'a> {
    /// `scanner` from `assessor.scanner_builder()`, hashing with the ledger's key.
    pub fn new(assessor: &'a Assessor, scanner: &'a Scanner, stager: &'a dyn Stager) -> Gate<'a> {
        Gate { assessor, scanner, stager, dry_run: false }
    }

    /// Judge without staging, committing or recording anything.
    pub fn dry_run(mut self, yes: bool) -> Self {
        self.dry_run = yes;
        self
    }

    /// Gate `inputs` (regular files). A run that is not a dry run needs the ledger.
    pub fn run(
        &self,
        inputs: &[PathBuf],
        ledger: Option<&mut Ledger>,
        observer: &mut dyn Observer,
    ) -> Result<GateOutcome> {
        let names = object_names(inputs)?;
        let run = new_run_id();
        let year = self.scanner.options().as_of.year;
        let mut objects: Vec<GateObject> = names
            .iter()
            .zip(inputs)
            .enumerate()
            .map(|(n, (name, p))| GateObject {
                n: n as u32,
                input: sanitize_name(&p.to_string_lossy()),
                url: self.stager.url(name),
                staging: self.stager.staging_name(&run, n as u32),
                state: "staging".into(),
                ..GateObject::default()
            })
            .collect();
        if self.dry_run {
            let mut session = self.scanner.session();
            for p in inputs {
                self.read(&mut session, p, None, &mut |_| Ok(()));
            }
            observer.phase(&Phase::Staged);
            let assessment = self.assessor.assess(&mut session, ledger, Record::DryRun, TransferSpec::default())?;
            return Ok(GateOutcome { run, status: Status::DryRun, assessment, objects, recovered: Vec::new() });
        }
        let Some(ledger) = ledger else {
            return Err(Error::Usage("a gate run records its transfer: it needs a ledger".into()));
        };
        let _lock = lock::GateLock::acquire(ledger.path())?;
        let recovered = recover(ledger, self.stager)?;
        ledger.gate_begin(&GateRun {
            run: run.clone(),
            exporter: self.assessor.exporter().to_string(),
            year,
            dest: self.stager.dest().to_string(),
            state: GateState::Staging,
            transfer: None,
            objects: objects.clone(),
        })?;
        let mut session = self.scanner.session();
        for (n, p) in inputs.iter().enumerate() {
            observer.phase(&Phase::Staging { input: n });
            // Once an input fails nothing will be committed: the rest are judged, not staged.
            let stage = session.complete().then_some(&mut objects[n]);
            let staged = self.read(&mut session, p, stage, &mut |(n, id)| ledger.gate_set_staging(&run, n, id));
            if let Some((size, digest, parts)) = staged {
                ledger.gate_staged(&run, n as u32, size, &digest, parts.as_deref())?;
                let o = &mut objects[n];
                (o.size, o.digest, o.parts, o.state) = (Some(size), Some(digest), parts, "staged".into());
            }
        }
        observer.phase(&Phase::Staged);
        let mut out = GateOutcome {
            run: run.clone(),
            status: Status::Refused,
            assessment: self.assessor.assess_unrecorded(&mut self.scanner.session()),
            objects: Vec::new(),
            recovered,
        };
        if !session.complete() {
            out.assessment =
                self.assessor.assess(&mut session, Some(ledger), Record::DryRun, TransferSpec::default())?;
            self.abandon(ledger, &run, &mut objects)?;
            out.objects = objects;
            return Ok(out);
        }
        if let Some(earlier) = self.already_committed(ledger, year, &objects)? {
            out.assessment =
                self.assessor.assess(&mut session, Some(ledger), Record::DryRun, TransferSpec::default())?;
            out.status = Status::AlreadyCommitted { run: earlier.run, transfer: earlier.transfer };
            self.abandon(ledger, &run, &mut objects)?;
            out.objects = earlier.objects;
            return Ok(out);
        }
        let cell = RefCell::new(&mut *observer);
        let on_verdict = |level: Level, blocked: bool| cell.borrow_mut().phase(&Phase::Judged { level, blocked });
        let fingerprint = |n: usize| objects.get(n).and_then(|o| o.digest.clone());
        let spec = TransferSpec {
            fingerprint: Some(&fingerprint),
            gate_run: Some(&run),
            on_verdict: Some(&on_verdict),
            ..TransferSpec::default()
        };
        out.assessment = self.assessor.assess(&mut session, Some(ledger), Record::UnlessBlocked, spec)?;
        let Some(transfer) = out.assessment.transfer.as_ref().map(|t| t.seq) else {
            out.status = Status::Blocked;
            self.abandon(ledger, &run, &mut objects)?;
            out.objects = objects;
            return Ok(out);
        };
        observer.phase(&Phase::Recorded { transfer });
        out.status = Status::Committed { transfer };
        for (n, o) in objects.iter_mut().enumerate() {
            observer.phase(&Phase::Committing { object: n });
            match self.stager.commit(o) {
                Ok(c) => {
                    ledger.gate_committed(&run, o.n, c.etag.as_deref(), c.version.as_deref())?;
                    (o.etag, o.version, o.state) = (c.etag, c.version, "committed".into());
                    observer.phase(&Phase::ObjectCommitted(o));
                }
                Err(e) => {
                    out.status = Status::CommitPending { transfer, error: e.to_string() };
                    break;
                }
            }
        }
        if let Status::Committed { .. } = out.status {
            observer.phase(&Phase::Committed);
            ledger.gate_finish(&run, GateState::Done)?;
            observer.phase(&Phase::Done);
        }
        out.objects = objects;
        Ok(out)
    }

    /// Read one input into `session` through the tee, staging it into `stage` when given.
    /// Returns its size, digest and parts when it was read whole, unchanged, and staged.
    /// Whatever goes wrong is the input's error in the report (the run goes on).
    fn read(
        &self,
        session: &mut crate::ScanSession<'_>,
        path: &Path,
        stage: Option<&mut GateObject>,
        journal: &mut dyn FnMut((u32, &str)) -> Result<()>,
    ) -> Option<(u64, String, Option<String>)> {
        let name = Input::Path(path.to_path_buf()).display();
        let fail = |session: &mut crate::ScanSession<'_>, message: String| {
            let id = session.begin_input(&name);
            session.fail_input(id, Error::Io { path: name.clone(), message });
        };
        let opened = File::open(path).and_then(|f| {
            let m = f.metadata()?;
            let twin = f.try_clone()?;
            Ok((f, twin, m))
        });
        let (file, twin, meta) = match opened {
            Ok(x) => x,
            Err(e) => {
                fail(session, crate::error::redact(&e.to_string()));
                return None;
            }
        };
        if !meta.is_file() {
            fail(session, "not a regular file: the gate reads files whose size and times it can check".into());
            return None;
        }
        let before = Stamp::of(&meta);
        let mut stage_error = None;
        let writer = match stage {
            Some(obj) => match self.stager.create(obj, before.size) {
                Ok((w, id)) => {
                    if let Some(id) = id {
                        obj.staging = Some(id);
                        if let Err(e) = journal((obj.n, obj.staging.as_deref().unwrap_or_default())) {
                            stage_error = Some(e.to_string());
                        }
                    }
                    Some((w, obj))
                }
                Err(e) => {
                    stage_error = Some(e.to_string());
                    None
                }
            },
            None => None,
        };
        let (writer, obj) = match writer {
            Some((w, o)) => (Some(w), Some(o)),
            None => (None, None),
        };
        let (tee, state) = Tee::new(file, writer);
        let opts = &self.scanner.options().source;
        let id = session.scan_source(&name, Source::from_reader(&name, tee, opts));
        let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
        let whole = session.complete();
        let after = twin.metadata().map(|m| Stamp::of(&m));
        let at_path = std::fs::metadata(path).map(|m| Stamp::of(&m));
        let changed = match (&after, &at_path) {
            (Ok(a), Ok(p)) => before.changed(a).or_else(|| before.changed(p)),
            _ => Some("it could not be checked after it was read (removed?)"),
        };
        let mut problem = None;
        if let Some(why) = changed {
            problem = Some(format!("changed while it was read: {why}; nothing of this run is sent"));
        } else if whole && (!st.eof || st.bytes != before.size) {
            problem = Some(format!(
                "the reader stopped at byte {} of {}: bytes that were not judged are not sent",
                st.bytes, before.size
            ));
        }
        if let Some(why) = stage_error.or(st.stage_error.take()) {
            problem.get_or_insert(format!("could not be staged at {}: {why}", self.stager.dest()));
        }
        if let Some(m) = problem {
            session.fail_input(id, Error::Io { path: name.clone(), message: m });
        }
        let writer = st.writer.take();
        let digest = st.digest();
        let size = st.bytes;
        drop(st);
        let (Some(w), Some(_obj)) = (writer, obj) else { return None };
        if !session.complete() {
            return None;
        }
        match w.finish() {
            Ok(parts) => Some((size, digest, parts)),
            Err(e) => {
                session.fail_input(
                    id,
                    Error::Io {
                        path: name.clone(),
                        message: format!("could not be staged at {}: {e}", self.stager.dest()),
                    },
                );
                None
            }
        }
    }

    /// An earlier run that committed exactly this set (URLs, sizes, digests), still present.
    fn already_committed(&self, ledger: &Ledger, year: i32, objects: &[GateObject]) -> Result<Option<GateRun>> {
        let key = |o: &GateObject| (o.url.clone(), o.size, o.digest.clone());
        let mut ours: Vec<_> = objects.iter().map(key).collect();
        ours.sort();
        for earlier in ledger.gate_done(self.assessor.exporter(), year, self.stager.dest())? {
            let mut theirs: Vec<_> = earlier.objects.iter().map(key).collect();
            theirs.sort();
            if theirs != ours {
                continue;
            }
            let mut all = true;
            for o in &earlier.objects {
                all &= self.stager.present(o)?;
            }
            if all {
                return Ok(Some(earlier));
            }
        }
        Ok(None)
    }

    /// Remove what this run staged and close it as aborted.
    fn abandon(&self, ledger: &mut Ledger, run: &str, objects: &mut [GateObject]) -> Result<()> {
        for o in objects.iter_mut().filter(|o| o.state != "removed") {
            self.stager.remove(o)?;
            ledger.gate_removed(run, o.n)?;
            o.state = "removed".into();
        }
        ledger.gate_finish(run, GateState::Aborted)
    }
}

/// The name each input is committed under: its file name. Two inputs with one name would
/// overwrite each other: a usage error.
fn object_names(inputs: &[PathBuf]) -> Result<Vec<String>> {
    let mut seen = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(inputs.len());
    for p in inputs {
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| Error::Usage(format!("{}: no file name (or not UTF-8) to send it under", p.display())))?;
        if let Some(first) = seen.insert(name.to_string(), p.clone()) {
            return Err(Error::Usage(format!(
                "{} and {} would both be sent as {name}: gate them in separate runs",
                sanitize_name(&first.to_string_lossy()),
                sanitize_name(&p.to_string_lossy())
            )));
        }
        out.push(name.to_string());
    }
    Ok(out)
}

/// A run id: unique per process and moment (24 hex digits).
fn new_run_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let mut h = blake3::Hasher::new();
    h.update(&t.as_nanos().to_le_bytes());
    h.update(&std::process::id().to_le_bytes());
    h.update(&N.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    h.finalize().to_hex()[..24].to_string()
}
