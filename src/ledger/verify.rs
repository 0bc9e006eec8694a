//! `ledger verify`: the walk over the chain, the head and its seal, every scope's totals and the
//! person seals (what each covers: `chain.rs`).

use rusqlite::OptionalExtension;
use serde::Serialize;

use super::chain::{chain_hash, head_seal, head_value, hex, person_seal, person_state, seal, HEAD, SEAL};
use super::{err, Ledger, Transfer};
use crate::persons::KeyHasher;
use crate::Result;

/// "exporter year" of a scope, for messages.
fn scope_name(tx: &rusqlite::Transaction<'_>, scope: i64) -> rusqlite::Result<String> {
    tx.query_row("SELECT exporter, year FROM scopes WHERE scope = ?1", [scope], |r| {
        Ok(format!("{} {}", r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })
    .optional()
    .map(|n| n.unwrap_or_else(|| format!("scope {scope}")))
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
    /// Not checked: no key was given. The chain, the totals and the person state were checked
    /// against what the file says, but not that the file is the key holder's: `ledger verify`
    /// exits 4.
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
    /// Transfers whose person tables are sealed (recorded by a version that seals them), and the
    /// first of them; transfers before it were recorded without.
    pub person_seals: u64,
    pub person_seals_from: Option<u64>,
    /// `--expect-head`: whether the chain passes through the head kept elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_head: Option<bool>,
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
        self.verify_expecting(hasher, None)
    }

    /// [`Ledger::verify`], and with `expect_head` (a head hash kept outside the file, hex) check
    /// that the chain passes through it: a rollback to an older copy of the ledger, or a chain
    /// rewritten since, does not.
    pub fn verify_expecting(&self, hasher: Option<&KeyHasher>, expect_head: Option<&str>) -> Result<ChainReport> {
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
        // seq → (scope of the row, recomputed hash)
        let mut computed_of: std::collections::BTreeMap<i64, [u8; 32]> = Default::default();
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
            computed_of.insert(seq, computed);
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
        // Person seals: one per transfer since the first, each chained with its transfer; each
        // scope's tables as they are now must be the state its last transfer sealed.
        let has_seals: bool = tx
            .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'seals'", [], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(&e)?
            > 0;
        let seals: Vec<(i64, i64, String, String, String)> = if has_seals {
            let mut st = tx.prepare("SELECT seq, scope, state, shared, seal FROM seals ORDER BY seq").map_err(&e)?;
            let it = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))).map_err(&e)?;
            it.collect::<std::result::Result<_, _>>().map_err(&e)?
        } else {
            Vec::new()
        };
        let person_seals_from = seals.first().map(|s| s.0);
        let scope_of: std::collections::BTreeMap<i64, i64> = {
            let mut st = tx.prepare("SELECT seq, scope FROM transfers").map_err(&e)?;
            let it = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(&e)?;
            it.collect::<std::result::Result<_, _>>().map_err(&e)?
        };
        let mut head_person_seal: Option<String> = None;
        if let Some(from) = person_seals_from {
            let sealed_seqs: std::collections::BTreeSet<i64> = seals.iter().map(|s| s.0).collect();
            for &seq in computed_of.keys().filter(|&&q| q >= from) {
                if !sealed_seqs.contains(&seq) {
                    problems.push(Problem {
                        seq: Some(seq as u64),
                        message: format!("transfer {seq}: the seal of its person tables is missing (deleted)"),
                    });
                }
            }
            let mut last_of_scope: std::collections::BTreeMap<i64, (i64, String)> = Default::default();
            let mut prev_seal: Option<&str> = None;
            for (seq, scope, state, shared, sealed) in &seals {
                let prev = prev_seal.replace(sealed.as_str());
                match (computed_of.get(seq), scope_of.get(seq)) {
                    (Some(hash), Some(s)) if s == scope => {
                        if let Some(k) = hasher {
                            if *sealed != person_seal(k, *seq, hash, state, shared, prev) {
                                problems.push(Problem {
                                    seq: Some(*seq as u64),
                                    message: format!(
                                        "transfer {seq}: the seal of its person tables does not match the ledger's \
                                         key (rewritten without the key, or a seal before it deleted)"
                                    ),
                                });
                            }
                        }
                        if Some(*seq) == last.as_ref().map(|l| l.0) {
                            head_person_seal = Some(sealed.clone());
                        }
                        last_of_scope.insert(*scope, (*seq, state.clone()));
                    }
                    _ => problems.push(Problem {
                        seq: Some(*seq as u64),
                        message: format!("transfer {seq}: a person-table seal names no such transfer of its scope"),
                    }),
                }
            }
            for (scope, (seq, state)) in &last_of_scope {
                // A later transfer of the scope without a seal is reported above.
                let last_transfer = scope_of.iter().filter(|(_, s)| *s == scope).map(|(q, _)| *q).max();
                if last_transfer != Some(*seq) {
                    continue;
                }
                if person_state(&tx, Some(*scope)).map_err(&e)? != *state {
                    problems.push(Problem {
                        seq: Some(*seq as u64),
                        message: format!(
                            "the person tables of {} do not match what transfer {seq} sealed (key hashes, persons \
                             or flags edited or deleted)",
                            scope_name(&tx, *scope).map_err(&e)?
                        ),
                    });
                }
            }
        }
        // The tables all scopes share (the names of category bits) as the last seal left them.
        if let Some((seq, _, _, shared, _)) = seals.last() {
            if Some(*seq) == last.as_ref().map(|l| l.0) && person_state(&tx, None).map_err(&e)? != *shared {
                problems.push(Problem {
                    seq: Some(*seq as u64),
                    message: format!(
                        "the ledger's shared person tables (category names) do not match what transfer {seq} sealed \
                         (edited)"
                    ),
                });
            }
        }
        let seal_state = match (&head, hasher) {
            (None, _) => SealState::Empty,
            (Some(_), None) => SealState::Unchecked,
            (Some(h), Some(k)) => {
                let expected = match &head_person_seal {
                    Some(p) => head_seal(k, h, p),
                    // A ledger written before person tables were sealed.
                    None if person_seals_from.is_none() => seal(k, h),
                    None => String::new(),
                };
                if sealed.as_deref() == Some(expected.as_str()) {
                    SealState::Valid
                } else {
                    problems.push(Problem {
                        seq: None,
                        message: "the chain head's seal does not match the ledger's key (the head, the chain or the \
                                  person seals were rewritten without the key)"
                            .into(),
                    });
                    SealState::Invalid
                }
            }
        };
        let expected_head = expect_head.map(|want| {
            let want = want.trim().to_ascii_lowercase();
            let want = want.rsplit([' ', ':']).next().unwrap_or("").to_string();
            let found = computed_of.iter().find(|(_, h)| hex(&h[..]) == want).map(|(q, _)| *q);
            match found {
                Some(_) => true,
                None => {
                    problems.push(Problem {
                        seq: None,
                        message: format!(
                            "the chain does not pass through the expected head {want} (the ledger was rolled back \
                             to an older copy, or rewritten)"
                        ),
                    });
                    false
                }
            }
        });
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
            person_seals: seals.len() as u64,
            person_seals_from: person_seals_from.map(|s| s as u64),
            expected_head,
            problems,
        })
    }
}
