//! The ledger: per exporter and calendar year (Asia/Shanghai) the persons already provided abroad,
//! as keyed hashes of their person keys with a sensitive and a minor flag, and an append-only,
//! hash-chained log of transfers. SQLite (bundled), one file, WAL mode; no raw identifier is ever
//! written.
//!
//! Schema (version 1):
//!
//! - `meta(name, value)`: `schema_version`, `key_fingerprint` ([`KeyHasher::fingerprint`]),
//!   `chain_head` and `chain_seal` (the last transfer and a keyed seal of it: `chain.rs`).
//! - `scopes(scope, exporter, year, persons, sensitive, next_person)`: one row per exporter and
//!   year with the year-to-date totals (keyless rows included) and the next person id.
//! - `person_keys(scope, key_hash, person)`: every key hash (16 bytes, big-endian u128) seen in
//!   the scope, and the person it was first recorded under.
//! - `persons(scope, person, sensitive, minor, merged_into)`: a person; `merged_into` is set when
//!   a later batch proved two ledger persons to be one (a row holding keys of both). A key's
//!   person is found by following `merged_into` to the end.
//! - `transfers(seq, scope, recorded_at, verdict, persons, new_persons, unlinked, body, prev_hash,
//!   hash)`: `body` is the canonical JSON of a [`Transfer`]; `hash = BLAKE3(prev_hash || body)`,
//!   `prev_hash` the previous transfer's hash (32 zero bytes for the first). One chain per ledger;
//!   [`Ledger::verify`] walks it (what the hash covers and what the walk detects: `chain.rs`).
//! - `objects(scope, url, version, transfer, size, rows)`: objects of a store scanned and
//!   recorded in the scope, by URL and version (the ETag), with the transfer that recorded them.
//!   A later scan of the scope skips an object whose URL and version are here. Added after
//!   schema version 1 shipped; `open` creates it in older ledgers (nothing else changes).
//!
//! Year to date for a batch = the scope's persons ∪ the batch's persons, where a batch person
//! sharing any key hash with a ledger person is that person, and a batch person sharing keys with
//! several ledger persons merges them. Rows without any key (`unlinked_rows`) cannot be matched
//! and are added as new persons by every transfer (the conservative reading).
//!
//! Recording runs in one `BEGIN IMMEDIATE` transaction: the year to date is re-read inside it, so
//! two processes recording at once are serialised and each counts the other's persons; a process
//! killed before `COMMIT` leaves nothing behind.

mod chain;
mod key;
mod query;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};

pub use chain::{ChainReport, Problem, SealState};
pub use key::{key_path, load_key, KeySource, KEY_ENV};
pub use query::{ChainEntry, TransferFilter};

use crate::persons::{KeyHasher, PersonSet, MINOR_BIT};
use crate::{Error, Result};

/// The ledger file used when neither `--ledger` nor `XBORDER_LEDGER` names one.
pub const DEFAULT_PATH: &str = "xborder-ledger.db";
/// Environment variable naming the ledger file.
pub const LEDGER_ENV: &str = "XBORDER_LEDGER";
pub const SCHEMA_VERSION: i64 = 1;
/// How long a recorder waits for another one to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(120);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scopes (
    scope INTEGER PRIMARY KEY,
    exporter TEXT NOT NULL,
    year INTEGER NOT NULL,
    persons INTEGER NOT NULL DEFAULT 0,
    sensitive INTEGER NOT NULL DEFAULT 0,
    next_person INTEGER NOT NULL DEFAULT 1,
    UNIQUE (exporter, year)
);
CREATE TABLE IF NOT EXISTS person_keys (
    scope INTEGER NOT NULL,
    key_hash BLOB NOT NULL,
    person INTEGER NOT NULL,
    PRIMARY KEY (scope, key_hash)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS persons (
    scope INTEGER NOT NULL,
    person INTEGER NOT NULL,
    sensitive INTEGER NOT NULL,
    minor INTEGER NOT NULL,
    merged_into INTEGER,
    PRIMARY KEY (scope, person)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS transfers (
    seq INTEGER PRIMARY KEY,
    scope INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    verdict TEXT NOT NULL,
    persons INTEGER NOT NULL,
    new_persons INTEGER NOT NULL,
    unlinked INTEGER NOT NULL,
    body TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS transfers_scope ON transfers (scope, seq);
";

/// Objects recorded per scope (object-store inputs); created on open when missing.
const OBJECTS_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS objects (
    scope INTEGER NOT NULL,
    url TEXT NOT NULL,
    version TEXT NOT NULL,
    transfer INTEGER NOT NULL,
    size INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    PRIMARY KEY (scope, url, version)
) WITHOUT ROWID;
";

/// The persons of one batch, as the ledger sees them: key hashes and two flags, nothing else.
#[derive(Debug, Clone, Default)]
pub struct BatchPersons {
    /// Each person's key hashes with (sensitive, minor).
    pub persons: Vec<(Vec<u128>, bool, bool)>,
    /// Rows with personal data but no key: one person each.
    pub unlinked: u64,
    pub unlinked_sensitive: u64,
}

impl BatchPersons {
    /// From a scan's person set; `sensitive_mask` is `Scanner::sensitive_mask` (minors are
    /// sensitive too).
    pub fn from_set(set: &mut PersonSet, sensitive_mask: u64) -> BatchPersons {
        let counts = set.counts(sensitive_mask);
        let persons: Vec<(Vec<u128>, bool, bool)> = set
            .persons()
            .into_iter()
            .map(|(keys, f)| (keys, f & (sensitive_mask | MINOR_BIT) != 0, f & MINOR_BIT != 0))
            .collect();
        let keyed_sensitive = persons.iter().filter(|p| p.1).count() as u64;
        BatchPersons {
            persons,
            unlinked: counts.unlinked_rows,
            unlinked_sensitive: counts.sensitive.saturating_sub(keyed_sensitive),
        }
    }

    pub fn total(&self) -> u64 {
        self.persons.len() as u64 + self.unlinked
    }

    pub fn sensitive(&self) -> u64 {
        self.persons.iter().filter(|p| p.1).count() as u64 + self.unlinked_sensitive
    }
}

/// Year-to-date counts of a scope before and with a batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct YtdCounts {
    /// Persons recorded for the exporter and year before this batch.
    pub before_persons: u64,
    pub before_sensitive: u64,
    /// Persons this year with this batch: recorded ∪ batch.
    pub persons: u64,
    pub sensitive: u64,
    /// Batch persons not in the ledger (keyless rows included).
    pub new_persons: u64,
}

/// One input of a transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferInput {
    pub path: String,
    pub format: Option<String>,
    pub rows: u64,
    pub bytes: u64,
    /// Keyed BLAKE3 of the file's bytes (hex, 32 digits); `None` for stdin.
    pub fingerprint: Option<String>,
}

/// A transfer as the chain hashes it. Field order is the canonical order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    pub seq: u64,
    pub exporter: String,
    pub year: i32,
    pub recorded_at: String,
    pub as_of: String,
    pub inputs: Vec<TransferInput>,
    /// Persons in this batch.
    pub persons: u64,
    pub sensitive: u64,
    pub unlinked_rows: u64,
    pub ytd: YtdCounts,
    pub verdict: String,
    pub policy: String,
    pub policy_version: String,
    pub key_fingerprint: String,
}

/// What the caller says about a transfer; the ledger adds sequence, time and counts.
#[derive(Debug, Clone)]
pub struct TransferMeta {
    pub as_of: String,
    pub inputs: Vec<TransferInput>,
    pub verdict: String,
    pub policy: String,
    pub policy_version: String,
}

/// One row of `xborder ledger summary`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScopeSummary {
    pub exporter: String,
    pub year: i32,
    pub persons: u64,
    pub sensitive: u64,
    pub transfers: u64,
    pub last_verdict: Option<String>,
}

/// An open ledger file.
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
}

fn err(path: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |e| Error::Ledger { path: path.display().to_string(), message: e.to_string() }
}

fn blob(k: u128) -> [u8; 16] {
    k.to_be_bytes()
}

impl Ledger {
    /// Open the ledger at `path`; with `create`, create it (and its schema) when missing.
    /// `Ok(None)` when it does not exist and `create` is false.
    pub fn open(path: &Path, create: bool) -> Result<Option<Ledger>> {
        if !create && !path.exists() {
            return Ok(None);
        }
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let e = err(path);
        let mut conn = Connection::open_with_flags(path, flags).map_err(&e)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(&e)?;
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).map_err(&e)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Ledger { path: path.display().to_string(), message: format!("journal mode {mode}") });
        }
        // A commit reaches the disk before `--record` reports it.
        conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;").map_err(&e)?;
        let has_meta: bool = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'", [], |r| r.get(0))
            .map_err(&e)?;
        if !has_meta {
            if !create {
                return Err(Error::Ledger {
                    path: path.display().to_string(),
                    message: "not an xborder ledger (no meta table)".into(),
                });
            }
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(&e)?;
            tx.execute_batch(SCHEMA).map_err(&e)?;
            tx.execute(
                "INSERT OR IGNORE INTO meta (name, value) VALUES ('schema_version', ?1)",
                [SCHEMA_VERSION.to_string()],
            )
            .map_err(&e)?;
            tx.commit().map_err(&e)?;
        }
        let version: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE name='schema_version'", [], |r| r.get(0))
            .optional()
            .map_err(&e)?;
        if version.as_deref() != Some(&SCHEMA_VERSION.to_string()) {
            return Err(Error::Ledger {
                path: path.display().to_string(),
                message: format!("schema version {version:?}, this xborder reads {SCHEMA_VERSION}"),
            });
        }
        let has_objects: bool = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='objects'", [], |r| r.get(0))
            .map_err(&e)?;
        if !has_objects {
            conn.execute_batch(OBJECTS_SCHEMA).map_err(&e)?;
        }
        Ok(Some(Ledger { conn, path: path.to_path_buf() }))
    }

    /// Objects already recorded for `exporter` in `year`: (URL, version) → the transfer that
    /// recorded them.
    pub fn recorded_objects(&self, exporter: &str, year: i32) -> Result<HashMap<(String, String), u64>> {
        let e = err(&self.path);
        let mut st = self
            .conn
            .prepare(
                "SELECT o.url, o.version, o.transfer FROM objects o JOIN scopes s ON s.scope = o.scope
                 WHERE s.exporter = ?1 AND s.year = ?2",
            )
            .map_err(&e)?;
        let rows = st
            .query_map(params![exporter, year], |r| Ok(((r.get(0)?, r.get(1)?), r.get::<_, i64>(2)? as u64)))
            .map_err(&e)?;
        rows.collect::<std::result::Result<HashMap<_, _>, _>>().map_err(&e)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Fingerprint of the key the ledger was written with, if any transfer or key check set it.
    pub fn key_fingerprint(&self) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE name='key_fingerprint'", [], |r| r.get(0))
            .optional()
            .map_err(err(&self.path))
    }

    /// Refuse a key other than the ledger's; a ledger without a key yet adopts this one.
    pub fn check_key(&mut self, hasher: &KeyHasher, source: &KeySource) -> Result<()> {
        let fp = hasher.fingerprint();
        let stored = match self.key_fingerprint()? {
            Some(s) => s,
            None => {
                let e = err(&self.path);
                let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(&e)?;
                tx.execute("INSERT OR IGNORE INTO meta (name, value) VALUES ('key_fingerprint', ?1)", [&fp])
                    .map_err(&e)?;
                let s: String = tx
                    .query_row("SELECT value FROM meta WHERE name='key_fingerprint'", [], |r| r.get(0))
                    .map_err(&e)?;
                tx.commit().map_err(&e)?;
                s
            }
        };
        if stored != fp {
            return Err(Error::Usage(format!(
                "ledger {} was written with the key of fingerprint {stored}, but the key from {source} has \
                 fingerprint {fp}: use the ledger's key (XBORDER_KEY or {})",
                self.path.display(),
                key_path(&self.path).display()
            )));
        }
        Ok(())
    }

    /// A read transaction (dry run) or, with `write`, the write lock (`BEGIN IMMEDIATE`; waits
    /// for another recorder to finish).
    pub fn begin(&mut self, write: bool) -> Result<LedgerTxn<'_>> {
        let behavior = if write { TransactionBehavior::Immediate } else { TransactionBehavior::Deferred };
        let tx = self.conn.transaction_with_behavior(behavior).map_err(err(&self.path))?;
        Ok(LedgerTxn { tx, path: &self.path })
    }

    /// Per exporter and year: persons, sensitive persons, transfers and the last verdict.
    pub fn summary(&self) -> Result<Vec<ScopeSummary>> {
        let e = err(&self.path);
        let mut st = self
            .conn
            .prepare(
                "SELECT s.exporter, s.year, s.persons, s.sensitive,
                        (SELECT count(*) FROM transfers t WHERE t.scope = s.scope),
                        (SELECT verdict FROM transfers t WHERE t.scope = s.scope ORDER BY seq DESC LIMIT 1)
                 FROM scopes s ORDER BY s.exporter, s.year",
            )
            .map_err(&e)?;
        let rows = st
            .query_map([], |r| {
                Ok(ScopeSummary {
                    exporter: r.get(0)?,
                    year: r.get(1)?,
                    persons: r.get::<_, i64>(2)? as u64,
                    sensitive: r.get::<_, i64>(3)? as u64,
                    transfers: r.get::<_, i64>(4)? as u64,
                    last_verdict: r.get(5)?,
                })
            })
            .map_err(&e)?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(&e)
    }

    /// Check the hash chain (without the seal: see [`Ledger::verify`]); the number of
    /// transfers when it is whole, else the first problem.
    pub fn verify_chain(&self) -> Result<u64> {
        let r = self.verify(None)?;
        match r.problems.into_iter().next() {
            None => Ok(r.transfers),
            Some(p) => Err(Error::Ledger { path: self.path.display().to_string(), message: p.message }),
        }
    }
}

/// A transaction on the ledger: dropping it without [`LedgerTxn::record`] changes nothing.
pub struct LedgerTxn<'a> {
    tx: rusqlite::Transaction<'a>,
    path: &'a Path,
}

/// How a batch joins a scope: computed by [`LedgerTxn::year_to_date`], applied by
/// [`LedgerTxn::record`] in the same transaction.
#[derive(Debug, Clone)]
pub struct Plan {
    exporter: String,
    year: i32,
    scope: Option<i64>,
    pub counts: YtdCounts,
    /// Per batch person: the ledger persons (roots) its keys found, and which keys were found.
    matches: Vec<(Vec<i64>, Vec<bool>)>,
    batch_total: u64,
    batch_sensitive: u64,
    unlinked: u64,
}

/// A small union-find over ledger person ids.
#[derive(Default)]
struct Groups {
    index: HashMap<i64, usize>,
    ids: Vec<i64>,
    parent: Vec<usize>,
}

impl Groups {
    fn node(&mut self, id: i64) -> usize {
        if let Some(&n) = self.index.get(&id) {
            return n;
        }
        let n = self.ids.len();
        self.index.insert(id, n);
        self.ids.push(id);
        self.parent.push(n);
        n
    }
    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (root, child) = if self.ids[ra] < self.ids[rb] { (ra, rb) } else { (rb, ra) };
            self.parent[child] = root;
        }
    }
}

impl LedgerTxn<'_> {
    fn scope(&self, exporter: &str, year: i32) -> Result<Option<(i64, u64, u64)>> {
        self.tx
            .query_row(
                "SELECT scope, persons, sensitive FROM scopes WHERE exporter = ?1 AND year = ?2",
                params![exporter, year],
                |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64, r.get::<_, i64>(2)? as u64)),
            )
            .optional()
            .map_err(err(self.path))
    }

    /// Year to date of `exporter` in `year` with `batch`: the recorded persons ∪ the batch.
    /// Nothing is written.
    pub fn year_to_date(&self, exporter: &str, year: i32, batch: &BatchPersons) -> Result<Plan> {
        let e = err(self.path);
        let scope = self.scope(exporter, year)?;
        let mut plan = Plan {
            exporter: exporter.to_string(),
            year,
            scope: scope.map(|s| s.0),
            counts: YtdCounts::default(),
            matches: Vec::with_capacity(batch.persons.len()),
            batch_total: batch.total(),
            batch_sensitive: batch.sensitive(),
            unlinked: batch.unlinked,
        };
        let (before_p, before_s) = scope.map(|s| (s.1, s.2)).unwrap_or((0, 0));
        let mut new_p = batch.unlinked;
        let mut new_s = batch.unlinked_sensitive;
        let Some((scope_id, _, _)) = scope else {
            plan.counts = YtdCounts {
                before_persons: 0,
                before_sensitive: 0,
                persons: batch.total(),
                sensitive: batch.sensitive(),
                new_persons: batch.total(),
            };
            plan.matches = batch.persons.iter().map(|(k, _, _)| (Vec::new(), vec![false; k.len()])).collect();
            return Ok(plan);
        };
        let mut key_st =
            self.tx.prepare_cached("SELECT person FROM person_keys WHERE scope = ?1 AND key_hash = ?2").map_err(&e)?;
        let mut person_st = self
            .tx
            .prepare_cached("SELECT sensitive, minor, merged_into FROM persons WHERE scope = ?1 AND person = ?2")
            .map_err(&e)?;
        // Ledger person → (root, sensitive of root)
        let mut roots: HashMap<i64, (i64, bool)> = HashMap::new();
        let mut resolve = |mut p: i64| -> Result<(i64, bool)> {
            if let Some(&r) = roots.get(&p) {
                return Ok(r);
            }
            let start = p;
            loop {
                let (sens, _minor, next): (bool, bool, Option<i64>) =
                    person_st.query_row(params![scope_id, p], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).map_err(&e)?;
                match next {
                    Some(n) => p = n,
                    None => {
                        roots.insert(start, (p, sens));
                        return Ok((p, sens));
                    }
                }
            }
        };
        let mut groups = Groups::default();
        let mut root_sensitive: HashMap<i64, bool> = HashMap::new();
        // Batch persons attached to a group: their sensitivity, by one member root.
        let mut attached: Vec<(i64, bool)> = Vec::new();
        for (keys, sensitive, _minor) in &batch.persons {
            let mut found = vec![false; keys.len()];
            let mut hit: Vec<i64> = Vec::new();
            for (i, k) in keys.iter().enumerate() {
                let p: Option<i64> =
                    key_st.query_row(params![scope_id, &blob(*k)[..]], |r| r.get(0)).optional().map_err(&e)?;
                if let Some(p) = p {
                    found[i] = true;
                    let (root, s) = resolve(p)?;
                    root_sensitive.insert(root, s);
                    if !hit.contains(&root) {
                        hit.push(root);
                    }
                }
            }
            if hit.is_empty() {
                new_p += 1;
                new_s += *sensitive as u64;
            } else {
                let first = groups.node(hit[0]);
                for &h in &hit[1..] {
                    let n = groups.node(h);
                    groups.union(first, n);
                }
                attached.push((hit[0], *sensitive));
            }
            plan.matches.push((hit, found));
        }
        // Each group of k ledger persons becomes one person, sensitive when any member or any
        // attached batch person is.
        let mut group_sensitive: HashMap<usize, bool> = HashMap::new();
        let mut merged_away = 0u64;
        let mut sensitive_before_in_groups = 0u64;
        for i in 0..groups.ids.len() {
            let id = groups.ids[i];
            let s = root_sensitive[&id];
            sensitive_before_in_groups += s as u64;
            let r = groups.find(i);
            if r != i {
                merged_away += 1;
            }
            *group_sensitive.entry(r).or_insert(false) |= s;
        }
        for &(member, s) in &attached {
            let n = groups.node(member);
            let r = groups.find(n);
            *group_sensitive.entry(r).or_insert(false) |= s;
        }
        let sensitive_after_in_groups = group_sensitive.values().filter(|&&s| s).count() as u64;
        plan.counts = YtdCounts {
            before_persons: before_p,
            before_sensitive: before_s,
            persons: before_p + new_p - merged_away,
            sensitive: before_s + new_s + sensitive_after_in_groups - sensitive_before_in_groups,
            new_persons: new_p,
        };
        Ok(plan)
    }

    /// Write the batch of `plan` (computed in this transaction) and the transfer, and commit.
    pub fn record(self, plan: &Plan, batch: &BatchPersons, meta: TransferMeta, hasher: &KeyHasher) -> Result<Transfer> {
        let (transfer, _) = self.write(plan, batch, meta, hasher)?;
        self.tx.commit().map_err(err(self.path))?;
        Ok(transfer)
    }

    /// The transfer that recorded this version of the object in `exporter`'s `year`, if one did
    /// (read inside the transaction: another run may have recorded it since the listing).
    pub fn object_transfer(&self, exporter: &str, year: i32, url: &str, version: &str) -> Result<Option<u64>> {
        let Some((scope, _, _)) = self.scope(exporter, year)? else { return Ok(None) };
        self.tx
            .query_row(
                "SELECT transfer FROM objects WHERE scope = ?1 AND url = ?2 AND version = ?3",
                params![scope, url, version],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .map(|t| t.map(|t| t as u64))
            .map_err(err(self.path))
    }

    /// [`LedgerTxn::record`] for one object of a store: its persons, the transfer and the
    /// object's row are committed together, so a run killed between objects has recorded each
    /// finished object exactly once and none of the others.
    pub fn record_object(
        self,
        plan: &Plan,
        batch: &BatchPersons,
        meta: TransferMeta,
        hasher: &KeyHasher,
        object: &ObjectRecord,
    ) -> Result<Transfer> {
        let (transfer, scope) = self.write(plan, batch, meta, hasher)?;
        self.tx
            .execute(
                "INSERT INTO objects (scope, url, version, transfer, size, rows) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![scope, object.url, object.version, transfer.seq as i64, object.size as i64, object.rows as i64],
            )
            .map_err(err(self.path))?;
        self.tx.commit().map_err(err(self.path))?;
        Ok(transfer)
    }

    fn write(
        &self,
        plan: &Plan,
        batch: &BatchPersons,
        meta: TransferMeta,
        hasher: &KeyHasher,
    ) -> Result<(Transfer, i64)> {
        let e = err(self.path);
        let tx = &self.tx;
        let scope_id = match plan.scope {
            Some(s) => s,
            None => {
                tx.execute("INSERT INTO scopes (exporter, year) VALUES (?1, ?2)", params![plan.exporter, plan.year])
                    .map_err(&e)?;
                tx.last_insert_rowid()
            }
        };
        let mut next: i64 =
            tx.query_row("SELECT next_person FROM scopes WHERE scope = ?1", [scope_id], |r| r.get(0)).map_err(&e)?;
        let mut new_persons: Vec<(i64, bool, bool)> = Vec::new();
        let mut new_keys: Vec<(u128, i64)> = Vec::new();
        let mut groups = Groups::default();
        // Root of each group's flags to OR in.
        let mut group_flags: Vec<(i64, bool, bool)> = Vec::new();
        for ((keys, sensitive, minor), (hit, found)) in batch.persons.iter().zip(&plan.matches) {
            if hit.is_empty() {
                let id = next;
                next += 1;
                new_persons.push((id, *sensitive, *minor));
                new_keys.extend(keys.iter().map(|&k| (k, id)));
            } else {
                let first = groups.node(hit[0]);
                for &h in &hit[1..] {
                    let n = groups.node(h);
                    groups.union(first, n);
                }
                group_flags.push((hit[0], *sensitive, *minor));
                new_keys.extend(keys.iter().zip(found).filter(|(_, f)| !**f).map(|(&k, _)| (k, hit[0])));
            }
        }
        {
            let mut ins_person = tx
                .prepare_cached(
                    "INSERT INTO persons (scope, person, sensitive, minor, merged_into) VALUES (?1, ?2, ?3, ?4, NULL)",
                )
                .map_err(&e)?;
            for (id, s, m) in &new_persons {
                ins_person.execute(params![scope_id, id, s, m]).map_err(&e)?;
            }
            // Group members: all but the smallest id are merged into it; flags go to the survivor.
            let mut upd_flags = tx
                .prepare_cached(
                    "UPDATE persons SET sensitive = max(sensitive, ?3), minor = max(minor, ?4)
                     WHERE scope = ?1 AND person = ?2",
                )
                .map_err(&e)?;
            let mut merge = tx
                .prepare_cached("UPDATE persons SET merged_into = ?3 WHERE scope = ?1 AND person = ?2")
                .map_err(&e)?;
            let mut read_flags = tx
                .prepare_cached("SELECT sensitive, minor FROM persons WHERE scope = ?1 AND person = ?2")
                .map_err(&e)?;
            let survivor = |groups: &mut Groups, id: i64| {
                let n = groups.node(id);
                let r = groups.find(n);
                groups.ids[r]
            };
            for i in 0..groups.ids.len() {
                let id = groups.ids[i];
                let root = survivor(&mut groups, id);
                if root != id {
                    let (s, m): (bool, bool) =
                        read_flags.query_row(params![scope_id, id], |r| Ok((r.get(0)?, r.get(1)?))).map_err(&e)?;
                    upd_flags.execute(params![scope_id, root, s, m]).map_err(&e)?;
                    merge.execute(params![scope_id, id, root]).map_err(&e)?;
                }
            }
            for &(member, s, m) in &group_flags {
                let root = survivor(&mut groups, member);
                upd_flags.execute(params![scope_id, root, s, m]).map_err(&e)?;
            }
            // Keys in order: appends to the b-tree instead of random page splits.
            new_keys.sort_unstable();
            new_keys.dedup_by_key(|k| k.0);
            let mut ins_key = tx
                .prepare_cached("INSERT OR IGNORE INTO person_keys (scope, key_hash, person) VALUES (?1, ?2, ?3)")
                .map_err(&e)?;
            for (k, p) in &new_keys {
                ins_key.execute(params![scope_id, &blob(*k)[..], p]).map_err(&e)?;
            }
        }
        test_pause();
        tx.execute(
            "UPDATE scopes SET persons = ?2, sensitive = ?3, next_person = ?4 WHERE scope = ?1",
            params![scope_id, plan.counts.persons as i64, plan.counts.sensitive as i64, next],
        )
        .map_err(&e)?;
        let last: Option<(i64, Vec<u8>)> = tx
            .query_row("SELECT seq, hash FROM transfers ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(&e)?;
        let (seq, prev) = match last {
            Some((s, h)) => {
                let mut p = [0u8; 32];
                if h.len() == 32 {
                    p.copy_from_slice(&h);
                }
                (s + 1, p)
            }
            None => (1, [0u8; 32]),
        };
        let transfer = Transfer {
            seq: seq as u64,
            exporter: plan.exporter.clone(),
            year: plan.year,
            recorded_at: crate::time::rfc3339_cst(crate::time::now_unix()),
            as_of: meta.as_of,
            inputs: meta.inputs,
            persons: plan.batch_total,
            sensitive: plan.batch_sensitive,
            unlinked_rows: plan.unlinked,
            ytd: plan.counts,
            verdict: meta.verdict,
            policy: meta.policy,
            policy_version: meta.policy_version,
            key_fingerprint: hasher.fingerprint(),
        };
        let body = serde_json::to_string(&transfer)
            .map_err(|x| Error::Ledger { path: self.path.display().to_string(), message: x.to_string() })?;
        let hash = chain::chain_hash(&prev, body.as_bytes());
        tx.execute(
            "INSERT INTO transfers (seq, scope, recorded_at, verdict, persons, new_persons, unlinked, body, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                seq,
                scope_id,
                transfer.recorded_at,
                transfer.verdict,
                transfer.persons as i64,
                plan.counts.new_persons as i64,
                plan.unlinked as i64,
                body,
                &prev[..],
                &hash[..]
            ],
        )
        .map_err(&e)?;
        chain::write_head(tx, seq, &hash, hasher).map_err(&e)?;
        Ok((transfer, scope_id))
    }
}

/// An object of a store, as [`LedgerTxn::record_object`] keeps it.
#[derive(Debug, Clone)]
pub struct ObjectRecord {
    pub url: String,
    /// ETag (or size and modification time where the store has none).
    pub version: String,
    pub size: u64,
    pub rows: u64,
}

/// Keyed fingerprint of an input file's bytes (32 hex digits); `None` when it cannot be read.
pub fn input_fingerprint(hasher: &KeyHasher, path: &Path) -> Option<String> {
    let key = blake3::derive_key("xborder input fingerprint v1", hasher.key_bytes());
    let mut h = blake3::Hasher::new_keyed(&key);
    let f = std::fs::File::open(path).ok()?;
    h.update_reader(f).ok()?;
    Some(h.finalize().to_hex()[..32].to_string())
}

/// Tests only: `XBORDER_TEST_RECORD_PAUSE_MS` holds a recorder inside its transaction, after the
/// persons are written and before the commit, so a test can kill it there.
fn test_pause() {
    if let Some(ms) = std::env::var("XBORDER_TEST_RECORD_PAUSE_MS").ok().and_then(|v| v.parse::<u64>().ok()) {
        eprintln!("xborder: test: record transaction open");
        std::thread::sleep(Duration::from_millis(ms));
    }
}

#[cfg(test)]
mod tests;
