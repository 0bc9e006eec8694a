//! Recording: a batch's new persons, keys and merges, the scope's totals and the transfer at the
//! head of the hash chain, written in the transaction that computed the plan.

use rusqlite::{params, OptionalExtension};

use super::plan::Groups;
use super::{blob, chain, err, BatchPersons, LedgerTxn, ObjectRecord, Plan, Transfer, TransferMeta};
use crate::persons::KeyHasher;
use crate::{Error, Result};

impl<'a> LedgerTxn<'a> {
    /// Write the batch of `plan` (computed in this transaction) and the transfer, and commit.
    pub fn record(self, plan: &Plan, batch: &BatchPersons, meta: TransferMeta, hasher: &KeyHasher) -> Result<Transfer> {
        self.stage(plan, batch, meta, hasher)?.commit()
    }

    /// Write the batch of `plan` and the transfer without committing: the [`Staged`] transfer is
    /// durable only once [`Staged::commit`] returns, and dropping it (or the process dying
    /// first) leaves the ledger as it was. A caller with other work that must succeed with the
    /// record (an object's row, a commit elsewhere) does it between the two.
    pub fn stage(
        self,
        plan: &Plan,
        batch: &BatchPersons,
        meta: TransferMeta,
        hasher: &KeyHasher,
    ) -> Result<Staged<'a>> {
        let (transfer, scope) = self.write(plan, batch, meta, hasher)?;
        Ok(Staged { txn: self, transfer, scope })
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
        let staged = self.stage(plan, batch, meta, hasher)?;
        staged.add_object(object)?;
        staged.commit()
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

/// A transfer written in its open transaction, not yet committed ([`LedgerTxn::stage`]).
pub struct Staged<'a> {
    txn: LedgerTxn<'a>,
    transfer: Transfer,
    scope: i64,
}

impl<'a> Staged<'a> {
    /// The open transaction, for writes that must commit with the transfer (`gate.rs`).
    pub(super) fn txn(&self) -> &LedgerTxn<'a> {
        &self.txn
    }

    /// The transfer as it will be committed (its sequence number and hash-chain place included).
    pub fn transfer(&self) -> &Transfer {
        &self.transfer
    }

    /// Record an object of a store as read by this transfer (committed with it).
    pub fn add_object(&self, object: &ObjectRecord) -> Result<()> {
        self.txn
            .tx
            .execute(
                "INSERT INTO objects (scope, url, version, transfer, size, rows) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    self.scope,
                    object.url,
                    object.version,
                    self.transfer.seq as i64,
                    object.size as i64,
                    object.rows as i64
                ],
            )
            .map_err(err(self.txn.path))?;
        Ok(())
    }

    /// Commit: the persons, the transfer and any object rows become durable together.
    pub fn commit(self) -> Result<Transfer> {
        self.txn.tx.commit().map_err(err(self.txn.path))?;
        Ok(self.transfer)
    }
}
