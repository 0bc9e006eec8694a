//! `xborder ledger summary|transfers|export|verify`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::output::{formats, Format};
use serde::Serialize;

use super::scan::{ledger_path, parse_level, LangArg};
use super::{emit, EXIT_FAIL, EXIT_OK, EXIT_UNVERIFIED, EXIT_USAGE};
use xborder::ledger::{self, ChainEntry, Ledger, ScopeSummary, TransferFilter};
use xborder::persons::KeyHasher;
use xborder::policy::Level;
use xborder::report::html::{self, SummaryScope};
use xborder::report::timeline::{national_lines, object_label, Point, Standing, Timeline};
use xborder::time::Date;

#[derive(Subcommand)]
pub enum LedgerCmd {
    /// Per exporter and year: persons, sensitive persons, transfers, the level the counts reach
    /// and the distance to the next national line.
    Summary(SummaryArgs),
    /// The recorded transfers, filtered by exporter, date and verdict.
    Transfers(TransfersArgs),
    /// Everything an auditor needs as JSON: transfers with their chain hashes, scopes, counts,
    /// the key's fingerprint and the chain check. No identifier, raw or hashed.
    Export(ExportArgs),
    /// Walk the hash chain: exit 0 when intact, 1 naming each edited, deleted or reordered
    /// transfer.
    Verify(VerifyArgs),
}

#[derive(Args)]
pub struct LedgerArg {
    /// The ledger (default `./xborder-ledger.db`, or `XBORDER_LEDGER`).
    #[arg(long, value_name = "PATH")]
    ledger: Option<PathBuf>,
}

#[derive(Args)]
pub struct SummaryArgs {
    #[command(flatten)]
    ledger: LedgerArg,
    /// Output format; `html` is one self-contained page with a chart per exporter and year.
    #[arg(long, default_value = "human", value_parser = formats(&["human", "json", "html"]))]
    format: Format,
    /// Language of the HTML report's labels.
    #[arg(long, value_enum, default_value = "en")]
    lang: LangArg,
    /// Write to FILE instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Args)]
pub struct TransfersArgs {
    #[command(flatten)]
    ledger: LedgerArg,
    /// Only this exporter.
    #[arg(long, value_name = "NAME")]
    exporter: Option<String>,
    /// Only transfers dated on or after this day (YYYY-MM-DD; the transfer's `as_of`).
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Only transfers dated on or before this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// Only transfers with this verdict (repeatable).
    #[arg(long = "verdict", value_name = "LEVEL", value_parser = parse_level)]
    verdicts: Vec<Level>,
    #[arg(long, default_value = "human", value_parser = formats(&["human", "json", "csv"]))]
    format: Format,
    /// Write to FILE instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Args)]
pub struct ExportArgs {
    #[command(flatten)]
    ledger: LedgerArg,
    /// Write to FILE instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    ledger: LedgerArg,
    #[arg(long, default_value = "human", value_parser = formats(&["human", "json"]))]
    format: Format,
    /// A chain head kept outside the ledger (the hash `scan --record` prints after recording):
    /// the chain must still pass through it, else the ledger was rolled back or rewritten.
    #[arg(long, value_name = "HASH")]
    expect_head: Option<String>,
}

pub fn run(c: LedgerCmd, conf: &super::config::Config) -> anyhow::Result<i32> {
    // `ledger` of xborder.toml when --ledger is not given.
    let fill = |l: &mut LedgerArg| {
        if l.ledger.is_none() {
            l.ledger = conf.ledger.clone();
        }
    };
    match c {
        LedgerCmd::Summary(mut a) => {
            fill(&mut a.ledger);
            summary(a)
        }
        LedgerCmd::Transfers(mut a) => {
            fill(&mut a.ledger);
            transfers(a)
        }
        LedgerCmd::Export(mut a) => {
            fill(&mut a.ledger);
            export(a)
        }
        LedgerCmd::Verify(mut a) => {
            fill(&mut a.ledger);
            verify(a)
        }
    }
}

/// Open an existing ledger (never creates one); `None` after saying so.
fn open(arg: &LedgerArg) -> anyhow::Result<Option<(PathBuf, Ledger)>> {
    let path = ledger_path(arg.ledger.as_deref());
    match Ledger::open(&path, false)? {
        Some(l) => Ok(Some((path, l))),
        None => {
            eprintln!("xborder: error: no ledger at {}", path.display());
            Ok(None)
        }
    }
}

/// The ledger's key when it can be found (`XBORDER_KEY` or the key file), for the seal check;
/// the seal is skipped (and said so) without it.
fn key_for(path: &Path) -> anyhow::Result<Option<KeyHasher>> {
    let env = std::env::var(ledger::KEY_ENV).ok();
    Ok(ledger::load_key(path, env.as_deref(), false)?.map(|k| k.0))
}

/// The year to date after each recorded transfer of `exporter` in `year`.
pub fn timeline_points(l: &Ledger, exporter: &str, year: i32) -> anyhow::Result<Vec<Point>> {
    let filter = TransferFilter { exporter: Some(exporter.to_string()), year: Some(year), ..TransferFilter::default() };
    Ok(l.transfers(&filter)?.iter().map(point).collect())
}

fn point(e: &ChainEntry) -> Point {
    let t = &e.transfer;
    Point {
        date: t.as_of.clone(),
        object: object_label(&t.inputs.iter().map(|i| i.path.clone()).collect::<Vec<_>>()),
        seq: Some(e.seq),
        persons: t.ytd.persons,
        sensitive: t.ytd.sensitive,
        level: t.verdict.parse().unwrap_or(Level::NeedsReview),
        pending: false,
    }
}

/// A summary row with the standing and the distance to the next lines.
#[derive(Serialize)]
struct SummaryRow<'a> {
    #[serde(flatten)]
    scope: &'a ScopeSummary,
    /// The level the year's counts reach on the national ladder.
    level: Level,
    next: Vec<xborder::report::timeline::NextLine>,
    crossings: Vec<xborder::report::timeline::Crossing>,
}

fn summary(a: SummaryArgs) -> anyhow::Result<i32> {
    let Some((path, l)) = open(&a.ledger)? else { return Ok(EXIT_USAGE) };
    let rows = l.summary()?;
    // The ledger does not say which policy to measure against: the national lines.
    let lines = national_lines();
    let mut timelines = Vec::with_capacity(rows.len());
    for r in &rows {
        timelines.push(Timeline::new(
            r.exporter.clone(),
            r.year,
            timeline_points(&l, &r.exporter, r.year)?,
            lines.clone(),
        ));
    }
    let text = match a.format {
        Format::Json => {
            let scopes: Vec<SummaryRow> = rows
                .iter()
                .zip(&timelines)
                .map(|(r, t)| {
                    let s = Standing::of(r.persons, r.sensitive, &lines);
                    SummaryRow { scope: r, level: s.level, next: s.next, crossings: t.crossings.clone() }
                })
                .collect();
            serde_json::to_string_pretty(&serde_json::json!({ "ledger": path, "scopes": scopes }))? + "\n"
        }
        Format::Html => {
            let scopes: Vec<SummaryScope> = rows
                .iter()
                .zip(timelines)
                .map(|(r, t)| SummaryScope {
                    exporter: r.exporter.clone(),
                    year: r.year,
                    persons: r.persons,
                    sensitive: r.sensitive,
                    transfers: r.transfers,
                    last_verdict: r.last_verdict.clone(),
                    timeline: t,
                })
                .collect();
            html::render_summary(&path.display().to_string(), &scopes, a.lang.into())
        }
        _ => {
            let mut s = format!("ledger {}\n", path.display());
            s.push_str(&format!(
                "{:<24} {:>5} {:>10} {:>10} {:>9}  {:<20} {:<20}  next line\n",
                "exporter", "year", "persons", "sensitive", "transfers", "last verdict", "level by counts"
            ));
            for r in &rows {
                let st = Standing::of(r.persons, r.sensitive, &lines);
                let next: Vec<String> = st
                    .next
                    .iter()
                    .map(|n| format!("{} more to {} {} ({})", n.remaining, n.value, n.tally.as_str(), n.level))
                    .collect();
                s.push_str(&format!(
                    "{:<24} {:>5} {:>10} {:>10} {:>9}  {:<20} {:<20}  {}\n",
                    r.exporter,
                    r.year,
                    r.persons,
                    r.sensitive,
                    r.transfers,
                    r.last_verdict.as_deref().unwrap_or("-"),
                    st.level.as_str(),
                    if next.is_empty() { "past every line".to_string() } else { next.join("; ") }
                ));
            }
            if rows.is_empty() {
                s.push_str("(no transfers recorded)\n");
            }
            s
        }
    };
    emit(a.output.as_deref(), &text)?;
    Ok(EXIT_OK)
}

fn check_date(flag: &str, d: &Option<String>) -> anyhow::Result<()> {
    if let Some(s) = d {
        if Date::parse(s).is_none() {
            anyhow::bail!("{flag} {s:?}: expected YYYY-MM-DD");
        }
    }
    Ok(())
}

/// One line of `ledger transfers`.
#[derive(Serialize)]
struct TransferRow<'a> {
    seq: u64,
    date: &'a str,
    exporter: &'a str,
    year: i32,
    recorded_at: &'a str,
    inputs: Vec<&'a str>,
    persons: u64,
    sensitive: u64,
    new_persons: u64,
    ytd_persons: u64,
    ytd_sensitive: u64,
    verdict: &'a str,
    policy: &'a str,
    policy_version: &'a str,
    hash: &'a str,
}

fn row(e: &ChainEntry) -> TransferRow<'_> {
    let t = &e.transfer;
    TransferRow {
        seq: e.seq,
        date: &t.as_of,
        exporter: &t.exporter,
        year: t.year,
        recorded_at: &t.recorded_at,
        inputs: t.inputs.iter().map(|i| i.path.as_str()).collect(),
        persons: t.persons,
        sensitive: t.sensitive,
        new_persons: t.ytd.new_persons,
        ytd_persons: t.ytd.persons,
        ytd_sensitive: t.ytd.sensitive,
        verdict: &t.verdict,
        policy: &t.policy,
        policy_version: &t.policy_version,
        hash: &e.hash,
    }
}

/// RFC 4180 field; a leading `=`, `+`, `-` or `@` is prefixed with `'` so a spreadsheet does
/// not run a file name as a formula.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn transfers(a: TransfersArgs) -> anyhow::Result<i32> {
    check_date("--from", &a.from)?;
    check_date("--to", &a.to)?;
    let Some((_, l)) = open(&a.ledger)? else { return Ok(EXIT_USAGE) };
    let filter = TransferFilter {
        exporter: a.exporter.clone(),
        year: None,
        from: a.from.clone(),
        to: a.to.clone(),
        verdicts: a.verdicts.iter().map(|v| v.as_str().to_string()).collect(),
    };
    let entries = l.transfers(&filter)?;
    let rows: Vec<TransferRow> = entries.iter().map(row).collect();
    let text = match a.format {
        Format::Json => serde_json::to_string_pretty(&serde_json::json!({ "transfers": rows }))? + "\n",
        Format::Csv => {
            let mut s = String::from(
                "seq,date,exporter,year,recorded_at,inputs,persons,sensitive,new_persons,ytd_persons,ytd_sensitive,\
                 verdict,policy,policy_version,hash\n",
            );
            for r in &rows {
                let fields = [
                    r.seq.to_string(),
                    r.date.to_string(),
                    r.exporter.to_string(),
                    r.year.to_string(),
                    r.recorded_at.to_string(),
                    r.inputs.join(" "),
                    r.persons.to_string(),
                    r.sensitive.to_string(),
                    r.new_persons.to_string(),
                    r.ytd_persons.to_string(),
                    r.ytd_sensitive.to_string(),
                    r.verdict.to_string(),
                    r.policy.to_string(),
                    r.policy_version.to_string(),
                    r.hash.to_string(),
                ];
                s.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
                s.push('\n');
            }
            s
        }
        _ => {
            let mut s = format!(
                "{:>5}  {:<10}  {:<16} {:>9} {:>9} {:>9} {:>10} {:>10}  {:<20} inputs\n",
                "seq", "date", "exporter", "persons", "sensitive", "new", "ytd", "ytd sens.", "verdict"
            );
            for r in &rows {
                s.push_str(&format!(
                    "{:>5}  {:<10}  {:<16} {:>9} {:>9} {:>9} {:>10} {:>10}  {:<20} {}\n",
                    r.seq,
                    r.date,
                    r.exporter,
                    r.persons,
                    r.sensitive,
                    r.new_persons,
                    r.ytd_persons,
                    r.ytd_sensitive,
                    r.verdict,
                    r.inputs.join(" ")
                ));
            }
            if rows.is_empty() {
                s.push_str("(no transfer matches)\n");
            }
            s
        }
    };
    emit(a.output.as_deref(), &text)?;
    Ok(EXIT_OK)
}

fn export(a: ExportArgs) -> anyhow::Result<i32> {
    let Some((path, l)) = open(&a.ledger)? else { return Ok(EXIT_USAGE) };
    let key = key_for(&path)?;
    let chain = l.verify(key.as_ref())?;
    let entries = l.transfers(&TransferFilter::default())?;
    let scopes: Vec<serde_json::Value> = l
        .summary()?
        .into_iter()
        .map(|r| {
            let tl = Timeline::new(
                r.exporter.clone(),
                r.year,
                entries
                    .iter()
                    .filter(|e| e.transfer.exporter == r.exporter && e.transfer.year == r.year)
                    .map(point)
                    .collect(),
                national_lines(),
            );
            let st = Standing::of(r.persons, r.sensitive, &tl.lines);
            serde_json::json!({
                "exporter": r.exporter, "year": r.year, "persons": r.persons, "sensitive": r.sensitive,
                "transfers": r.transfers, "last_verdict": r.last_verdict, "level": st.level, "next": st.next,
                "crossings": tl.crossings,
            })
        })
        .collect();
    let tables: serde_json::Map<String, serde_json::Value> =
        l.table_counts()?.into_iter().map(|(t, n)| (t, serde_json::Value::from(n))).collect();
    let doc = serde_json::json!({
        "xborder_ledger_export": 1,
        "exported_at": xborder::time::rfc3339_cst(xborder::time::now_unix()),
        "ledger": path,
        "schema_version": ledger::SCHEMA_VERSION,
        "key_fingerprint": l.key_fingerprint()?,
        "chain": {
            "hash": "hash = BLAKE3(prev_hash || body); prev_hash of transfer 1 is 32 zero bytes; body is the transfer's canonical JSON, given here byte for byte",
            "check": chain,
        },
        "rows": tables,
        "scopes": scopes,
        "transfers": entries,
    });
    emit(a.output.as_deref(), &(serde_json::to_string_pretty(&doc)? + "\n"))?;
    Ok(EXIT_OK)
}

fn verify(a: VerifyArgs) -> anyhow::Result<i32> {
    let Some((path, l)) = open(&a.ledger)? else { return Ok(EXIT_USAGE) };
    let key = key_for(&path)?;
    let r = l.verify_expecting(key.as_ref(), a.expect_head.as_deref())?;
    let text = match a.format {
        Format::Json => {
            serde_json::to_string_pretty(&serde_json::json!({
                "ledger": path, "intact": r.intact(), "report": r,
            }))? + "\n"
        }
        _ => {
            let mut s = String::new();
            let head = match (&r.head_seq, &r.head_hash) {
                (Some(n), Some(h)) => format!("head transfer {n} {h}"),
                _ => "no transfers".to_string(),
            };
            let seal = match r.seal {
                ledger::SealState::Valid => "seal valid",
                ledger::SealState::Invalid => "seal INVALID",
                ledger::SealState::Unchecked => {
                    "seal NOT CHECKED: without the key the file cannot be told from a rewritten one (set \
                     XBORDER_KEY or keep <ledger>.key)"
                }
                ledger::SealState::Empty => "nothing to seal",
            };
            let anchor = match r.expected_head {
                Some(true) => ", passes through the expected head",
                _ => "",
            };
            if r.intact() && r.seal == ledger::SealState::Unchecked {
                s.push_str(&format!(
                    "ledger {}: could not be verified: {} transfers consistent, {head}{anchor}, {seal}\n",
                    path.display(),
                    r.transfers
                ));
            } else if r.intact() {
                s.push_str(&format!(
                    "ledger {}: intact, {} transfers, {head}{anchor}, {seal}\n",
                    path.display(),
                    r.transfers
                ));
            } else {
                s.push_str(&format!(
                    "ledger {}: TAMPERED: {} problem(s) in {} transfers ({head}, {seal})\n",
                    path.display(),
                    r.problems.len(),
                    r.transfers
                ));
                for p in &r.problems {
                    s.push_str(&format!("  {}\n", p.message));
                }
            }
            s
        }
    };
    emit(None, &text)?;
    if !r.intact() {
        eprintln!("xborder: ledger {} was tampered with: {} problem(s)", path.display(), r.problems.len());
        return Ok(EXIT_FAIL);
    }
    if r.seal == ledger::SealState::Unchecked {
        eprintln!(
            "xborder: ledger {}: not verified: the seal needs the ledger's key (XBORDER_KEY or {})",
            path.display(),
            ledger::key_path(&path).display()
        );
        return Ok(EXIT_UNVERIFIED);
    }
    Ok(EXIT_OK)
}
