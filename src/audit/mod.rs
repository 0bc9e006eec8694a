//! `xborder audit`: replay archived exports in the order they left into a fresh ledger, and say
//! on which day and with which object the year reached each line, and which procedure each
//! transfer needed.
//!
//! The order comes from one source for the whole run, and the report names it:
//!
//! 1. a manifest (`--manifest FILE`: CSV `path,date` or JSON `[{"path": …, "date": …}]`), when
//!    given — the exporter's own record of what left when. A line names a file by its path, an
//!    object of a store by its URL or its key, or either by a file name no other line has;
//! 2. else a date in every object's name (`orders-2025-03.csv`, `20250315.parquet`, or a
//!    `2025/03/15/` prefix; an object's key is its name);
//! 3. else each file's modification time, or each object's Last-Modified time (Asia/Shanghai).
//!
//! Mixing sources would order a dated name against a copy time, so a run uses the first that
//! dates every object. Ties keep the manifest's order, else the name's.
//!
//! Recording: an audit replays what actually left, so every archived export of the year is
//! recorded — a transfer that should have been blocked still happened and its persons count for
//! the transfers after it. The report gives each transfer the procedure it needed (the policy's
//! verdict on the year to date with it) and whether the procedure the exporter had in place
//! (`--procedure`) covered it.

mod order;

use serde::Serialize;

pub use order::{
    date_in_name, load_manifest, order_objects, Archived, DateSource, Exported, ManifestEntry, OrderSource,
};

use crate::policy::Level;
use crate::report::timeline::Timeline;
use crate::report::Report;

/// One replayed transfer.
#[derive(Debug, Clone, Serialize)]
pub struct AuditTransfer {
    /// Sequence number in the audit's ledger (1 = first transfer of the year).
    pub seq: u64,
    pub object: String,
    /// The date the transfer is taken to have left (YYYY-MM-DD).
    pub date: String,
    pub date_source: DateSource,
    /// Persons in this export, sensitive among them, and how many the year had not seen.
    pub persons: u64,
    pub sensitive: u64,
    pub new_persons: u64,
    /// The year to date with this transfer.
    pub ytd_persons: u64,
    pub ytd_sensitive: u64,
    /// The procedure the transfer needed: the policy's verdict on the year to date with it.
    pub needed: Level,
    /// The procedure in place (`--procedure`) does not cover what the transfer needed.
    pub lacked: bool,
    /// Lines first reached by this transfer (`persons-100000`, …).
    pub crossed: Vec<String>,
    /// The object was read whole (else the counts are a lower bound).
    pub complete: bool,
    /// The scan of this object: findings (masked examples), persons, verdict with reasons.
    pub report: Report,
}

/// An object left out of the replay.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub object: String,
    pub date: Option<String>,
    pub reason: String,
}

/// The audit of one exporter's year.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub version: u32,
    pub audited_at: String,
    pub exporter: String,
    pub year: i32,
    pub policy: String,
    pub policy_version: String,
    /// Where the order of the transfers came from.
    pub order: OrderSource,
    /// The procedure the exporter declared it had in place for the year.
    pub procedure: Level,
    pub transfers: Vec<AuditTransfer>,
    pub skipped: Vec<Skipped>,
    pub timeline: Timeline,
    /// The highest procedure any transfer needed.
    pub highest: Level,
    /// Sequence numbers of the transfers the procedure in place did not cover.
    pub lacking: Vec<u64>,
    /// The ledger the audit wrote (`None`: a temporary one, removed) and its chain head.
    pub ledger: Option<String>,
    pub chain_head: Option<String>,
    /// Every object read whole.
    pub complete: bool,
}

/// The procedure `needed` is not covered by `in_place`. `needs_review` is no procedure (a
/// person decides); `prohibited` is covered by none.
pub fn lacks(needed: Level, in_place: Level) -> bool {
    needed >= Level::StandardContract && (needed > in_place || needed == Level::Prohibited)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_procedure_covers() {
        assert!(!lacks(Level::Allow, Level::Allow));
        assert!(!lacks(Level::NeedsReview, Level::Allow));
        assert!(lacks(Level::StandardContract, Level::Allow));
        assert!(!lacks(Level::StandardContract, Level::StandardContract));
        assert!(lacks(Level::SecurityAssessment, Level::StandardContract));
        assert!(!lacks(Level::StandardContract, Level::SecurityAssessment));
        assert!(lacks(Level::Prohibited, Level::SecurityAssessment));
    }
}
