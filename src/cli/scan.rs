//! `xborder scan`.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::{emit, use_color, EXIT_FAIL, EXIT_INCOMPLETE, EXIT_OK};
use xborder::policy::{evaluate, Facts, ImportantCatalogue, Level, PolicySet, Scenario, DEFAULT_POLICY};
use xborder::report::YearToDate;
use xborder::source::{encoding_for_label, expand_inputs, SourceOptions};
use xborder::time::Date;
use xborder::{Format, Scanner};

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OutFormat {
    Human,
    Json,
    Jsonl,
}

#[derive(Args)]
pub struct ScanArgs {
    /// Files, directories (recursive), globs, or `-` for stdin.
    #[arg(required = true)]
    inputs: Vec<String>,
    /// Output format (default: human on a terminal, json otherwise).
    #[arg(long, value_enum)]
    format: Option<OutFormat>,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Rows per batch.
    #[arg(long, default_value_t = 8192)]
    batch_size: usize,
    /// Input format when it cannot be sniffed (stdin): csv, json or parquet.
    #[arg(long)]
    input_format: Option<String>,
    /// Text encoding (utf-8, gbk, gb18030, utf-16le…); sniffed by default.
    #[arg(long)]
    encoding: Option<String>,
    /// Extra detector files (`*.toml`); one with a built-in id replaces it.
    #[arg(long)]
    detectors: Vec<PathBuf>,
    /// Show raw values in examples instead of masked ones.
    #[arg(long)]
    show_values: bool,
    /// Judge minors and the calendar year as of this date (YYYY-MM-DD, Asia/Shanghai).
    #[arg(long)]
    as_of: Option<String>,
    /// Policy deciding the verdict: a built-in id (`xborder policy list`) or a policy file. Its
    /// class mapping also decides which persons are sensitive.
    #[arg(long, value_name = "ID|FILE", default_value = DEFAULT_POLICY)]
    policy: String,
    /// The exporter is a critical-information-infrastructure operator (CIIO).
    #[arg(long)]
    ciio: bool,
    /// The exporter's sector: ai, automotive, civil_aviation, finance, other, pharma,
    /// public_funds, retail (or one the policy declares).
    #[arg(long, value_name = "S")]
    sector: Option<String>,
    /// An exemption that covers this export, declared by the operator: contract (Art. 5(1)), hr
    /// (5(2)), emergency (5(3)), returned (Art. 4). Repeatable.
    #[arg(long = "scenario", value_name = "S", value_parser = parse_scenario)]
    scenarios: Vec<Scenario>,
    /// Important-data markers a department has notified: TOML (`markers = [...]`) or one marker
    /// id per line. Named markers found in the data need a security assessment.
    #[arg(long, value_name = "FILE")]
    catalogue: Option<PathBuf>,
    /// The exporter is registered in the free-trade zone of the policy.
    #[arg(long)]
    zone_registered: bool,
    /// The exporting legal entity (the year-to-date counts are per exporter).
    #[arg(long, value_name = "NAME")]
    exporter: Option<String>,
    /// Exit 1 when the verdict is at or above this level: allow, needs_review,
    /// standard_contract, security_assessment, prohibited. An incomplete scan exits 3 even
    /// then.
    #[arg(long, value_name = "LEVEL", default_value = "standard_contract", value_parser = parse_level)]
    fail_at: Level,
    /// Benchmarking: only read the inputs into batches, run no detector.
    #[arg(long, hide = true)]
    read_only: bool,
}

fn parse_scenario(s: &str) -> Result<Scenario, String> {
    s.parse()
}

fn parse_level(s: &str) -> Result<Level, String> {
    s.parse()
}

/// Exporter name used when `--exporter` is not given.
const UNNAMED_EXPORTER: &str = "unspecified";

pub fn run(a: ScanArgs) -> anyhow::Result<i32> {
    // Configuration first: a bad policy, sector or catalogue is exit 2 before any data is read.
    let policy = PolicySet::builtin()?.resolve_arg(&a.policy)?;
    if let Some(s) = &a.sector {
        if !policy.sectors.contains(s) {
            let known: Vec<&str> = policy.sectors.iter().map(String::as_str).collect();
            anyhow::bail!("--sector {s:?}: unknown sector; policy {} knows {}", policy.id, known.join(", "));
        }
    }
    let catalogue = match &a.catalogue {
        Some(p) => ImportantCatalogue::load(p)?,
        None => ImportantCatalogue::default(),
    };
    let mut src = SourceOptions { batch_size: a.batch_size.max(1), ..SourceOptions::default() };
    if let Some(f) = &a.input_format {
        src.format = Some(f.parse::<Format>()?);
    }
    if let Some(e) = &a.encoding {
        src.encoding = Some(encoding_for_label(e)?);
    }
    let src_opts = src.clone();
    let mut b = Scanner::builder().source_options(src).show_values(a.show_values).classes(policy.classes.clone());
    if let Some(t) = a.threads {
        b = b.threads(t);
    }
    if let Some(d) = &a.as_of {
        let date = Date::parse(d).with_context(|| format!("--as-of {d:?}: expected YYYY-MM-DD"))?;
        b = b.as_of(date);
    }
    for d in &a.detectors {
        b = b.detectors_dir(d);
    }
    let (inputs, missing) = expand_inputs(&a.inputs);
    if a.read_only {
        return read_only(&inputs, &src_opts);
    }
    let scanner = b.build()?;
    let mut session = scanner.scan_inputs(&inputs);
    for e in missing {
        let id = session.begin_input(&match &e {
            xborder::Error::Io { path, .. } => path.clone(),
            _ => "?".into(),
        });
        session.fail_input(id, e);
    }
    let mut report = session.report();
    if std::env::var_os("XBORDER_STATS").is_some() {
        // For measurements: the person set's size (DESIGN: ≤ 48 bytes per distinct key).
        let p = session.persons();
        eprintln!(
            "xborder: stats: {} distinct person keys, person set ≈ {} bytes ({:.1} bytes/key)",
            p.keys(),
            p.approx_bytes(),
            p.approx_bytes() as f64 / p.keys().max(1) as f64
        );
    }
    // No ledger yet: the year to date is this export.
    let mut facts = Facts::from_report(&report, session.category_persons());
    facts.ciio = a.ciio;
    facts.sector = a.sector.clone();
    facts.scenarios = a.scenarios.iter().copied().collect();
    facts.zone_registered = a.zone_registered;
    facts.catalogue = catalogue.markers;
    report.year_to_date = Some(YearToDate {
        year: scanner.options().as_of.year,
        exporter: a.exporter.clone().unwrap_or_else(|| UNNAMED_EXPORTER.into()),
        persons: facts.persons_ytd.personal,
        sensitive: facts.persons_ytd.sensitive,
    });
    let verdict = evaluate(&policy, &facts);
    let level = verdict.level;
    report.verdict = Some(verdict);
    let format = a.format.unwrap_or(if std::io::stdout().is_terminal() && a.output.is_none() {
        OutFormat::Human
    } else {
        OutFormat::Json
    });
    let text = match format {
        OutFormat::Human => xborder::report::render_human(&report, a.output.is_none() && use_color()),
        OutFormat::Json => report.to_json() + "\n",
        OutFormat::Jsonl => {
            let mut s = String::new();
            for i in &report.inputs {
                s.push_str(&serde_json::to_string(&serde_json::json!({"type": "input", "input": i}))?);
                s.push('\n');
            }
            s.push_str(&serde_json::to_string(&serde_json::json!({"type": "report", "report": report}))?);
            s.push('\n');
            s
        }
    };
    emit(a.output.as_deref(), &text)?;
    // Exit 3 wins over 1: a verdict computed on part of the data is only a lower bound, and the
    // unreadable input must be fixed first. Both are non-zero, so a pipeline that stops on
    // non-zero stops either way.
    if !report.complete() {
        for i in report.inputs.iter().filter(|i| !i.complete) {
            for e in &i.errors {
                eprintln!("xborder: incomplete: {e}");
            }
        }
        if level >= a.fail_at {
            eprintln!("xborder: verdict {level} on the part that was read is at or above --fail-at {}", a.fail_at);
        }
        return Ok(EXIT_INCOMPLETE);
    }
    if level >= a.fail_at {
        eprintln!("xborder: verdict {level} is at or above --fail-at {} (policy {})", a.fail_at, policy.id);
        return Ok(EXIT_FAIL);
    }
    Ok(EXIT_OK)
}

/// Read every input into batches and report rows and bytes (the reader's own throughput).
fn read_only(inputs: &[xborder::Input], opts: &SourceOptions) -> anyhow::Result<i32> {
    let (mut rows, mut bytes, mut complete) = (0u64, 0u64, true);
    for input in inputs {
        let mut src = xborder::source::Source::open(input, opts)?;
        for b in src.by_ref() {
            match b {
                Ok(b) => rows += b.num_rows() as u64,
                Err(e) => {
                    eprintln!("xborder: incomplete: {e}");
                    complete = false;
                }
            }
        }
        bytes += src.bytes_read();
    }
    emit(None, &format!("{{\"rows\": {rows}, \"bytes\": {bytes}}}\n"))?;
    Ok(if complete { EXIT_OK } else { EXIT_INCOMPLETE })
}
