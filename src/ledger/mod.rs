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

mod batch;
mod chain;
mod gate;
mod key;
mod plan;
mod query;
mod record;
mod schema;
mod verify;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};

pub use batch::{BatchPerson, BatchPersons};
pub use gate::{GateObject, GateRun, GateState};
pub use key::{key_path, load_key, KeySource, KEY_ENV};
pub use plan::{LedgerTxn, Plan};
pub use query::{ChainEntry, TransferFilter};
pub use record::Staged;
pub use verify::{ChainReport, Problem, SealState};

use crate::persons::KeyHasher;
use crate::{Error, Result};

/// The ledger file used when neither `--ledger` nor `XBORDER_LEDGER` names one.
pub const DEFAULT_PATH: &str = "xborder-ledger.db";
/// Environment variable naming the ledger file.
pub const LEDGER_ENV: &str = "XBORDER_LEDGER";
pub const SCHEMA_VERSION: i64 = 3;
/// How long a recorder waits for another one to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(120);

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
        schema::init_or_upgrade(&mut conn, create, path)?;
        Ok(Some(Ledger { conn, path: path.to_path_buf() }))
    }

    /// [`Ledger::open`] with the key its person hashes are made with: `key_hex` (the
    /// `XBORDER_KEY` value) or the key file beside the ledger, created with a new ledger. A
    /// ledger with no key, or with another one, is an error. `Ok(None)`: no ledger and not
    /// `create`.
    pub fn open_keyed(path: &Path, create: bool, key_hex: Option<&str>) -> Result<Option<(Ledger, KeyHasher)>> {
        let Some(mut l) = Ledger::open(path, create)? else {
            return Ok(None);
        };
        let fresh = l.key_fingerprint()?.is_none();
        let Some((hasher, source)) = load_key(path, key_hex, create && fresh)? else {
            return Err(Error::Ledger {
                path: path.display().to_string(),
                message: format!("no key: set {KEY_ENV} or restore the key file {}", key_path(path).display()),
            });
        };
        l.check_key(&hasher, &source)?;
        Ok(Some((l, hasher)))
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

#[cfg(test)]
mod tests;
