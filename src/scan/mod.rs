//! The scan engine: per batch, leaf columns are cut into slices that run in parallel on the
//! scanner's rayon pool; each slice fills its own tally and person-key list, which are merged once
//! per batch. Reading the next batch overlaps scanning the current one (`rayon::join`).

pub mod classify;
pub mod flatten;
pub mod tally;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{cast::AsArray, types, Array, ArrowPrimitiveType, PrimitiveArray, RecordBatch};
use arrow_schema::DataType;
use rayon::prelude::*;

use crate::detect::header::HeaderInfo;
use crate::detect::validators::{resident_id_birth_date, Ctx};
use crate::detect::{Catalogue, Worker, MAX_EXACT_LEN};
use crate::error::{Error, Result};
use crate::persons::{
    key_rank, normal_form, CategoryHasher, KeyHasher, KeyKind, PersonSet, PersonSketch, PersonsMode, CATEGORY_BITS,
    FALLBACK_RANK, MINOR_BIT, OWNER_BIT,
};
use crate::policy::{Class, Classes};
use crate::report::{InputReport, PersonsReport, Report};
use crate::source::{Input, InputInfo, Source, SourceOptions};
use crate::time::Date;
use flatten::{flatten, Leaf};
use tally::ColumnTally;

/// Values per parallel task.
const SLICE: usize = 4096;

/// Rows at the start of an input whose values decide, before the input ends, which columns its
/// persons come from (DESIGN.md: persons only from what the report shows). The keys of these
/// rows wait until the decision; later keys of a column that does not hold their category wait
/// until the input ends, when the final column decisions take or drop them. A fixed row count,
/// not a number of batches: the decision does not depend on the batch size.
const WINDOW_ROWS: u64 = 32_768;

/// How a scan runs.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Worker threads (reading overlaps scanning on the same pool).
    pub threads: usize,
    /// Put raw values in examples (`--show-values`); masked otherwise.
    pub show_values: bool,
    /// "Today": minors and dates of birth are judged against it.
    pub as_of: Date,
    pub source: SourceOptions,
    /// Exact (linked) or sketched person counts.
    pub persons: PersonsMode,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            threads: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            show_values: false,
            as_of: Date::today_cst(),
            source: SourceOptions::default(),
            persons: PersonsMode::Exact,
        }
    }
}

/// Builds a [`Scanner`].
#[derive(Default)]
pub struct ScannerBuilder {
    opts: ScanOptions,
    detector_dirs: Vec<PathBuf>,
    hasher: Option<KeyHasher>,
    classes: Option<Classes>,
    builtin: bool,
}

impl ScannerBuilder {
    pub fn threads(mut self, n: usize) -> Self {
        self.opts.threads = n.max(1);
        self
    }
    pub fn batch_size(mut self, n: usize) -> Self {
        self.opts.source.batch_size = n.max(1);
        self
    }
    pub fn as_of(mut self, d: Date) -> Self {
        self.opts.as_of = d;
        self
    }
    pub fn show_values(mut self, yes: bool) -> Self {
        self.opts.show_values = yes;
        self
    }
    /// Exact persons (the default) or a HyperLogLog sketch.
    pub fn persons_mode(mut self, m: PersonsMode) -> Self {
        self.opts.persons = m;
        self
    }
    pub fn source_options(mut self, o: SourceOptions) -> Self {
        self.opts.source = o;
        self
    }
    /// Add user detectors from a directory (a file with a built-in id replaces it).
    pub fn detectors_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.detector_dirs.push(dir.into());
        self
    }
    /// Only the user's detectors, no built-in ones.
    pub fn without_builtin_detectors(mut self) -> Self {
        self.builtin = false;
        self
    }
    /// The key for person-key hashes (the ledger's); random per run otherwise.
    pub fn key_hasher(mut self, h: KeyHasher) -> Self {
        self.hasher = Some(h);
        self
    }
    /// Category → class mapping (the policy's); GB/T 45574-2025 otherwise.
    pub fn classes(mut self, c: Classes) -> Self {
        self.classes = Some(c);
        self
    }

    pub fn build(self) -> Result<Scanner> {
        let ctx = Ctx { today: self.opts.as_of };
        let mut specs = if self.builtin { Catalogue::builtin_specs()? } else { Vec::new() };
        for d in &self.detector_dirs {
            specs.extend(Catalogue::load_dir(d)?);
        }
        let catalogue = Catalogue::build(specs, ctx)?;
        let mut categories: Vec<String> = catalogue.detectors.iter().map(|d| d.category().to_string()).collect();
        categories.sort();
        categories.dedup();
        let personal: Vec<String> =
            categories.into_iter().filter(|c| !c.starts_with("important:") && !c.starts_with("core:")).collect();
        if personal.len() > CATEGORY_BITS {
            return Err(Error::Usage(format!(
                "at most {CATEGORY_BITS} personal categories are supported, got {}",
                personal.len()
            )));
        }
        let classes = self.classes.unwrap_or_else(Classes::gb45574);
        // A category the policy calls not personal (organisation codes) marks no row: it can
        // make nobody a person.
        let bit_of = |c: &str| match personal.iter().position(|x| x == c) {
            Some(i) if classes.class_of(c) != Class::NotPersonal => 1u64 << i,
            _ => 0,
        };
        let cat_bits = catalogue.detectors.iter().map(|d| bit_of(d.category())).collect();
        let key_det = catalogue
            .detectors
            .iter()
            .map(|d| (d.spec.person_key || d.spec.fallback_key) && bit_of(d.category()) != 0)
            .collect();
        let text_key = catalogue.detectors.iter().map(|d| d.spec.key_in_text.unwrap_or(true)).collect();
        let key_rank = catalogue
            .detectors
            .iter()
            .map(|d| if d.spec.fallback_key { FALLBACK_RANK } else { key_rank(d.category()) })
            .collect();
        let key_kind = catalogue.detectors.iter().map(|d| KeyKind::of(d.category())).collect();
        let hasher = self.hasher.unwrap_or_else(KeyHasher::random);
        let key_hash = catalogue.detectors.iter().map(|d| hasher.category(d.category())).collect();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(self.opts.threads.max(1))
            .thread_name(|i| format!("xborder-scan-{i}"))
            .build()
            .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", self.opts.threads)))?;
        let workers = (0..self.opts.threads.max(1))
            .map(|_| std::sync::Mutex::new((catalogue.worker(), Vec::with_capacity(64))))
            .collect();
        Ok(Scanner {
            workers,
            catalogue: Arc::new(catalogue),
            pool,
            opts: self.opts,
            hasher,
            key_hash,
            classes,
            categories: personal,
            cat_bits,
            key_det,
            text_key,
            key_rank,
            key_kind,
        })
    }
}

/// A configured scanner: build once, scan many inputs or batches.
pub struct Scanner {
    catalogue: Arc<Catalogue>,
    /// Per pool thread: the regex worker and a key scratch buffer.
    workers: Vec<std::sync::Mutex<(Worker, Vec<u8>)>>,
    pool: rayon::ThreadPool,
    opts: ScanOptions,
    hasher: KeyHasher,
    classes: Classes,
    /// Personal categories; bit `i` of a row's flags is `categories[i]`.
    categories: Vec<String>,
    cat_bits: Vec<u64>,
    key_det: Vec<bool>,
    /// Per detector: a key of it found in free text counts a person.
    text_key: Vec<bool>,
    /// Per detector: which of a row's keys stands for the person in sketch mode (lowest wins).
    key_rank: Vec<u8>,
    /// Per detector: how its keys are normalised.
    key_kind: Vec<KeyKind>,
    /// Per detector: the hasher of its category's keys.
    key_hash: Vec<CategoryHasher>,
}

/// What a column's name says, computed once per column.
#[derive(Debug, Clone, Default)]
struct ColumnCtx {
    negative: bool,
    related: bool,
    /// Category bits the column name names (0: none). A value that validates only as another
    /// category there (an ID with a typo that happens to pass Luhn) is counted, not trusted.
    hinted: u64,
    /// The `header_required` detectors the name hints, asked before the priority order (they
    /// are asked nowhere else).
    first: Vec<crate::detect::DetectorId>,
    /// The `header_required` detectors the name hints (their own hints: `face_score` names a
    /// face but not a feature vector).
    required: Vec<crate::detect::DetectorId>,
    /// The name hints some detector (of any category).
    named: bool,
    /// A header-only detector whose values are keys when nothing better is in the row
    /// (`会员号`): every non-empty value of the column is one.
    fallback: Option<crate::detect::DetectorId>,
    /// The column's index in its input (keys and flags carry it to the column decisions).
    index: u32,
}

/// A person key found in a row: 32 bytes (a merge reads millions of them back).
struct KeyHit {
    /// The key hash: 96 bits, low word first (all the person set keeps).
    hash: [u32; 3],
    row: u32,
    /// Category bits, the minor bit and, for a key of the row's owner, the owner bit.
    flags: u64,
    /// The column it was found in (its index in the input).
    col: u32,
    rank: u8,
}

/// Category bits a value of a column gave its row (keys carry their own).
struct FlagHit {
    row: u32,
    col: u32,
    bits: u64,
}

impl KeyHit {
    #[inline]
    fn hash(&self) -> u128 {
        (self.hash[2] as u128) << 64 | (self.hash[1] as u128) << 32 | self.hash[0] as u128
    }

    /// A key of the row's owner (not one named in free text).
    #[inline]
    fn own(&self) -> bool {
        self.flags & OWNER_BIT != 0
    }
}

struct SliceOut {
    tally: ColumnTally,
    keys: Vec<KeyHit>,
    flags: Vec<FlagHit>,
    /// Every value of the slice lies in the input's first [`WINDOW_ROWS`] rows.
    in_window: bool,
}

impl Scanner {
    pub fn builder() -> ScannerBuilder {
        ScannerBuilder { opts: ScanOptions::default(), builtin: true, ..ScannerBuilder::default() }
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    pub fn options(&self) -> &ScanOptions {
        &self.opts
    }

    pub fn classes(&self) -> &Classes {
        &self.classes
    }

    /// Category bits the classes call sensitive.
    pub fn sensitive_mask(&self) -> u64 {
        self.categories
            .iter()
            .enumerate()
            .filter(|(_, c)| self.classes.class_of(c) == Class::Sensitive)
            .fold(0, |m, (i, _)| m | (1 << i))
    }

    /// Personal category names by flag bit (bit `i` is `category_names()[i]`).
    pub fn category_names(&self) -> &[String] {
        &self.categories
    }

    /// Categories whose bits a person's flags carry.
    pub fn categories_of(&self, flags: u64) -> Vec<&str> {
        self.categories.iter().enumerate().filter(|(i, _)| flags & (1 << i) != 0).map(|(_, c)| c.as_str()).collect()
    }

    pub fn hasher(&self) -> &KeyHasher {
        &self.hasher
    }

    /// Start feeding batches (library use).
    pub fn session(&self) -> ScanSession<'_> {
        let persons = match self.opts.persons {
            PersonsMode::Exact => Persons::Exact(PersonSet::new()),
            PersonsMode::Sketch => Persons::Sketch(Box::new(PersonSketch::new(self.sensitive_mask()))),
            PersonsMode::Off => Persons::Off,
        };
        ScanSession { scanner: self, inputs: Vec::new(), persons, held: Vec::new() }
    }

    /// Read and scan every input; an input that fails is recorded and the run goes on.
    pub fn scan_inputs(&self, inputs: &[Input]) -> ScanSession<'_> {
        let mut session = self.session();
        for input in inputs {
            session.scan_input(input);
        }
        session
    }

    fn run_slice(
        &self,
        w: &mut Worker,
        scratch: &mut Vec<u8>,
        leaf: &Leaf,
        col: &ColumnCtx,
        range: (usize, usize),
        base_row: u64,
    ) -> SliceOut {
        let n = self.catalogue.len();
        let mut out = SliceOut { tally: ColumnTally::new(n), keys: Vec::new(), flags: Vec::new(), in_window: false };
        let a = &leaf.array;
        let mut buf = itoa_buf();
        match a.data_type() {
            DataType::Utf8 => {
                let s = a.as_string::<i32>();
                // Numbers and timestamps written as text (a CSV price or event-time column) are
                // judged as typed columns are: only where the column name hints a category.
                if !col.named {
                    if let Some(n) = typed_text(s, range) {
                        out.tally.skipped += n;
                        return out;
                    }
                }
                let mut text = TextCells::default();
                let mut seen = 0usize;
                for i in range.0..range.1 {
                    if s.is_null(i) {
                        continue;
                    }
                    let row = leaf.row_of(i);
                    if row == u32::MAX {
                        continue;
                    }
                    seen += 1;
                    // Where most values so far were free text, a value met before in the slice
                    // was judged already (no detector took it): only its cell is recorded.
                    // Template notes repeat thousands of times.
                    if text.dedupe && text.cells.len() * 2 >= seen {
                        if let Some(u) = text.repeat(trim(s.value(i))) {
                            out.tally.values += 1;
                            out.tally.text_values += text.texty[u as usize] as u64;
                            text.cells.push((row, i, u));
                            continue;
                        }
                    }
                    if let Some((t, kw, texty)) = self.cell(scratch, s.value(i), row, i, col, base_row, &mut out) {
                        text.push(t, row, i, kw, texty);
                    }
                }
                self.text_cells(w, scratch, &text, col, base_row, &mut out);
            }
            DataType::Int64 => {
                self.ints::<types::Int64Type>(scratch, a.as_primitive(), leaf, col, range, base_row, &mut out, &mut buf)
            }
            DataType::UInt64 => self.ints::<types::UInt64Type>(
                scratch,
                a.as_primitive(),
                leaf,
                col,
                range,
                base_row,
                &mut out,
                &mut buf,
            ),
            DataType::Int32
            | DataType::Int16
            | DataType::Int8
            | DataType::UInt32
            | DataType::UInt16
            | DataType::UInt8 => {
                // Too small to hold any identifier.
                out.tally.skipped += non_null(a.as_ref(), range);
            }
            // Floats and dates are judged only where the column name hints a detector (`lat`,
            // `经度`, `出生日期`): prices, measures and event dates stay unread.
            DataType::Float64 | DataType::Float32 | DataType::Date32 | DataType::Date64 if col.named => {
                let fmt = arrow_cast::display::FormatOptions::default();
                let Ok(f) = arrow_cast::display::ArrayFormatter::try_new(a.as_ref(), &fmt) else { return out };
                for i in range.0..range.1 {
                    let row = leaf.row_of(i);
                    if a.is_null(i) || row == u32::MAX {
                        continue;
                    }
                    use std::fmt::Write;
                    buf.clear();
                    let _ = write!(buf, "{}", f.value(i));
                    let s = std::mem::take(&mut buf);
                    let _ = self.cell(scratch, &s, row, i, col, base_row, &mut out);
                    buf = s;
                }
            }
            DataType::Null => {}
            _ => out.tally.skipped += non_null(a.as_ref(), range),
        }
        out
    }

    /// Integer columns: only numbers long enough to be a phone or a card number are checked.
    #[allow(clippy::too_many_arguments)]
    fn ints<T: ArrowPrimitiveType>(
        &self,
        scratch: &mut Vec<u8>,
        a: &PrimitiveArray<T>,
        leaf: &Leaf,
        col: &ColumnCtx,
        range: (usize, usize),
        base_row: u64,
        out: &mut SliceOut,
        buf: &mut String,
    ) where
        T::Native: std::fmt::Display + Into<i128>,
    {
        for i in range.0..range.1 {
            if a.is_null(i) {
                continue;
            }
            let row = leaf.row_of(i);
            if row == u32::MAX {
                continue;
            }
            let v: i128 = a.value(i).into();
            if v >= 10_000_000_000 {
                use std::fmt::Write;
                buf.clear();
                let _ = write!(buf, "{v}");
                let s = std::mem::take(buf);
                // A number is never free text: only the whole value is judged.
                let _ = self.cell(scratch, &s, row, i, col, base_row, out);
                *buf = s;
            } else {
                out.tally.values += 1;
            }
        }
    }

    /// Judge a whole value. Returns the trimmed value when it must also be searched as free
    /// text (no whole-value hit, and it holds a digit or an `@`, or it is text), whether it
    /// may hold a dictionary term (a letter or a non-ASCII character), and whether it counts as
    /// text (long, or holding a space or a non-ASCII character).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn cell<'v>(
        &self,
        scratch: &mut Vec<u8>,
        v: &'v str,
        row: u32,
        idx: usize,
        col: &ColumnCtx,
        base_row: u64,
        out: &mut SliceOut,
    ) -> Option<(&'v str, bool, bool)> {
        let t = trim(v);
        if t.is_empty() {
            return None;
        }
        let cat = &*self.catalogue;
        out.tally.values += 1;
        if let Some(d) = col.fallback {
            // The column name decides (no value pattern exists); a key of the row's owner only.
            if !col.related {
                self.push_key(d as usize, t, row, col.index, true, scratch, out);
            }
            return None;
        }
        if let Some(d) = cat.exact_first(t, &col.first) {
            let di = d as usize;
            out.tally.exact[di] += 1;
            out.tally.example(di, (base_row + row as u64, idx as u64), || self.show(di, t));
            // Counted, not trusted: a column whose name says non-personal, a value that only
            // validates as another category than the name says, or a detector that needs the
            // name (any date is shaped like a birth date) under a name that does not say so.
            let det = cat.get(d);
            if col.negative
                || (col.hinted != 0 && col.hinted & self.cat_bits[di] == 0)
                || (det.header_required && !col.required.contains(&d))
            {
                return None;
            }
            if self.key_det[di] {
                // The key carries its category to its person; the row needs no flag for it.
                self.push_key(di, t, row, col.index, !col.related, scratch, out);
                return None;
            }
            if !col.related {
                out.flags.push(FlagHit { row, col: col.index, bits: self.cat_bits[di] });
            }
            // One value, two categories: where the name says nothing, the column's other values
            // decide (the column decision keeps the key only where the column holds its category).
            if col.hinted == 0 {
                if let Some(a) = cat.exact_alternate(t, d, &self.key_det) {
                    out.tally.alt[a as usize] += 1;
                    self.push_key(a as usize, t, row, col.index, !col.related, scratch, out);
                }
            }
            return None;
        }
        use crate::detect::class::*;
        let classes = crate::detect::classes_of(t.as_bytes());
        let texty = t.len() > MAX_EXACT_LEN || classes & (NON_ASCII | SPACE) != 0;
        let candidate = classes & (DIGIT | AT) != 0;
        let wordy = classes & (UPPER | LOWER | NON_ASCII) != 0;
        if texty {
            out.tally.text_values += 1;
        }
        // Dictionary terms (diagnoses, credit words) need no digit: every free-text value goes.
        ((candidate && cat.has_text_detectors()) || (texty && cat.has_text_keywords())).then_some((t, wordy, texty))
    }

    /// Search the collected free-text values of a slice in one pass. A value repeated in the
    /// slice is searched once and its findings are applied to every cell holding it.
    fn text_cells(
        &self,
        w: &mut Worker,
        scratch: &mut Vec<u8>,
        text: &TextCells,
        col: &ColumnCtx,
        base_row: u64,
        out: &mut SliceOut,
    ) {
        if text.cells.is_empty() {
            return;
        }
        let mut apply = |row: u32, idx: usize, d: crate::detect::DetectorId, s: &str| {
            let di = d as usize;
            out.tally.text[di] += 1;
            out.tally.example(di, (base_row + row as u64, idx as u64), || self.show(di, s));
            if col.negative {
                return;
            }
            if self.key_det[di] {
                // A key in free text names someone, not the row's owner.
                if self.text_key[di] {
                    self.push_key(di, s, row, col.index, false, scratch, out);
                }
            } else {
                out.flags.push(FlagHit { row, col: col.index, bits: self.cat_bits[di] });
            }
        };
        if text.ranges.len() == text.cells.len() {
            // Every value distinct: findings go straight to their cell.
            self.catalogue.find_in_cells(w, &text.buf, &text.ranges, Some(&text.wordy), |ci, d, s| {
                let (row, idx, _) = text.cells[ci];
                apply(row, idx, d, s);
            });
            return;
        }
        let mut hits: Vec<(u32, crate::detect::DetectorId, u32, u32)> = Vec::new();
        let base = text.buf.as_ptr() as usize;
        self.catalogue.find_in_cells(w, &text.buf, &text.ranges, Some(&text.wordy), |ui, d, s| {
            let start = (s.as_ptr() as usize - base) as u32;
            hits.push((ui as u32, d, start, start + s.len() as u32));
        });
        if hits.is_empty() {
            return;
        }
        // Findings by distinct value, each value's in the order found (a detector's findings in a
        // cell stay in text order, so the examples kept are those of a search per cell).
        hits.sort_by_key(|h| h.0);
        let mut first = vec![u32::MAX; text.ranges.len() + 1];
        for (k, h) in hits.iter().enumerate().rev() {
            first[h.0 as usize] = k as u32;
        }
        for &(row, idx, ui) in &text.cells {
            let mut k = first[ui as usize];
            if k == u32::MAX {
                continue;
            }
            while let Some(&(u, d, s, e)) = hits.get(k as usize) {
                if u != ui {
                    break;
                }
                apply(row, idx, d, &text.buf[s as usize..e as usize]);
                k += 1;
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push_key(&self, di: usize, s: &str, row: u32, col: u32, own: bool, scratch: &mut Vec<u8>, out: &mut SliceOut) {
        if self.opts.persons == PersonsMode::Off {
            // Nothing is counted: no normalising or hashing either (what counting costs).
            return;
        }
        let kind = self.key_kind[di];
        let Some(key) = normal_form(kind, s, scratch) else { return };
        let mut flags = self.cat_bits[di];
        if kind == KeyKind::ResidentId {
            if let Some(b) = resident_id_birth_date(key) {
                // PIPL Art. 28: all personal information of a minor under 14 is sensitive.
                if b.age_on(self.opts.as_of) < 14 {
                    flags |= MINOR_BIT;
                }
            }
        }
        if own {
            flags |= OWNER_BIT;
        }
        let h = self.key_hash[di].hash(key);
        out.keys.push(KeyHit {
            hash: [h as u32, (h >> 32) as u32, (h >> 64) as u32],
            row,
            flags,
            col,
            rank: self.key_rank[di],
        });
    }

    fn show(&self, di: usize, s: &str) -> String {
        if self.opts.show_values {
            s.to_string()
        } else {
            crate::detect::mask::mask(self.catalogue.detectors[di].mask, s)
        }
    }
}

/// Values of `a` in `range` that are not null.
fn non_null(a: &dyn Array, range: (usize, usize)) -> u64 {
    (range.1 - range.0 - a.slice(range.0, range.1 - range.0).null_count()) as u64
}

/// How many values of `s` in `range` there are, when all those not null (at least one) are
/// decimal numbers or timestamps, as a typed column would hold them. Such text is read as typed
/// data is: no identifier has these shapes (an integer may be a phone or an ID number: integers
/// stay text).
fn typed_text(s: &arrow_array::StringArray, range: (usize, usize)) -> Option<u64> {
    let mut n = 0;
    for i in range.0..range.1 {
        if s.is_null(i) {
            continue;
        }
        if !(decimal_shape(s.value(i).as_bytes()) || timestamp_shape(s.value(i).as_bytes())) {
            return None;
        }
        n += 1;
    }
    (n > 0).then_some(n)
}

/// `-?[0-9]{1,18}\.[0-9]{1,18}`: a decimal number with a fraction (a price, a measure).
fn decimal_shape(b: &[u8]) -> bool {
    let b = b.strip_prefix(b"-").unwrap_or(b);
    let Some(dot) = b.iter().position(|&c| c == b'.') else { return false };
    let (int, frac) = (&b[..dot], &b[dot + 1..]);
    (1..=18).contains(&int.len()) && (1..=18).contains(&frac.len()) && int.iter().chain(frac).all(u8::is_ascii_digit)
}

/// `YYYY-MM-DD` or `YYYY/MM/DD`, optionally followed by a time `[ T]hh:mm[:ss[.f{1,9}]]` and a
/// zone (`Z`, `±hh:mm`, `±hhmm`).
fn timestamp_shape(b: &[u8]) -> bool {
    let digits = |r: &[u8]| !r.is_empty() && r.iter().all(u8::is_ascii_digit);
    if b.len() < 10 || !digits(&b[..4]) || !digits(&b[5..7]) || !digits(&b[8..10]) {
        return false;
    }
    if !matches!((b[4], b[7]), (b'-', b'-') | (b'/', b'/')) {
        return false;
    }
    let mut rest = &b[10..];
    if rest.is_empty() {
        return true;
    }
    // The time.
    if rest.len() < 6
        || !matches!(rest[0], b' ' | b'T')
        || !digits(&rest[1..3])
        || rest[3] != b':'
        || !digits(&rest[4..6])
    {
        return false;
    }
    rest = &rest[6..];
    if rest.len() >= 3 && rest[0] == b':' && digits(&rest[1..3]) {
        rest = &rest[3..];
        if rest.first() == Some(&b'.') {
            let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if !(1..=9).contains(&n) {
                return false;
            }
            rest = &rest[1 + n..];
        }
    }
    // The zone.
    match rest {
        [] | [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] | [b'+' | b'-', h1, h2, m1, m2] => {
            [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
        }
        _ => false,
    }
}

/// `str::trim`, skipped when the value plainly needs none (the common case).
#[inline]
fn trim(v: &str) -> &str {
    if space_at_start(v.as_bytes()) || space_at_end(v.as_bytes()) {
        v.trim()
    } else {
        v
    }
}

/// Might `b` start with a character `str::trim` removes? (ASCII control bytes say yes too:
/// `trim` then decides.) Chinese text starts with no such character, so it is not decoded.
#[inline]
fn space_at_start(b: &[u8]) -> bool {
    matches!(
        b,
        [..=b' ', ..]
            | [0xC2, 0x85 | 0xA0, ..]
            | [0xE1, 0x9A, 0x80, ..]
            | [0xE2, 0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF, ..]
            | [0xE2, 0x81, 0x9F, ..]
            | [0xE3, 0x80, 0x80, ..]
    )
}

/// Might `b` end with a character `str::trim` removes?
#[inline]
fn space_at_end(b: &[u8]) -> bool {
    matches!(
        b,
        [.., ..=b' ']
            | [.., 0xC2, 0x85 | 0xA0]
            | [.., 0xE1, 0x9A, 0x80]
            | [.., 0xE2, 0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF]
            | [.., 0xE2, 0x81, 0x9F]
            | [.., 0xE3, 0x80, 0x80]
    )
}

fn itoa_buf() -> String {
    String::with_capacity(24)
}

/// Free-text values of a slice, newline-separated in one buffer for a single regex pass. Repeated
/// values (notes from a template, a status word) are kept once while repeats are common.
struct TextCells<'a> {
    buf: String,
    /// Byte range of each distinct value in `buf`.
    ranges: Vec<(u32, u32)>,
    /// (row, value index, distinct value) of each cell.
    cells: Vec<(u32, usize, u32)>,
    /// Per distinct value: it may hold a dictionary term (a letter or a non-ASCII character).
    wordy: Vec<bool>,
    /// Per distinct value: it counts as text ([`Scanner::cell`]).
    texty: Vec<bool>,
    seen: HashMap<&'a str, u32, foldhash::fast::FixedState>,
    dedupe: bool,
}

/// After this many cells a slice whose values are mostly distinct stops looking for repeats.
const DEDUPE_PROBE: usize = 256;

impl<'a> Default for TextCells<'a> {
    fn default() -> Self {
        TextCells {
            buf: String::new(),
            ranges: Vec::new(),
            cells: Vec::new(),
            wordy: Vec::new(),
            texty: Vec::new(),
            seen: HashMap::with_hasher(foldhash::fast::FixedState::default()),
            dedupe: true,
        }
    }
}

impl<'a> TextCells<'a> {
    /// The distinct value equal to `t`, when there is one (and repeats are looked for).
    #[inline]
    fn repeat(&self, t: &str) -> Option<u32> {
        if self.seen.is_empty() {
            return None;
        }
        self.seen.get(t).copied()
    }

    fn push(&mut self, t: &'a str, row: u32, idx: usize, wordy: bool, texty: bool) {
        let next = self.ranges.len() as u32;
        if self.dedupe {
            match self.seen.entry(t) {
                std::collections::hash_map::Entry::Occupied(e) => {
                    self.cells.push((row, idx, *e.get()));
                    return;
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(next);
                }
            }
            if self.cells.len() == DEDUPE_PROBE && self.ranges.len() * 4 > DEDUPE_PROBE * 3 {
                self.dedupe = false;
                self.seen = HashMap::default();
            }
        }
        let start = self.buf.len() as u32;
        self.buf.push_str(t);
        self.ranges.push((start, self.buf.len() as u32));
        self.buf.push('\n');
        self.cells.push((row, idx, next));
        self.wordy.push(wordy);
        self.texty.push(texty);
    }
}

/// Accumulated state of one input.
pub(crate) struct InputAcc {
    pub name: String,
    pub info: Option<InputInfo>,
    pub rows: u64,
    pub bytes: u64,
    pub errors: Vec<Error>,
    pub columns: Vec<ColumnAcc>,
    by_path: HashMap<String, usize>,
    /// Per column, the category bits whose keys and flags it gives persons; `None` until the
    /// first [`WINDOW_ROWS`] rows are scanned (or the input ends).
    gates: Option<Arc<Vec<u64>>>,
    /// Batches scanned before the gates were decided.
    pending: Vec<BatchOut>,
    /// Per column, bits whose keys were counted by the provisional decision although the final
    /// one does not hold them: the report shows them, so that it tells the count's story.
    sticky: Vec<u64>,
}

pub(crate) struct ColumnAcc {
    pub path: String,
    pub header: HeaderInfo,
    ctx: ColumnCtx,
    pub tally: ColumnTally,
    /// The tally of the input's first [`WINDOW_ROWS`] rows (the provisional decision).
    window: ColumnTally,
}

impl InputAcc {
    fn column(&mut self, path: &str, cat: &Catalogue, cat_bits: &[u64]) -> usize {
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
}

/// A key or flag held back from the persons (see [`ScanSession::held`]).
struct Held {
    input: u32,
    col: u32,
    /// Row in the input.
    row: u64,
    /// The key's hash, or `None` for a flag.
    key: Option<u128>,
    flags: u64,
    /// A key of the row's owner, or a flag of the row.
    own: bool,
    /// An own key of the same row that was merged (its person is this row's), if any.
    anchor: Option<u128>,
    /// With no anchor: the bits the row was counted with as a row without a key (0: it was not
    /// counted at all).
    unlinked: u64,
}

/// The persons of a session, by [`PersonsMode`].
enum Persons {
    Exact(PersonSet),
    Sketch(Box<PersonSketch>),
    Off,
}

impl Persons {
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
pub struct InputId(usize);

impl<'s> ScanSession<'s> {
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
        });
        InputId(self.inputs.len() - 1)
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
    pub fn report(&mut self) -> Report {
        self.finish_all();
        let scanner = self.scanner;
        let mut report = Report::new(scanner.opts.as_of);
        for acc in &self.inputs {
            report.inputs.push(InputReport {
                path: crate::error::sanitize_name(&acc.name),
                format: acc.info.as_ref().map(|i| i.format.to_string()),
                encoding: acc.info.as_ref().and_then(|i| i.encoding.clone()),
                compression: acc.info.as_ref().and_then(|i| i.compression.map(str::to_string)),
                rows: acc.rows,
                bytes: acc.bytes,
                complete: acc.errors.is_empty(),
                errors: acc.errors.iter().map(|e| e.to_string()).collect(),
                etag: None,
                skipped: None,
                transfer: None,
            });
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
        report.persons = match &mut self.persons {
            Persons::Exact(p) => PersonsReport::exact(p.counts(scanner.sensitive_mask())),
            Persons::Sketch(s) => PersonsReport::approximate(&s.counts()),
            Persons::Off => PersonsReport { method: "off".into(), ..PersonsReport::default() },
        };
        report
    }
}

/// What the slices of one batch found, before it is merged into the persons.
struct BatchOut {
    rows: usize,
    slices: Vec<SliceOut>,
    /// Rows of the input before this batch.
    base: u64,
    input: u32,
    /// The input's column gates (set when the batch is routed to the persons).
    gates: Arc<Vec<u64>>,
}

impl BatchOut {
    /// Is category `bits` of column `col` one the column gives persons?
    #[inline]
    fn open(&self, col: u32, bits: u64) -> bool {
        self.gates.get(col as usize).is_some_and(|&g| g & bits & category_mask() != 0)
    }
}

/// The category bits of a flag word (without the minor and owner bits).
#[inline]
const fn category_mask() -> u64 {
    (1u64 << CATEGORY_BITS) - 1
}

/// Scan a batch's slices in parallel and merge their tallies into the input's columns.
fn scan_slices(scanner: &Scanner, acc: &mut InputAcc, input: u32, batch: &RecordBatch) -> BatchOut {
    let cat = &*scanner.catalogue;
    let leaves = flatten(batch);
    let cols: Vec<usize> = leaves.iter().map(|l| acc.column(&l.path, cat, &scanner.cat_bits)).collect();
    let ctxs: Vec<ColumnCtx> = cols.iter().map(|&c| acc.columns[c].ctx.clone()).collect();
    let base = acc.rows;
    // Tasks never straddle the end of the window: its tallies are exact at any batch size.
    let cut = WINDOW_ROWS.saturating_sub(base).min(u32::MAX as u64) as u32;
    let mut tasks = Vec::new();
    for (li, leaf) in leaves.iter().enumerate() {
        let n = leaf.array.len();
        let split = if cut == 0 {
            0
        } else {
            (0..n).find(|&i| leaf.row_of(i) != u32::MAX && leaf.row_of(i) >= cut).unwrap_or(n)
        };
        for (lo, hi, w) in [(0, split, true), (split, n, false)] {
            let mut s = lo;
            while s < hi {
                let e = (s + SLICE).min(hi);
                tasks.push((li, s, e, w));
                s = e;
            }
        }
    }
    let mut slices: Vec<SliceOut> = scanner.pool.install(|| {
        tasks
            .par_iter()
            .map(|&(li, s, e, w)| {
                // One worker per pool thread for the scanner's life: its regex cache stays warm
                // across batches. The lock is only ever taken by its own thread.
                let slot = rayon::current_thread_index().unwrap_or(0) % scanner.workers.len();
                let mut guard = scanner.workers[slot].lock().unwrap_or_else(|p| p.into_inner());
                let (wk, scratch) = &mut *guard;
                let mut out = scanner.run_slice(wk, scratch, &leaves[li], &ctxs[li], (s, e), base);
                out.in_window = w;
                out
            })
            .collect()
    });
    for (o, &(li, _, _, _)) in slices.iter_mut().zip(&tasks) {
        let c = &mut acc.columns[cols[li]];
        c.tally += &o.tally;
        if o.in_window {
            c.window += &o.tally;
        }
        // The tallies are merged; the persons need only keys and flags.
        o.tally = ColumnTally::default();
    }
    acc.rows += batch.num_rows() as u64;
    BatchOut { rows: batch.num_rows(), slices, base, input, gates: Arc::new(Vec::new()) }
}

/// The category bits of the persons' categories a column's decision (on `tally`) holds.
fn column_bits(scanner: &Scanner, input: &str, col: &ColumnAcc, tally: &ColumnTally) -> u64 {
    let view = ColumnAcc {
        path: col.path.clone(),
        header: col.header.clone(),
        ctx: col.ctx.clone(),
        tally: tally.clone(),
        window: ColumnTally::default(),
    };
    let Some(r) = classify::classify(&scanner.catalogue, &scanner.classes, input, &view) else { return 0 };
    r.categories.iter().filter_map(|c| scanner.categories.iter().position(|x| x == c)).fold(0, |m, i| m | 1u64 << i)
}

/// Decide an input's gates on its window's tallies and hand back the batches that waited.
fn decide(scanner: &Scanner, acc: &mut InputAcc) -> Vec<BatchOut> {
    let gates: Vec<u64> = acc.columns.iter().map(|c| column_bits(scanner, &acc.name, c, &c.window)).collect();
    let gates = Arc::new(gates);
    acc.gates = Some(gates.clone());
    let mut ready = std::mem::take(&mut acc.pending);
    for o in &mut ready {
        o.gates = gates.clone();
    }
    ready
}

/// A scanned batch on its way to the persons: it waits while the input's gates are undecided;
/// the batch that completes the window decides them and releases every batch waiting.
fn route(scanner: &Scanner, acc: &mut InputAcc, mut out: BatchOut) -> Vec<BatchOut> {
    match &acc.gates {
        Some(g) => {
            if g.len() < acc.columns.len() {
                // A column first seen after the decision: decided on what it has shown so far.
                let mut v = (**g).clone();
                for c in &acc.columns[v.len()..] {
                    v.push(column_bits(scanner, &acc.name, c, &c.tally));
                }
                acc.gates = Some(Arc::new(v));
            }
            out.gates = acc.gates.clone().expect("decided");
            vec![out]
        }
        None => {
            acc.pending.push(out);
            if acc.rows >= WINDOW_ROWS {
                decide(scanner, acc)
            } else {
                Vec::new()
            }
        }
    }
}

/// Sketch mode: each row counts once under its strongest own key, with the row's categories and
/// the flags of all its keys; a key in free text counts under itself; rows with personal data and
/// no key are counted exactly as unlinked rows. Keys and flags of columns whose decision does
/// not hold them are held back (see [`release_sketch`]).
fn merge_sketch(s: &mut PersonSketch, out: BatchOut, held: &mut Vec<Held>) {
    let n = out.rows;
    let mut row_bits = row_flags(&out, held);
    // Per row: (rank, key) of its strongest own key.
    let mut row_key: Vec<Option<(u8, u128)>> = vec![None; n];
    for o in &out.slices {
        for k in &o.keys {
            if !out.open(k.col, k.flags) {
                held.push(hold_key(&out, k));
                continue;
            }
            if k.own() {
                let r = k.row as usize;
                row_bits[r] |= k.flags;
                if row_key[r].is_none_or(|best| (k.rank, k.hash()) < best) {
                    row_key[r] = Some((k.rank, k.hash()));
                }
            } else {
                s.add(k.hash(), k.flags);
            }
        }
    }
    for r in 0..n {
        match row_key[r] {
            Some((_, key)) => s.add(key, row_bits[r] | OWNER_BIT),
            None if row_bits[r] != 0 => s.add_unlinked(row_bits[r]),
            None => {}
        }
    }
}

/// A held key (anchor and unlinked bits are filled in by the caller where it knows them).
fn hold_key(out: &BatchOut, k: &KeyHit) -> Held {
    Held {
        input: out.input,
        col: k.col,
        row: out.base + k.row as u64,
        key: Some(k.hash()),
        flags: k.flags,
        own: k.own(),
        anchor: None,
        unlinked: 0,
    }
}

/// Sketch mode, at an input's end: held keys and flags whose column the final decision holds are
/// counted as persons of their own. Rows are not linked in a sketch, so this can only count
/// more: the sketch is an upper bound.
fn release_sketch(s: &mut PersonSketch, take: Vec<Held>) {
    for h in take {
        match h.key {
            Some(k) => s.add(k, h.flags),
            None => s.add_unlinked(h.flags),
        }
    }
}

/// Per row of a batch: the category bits its values flagged in columns that give persons them
/// (keys carry their own); the others are held back.
fn row_flags(out: &BatchOut, held: &mut Vec<Held>) -> Vec<u64> {
    let mut row_bits = vec![0u64; out.rows];
    for o in &out.slices {
        for f in &o.flags {
            if out.open(f.col, f.bits) {
                row_bits[f.row as usize] |= f.bits;
            } else {
                held.push(Held {
                    input: out.input,
                    col: f.col,
                    row: out.base + f.row as u64,
                    key: None,
                    flags: f.bits,
                    own: true,
                    anchor: None,
                    unlinked: 0,
                });
            }
        }
    }
    row_bits
}

/// Persons: keys of one row are one person; a row's other categories go to that person, or make
/// it an unlinked row when it has no key. Only keys and flags of columns whose decision holds
/// their category count; the others are held back with what the row was counted as, so that the
/// input's final decisions can still take them ([`release_exact`]).
fn merge_persons(p: &mut PersonSet, out: BatchOut, held: &mut Vec<Held>) {
    let n = out.rows;
    let first_held = held.len();
    let mut row_bits = row_flags(&out, held);
    let mut row_node = vec![u32::MAX; n];
    // The table is far larger than the caches: the slot of the key a few places on is fetched
    // while this one is looked up, so the misses overlap.
    const AHEAD: usize = 16;
    let mut keys: Vec<&KeyHit> = Vec::with_capacity(out.slices.iter().map(|o| o.keys.len()).sum());
    for k in out.slices.iter().flat_map(|o| &o.keys) {
        if out.open(k.col, k.flags) {
            keys.push(k);
        } else {
            held.push(hold_key(&out, k));
        }
    }
    if keys.iter().any(|k| k.rank == FALLBACK_RANK) {
        // A fallback key (plate, membership number) is a key only in a row without a better one;
        // beside one it is a category of that row's person.
        let mut strong = vec![false; n];
        for k in keys.iter().filter(|k| k.own() && k.rank != FALLBACK_RANK) {
            strong[k.row as usize] = true;
        }
        keys.retain(|k| {
            let drop = k.rank == FALLBACK_RANK && (!k.own() || strong[k.row as usize]);
            if drop && k.own() {
                row_bits[k.row as usize] |= k.flags & !OWNER_BIT;
            }
            !drop
        });
    }
    let mut nodes = Vec::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        if let Some(next) = keys.get(i + AHEAD) {
            p.prefetch_key(next.hash());
        }
        nodes.push(p.node(k.hash()));
    }
    // Per row with held entries: an own key that was merged, to link them to later.
    let anchors: Option<HashMap<u32, u128>> = (held.len() > first_held).then(|| {
        let mut m = HashMap::new();
        for k in keys.iter().filter(|k| k.own()) {
            m.entry(k.row).or_insert(k.hash());
        }
        m
    });
    for (i, k) in keys.iter().enumerate() {
        if let Some(&next) = nodes.get(i + AHEAD) {
            p.prefetch(next);
        }
        let node = nodes[i];
        if k.own() {
            // The row's flags go to its person once, after its keys are linked.
            let r = k.row as usize;
            row_bits[r] |= k.flags;
            row_node[r] = if row_node[r] == u32::MAX { node } else { p.union(row_node[r], node) };
        } else {
            p.add_flags(node, k.flags);
        }
    }
    for r in 0..n {
        if row_bits[r] == 0 {
            continue;
        }
        if row_node[r] != u32::MAX {
            p.add_flags(row_node[r], row_bits[r]);
        } else {
            p.add_unlinked(row_bits[r]);
        }
    }
    if let Some(anchors) = anchors {
        for h in &mut held[first_held..] {
            let r = (h.row - out.base) as u32;
            h.anchor = anchors.get(&r).copied();
            if h.anchor.is_none() {
                h.unlinked = row_bits[r as usize];
            }
        }
    }
}

/// Exact persons, at an input's end: the held keys and flags whose column the final decision
/// holds join the persons as if they had been merged with their rows — linked to the row's
/// merged key, or making a row that was counted without a key (or not at all) a person of its
/// own.
fn release_exact(p: &mut PersonSet, mut take: Vec<Held>) {
    take.sort_by_key(|h| (h.input, h.row));
    for group in take.chunk_by(|a, b| (a.input, a.row) == (b.input, b.row)) {
        let mut node = group.iter().find_map(|h| h.anchor).map(|a| p.node(a));
        let mut bits = 0;
        let mut counted_unlinked = 0;
        for h in group {
            if !h.own {
                if let Some(k) = h.key {
                    let n = p.node(k);
                    p.add_flags(n, h.flags);
                }
                continue;
            }
            counted_unlinked |= h.unlinked;
            bits |= h.flags;
            if let Some(k) = h.key {
                let n = p.node(k);
                node = Some(match node {
                    Some(m) => p.union(m, n),
                    None => n,
                });
            }
        }
        let had_anchor = group.iter().any(|h| h.anchor.is_some());
        match node {
            Some(n) => {
                if !had_anchor && counted_unlinked != 0 {
                    // The row was an unlinked row; now it has a key.
                    p.remove_unlinked(counted_unlinked);
                    bits |= counted_unlinked;
                }
                p.add_flags(n, bits);
            }
            None if bits != 0 => {
                if counted_unlinked != 0 {
                    p.remove_unlinked(counted_unlinked);
                }
                p.add_unlinked((bits | counted_unlinked) & !OWNER_BIT);
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::StringArray;

    #[test]
    fn trims_like_str_trim() {
        // Every whitespace character `str::trim` knows, at either end, alone and around text.
        let spaces: Vec<char> = (0..=0x3000u32).filter_map(char::from_u32).filter(|c| c.is_whitespace()).collect();
        assert_eq!(spaces.len(), 25);
        for &c in &spaces {
            for v in [format!("{c}张三"), format!("张三{c}"), format!("{c}a{c}"), c.to_string()] {
                assert_eq!(trim(&v), v.trim(), "{v:?}");
            }
        }
        for v in ["张三", "a", "", "\u{3001}张\u{3002}", "x\u{200B}", "\u{FEFF}x"] {
            assert_eq!(trim(v), v.trim(), "{v:?}");
        }
    }

    #[test]
    fn typed_shapes() {
        for ok in ["792.86", "-0.5", "0.000001", "123456789012345678.5"] {
            assert!(decimal_shape(ok.as_bytes()), "{ok}");
        }
        for bad in ["13812345678", "792", ".5", "5.", "1.2.3", "1,5", "1e5", "+1.5", "39.9042,116.4074", "¥7.5"] {
            assert!(!decimal_shape(bad.as_bytes()), "{bad}");
        }
        for ok in [
            "2025-12-20",
            "2025/12/20",
            "2025-12-20 06:21:55",
            "2025-12-20T06:21",
            "2025-12-20T06:21:55.123Z",
            "2025-12-20T06:21:55+08:00",
            "2025-12-20 06:21:55-0500",
        ] {
            assert!(timestamp_shape(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "20251220",
            "2025-12/20",
            "2025-12-20 06",
            "2025-12-20 06:21:55 13812345678",
            "2025-12-20T06:21:55.Z",
            "2025-12-20 06:21:55+8",
            "1990-01-01 张三",
            "110105199001011234",
        ] {
            assert!(!timestamp_shape(bad.as_bytes()), "{bad}");
        }
    }

    /// Unhinted columns of decimals or timestamps, as text or typed, are counted, not judged; a
    /// hinted one, or a text slice holding anything else, is judged.
    #[test]
    fn typed_text_columns() {
        let scanner = Scanner::builder().threads(1).as_of(Date::new(2026, 11, 28).unwrap()).build().unwrap();
        let col = |v: Vec<&str>| Arc::new(StringArray::from(v)) as arrow_array::ArrayRef;
        let batch = RecordBatch::try_from_iter([
            ("amount", col(vec!["792.86", "12.50", "0.99"])),
            ("created_at", col(vec!["2025-12-20 06:21:55", "2024-01-20T04:00:07Z", "2024-01-20"])),
            // The name hints a birth date: judged.
            ("出生日期", col(vec!["1990-01-01", "1985-07-16", "2001-12-31"])),
            // Not all typed: judged, and the phone is found.
            ("misc", col(vec!["13900001111", "13812345678", "2024-01-20"])),
            // Typed floats follow the same rule.
            ("price", Arc::new(arrow_array::Float64Array::from(vec![7.5, 12.0, 0.99])) as arrow_array::ArrayRef),
            ("纬度", Arc::new(arrow_array::Float64Array::from(vec![39.9042, 31.2304, 22.5431])) as _),
        ])
        .unwrap();
        let mut session = scanner.session();
        let input = session.begin_input("memory");
        session.scan_batch(input, &batch);
        let acc = &session.inputs[input.0].columns;
        let tally = |name: &str| &acc.iter().find(|c| c.path == name).unwrap().tally;
        assert_eq!((tally("amount").values, tally("amount").skipped), (0, 3));
        assert_eq!((tally("created_at").values, tally("created_at").skipped), (0, 3));
        assert_eq!((tally("出生日期").values, tally("出生日期").skipped), (3, 0));
        assert_eq!((tally("misc").values, tally("misc").skipped), (3, 0));
        assert_eq!((tally("price").values, tally("price").skipped), (0, 3));
        assert_eq!((tally("纬度").values, tally("纬度").skipped), (3, 0));
        let report = session.report();
        let cats = |name: &str| {
            report.columns.iter().filter(|c| c.column == name).flat_map(|c| c.categories.clone()).collect::<Vec<_>>()
        };
        assert_eq!(cats("出生日期"), ["birth_date"]);
        assert!(cats("misc").contains(&"phone".to_string()), "{:?}", cats("misc"));
        assert!(cats("amount").is_empty() && cats("created_at").is_empty());
    }

    /// A membership number is personal information and a key only in a row without a better
    /// one (issue 12 item 6): never an important-data marker.
    #[test]
    fn membership_numbers_are_fallback_keys() {
        let scanner = Scanner::builder().threads(1).as_of(Date::new(2026, 11, 28).unwrap()).build().unwrap();
        let batch = RecordBatch::try_from_iter([
            ("会员号", Arc::new(StringArray::from(vec!["VIP001", "VIP002", "VIP001", "VIP003", "VIP002"])) as _),
            (
                "phone",
                Arc::new(StringArray::from(vec![Some("13812345678"), None, None, Some("13812345678"), None])) as _,
            ),
        ])
        .unwrap();
        let mut session = scanner.session();
        let input = session.begin_input("memory");
        session.scan_batch(input, &batch);
        let report = session.report();
        let col = report.columns.iter().find(|c| c.column == "会员号").expect("the membership column is reported");
        assert_eq!(col.categories, ["membership_id"]);
        assert_eq!(col.class, "personal", "{col:?}");
        assert!(report.important_data.is_empty(), "{:?}", report.important_data);
        // Rows 0 and 3 are the phone's person (VIP001 and VIP003 beside it are no keys); rows 1
        // and 4 share VIP002; row 2's VIP001 stands alone, since row 0's person was the phone's.
        assert_eq!((report.persons.total, report.persons.unlinked_rows), (3, 0));
        assert_eq!(session.category_persons().get("membership_id"), Some(&3));
    }

    /// Deterministic digits for the tests below.
    fn digits(state: &mut u64, n: usize) -> String {
        (0..n)
            .map(|_| {
                *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                char::from(b'0' + ((*state >> 33) % 10) as u8)
            })
            .collect()
    }

    fn luhn_complete(body: &str) -> String {
        (b'0'..=b'9')
            .map(|c| format!("{body}{}", c as char))
            .find(|v| crate::detect::validators::luhn_ok(v.as_bytes()))
            .unwrap()
    }

    fn scan_in_batches(scanner: &Scanner, cols: &[(&str, Vec<String>)], batch: usize) -> Report {
        let mut session = scanner.session();
        let input = session.begin_input("memory");
        let n = cols[0].1.len();
        for lo in (0..n).step_by(batch) {
            let hi = (lo + batch).min(n);
            let b =
                RecordBatch::try_from_iter(cols.iter().map(|(name, v)| {
                    (*name, Arc::new(StringArray::from(v[lo..hi].to_vec())) as arrow_array::ArrayRef)
                }))
                .unwrap();
            session.scan_batch(input, &b);
        }
        session.report()
    }

    /// Persons come only from columns the report classifies as their key's category (issue 14
    /// item 4): gift-card numbers that pass the resident-ID check by chance are nobody, at any
    /// batch size, and so are the rows of a column whose hits are too few to hold a category.
    #[test]
    fn persons_only_from_what_the_report_shows() {
        let scanner = Scanner::builder().threads(2).as_of(Date::new(2026, 11, 28).unwrap()).build().unwrap();
        let mut st = 7;
        let mut passing = 0;
        let gift: Vec<String> = (0..3000)
            .map(|i| {
                let body =
                    format!("62{}2019{:02}{:02}{}", digits(&mut st, 4), 1 + i % 12, 1 + i % 28, digits(&mut st, 3));
                let check = crate::detect::validators::gb11643_check_char(body.as_bytes()).unwrap() as char;
                // One in 25 passes the resident-ID check, as by chance; the others fail it.
                let last = if i % 25 == 0 {
                    passing += 1;
                    check
                } else if check == '0' {
                    '1'
                } else {
                    '0'
                };
                format!("{body}{last}")
            })
            .collect();
        assert_eq!(passing, 120);
        let cols = [("gift_card_code", gift)];
        for batch in [1, 7, 1000, 3000] {
            let report = scan_in_batches(&scanner, &cols, batch);
            assert!(report.columns.iter().all(|c| c.categories.is_empty()), "{:?}", report.columns);
            assert_eq!(report.persons.total, 0, "batch size {batch}");
        }
    }

    /// A column whose first rows hold nothing but whose whole holds phones: its keys, held back
    /// until the input ends, join the persons then, linked to their rows' cards exactly as if
    /// they had been merged with them.
    #[test]
    fn keys_held_back_join_their_rows_at_the_end() {
        let scanner = Scanner::builder().threads(2).as_of(Date::new(2026, 11, 28).unwrap()).build().unwrap();
        let n = 100_000usize;
        let w = WINDOW_ROWS as usize;
        let cards: Vec<String> = (0..n).map(|i| luhn_complete(&format!("622848{i:012}"))).collect();
        let phones: Vec<String> =
            (0..n).map(|i| if i < w { "n/a".to_string() } else { format!("139{:08}", i % 5000) }).collect();
        for batch in [7_000, 32_768, 100_000] {
            let report = scan_in_batches(&scanner, &[("card", cards.clone()), ("value", phones.clone())], batch);
            let col = report.columns.iter().find(|c| c.column == "value").unwrap();
            assert_eq!(col.categories, ["phone"], "batch {batch}: {}", col.reason);
            // The first rows are a card each; the others are linked by their 5,000 phones.
            assert_eq!(report.persons.total, (w + 5000) as u64, "batch {batch}");
        }
    }

    /// The other way round: phones in the first rows, then nothing. The keys counted on the
    /// provisional decision stay counted, and the report keeps the category and says why.
    #[test]
    fn a_column_counted_early_stays_in_the_report() {
        let scanner = Scanner::builder().threads(2).as_of(Date::new(2026, 11, 28).unwrap()).build().unwrap();
        let w = WINDOW_ROWS as usize;
        let v: Vec<String> =
            (0..100_000).map(|i| if i < w { format!("139{:08}", i % 3000) } else { "n/a".to_string() }).collect();
        for batch in [10_000, 100_000] {
            let report = scan_in_batches(&scanner, &[("value", v.clone())], batch);
            let col = report.columns.iter().find(|c| c.column == "value").unwrap();
            assert_eq!(col.categories, ["phone"], "batch {batch}");
            assert!(col.reason.contains(&format!("first {w} rows")), "{}", col.reason);
            assert_eq!(report.persons.total, 3000, "batch {batch}");
        }
    }

    /// One value, two categories: the column decides (issue 14 item 3). 18-digit UnionPay cards
    /// of which some pass the USCC check are all cards under a card column name, and under a
    /// neutral one where the other values are cards.
    #[test]
    fn the_column_decides_between_two_categories() {
        let scanner = Scanner::builder().threads(2).as_of(Date::new(2026, 11, 28).unwrap()).build().unwrap();
        let uscc = crate::detect::validators::find("uscc").unwrap();
        let ctx = crate::detect::validators::Ctx { today: Date::new(2026, 11, 28).unwrap() };
        let mut st = 11;
        let mut cards = Vec::new();
        let mut both = 0;
        while cards.len() < 3000 {
            let c = luhn_complete(&format!("62{}", digits(&mut st, 15)));
            both += uscc(&c, &ctx) as usize;
            cards.push(c);
        }
        assert!(both > 50, "{both} cards also pass the USCC check");
        for name in ["银行卡号", "value"] {
            let report = scan_in_batches(&scanner, &[(name, cards.clone())], 1024);
            let col = report.columns.iter().find(|c| c.column == name).unwrap();
            assert_eq!(col.categories, ["bank_card"], "{name}");
            assert_eq!(col.hits, 3000, "{name}: {}", col.reason);
            assert_eq!(report.persons.total, 3000, "{name}");
        }
    }

    /// One address-shaped value among 150 job titles makes no address column, and no person
    /// (issue 14 item 7); the reason says what was not counted.
    #[test]
    fn weak_free_text_evidence_counts_in_proportion() {
        let scanner = Scanner::builder().threads(1).as_of(Date::new(2026, 11, 28).unwrap()).build().unwrap();
        // Faker zh_CN's job titles; one reads as an address (a city marker, then a road's).
        let titles = ["财务助理/文员", "展览/展示/店面设计", "销售代表", "客服专员", "其他"];
        let mut v: Vec<String> = (0..149).map(|i| titles[i % titles.len()].to_string()).collect();
        v.push("市场通路专员".to_string());
        let report = scan_in_batches(&scanner, &[("职位", v)], 150);
        assert!(report.columns.iter().all(|c| !c.categories.contains(&"address".to_string())), "{:?}", report.columns);
        assert_eq!(report.persons.total, 0);
    }

    #[test]
    fn persons_per_category() {
        let scanner = Scanner::builder().threads(1).as_of(Date::new(2026, 11, 28).unwrap()).build().unwrap();
        let batch = RecordBatch::try_from_iter([
            ("phone", Arc::new(StringArray::from(vec!["13812345678", "13900001111", "13812345678"])) as _),
            (
                "card",
                Arc::new(StringArray::from(vec![Some("6228480402564890018"), None, Some("6228480402564890018")])) as _,
            ),
            // born 2015: a minor on the as-of date
            ("id", Arc::new(StringArray::from(vec![None, Some("110105201501010017"), None])) as _),
        ])
        .unwrap();
        let mut session = scanner.session();
        let input = session.begin_input("memory");
        session.scan_batch(input, &batch);
        let by = session.category_persons();
        assert_eq!(by.get("phone"), Some(&2));
        assert_eq!(by.get("bank_card"), Some(&1));
        assert_eq!(by.get("minor"), Some(&1));
        assert_eq!(session.report().persons.total, 2);
    }
}
