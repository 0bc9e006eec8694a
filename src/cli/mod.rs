//! The command line (DESIGN.md "The command line at a glance"). Exit codes: 0 clean, 1 verdict at
//! or above `--fail-at`, 2 usage or configuration error, 3 incomplete scan; `ledger verify` alone
//! also exits 4 when it could not verify (no key to check the seals with).
//!
//! Precedence: 2 before anything is read; then 3 over 1 over 0. An incomplete scan exits 3 even
//! when its verdict is at or above `--fail-at` — the verdict of the part that was read is only a
//! lower bound, the unreadable input must be fixed first, and an incomplete scan never reads as
//! clean. stderr says when the partial verdict would also have failed.

mod audit;
mod detectors;
mod events;
mod ledger;
mod policy;
mod scan;

use clap::{Parser, Subcommand};

pub const EXIT_OK: i32 = 0;
pub const EXIT_FAIL: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_INCOMPLETE: i32 = 3;
/// `ledger verify` without the ledger's key: consistent as far as it could look, not verified.
pub const EXIT_UNVERIFIED: i32 = 4;

#[derive(Parser)]
#[command(
    name = "xborder",
    version,
    about = "Find personal information in outbound data and say which cross-border procedure it needs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan inputs (files, directories, globs, `-` for stdin, object-store URLs) and report findings,
    /// persons and verdict.
    Scan(Box<scan::ScanArgs>),
    /// List or test detectors.
    #[command(subcommand)]
    Detectors(detectors::DetectorsCmd),
    /// List, show or check policies.
    #[command(subcommand)]
    Policy(policy::PolicyCmd),
    /// The year-to-date ledger: persons and transfers per exporter and year.
    #[command(subcommand)]
    Ledger(ledger::LedgerCmd),
    /// Replay archived exports in the order they left into a fresh ledger: when each line was
    /// crossed, and the procedure each transfer needed.
    Audit(Box<audit::AuditArgs>),
}

pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    let result = match cli.command {
        Command::Scan(a) => scan::run(*a),
        Command::Detectors(c) => detectors::run(c),
        Command::Policy(c) => policy::run(c),
        Command::Ledger(c) => ledger::run(c),
        Command::Audit(a) => audit::run(*a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return EXIT_OK;
            }
            eprintln!("xborder: error: {e:#}");
            EXIT_USAGE
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

/// Write to `--output FILE` or stdout.
pub fn emit(output: Option<&std::path::Path>, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    match output {
        Some(p) => std::fs::write(p, text).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display())),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
            Ok(())
        }
    }
}

/// Colour only on a terminal and when NO_COLOR is unset.
pub fn use_color() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}
