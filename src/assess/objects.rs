//! Objects of a store as inputs of one export (`cloud` feature): list the URLs, fetch objects
//! ahead of the scanner, scan them one by one in listing order.
//!
//! With a ledger, an object whose URL and ETag the ledger already holds for the exporter and
//! year is skipped (its persons are in the year to date already) and reported as skipped. When
//! recording, each object read whole is its own transfer, committed as soon as it is scanned —
//! its persons, the transfer and the object's row in one transaction — when its verdict (the
//! year to date so far ∪ the object) is not blocked. A run killed halfway has recorded every
//! finished object exactly once; the next run skips them and reads the rest.

use super::{Assessor, Events, Record, TransferSpec};
use crate::error::{sanitize_name, Error, Result};
use crate::ledger::{Ledger, ObjectRecord};
use crate::persons::PersonsMode;
use crate::source::object::{Fetcher, ListFilter, ObjectEntry};
use crate::ScanSession;

/// How object-store URLs are read.
#[derive(Debug, Clone)]
pub struct ObjectOptions {
    /// Only keys whose name matches (`--glob`).
    pub glob: Option<glob::Pattern>,
    /// Only objects modified at or after this time, Unix seconds (`--since`).
    pub since_unix: Option<i64>,
    /// Objects fetched ahead of the scanner (`--concurrency`).
    pub concurrency: usize,
}

impl Default for ObjectOptions {
    fn default() -> Self {
        ObjectOptions { glob: None, since_unix: None, concurrency: 4 }
    }
}

/// What reading the objects tells the rest of the export.
#[derive(Debug, Default)]
pub(super) struct ObjectsRead {
    /// Keyless rows (and the sensitive among them) of the objects recorded now: the ledger
    /// counted them already, so the run's year to date must not add them again.
    pub recorded_unlinked: (u64, u64),
    /// Objects were recorded (or refused) one by one: the run as a whole is not recorded.
    pub per_object: bool,
}

enum Step {
    Skip(ObjectEntry, u64),
    Scan,
}

/// List every URL (data files by extension, as a directory scan chooses them), each object once.
/// A URL that cannot be listed is an error.
pub fn list_objects(fetcher: &Fetcher, urls: &[String], filter: &ListFilter) -> Result<Vec<ObjectEntry>> {
    let mut entries = Vec::new();
    for url in urls {
        entries.append(&mut fetcher.list(url, filter)?);
    }
    let mut seen = std::collections::HashSet::new();
    entries.retain(|e| seen.insert(e.url.clone()));
    Ok(entries)
}

impl Assessor {
    /// Read the objects under `urls` into `session`, after its other inputs. With `record`
    /// (and a ledger) each object complete and not blocked is recorded as a transfer of its own.
    pub(super) fn read_objects(
        &self,
        urls: &[String],
        session: &mut ScanSession<'_>,
        mut ledger: Option<&mut Ledger>,
        record: Record,
        opts: &ObjectOptions,
        events: &mut dyn Events,
    ) -> Result<ObjectsRead> {
        let scanner = session.scanner();
        let filter = ListFilter { glob: opts.glob.clone(), since_unix: opts.since_unix };
        let fetcher = Fetcher::new(opts.concurrency, scanner.options().source.clone())?;
        let recording = record != Record::DryRun;
        let mut outcome = ObjectsRead { per_object: recording, ..ObjectsRead::default() };
        let mut entries: Vec<ObjectEntry> = Vec::new();
        for url in urls {
            match fetcher.list(url, &filter) {
                Ok(mut e) => entries.append(&mut e),
                Err(e @ Error::Usage(_)) => return Err(e),
                Err(e) => {
                    // A bucket that cannot be listed is an input that could not be read.
                    let id = session.begin_input(&sanitize_name(url));
                    session.fail_input(id, e);
                    self.input_done(session, events)?;
                }
            }
        }
        // Overlapping URLs (a prefix and an object below it) name some objects twice: read once.
        let mut seen = std::collections::HashSet::new();
        entries.retain(|e| seen.insert(e.url.clone()));
        let year = scanner.options().as_of.year;
        let recorded = match ledger.as_deref() {
            Some(l) => l.recorded_objects(&self.exporter, year)?,
            None => Default::default(),
        };
        let mut steps = Vec::with_capacity(entries.len());
        let mut to_scan = Vec::new();
        for e in entries {
            match recorded.get(&(e.url.clone(), e.version())) {
                Some(&t) => steps.push(Step::Skip(e, t)),
                None => {
                    steps.push(Step::Scan);
                    to_scan.push(e);
                }
            }
        }
        events.objects_listed(to_scan.len() as u64, to_scan.iter().map(|e| e.size).sum(), fetcher.fetched());
        let mut opened = fetcher.open_all(to_scan);
        // Sketched persons cannot be merged: objects are then scanned straight into the session.
        let separate = scanner.options().persons != PersonsMode::Sketch;
        let (mut n_recorded, mut n_skipped, mut n_unrecorded) = (0u64, 0u64, 0u64);
        for step in steps {
            match step {
                Step::Skip(e, t) => {
                    let id = session.begin_input(&e.url);
                    session.note_object(id, e.version(), Some(t));
                    session.mark_skipped(id, "unchanged");
                    n_skipped += 1;
                }
                Step::Scan => {
                    let Some((entry, src)) = opened.next() else { break };
                    if !separate {
                        let id = session.scan_source(&entry.url, src);
                        session.note_object(id, entry.version(), None);
                    } else {
                        let mut s = scanner.session();
                        let id = s.scan_source(&entry.url, src);
                        let mut transfer = None;
                        if let (true, true, Some(l)) = (recording, s.complete(), ledger.as_deref_mut()) {
                            // The object is a transfer of its own: judged on the year so far ∪
                            // it, and recorded with its row in `objects` when it is not blocked.
                            let object = ObjectRecord {
                                url: entry.url.clone(),
                                version: entry.version(),
                                size: entry.size,
                                rows: 0,
                            };
                            let mut staged = |t: &crate::ledger::Transfer| events.staged(t);
                            let spec = TransferSpec {
                                object: Some(object),
                                staged: Some(&mut staged),
                                ..TransferSpec::default()
                            };
                            let done = self.assess(&mut s, Some(l), record, spec)?;
                            if let Some(t) = done.recorded_before {
                                transfer = Some(t);
                            } else if let Some(t) = &done.transfer {
                                transfer = Some(t.seq);
                                outcome.recorded_unlinked.0 += done.recorded_unlinked.0;
                                outcome.recorded_unlinked.1 += done.recorded_unlinked.1;
                                n_recorded += 1;
                            } else {
                                n_unrecorded += 1;
                                events.message(&format!(
                                    "{}: not recorded: its verdict {} is at or above --fail-at {}",
                                    entry.url, done.level, self.fail_at
                                ));
                            }
                        } else if recording {
                            n_unrecorded += 1;
                        }
                        s.note_object(id, entry.version(), transfer);
                        session.absorb(s);
                    }
                    events.object_done();
                }
            }
            self.input_done(session, events)?;
        }
        if n_skipped > 0 {
            events.message(&format!("skipped {n_skipped} object(s) already recorded with the same ETag"));
        }
        if recording {
            match ledger {
                Some(l) => events.message(&format!(
                    "recorded {n_recorded} object(s) in {}, one transfer each; {n_unrecorded} not recorded",
                    l.path().display()
                )),
                None => events.message("not recorded: no ledger"),
            }
        }
        Ok(outcome)
    }
}

impl Assessor {
    /// One fetched object as one export (`audit` replays a store's exports one by one): read
    /// into a session of its own, judged and recorded as `record` says.
    pub fn assess_object(
        &self,
        scanner: &crate::Scanner,
        entry: &ObjectEntry,
        src: Result<crate::source::Source>,
        ledger: Option<&mut Ledger>,
        record: Record,
    ) -> Result<super::Assessment> {
        let mut s = scanner.session();
        let id = s.scan_source(&entry.url, src);
        s.note_object(id, entry.version(), None);
        self.assess(&mut s, ledger, record, TransferSpec::default())
    }
}
