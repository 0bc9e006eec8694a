//! The native half of `xborder.spark`: a part of an export scanned on an executor, the parts'
//! tallies merged on the driver, a part's rows linked under the driver's column decisions, and
//! the persons' flags judged on the driver. See `xborder::scan::partial` for the model.
//!
//! What crosses between driver and executors: options (JSON), the key of the keyed hash (from
//! the driver), tallies (JSON: counts and masked examples), entries (packed binary records of
//! keyed hashes, flags and column indices), gates (JSON), links (Arrow columns of hashes). Never
//! a raw value.

use std::collections::BTreeMap;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use xborder::assess::Assessor;
use xborder::persons::{KeyHasher, PersonSet};
use xborder::scan::partial::{local_persons, Gates, KeyEntry, PartialMerge, Profiles, Tallies};
use xborder::Scanner;

use crate::errors::{raise, usage, XErr};
use crate::options::Options;
use crate::{arrow_batches, Outcome};

/// Bytes of one packed [`KeyEntry`]: input u32, row u64, col u32, has-key u8, key u128,
/// flags u64, rank u8 (little-endian).
const ENTRY_BYTES: usize = 4 + 8 + 4 + 1 + 16 + 8 + 1;

fn pack(entries: &[KeyEntry], out: &mut Vec<u8>) {
    out.reserve(entries.len() * ENTRY_BYTES);
    for e in entries {
        out.extend_from_slice(&e.input.to_le_bytes());
        out.extend_from_slice(&e.row.to_le_bytes());
        out.extend_from_slice(&e.col.to_le_bytes());
        out.push(e.key.is_some() as u8);
        out.extend_from_slice(&e.key.unwrap_or(0).to_le_bytes());
        out.extend_from_slice(&e.flags.to_le_bytes());
        out.push(e.rank);
    }
}

fn unpack(b: &[u8], out: &mut Vec<KeyEntry>) -> PyResult<()> {
    if b.len() % ENTRY_BYTES != 0 {
        return Err(usage("entries: not a whole number of records"));
    }
    for r in b.chunks_exact(ENTRY_BYTES) {
        let u32_at = |i: usize| u32::from_le_bytes(r[i..i + 4].try_into().expect("4 bytes"));
        let u64_at = |i: usize| u64::from_le_bytes(r[i..i + 8].try_into().expect("8 bytes"));
        let key = u128::from_le_bytes(r[17..33].try_into().expect("16 bytes"));
        out.push(KeyEntry {
            input: u32_at(0),
            row: u64_at(4),
            col: u32_at(12),
            key: (r[16] != 0).then_some(key),
            flags: u64_at(33),
            rank: r[41],
        });
    }
    Ok(())
}

fn key_of(key: &[u8]) -> PyResult<[u8; 32]> {
    key.try_into().map_err(|_| usage("key: expected 32 bytes"))
}

/// The scanner the options describe under the driver's key: `ledger` true hashes as the ledger
/// does (keyed BLAKE3, comparable with its stored keys), false with the faster in-memory hash.
fn build(options_json: &str, key: &[u8], ledger: bool) -> PyResult<(Assessor, Scanner)> {
    let o: Options = serde_json::from_str(options_json).map_err(|e| usage(format!("options: {e}")))?;
    let key = key_of(key)?;
    let hasher = if ledger { KeyHasher::new(key) } else { KeyHasher::ephemeral(key) };
    let assessor = o.assessor().map_err(PyErr::from)?;
    let scanner = o.scanner(&assessor, hasher).map_err(PyErr::from)?;
    Ok((assessor, scanner))
}

/// Check options and turn them into JSON for the executors (`ValueError` naming a bad one).
#[pyfunction]
#[pyo3(signature = (**options))]
fn options_json(options: Option<&Bound<'_, PyDict>>) -> PyResult<String> {
    let o = Options::from_kwargs(options)?;
    // Everything the executors will need to build, checked once here.
    o.assessor().map_err(PyErr::from)?;
    o.persons_mode()?;
    o.as_of_date()?;
    serde_json::to_string(&o).map_err(|e| usage(e.to_string()))
}

/// A fresh random key for the keyed hash (the driver's, when there is no ledger).
#[pyfunction]
fn random_key(py: Python<'_>) -> Py<PyBytes> {
    PyBytes::new(py, &xborder::persons::random_key()).unbind()
}

/// The ledger's key (to hash on the executors as the ledger does), or `None` when the ledger
/// does not exist yet and is not being created.
#[pyfunction]
fn ledger_key(py: Python<'_>, options_json: &str) -> PyResult<Option<Py<PyBytes>>> {
    let o: Options = serde_json::from_str(options_json).map_err(|e| usage(format!("options: {e}")))?;
    let book = o.open_ledger().map_err(PyErr::from)?;
    Ok(book.map(|(_, h)| PyBytes::new(py, h.key_bytes()).unbind()))
}

/// Executor side, one partition: scan its Arrow batches; returns the tallies (JSON) and the
/// entries (packed).
#[pyfunction]
#[pyo3(signature = (options_json, key, ledger, input, origin, batches))]
fn scan_part(
    py: Python<'_>,
    options_json: &str,
    key: &[u8],
    ledger: bool,
    input: &str,
    origin: u64,
    batches: &Bound<'_, PyAny>,
) -> PyResult<(Py<PyBytes>, Py<PyBytes>)> {
    let (_, scanner) = build(options_json, key, ledger)?;
    let mut part = scanner.partial();
    let id = part.begin_input(input, origin);
    let mut packed = Vec::new();
    for b in batches.try_iter()? {
        let b = b?;
        for rb in arrow_batches(&b)? {
            let rb = rb?;
            py.detach(|| part.scan_batch(id, &rb));
        }
        // Ship entries as they come: the part's memory stays one batch's.
        pack(&part.take_entries(), &mut packed);
    }
    let (tallies, rest) = part.finish();
    pack(&rest, &mut packed);
    let t = serde_json::to_vec(&tallies).map_err(|e| usage(e.to_string()))?;
    Ok((PyBytes::new(py, &t).unbind(), PyBytes::new(py, &packed).unbind()))
}

/// Driver side: the parts' tallies merged by a scanner of the same options.
#[pyclass(module = "xborder._xborder", unsendable)]
struct Merge {
    // Field order: the merge borrows the boxed scanner and is dropped first.
    merge: PartialMerge<'static>,
    scanner: Box<Scanner>,
    assessor: Assessor,
    options: Options,
}

#[pymethods]
impl Merge {
    /// `inputs`: the input names in report order.
    #[new]
    fn new(options_json: &str, key: &[u8], ledger: bool, inputs: Vec<String>) -> PyResult<Merge> {
        let (assessor, scanner) = build(options_json, key, ledger)?;
        let options: Options = serde_json::from_str(options_json).map_err(|e| usage(e.to_string()))?;
        let scanner = Box::new(scanner);
        // SAFETY: the scanner is boxed (stable address), owned by this object and dropped after
        // the merge that borrows it (field order).
        let s: &'static Scanner = unsafe { &*(&*scanner as *const Scanner) };
        let mut merge = PartialMerge::new(s);
        for i in &inputs {
            merge.begin_input(i);
        }
        Ok(Merge { merge, scanner, assessor, options })
    }

    /// Add one part's tallies (JSON from `scan_part`).
    fn add(&mut self, tallies: &[u8]) -> PyResult<()> {
        let t: Tallies = serde_json::from_slice(tallies).map_err(|e| usage(format!("tallies: {e}")))?;
        self.merge.add(&t).map_err(|e| PyErr::from(XErr::from(e)))
    }

    /// The column decisions (JSON), for `link_part` on the executors.
    fn gates(&self) -> PyResult<String> {
        serde_json::to_string(&self.merge.gates()).map_err(|e| usage(e.to_string()))
    }

    /// Judge the export: the merged columns, the persons by flags (`keyed`: (flags, persons);
    /// `unlinked`: (flags, rows)), the verdict. Without a ledger only (`assess_persons` judges on
    /// a ledger).
    fn assess(&self, py: Python<'_>, keyed: Vec<(i64, i64)>, unlinked: Vec<(i64, i64)>) -> PyResult<Outcome> {
        if self.options.ledger.is_some() || self.options.record {
            return Err(usage("option ledger: the ledger path goes through assess_persons"));
        }
        let profiles = profiles(keyed, unlinked);
        let report = self.merge.report(&profiles);
        let by_category: BTreeMap<String, u64> = self.merge.category_persons(&profiles);
        let a = py.detach(|| self.assessor.assess_merged(report, by_category, self.scanner.options().as_of.year));
        Ok(Outcome::of(&a))
    }

    /// Judge the export on the ledger's year to date (and record it when the options say so):
    /// `persons` streams (root high, root low, key high, key low, person flags) for every key —
    /// the persons' keys, grouped by their component's smallest key — and `unlinked` the rows
    /// without a key as (flags, rows).
    fn assess_persons(
        &self,
        py: Python<'_>,
        persons: &Bound<'_, PyAny>,
        unlinked: Vec<(i64, i64)>,
    ) -> PyResult<Outcome> {
        let wide = |h: i64, l: i64| ((h as u64 as u128) << 64) | l as u64 as u128;
        let mut set = PersonSet::new();
        for row in persons.try_iter()? {
            let (rh, rl, kh, kl, f): (i64, i64, i64, i64, i64) = row?.extract()?;
            let r = set.node(wide(rh, rl));
            let k = set.node(wide(kh, kl));
            let n = set.union(r, k);
            set.add_flags(n, f as u64);
        }
        let keyed: Vec<(i64, i64)> = set.profiles().into_iter().map(|(f, n)| (f as i64, n as i64)).collect();
        let profiles = profiles(keyed, unlinked.clone());
        for (f, n) in unlinked {
            for _ in 0..n {
                set.add_unlinked(f as u64);
            }
        }
        let report = self.merge.report(&profiles);
        let by_category = self.merge.category_persons(&profiles);
        let Some((mut ledger, _)) = self.options.open_ledger().map_err(PyErr::from)? else {
            // A dry run on a ledger that does not exist yet: the year so far is this export.
            let year = self.scanner.options().as_of.year;
            return Ok(Outcome::of(&self.assessor.assess_merged(report, by_category, year)));
        };
        let record = self.options.record_mode();
        let a = py.detach(|| {
            self.assessor.assess_merged_on_ledger(report, by_category, &mut set, &self.scanner, &mut ledger, record)
        });
        Ok(Outcome::of(&a.map_err(XErr::from)?))
    }
}

fn profiles(keyed: Vec<(i64, i64)>, unlinked: Vec<(i64, i64)>) -> Profiles {
    let mut p = Profiles::default();
    p.add_keyed(keyed.into_iter().map(|(f, n)| (f as u64, n as u64)));
    let u: BTreeMap<u64, u64> = unlinked.into_iter().map(|(f, n)| (f as u64, n as u64)).collect();
    p.add_unlinked(&u);
    p
}

/// Executor side, pass two: a partition's entries (the packed blobs `scan_part` returned for
/// it) linked under the gates. Returns the links as five little-endian int64 columns (key high
/// 32 bits, key low 64 bits, root high, root low, flags) and the unlinked rows as (flags, rows).
#[pyfunction]
#[allow(clippy::type_complexity)]
fn link_part(
    py: Python<'_>,
    gates_json: &str,
    inputs: Vec<String>,
    blobs: Vec<Vec<u8>>,
) -> PyResult<(Vec<Py<PyBytes>>, Vec<(i64, i64)>)> {
    let gates: Gates = serde_json::from_str(gates_json).map_err(|e| usage(format!("gates: {e}")))?;
    let mut entries = Vec::new();
    for b in &blobs {
        unpack(b, &mut entries)?;
    }
    let local = py.detach(|| local_persons(&entries, &gates, &inputs));
    let n = local.links.len();
    let mut cols: Vec<Vec<u8>> = (0..5).map(|_| Vec::with_capacity(n * 8)).collect();
    for &(k, r, f) in &local.links {
        for (c, v) in
            cols.iter_mut().zip([(k >> 64) as i64, k as u64 as i64, (r >> 64) as i64, r as u64 as i64, f as i64])
        {
            c.extend_from_slice(&v.to_le_bytes());
        }
    }
    let unlinked = local.unlinked.iter().map(|(&f, &n)| (f as i64, n as i64)).collect();
    Ok((cols.into_iter().map(|c| PyBytes::new(py, &c).unbind()).collect(), unlinked))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(options_json, m)?)?;
    m.add_function(wrap_pyfunction!(random_key, m)?)?;
    m.add_function(wrap_pyfunction!(ledger_key, m)?)?;
    m.add_function(wrap_pyfunction!(scan_part, m)?)?;
    m.add_function(wrap_pyfunction!(link_part, m)?)?;
    m.add_class::<Merge>()?;
    let _ = raise;
    Ok(())
}
