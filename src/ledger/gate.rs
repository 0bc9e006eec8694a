//! The gate's journal (schema version 3): what `xborder gate` staged at a destination, the
//! decision that let it cross, and what it committed there, so that a run killed at any point is
//! finished or cleaned up by the next one and a transfer is never recorded twice.
//!
//! - `gate_runs(run, exporter, year, dest, state, transfer, started_at, finished_at)`: one row a
//!   run. `state` is `staging` (data may sit at temporary names or in uncompleted uploads; nothing
//!   is committed and nothing recorded), `committing` (the transfer is recorded — in the same
//!   transaction that set this state — and the staged objects are being committed), `done` or
//!   `aborted` (staged data removed, nothing recorded).
//! - `gate_objects(run, n, input, url, staging, size, digest, parts, etag, version, state)`: one
//!   row an input: its destination URL, where it is staged (a temporary file name or a multipart
//!   upload id), its size and BLAKE3 digest once read whole, the uploaded parts, and after the
//!   commit the ETag and version the store gave it. `state`: `staging`, `staged`, `committed`,
//!   `removed`.
//!
//! The journal is not part of the sealed person state (`chain.rs` leaves `gate_*` tables out): it
//! changes after the transfer it names is sealed. The transfer's hashed record names each input's
//! digest (`fingerprint = "blake3:…"`), so what crossed is tamper-evident there.

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::{err, BatchPersons, Ledger, LedgerTxn, Plan, Staged, Transfer, TransferMeta};
use crate::persons::KeyHasher;
use crate::{Error, Result};

pub(super) const GATE_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS gate_runs (
    run TEXT PRIMARY KEY,
    exporter TEXT NOT NULL,
    year INTEGER NOT NULL,
    dest TEXT NOT NULL,
    state TEXT NOT NULL,
    transfer INTEGER,
    started_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE TABLE IF NOT EXISTS gate_objects (
    run TEXT NOT NULL,
    n INTEGER NOT NULL,
    input TEXT NOT NULL,
    url TEXT NOT NULL,
    staging TEXT,
    size INTEGER,
    digest TEXT,
    parts TEXT,
    etag TEXT,
    version TEXT,
    state TEXT NOT NULL,
    PRIMARY KEY (run, n)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS gate_runs_state ON gate_runs (state);
";

/// Version 2 → 3: the gate's journal. Idempotent, and re-checked under the write lock so two
/// processes opening an old ledger at once upgrade it once.
pub(super) fn upgrade(conn: &mut Connection, path: &std::path::Path, version: &mut Option<String>) -> Result<()> {
    if version.as_deref() != Some("2") {
        return Ok(());
    }
    let e = err(path);
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(&e)?;
    let again: Option<String> =
        tx.query_row("SELECT value FROM meta WHERE name='schema_version'", [], |r| r.get(0)).optional().map_err(&e)?;
    if again.as_deref() == Some("2") {
        tx.execute_batch(GATE_SCHEMA).map_err(&e)?;
        tx.execute("UPDATE meta SET value = '3' WHERE name = 'schema_version'", []).map_err(&e)?;
    }
    tx.commit().map_err(&e)?;
    *version = Some("3".into());
    Ok(())
}

/// State of a gate run in the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateState {
    Staging,
    Committing,
    Done,
    Aborted,
}

impl GateState {
    pub fn as_str(self) -> &'static str {
        match self {
            GateState::Staging => "staging",
            GateState::Committing => "committing",
            GateState::Done => "done",
            GateState::Aborted => "aborted",
        }
    }
    fn parse(s: &str) -> GateState {
        match s {
            "committing" => GateState::Committing,
            "done" => GateState::Done,
            "aborted" => GateState::Aborted,
            _ => GateState::Staging,
        }
    }
}

/// One object of a gate run, as the journal keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GateObject {
    pub n: u32,
    /// The input as the report names it.
    pub input: String,
    /// Where it is committed (`file:///…` or `s3://bucket/key`).
    pub url: String,
    /// Where it is staged: a temporary file's name, or a multipart upload's id.
    pub staging: Option<String>,
    pub size: Option<u64>,
    /// `blake3:` and 64 hex digits.
    pub digest: Option<String>,
    /// Uploaded parts (JSON list of part ids), for completing the upload after a crash.
    pub parts: Option<String>,
    pub etag: Option<String>,
    pub version: Option<String>,
    /// `staging`, `staged`, `committed` or `removed`.
    pub state: String,
}

/// A gate run and its objects.
#[derive(Debug, Clone)]
pub struct GateRun {
    pub run: String,
    pub exporter: String,
    pub year: i32,
    pub dest: String,
    pub state: GateState,
    pub transfer: Option<u64>,
    pub objects: Vec<GateObject>,
}

fn object_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<GateObject> {
    Ok(GateObject {
        n: r.get::<_, i64>(0)? as u32,
        input: r.get(1)?,
        url: r.get(2)?,
        staging: r.get(3)?,
        size: r.get::<_, Option<i64>>(4)?.map(|s| s as u64),
        digest: r.get(5)?,
        parts: r.get(6)?,
        etag: r.get(7)?,
        version: r.get(8)?,
        state: r.get(9)?,
    })
}

const OBJECT_COLUMNS: &str = "n, input, url, staging, size, digest, parts, etag, version, state";

impl Ledger {
    /// Journal a new run in state `staging` with its objects (before anything is written at the
    /// destination: a crash after this leaves a run the next one cleans up).
    pub fn gate_begin(&mut self, run: &GateRun) -> Result<()> {
        let e = err(&self.path);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(&e)?;
        tx.execute(
            "INSERT INTO gate_runs (run, exporter, year, dest, state, started_at) VALUES (?1, ?2, ?3, ?4, 'staging', ?5)",
            params![run.run, run.exporter, run.year, run.dest, crate::time::rfc3339_cst(crate::time::now_unix())],
        )
        .map_err(&e)?;
        for o in &run.objects {
            tx.execute(
                "INSERT INTO gate_objects (run, n, input, url, staging, state) VALUES (?1, ?2, ?3, ?4, ?5, 'staging')",
                params![run.run, o.n, o.input, o.url, o.staging],
            )
            .map_err(&e)?;
        }
        tx.commit().map_err(&e)
    }

    /// Where object `n` is staged (a multipart upload's id, known once the upload is created).
    pub fn gate_set_staging(&mut self, run: &str, n: u32, staging: &str) -> Result<()> {
        self.conn
            .execute("UPDATE gate_objects SET staging = ?3 WHERE run = ?1 AND n = ?2", params![run, n, staging])
            .map(|_| ())
            .map_err(err(&self.path))
    }

    /// Object `n` was read whole and is staged durably: its size, digest and parts.
    pub fn gate_staged(&mut self, run: &str, n: u32, size: u64, digest: &str, parts: Option<&str>) -> Result<()> {
        self.conn
            .execute(
                "UPDATE gate_objects SET size = ?3, digest = ?4, parts = ?5, state = 'staged' WHERE run = ?1 AND n = ?2",
                params![run, n, size as i64, digest, parts],
            )
            .map(|_| ())
            .map_err(err(&self.path))
    }

    /// Object `n` is committed at its URL, with the store's ETag and version.
    pub fn gate_committed(&mut self, run: &str, n: u32, etag: Option<&str>, version: Option<&str>) -> Result<()> {
        self.conn
            .execute(
                "UPDATE gate_objects SET etag = ?3, version = ?4, state = 'committed' WHERE run = ?1 AND n = ?2",
                params![run, n, etag, version],
            )
            .map(|_| ())
            .map_err(err(&self.path))
    }

    /// Object `n`'s staged data is gone (removed, or the upload aborted).
    pub fn gate_removed(&mut self, run: &str, n: u32) -> Result<()> {
        self.conn
            .execute("UPDATE gate_objects SET state = 'removed' WHERE run = ?1 AND n = ?2", params![run, n])
            .map(|_| ())
            .map_err(err(&self.path))
    }

    /// Close a run: `Done` after every object is committed, `Aborted` after the staged data is
    /// removed.
    pub fn gate_finish(&mut self, run: &str, state: GateState) -> Result<()> {
        self.conn
            .execute(
                "UPDATE gate_runs SET state = ?2, finished_at = ?3 WHERE run = ?1",
                params![run, state.as_str(), crate::time::rfc3339_cst(crate::time::now_unix())],
            )
            .map(|_| ())
            .map_err(err(&self.path))
    }

    /// Runs left `staging` or `committing` (by a process that died), oldest first.
    pub fn gate_unfinished(&self) -> Result<Vec<GateRun>> {
        self.gate_runs_where("state IN ('staging', 'committing')", &[])
    }

    /// One run by its id.
    pub fn gate_run(&self, run: &str) -> Result<Option<GateRun>> {
        Ok(self.gate_runs_where("run = ?1", &[run])?.into_iter().next())
    }

    /// Finished runs to `dest` for `exporter` in `year`, newest first.
    pub fn gate_done(&self, exporter: &str, year: i32, dest: &str) -> Result<Vec<GateRun>> {
        let mut v = self.gate_runs_where(
            "state = 'done' AND exporter = ?1 AND year = ?2 AND dest = ?3",
            &[exporter, &year.to_string(), dest],
        )?;
        v.reverse();
        Ok(v)
    }

    /// Every run that committed objects as part of transfer `seq`.
    pub fn gate_objects_of_transfer(&self, seq: u64) -> Result<Vec<GateObject>> {
        let runs = self.gate_runs_where("transfer = ?1", &[&seq.to_string()])?;
        Ok(runs.into_iter().flat_map(|r| r.objects).collect())
    }

    fn gate_runs_where(&self, cond: &str, args: &[&str]) -> Result<Vec<GateRun>> {
        let e = err(&self.path);
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT run, exporter, year, dest, state, transfer FROM gate_runs WHERE {cond} ORDER BY rowid"
            ))
            .map_err(&e)?;
        let runs = st
            .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                Ok(GateRun {
                    run: r.get(0)?,
                    exporter: r.get(1)?,
                    year: r.get(2)?,
                    dest: r.get(3)?,
                    state: GateState::parse(&r.get::<_, String>(4)?),
                    transfer: r.get::<_, Option<i64>>(5)?.map(|t| t as u64),
                    objects: Vec::new(),
                })
            })
            .map_err(&e)?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(&e)?;
        let mut ob = self
            .conn
            .prepare(&format!("SELECT {OBJECT_COLUMNS} FROM gate_objects WHERE run = ?1 ORDER BY n"))
            .map_err(&e)?;
        let mut out = Vec::with_capacity(runs.len());
        for mut run in runs {
            run.objects = ob
                .query_map([&run.run], object_row)
                .map_err(&e)?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(&e)?;
            out.push(run);
        }
        Ok(out)
    }
}

impl Staged<'_> {
    /// For a gate run: move the run from `staging` to `committing`, naming this transfer, in the
    /// transfer's own transaction — the decision, after which the run's objects are committed
    /// (by this process or, if it dies, by the next gate run). A run no longer staging (closed
    /// by a recovery that judged it abandoned) is an error, and the transfer is then not
    /// recorded.
    pub fn decide_gate(&self, run: &str) -> Result<()> {
        let txn = self.txn();
        let n = txn
            .tx
            .execute(
                "UPDATE gate_runs SET state = 'committing', transfer = ?2 WHERE run = ?1 AND state = 'staging'",
                params![run, self.transfer().seq as i64],
            )
            .map_err(err(txn.path))?;
        if n != 1 {
            return Err(Error::Ledger {
                path: txn.path.display().to_string(),
                message: format!("gate run {run} is no longer staging: not recorded"),
            });
        }
        Ok(())
    }
}

impl LedgerTxn<'_> {
    /// [`LedgerTxn::record`] for a gate run ([`Staged::decide_gate`] before the commit).
    pub fn record_gate(
        self,
        plan: &Plan,
        batch: &BatchPersons,
        meta: TransferMeta,
        hasher: &KeyHasher,
        run: &str,
    ) -> Result<Transfer> {
        let staged = self.stage(plan, batch, meta, hasher)?;
        staged.decide_gate(run)?;
        staged.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{BatchPerson, BatchPersons, Ledger, TransferMeta, SCHEMA_VERSION};
    use super::*;

    fn run(id: &str) -> GateRun {
        GateRun {
            run: id.into(),
            exporter: "acme".into(),
            year: 2026,
            dest: "file:///out".into(),
            state: GateState::Staging,
            transfer: None,
            objects: vec![GateObject {
                n: 0,
                input: "a.csv".into(),
                url: "file:///out/a.csv".into(),
                staging: Some(".a.partial".into()),
                state: "staging".into(),
                ..GateObject::default()
            }],
        }
    }

    /// A gate run through the journal: staged, recorded (the decision), committed, done.
    fn gate_once(l: &mut Ledger, h: &KeyHasher, id: &str) -> u64 {
        l.gate_begin(&run(id)).unwrap();
        l.gate_staged(id, 0, 10, "blake3:00", None).unwrap();
        let b = BatchPersons {
            persons: vec![BatchPerson { keys: vec![7], sensitive: true, ..BatchPerson::default() }],
            ..BatchPersons::default()
        };
        let meta = TransferMeta {
            as_of: "2026-03-01".into(),
            inputs: Vec::new(),
            verdict: "allow".into(),
            policy: "p".into(),
            policy_version: "1".into(),
        };
        let tx = l.begin(true).unwrap();
        let plan = tx.year_to_date("acme", 2026, &b).unwrap();
        let t = tx.record_gate(&plan, &b, meta, h, id).unwrap();
        assert_eq!(l.gate_run(id).unwrap().unwrap().state, GateState::Committing);
        l.gate_committed(id, 0, Some("\"e\""), None).unwrap();
        l.gate_finish(id, GateState::Done).unwrap();
        t.seq
    }

    #[test]
    fn the_decision_commits_with_the_transfer_and_the_journal_is_not_sealed_state() {
        let dir = tempfile::tempdir().unwrap();
        let h = KeyHasher::new([3; 32]);
        let mut l = Ledger::open(&dir.path().join("l.db"), true).unwrap().unwrap();
        let seq = gate_once(&mut l, &h, "r1");
        assert_eq!(l.gate_objects_of_transfer(seq).unwrap()[0].etag.as_deref(), Some("\"e\""));
        assert!(l.gate_unfinished().unwrap().is_empty());
        // The journal changed after the transfer was sealed: the seals still hold.
        let r = l.verify(Some(&h)).unwrap();
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        // A run no longer staging (closed by a recovery) is not recorded, and nothing is written.
        l.gate_begin(&run("r2")).unwrap();
        l.gate_finish("r2", GateState::Aborted).unwrap();
        let tx = l.begin(true).unwrap();
        let b = BatchPersons::default();
        let plan = tx.year_to_date("acme", 2026, &b).unwrap();
        let meta = TransferMeta {
            as_of: "2026-03-01".into(),
            inputs: Vec::new(),
            verdict: "allow".into(),
            policy: "p".into(),
            policy_version: "1".into(),
        };
        assert!(tx.record_gate(&plan, &b, meta, &h, "r2").is_err());
        assert_eq!(l.verify_chain().unwrap(), 1);
    }

    #[test]
    fn version_2_ledgers_gain_the_journal_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v2.db");
        let h = KeyHasher::new([3; 32]);
        {
            let mut l = Ledger::open(&path, true).unwrap().unwrap();
            gate_once(&mut l, &h, "r1");
            // Back to the version 2 layout.
            l.conn
                .execute_batch(
                    "DROP TABLE gate_runs; DROP TABLE gate_objects;
                     UPDATE meta SET value = '2' WHERE name = 'schema_version';",
                )
                .unwrap();
        }
        let mut l = Ledger::open(&path, false).unwrap().unwrap();
        let v: String =
            l.conn.query_row("SELECT value FROM meta WHERE name='schema_version'", [], |r| r.get(0)).unwrap();
        assert_eq!(v, SCHEMA_VERSION.to_string());
        assert_eq!(l.verify_chain().unwrap(), 1, "the transfers are untouched");
        assert_eq!(gate_once(&mut l, &h, "r2"), 2);
        assert_eq!(l.verify(Some(&h)).unwrap().problems.len(), 0);
    }
}
