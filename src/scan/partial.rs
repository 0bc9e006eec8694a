//! Partial scans: an export scanned in parts on many machines (Spark executors) and judged once.
//!
//! A part is scanned by a [`PartialScan`] into [`Tallies`] (per column: values, hits, masked
//! examples — small and serialisable) and [`KeyEntry`]s (per row: the keyed hashes of its person
//! keys and the category bits of its other values, with the column they came from; never a raw
//! value). The caller ships both to one place: the tallies of every part are merged by a
//! [`PartialMerge`], which decides each column exactly as one scan would on the same tallies
//! ([`Gates`]: the categories each column gives persons). Each part's entries then become
//! [`LocalPersons`] under those gates — the part's rows linked by their keys, as a person set
//! would link them — and the caller joins the parts' links into persons (connected components:
//! a person's rows may lie in different parts, linked only through a chain of keys), and hands
//! the persons' flags back as [`Profiles`] for the report and the verdict.
//!
//! Differences from one [`ScanSession`](super::ScanSession): the columns are decided on the
//! whole export's tallies only. A session also decides provisionally on an input's first
//! 32,768 rows (so that it can stream persons) and keeps a column whose provisional decision
//! counted keys that the final one drops; parts have no "first rows", so that case — a column
//! whose first rows look unlike the rest — can count fewer persons here. Example values are
//! ordered by part, then by row: parts given origins in the data's order show the examples one
//! scan shows.
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{RecordBatch, StringArray};
//! use xborder::scan::partial::{local_persons, PartialMerge, Profiles};
//! use xborder::{Scanner, time::Date};
//!
//! let scanner = Scanner::builder().threads(1).as_of(Date::new(2026, 11, 28).unwrap()).build().unwrap();
//! let part = |ids: Vec<&str>, phones: Vec<&str>| RecordBatch::try_from_iter([
//!     ("身份证号", Arc::new(StringArray::from(ids)) as _),
//!     ("手机号", Arc::new(StringArray::from(phones)) as _),
//! ]).unwrap();
//! // Two parts (say, two executors); the second row's phone links it to the first row's person.
//! let mut parts = Vec::new();
//! for (n, b) in [part(vec!["11010519491231002X"], vec!["13812345678"]),
//!                part(vec!["440524188001010014"], vec!["13812345678"])].iter().enumerate() {
//!     let mut p = scanner.partial();
//!     let input = p.begin_input("memory", n as u64);
//!     p.scan_batch(input, b);
//!     parts.push(p.finish());
//! }
//! let mut merge = PartialMerge::new(&scanner);
//! for (t, _) in &parts { merge.add(t).unwrap(); }
//! let gates = merge.gates();
//! let mut set = xborder::persons::PersonSet::new();
//! let mut profiles = Profiles::default();
//! for (_, entries) in &parts {
//!     let local = local_persons(entries, &gates, &["memory".to_string()]);
//!     local.join_into(&mut set);
//!     profiles.add_unlinked(&local.unlinked);
//! }
//! profiles.add_keyed(set.profiles());
//! let report = merge.report(&profiles);
//! assert_eq!(report.persons.total, 1);
//! ```

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arrow_array::RecordBatch;
use serde::{Deserialize, Serialize};

use super::batch::{category_mask, column_bits, scan_slices};
use super::session::InputAcc;
use super::tally::ColumnTally;
use super::{ScanSession, Scanner};
use crate::error::{Error, Result};
use crate::persons::{PersonCounts, PersonSet, FALLBACK_RANK, MINOR_BIT, OWNER_BIT};
use crate::report::{PersonsReport, Report};

/// Rows of one part start at `origin << ORIGIN_SHIFT`: row numbers stay distinct across parts
/// (up to 2^40 rows a part) and order examples by part.
pub const ORIGIN_SHIFT: u32 = 40;

/// The column tallies of a part (or of several merged), by input.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Tallies {
    pub inputs: Vec<InputTallies>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct InputTallies {
    pub name: String,
    pub rows: u64,
    /// Located, redacted errors: the input was not read whole.
    pub errors: Vec<String>,
    /// By column index: the index a [`KeyEntry`] names.
    pub columns: Vec<(String, ColumnTally)>,
}

/// A person key (`key` set) or the category bits of another value (`key` unset) found in a row:
/// all that leaves a part about its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyEntry {
    /// The input's index in the part's [`Tallies`].
    pub input: u32,
    /// The row: `origin << ORIGIN_SHIFT` plus the row in the part.
    pub row: u64,
    /// The column's index in its input.
    pub col: u32,
    /// The keyed hash (96 bits) of a person key.
    pub key: Option<u128>,
    /// Category bits, and for keys the minor bit and the owner bit (a key of the row's owner,
    /// not one named in free text).
    pub flags: u64,
    /// Which key stands for the row ([`FALLBACK_RANK`]: only when nothing better is in the row).
    pub rank: u8,
}

/// Scans the parts of an export that one machine sees.
pub struct PartialScan<'s> {
    scanner: &'s Scanner,
    inputs: Vec<(InputAcc, u64)>,
    entries: Vec<KeyEntry>,
}

/// Handle of an input inside a [`PartialScan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartInput(usize);

impl Scanner {
    /// Start scanning a part of an export (see [`partial`](self)).
    pub fn partial(&self) -> PartialScan<'_> {
        PartialScan { scanner: self, inputs: Vec::new(), entries: Vec::new() }
    }
}

/// An empty input's accumulator, its rows starting at `start` (a session makes it: its fields
/// are the session's).
fn new_acc(scanner: &Scanner, name: &str, start: u64) -> InputAcc {
    let mut s = ScanSession::new(scanner);
    s.begin_input(name);
    let mut acc = s.inputs.pop().expect("one input");
    acc.rows = start;
    acc
}

impl PartialScan<'_> {
    /// Register the part of input `name` numbered `origin` (parts in the data's order).
    pub fn begin_input(&mut self, name: &str, origin: u64) -> PartInput {
        let start = origin << ORIGIN_SHIFT;
        self.inputs.push((new_acc(self.scanner, name, start), start));
        PartInput(self.inputs.len() - 1)
    }

    /// The part could not be read whole: the report will say so.
    pub fn fail_input(&mut self, id: PartInput, e: Error) {
        self.inputs[id.0].0.errors.push(e);
    }

    /// Scan one batch of the part.
    pub fn scan_batch(&mut self, id: PartInput, batch: &RecordBatch) {
        let acc = &mut self.inputs[id.0].0;
        let out = scan_slices(self.scanner, acc, id.0 as u32, batch);
        for s in &out.slices {
            for k in &s.keys {
                self.entries.push(KeyEntry {
                    input: id.0 as u32,
                    row: out.base + k.row as u64,
                    col: k.col,
                    key: Some(k.hash()),
                    flags: k.flags,
                    rank: k.rank,
                });
            }
            for f in &s.flags {
                self.entries.push(KeyEntry {
                    input: id.0 as u32,
                    row: out.base + f.row as u64,
                    col: f.col,
                    key: None,
                    flags: f.bits,
                    rank: 0,
                });
            }
        }
    }

    /// Entries found so far (a caller may ship them batch by batch with [`Self::take_entries`]).
    pub fn entries(&self) -> &[KeyEntry] {
        &self.entries
    }

    /// Take the entries found so far, leaving none.
    pub fn take_entries(&mut self) -> Vec<KeyEntry> {
        std::mem::take(&mut self.entries)
    }

    /// The part's tallies and the entries not taken yet.
    pub fn finish(self) -> (Tallies, Vec<KeyEntry>) {
        let inputs = self
            .inputs
            .into_iter()
            .map(|(acc, start)| InputTallies {
                name: acc.name,
                rows: acc.rows - start,
                errors: acc.errors.iter().map(|e| e.to_string()).collect(),
                columns: acc.columns.into_iter().map(|c| (c.path, c.tally)).collect(),
            })
            .collect();
        (Tallies { inputs }, self.entries)
    }
}

/// Per input of the parts (by its index there), per column index: the category bits the column
/// gives persons. Serialisable: the caller ships it back to where the entries are.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Gates {
    /// Input names in the order of the merge.
    pub names: Vec<String>,
    /// By input name's index, by column index.
    pub bits: Vec<Vec<u64>>,
}

impl Gates {
    /// The gates of input `name` (none when the merge did not see it: nothing counts).
    fn of(&self, name: &str) -> Option<&[u64]> {
        self.names.iter().position(|n| n == name).map(|i| self.bits[i].as_slice())
    }
}

/// The tallies of every part merged, by input name: the columns decided as one scan decides them.
pub struct PartialMerge<'s> {
    scanner: &'s Scanner,
    inputs: Vec<InputAcc>,
    /// Per input: the column paths by index, which every part must share.
    paths: Vec<Vec<String>>,
}

impl<'s> PartialMerge<'s> {
    pub fn new(scanner: &'s Scanner) -> Self {
        PartialMerge { scanner, inputs: Vec::new(), paths: Vec::new() }
    }

    /// Register an input with no part yet (so that it appears in the report in this place).
    pub fn begin_input(&mut self, name: &str) -> usize {
        if let Some(i) = self.inputs.iter().position(|a| a.name == name) {
            return i;
        }
        self.inputs.push(new_acc(self.scanner, name, 0));
        self.paths.push(Vec::new());
        self.inputs.len() - 1
    }

    /// Add a part's tallies. Its columns must be the ones of the input's other parts, in the same
    /// order (one schema): the entries name columns by index.
    pub fn add(&mut self, t: &Tallies) -> Result<()> {
        let (cat, bits) = (&*self.scanner.catalogue, &self.scanner.cat_bits);
        for part in &t.inputs {
            let i = self.begin_input(&part.name);
            let paths: Vec<String> = part.columns.iter().map(|(p, _)| p.clone()).collect();
            let known = &mut self.paths[i];
            let shared = known.len().min(paths.len());
            if known[..shared] != paths[..shared] {
                return Err(Error::Usage(format!(
                    "{}: parts with different columns (one schema per input is needed)",
                    crate::error::sanitize_name(&part.name)
                )));
            }
            if paths.len() > known.len() {
                *known = paths;
            }
            let acc = &mut self.inputs[i];
            for (path, tally) in &part.columns {
                let c = acc.column(path, cat, bits);
                acc.columns[c].tally += tally;
            }
            acc.rows += part.rows;
            for e in &part.errors {
                acc.errors.push(Error::Usage(e.clone()));
            }
        }
        Ok(())
    }

    /// The merged tallies (to merge further elsewhere).
    pub fn tallies(&self) -> Tallies {
        let inputs = self
            .inputs
            .iter()
            .map(|a| InputTallies {
                name: a.name.clone(),
                rows: a.rows,
                errors: a.errors.iter().map(|e| e.to_string()).collect(),
                columns: a.columns.iter().map(|c| (c.path.clone(), c.tally.clone())).collect(),
            })
            .collect();
        Tallies { inputs }
    }

    /// Which categories each column gives persons: the final column decisions.
    pub fn gates(&self) -> Gates {
        let s = self.scanner;
        Gates {
            names: self.inputs.iter().map(|a| a.name.clone()).collect(),
            bits: self
                .inputs
                .iter()
                .map(|a| a.columns.iter().map(|c| column_bits(s, &a.name, c, &c.tally)).collect())
                .collect(),
        }
    }

    /// Distinct persons per category (a person counts once for each category their rows carry;
    /// minors under `minor`), as [`ScanSession::category_persons`] gives them.
    pub fn category_persons(&self, p: &Profiles) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for &(flags, n) in p.keyed.iter().chain(&p.unlinked) {
            for c in self.scanner.categories_of(flags) {
                *out.entry(c.to_string()).or_insert(0) += n;
            }
            if flags & MINOR_BIT != 0 {
                *out.entry("minor".to_string()).or_insert(0) += n;
            }
        }
        out
    }

    /// The report of the merged parts, its persons those of `persons` (no verdict yet: the
    /// assessor adds it).
    pub fn report(&self, persons: &Profiles) -> Report {
        let mut session = ScanSession::new(self.scanner);
        let gates = self.gates();
        for (acc, g) in self.inputs.iter().zip(gates.bits) {
            let mut a = new_acc(self.scanner, &acc.name, acc.rows);
            a.errors = acc.errors.iter().map(|e| Error::Usage(e.to_string())).collect();
            let (cat, bits) = (&*self.scanner.catalogue, &self.scanner.cat_bits);
            for c in &acc.columns {
                let i = a.column(&c.path, cat, bits);
                a.columns[i].tally = c.tally.clone();
            }
            // Decided: the session's end-of-input step finds nothing to take or keep.
            a.gates = Some(Arc::new(g));
            session.inputs.push(a);
        }
        let mut report = session.report();
        report.persons = PersonsReport::exact(persons.counts(self.scanner.sensitive_mask()));
        report
    }

    pub fn scanner(&self) -> &'s Scanner {
        self.scanner
    }
}

/// A part's persons under the gates: its rows linked by their keys. `links` has one entry per
/// distinct key of the part: (key, the smallest key of its person in this part, the person's
/// flags on that smallest key and 0 on the others). `unlinked` counts rows with personal data but
/// no key, by their category bits.
#[derive(Debug, Clone, Default)]
pub struct LocalPersons {
    pub links: Vec<(u128, u128, u64)>,
    pub unlinked: HashMap<u64, u64>,
}

impl LocalPersons {
    /// Join these links into one person set (one machine merging every part: the same persons
    /// as a distributed connected-components pass over the links).
    pub fn join_into(&self, set: &mut PersonSet) {
        for &(k, root, flags) in &self.links {
            let n = set.node(k);
            if k != root {
                let r = set.node(root);
                set.union(n, r);
            }
            if flags != 0 {
                set.add_flags(n, flags);
            }
        }
    }
}

/// Link a part's rows as a person set links a batch (`merge_persons`): the keys and flags of
/// columns the gates open count; keys of one row are one person; a fallback key (a plate, a
/// membership number) is a key only in a row without a better one; a key named in free text is
/// a person of its own, never linked to the row; a row with personal data and no key is an
/// unlinked row.
pub fn local_persons(entries: &[KeyEntry], gates: &Gates, names: &[String]) -> LocalPersons {
    let per_input: Vec<Option<&[u64]>> = names.iter().map(|n| gates.of(n)).collect();
    let mut sorted: Vec<&KeyEntry> = entries.iter().collect();
    sorted.sort_by_key(|e| (e.input, e.row));
    let mut set = PersonSet::new();
    let mut unlinked: HashMap<u64, u64> = HashMap::new();
    let mut keys: Vec<&KeyEntry> = Vec::new();
    for row in sorted.chunk_by(|a, b| (a.input, a.row) == (b.input, b.row)) {
        let g = per_input.get(row[0].input as usize).copied().flatten().unwrap_or(&[]);
        let open = |e: &KeyEntry| g.get(e.col as usize).is_some_and(|&b| b & e.flags & category_mask() != 0);
        let mut bits = 0u64;
        keys.clear();
        for e in row.iter().copied().filter(|e| open(e)) {
            match e.key {
                Some(_) => keys.push(e),
                None => bits |= e.flags,
            }
        }
        let own = |e: &KeyEntry| e.flags & OWNER_BIT != 0;
        let strong = keys.iter().any(|k| own(k) && k.rank != FALLBACK_RANK);
        keys.retain(|k| {
            let drop = k.rank == FALLBACK_RANK && (!own(k) || strong);
            if drop && own(k) {
                bits |= k.flags & !OWNER_BIT;
            }
            !drop
        });
        let mut node = None;
        for k in &keys {
            let n = set.node(k.key.expect("a key"));
            if own(k) {
                bits |= k.flags;
                node = Some(match node {
                    None => n,
                    Some(m) => set.union(m, n),
                });
            } else {
                set.add_flags(n, k.flags);
            }
        }
        if bits != 0 {
            match node {
                Some(n) => set.add_flags(n, bits),
                None => *unlinked.entry(bits).or_insert(0) += 1,
            }
        }
    }
    let mut links = Vec::with_capacity(set.keys());
    for (ks, flags) in set.persons() {
        let root = ks[0];
        for &k in &ks {
            links.push((k, root, if k == root { flags } else { 0 }));
        }
    }
    LocalPersons { links, unlinked }
}

/// The persons of an export by their flags: how many persons carry exactly each combination of
/// category bits, the minor bit and the owner bit (`keyed`), and how many rows without a key
/// carry each combination (`unlinked`: one person each). Bounded by the combinations, not the
/// persons: what a distributed engine hands back to the driver.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profiles {
    pub keyed: Vec<(u64, u64)>,
    pub unlinked: Vec<(u64, u64)>,
}

impl Profiles {
    pub fn add_keyed(&mut self, p: impl IntoIterator<Item = (u64, u64)>) {
        add_to(&mut self.keyed, p);
    }

    pub fn add_unlinked<'a>(&mut self, p: impl IntoIterator<Item = (&'a u64, &'a u64)>) {
        add_to(&mut self.unlinked, p.into_iter().map(|(&a, &b)| (a, b)));
    }

    /// The counts a person set gives for the same persons ([`PersonSet::counts`]).
    pub fn counts(&self, sensitive: u64) -> PersonCounts {
        let mut c = PersonCounts::default();
        for &(f, n) in &self.keyed {
            c.total += n;
            if f & OWNER_BIT != 0 {
                c.owning_rows += n;
            }
            if f & MINOR_BIT != 0 {
                c.minors += n;
            }
            if f & (sensitive | MINOR_BIT) != 0 {
                c.sensitive += n;
            }
        }
        for &(f, n) in &self.unlinked {
            c.unlinked_rows += n;
            c.total += n;
            c.owning_rows += n;
            if f & (sensitive | MINOR_BIT) != 0 {
                c.sensitive += n;
            }
        }
        c
    }
}

fn add_to(v: &mut Vec<(u64, u64)>, p: impl IntoIterator<Item = (u64, u64)>) {
    let mut m: BTreeMap<u64, u64> = v.iter().copied().collect();
    for (f, n) in p {
        *m.entry(f).or_insert(0) += n;
    }
    *v = m.into_iter().collect();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;
    use arrow_array::StringArray;

    fn batch(cols: &[(&str, Vec<Option<String>>)]) -> RecordBatch {
        RecordBatch::try_from_iter(
            cols.iter().map(|(n, v)| (*n, Arc::new(StringArray::from(v.clone())) as arrow_array::ArrayRef)),
        )
        .unwrap()
    }

    /// Persons chained across parts (ID + phone; phone + e-mail; e-mail only) and every split of
    /// the rows into parts give the counts of one session.
    #[test]
    fn parts_count_the_persons_of_one_scan() {
        let scanner = Scanner::builder().threads(1).as_of(Date::new(2026, 11, 28).unwrap()).build().unwrap();
        let ids = ["11010519491231002X", "440524188001010014", "110101200001010015"];
        let mut rows: Vec<[Option<String>; 4]> = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let phone = format!("1381234{:04}", 5678 + i);
            let mail = format!("p{i}@example.com");
            rows.push([Some(id.to_string()), Some(phone.clone()), None, None]);
            rows.push([None, Some(phone), Some(mail.clone()), None]);
            rows.push([None, None, Some(mail), Some("糖尿病".into())]);
        }
        // A row without a key but with a diagnosis, and one naming a phone in its note.
        rows.push([None, None, None, Some("高血压".into())]);
        let make = |rs: &[[Option<String>; 4]]| {
            let col = |j: usize| rs.iter().map(|r| r[j].clone()).collect::<Vec<_>>();
            batch(&[("身份证号", col(0)), ("手机号", col(1)), ("邮箱", col(2)), ("诊断", col(3))])
        };
        let whole = make(&rows);
        let mut session = scanner.session();
        let id = session.begin_input("t");
        session.scan_batch(id, &whole);
        let want = session.report();
        assert!(want.persons.total >= 3, "{:?}", want.persons);
        for parts in [1, 2, 3, rows.len()] {
            // Row i goes to part i % parts: each person's chain crosses parts.
            let mut outs = Vec::new();
            for p in 0..parts {
                let mine: Vec<_> =
                    rows.iter().enumerate().filter(|(i, _)| i % parts == p).map(|(_, r)| r.clone()).collect();
                let mut scan = scanner.partial();
                let input = scan.begin_input("t", p as u64);
                scan.scan_batch(input, &make(&mine));
                outs.push(scan.finish());
            }
            let mut merge = PartialMerge::new(&scanner);
            for (t, _) in &outs {
                merge.add(t).unwrap();
            }
            let gates = merge.gates();
            let (mut set, mut profiles) = (PersonSet::new(), Profiles::default());
            for (t, e) in &outs {
                let names: Vec<String> = t.inputs.iter().map(|i| i.name.clone()).collect();
                let local = local_persons(e, &gates, &names);
                local.join_into(&mut set);
                profiles.add_unlinked(&local.unlinked);
            }
            profiles.add_keyed(set.profiles());
            let got = merge.report(&profiles);
            let pj = |r: &Report| serde_json::to_value(&r.persons).unwrap();
            assert_eq!(pj(&got), pj(&want), "{parts} parts");
            let cols = |r: &Report| {
                r.columns.iter().map(|c| (c.column.clone(), c.categories.clone(), c.hits)).collect::<Vec<_>>()
            };
            assert_eq!(cols(&got), cols(&want), "{parts} parts");
            assert_eq!(merge.category_persons(&profiles), session.category_persons(), "{parts} parts");
        }
    }
}
