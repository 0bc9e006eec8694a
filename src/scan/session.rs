//! A scan in progress: inputs and their column tallies, the persons so far, and the keys held
//! back until their column is decided. Reading the next batch overlaps scanning the current one
//! and merging the previous one into the persons.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arrow_array::RecordBatch;

use super::batch::{category_mask, column_bits, decide, route, scan_slices, BatchOut};
use super::cell::ColumnCtx;
use super::merge::{merge_persons, merge_sketch, release_exact, release_sketch};
use super::progress::Progress;
use super::tally::ColumnTally;
use super::{classify, Scanner, WINDOW_ROWS};
use crate::detect::header::HeaderInfo;
use crate::detect::Catalogue;
use crate::error::Error;
use crate::error::Result;
use crate::persons::{PersonSet, PersonSketch, PersonsMode, MINOR_BIT};
use crate::report::{InputReport, PersonsReport, Report};
use crate::source::{Input, InputInfo, Source};

/// Accumulated state of one input.
pub(crate) struct InputAcc {
    pub name: String,
    pub info: Option<InputInfo>,
    pub rows: u64,
    pub bytes: u64,
    pub errors: Vec<Error>,
    pub columns: Vec<ColumnAcc>,
    pub(super) by_path: HashMap<String, usize>,
    /// Per column, the category bits whose keys and flags it gives persons; `None` until the
    /// first [`WINDOW_ROWS`] rows are scanned (or the input ends).
    pub(super) gates: Option<Arc<Vec<u64>>>,
    /// Batches scanned before the gates were decided.
    pub(super) pending: Vec<BatchOut>,
    /// Per column, bits whose keys were counted by the provisional decision although the final
    /// one does not hold them: the report shows them, so that it tells the count's story.
    pub(super) sticky: Vec<u64>,
    /// An object of a store: its version (ETag), and the ledger transfer that holds it.
    etag: Option<String>,
    transfer: Option<u64>,
    /// Not read, and why (an object the ledger holds already).
    skipped: Option<String>,
}

pub(crate) struct ColumnAcc {
    pub path: String,
    pub header: HeaderInfo,
    pub(super) ctx: ColumnCtx,
    pub tally: ColumnTally,
    /// The tally of the input's first [`WINDOW_ROWS`] rows (the provisional decision).
    pub(super) window: ColumnTally,
}

impl InputAcc {
    fn report(&self) -> InputReport {
        InputReport {
            path: crate::error::sanitize_name(&self.name),
            format: self.info.as_ref().map(|i| i.format.to_string()),
            encoding: self.info.as_ref().and_then(|i| i.encoding.clone()),
            compression: self.info.as_ref().and_then(|i| i.compression.map(str::to_string)),
            rows: self.rows,
            bytes: self.bytes,
            complete: self.errors.is_empty(),
            errors: self.errors.iter().map(|e| e.to_string()).collect(),
            etag: self.etag.clone(),
            skipped: self.skipped.clone(),
            transfer: self.transfer,
        }
    }

    pub(super) fn column(&mut self, path: &str, cat: &Catalogue, cat_bits: &[u64]) -> usize {
        if let Some(&i) = self.by_path.get(path) {
            return i;
        }
        let header = cat.header_info(path);
        let hinted = header.hints.iter().fold(0, |m, &d| m | cat_bits[d as usize]);
        // The file name stands for a column name only for `file_hint` detectors.
        let by_file = crate::detect::derived::file_hints(cat, &self.name);
        let required: Vec<_> =
            header.hints.iter().copied().filter(|&d| cat.get(d).header_required).chain(by_file).collect();
        // Tried before the priority order, the name's own first (header-required detectors are
        // tried nowhere else), then the other detectors the name hints: when a value validates
        // as several categories (an 18-digit UnionPay card that passes the USCC check), the
        // column's name decides.
        let mut first = required.clone();
        first.extend(header.hints.iter().copied().filter(|&d| {
            let det = cat.get(d);
            !det.header_required && !det.header_only && !det.keyword_only
        }));
        let named = !header.hints.is_empty();
        let fallback = header.hints.iter().copied().find(|&d| {
            let det = cat.get(d);
            det.header_only && det.spec.fallback_key && cat_bits[d as usize] != 0
        });
        let ctx = ColumnCtx {
            negative: header.negative.is_some(),
            related: header.related,
            hinted,
            first,
            required,
            named,
            fallback,
            index: self.columns.len() as u32,
        };
        self.columns.push(ColumnAcc {
            path: path.to_string(),
            header,
            ctx,
            tally: ColumnTally::new(cat.len()),
            window: ColumnTally::new(cat.len()),
        });
        self.by_path.insert(path.to_string(), self.columns.len() - 1);
        self.columns.len() - 1
    }
}

/// A scan in progress: inputs, their column tallies and the persons found so far.
pub struct ScanSession<'s> {
    scanner: &'s Scanner,
    pub(crate) inputs: Vec<InputAcc>,
    persons: Persons,
    /// Keys and flags of columns whose decision did not hold their category when they were
    /// merged; the final decision at the input's end takes or drops them.
    held: Vec<Held>,
    progress: Arc<Progress>,
    /// Bytes of the inputs finished before the one being read.
    bytes_done: u64,
}

/// A key or flag held back from the persons (see [`ScanSession::held`]).
pub(super) struct Held {
    pub(super) input: u32,
    pub(super) col: u32,
    /// Row in the input.
    pub(super) row: u64,
    /// The key's hash, or `None` for a flag.
    pub(super) key: Option<u128>,
    pub(super) flags: u64,
    /// A key of the row's owner, or a flag of the row.
    pub(super) own: bool,
    /// An own key of the same row that was merged (its person is this row's), if any.
    pub(super) anchor: Option<u128>,
    /// With no anchor: the bits the row was counted with as a row without a key (0: it was not
    /// counted at all).
    pub(super) unlinked: u64,
}

/// The persons of a session, by [`PersonsMode`].
pub(super) enum Persons {
    Exact(PersonSet),
    Sketch(Box<PersonSketch>),
    Off,
}

impl Persons {
    fn keys(&self) -> u64 {
        match self {
            Persons::Exact(p) => p.keys() as u64,
            _ => 0,
        }
    }

    fn merge(&mut self, out: BatchOut, held: &mut Vec<Held>) {
        match self {
            Persons::Exact(p) => merge_persons(p, out, held),
            Persons::Sketch(s) => merge_sketch(s, out, held),
            Persons::Off => {}
        }
    }
}

/// Handle of an input inside a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputId(pub(super) usize);

impl<'s> ScanSession<'s> {
    pub(super) fn new(scanner: &'s Scanner) -> Self {
        let persons = match scanner.opts.persons {
            PersonsMode::Exact => Persons::Exact(PersonSet::new()),
            PersonsMode::Sketch => Persons::Sketch(Box::new(PersonSketch::new(scanner.sensitive_mask()))),
            PersonsMode::Off => Persons::Off,
        };
        ScanSession { scanner, inputs: Vec::new(), persons, held: Vec::new(), progress: Arc::default(), bytes_done: 0 }
    }

    /// Register an input (a file, or any name for batches from memory).
    pub fn begin_input(&mut self, name: &str) -> InputId {
        self.inputs.push(InputAcc {
            name: name.to_string(),
            info: None,
            rows: 0,
            bytes: 0,
            errors: Vec::new(),
            columns: Vec::new(),
            by_path: HashMap::new(),
            gates: None,
            pending: Vec::new(),
            sticky: Vec::new(),
            etag: None,
            transfer: None,
            skipped: None,
        });
        InputId(self.inputs.len() - 1)
    }

    /// Live counters of what this session has read, for showing progress from another thread.
    pub fn progress(&self) -> Arc<Progress> {
        self.progress.clone()
    }

    /// Inputs registered so far (the index the next one will have in the report).
    pub fn inputs_len(&self) -> usize {
        self.inputs.len()
    }

    /// Record that an input could not be read whole. The scan goes on; the report says so.
    pub fn fail_input(&mut self, id: InputId, e: Error) {
        self.inputs[id.0].errors.push(e);
    }

    /// Read and scan one input, overlapping reading with scanning.
    pub fn scan_input(&mut self, input: &Input) -> InputId {
        let src = Source::open(input, &self.scanner.opts.source);
        self.scan_source(&input.display(), src)
    }

    /// Scan an opened source (or record why it could not be opened) as the input `name`.
    pub fn scan_source(&mut self, name: &str, src: Result<Source>) -> InputId {
        let id = self.begin_input(name);
        let scanner = self.scanner;
        let mut src = match src {
            Ok(s) => s,
            Err(e) => {
                self.fail_input(id, e);
                return id;
            }
        };
        self.inputs[id.0].info = Some(src.info.clone());
        // Three stages overlap: reading batch k+2, scanning batch k+1's slices, and merging batch
        // k into the persons (the one serial step).
        let (inputs, persons, held) = (&mut self.inputs, &mut self.persons, &mut self.held);
        let (progress, bytes_done) = (self.progress.clone(), self.bytes_done);
        let acc = &mut inputs[id.0];
        let mut failure = None;
        scanner.pool.install(|| {
            let mut next = src.next();
            let mut carry: Vec<BatchOut> = Vec::new();
            loop {
                match next {
                    None => break,
                    Some(Err(e)) => {
                        failure = Some(e);
                        break;
                    }
                    Some(Ok(batch)) => {
                        let pending = std::mem::take(&mut carry);
                        let (n, (out, ())) = rayon::join(
                            || src.next(),
                            || {
                                rayon::join(
                                    || {
                                        let out = scan_slices(scanner, acc, id.0 as u32, &batch);
                                        route(scanner, acc, out)
                                    },
                                    || {
                                        for c in pending {
                                            persons.merge(c, held)
                                        }
                                    },
                                )
                            },
                        );
                        carry = out;
                        next = n;
                        progress.batch(bytes_done + src.bytes_read(), batch.num_rows() as u64, persons.keys());
                    }
                }
            }
            for c in carry {
                persons.merge(c, held);
            }
        });
        self.finish_input(id.0);
        if let Some(e) = failure {
            self.fail_input(id, e);
        }
        for e in src.soft_errors() {
            self.fail_input(id, e);
        }
        self.inputs[id.0].bytes = src.bytes_read();
        self.bytes_done += src.bytes_read();
        id
    }

    /// Take over another session of the same scanner: its inputs follow this one's, and its
    /// persons join this one's (rows sharing a key across the two are one person), exactly as if
    /// its inputs had been scanned here (exact persons only: a sketch cannot be merged). Lets a caller act on one input's persons alone (the
    /// ledger records objects one by one) and still report the whole run.
    pub fn absorb(&mut self, mut other: ScanSession<'_>) {
        assert!(std::ptr::eq(self.scanner, other.scanner), "sessions of different scanners");
        other.finish_all();
        let base = self.inputs.len() as u32;
        for mut h in other.held.drain(..) {
            h.input += base;
            self.held.push(h);
        }
        self.inputs.append(&mut other.inputs);
        match (&mut self.persons, &mut other.persons) {
            (Persons::Exact(a), Persons::Exact(b)) => a.merge(b),
            (Persons::Off, Persons::Off) => {}
            // A sketch keeps no keys to link: the caller scans into one session instead.
            _ => panic!("absorb needs exact persons (or none) in both sessions"),
        }
    }

    /// Scan one batch of an input.
    pub fn scan_batch(&mut self, id: InputId, batch: &RecordBatch) {
        let acc = &mut self.inputs[id.0];
        let out = scan_slices(self.scanner, acc, id.0 as u32, batch);
        for o in route(self.scanner, acc, out) {
            self.persons.merge(o, &mut self.held);
        }
    }

    /// Decide every input's columns (the gates of a short input are decided at its end) and let
    /// the final decisions take the keys held back: called before persons are read.
    fn finish_all(&mut self) {
        for i in 0..self.inputs.len() {
            self.finish_input(i);
        }
    }

    /// The end of input `i` (so far): decide its gates if the window was not filled, merge the
    /// batches waiting for them, and take the held keys and flags of the columns whose final
    /// decision holds their category. Columns whose provisional decision counted keys that the
    /// final one does not hold keep those categories in the report (`sticky`).
    fn finish_input(&mut self, i: usize) {
        let scanner = self.scanner;
        let acc = &mut self.inputs[i];
        if acc.gates.is_none() {
            let ready = decide(scanner, acc);
            for o in ready {
                self.persons.merge(o, &mut self.held);
            }
        }
        let acc = &mut self.inputs[i];
        let fin: Vec<u64> = acc.columns.iter().map(|c| column_bits(scanner, &acc.name, c, &c.tally)).collect();
        let mut gates = acc.gates.as_deref().cloned().unwrap_or_default();
        gates.resize(fin.len(), 0);
        acc.sticky = gates.iter().zip(&fin).map(|(g, f)| g & !f).collect();
        let opened: Vec<u64> = gates.iter().zip(&fin).map(|(g, f)| f & !g).collect();
        if opened.iter().any(|&b| b != 0) {
            let (take, keep): (Vec<Held>, Vec<Held>) = std::mem::take(&mut self.held).into_iter().partition(|h| {
                h.input == i as u32 && opened.get(h.col as usize).is_some_and(|&b| b & h.flags & category_mask() != 0)
            });
            self.held = keep;
            match &mut self.persons {
                Persons::Exact(p) => release_exact(p, take),
                Persons::Sketch(s) => release_sketch(s, take),
                Persons::Off => {}
            }
            for (g, o) in gates.iter_mut().zip(&opened) {
                *g |= o;
            }
            acc.gates = Some(Arc::new(gates));
        }
    }

    /// Distinct persons per category found so far: a person counts once for each category their
    /// rows carry; minors count under `minor`. Policies read it for lines such as "diagnosis data
    /// of more than 100,000 persons".
    /// In sketch mode these are upper 95% bounds.
    pub fn category_persons(&mut self) -> BTreeMap<String, u64> {
        self.finish_all();
        let mut out = BTreeMap::new();
        let profiles = match &mut self.persons {
            Persons::Exact(p) => p.profiles(),
            Persons::Sketch(s) => {
                for (bit, n) in s.by_bit() {
                    let name = if bit == 63 { "minor" } else { self.scanner.categories[bit as usize].as_str() };
                    out.insert(name.to_string(), n);
                }
                return out;
            }
            Persons::Off => return out,
        };
        for (flags, n) in profiles {
            for c in self.scanner.categories_of(flags) {
                *out.entry(c.to_string()).or_insert(0) += n;
            }
            if flags & MINOR_BIT != 0 {
                *out.entry("minor".to_string()).or_insert(0) += n;
            }
        }
        out
    }

    /// The exact person set (`None` in sketch mode or with counting off).
    pub fn persons(&mut self) -> Option<&mut PersonSet> {
        self.finish_all();
        match &mut self.persons {
            Persons::Exact(p) => Some(p),
            _ => None,
        }
    }

    /// Bytes the persons take: the exact set or the sketches.
    pub fn persons_bytes(&self) -> usize {
        match &self.persons {
            Persons::Exact(p) => p.approx_bytes(),
            Persons::Sketch(s) => s.approx_bytes(),
            Persons::Off => 0,
        }
    }

    pub fn scanner(&self) -> &'s Scanner {
        self.scanner
    }

    /// True when every input was read whole.
    pub fn complete(&self) -> bool {
        self.inputs.iter().all(|i| i.errors.is_empty())
    }

    /// Build the report (verdict and year-to-date are added by the policy and the ledger).
    /// The report's line for input `i` (what it is, how much was read, whether it was read whole).
    pub fn input_report(&self, i: usize) -> InputReport {
        self.inputs[i].report()
    }

    /// Input `id` is an object of a store at version `etag`; `transfer` is the ledger transfer
    /// that recorded it (now, or before when it is skipped).
    pub fn note_object(&mut self, id: InputId, etag: String, transfer: Option<u64>) {
        let acc = &mut self.inputs[id.0];
        acc.etag = Some(etag);
        acc.transfer = transfer;
    }

    /// Input `id` was not read, for `why` (the ledger holds this object at this version).
    pub fn mark_skipped(&mut self, id: InputId, why: &str) {
        self.inputs[id.0].skipped = Some(why.to_string());
    }

    pub fn report(&mut self) -> Report {
        self.finish_all();
        let scanner = self.scanner;
        let mut report = Report::new(scanner.opts.as_of);
        for acc in &self.inputs {
            report.inputs.push(acc.report());
            for (ci, col) in acc.columns.iter().enumerate() {
                let mut c = classify::classify(&scanner.catalogue, &scanner.classes, &acc.name, col);
                if let Some(&bits) = acc.sticky.get(ci).filter(|&&b| b != 0) {
                    let cats = scanner.categories_of(bits);
                    c = Some(classify::keep_counted(&scanner.classes, &acc.name, col, c, &cats, WINDOW_ROWS));
                }
                if let Some(c) = c {
                    report.columns.push(c);
                }
            }
        }
        report.important_data = classify::important_data(&report.columns);
        report.complete = report.inputs.iter().all(|i| i.complete);
        report.persons = match &mut self.persons {
            Persons::Exact(p) => PersonsReport::exact(p.counts(scanner.sensitive_mask())),
            Persons::Sketch(s) => PersonsReport::approximate(&s.counts()),
            Persons::Off => PersonsReport { method: "off".into(), ..PersonsReport::default() },
        };
        report
    }
}
