//! The transfer log's tamper evidence: the hash chain, its head and the head's seal, and the walk
//! that checks them (`xborder ledger verify`).
//!
//! What a transfer's hash covers: `hash = BLAKE3(prev_hash || body)` where `body` is the
//! canonical JSON of the [`Transfer`](super::Transfer) — its sequence number (its position), exporter and year,
//! `recorded_at` and `as_of`, every input (path, format, rows, bytes, content fingerprint), every
//! count (batch persons, sensitive, keyless rows, year to date before and after, new persons),
//! the verdict, the policy id and version and the key fingerprint. The row's other columns
//! (`scope`, `recorded_at`, `verdict`, `persons`, `new_persons`, `unlinked`) are copies kept for
//! queries; the walk checks each against the hashed body, so editing one is tampering too.
//!
//! A chain alone cannot show that its last links were cut off, so every recording also writes
//! the head (`meta.chain_head` = `"<seq> <hash hex>"`) and a seal of it keyed with the ledger's
//! key (`meta.chain_seal`). Deleting the last transfers leaves a head that names a missing
//! transfer; rewriting the head, or re-hashing the whole chain after an edit, needs the key to
//! forge the seal.
//!
//! The person tables are sealed too: a transfer's hash covers its counts, not the key hashes
//! and flags it left behind, so deleting key hashes (a later scan then double-counts) or clearing
//! sensitive flags would go unseen. After each recording, the person tables of the transfer's
//! scope (every table with a `scope` column but the transfer log and the recorded objects:
//! `persons` with its flags and category bits, `person_keys`, the scope row with its totals and
//! category counts) and the tables scopes share (the category bits' names) are digested,
//! order-independently, into `seals.state`, chained with the transfer as `seals.seal` = keyed
//! BLAKE3(seq ‖ transfer hash ‖ state), and the head's seal covers the head transfer's person
//! seal. `verify` recomputes each scope's state and checks it against the scope's last seal.
//!
//! The final anchor is outside the file: `scan --record` prints the head after each recording,
//! `ledger export` and `ledger verify --format json` print it, and `ledger verify --expect-head
//! HASH` checks that the chain still passes through a head kept elsewhere (a rollback to an older
//! copy of the file has a chain that does not).

use rusqlite::OptionalExtension;

use super::{err, Ledger};
use crate::persons::KeyHasher;
use crate::Result;

/// `meta` rows holding the chain head and its keyed seal.
pub(super) const HEAD: &str = "chain_head";
pub(super) const SEAL: &str = "chain_seal";

/// One row per transfer recorded since person tables were sealed.
const SEALS_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS seals (
    seq INTEGER PRIMARY KEY,
    scope INTEGER NOT NULL,
    state TEXT NOT NULL,
    shared TEXT NOT NULL,
    seal TEXT NOT NULL
)";

/// Tables that are not person state: the log is chained on its own, `meta` holds the head, and
/// `objects` (which object versions were recorded, to skip them next time) is written after the
/// transfer it belongs to; deleting one of its rows makes a later run read the object again,
/// where its keys are found and no person is counted twice.
const NOT_STATE: [&str; 4] = ["transfers", "seals", "meta", "objects"];

/// An order-independent digest of a scope's person tables (`Some(scope)`: the rows of that scope
/// in every table with a `scope` column) or of the tables all scopes share (`None`: the tables
/// without one, such as the category bits' names): per table its name, row count and the sum
/// (mod 2²⁵⁶) of its rows' BLAKE3 hashes, each row encoded column by column with its type.
/// Generic over the columns, so a column added later is covered without a change here.
pub(super) fn person_state(tx: &rusqlite::Transaction<'_>, scope: Option<i64>) -> rusqlite::Result<String> {
    let mut tables: Vec<String> = {
        let mut st = tx.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
        let names = st.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        names
    };
    // The gate's journal (`gate_*`) changes after the transfer it names is sealed.
    tables.retain(|t| !NOT_STATE.contains(&t.as_str()) && !t.starts_with("sqlite_") && !t.starts_with("gate_"));
    let mut h = blake3::Hasher::new();
    h.update(b"xborder person state v1");
    for t in tables {
        let has_scope = {
            let mut st = tx.prepare(&format!("PRAGMA table_info(\"{t}\")"))?;
            let cols = st.query_map([], |r| r.get::<_, String>(1))?.collect::<rusqlite::Result<Vec<_>>>()?;
            cols.iter().any(|c| c == "scope")
        };
        if has_scope != scope.is_some() {
            continue;
        }
        let (sql, params): (String, Vec<i64>) = match scope {
            Some(s) => (format!("SELECT * FROM \"{t}\" WHERE scope = ?1"), vec![s]),
            None => (format!("SELECT * FROM \"{t}\""), vec![]),
        };
        let mut st = tx.prepare(&sql)?;
        let ncols = st.column_count();
        let mut rows = st.query(rusqlite::params_from_iter(params))?;
        let (mut count, mut sum) = (0u64, [0u64; 4]);
        while let Some(r) = rows.next()? {
            let mut rh = blake3::Hasher::new();
            for i in 0..ncols {
                use rusqlite::types::ValueRef;
                match r.get_ref(i)? {
                    ValueRef::Null => rh.update(&[0]),
                    ValueRef::Integer(v) => rh.update(&[1]).update(&v.to_le_bytes()),
                    ValueRef::Real(v) => rh.update(&[2]).update(&v.to_le_bytes()),
                    ValueRef::Text(b) => rh.update(&[3]).update(&(b.len() as u64).to_le_bytes()).update(b),
                    ValueRef::Blob(b) => rh.update(&[4]).update(&(b.len() as u64).to_le_bytes()).update(b),
                };
            }
            add256(&mut sum, rh.finalize().as_bytes());
            count += 1;
        }
        // An empty table adds nothing, so a table a later version creates on open (empty) leaves
        // older seals valid. (A column added with a default to rows that exist would not: such a
        // migration must re-seal.)
        if count == 0 {
            continue;
        }
        h.update(&(t.len() as u64).to_le_bytes()).update(t.as_bytes()).update(&count.to_le_bytes());
        for limb in sum {
            h.update(&limb.to_le_bytes());
        }
    }
    Ok(h.finalize().to_hex().to_string())
}

/// `sum += x` modulo 2²⁵⁶, little-endian limbs.
fn add256(sum: &mut [u64; 4], x: &[u8; 32]) {
    let mut carry = 0u128;
    for (i, limb) in sum.iter_mut().enumerate() {
        let v = u64::from_le_bytes(x[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
        let t = *limb as u128 + v as u128 + carry;
        *limb = t as u64;
        carry = t >> 64;
    }
}

/// Keyed seal of a transfer's person state, chained with the transfer's hash and the seal before
/// it (so a seal row cannot be deleted either).
pub(super) fn person_seal(
    hasher: &KeyHasher,
    seq: i64,
    hash: &[u8],
    state: &str,
    shared: &str,
    prev: Option<&str>,
) -> String {
    let key = blake3::derive_key("xborder ledger person seal v1", hasher.key_bytes());
    let mut h = blake3::Hasher::new_keyed(&key);
    h.update(&seq.to_le_bytes()).update(hash).update(state.as_bytes()).update(shared.as_bytes());
    h.update(prev.unwrap_or("").as_bytes());
    h.finalize().to_hex().to_string()
}

/// The head's seal once person tables are sealed: it covers the head transfer's person seal,
/// so the seal rows cannot be deleted to pass for a ledger written before them.
pub(super) fn head_seal(hasher: &KeyHasher, head: &str, person: &str) -> String {
    let key = blake3::derive_key("xborder ledger chain seal v2", hasher.key_bytes());
    let mut h = blake3::Hasher::new_keyed(&key);
    h.update(head.as_bytes()).update(b" ").update(person.as_bytes());
    h.finalize().to_hex().to_string()
}

pub(super) fn chain_hash(prev: &[u8; 32], body: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(prev);
    h.update(body);
    *h.finalize().as_bytes()
}

pub(super) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `"<seq> <hash hex>"`.
pub(super) fn head_value(seq: i64, hash: &[u8]) -> String {
    format!("{seq} {}", hex(hash))
}

/// Keyed BLAKE3 of the head value: only the key holder can write a head that verifies.
pub(super) fn seal(hasher: &KeyHasher, head: &str) -> String {
    let key = blake3::derive_key("xborder ledger chain seal v1", hasher.key_bytes());
    blake3::keyed_hash(&key, head.as_bytes()).to_hex().to_string()
}

/// Store the new head and its seal, and seal the person tables of the transfer's scope, in the
/// recording's transaction (the transfer row is written): cutting off the last transfers then
/// leaves a head naming one that is gone, and editing the person tables leaves a state that no
/// seal holds.
pub(super) fn write_head(
    tx: &rusqlite::Transaction<'_>,
    seq: i64,
    hash: &[u8],
    hasher: &KeyHasher,
) -> rusqlite::Result<usize> {
    let scope: i64 = tx.query_row("SELECT scope FROM transfers WHERE seq = ?1", [seq], |r| r.get(0))?;
    tx.execute(SEALS_SCHEMA, [])?;
    let state = person_state(tx, Some(scope))?;
    let shared = person_state(tx, None)?;
    let prev: Option<String> = tx
        .query_row("SELECT seal FROM seals WHERE seq < ?1 ORDER BY seq DESC LIMIT 1", [seq], |r| r.get(0))
        .optional()?;
    let person = person_seal(hasher, seq, hash, &state, &shared, prev.as_deref());
    tx.execute(
        "INSERT OR REPLACE INTO seals (seq, scope, state, shared, seal) VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![seq, scope, state, shared, person],
    )?;
    let head = head_value(seq, hash);
    tx.execute(
        "INSERT OR REPLACE INTO meta (name, value) VALUES (?1, ?2), (?3, ?4)",
        rusqlite::params![HEAD, head, SEAL, head_seal(hasher, &head, &person)],
    )
}

impl Ledger {
    /// The chain head as stored: `(seq, hash hex)` of the last recorded transfer.
    pub fn head(&self) -> Result<Option<(u64, String)>> {
        let v: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE name = ?1", [HEAD], |r| r.get(0))
            .optional()
            .map_err(err(&self.path))?;
        Ok(v.and_then(|v| {
            let (seq, hash) = v.split_once(' ')?;
            Some((seq.parse().ok()?, hash.to_string()))
        }))
    }
}
