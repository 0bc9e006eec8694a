//! Finishing what a killed gate run left, from the journal alone: a run still `staging` was
//! never recorded, so its staged data is removed (temporary files deleted, uploads aborted); a
//! run `committing` was recorded, so its remaining objects are committed (a rename already done,
//! or an upload already completed, is recognised by the object at its URL having the journalled
//! size and digest).

use crate::ledger::{GateState, Ledger};
use crate::{Error, Result};

use super::stage::Stager;

/// What was done about a run an earlier process left unfinished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecoveredAction {
    /// Staged data removed; nothing had been recorded.
    Aborted,
    /// The recorded transfer's objects committed.
    Finished { transfer: Option<u64> },
}

#[derive(Debug, Clone)]
pub struct Recovered {
    pub run: String,
    pub dest: String,
    pub objects: usize,
    pub action: RecoveredAction,
}

/// Finish or clean up every unfinished run in `ledger` (the caller holds the gate lock).
/// `current` serves runs to its destination; others are opened from their journalled URL.
pub fn recover(ledger: &mut Ledger, current: &dyn Stager) -> Result<Vec<Recovered>> {
    let mut out = Vec::new();
    for run in ledger.gate_unfinished()? {
        let other;
        let stager: &dyn Stager = if run.dest == current.dest() {
            current
        } else {
            other = super::destination(&run.dest)?;
            &*other
        };
        let action = match run.state {
            GateState::Committing => {
                for o in run.objects.iter().filter(|o| o.state != "committed") {
                    let c = stager.commit(o).map_err(|e| Error::Io {
                        path: o.url.clone(),
                        message: format!(
                            "gate run {} recorded transfer {} but this object cannot be committed ({e}); \
                             every gate run with this ledger stops here until it can",
                            run.run,
                            run.transfer.map_or("?".into(), |t| t.to_string())
                        ),
                    })?;
                    ledger.gate_committed(&run.run, o.n, c.etag.as_deref(), c.version.as_deref())?;
                }
                ledger.gate_finish(&run.run, GateState::Done)?;
                RecoveredAction::Finished { transfer: run.transfer }
            }
            _ => {
                for o in run.objects.iter().filter(|o| o.state != "removed") {
                    stager.remove(o)?;
                    ledger.gate_removed(&run.run, o.n)?;
                }
                ledger.gate_finish(&run.run, GateState::Aborted)?;
                RecoveredAction::Aborted
            }
        };
        out.push(Recovered { run: run.run, dest: run.dest, objects: run.objects.len(), action });
    }
    Ok(out)
}
