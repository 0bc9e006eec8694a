//! `xborder ledger`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::{emit, EXIT_OK, EXIT_USAGE};
use xborder::ledger::Ledger;

#[derive(Subcommand)]
pub enum LedgerCmd {
    /// Per exporter and year: persons, sensitive persons, transfers and the last verdict.
    Summary(SummaryArgs),
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OutFormat {
    Human,
    Json,
}

#[derive(Args)]
pub struct SummaryArgs {
    /// The ledger (default `./xborder-ledger.db`, or `XBORDER_LEDGER`).
    #[arg(long, value_name = "PATH")]
    ledger: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: OutFormat,
}

pub fn run(c: LedgerCmd) -> anyhow::Result<i32> {
    match c {
        LedgerCmd::Summary(a) => summary(a),
    }
}

fn summary(a: SummaryArgs) -> anyhow::Result<i32> {
    let path = super::scan::ledger_path(a.ledger.as_deref());
    let Some(l) = Ledger::open(&path, false)? else {
        eprintln!("xborder: error: no ledger at {}", path.display());
        return Ok(EXIT_USAGE);
    };
    let rows = l.summary()?;
    let text = match a.format {
        OutFormat::Json => serde_json::to_string_pretty(&serde_json::json!({ "ledger": path, "scopes": rows }))? + "\n",
        OutFormat::Human => {
            let mut s = format!("ledger {}\n", path.display());
            s.push_str(&format!(
                "{:<24} {:>5} {:>10} {:>10} {:>9}  {}\n",
                "exporter", "year", "persons", "sensitive", "transfers", "last verdict"
            ));
            for r in &rows {
                s.push_str(&format!(
                    "{:<24} {:>5} {:>10} {:>10} {:>9}  {}\n",
                    r.exporter,
                    r.year,
                    r.persons,
                    r.sensitive,
                    r.transfers,
                    r.last_verdict.as_deref().unwrap_or("-")
                ));
            }
            if rows.is_empty() {
                s.push_str("(no transfers recorded)\n");
            }
            s
        }
    };
    emit(None, &text)?;
    Ok(EXIT_OK)
}
