//! The transfer log's tamper evidence: the hash chain, its head and the head's seal, and the walk
//! that checks them (`xborder ledger verify`).
//!
//! What a transfer's hash covers: `hash = BLAKE3(prev_hash || body)` where `body` is the
//! canonical JSON of the [`Transfer`] — its sequence number (its position), exporter and year,
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
//! forge the seal. The final anchor is outside the file: `ledger export` and `ledger verify
//! --format json` print the head, and an auditor who keeps it can check later that the chain
//! still passes through it.

use rusqlite::OptionalExtension;
use serde::Serialize;

use super::{err, Ledger, Transfer};
use crate::persons::KeyHasher;
use crate::Result;

/// `meta` rows holding the chain head and its keyed seal.
pub(super) const HEAD: &str = "chain_head";
pub(super) const SEAL: &str = "chain_seal";

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

/// Store the new head and its seal, in the recording's transaction: cutting off the last
/// transfers then leaves a head naming one that is gone.
pub(super) fn write_head(
    tx: &rusqlite::Transaction<'_>,
    seq: i64,
    hash: &[u8],
    hasher: &KeyHasher,
) -> rusqlite::Result<usize> {
    let head = head_value(seq, hash);
    tx.execute(
        "INSERT OR REPLACE INTO meta (name, value) VALUES (?1, ?2), (?3, ?4)",
        rusqlite::params![HEAD, head, SEAL, seal(hasher, &head)],
    )
}

/// One problem the walk found, with the transfer it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The transfer (sequence number) the problem is about; `None` for the head or a scope.
    pub seq: Option<u64>,
    pub message: String,
}

/// Whether the head's seal was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SealState {
    /// Checked with the ledger's key and it matches.
    Valid,
    /// Checked and it does not match (also listed in `problems`).
    Invalid,
    /// Not checked: no key was given.
    Unchecked,
    /// No transfers, nothing to seal.
    Empty,
}

/// The result of walking the chain.
#[derive(Debug, Clone, Serialize)]
pub struct ChainReport {
    /// Transfer rows read.
    pub transfers: u64,
    /// The head as the rows say: last sequence number and its hash (hex).
    pub head_seq: Option<u64>,
    pub head_hash: Option<String>,
    pub seal: SealState,
    /// Empty when the chain is intact.
    pub problems: Vec<Problem>,
}

impl ChainReport {
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

struct Row {
    seq: i64,
    exporter: Option<String>,
    year: Option<i32>,
    recorded_at: String,
    verdict: String,
    persons: i64,
    new_persons: i64,
    unlinked: i64,
    body: String,
    prev: Vec<u8>,
    hash: Vec<u8>,
}

impl Ledger {
    /// Walk the whole chain and the head, and check every scope's totals against its last
    /// transfer. With `hasher` (the ledger's key) the head's seal is checked too. Reads one
    /// consistent snapshot; writes nothing.
    pub fn verify(&self, hasher: Option<&KeyHasher>) -> Result<ChainReport> {
        let e = err(&self.path);
        let tx = self.conn.unchecked_transaction().map_err(&e)?;
        let mut problems: Vec<Problem> = Vec::new();
        let mut at = |seq: i64, message: String| problems.push(Problem { seq: Some(seq as u64), message });
        let rows: Vec<Row> = {
            let mut st = tx
                .prepare(
                    "SELECT t.seq, s.exporter, s.year, t.recorded_at, t.verdict, t.persons, t.new_persons,
                            t.unlinked, t.body, t.prev_hash, t.hash
                     FROM transfers t LEFT JOIN scopes s ON s.scope = t.scope ORDER BY t.seq",
                )
                .map_err(&e)?;
            let it = st
                .query_map([], |r| {
                    Ok(Row {
                        seq: r.get(0)?,
                        exporter: r.get(1)?,
                        year: r.get(2)?,
                        recorded_at: r.get(3)?,
                        verdict: r.get(4)?,
                        persons: r.get(5)?,
                        new_persons: r.get(6)?,
                        unlinked: r.get(7)?,
                        body: r.get(8)?,
                        prev: r.get(9)?,
                        hash: r.get(10)?,
                    })
                })
                .map_err(&e)?;
            it.collect::<std::result::Result<_, _>>().map_err(&e)?
        };
        // The hash each transfer should have, recomputed from the first one: an edit shows at
        // the edited transfer, not only at the next link.
        let mut prev = [0u8; 32];
        let mut expected_seq = 1i64;
        // (exporter, year) → (transfers, last ytd persons, last ytd sensitive, last seq)
        let mut scopes: std::collections::BTreeMap<(String, i32), (u64, u64, u64, i64)> = Default::default();
        for row in &rows {
            let seq = row.seq;
            if seq > expected_seq {
                let missing = if seq - expected_seq == 1 {
                    format!("transfer {expected_seq} is missing")
                } else {
                    format!("transfers {expected_seq} to {} are missing", seq - 1)
                };
                at(
                    expected_seq,
                    format!("{missing}: transfer {seq} follows transfer {} (deleted rows)", expected_seq - 1),
                );
            } else if seq < expected_seq {
                at(seq, format!("transfer {seq} is out of sequence (expected {expected_seq})"));
            }
            expected_seq = seq + 1;
            if row.prev.as_slice() != prev.as_slice() {
                at(
                    seq,
                    format!(
                        "transfer {seq}: its prev_hash is not the hash of the transfer before it (rows deleted, \
                         inserted or reordered)"
                    ),
                );
            }
            let computed = chain_hash(&prev, row.body.as_bytes());
            if row.hash.as_slice() != computed.as_slice() {
                at(seq, format!("transfer {seq}: its hash does not match its record (the record was edited)"));
            }
            prev = computed;
            let t: Transfer = match serde_json::from_str(&row.body) {
                Ok(t) => t,
                Err(_) => {
                    at(seq, format!("transfer {seq}: its record is not a transfer (edited)"));
                    continue;
                }
            };
            if t.seq as i64 != seq {
                at(
                    seq,
                    format!(
                        "transfer {seq}: the row holds the record of transfer {} (rows swapped or renumbered)",
                        t.seq
                    ),
                );
            }
            let mut column = |name: &str, stored: String, hashed: String| {
                if stored != hashed {
                    at(
                        seq,
                        format!(
                            "transfer {seq}: column {name} is {stored} but the hashed record says {hashed} (edited)"
                        ),
                    );
                }
            };
            column("exporter", row.exporter.clone().unwrap_or_else(|| "(no scope)".into()), t.exporter.clone());
            column("year", row.year.map(|y| y.to_string()).unwrap_or_else(|| "(no scope)".into()), t.year.to_string());
            column("recorded_at", row.recorded_at.clone(), t.recorded_at.clone());
            column("verdict", row.verdict.clone(), t.verdict.clone());
            column("persons", row.persons.to_string(), t.persons.to_string());
            column("new_persons", row.new_persons.to_string(), t.ytd.new_persons.to_string());
            column("unlinked", row.unlinked.to_string(), t.unlinked_rows.to_string());
            let s = scopes.entry((t.exporter.clone(), t.year)).or_default();
            *s = (s.0 + 1, t.ytd.persons, t.ytd.sensitive, seq);
        }
        let last = rows.last().map(|r| (r.seq, r.hash.clone()));
        // The head: the last transfer must be the one the head names.
        let head: Option<String> =
            tx.query_row("SELECT value FROM meta WHERE name = ?1", [HEAD], |r| r.get(0)).optional().map_err(&e)?;
        let sealed: Option<String> =
            tx.query_row("SELECT value FROM meta WHERE name = ?1", [SEAL], |r| r.get(0)).optional().map_err(&e)?;
        let mut head_problem =
            |seq: Option<i64>, message: String| problems.push(Problem { seq: seq.map(|s| s as u64), message });
        match (&head, &last) {
            (None, None) => {}
            (None, Some((seq, _))) => head_problem(
                None,
                format!(
                    "the chain head is missing from meta although transfers exist up to {seq} (deleted; a ledger \
                 written before heads were recorded cannot show that its last transfers were not removed)"
                ),
            ),
            (Some(h), None) => {
                let hs = h.split(' ').next().and_then(|s| s.parse::<i64>().ok());
                head_problem(
                    hs,
                    format!(
                        "the chain head names transfer {} but no transfer is left (all deleted)",
                        hs.map_or_else(|| "?".to_string(), |s| s.to_string())
                    ),
                )
            }
            (Some(h), Some((seq, hash))) => {
                let head_seq = h.split(' ').next().and_then(|s| s.parse::<i64>().ok());
                if *h != head_value(*seq, hash) {
                    match head_seq {
                        Some(hs) if hs > *seq => {
                            let which = if hs == seq + 1 {
                                format!("transfer {hs} is missing")
                            } else {
                                format!("transfers {} to {hs} are missing", seq + 1)
                            };
                            head_problem(
                                Some(hs),
                                format!("{which}: the chain head names transfer {hs}, the last row is {seq} (deleted)"),
                            )
                        }
                        Some(hs) => head_problem(
                            Some(hs),
                            format!(
                                "the chain head names transfer {hs} but the last transfer is {seq} with another hash \
                             (transfers added or rewritten outside xborder)"
                            ),
                        ),
                        None => head_problem(None, "the chain head in meta is malformed (edited)".into()),
                    }
                }
            }
        }
        let seal_state = match (&head, hasher) {
            (None, _) => SealState::Empty,
            (Some(_), None) => SealState::Unchecked,
            (Some(h), Some(k)) => {
                if sealed.as_deref() == Some(seal(k, h).as_str()) {
                    SealState::Valid
                } else {
                    head_problem(
                        None,
                        "the chain head's seal does not match the ledger's key (the head or the chain was rewritten \
                         without the key)"
                            .into(),
                    );
                    SealState::Invalid
                }
            }
        };
        // Scope totals: each must be what its last transfer recorded.
        {
            let mut st = tx
                .prepare(
                    "SELECT s.exporter, s.year, s.persons, s.sensitive,
                            (SELECT count(*) FROM persons p WHERE p.scope = s.scope AND p.merged_into IS NULL),
                            (SELECT coalesce(sum(unlinked), 0) FROM transfers t WHERE t.scope = s.scope)
                     FROM scopes s ORDER BY s.exporter, s.year",
                )
                .map_err(&e)?;
            let it = st
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i32>(1)?,
                        r.get::<_, i64>(2)? as u64,
                        r.get::<_, i64>(3)? as u64,
                        r.get::<_, i64>(4)? as u64,
                        r.get::<_, i64>(5)? as u64,
                    ))
                })
                .map_err(&e)?;
            for r in it {
                let (exporter, year, persons, sensitive, live, unlinked) = r.map_err(&e)?;
                let name = format!("{exporter} {year}");
                match scopes.get(&(exporter.clone(), year)) {
                    None if persons > 0 || sensitive > 0 => problems.push(Problem {
                        seq: None,
                        message: format!("scope {name}: {persons} persons but no transfer (edited)"),
                    }),
                    None => {}
                    Some(&(_, p, s, seq)) => {
                        if (persons, sensitive) != (p, s) {
                            problems.push(Problem {
                                seq: Some(seq as u64),
                                message: format!(
                                    "scope {name}: totals are {persons} persons, {sensitive} sensitive, but its last \
                                     transfer {seq} recorded {p} and {s} (edited)"
                                ),
                            });
                        }
                        if live + unlinked != persons {
                            problems.push(Problem {
                                seq: None,
                                message: format!(
                                    "scope {name}: {live} person rows and {unlinked} keyless rows do not add up to \
                                     its {persons} persons (person rows edited or deleted)"
                                ),
                            });
                        }
                    }
                }
            }
        }
        drop(tx);
        Ok(ChainReport {
            transfers: rows.len() as u64,
            head_seq: last.as_ref().map(|l| l.0 as u64),
            head_hash: last.as_ref().map(|l| hex(&l.1)),
            seal: seal_state,
            problems,
        })
    }
}
