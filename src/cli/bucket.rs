//! Object-store inputs of `xborder scan` (`cloud` feature): list the URLs, fetch objects ahead
//! of the scanner, scan them one by one in listing order.
//!
//! With a ledger, an object whose URL and ETag the ledger already holds for the exporter and
//! year is skipped (its persons are in the year to date already) and reported as skipped. With
//! `--record`, each object that was read whole is its own transfer, committed as soon as it is
//! scanned — its persons, the transfer and the object's row in one transaction — when its
//! verdict (the year to date so far ∪ the object) is below `--fail-at`. A run killed halfway
//! has recorded every finished object exactly once; the next run skips them and reads the rest.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use xborder::assess::{Record, TransferSpec};
use xborder::ledger::{Ledger, ObjectRecord};
use xborder::persons::PersonsMode;
use xborder::report::{jsonl, InputReport};
use xborder::source::object::{Fetcher, ListFilter, ObjectEntry};
use xborder::time::Date;
use xborder::ScanSession;

use super::scan::{Engine, Out};

/// What the object loop needs from the scan command.
pub(super) struct Ctx<'a> {
    pub engine: &'a Engine,
    pub glob: Option<&'a str>,
    pub since: Option<&'a str>,
    pub concurrency: usize,
    pub record: bool,
    pub exporter: &'a str,
    pub year: i32,
    pub jsonl: bool,
}

/// What the report learns about an object input beyond what the scan saw.
#[derive(Default, Clone)]
pub(super) struct Note {
    pub etag: Option<String>,
    pub skipped: Option<String>,
    pub transfer: Option<u64>,
}

impl Note {
    pub fn apply(&self, i: &mut InputReport) {
        i.etag = self.etag.clone();
        i.skipped = self.skipped.clone();
        i.transfer = self.transfer;
    }
}

/// What the object loop tells the scan command.
#[derive(Default)]
pub(super) struct Outcome {
    /// Per input index of the session: the notes of object inputs.
    pub notes: Vec<(usize, Note)>,
    /// Rows without a key in the objects recorded now: the ledger counted them already (each
    /// such row is a new person at every transfer), so the run's year to date must not add
    /// them again.
    pub recorded_unlinked: u64,
    pub recorded_unlinked_sensitive: u64,
    /// `--record` recorded (or tried to record) objects one by one: the run as a whole is not
    /// recorded.
    pub per_object: bool,
}

/// `--since YYYY-MM-DD`: midnight in Asia/Shanghai, in Unix seconds.
fn since_unix(s: &str) -> anyhow::Result<i64> {
    let d = Date::parse(s).with_context(|| format!("--since {s:?}: expected YYYY-MM-DD"))?;
    Ok(d.to_days() * 86_400 - 8 * 3_600)
}

enum Step {
    Skip(ObjectEntry, u64),
    Scan,
}

pub(super) fn scan(
    cx: &Ctx<'_>,
    urls: &[String],
    session: &mut ScanSession<'_>,
    mut ledger: Option<&mut Ledger>,
    out: &mut Out,
) -> anyhow::Result<Outcome> {
    let scanner = session.scanner();
    let filter = ListFilter {
        glob: match cx.glob {
            Some(g) => Some(glob::Pattern::new(g).map_err(|e| anyhow::anyhow!("--glob {g:?}: {e}"))?),
            None => None,
        },
        since_unix: cx.since.map(since_unix).transpose()?,
    };
    let fetcher = Fetcher::new(cx.concurrency, scanner.options().source.clone())?;
    let mut outcome = Outcome { per_object: cx.record, ..Outcome::default() };
    let notes = &mut outcome.notes;
    let mut entries: Vec<ObjectEntry> = Vec::new();
    for url in urls {
        match fetcher.list(url, &filter) {
            Ok(mut e) => entries.append(&mut e),
            Err(e @ xborder::Error::Usage(_)) => return Err(e.into()),
            Err(e) => {
                // A bucket that cannot be listed is an input that could not be read (exit 3).
                let id = session.begin_input(&xborder::error::sanitize_name(url));
                session.fail_input(id, e);
                notes.push((session.inputs_len() - 1, Note::default()));
            }
        }
    }
    // Overlapping URLs (a prefix and an object below it) name some objects twice: read once.
    let mut seen = std::collections::HashSet::new();
    entries.retain(|e| seen.insert(e.url.clone()));
    test_pause("XBORDER_TEST_LIST_PAUSE_MS", &format!("listed {} object(s)", entries.len()));
    let recorded = match ledger.as_deref() {
        Some(l) => l.recorded_objects(cx.exporter, cx.year)?,
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
    let mut progress = Progress::start(&fetcher, to_scan.len() as u64, to_scan.iter().map(|e| e.size).sum());
    let mut opened = fetcher.open_all(to_scan);
    let recording = cx.record && ledger.is_some();
    // Sketched persons cannot be merged: objects are then scanned straight into the session.
    let separate = scanner.options().persons != PersonsMode::Sketch;
    let (mut n_recorded, mut n_skipped, mut n_unrecorded) = (0u64, 0u64, 0u64);
    for step in steps {
        let idx = session.inputs_len();
        let mut input_line: Option<InputReport> = None;
        match step {
            Step::Skip(e, t) => {
                session.begin_input(&e.url);
                n_skipped += 1;
                let note = Note { etag: Some(e.version()), skipped: Some("unchanged".into()), transfer: Some(t) };
                if cx.jsonl {
                    let mut i = skipped_input(&e.url);
                    note.apply(&mut i);
                    input_line = Some(i);
                }
                notes.push((idx, note));
            }
            Step::Scan => {
                let Some((entry, src)) = opened.next() else { break };
                let mut note = Note { etag: Some(entry.version()), ..Note::default() };
                if !separate {
                    session.scan_source(&entry.url, src);
                    if cx.jsonl {
                        let mut i = session.report().inputs.swap_remove(idx);
                        note.apply(&mut i);
                        input_line = Some(i);
                    }
                    notes.push((idx, note));
                    progress.object_done();
                    if let Some(i) = input_line {
                        out.write(&jsonl::input(&i))?;
                    }
                    continue;
                }
                let mut s = scanner.session();
                s.scan_source(&entry.url, src);
                let complete = s.complete();
                let mut report = None;
                if let (true, true, Some(l)) = (recording, complete, ledger.as_deref_mut()) {
                    // The object is a transfer of its own: judged on the year so far ∪ it, and
                    // recorded with its row in `objects` when it is not blocked.
                    let spec = TransferSpec {
                        object: Some(ObjectRecord {
                            url: entry.url.clone(),
                            version: entry.version(),
                            size: entry.size,
                            rows: 0,
                        }),
                        ..TransferSpec::default()
                    };
                    let done = cx.engine.assessor.assess(&mut s, Some(l), Record::UnlessBlocked, spec)?;
                    if let Some(t) = done.recorded_before {
                        note.transfer = Some(t);
                    } else if let Some(t) = &done.transfer {
                        note.transfer = Some(t.seq);
                        outcome.recorded_unlinked += done.recorded_unlinked.0;
                        outcome.recorded_unlinked_sensitive += done.recorded_unlinked.1;
                        n_recorded += 1;
                    } else {
                        n_unrecorded += 1;
                        progress.println(&format!(
                            "xborder: {}: not recorded: its verdict {} is at or above --fail-at {}",
                            entry.url,
                            done.level,
                            cx.engine.assessor.fail_at()
                        ));
                    }
                    report = Some(done.report);
                } else if recording {
                    n_unrecorded += 1;
                }
                if cx.jsonl && report.is_none() {
                    report = Some(s.report());
                }
                if let Some(r) = report.filter(|_| cx.jsonl) {
                    let mut i = r.inputs.into_iter().next().expect("one input");
                    note.apply(&mut i);
                    input_line = Some(i);
                }
                session.absorb(s);
                notes.push((idx, note));
                progress.object_done();
            }
        }
        if let Some(i) = input_line {
            out.write(&jsonl::input(&i))?;
        }
    }
    progress.finish();
    if n_skipped > 0 {
        eprintln!("xborder: skipped {n_skipped} object(s) already recorded with the same ETag");
    }
    if cx.record {
        match ledger {
            Some(l) => eprintln!(
                "xborder: recorded {n_recorded} object(s) in {}, one transfer each; {n_unrecorded} not recorded",
                l.path().display()
            ),
            None => eprintln!("xborder: not recorded: no ledger"),
        }
    }
    Ok(outcome)
}

/// `xborder audit`: list `urls` (data files by extension, as `scan` chooses them), each object
/// once. A URL that cannot be listed is an error: the year's transfers would be unknown.
pub(super) fn list_all(fetcher: &Fetcher, urls: &[String]) -> anyhow::Result<Vec<ObjectEntry>> {
    let mut entries = Vec::new();
    for url in urls {
        entries.append(&mut fetcher.list(url, &ListFilter::default())?);
    }
    let mut seen = std::collections::HashSet::new();
    entries.retain(|e| seen.insert(e.url.clone()));
    Ok(entries)
}

/// `xborder audit`: read one fetched object into `session` as its next input, noting its ETag.
pub(super) fn scan_one(
    session: &mut ScanSession<'_>,
    entry: &ObjectEntry,
    src: xborder::Result<xborder::source::Source>,
) -> Outcome {
    let idx = session.inputs_len();
    session.scan_source(&entry.url, src);
    Outcome { notes: vec![(idx, Note { etag: Some(entry.version()), ..Note::default() })], ..Outcome::default() }
}

fn skipped_input(url: &str) -> InputReport {
    InputReport {
        path: xborder::error::sanitize_name(url),
        format: None,
        encoding: None,
        compression: None,
        rows: 0,
        bytes: 0,
        complete: true,
        errors: Vec::new(),
        etag: None,
        skipped: None,
        transfer: None,
    }
}

/// Tests only: hold the run at a named point (printed on stderr) so a test can act there.
fn test_pause(var: &str, what: &str) {
    if let Some(ms) = std::env::var(var).ok().and_then(|v| v.parse::<u64>().ok()) {
        eprintln!("xborder: test: {what}");
        std::thread::sleep(Duration::from_millis(ms));
    }
}

/// The progress bar: objects, bytes fetched, rate and ETA, on a terminal stderr only.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    stop: Arc<AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
    objects: u64,
    done: u64,
}

impl Progress {
    fn start(fetcher: &Fetcher, objects: u64, bytes: u64) -> Progress {
        let stop = Arc::new(AtomicBool::new(false));
        if !std::io::stderr().is_terminal() || objects == 0 {
            return Progress { bar: None, stop, ticker: None, objects, done: 0 };
        }
        let bar = indicatif::ProgressBar::with_draw_target(Some(bytes), indicatif::ProgressDrawTarget::stderr());
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{msg} objects  [{bar:30}] {bytes}/{total_bytes}  {bytes_per_sec}  ETA {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(format!("0/{objects}"));
        let (b, s, fetched) = (bar.clone(), stop.clone(), fetcher.fetched());
        let ticker = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                b.set_position(fetched.load(Ordering::Relaxed));
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        Progress { bar: Some(bar), stop, ticker: Some(ticker), objects, done: 0 }
    }

    fn object_done(&mut self) {
        self.done += 1;
        if let Some(b) = &self.bar {
            b.set_message(format!("{}/{}", self.done, self.objects));
        }
    }

    fn println(&self, line: &str) {
        match &self.bar {
            Some(b) => b.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
