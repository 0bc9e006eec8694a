//! The scan engine: per batch, leaf columns are cut into slices that run in parallel on the
//! scanner's rayon pool; each slice fills its own tally and person-key list, which are merged once
//! per batch. Reading the next batch overlaps scanning the current one (`rayon::join`).

mod batch;
mod cell;
pub mod classify;
pub mod flatten;
mod memo;
mod merge;
pub mod partial;
mod progress;
mod session;
mod shape;
pub mod tally;
mod text_cells;

pub use progress::Progress;
pub use session::{InputId, ScanSession};

use std::path::PathBuf;
use std::sync::Arc;

use crate::detect::validators::Ctx;
use crate::detect::{Catalogue, Worker};
use crate::error::{Error, Result};
use crate::persons::{CategoryHasher, KeyHasher, KeyKind, PersonsMode, CATEGORY_BITS};
use crate::policy::{Class, Classes};
use crate::source::{Input, SourceOptions};
use crate::time::Date;

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

    pub fn build(mut self) -> Result<Scanner> {
        // One thread means one: decompression ahead of the parser needs a core of its own.
        self.opts.source.decompress_ahead &= self.opts.threads > 1;
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
        let key_rank = catalogue.detectors.iter().map(|d| d.key_rank).collect();
        let key_kind = catalogue.detectors.iter().map(|d| d.key_kind).collect();
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
        ScanSession::new(self)
    }

    /// Read and scan every input; an input that fails is recorded and the run goes on.
    pub fn scan_inputs(&self, inputs: &[Input]) -> ScanSession<'_> {
        let mut session = self.session();
        for input in inputs {
            session.scan_input(input);
        }
        session
    }
}

#[cfg(test)]
mod tests;
