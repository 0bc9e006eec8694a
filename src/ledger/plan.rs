//! Year to date: how a batch's persons join the persons recorded for an exporter and year,
//! computed inside a transaction and applied by `record` in the same one.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rusqlite::{params, OptionalExtension};

use super::{blob, err, BatchPersons, YtdCounts};
use crate::{Error, Result};

/// Category bits a ledger can hold: bit 63 of a person's flags in [`LedgerTxn::year_to_date`]
/// is the sensitive flag, and SQLite integers are signed.
pub(super) const MAX_CATEGORY_BITS: usize = 62;
pub(super) const SENSITIVE_FLAG: u64 = 1 << 63;

/// A transaction on the ledger: dropping it without [`LedgerTxn::record`] changes nothing.
pub struct LedgerTxn<'a> {
    pub(super) tx: rusqlite::Transaction<'a>,
    pub(super) path: &'a Path,
}

/// How a batch joins a scope: computed by [`LedgerTxn::year_to_date`], applied by
/// [`LedgerTxn::record`] in the same transaction.
#[derive(Debug, Clone)]
pub struct Plan {
    pub(super) exporter: String,
    pub(super) year: i32,
    pub(super) scope: Option<i64>,
    pub counts: YtdCounts,
    /// Persons this year with this batch per category (keyless rows included): recorded ∪ batch.
    pub categories: BTreeMap<String, u64>,
    /// Per batch person: the ledger persons (roots) its keys found, and which keys were found.
    pub(super) matches: Vec<(Vec<i64>, Vec<bool>)>,
    /// Per batch person: its categories as ledger bits.
    pub(super) ledger_bits: Vec<u64>,
    /// Category bits this batch adds to the ledger's table.
    pub(super) new_bits: Vec<(u32, String)>,
    pub(super) batch_total: u64,
    pub(super) batch_sensitive: u64,
    pub(super) unlinked: u64,
}

/// Category name → ledger bit.
type CategoryBits = HashMap<String, u32>;

/// A small union-find over ledger person ids.
#[derive(Default)]
pub(super) struct Groups {
    pub(super) index: HashMap<i64, usize>,
    pub(super) ids: Vec<i64>,
    pub(super) parent: Vec<usize>,
}

impl Groups {
    pub(super) fn node(&mut self, id: i64) -> usize {
        if let Some(&n) = self.index.get(&id) {
            return n;
        }
        let n = self.ids.len();
        self.index.insert(id, n);
        self.ids.push(id);
        self.parent.push(n);
        n
    }
    pub(super) fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }
    pub(super) fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (root, child) = if self.ids[ra] < self.ids[rb] { (ra, rb) } else { (rb, ra) };
            self.parent[child] = root;
        }
    }
}

impl LedgerTxn<'_> {
    pub(super) fn scope(&self, exporter: &str, year: i32) -> Result<Option<(i64, u64, u64)>> {
        self.tx
            .query_row(
                "SELECT scope, persons, sensitive FROM scopes WHERE exporter = ?1 AND year = ?2",
                params![exporter, year],
                |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64, r.get::<_, i64>(2)? as u64)),
            )
            .optional()
            .map_err(err(self.path))
    }

    /// The ledger's category bits, and bits for the batch's categories it lacks (written by
    /// `record`).
    fn category_bits(&self, batch: &BatchPersons) -> Result<(CategoryBits, Vec<(u32, String)>)> {
        let e = err(self.path);
        let mut st = self.tx.prepare_cached("SELECT bit, name FROM categories").map_err(&e)?;
        let mut bits: HashMap<String, u32> = st
            .query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, i64>(0)? as u32)))
            .map_err(&e)?
            .collect::<std::result::Result<_, _>>()
            .map_err(&e)?;
        let mut next = bits.values().map(|b| b + 1).max().unwrap_or(0);
        let mut new_bits = Vec::new();
        let names = batch.categories.iter().chain(batch.unlinked_categories.keys());
        for name in names {
            if !bits.contains_key(name) {
                if next as usize >= MAX_CATEGORY_BITS {
                    return Err(Error::Ledger {
                        path: self.path.display().to_string(),
                        message: format!("more than {MAX_CATEGORY_BITS} categories: {name:?} has no bit left"),
                    });
                }
                bits.insert(name.clone(), next);
                new_bits.push((next, name.clone()));
                next += 1;
            }
        }
        Ok((bits, new_bits))
    }

    /// Year to date of `exporter` in `year` with `batch`: the recorded persons ∪ the batch, in
    /// all, with sensitive data, and per category. Nothing is written.
    pub fn year_to_date(&self, exporter: &str, year: i32, batch: &BatchPersons) -> Result<Plan> {
        let e = err(self.path);
        let scope = self.scope(exporter, year)?;
        let (bits, new_bits) = self.category_bits(batch)?;
        // Batch category bits → ledger bits.
        let to_ledger: Vec<u64> = batch.categories.iter().map(|n| 1u64 << bits[n]).collect();
        let ledger_bits: Vec<u64> = batch
            .persons
            .iter()
            .map(|p| {
                let mut f = 0u64;
                for (b, lb) in to_ledger.iter().enumerate() {
                    if p.categories & (1 << b) != 0 {
                        f |= lb;
                    }
                }
                f
            })
            .collect();
        let mut plan = Plan {
            exporter: exporter.to_string(),
            year,
            scope: scope.map(|s| s.0),
            counts: YtdCounts::default(),
            categories: BTreeMap::new(),
            matches: Vec::with_capacity(batch.persons.len()),
            ledger_bits,
            new_bits,
            batch_total: batch.total(),
            batch_sensitive: batch.sensitive(),
            unlinked: batch.unlinked,
        };
        let Some((scope_id, before_p, before_s)) = scope else {
            plan.counts = YtdCounts {
                before_persons: 0,
                before_sensitive: 0,
                persons: batch.total(),
                sensitive: batch.sensitive(),
                new_persons: batch.total(),
            };
            plan.categories = batch.category_counts();
            plan.matches = batch.persons.iter().map(|p| (Vec::new(), vec![false; p.keys.len()])).collect();
            return Ok(plan);
        };
        // Tallies by flag bit: the ledger's category bits, and bit 63 for sensitive.
        let mut tally = [0i64; 64];
        tally[63] = before_s as i64;
        {
            let mut st = self
                .tx
                .prepare_cached("SELECT category, persons FROM scope_categories WHERE scope = ?1")
                .map_err(&e)?;
            let rows = st.query_map([scope_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))).map_err(&e)?;
            for row in rows {
                let (name, n) = row.map_err(&e)?;
                if let Some(&b) = bits.get(&name) {
                    tally[b as usize] += n;
                }
            }
        }
        let add = |tally: &mut [i64; 64], flags: u64, n: i64| {
            let mut f = flags;
            while f != 0 {
                let b = f.trailing_zeros() as usize;
                tally[b] += n;
                f &= f - 1;
            }
        };
        // Keyless rows are new persons.
        let mut new_p = batch.unlinked;
        tally[63] += batch.unlinked_sensitive as i64;
        for (name, n) in &batch.unlinked_categories {
            tally[bits[name] as usize] += *n as i64;
        }
        let mut key_st =
            self.tx.prepare_cached("SELECT person FROM person_keys WHERE scope = ?1 AND key_hash = ?2").map_err(&e)?;
        let mut person_st = self
            .tx
            .prepare_cached("SELECT sensitive, categories, merged_into FROM persons WHERE scope = ?1 AND person = ?2")
            .map_err(&e)?;
        // Ledger person → (root, flags of root).
        let mut roots: HashMap<i64, (i64, u64)> = HashMap::new();
        let mut resolve = |mut p: i64| -> Result<(i64, u64)> {
            if let Some(&r) = roots.get(&p) {
                return Ok(r);
            }
            let start = p;
            loop {
                let (sens, cats, next): (bool, i64, Option<i64>) =
                    person_st.query_row(params![scope_id, p], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).map_err(&e)?;
                match next {
                    Some(n) => p = n,
                    None => {
                        let flags = cats as u64 | if sens { SENSITIVE_FLAG } else { 0 };
                        roots.insert(start, (p, flags));
                        return Ok((p, flags));
                    }
                }
            }
        };
        let mut groups = Groups::default();
        let mut root_flags: HashMap<i64, u64> = HashMap::new();
        // Batch persons attached to a group: their flags, by one member root.
        let mut attached: Vec<(i64, u64)> = Vec::new();
        for (person, &cats) in batch.persons.iter().zip(&plan.ledger_bits) {
            let flags = cats | if person.sensitive { SENSITIVE_FLAG } else { 0 };
            let mut found = vec![false; person.keys.len()];
            let mut hit: Vec<i64> = Vec::new();
            for (i, k) in person.keys.iter().enumerate() {
                let p: Option<i64> =
                    key_st.query_row(params![scope_id, &blob(*k)[..]], |r| r.get(0)).optional().map_err(&e)?;
                if let Some(p) = p {
                    found[i] = true;
                    let (root, f) = resolve(p)?;
                    root_flags.insert(root, f);
                    if !hit.contains(&root) {
                        hit.push(root);
                    }
                }
            }
            if hit.is_empty() {
                new_p += 1;
                add(&mut tally, flags, 1);
            } else {
                let first = groups.node(hit[0]);
                for &h in &hit[1..] {
                    let n = groups.node(h);
                    groups.union(first, n);
                }
                attached.push((hit[0], flags));
            }
            plan.matches.push((hit, found));
        }
        // Each group of k ledger persons becomes one person carrying every flag of its members
        // and of the batch persons attached to it: its members' flags leave the tallies, the
        // group's enter them.
        let mut group_flags: HashMap<usize, u64> = HashMap::new();
        let mut merged_away = 0u64;
        for i in 0..groups.ids.len() {
            let f = root_flags[&groups.ids[i]];
            add(&mut tally, f, -1);
            let r = groups.find(i);
            if r != i {
                merged_away += 1;
            }
            *group_flags.entry(r).or_insert(0) |= f;
        }
        for &(member, f) in &attached {
            let n = groups.node(member);
            let r = groups.find(n);
            *group_flags.entry(r).or_insert(0) |= f;
        }
        for &f in group_flags.values() {
            add(&mut tally, f, 1);
        }
        plan.counts = YtdCounts {
            before_persons: before_p,
            before_sensitive: before_s,
            persons: before_p + new_p - merged_away,
            sensitive: tally[63].max(0) as u64,
            new_persons: new_p,
        };
        plan.categories = bits
            .iter()
            .filter(|(_, &b)| tally[b as usize] > 0)
            .map(|(name, &b)| (name.clone(), tally[b as usize] as u64))
            .collect();
        Ok(plan)
    }
}
