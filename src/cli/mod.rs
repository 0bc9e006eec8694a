//! The command line (DESIGN.md "The command line at a glance"). Exit codes: 0 clean, 1 verdict at
//! or above `--fail-at`, 2 usage or configuration error, 3 incomplete scan; `ledger verify` alone
//! also exits 4 when it could not verify (no key to check the seals with).
//!
//! Precedence: 2 before anything is read; then 3 over 1 over 0. An incomplete scan exits 3 even
//! when its verdict is at or above `--fail-at` — the verdict of the part that was read is only a
//! lower bound, the unreadable input must be fixed first, and an incomplete scan never reads as
//! clean. stderr says when the partial verdict would also have failed.

mod audit;
mod config;
mod detectors;
mod events;
mod gate;
mod ledger;
mod output;
mod policy;
mod scan;

pub use output::emit;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

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
    /// Read settings from FILE instead of the nearest xborder.toml (the working directory or a
    /// parent). Flags override it.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan inputs (files, directories, globs, `-` for stdin, object-store URLs) and report findings,
    /// persons and verdict.
    #[command(after_help = SCAN_EXAMPLES)]
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
    /// Judge local files and send them to a directory or object-store prefix only when the
    /// verdict allows, in one read; the transfer is recorded with each object's digest.
    Gate(Box<gate::GateArgs>),
    /// Print the effective configuration (xborder.toml, environment, defaults) and where each
    /// value comes from.
    Config,
    /// Print a shell completion script: bash, zsh, fish, elvish or powershell
    /// (`xborder completions bash > /etc/bash_completion.d/xborder`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff: `xborder man | man -l -`), made from the same definitions as --help.
    Man,
}

const SCAN_EXAMPLES: &str = "\
Examples:
  xborder scan exports/ --exporter acme         # the table; exit 1 if a procedure is needed
  xborder scan exports/ -q --procedure standard_contract    # one line; exit 0 if it covers it
  xborder scan part-*.parquet --format json -o report.json  # the report, for a pipeline
  xborder scan s3://bucket/daily/ --record --exporter acme  # judge on the year, record it
  gunzip -c x.csv.gz | xborder scan - --format sarif        # for a code-scanning dashboard

Exit codes: 0 may leave, 1 needs a procedure not in place, 2 usage error,
3 incomplete (never clean).";

pub fn run() -> i32 {
    let parsed = Cli::command().try_get_matches().and_then(|m| Cli::from_arg_matches(&m).map(|c| (c, m)));
    let (cli, matches) = match parsed {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    let result = config::Config::load(cli.config.as_deref()).and_then(|conf| {
        let sub = matches.subcommand().map(|(_, m)| m);
        match cli.command {
            Command::Scan(mut a) => {
                a.apply_config(&conf, sub.expect("scan's matches"))?;
                scan::run(*a)
            }
            Command::Detectors(c) => detectors::run(c),
            Command::Policy(c) => policy::run(c),
            Command::Ledger(c) => ledger::run(c, &conf),
            Command::Audit(mut a) => {
                a.apply_config(&conf, sub.expect("audit's matches"))?;
                audit::run(*a)
            }
            Command::Gate(a) => gate::run(*a),
            Command::Config => config::print(&conf),
            Command::Completions { shell } => {
                let mut cmd = Cli::command();
                let mut out = Vec::new();
                clap_complete::generate(shell, &mut cmd, "xborder", &mut out);
                emit(None, &String::from_utf8_lossy(&out))?;
                Ok(EXIT_OK)
            }
            Command::Man => {
                let mut out = Vec::new();
                clap_mangen::Man::new(Cli::command()).render(&mut out)?;
                for sub in Cli::command().get_subcommands() {
                    let name = format!("xborder-{}", sub.get_name());
                    clap_mangen::Man::new(sub.clone().name(name)).render(&mut out)?;
                }
                emit(None, &String::from_utf8_lossy(&out))?;
                Ok(EXIT_OK)
            }
        }
    });
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
