//! `xborder scan`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{ArgMatches, Args, ValueEnum};

use super::config::{given, Config};
use super::events::CliEvents;
use super::output::{emit, formats, Color, Format as OutFormat, Out};
use super::{EXIT_FAIL, EXIT_INCOMPLETE, EXIT_OK};
pub use xborder::assess::procedure_word;
use xborder::assess::{Assessor, Declarations, Export, Record, UNNAMED_EXPORTER};
use xborder::ledger::{self, Ledger};
use xborder::persons::{KeyHasher, PersonsMode};
use xborder::policy::{ImportantCatalogue, Level, Policy, PolicySet, DEFAULT_POLICY};
use xborder::report::html::Lang;
use xborder::report::jsonl;
use xborder::report::timeline::{self, object_label, Point, Timeline};
use xborder::source::{encoding_for_label, expand_inputs_noting, is_object_url, SourceOptions};
use xborder::time::Date;
use xborder::{Format, Scanner};

/// `--lang` of the HTML report.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Default)]
pub enum LangArg {
    #[default]
    En,
    Zh,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::En => Lang::En,
            LangArg::Zh => Lang::Zh,
        }
    }
}

#[derive(Args)]
pub struct ScanArgs {
    /// Files, directories (recursive), globs, `-` for stdin, or object-store URLs (`s3://`,
    /// `gs://`, `az://`, `https://`, `file://`; `cloud` feature): one object, or every object
    /// below a prefix.
    #[arg(required = true)]
    inputs: Vec<String>,
    /// Output format, on a terminal or not: human (a table), json (the report), jsonl (a line
    /// per input as it is read, then the report), html (one self-contained page: inline CSS and
    /// SVG, no script, no network), sarif (SARIF 2.1.0 for code-scanning dashboards), csv (the
    /// findings, one row per column).
    #[arg(long, default_value = "human", value_parser = formats(&["human", "json", "jsonl", "html", "sarif", "csv"]), help_heading = "Output")]
    format: OutFormat,
    /// Print only one line, the verdict and why (`-q`), or nothing (`-qq`): the exit code says it.
    #[arg(long, short, action = clap::ArgAction::Count, help_heading = "Output")]
    quiet: u8,
    /// Colour the human table: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value = "auto", help_heading = "Output")]
    color: Color,
    /// Language of the HTML report's labels.
    #[arg(long, value_enum, default_value = "en", help_heading = "Output")]
    lang: LangArg,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short, help_heading = "Output")]
    output: Option<PathBuf>,
    #[command(flatten)]
    engine: EngineArgs,
    /// Judge minors and the calendar year as of this date (YYYY-MM-DD, Asia/Shanghai).
    #[arg(long, help_heading = "Policy and declarations")]
    as_of: Option<String>,
    /// The exporting legal entity (the year-to-date counts are per exporter).
    #[arg(long, value_name = "NAME", help_heading = "Policy and declarations")]
    exporter: Option<String>,
    /// The ledger (SQLite) holding the year to date (default `./xborder-ledger.db`, or
    /// `XBORDER_LEDGER`). Without `--record` it is only read, and a missing ledger means the
    /// year so far is this export.
    #[arg(long, value_name = "PATH", help_heading = "Ledger")]
    ledger: Option<PathBuf>,
    /// Record this export in the ledger unless it is blocked (verdict at or above `--fail-at`)
    /// or incomplete: an export that is let through leaves, so it counts. Creates the ledger and
    /// its key when missing.
    #[arg(long, help_heading = "Ledger")]
    record: bool,
    /// The procedure the exporter has in place for this export, as in `audit`: none,
    /// standard_contract or security_assessment. A verdict it covers is let through (and
    /// recorded with `--record`); `--fail-at` defaults to the first level it does not cover.
    #[arg(long, value_name = "LEVEL", default_value = "none", value_parser = parse_procedure, help_heading = "Policy and declarations")]
    procedure: Level,
    /// Exit 1 when the verdict is at or above this level: allow, needs_review,
    /// standard_contract, security_assessment, prohibited (default: the first level
    /// `--procedure` does not cover — standard_contract with none). An incomplete scan exits 3
    /// even then.
    #[arg(long, value_name = "LEVEL", value_parser = parse_level, help_heading = "Policy and declarations")]
    fail_at: Option<Level>,
    /// How persons are counted: `exact` (linked; memory grows with the persons) or `sketch`
    /// (bounded memory, rows not linked: an upper bound of unknown size, never below the exact
    /// count, which the verdict uses). The ledger needs exact persons.
    #[arg(long, value_name = "MODE", default_value = "exact", value_parser = parse_persons, help_heading = "Detection")]
    persons: PersonsMode,
    /// Object-store URLs: read only the keys below the URL's prefix that match this glob (`*`
    /// also matches `/`). Without it, data files are chosen by extension.
    #[arg(long, value_name = "GLOB", help_heading = "Object stores (cloud feature)")]
    glob: Option<String>,
    /// Object-store URLs: read only objects modified on or after this date (YYYY-MM-DD,
    /// Asia/Shanghai).
    #[arg(long, value_name = "DATE", help_heading = "Object stores (cloud feature)")]
    since: Option<String>,
    /// Object-store URLs: objects fetched at once, ahead of the one being scanned.
    #[arg(long, value_name = "N", default_value_t = 8, help_heading = "Object stores (cloud feature)")]
    concurrency: usize,
    /// Benchmarking: only read the inputs into batches, run no detector.
    #[arg(long, hide = true)]
    read_only: bool,
}

/// How inputs are read and judged: shared by `scan` and `audit`.
#[derive(Args, Clone)]
pub struct EngineArgs {
    /// Worker threads (default: all cores).
    #[arg(long, help_heading = "Input")]
    threads: Option<usize>,
    /// Rows per batch.
    #[arg(long, default_value_t = 32768, help_heading = "Input")]
    batch_size: usize,
    /// Input format when the bytes and the name do not say: csv, json or parquet.
    #[arg(long, help_heading = "Input")]
    input_format: Option<String>,
    /// Text encoding (utf-8, gbk, gb18030, utf-16le…); sniffed by default.
    #[arg(long, help_heading = "Input")]
    encoding: Option<String>,
    /// Extra detector files (`*.toml`); one with a built-in id replaces it.
    #[arg(long, help_heading = "Detection")]
    detectors: Vec<PathBuf>,
    /// Show raw values in examples instead of masked ones.
    #[arg(long, help_heading = "Detection")]
    show_values: bool,
    /// Policy deciding the verdict: a built-in id (`xborder policy list`) or a policy file. Its
    /// class mapping also decides which persons are sensitive.
    #[arg(long, value_name = "ID|FILE", default_value = DEFAULT_POLICY, help_heading = "Policy and declarations")]
    policy: String,
    /// The exporter is a critical-information-infrastructure operator (CIIO).
    #[arg(long, help_heading = "Policy and declarations")]
    ciio: bool,
    /// The exporter's sector: ai, automotive, civil_aviation, finance, other, pharma,
    /// public_funds, retail (or one the policy declares).
    #[arg(long, value_name = "S", help_heading = "Policy and declarations")]
    sector: Option<String>,
    /// A scenario the operator declares for this export: an exemption — contract (Art. 5(1)),
    /// hr (5(2)), emergency (5(3)), returned (Art. 4) — or a business scenario of the policy's
    /// negative list (`xborder policy show ID` lists them; it needs `--sector` of its sector).
    /// Repeatable.
    #[arg(long = "scenario", value_name = "S", help_heading = "Policy and declarations")]
    scenarios: Vec<String>,
    /// Important-data markers a department has notified: TOML (`markers = [...]`) or one marker
    /// id per line. Named markers found in the data need a security assessment.
    #[arg(long, value_name = "FILE", help_heading = "Policy and declarations")]
    catalogue: Option<PathBuf>,
    /// The exporter is registered in the free-trade zone of the policy.
    #[arg(long, help_heading = "Policy and declarations")]
    zone_registered: bool,
}

impl ScanArgs {
    /// Take what `xborder.toml` sets and the command line does not.
    pub fn apply_config(&mut self, c: &Config, m: &ArgMatches) -> anyhow::Result<()> {
        self.engine.apply_config(c, m)?;
        if !given(m, "exporter") && self.exporter.is_none() {
            self.exporter = c.exporter.clone();
        }
        if !given(m, "ledger") && self.ledger.is_none() {
            self.ledger = c.ledger.clone();
        }
        if !given(m, "procedure") {
            if let Some(p) = &c.procedure {
                self.procedure = parse_procedure(p).map_err(|e| config_error(c, "procedure", &e))?;
            }
        }
        if !given(m, "fail_at") && self.fail_at.is_none() {
            if let Some(f) = &c.fail_at {
                self.fail_at = Some(parse_level(f).map_err(|e| config_error(c, "fail_at", &e))?);
            }
        }
        Ok(())
    }
}

impl EngineArgs {
    /// Take the policy, declarations and detector folders `xborder.toml` sets and the command
    /// line does not.
    pub fn apply_config(&mut self, c: &Config, m: &ArgMatches) -> anyhow::Result<()> {
        if let (false, Some(p)) = (given(m, "policy"), &c.policy) {
            self.policy = p.clone();
        }
        if let (false, Some(v)) = (given(m, "ciio"), c.ciio) {
            self.ciio = v;
        }
        if let (false, Some(v)) = (given(m, "zone_registered"), c.zone_registered) {
            self.zone_registered = v;
        }
        if let (false, Some(v)) = (given(m, "sector"), &c.sector) {
            self.sector = Some(v.clone());
        }
        if let (false, Some(v)) = (given(m, "scenarios"), &c.scenarios) {
            self.scenarios = v.clone();
        }
        if let (false, Some(v)) = (given(m, "catalogue"), &c.catalogue) {
            self.catalogue = Some(v.clone());
        }
        if let (false, Some(v)) = (given(m, "detectors"), &c.detectors) {
            self.detectors = v.clone();
        }
        Ok(())
    }
}

fn config_error(c: &Config, key: &str, e: &str) -> anyhow::Error {
    anyhow::anyhow!("{}: key `{key}`: {e}", c.source())
}

/// `--procedure`: a level, or `none` (= allow: no procedure).
pub fn parse_procedure(s: &str) -> Result<Level, String> {
    match s {
        "none" => Ok(Level::Allow),
        _ => s.parse(),
    }
}

fn parse_persons(s: &str) -> Result<PersonsMode, String> {
    s.parse()
}

pub fn parse_level(s: &str) -> Result<Level, String> {
    s.parse()
}

/// The configured scan engine: the assessor (policy, declarations, exporter, procedure) and the
/// reading options, checked before any data is read (a bad policy, sector, scenario or catalogue
/// is exit 2). It turns flags into the library's configuration; judging and recording are the
/// assessor's.
pub struct Engine {
    pub assessor: Assessor,
    src: SourceOptions,
    args: EngineArgs,
}

impl Engine {
    pub fn new(a: &EngineArgs, exporter: &str, procedure: Level, fail_at: Option<Level>) -> anyhow::Result<Engine> {
        let policy = PolicySet::builtin()?.resolve_arg(&a.policy)?;
        let catalogue = match &a.catalogue {
            Some(p) => ImportantCatalogue::load(p)?,
            None => ImportantCatalogue::default(),
        };
        let declarations = Declarations {
            ciio: a.ciio,
            zone_registered: a.zone_registered,
            sector: a.sector.clone(),
            scenarios: a.scenarios.clone(),
            catalogue,
        };
        let mut b =
            Assessor::builder().policy(policy).declarations(declarations).exporter(exporter).procedure(procedure);
        if let Some(f) = fail_at {
            b = b.fail_at(f);
        }
        let assessor = b.build()?;
        let mut src = SourceOptions { batch_size: a.batch_size.max(1), ..SourceOptions::default() };
        if let Some(f) = &a.input_format {
            src.format = Some(f.parse::<Format>()?);
        }
        if let Some(e) = &a.encoding {
            src.encoding = Some(encoding_for_label(e)?);
        }
        Ok(Engine { assessor, src, args: a.clone() })
    }

    pub fn policy(&self) -> &Policy {
        self.assessor.policy()
    }

    pub fn source_options(&self) -> &SourceOptions {
        &self.src
    }

    /// A scanner judging minors and the year as of `as_of` (today by default), hashing person
    /// keys with `hasher` (the ledger's key).
    pub fn scanner(&self, as_of: Option<Date>, hasher: KeyHasher, persons: PersonsMode) -> anyhow::Result<Scanner> {
        let mut b = self
            .assessor
            .scanner_builder()
            .source_options(self.src.clone())
            .persons_mode(persons)
            .show_values(self.args.show_values)
            .key_hasher(hasher);
        if let Some(t) = self.args.threads {
            b = b.threads(t);
        }
        if let Some(d) = as_of {
            b = b.as_of(d);
        }
        for d in &self.args.detectors {
            b = b.detectors_dir(d);
        }
        Ok(b.build()?)
    }
}

/// An object-store URL in a build without the `cloud` feature: a usage error saying so.
pub(super) fn need_cloud(url: &str) -> anyhow::Result<()> {
    if !cfg!(feature = "cloud") {
        anyhow::bail!(
            "{}: object-store URLs need the `cloud` feature, which this xborder was built without \
             (cargo install xborder --features cloud)",
            xborder::error::sanitize_name(url)
        );
    }
    Ok(())
}

pub fn run(a: ScanArgs) -> anyhow::Result<i32> {
    // Configuration first: a bad policy, sector or catalogue is exit 2 before any data is read.
    let exporter = a.exporter.clone().unwrap_or_else(|| UNNAMED_EXPORTER.into());
    let engine = Engine::new(&a.engine, &exporter, a.procedure, a.fail_at)?;
    let as_of = match &a.as_of {
        Some(d) => Some(Date::parse(d).with_context(|| format!("--as-of {d:?}: expected YYYY-MM-DD"))?),
        None => None,
    };
    let export = Export {
        inputs: a.inputs.clone(),
        record: if a.record { Record::UnlessBlocked } else { Record::DryRun },
        #[cfg(feature = "cloud")]
        objects: xborder::assess::ObjectOptions {
            glob: match a.glob.as_deref() {
                Some(g) => Some(glob::Pattern::new(g).map_err(|e| anyhow::anyhow!("--glob {g:?}: {e}"))?),
                None => None,
            },
            since_unix: a.since.as_deref().map(since_unix).transpose()?,
            concurrency: a.concurrency,
        },
    };
    // What can be refused before any data is read or a ledger created.
    export.check()?;
    let has_urls = a.inputs.iter().any(|i| is_object_url(i));
    if has_urls && a.read_only {
        anyhow::bail!("--read-only reads local inputs only");
    }
    if a.read_only {
        let expanded = expand_inputs_noting(&a.inputs);
        for (p, why) in &expanded.skipped {
            eprintln!("xborder: skipped {}: {why}", xborder::error::escape_name(&p.to_string_lossy()));
        }
        return read_only(&expanded.inputs, expanded.errors, engine.source_options());
    }
    // The ledger and its key, before any data is read (a wrong key is exit 2).
    let ledger_path = ledger_path(a.ledger.as_deref());
    let sketch_ledger = |path: &std::path::Path| {
        anyhow::anyhow!(
            "--persons sketch cannot be used with a ledger ({}): the year to date is kept per person, \
             which needs exact persons",
            path.display()
        )
    };
    if a.persons != PersonsMode::Exact && a.record {
        return Err(sketch_ledger(&ledger_path));
    }
    let mut book = open_ledger(&ledger_path, a.record)?;
    if a.persons != PersonsMode::Exact && book.is_some() {
        return Err(sketch_ledger(&ledger_path));
    }
    let hasher = match &mut book {
        Some((_, h)) => h.clone(),
        None => match std::env::var(ledger::KEY_ENV) {
            Ok(hex) => ledger::load_key(&ledger_path, Some(&hex), false)?.map(|k| k.0).expect("key from env"),
            Err(_) => xborder::persons::KeyHasher::random(),
        },
    };
    let scanner = engine.scanner(as_of, hasher.clone(), a.persons)?;
    let fail_at = engine.assessor.fail_at();
    let format = a.format;
    let mut out = Out::new(a.output.clone());
    // JSON Lines: one line per input as soon as it is read (objects may take hours).
    let quiet = a.quiet;
    // Notes on stderr (what was recorded, the chain head): not with --quiet.
    let note = |line: String| {
        if quiet == 0 {
            eprintln!("{line}");
        }
    };
    let mut events = CliEvents::new(&mut out, format == OutFormat::Jsonl && quiet == 0, quiet > 0);
    let assessed = engine.assessor.assess_export(&scanner, &export, book.as_mut().map(|b| &mut b.0), &mut events)?;
    events.finish();
    let lines_written = events.lines;
    drop(events);
    if std::env::var_os("XBORDER_STATS").is_some() {
        // For measurements: the person set's size (DESIGN: ≤ 48 bytes per distinct key).
        let (keys, bytes) = assessed.persons_memory;
        eprintln!(
            "xborder: stats: {keys} distinct person keys, persons ≈ {bytes} bytes ({:.1} bytes/key)",
            bytes as f64 / keys.max(1) as f64
        );
    }
    let (report, level) = (assessed.report, assessed.level);
    let year = scanner.options().as_of.year;
    match &assessed.transfer {
        Some(t) => note(format!(
            "xborder: recorded transfer {} in {}: {} persons, {} new; {exporter} {year}: {} persons, {} sensitive",
            t.seq,
            ledger_path.display(),
            t.persons,
            t.ytd.new_persons,
            t.ytd.persons,
            t.ytd.sensitive
        )),
        None if a.record && !has_urls => {
            let why = if !report.complete() {
                "the scan is incomplete".to_string()
            } else if level >= fail_at {
                format!("blocked: verdict {level} is at or above --fail-at {fail_at}")
            } else {
                "nothing to record".to_string()
            };
            note(format!("xborder: not recorded in {}: {why}", ledger_path.display()))
        }
        None if !a.record && book.is_some() => note(format!(
            "xborder: dry run: judged on {}'s year to date in {}, not recorded (--record records it)",
            exporter,
            ledger_path.display()
        )),
        None => {}
    }
    // The head after recording, for a job to keep outside the ledger (`ledger verify --expect-head`).
    if a.record {
        if let Some((seq, hash)) = book.as_ref().map(|b| b.0.head()).transpose()?.flatten() {
            note(format!("xborder: chain head: transfer {seq} {hash}"));
        }
    }
    let text = match format {
        _ if quiet >= 2 => String::new(),
        _ if quiet == 1 => xborder::report::render_line(&report) + "\n",
        OutFormat::Human => xborder::report::render_human_width(
            &report,
            a.color.on_stdout(a.output.is_some()),
            super::output::table_width(a.output.is_some()),
        ),
        OutFormat::Json => report.to_json() + "\n",
        OutFormat::Sarif => xborder::report::sarif::render(&report),
        OutFormat::Csv => xborder::report::csv::render(&report),
        OutFormat::Jsonl => {
            let mut s = String::new();
            for i in &report.inputs[lines_written..] {
                s.push_str(&jsonl::input(i));
            }
            s.push_str(&jsonl::report(&report));
            s
        }
        OutFormat::Html => {
            // The exporter's year so far from the ledger, and this export unless it was recorded
            // (then it is the ledger's last transfer already).
            let mut points = match &book {
                Some((l, _)) => super::ledger::timeline_points(l, &exporter, year)?,
                None => Vec::new(),
            };
            if assessed.transfer.is_none() {
                let y = report.year_to_date.as_ref();
                points.push(Point {
                    date: scanner.options().as_of.to_string(),
                    object: object_label(&report.inputs.iter().map(|i| i.path.clone()).collect::<Vec<_>>()),
                    seq: None,
                    persons: y.map_or(0, |y| y.persons),
                    sensitive: y.map_or(0, |y| y.sensitive),
                    level,
                    pending: true,
                });
            }
            let timeline = Timeline::new(exporter.clone(), year, points, timeline::lines(engine.policy()));
            xborder::report::html::render_scan(&report, Some(&timeline), a.lang.into())
        }
    };
    if !text.is_empty() {
        out.write(&text)?;
    }
    // Exit 3 wins over 1: a verdict computed on part of the data is only a lower bound, and the
    // unreadable input must be fixed first. Both are non-zero, so a pipeline that stops on
    // non-zero stops either way.
    if !report.complete() {
        // The errors stay with -q (they say what to fix); -qq prints nothing.
        if quiet < 2 {
            for i in report.inputs.iter().filter(|i| !i.complete) {
                for e in &i.errors {
                    eprintln!("xborder: incomplete: {e}");
                }
            }
        }
        if level >= fail_at {
            note(format!("xborder: verdict {level} on the part that was read is at or above --fail-at {fail_at}"));
        }
        return Ok(EXIT_INCOMPLETE);
    }
    if level >= fail_at {
        let covered =
            if a.fail_at.is_none() { format!(" (--procedure {})", procedure_word(a.procedure)) } else { String::new() };
        note(format!(
            "xborder: verdict {level} is at or above --fail-at {fail_at}{covered} (policy {})",
            engine.policy().id
        ));
        return Ok(EXIT_FAIL);
    }
    Ok(EXIT_OK)
}

/// `--since YYYY-MM-DD`: midnight in Asia/Shanghai, in Unix seconds.
#[cfg(feature = "cloud")]
fn since_unix(s: &str) -> anyhow::Result<i64> {
    let d = Date::parse(s).with_context(|| format!("--since {s:?}: expected YYYY-MM-DD"))?;
    Ok(d.to_days() * 86_400 - 8 * 3_600)
}

/// `--ledger`, else `XBORDER_LEDGER`, else `./xborder-ledger.db`.
pub fn ledger_path(arg: Option<&std::path::Path>) -> PathBuf {
    match arg {
        Some(p) => p.to_path_buf(),
        None => match std::env::var_os(ledger::LEDGER_ENV) {
            Some(v) if !v.is_empty() => PathBuf::from(v),
            _ => PathBuf::from(ledger::DEFAULT_PATH),
        },
    }
}

/// The ledger and the key it is written with. Without `create`, a missing ledger is `None`.
/// A key file is created only for a ledger that has no key yet.
pub fn open_ledger(path: &std::path::Path, create: bool) -> anyhow::Result<Option<(Ledger, KeyHasher)>> {
    let env = std::env::var(ledger::KEY_ENV).ok();
    Ok(Ledger::open_keyed(path, create, env.as_deref())?)
}

/// Read every input into batches and report rows and bytes (the reader's own throughput).
fn read_only(inputs: &[xborder::Input], missing: Vec<xborder::Error>, opts: &SourceOptions) -> anyhow::Result<i32> {
    let (mut rows, mut bytes, mut complete) = (0u64, 0u64, missing.is_empty());
    for e in missing {
        eprintln!("xborder: incomplete: {e}");
    }
    for input in inputs {
        let mut src = match xborder::source::Source::open(input, opts) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("xborder: incomplete: {e}");
                complete = false;
                continue;
            }
        };
        for b in src.by_ref() {
            match b {
                Ok(b) => rows += b.num_rows() as u64,
                Err(e) => {
                    eprintln!("xborder: incomplete: {e}");
                    complete = false;
                }
            }
        }
        for e in src.soft_errors() {
            eprintln!("xborder: incomplete: {e}");
            complete = false;
        }
        bytes += src.bytes_read();
    }
    emit(None, &format!("{{\"rows\": {rows}, \"bytes\": {bytes}}}\n"))?;
    Ok(if complete { EXIT_OK } else { EXIT_INCOMPLETE })
}
