//! `xborder scan`.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::{emit, use_color, EXIT_FAIL, EXIT_INCOMPLETE, EXIT_OK};
use xborder::ledger::{self, BatchPersons, Ledger, Transfer, TransferInput, TransferMeta, YtdCounts};
use xborder::persons::{KeyHasher, PersonsMode};
use xborder::policy::{evaluate, Facts, ImportantCatalogue, Level, Policy, PolicySet, Scenario, DEFAULT_POLICY};
use xborder::report::html::Lang;
use xborder::report::timeline::{object_label, Point, Timeline};
use xborder::report::YearToDate;
use xborder::source::{encoding_for_label, expand_inputs_noting, is_object_url, SourceOptions};
use xborder::time::Date;
use xborder::{Format, Input, Report, ScanSession, Scanner};

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OutFormat {
    Human,
    Json,
    Jsonl,
    Html,
}

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
    /// Output format (default: human on a terminal, json otherwise). `html` is one
    /// self-contained page (inline CSS and SVG, no script, no network).
    #[arg(long, value_enum)]
    format: Option<OutFormat>,
    /// Language of the HTML report's labels.
    #[arg(long, value_enum, default_value = "en")]
    lang: LangArg,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
    #[command(flatten)]
    engine: EngineArgs,
    /// Judge minors and the calendar year as of this date (YYYY-MM-DD, Asia/Shanghai).
    #[arg(long)]
    as_of: Option<String>,
    /// The exporting legal entity (the year-to-date counts are per exporter).
    #[arg(long, value_name = "NAME")]
    exporter: Option<String>,
    /// The ledger (SQLite) holding the year to date (default `./xborder-ledger.db`, or
    /// `XBORDER_LEDGER`). Without `--record` it is only read, and a missing ledger means the
    /// year so far is this export.
    #[arg(long, value_name = "PATH")]
    ledger: Option<PathBuf>,
    /// Record this export in the ledger unless it is blocked (verdict at or above `--fail-at`)
    /// or incomplete: an export that is let through leaves, so it counts. Creates the ledger and
    /// its key when missing.
    #[arg(long)]
    record: bool,
    /// The procedure the exporter has in place for this export, as in `audit`: none,
    /// standard_contract or security_assessment. A verdict it covers is let through (and
    /// recorded with `--record`); `--fail-at` defaults to the first level it does not cover.
    #[arg(long, value_name = "LEVEL", default_value = "none", value_parser = parse_procedure)]
    procedure: Level,
    /// Exit 1 when the verdict is at or above this level: allow, needs_review,
    /// standard_contract, security_assessment, prohibited (default: the first level
    /// `--procedure` does not cover — standard_contract with none). An incomplete scan exits 3
    /// even then.
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    fail_at: Option<Level>,
    /// How persons are counted: `exact` (linked; memory grows with the persons) or `sketch`
    /// (HyperLogLog estimates in bounded memory, rows not linked; the verdict uses the upper 95%
    /// bounds). The ledger needs exact persons.
    #[arg(long, value_name = "MODE", default_value = "exact", value_parser = parse_persons)]
    persons: PersonsMode,
    /// Object-store URLs: read only the keys below the URL's prefix that match this glob (`*`
    /// also matches `/`). Without it, data files are chosen by extension.
    #[arg(long, value_name = "GLOB")]
    glob: Option<String>,
    /// Object-store URLs: read only objects modified on or after this date (YYYY-MM-DD,
    /// Asia/Shanghai).
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// Object-store URLs: objects fetched at once, ahead of the one being scanned.
    #[arg(long, value_name = "N", default_value_t = 8)]
    concurrency: usize,
    /// Benchmarking: only read the inputs into batches, run no detector.
    #[arg(long, hide = true)]
    read_only: bool,
}

/// How inputs are read and judged: shared by `scan` and `audit`.
#[derive(Args, Clone)]
pub struct EngineArgs {
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Rows per batch.
    #[arg(long, default_value_t = 32768)]
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
    /// A scenario the operator declares for this export: an exemption — contract (Art. 5(1)),
    /// hr (5(2)), emergency (5(3)), returned (Art. 4) — or a business scenario of the policy's
    /// negative list (`xborder policy show ID` lists them; it needs `--sector` of its sector).
    /// Repeatable.
    #[arg(long = "scenario", value_name = "S")]
    scenarios: Vec<String>,
    /// Important-data markers a department has notified: TOML (`markers = [...]`) or one marker
    /// id per line. Named markers found in the data need a security assessment.
    #[arg(long, value_name = "FILE")]
    catalogue: Option<PathBuf>,
    /// The exporter is registered in the free-trade zone of the policy.
    #[arg(long)]
    zone_registered: bool,
}

/// `--procedure`: a level, or `none` (= allow: no procedure).
pub fn parse_procedure(s: &str) -> Result<Level, String> {
    match s {
        "none" => Ok(Level::Allow),
        _ => s.parse(),
    }
}

/// `--procedure` as the user writes it.
pub fn procedure_word(l: Level) -> &'static str {
    if l == Level::Allow {
        "none"
    } else {
        l.as_str()
    }
}

/// The lowest verdict `procedure` does not cover: what `--fail-at` defaults to.
pub fn default_fail_at(procedure: Level) -> Level {
    Level::ALL.into_iter().find(|&l| xborder::audit::lacks(l, procedure)).unwrap_or(Level::Prohibited)
}

fn parse_persons(s: &str) -> Result<PersonsMode, String> {
    s.parse()
}

pub fn parse_level(s: &str) -> Result<Level, String> {
    s.parse()
}

/// `--scenario` values: national exemptions, and business scenarios of the policy's negative
/// list, which must belong to the declared `--sector`. Anything else is a usage error naming the
/// valid ids.
fn split_scenarios(
    policy: &Policy,
    sector: Option<&str>,
    given: &[String],
) -> anyhow::Result<(Vec<Scenario>, Vec<String>)> {
    let (mut national, mut listed) = (Vec::new(), Vec::new());
    for s in given {
        if let Ok(n) = s.parse::<Scenario>() {
            national.push(n);
            continue;
        }
        match policy.list_scenario(s) {
            Some(ls) if sector == Some(ls.sector.as_str()) => listed.push(ls.id.clone()),
            Some(ls) => anyhow::bail!(
                "--scenario {s}: {} is a business scenario of the {} sector of policy {}; declare --sector {}",
                ls.name,
                ls.sector,
                policy.id,
                ls.sector
            ),
            None => {
                let mut valid: Vec<String> = Scenario::ALL.iter().map(|x| x.as_str().to_string()).collect();
                valid.extend(policy.list_scenarios.iter().map(|x| format!("{} ({}, {})", x.id, x.sector, x.name)));
                anyhow::bail!("--scenario {s:?}: unknown scenario; policy {} knows {}", policy.id, valid.join(", "));
            }
        }
    }
    Ok((national, listed))
}

/// Exporter name used when `--exporter` is not given.
const UNNAMED_EXPORTER: &str = "unspecified";

/// The configured scan engine: policy, catalogue and reading options, checked before any data
/// is read (a bad policy, sector, scenario or catalogue is exit 2).
pub struct Engine {
    pub policy: Policy,
    pub(super) catalogue: ImportantCatalogue,
    src: SourceOptions,
    args: EngineArgs,
    /// `--scenario`, split into the national exemptions and the list's business scenarios.
    scenarios: Vec<Scenario>,
    list_scenarios: Vec<String>,
}

/// When an assessed export is written to the ledger.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// A dry run: read the ledger, write nothing.
    No,
    /// `scan --record`: only a complete export that is not blocked (its verdict is below this
    /// `--fail-at` level).
    BelowFailAt(Level),
    /// `audit`: every export, whatever its verdict — it already left.
    Always,
}

/// One export scanned, judged on the year to date, and maybe recorded.
pub struct Assessed {
    pub report: Report,
    pub level: Level,
    /// The year to date with this export (`None` without a ledger).
    pub ytd: Option<YtdCounts>,
    pub transfer: Option<Transfer>,
}

impl Engine {
    pub fn new(a: &EngineArgs) -> anyhow::Result<Engine> {
        let policy = PolicySet::builtin()?.resolve_arg(&a.policy)?;
        if let Some(s) = &a.sector {
            if !policy.sectors.contains(s) {
                let known: Vec<&str> = policy.sectors.iter().map(String::as_str).collect();
                anyhow::bail!("--sector {s:?}: unknown sector; policy {} knows {}", policy.id, known.join(", "));
            }
        }
        let (scenarios, list_scenarios) = split_scenarios(&policy, a.sector.as_deref(), &a.scenarios)?;
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
        Ok(Engine { policy, catalogue, src, args: a.clone(), scenarios, list_scenarios })
    }

    /// What the operator declares, beside what the data shows.
    pub(super) fn declare(&self, facts: &mut Facts) {
        facts.ciio = self.args.ciio;
        facts.sector = self.args.sector.clone();
        facts.scenarios = self.scenarios.iter().copied().collect();
        facts.list_scenarios = self.list_scenarios.iter().cloned().collect();
        facts.zone_registered = self.args.zone_registered;
        facts.catalogue = self.catalogue.markers.clone();
    }

    pub fn source_options(&self) -> &SourceOptions {
        &self.src
    }

    /// A scanner judging minors and the year as of `as_of` (today by default), hashing person
    /// keys with `hasher` (the ledger's key).
    pub fn scanner(&self, as_of: Option<Date>, hasher: KeyHasher, persons: PersonsMode) -> anyhow::Result<Scanner> {
        let mut b = Scanner::builder()
            .source_options(self.src.clone())
            .persons_mode(persons)
            .show_values(self.args.show_values)
            .classes(self.policy.classes_for(self.args.sector.as_deref()))
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

    /// Scan `inputs`, judge the export on the year to date of `exporter` (the ledger's persons ∪
    /// this export) and record it as `record` says. `missing` are inputs that could not be found
    /// (they make the report incomplete).
    pub fn assess(
        &self,
        scanner: &Scanner,
        inputs: &[Input],
        missing: Vec<xborder::Error>,
        exporter: &str,
        ledger: Option<&mut Ledger>,
        record: Record,
    ) -> anyhow::Result<Assessed> {
        self.assess_with(scanner, inputs, missing, exporter, ledger, record, |_, _| Ok(Outcome::default()))
    }

    /// [`Engine::assess`], with `objects` reading object-store inputs into the session after
    /// the local ones (`bucket.rs`): it may record objects one by one, and then the run as a
    /// whole is not recorded.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn assess_with<'s>(
        &self,
        scanner: &'s Scanner,
        inputs: &[Input],
        missing: Vec<xborder::Error>,
        exporter: &str,
        mut ledger: Option<&mut Ledger>,
        record: Record,
        objects: impl FnOnce(&mut ScanSession<'s>, Option<&mut Ledger>) -> anyhow::Result<Outcome>,
    ) -> anyhow::Result<Assessed> {
        let hasher = scanner.hasher().clone();
        let mut session = scanner.scan_inputs(inputs);
        for e in missing {
            let id = session.begin_input(&match &e {
                xborder::Error::Io { path, .. } => path.clone(),
                _ => "?".into(),
            });
            session.fail_input(id, e);
        }
        let outcome = objects(&mut session, ledger.as_deref_mut())?;
        let mut report = session.report();
        for (i, n) in &outcome.notes {
            n.apply(&mut report.inputs[*i]);
        }
        if std::env::var_os("XBORDER_STATS").is_some() {
            // For measurements: the person set's size (DESIGN: ≤ 48 bytes per distinct key).
            let keys = session.persons().map_or(0, |p| p.keys());
            let bytes = session.persons_bytes();
            eprintln!(
                "xborder: stats: {keys} distinct person keys, persons ≈ {bytes} bytes ({:.1} bytes/key)",
                bytes as f64 / keys.max(1) as f64
            );
        }
        // Each person's key list is only needed to merge with a ledger (about 200 bytes a person).
        let batch = match (&ledger, session.persons()) {
            (Some(_), Some(p)) => {
                let mut b = BatchPersons::from_set(p, scanner.sensitive_mask(), scanner.category_names());
                // Keyless rows of objects recorded one by one are in the ledger already.
                b.unlinked = b.unlinked.saturating_sub(outcome.recorded_unlinked);
                b.unlinked_sensitive = b.unlinked_sensitive.saturating_sub(outcome.recorded_unlinked_sensitive);
                Some(b)
            }
            (Some(_), None) => anyhow::bail!("a ledger needs exact persons"),
            _ => None,
        };
        let mut facts = Facts::from_report(&report, session.category_persons());
        let year = scanner.options().as_of.year;
        // Year to date: the ledger's persons for this exporter and year ∪ this export, in all,
        // sensitive and per category. Recording takes the write lock now, so the verdict is
        // decided on the ledger it is written to.
        // Objects of a store were recorded one by one as they were read (bucket.rs); the run as
        // a whole is recorded only for local inputs.
        let recording = match record {
            Record::No => false,
            _ if outcome.per_object => false,
            Record::BelowFailAt(_) => report.complete(),
            Record::Always => true,
        };
        let txn_plan = match ledger {
            Some(l) => {
                let txn = l.begin(recording)?;
                let plan = txn.year_to_date(exporter, year, batch.as_ref().expect("built with the ledger"))?;
                facts.persons_ytd.personal = plan.counts.persons;
                facts.persons_ytd.sensitive = plan.counts.sensitive;
                facts.persons_ytd.by_category = plan.categories.clone();
                facts.ytd_from_ledger = true;
                Some((txn, plan))
            }
            None => None,
        };
        self.declare(&mut facts);
        report.year_to_date = Some(YearToDate {
            year,
            exporter: exporter.to_string(),
            persons: facts.persons_ytd.personal,
            sensitive: facts.persons_ytd.sensitive,
        });
        let verdict = evaluate(&self.policy, &facts);
        let level = verdict.level;
        report.verdict = Some(verdict);
        let mut out = Assessed { report, level, ytd: None, transfer: None };
        if let Some((txn, plan)) = txn_plan {
            out.ytd = Some(plan.counts);
            let commit = match record {
                Record::No => false,
                _ if outcome.per_object => false,
                Record::BelowFailAt(f) => recording && level < f,
                Record::Always => true,
            };
            if commit {
                let meta = TransferMeta {
                    as_of: scanner.options().as_of.to_string(),
                    inputs: transfer_inputs(&out.report, inputs, &hasher),
                    verdict: level.to_string(),
                    policy: self.policy.id.clone(),
                    policy_version: self.policy.version.clone(),
                };
                out.transfer =
                    Some(txn.record(&plan, batch.as_ref().expect("built with the ledger"), meta, &hasher)?);
            }
        }
        Ok(out)
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
    let engine = Engine::new(&a.engine)?;
    let as_of = match &a.as_of {
        Some(d) => Some(Date::parse(d).with_context(|| format!("--as-of {d:?}: expected YYYY-MM-DD"))?),
        None => None,
    };
    // Object-store URLs go through the `cloud` feature's fetcher, everything else as before.
    let (urls, locals): (Vec<String>, Vec<String>) = a.inputs.iter().cloned().partition(|i| is_object_url(i));
    if let Some(u) = urls.first() {
        need_cloud(u)?;
        if a.read_only {
            anyhow::bail!("--read-only reads local inputs only");
        }
        if a.record && !locals.is_empty() {
            anyhow::bail!(
                "--record with object-store URLs records object by object; record local inputs in a separate run \
                 (or name them as file:// URLs)"
            );
        }
    }
    let expanded = expand_inputs_noting(&locals);
    for (p, why) in &expanded.skipped {
        eprintln!("xborder: skipped {}: {why}", xborder::error::escape_name(&p.to_string_lossy()));
    }
    let (inputs, missing) = (expanded.inputs, expanded.errors);
    if a.read_only {
        return read_only(&inputs, missing, engine.source_options());
    }
    // The ledger and its key, before any data is read (a wrong key is exit 2).
    let exporter = a.exporter.clone().unwrap_or_else(|| UNNAMED_EXPORTER.into());
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
    let fail_at = a.fail_at.unwrap_or_else(|| default_fail_at(a.procedure));
    let record = if a.record { Record::BelowFailAt(fail_at) } else { Record::No };
    let format = a.format.unwrap_or(if std::io::stdout().is_terminal() && a.output.is_none() {
        OutFormat::Human
    } else {
        OutFormat::Json
    });
    let mut out = Out::new(a.output.clone());
    // JSON Lines: one line per input as soon as it is read (objects may take hours).
    #[cfg_attr(not(feature = "cloud"), allow(unused_mut))]
    let mut lines_written = 0;
    let objects = |session: &mut ScanSession<'_>, ledger: Option<&mut Ledger>| -> anyhow::Result<Outcome> {
        #[cfg(feature = "cloud")]
        if !urls.is_empty() {
            if format == OutFormat::Jsonl {
                for i in &session.report().inputs {
                    out.write(&(serde_json::to_string(&serde_json::json!({"type": "input", "input": i}))? + "\n"))?;
                }
            }
            let cx = super::bucket::Ctx {
                engine: &engine,
                glob: a.glob.as_deref(),
                since: a.since.as_deref(),
                concurrency: a.concurrency,
                record: a.record,
                fail_at,
                exporter: &exporter,
                year: session.scanner().options().as_of.year,
                hasher: &hasher,
                jsonl: format == OutFormat::Jsonl,
            };
            let outcome = super::bucket::scan(&cx, &urls, session, ledger, &mut out)?;
            if format == OutFormat::Jsonl {
                lines_written = session.inputs_len();
            }
            return Ok(outcome);
        }
        let _ = (session, ledger, &urls);
        Ok(Outcome::default())
    };
    let assessed =
        engine.assess_with(&scanner, &inputs, missing, &exporter, book.as_mut().map(|b| &mut b.0), record, objects)?;
    let (report, level) = (assessed.report, assessed.level);
    let year = scanner.options().as_of.year;
    match &assessed.transfer {
        Some(t) => eprintln!(
            "xborder: recorded transfer {} in {}: {} persons, {} new; {exporter} {year}: {} persons, {} sensitive",
            t.seq,
            ledger_path.display(),
            t.persons,
            t.ytd.new_persons,
            t.ytd.persons,
            t.ytd.sensitive
        ),
        None if a.record && urls.is_empty() => {
            let why = if !report.complete() {
                "the scan is incomplete".to_string()
            } else if level >= fail_at {
                format!("blocked: verdict {level} is at or above --fail-at {fail_at}")
            } else {
                "nothing to record".to_string()
            };
            eprintln!("xborder: not recorded in {}: {why}", ledger_path.display())
        }
        None if !a.record && book.is_some() => eprintln!(
            "xborder: dry run: judged on {}'s year to date in {}, not recorded (--record records it)",
            exporter,
            ledger_path.display()
        ),
        None => {}
    }
    // The head after recording, for a job to keep outside the ledger (`ledger verify --expect-head`).
    if a.record {
        if let Some((seq, hash)) = book.as_ref().map(|b| b.0.head()).transpose()?.flatten() {
            eprintln!("xborder: chain head: transfer {seq} {hash}");
        }
    }
    let text = match format {
        OutFormat::Human => xborder::report::render_human(&report, a.output.is_none() && use_color()),
        OutFormat::Json => report.to_json() + "\n",
        OutFormat::Jsonl => {
            let mut s = String::new();
            for i in &report.inputs[lines_written..] {
                s.push_str(&serde_json::to_string(&serde_json::json!({"type": "input", "input": i}))?);
                s.push('\n');
            }
            s.push_str(&serde_json::to_string(&serde_json::json!({"type": "report", "report": report}))?);
            s.push('\n');
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
            let timeline = Timeline::new(exporter.clone(), year, points);
            xborder::report::html::render_scan(&report, Some(&timeline), a.lang.into())
        }
    };
    out.write(&text)?;
    // Exit 3 wins over 1: a verdict computed on part of the data is only a lower bound, and the
    // unreadable input must be fixed first. Both are non-zero, so a pipeline that stops on
    // non-zero stops either way.
    if !report.complete() {
        for i in report.inputs.iter().filter(|i| !i.complete) {
            for e in &i.errors {
                eprintln!("xborder: incomplete: {e}");
            }
        }
        if level >= fail_at {
            eprintln!("xborder: verdict {level} on the part that was read is at or above --fail-at {fail_at}");
        }
        return Ok(EXIT_INCOMPLETE);
    }
    if level >= fail_at {
        let covered =
            if a.fail_at.is_none() { format!(" (--procedure {})", procedure_word(a.procedure)) } else { String::new() };
        eprintln!("xborder: verdict {level} is at or above --fail-at {fail_at}{covered} (policy {})", engine.policy.id);
        return Ok(EXIT_FAIL);
    }
    Ok(EXIT_OK)
}

/// Without the `cloud` feature no object is read: nothing to add to the report.
#[cfg(not(feature = "cloud"))]
#[derive(Default)]
pub(super) struct Outcome {
    notes: Vec<(usize, Note)>,
    recorded_unlinked: u64,
    recorded_unlinked_sensitive: u64,
    per_object: bool,
}
#[cfg(not(feature = "cloud"))]
struct Note;
#[cfg(not(feature = "cloud"))]
impl Note {
    fn apply(&self, _: &mut xborder::report::InputReport) {}
}
#[cfg(feature = "cloud")]
pub(super) use super::bucket::Outcome;

/// Where the report goes: `--output FILE` (created at the first write, so a run that fails
/// before it leaves no file) or stdout. JSON Lines write to it as inputs finish.
pub(super) struct Out {
    path: Option<PathBuf>,
    file: Option<std::fs::File>,
}

impl Out {
    fn new(path: Option<PathBuf>) -> Out {
        Out { path, file: None }
    }

    pub(super) fn write(&mut self, text: &str) -> anyhow::Result<()> {
        use std::io::Write;
        match &self.path {
            None => emit(None, text),
            Some(p) => {
                if self.file.is_none() {
                    let f =
                        std::fs::File::create(p).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))?;
                    self.file = Some(f);
                }
                let f = self.file.as_mut().expect("opened above");
                f.write_all(text.as_bytes()).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))
            }
        }
    }
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
    let Some(mut l) = Ledger::open(path, create)? else {
        return Ok(None);
    };
    let env = std::env::var(ledger::KEY_ENV).ok();
    let fresh = l.key_fingerprint()?.is_none();
    let (hasher, source) = match ledger::load_key(path, env.as_deref(), create && fresh)? {
        Some(k) => k,
        None => anyhow::bail!(
            "ledger {}: no key: set {} or restore the key file {}",
            path.display(),
            ledger::KEY_ENV,
            ledger::key_path(path).display()
        ),
    };
    l.check_key(&hasher, &source)?;
    Ok(Some((l, hasher)))
}

/// The transfer's inputs: path, format, rows, bytes and a keyed fingerprint of the content.
fn transfer_inputs(report: &Report, inputs: &[Input], hasher: &KeyHasher) -> Vec<TransferInput> {
    // Local inputs first, then objects read into the session (no fingerprint: a URL and its
    // ETag identify them).
    report
        .inputs
        .iter()
        .enumerate()
        .map(|(n, r)| TransferInput {
            path: r.path.clone(),
            format: r.format.clone(),
            rows: r.rows,
            bytes: r.bytes,
            fingerprint: match inputs.get(n) {
                Some(xborder::Input::Path(p)) => ledger::input_fingerprint(hasher, p),
                _ => None,
            },
        })
        .collect()
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
