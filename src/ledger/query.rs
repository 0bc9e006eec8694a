//! Reading the transfer log back: `xborder ledger transfers`, `ledger export` and the timelines
//! of the HTML report.

use rusqlite::params;
use serde::Serialize;

use super::chain::hex;
use super::{err, Ledger, Transfer};
use crate::{Error, Result};

/// A transfer with its place in the chain.
#[derive(Debug, Clone, Serialize)]
pub struct ChainEntry {
    pub seq: u64,
    /// BLAKE3 of `prev_hash || body` (hex), as stored.
    pub hash: String,
    pub prev_hash: String,
    /// The canonical JSON the hash covers, byte for byte (an auditor recomputes the chain from it).
    pub body: String,
    pub transfer: Transfer,
}

/// Which transfers to list; every field narrows, `None` lets all through.
#[derive(Debug, Clone, Default)]
pub struct TransferFilter {
    pub exporter: Option<String>,
    pub year: Option<i32>,
    /// The transfer's date (`as_of`, YYYY-MM-DD) on or after / on or before.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Verdict levels to keep.
    pub verdicts: Vec<String>,
}

impl TransferFilter {
    fn keeps(&self, t: &Transfer) -> bool {
        self.exporter.as_ref().is_none_or(|e| *e == t.exporter)
            && self.year.is_none_or(|y| y == t.year)
            && self.from.as_ref().is_none_or(|f| t.as_of.as_str() >= f.as_str())
            && self.to.as_ref().is_none_or(|to| t.as_of.as_str() <= to.as_str())
            && (self.verdicts.is_empty() || self.verdicts.contains(&t.verdict))
    }
}

impl Ledger {
    /// Transfers in chain order that pass `filter`. A record that cannot be read is an error
    /// naming the transfer (`ledger verify` says more).
    pub fn transfers(&self, filter: &TransferFilter) -> Result<Vec<ChainEntry>> {
        let e = err(&self.path);
        let mut st = self
            .conn
            .prepare(
                "SELECT t.seq, t.body, t.prev_hash, t.hash FROM transfers t JOIN scopes s ON s.scope = t.scope
                 WHERE (?1 IS NULL OR s.exporter = ?1) AND (?2 IS NULL OR s.year = ?2) ORDER BY t.seq",
            )
            .map_err(&e)?;
        let rows = st
            .query_map(params![filter.exporter, filter.year], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, Vec<u8>>(2)?, r.get::<_, Vec<u8>>(3)?))
            })
            .map_err(&e)?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, body, prev, hash) = row.map_err(&e)?;
            let transfer: Transfer = serde_json::from_str(&body).map_err(|_| Error::Ledger {
                path: self.path.display().to_string(),
                message: format!("transfer {seq}: the record cannot be read (run `xborder ledger verify`)"),
            })?;
            if filter.keeps(&transfer) {
                out.push(ChainEntry { seq: seq as u64, hash: hex(&hash), prev_hash: hex(&prev), body, transfer });
            }
        }
        Ok(out)
    }

    /// Rows per table, for the export (counts only: the key hashes stay in the file).
    pub fn table_counts(&self) -> Result<Vec<(String, u64)>> {
        let e = err(&self.path);
        let mut out = Vec::new();
        for table in ["scopes", "persons", "person_keys", "transfers"] {
            let n: i64 = self.conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).map_err(&e)?;
            out.push((table.to_string(), n as u64));
        }
        Ok(out)
    }
}
