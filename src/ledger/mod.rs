//! The ledger: per exporter and calendar year (Asia/Shanghai) the persons already provided abroad,
//! as keyed hashes of their person keys with a sensitive and a minor flag and the categories
//! their data carried, and an append-only, hash-chained log of transfers. SQLite (bundled), one
//! file, WAL mode; no raw identifier is ever written.
//!
//! Schema (version 3; the gate's journal, `gate_runs` and `gate_objects`, is described in `gate.rs`):
//!
//! - `meta(name, value)`: `schema_version`, `key_fingerprint` ([`KeyHasher::fingerprint`]),
//!   `chain_head` and `chain_seal` (the last transfer and a keyed seal of it: `chain.rs`).
//! - `scopes(scope, exporter, year, persons, sensitive, next_person)`: one row per exporter and
//!   year with the year-to-date totals (keyless rows included) and the next person id.
//! - `person_keys(scope, key_hash, person)`: every key hash (16 bytes, big-endian u128) seen in
//!   the scope, and the person it was first recorded under.
//! - `persons(scope, person, sensitive, minor, merged_into, categories)`: a person; `merged_into`
//!   is set when a later batch proved two ledger persons to be one (a row holding keys of both).
//!   A key's person is found by following `merged_into` to the end. `categories` is a bit set
//!   over `categories(bit, name)`: the categories the person's data carried in any transfer.
//! - `categories(bit, name)`: the ledger's category bits (0–61), assigned on first use.
//! - `scope_categories(scope, category, persons)`: per exporter and year, the persons whose data
//!   carried each category (keyless rows included) — the counts of per-category rules such as
//!   Beijing's unified identification rules, cumulative like the national lines.
//! - `transfers(seq, scope, recorded_at, verdict, persons, new_persons, unlinked, body, prev_hash,
//!   hash)`: `body` is the canonical JSON of a [`Transfer`]; `hash = BLAKE3(prev_hash || body)`,
//!   `prev_hash` the previous transfer's hash (32 zero bytes for the first). One chain per ledger;
//!   [`Ledger::verify`] walks it (what the hash covers and what the walk detects: `chain.rs`).
//! - `objects(scope, url, version, transfer, size, rows)`: objects of a store scanned and
//!   recorded in the scope, by URL and version (the ETag), with the transfer that recorded them.
//!   A later scan of the scope skips an object whose URL and version are here. Added after
//!   schema version 1 shipped; `open` creates it in older ledgers (nothing else changes).
//!
//! Version 2 ledgers gain the gate's journal on open (nothing else changes). Version 1 ledgers are
//! upgraded in place on open: persons recorded before carry no categories,
//! so per-category counts start with the first transfer recorded by version 2.
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
mod gate;
mod key;
mod query;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};

pub use chain::{ChainReport, Problem, SealState};
pub use gate::{GateObject, GateRun, GateState};
pub use key::{key_path, load_key, KeySource, KEY_ENV};
pub use query::{ChainEntry, TransferFilter};

use crate::persons::{KeyHasher, PersonSet, CATEGORY_BITS, MINOR_BIT};
use crate::{Error, Result};

/// The ledger file used when neither `--ledger` nor `XBORDER_LEDGER` names one.
pub const DEFAULT_PATH: &str = "xborder-ledger.db";
/// Environment variable naming the ledger file.
pub const LEDGER_ENV: &str = "XBORDER_LEDGER";
pub const SCHEMA_VERSION: i64 = 3;
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
    categories INTEGER NOT NULL DEFAULT 0,
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

/// Per-category counts (schema version 2); created on open when missing.
const CATEGORIES_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS categories (bit INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS scope_categories (
    scope INTEGER NOT NULL,
    category TEXT NOT NULL,
    persons INTEGER NOT NULL,
    PRIMARY KEY (scope, category)
) WITHOUT ROWID;
";

/// Category bits a ledger can hold: bit 63 of a person's flags in [`LedgerTxn::year_to_date`]
/// is the sensitive flag, and SQLite integers are signed.
const MAX_CATEGORY_BITS: usize = 62;
const SENSITIVE_FLAG: u64 = 1 << 63;

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

/// One person of a batch, as the ledger sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchPerson {
    /// The person's key hashes.
    pub keys: Vec<u128>,
    pub sensitive: bool,
    pub minor: bool,
    /// Bits into [`BatchPersons::categories`]: the categories the person's data carries.
    pub categories: u64,
}

/// The persons of one batch, as the ledger sees them: key hashes, two flags and category bits,
/// nothing else.
#[derive(Debug, Clone, Default)]
pub struct BatchPersons {
    pub persons: Vec<BatchPerson>,
    /// Category names by bit of [`BatchPerson::categories`].
    pub categories: Vec<String>,
    /// Rows with personal data but no key: one person each.
    pub unlinked: u64,
    pub unlinked_sensitive: u64,
    /// Keyless rows per category.
    pub unlinked_categories: BTreeMap<String, u64>,
}

impl BatchPersons {
    /// From a scan's person set; `sensitive_mask` is `Scanner::sensitive_mask` (minors are
    /// sensitive too) and `categories` the scanner's category names by bit
    /// (`Scanner::category_names`).
    pub fn from_set(set: &mut PersonSet, sensitive_mask: u64, categories: &[String]) -> BatchPersons {
        let counts = set.counts(sensitive_mask);
        let bits = categories.len().min(CATEGORY_BITS);
        let mask = (1u64 << bits) - 1;
        let persons: Vec<BatchPerson> = set
            .persons()
            .into_iter()
            .map(|(keys, f)| BatchPerson {
                keys,
                sensitive: f & (sensitive_mask | MINOR_BIT) != 0,
                minor: f & MINOR_BIT != 0,
                categories: f & mask,
            })
            .collect();
        let keyed_sensitive = persons.iter().filter(|p| p.sensitive).count() as u64;
        // Keyless rows per category: every person's profile less the keyed persons'.
        let mut per_bit = [0i64; CATEGORY_BITS];
        for (flags, n) in set.profiles() {
            for (b, c) in per_bit.iter_mut().enumerate().take(bits) {
                if flags & mask & (1 << b) != 0 {
                    *c += n as i64;
                }
            }
        }
        for p in &persons {
            for (b, c) in per_bit.iter_mut().enumerate().take(bits) {
                if p.categories & (1 << b) != 0 {
                    *c -= 1;
                }
            }
        }
        let unlinked_categories = per_bit
            .iter()
            .enumerate()
            .take(bits)
            .filter(|(_, &n)| n > 0)
            .map(|(b, &n)| (categories[b].clone(), n as u64))
            .collect();
        BatchPersons {
            persons,
            categories: categories[..bits].to_vec(),
            unlinked: counts.unlinked_rows,
            unlinked_sensitive: counts.sensitive.saturating_sub(keyed_sensitive),
            unlinked_categories,
        }
    }

    pub fn total(&self) -> u64 {
        self.persons.len() as u64 + self.unlinked
    }

    pub fn sensitive(&self) -> u64 {
        self.persons.iter().filter(|p| p.sensitive).count() as u64 + self.unlinked_sensitive
    }

    /// Persons of this batch per category (keyless rows included).
    pub fn category_counts(&self) -> BTreeMap<String, u64> {
        let mut out = self.unlinked_categories.clone();
        for p in &self.persons {
            for (b, name) in self.categories.iter().enumerate() {
                if p.categories & (1 << b) != 0 {
                    *out.entry(name.clone()).or_insert(0) += 1;
                }
            }
        }
        out
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
    /// Persons this year per category after this transfer (version 2 ledgers; absent before).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ytd_categories: BTreeMap<String, u64>,
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
            tx.execute_batch(CATEGORIES_SCHEMA).map_err(&e)?;
            tx.execute_batch(gate::GATE_SCHEMA).map_err(&e)?;
            tx.execute(
                "INSERT OR IGNORE INTO meta (name, value) VALUES ('schema_version', ?1)",
                [SCHEMA_VERSION.to_string()],
            )
            .map_err(&e)?;
            tx.commit().map_err(&e)?;
        }
        let mut version: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE name='schema_version'", [], |r| r.get(0))
            .optional()
            .map_err(&e)?;
        if version.as_deref() == Some("1") {
            // Version 1 → 2: persons gain their categories, scopes their per-category counts.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(&e)?;
            let again: Option<String> = tx
                .query_row("SELECT value FROM meta WHERE name='schema_version'", [], |r| r.get(0))
                .optional()
                .map_err(&e)?;
            if again.as_deref() == Some("1") {
                tx.execute_batch("ALTER TABLE persons ADD COLUMN categories INTEGER NOT NULL DEFAULT 0;")
                    .map_err(&e)?;
                tx.execute_batch(CATEGORIES_SCHEMA).map_err(&e)?;
                tx.execute("UPDATE meta SET value = '2' WHERE name = 'schema_version'", []).map_err(&e)?;
            }
            tx.commit().map_err(&e)?;
            version = Some("2".into());
        }
        gate::upgrade(&mut conn, path, &mut version)?;
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
    /// Persons this year with this batch per category (keyless rows included): recorded ∪ batch.
    pub categories: BTreeMap<String, u64>,
    /// Per batch person: the ledger persons (roots) its keys found, and which keys were found.
    matches: Vec<(Vec<i64>, Vec<bool>)>,
    /// Per batch person: its categories as ledger bits.
    ledger_bits: Vec<u64>,
    /// Category bits this batch adds to the ledger's table.
    new_bits: Vec<(u32, String)>,
    batch_total: u64,
    batch_sensitive: u64,
    unlinked: u64,
}

/// Category name → ledger bit.
type CategoryBits = HashMap<String, u32>;

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
        // (person, sensitive, minor, category bits)
        let mut new_persons: Vec<(i64, bool, bool, u64)> = Vec::new();
        let mut new_keys: Vec<(u128, i64)> = Vec::new();
        let mut groups = Groups::default();
        // Root of each group's flags to OR in.
        let mut group_flags: Vec<(i64, bool, bool, u64)> = Vec::new();
        for ((person, (hit, found)), &cats) in batch.persons.iter().zip(&plan.matches).zip(&plan.ledger_bits) {
            if hit.is_empty() {
                let id = next;
                next += 1;
                new_persons.push((id, person.sensitive, person.minor, cats));
                new_keys.extend(person.keys.iter().map(|&k| (k, id)));
            } else {
                let first = groups.node(hit[0]);
                for &h in &hit[1..] {
                    let n = groups.node(h);
                    groups.union(first, n);
                }
                group_flags.push((hit[0], person.sensitive, person.minor, cats));
                new_keys.extend(person.keys.iter().zip(found).filter(|(_, f)| !**f).map(|(&k, _)| (k, hit[0])));
            }
        }
        {
            let mut ins_bit = tx.prepare_cached("INSERT INTO categories (bit, name) VALUES (?1, ?2)").map_err(&e)?;
            for (bit, name) in &plan.new_bits {
                ins_bit.execute(params![bit, name]).map_err(&e)?;
            }
            let mut ins_person = tx
                .prepare_cached(
                    "INSERT INTO persons (scope, person, sensitive, minor, merged_into, categories)
                     VALUES (?1, ?2, ?3, ?4, NULL, ?5)",
                )
                .map_err(&e)?;
            for (id, s, m, c) in &new_persons {
                ins_person.execute(params![scope_id, id, s, m, *c as i64]).map_err(&e)?;
            }
            // Group members: all but the smallest id are merged into it; flags go to the survivor.
            let mut upd_flags = tx
                .prepare_cached(
                    "UPDATE persons SET sensitive = max(sensitive, ?3), minor = max(minor, ?4),
                                        categories = categories | ?5
                     WHERE scope = ?1 AND person = ?2",
                )
                .map_err(&e)?;
            let mut merge = tx
                .prepare_cached("UPDATE persons SET merged_into = ?3 WHERE scope = ?1 AND person = ?2")
                .map_err(&e)?;
            let mut read_flags = tx
                .prepare_cached("SELECT sensitive, minor, categories FROM persons WHERE scope = ?1 AND person = ?2")
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
                    let (s, m, c): (bool, bool, i64) = read_flags
                        .query_row(params![scope_id, id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                        .map_err(&e)?;
                    upd_flags.execute(params![scope_id, root, s, m, c]).map_err(&e)?;
                    merge.execute(params![scope_id, id, root]).map_err(&e)?;
                }
            }
            for &(member, s, m, c) in &group_flags {
                let root = survivor(&mut groups, member);
                upd_flags.execute(params![scope_id, root, s, m, c as i64]).map_err(&e)?;
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
            let mut upd_cat = tx
                .prepare_cached(
                    "INSERT INTO scope_categories (scope, category, persons) VALUES (?1, ?2, ?3)
                     ON CONFLICT (scope, category) DO UPDATE SET persons = excluded.persons",
                )
                .map_err(&e)?;
            for (name, n) in &plan.categories {
                upd_cat.execute(params![scope_id, name, *n as i64]).map_err(&e)?;
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
            ytd_categories: plan.categories.clone(),
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
