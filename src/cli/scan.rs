//! `xborder scan`.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::{emit, use_color, EXIT_FAIL, EXIT_INCOMPLETE, EXIT_OK};
use xborder::ledger::{self, BatchPersons, Ledger, TransferInput, TransferMeta};
use xborder::persons::KeyHasher;
use xborder::policy::{evaluate, Facts, ImportantCatalogue, Level, PolicySet, Scenario, DEFAULT_POLICY};
use xborder::report::YearToDate;
use xborder::source::{encoding_for_label, expand_inputs, is_object_url, SourceOptions};
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
    /// Files, directories (recursive), globs, `-` for stdin, or object-store URLs (`s3://`,
    /// `gs://`, `az://`, `https://`, `file://`; `cloud` feature): one object, or every object
    /// below a prefix.
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
    /// The ledger (SQLite) holding the year to date (default `./xborder-ledger.db`, or
    /// `XBORDER_LEDGER`). Without `--record` it is only read, and a missing ledger means the
    /// year so far is this export.
    #[arg(long, value_name = "PATH")]
    ledger: Option<PathBuf>,
    /// Record this export in the ledger when its verdict is below `--fail-at` (a blocked or
    /// incomplete export is never recorded). Creates the ledger and its key when missing.
    #[arg(long)]
    pub(super) record: bool,
    /// Exit 1 when the verdict is at or above this level: allow, needs_review,
    /// standard_contract, security_assessment, prohibited. An incomplete scan exits 3 even
    /// then.
    #[arg(long, value_name = "LEVEL", default_value = "standard_contract", value_parser = parse_level)]
    pub(super) fail_at: Level,
    /// Object-store URLs: read only the keys below the URL's prefix that match this glob (`*`
    /// also matches `/`). Without it, data files are chosen by extension.
    #[arg(long, value_name = "GLOB")]
    pub(super) glob: Option<String>,
    /// Object-store URLs: read only objects modified on or after this date (YYYY-MM-DD,
    /// Asia/Shanghai).
    #[arg(long, value_name = "DATE")]
    pub(super) since: Option<String>,
    /// Object-store URLs: objects fetched at once, ahead of the one being scanned.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub(super) concurrency: usize,
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
    // Object-store URLs go through the `cloud` feature's fetcher, everything else as before.
    let (urls, locals): (Vec<String>, Vec<String>) = a.inputs.iter().cloned().partition(|i| is_object_url(i));
    if let Some(u) = urls.first() {
        if !cfg!(feature = "cloud") {
            anyhow::bail!(
                "{}: object-store URLs need the `cloud` feature, which this xborder was built without \
                 (cargo install xborder --features cloud)",
                xborder::error::sanitize_name(u)
            );
        }
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
    let (inputs, missing) = expand_inputs(&locals);
    if a.read_only {
        return read_only(&inputs, &src_opts);
    }
    // The ledger and its key, before any data is read (a wrong key is exit 2).
    let exporter = a.exporter.clone().unwrap_or_else(|| UNNAMED_EXPORTER.into());
    let ledger_path = ledger_path(a.ledger.as_deref());
    let mut book = open_ledger(&ledger_path, a.record)?;
    let hasher = match &mut book {
        Some((_, h)) => h.clone(),
        None => match std::env::var(ledger::KEY_ENV) {
            Ok(hex) => ledger::load_key(&ledger_path, Some(&hex), false)?.map(|k| k.0).expect("key from env"),
            Err(_) => xborder::persons::KeyHasher::random(),
        },
    };
    b = b.key_hasher(hasher.clone());
    let scanner = b.build()?;
    let mut session = scanner.scan_inputs(&inputs);
    for e in missing {
        let id = session.begin_input(&match &e {
            xborder::Error::Io { path, .. } => path.clone(),
            _ => "?".into(),
        });
        session.fail_input(id, e);
    }
    let format = a.format.unwrap_or(if std::io::stdout().is_terminal() && a.output.is_none() {
        OutFormat::Human
    } else {
        OutFormat::Json
    });
    let mut out = Out::new(a.output.clone());
    // JSON Lines: one line per input as soon as it is read (objects may take hours).
    #[cfg_attr(not(feature = "cloud"), allow(unused_mut))]
    let mut lines_written = 0;
    #[cfg_attr(not(feature = "cloud"), allow(unused_mut))]
    let mut outcome = Outcome::default();
    #[cfg(feature = "cloud")]
    if !urls.is_empty() {
        if format == OutFormat::Jsonl {
            for i in &session.report().inputs {
                out.write(&(serde_json::to_string(&serde_json::json!({"type": "input", "input": i}))? + "\n"))?;
            }
        }
        let cx = super::bucket::Ctx {
            args: &a,
            policy: &policy,
            catalogue: &catalogue,
            exporter: &exporter,
            year: scanner.options().as_of.year,
            hasher: &hasher,
            jsonl: format == OutFormat::Jsonl,
        };
        outcome = super::bucket::scan(&cx, &urls, &mut session, book.as_mut().map(|(l, _)| l), &mut out)?;
        if format == OutFormat::Jsonl {
            lines_written = session.inputs_len();
        }
    }
    let mut report = session.report();
    for (i, n) in &outcome.notes {
        n.apply(&mut report.inputs[*i]);
    }
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
    // Each person's key list is only needed to merge with a ledger (about 200 bytes a person).
    let batch = book.is_some().then(|| {
        let mut b = BatchPersons::from_set(session.persons(), scanner.sensitive_mask());
        // Keyless rows of objects recorded one by one are in the ledger already.
        b.unlinked = b.unlinked.saturating_sub(outcome.recorded_unlinked);
        b.unlinked_sensitive = b.unlinked_sensitive.saturating_sub(outcome.recorded_unlinked_sensitive);
        b
    });
    let mut facts = Facts::from_report(&report, session.category_persons());
    let year = scanner.options().as_of.year;
    // Year to date: the ledger's persons for this exporter and year ∪ this export. Recording
    // takes the write lock now, so the verdict is decided on the ledger it is written to.
    // `by_category` stays this export's: the ledger keeps no categories.
    // Objects of a store were recorded one by one as they were read (bucket.rs); the run as a
    // whole is recorded only for local inputs.
    let recording = a.record && report.complete() && urls.is_empty();
    let txn_plan = match &mut book {
        Some((l, _)) => {
            let txn = l.begin(recording)?;
            let plan = txn.year_to_date(&exporter, year, batch.as_ref().expect("built with the ledger"))?;
            facts.persons_ytd.personal = plan.counts.persons;
            facts.persons_ytd.sensitive = plan.counts.sensitive;
            Some((txn, plan))
        }
        None => None,
    };
    declare(&mut facts, &a, &catalogue);
    report.year_to_date = Some(YearToDate {
        year,
        exporter: exporter.clone(),
        persons: facts.persons_ytd.personal,
        sensitive: facts.persons_ytd.sensitive,
    });
    let verdict = evaluate(&policy, &facts);
    let level = verdict.level;
    report.verdict = Some(verdict);
    if let Some((txn, plan)) = txn_plan {
        if recording && level < a.fail_at {
            let meta = TransferMeta {
                as_of: scanner.options().as_of.to_string(),
                inputs: transfer_inputs(&report, &inputs, &hasher),
                verdict: level.to_string(),
                policy: policy.id.clone(),
                policy_version: policy.version.clone(),
            };
            let t = txn.record(&plan, batch.as_ref().expect("built with the ledger"), meta, &hasher)?;
            eprintln!(
                "xborder: recorded transfer {} in {}: {} persons, {} new; {exporter} {year}: {} persons, {} sensitive",
                t.seq,
                ledger_path.display(),
                t.persons,
                t.ytd.new_persons,
                t.ytd.persons,
                t.ytd.sensitive
            );
        } else {
            drop(txn);
            if a.record && urls.is_empty() {
                eprintln!("xborder: not recorded in {}", ledger_path.display());
            }
        }
    } else if a.record && urls.is_empty() {
        eprintln!("xborder: not recorded in {}", ledger_path.display());
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

/// What the operator declares, beside what the data shows.
pub(super) fn declare(facts: &mut Facts, a: &ScanArgs, catalogue: &ImportantCatalogue) {
    facts.ciio = a.ciio;
    facts.sector = a.sector.clone();
    facts.scenarios = a.scenarios.iter().copied().collect();
    facts.zone_registered = a.zone_registered;
    facts.catalogue = catalogue.markers.clone();
}

/// Without the `cloud` feature no object is read: nothing to add to the report.
#[cfg(not(feature = "cloud"))]
#[derive(Default)]
struct Outcome {
    notes: Vec<(usize, Note)>,
    recorded_unlinked: u64,
    recorded_unlinked_sensitive: u64,
}
#[cfg(not(feature = "cloud"))]
struct Note;
#[cfg(not(feature = "cloud"))]
impl Note {
    fn apply(&self, _: &mut xborder::report::InputReport) {}
}
#[cfg(feature = "cloud")]
use super::bucket::Outcome;

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
fn open_ledger(path: &std::path::Path, create: bool) -> anyhow::Result<Option<(Ledger, KeyHasher)>> {
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
fn transfer_inputs(report: &xborder::Report, inputs: &[xborder::Input], hasher: &KeyHasher) -> Vec<TransferInput> {
    report
        .inputs
        .iter()
        .zip(inputs)
        .map(|(r, i)| TransferInput {
            path: r.path.clone(),
            format: r.format.clone(),
            rows: r.rows,
            bytes: r.bytes,
            fingerprint: match i {
                xborder::Input::Path(p) => ledger::input_fingerprint(hasher, p),
                xborder::Input::Stdin => None,
            },
        })
        .collect()
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
