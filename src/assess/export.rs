//! One export from start to verdict: inputs as a command line names them (files, directories,
//! globs, `-`, object-store URLs) read into one session, judged, and recorded as [`Record`] says.
//! What `xborder scan` does, for any caller.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use super::{Assessment, Assessor, Record, TransferSpec};
use crate::error::{escape_name, Error, Result};
use crate::ledger::{self, Ledger, Transfer};
use crate::report::InputReport;
use crate::source::{expand_inputs_noting, is_object_url, Input};
use crate::{ScanSession, Scanner};

#[cfg(feature = "cloud")]
pub use super::objects::ObjectOptions;

/// What an export reads and how it is recorded.
#[derive(Debug, Clone)]
pub struct Export {
    /// Inputs as on a command line: files, directories (recursive), globs, `-` for stdin, and
    /// object-store URLs (`cloud` feature).
    pub inputs: Vec<String>,
    /// When the export is written to the ledger.
    pub record: Record,
    /// How object-store URLs are listed and fetched.
    #[cfg(feature = "cloud")]
    pub objects: ObjectOptions,
}

impl Export {
    /// A dry run over `inputs`.
    pub fn new<S: AsRef<str>>(inputs: &[S]) -> Export {
        Export {
            inputs: inputs.iter().map(|s| s.as_ref().to_string()).collect(),
            record: Record::DryRun,
            #[cfg(feature = "cloud")]
            objects: ObjectOptions::default(),
        }
    }

    /// Check what can be checked before any data is read or any ledger opened: object-store
    /// URLs need the `cloud` feature, and are recorded object by object, so not with local
    /// inputs in the same run.
    pub fn check(&self) -> Result<()> {
        let urls: Vec<&String> = self.inputs.iter().filter(|i| is_object_url(i)).collect();
        if let Some(u) = urls.first() {
            if !cfg!(feature = "cloud") {
                return Err(Error::Usage(format!(
                    "{}: object-store URLs need the `cloud` feature, which this xborder was built without \
                     (cargo install xborder --features cloud)",
                    crate::error::sanitize_name(u)
                )));
            }
            if self.record != Record::DryRun && urls.len() < self.inputs.len() {
                return Err(Error::Usage(
                    "--record with object-store URLs records object by object; record local inputs in a separate \
                     run (or name them as file:// URLs)"
                        .into(),
                ));
            }
        }
        Ok(())
    }

    /// Record as `record` says (a ledger must be given to [`Assessor::assess_export`]).
    pub fn record(mut self, record: Record) -> Export {
        self.record = record;
        self
    }
}

/// What happens during an export, for a caller that shows progress or streams results. Every
/// method has an empty default.
pub trait Events {
    /// The export's session started: its live counters (bytes, rows, person keys) for a
    /// progress display.
    fn started(&mut self, _progress: Arc<crate::scan::Progress>) {}
    /// A file of a directory that was not read, and why (not a data file by its name).
    fn file_skipped(&mut self, _path: &str, _why: &str) {}
    /// Ask for each input's line of the report as soon as the input is finished.
    fn wants_inputs(&self) -> bool {
        false
    }
    /// An input is finished (read, failed or skipped): its line of the report.
    fn input_done(&mut self, _input: &InputReport) -> Result<()> {
        Ok(())
    }
    /// Object-store URLs listed: `objects` of `bytes` will be read; `fetched` counts the bytes
    /// fetched so far.
    fn objects_listed(&mut self, _objects: u64, _bytes: u64, _fetched: Arc<AtomicU64>) {}
    /// One object read (and recorded or not).
    fn object_done(&mut self) {}
    /// A transfer written in the ledger whose transaction has not committed yet: work that
    /// must succeed together with the record goes here; an error rolls the record back.
    fn staged(&mut self, _transfer: &Transfer) -> Result<()> {
        Ok(())
    }
    /// A line for the person running the export (a skipped object, what was recorded).
    fn message(&mut self, _line: &str) {}
}

/// No events wanted.
pub struct Quiet;
impl Events for Quiet {}

impl Assessor {
    /// Read `export`'s inputs with `scanner` (a scanner of this assessor, hashing keys with the
    /// ledger's key when there is a ledger), judge the export on the exporter's year to date in
    /// `ledger`, and record it as `export.record` says. Inputs that cannot be found or read make
    /// the report incomplete; the rest are read. Objects of a store are recorded one by one,
    /// each a transfer of its own (see `objects.rs`); local inputs are recorded as one transfer.
    #[cfg_attr(not(feature = "cloud"), allow(unused_mut))]
    pub fn assess_export(
        &self,
        scanner: &Scanner,
        export: &Export,
        mut ledger: Option<&mut Ledger>,
        events: &mut dyn Events,
    ) -> Result<Assessment> {
        export.check()?;
        let (urls, locals): (Vec<String>, Vec<String>) = export.inputs.iter().cloned().partition(|i| is_object_url(i));
        let expanded = expand_inputs_noting(&locals);
        for (p, why) in &expanded.skipped {
            events.file_skipped(&escape_name(&p.to_string_lossy()), why);
        }
        let inputs = expanded.inputs;
        let mut session = scanner.session();
        events.started(session.progress());
        for input in &inputs {
            session.scan_input(input);
            self.input_done(&mut session, events)?;
        }
        for e in expanded.errors {
            let id = session.begin_input(&match &e {
                Error::Io { path, .. } => path.clone(),
                _ => "?".into(),
            });
            session.fail_input(id, e);
            self.input_done(&mut session, events)?;
        }
        let mut record = export.record;
        let mut recorded_unlinked = (0, 0);
        #[cfg(not(feature = "cloud"))]
        let _ = urls;
        #[cfg(feature = "cloud")]
        if !urls.is_empty() {
            let read =
                self.read_objects(&urls, &mut session, ledger.as_deref_mut(), record, &export.objects, events)?;
            recorded_unlinked = read.recorded_unlinked;
            if read.per_object {
                // Objects were recorded one by one as they were read; the run as a whole is not.
                record = Record::DryRun;
            }
        }
        // Local inputs come first in the report, then objects (no fingerprint: a URL and its
        // ETag identify them).
        let hasher = scanner.hasher();
        let fingerprint = |n: usize| match inputs.get(n) {
            Some(Input::Path(p)) => ledger::input_fingerprint(hasher, p),
            _ => None,
        };
        let mut staged = |t: &Transfer| events.staged(t);
        let spec = TransferSpec {
            fingerprint: Some(&fingerprint),
            object: None,
            recorded_unlinked,
            staged: Some(&mut staged),
            ..TransferSpec::default()
        };
        self.assess(&mut session, ledger, record, spec)
    }

    /// One input as one export (`audit` replays exports one by one): read into a session of its
    /// own, judged and recorded as `record` says, with the file's keyed fingerprint.
    pub fn assess_input(
        &self,
        scanner: &Scanner,
        input: &Input,
        ledger: Option<&mut Ledger>,
        record: Record,
    ) -> Result<Assessment> {
        let mut session = scanner.session();
        session.scan_input(input);
        let hasher = scanner.hasher();
        let fingerprint = |_: usize| match input {
            Input::Path(p) => ledger::input_fingerprint(hasher, p),
            Input::Stdin => None,
        };
        let spec = TransferSpec { fingerprint: Some(&fingerprint), ..TransferSpec::default() };
        self.assess(&mut session, ledger, record, spec)
    }

    /// Hand the last input's line of the report to `events`, when it wants them.
    pub(super) fn input_done(&self, session: &mut ScanSession<'_>, events: &mut dyn Events) -> Result<()> {
        if events.wants_inputs() {
            let i = session.input_report(session.inputs_len() - 1);
            events.input_done(&i)?;
        }
        Ok(())
    }
}
