//! `xborder audit INPUT... --exporter NAME --year YYYY`: replay archived exports, in the order
//! they left, into a fresh ledger with the scan engine of `xborder scan` (see `xborder::audit`
//! for the ordering and recording rules).
//!
//! INPUT is what `scan` takes: files, directories, globs, and (`cloud` feature) object-store
//! URLs, listed and fetched by `scan`'s object layer (`bucket.rs`). Each object is one replayed
//! transfer; its key is its name and its Last-Modified time its modification time.

use std::collections::HashMap;
use std::path::PathBuf;

use clap::Args;

use super::output::{formats, Format};

use super::scan::{ledger_path, open_ledger, parse_procedure, Engine, EngineArgs, LangArg};
use super::{emit, EXIT_FAIL, EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE};
use xborder::assess::Record;
use xborder::audit::{self, AuditReport, AuditTransfer, Exported, ManifestEntry, Skipped};
use xborder::ledger::{Ledger, TransferFilter};
use xborder::persons::PersonsMode;
use xborder::policy::Level;
use xborder::report::timeline::{self, Point, Timeline};
use xborder::source::{expand_inputs, is_object_url};
use xborder::{Input, Scanner};

#[derive(Args)]
pub struct AuditArgs {
    /// Archived exports: files, directories (recursive), globs, object-store URLs (an object or a
    /// prefix: `s3://bucket/exports/`; `cloud` feature).
    #[arg(required = true)]
    inputs: Vec<String>,
    /// The exporting legal entity whose year is audited.
    #[arg(long, value_name = "NAME")]
    exporter: String,
    /// The calendar year (Asia/Shanghai) to audit; objects dated in another year are left out.
    #[arg(long, value_name = "YYYY")]
    year: i32,
    /// The order and dates of the transfers: CSV (`path,date`) or JSON (`[{"path", "date"}]`).
    /// Without it: a date in every object's name, else file modification times.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    /// The procedure the exporter had in place for the year (none, standard_contract,
    /// security_assessment; `allow` is read as none): transfers that needed more lacked it.
    #[arg(long, value_name = "LEVEL", default_value = "none", value_parser = parse_procedure)]
    procedure: Level,
    /// Write the replayed ledger here (it must not hold transfers yet); a temporary ledger,
    /// removed afterwards, by default.
    #[arg(long, value_name = "PATH")]
    ledger: Option<PathBuf>,
    /// Output format, on a terminal or not: human, json or html.
    #[arg(long, default_value = "human", value_parser = formats(&["human", "json", "html"]))]
    format: Format,
    /// Language of the HTML report's labels.
    #[arg(long, value_enum, default_value = "en")]
    lang: LangArg,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Object-store URLs: objects fetched at once, ahead of the one being replayed.
    #[arg(long, value_name = "N", default_value_t = 8)]
    concurrency: usize,
    #[command(flatten)]
    engine: EngineArgs,
}

/// One archived export: a local file or an object of a store.
#[derive(Clone)]
enum Export {
    File(PathBuf),
    #[cfg(feature = "cloud")]
    Object(xborder::source::object::ObjectEntry),
}

impl Exported for Export {
    fn name(&self) -> String {
        match self {
            Export::File(p) => p.name(),
            #[cfg(feature = "cloud")]
            Export::Object(o) => o.name(),
        }
    }

    fn name_path(&self) -> PathBuf {
        match self {
            Export::File(p) => p.name_path(),
            #[cfg(feature = "cloud")]
            Export::Object(o) => o.name_path(),
        }
    }

    fn is(&self, e: &ManifestEntry) -> bool {
        match self {
            Export::File(p) => p.is(e),
            #[cfg(feature = "cloud")]
            Export::Object(o) => o.is(e),
        }
    }

    fn modified_unix(&self) -> xborder::Result<i64> {
        match self {
            Export::File(p) => p.modified_unix(),
            #[cfg(feature = "cloud")]
            Export::Object(o) => o.modified_unix(),
        }
    }
}

/// A temporary directory removed on drop (the binary has no tempfile dependency).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> anyhow::Result<TempDir> {
        let base = std::env::temp_dir();
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        for i in 0..100u32 {
            let p = base.join(format!("xborder-audit-{}-{nanos}-{i}", std::process::id()));
            match std::fs::create_dir(&p) {
                Ok(()) => return Ok(TempDir(p)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => anyhow::bail!("cannot create a temporary ledger directory in {}: {e}", base.display()),
            }
        }
        anyhow::bail!("cannot create a temporary ledger directory in {}", base.display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl AuditArgs {
    /// Take what `xborder.toml` sets and the command line does not (the exporter and year of an
    /// audit are always given).
    pub fn apply_config(&mut self, c: &super::config::Config, m: &clap::ArgMatches) -> anyhow::Result<()> {
        self.engine.apply_config(c, m)?;
        if !super::config::given(m, "procedure") {
            if let Some(p) = &c.procedure {
                self.procedure =
                    parse_procedure(p).map_err(|e| anyhow::anyhow!("{}: key `procedure`: {e}", c.source()))?;
            }
        }
        Ok(())
    }
}

pub fn run(a: AuditArgs) -> anyhow::Result<i32> {
    // Audit replays every export as sent, whatever its verdict: procedure and fail-at do not
    // block here (`lacked` says what the procedure in place did not cover).
    let engine = Engine::new(&a.engine, &a.exporter, a.procedure, Some(Level::Prohibited))?;
    if !(1970..=9999).contains(&a.year) {
        anyhow::bail!("--year {}: expected a calendar year", a.year);
    }
    let (urls, locals): (Vec<String>, Vec<String>) = a.inputs.iter().cloned().partition(|i| is_object_url(i));
    if let Some(u) = urls.first() {
        super::scan::need_cloud(u)?;
    }
    let (inputs, missing) = expand_inputs(&locals);
    if !missing.is_empty() {
        for e in &missing {
            eprintln!("xborder: error: {e}");
        }
        return Ok(EXIT_USAGE);
    }
    let mut paths = Vec::with_capacity(inputs.len());
    for i in inputs {
        match i {
            Input::Path(p) => paths.push(p),
            Input::Stdin => anyhow::bail!("audit replays archived objects: `-` (stdin) has no date to order it by"),
        }
    }
    let manifest = match &a.manifest {
        Some(m) => {
            // A manifest kept beside the exports is not one of them.
            if let Ok(mc) = m.canonicalize() {
                paths.retain(|p| p.canonicalize().map_or(true, |pc| pc != mc));
            }
            Some(audit::load_manifest(m)?)
        }
        None => None,
    };
    #[cfg_attr(not(feature = "cloud"), allow(unused_mut))]
    let mut exports: Vec<Export> = paths.into_iter().map(Export::File).collect();
    #[cfg(feature = "cloud")]
    let fetcher = if urls.is_empty() {
        None
    } else {
        let f = xborder::source::object::Fetcher::new(a.concurrency.max(1), engine.source_options().clone())?;
        exports.extend(xborder::assess::list_objects(&f, &urls, &Default::default())?.into_iter().map(Export::Object));
        Some(f)
    };
    let (order, archived) = audit::order_objects(&exports, manifest.as_deref())?;

    // A fresh ledger: the audit's own reconstruction of the year, never the live one.
    let _tmp;
    let (path, keep) = match &a.ledger {
        Some(p) => (ledger_path(Some(p)), true),
        None => {
            let t = TempDir::new()?;
            let p = t.0.join("audit.db");
            _tmp = t;
            (p, false)
        }
    };
    if let Some(l) = Ledger::open(&path, false)? {
        let n = l.transfers(&TransferFilter::default())?.len();
        if n > 0 {
            anyhow::bail!("audit writes a fresh ledger: {} already holds {n} transfers", path.display());
        }
    }
    let Some((mut ledger, hasher)) = open_ledger(&path, true)? else {
        anyhow::bail!("cannot create the ledger {}", path.display());
    };

    let mut skipped = Vec::new();
    let mut transfers: Vec<AuditTransfer> = Vec::new();
    let mut scanners: HashMap<xborder::time::Date, Scanner> = HashMap::new();
    let in_year: Vec<_> = archived
        .into_iter()
        .filter(|x| {
            if x.date.year == a.year {
                return true;
            }
            skipped.push(Skipped {
                object: x.object.name(),
                date: Some(x.date.to_string()),
                reason: format!("dated outside {}", a.year),
            });
            false
        })
        .collect();
    let total = in_year.len();
    // Objects are fetched ahead, in replay order.
    #[cfg(feature = "cloud")]
    let mut opened = fetcher.as_ref().map(|f| {
        f.open_all(
            in_year
                .iter()
                .filter_map(|x| match &x.object {
                    Export::Object(o) => Some(o.clone()),
                    Export::File(_) => None,
                })
                .collect(),
        )
    });
    for (n, x) in in_year.into_iter().enumerate() {
        // Minors and the year are judged on the day the export left.
        let scanner = match scanners.entry(x.date) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(engine.scanner(Some(x.date), hasher.clone(), PersonsMode::Exact)?)
            }
        };
        let name = x.object.name();
        let done = match &x.object {
            Export::File(p) => {
                engine.assessor.assess_input(scanner, &Input::Path(p.clone()), Some(&mut ledger), Record::Always)?
            }
            #[cfg(feature = "cloud")]
            Export::Object(_) => {
                let (entry, src) = opened.as_mut().and_then(Iterator::next).expect("one fetch per object");
                engine.assessor.assess_object(scanner, &entry, src, Some(&mut ledger), Record::Always)?
            }
        };
        let t = done.transfer.ok_or_else(|| anyhow::anyhow!("{name}: the transfer was not recorded"))?;
        let complete = done.report.complete();
        eprintln!(
            "xborder: audit {}/{total}: {} {}: {} persons ({} new); year to date {} persons, {} sensitive; needs {}{}",
            n + 1,
            x.date,
            name,
            t.persons,
            t.ytd.new_persons,
            t.ytd.persons,
            t.ytd.sensitive,
            done.level,
            if complete { "" } else { " (INCOMPLETE)" }
        );
        transfers.push(AuditTransfer {
            seq: t.seq,
            object: name,
            date: x.date.to_string(),
            date_source: x.source,
            persons: t.persons,
            sensitive: t.sensitive,
            new_persons: t.ytd.new_persons,
            ytd_persons: t.ytd.persons,
            ytd_sensitive: t.ytd.sensitive,
            needed: done.level,
            lacked: audit::lacks(done.level, a.procedure),
            crossed: Vec::new(),
            complete,
            report: done.report,
        });
    }
    let points: Vec<Point> = transfers
        .iter()
        .map(|t| Point {
            date: t.date.clone(),
            object: t.object.clone(),
            seq: Some(t.seq),
            persons: t.ytd_persons,
            sensitive: t.ytd_sensitive,
            level: t.needed,
            pending: false,
        })
        .collect();
    let timeline = Timeline::new(a.exporter.clone(), a.year, points, timeline::lines(engine.policy()));
    for c in &timeline.crossings {
        transfers[c.point].crossed.push(c.line.clone());
    }
    let chain = ledger.verify(Some(&hasher))?;
    let report = AuditReport {
        version: 1,
        audited_at: xborder::time::rfc3339_cst(xborder::time::now_unix()),
        exporter: a.exporter.clone(),
        year: a.year,
        policy: engine.policy().id.clone(),
        policy_version: engine.policy().version.clone(),
        order,
        procedure: a.procedure,
        highest: transfers.iter().map(|t| t.needed).max().unwrap_or(Level::Allow),
        lacking: transfers.iter().filter(|t| t.lacked).map(|t| t.seq).collect(),
        complete: transfers.iter().all(|t| t.complete),
        skipped,
        timeline,
        ledger: keep.then(|| path.display().to_string()),
        chain_head: chain.head_hash.as_ref().zip(chain.head_seq).map(|(h, s)| format!("{s} {h}")),
        transfers,
    };
    drop(ledger);
    let format = a.format;
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
        Format::Html => xborder::report::html::render_audit(&report, a.lang.into()),
        _ => human(&report),
    };
    emit(a.output.as_deref(), &text)?;
    if !report.complete {
        eprintln!("xborder: incomplete: an archived export was not read whole; its counts are a lower bound");
        return Ok(EXIT_INCOMPLETE);
    }
    if !report.lacking.is_empty() {
        eprintln!(
            "xborder: {} transfer(s) needed more than the procedure in place ({})",
            report.lacking.len(),
            report.procedure
        );
        return Ok(EXIT_FAIL);
    }
    Ok(EXIT_OK)
}

fn human(r: &AuditReport) -> String {
    let mut s = format!(
        "xborder audit — {} {} (policy {} {}); order from {}; procedure in place: {}\n\n",
        r.exporter,
        r.year,
        r.policy,
        r.policy_version,
        r.order.as_str(),
        r.procedure
    );
    s.push_str(&format!(
        "{:>4}  {:<10}  {:>8} {:>8} {:>9} {:>9}  {:<20} {:<7} {:<18} object\n",
        "seq", "date", "persons", "new", "ytd", "ytd sens.", "needed", "lacked", "lines reached"
    ));
    for t in &r.transfers {
        s.push_str(&format!(
            "{:>4}  {:<10}  {:>8} {:>8} {:>9} {:>9}  {:<20} {:<7} {:<18} {}\n",
            t.seq,
            t.date,
            t.persons,
            t.new_persons,
            t.ytd_persons,
            t.ytd_sensitive,
            t.needed.as_str(),
            if t.lacked { "LACKED" } else { "-" },
            t.crossed.join(","),
            t.object
        ));
    }
    s.push_str("\nLines reached\n");
    if r.timeline.crossings.is_empty() {
        s.push_str("  none\n");
    }
    for c in &r.timeline.crossings {
        s.push_str(&format!(
            "  {} {} ({}, {}): on {} by {} (transfer {}), {} then\n",
            c.value,
            c.tally.as_str(),
            c.level,
            c.cite,
            c.date,
            c.object,
            c.seq.map(|s| s.to_string()).unwrap_or_default(),
            c.count
        ));
    }
    for x in &r.skipped {
        s.push_str(&format!("left out: {} {}: {}\n", x.object, x.date.as_deref().unwrap_or(""), x.reason));
    }
    s.push_str(&format!(
        "\nHighest procedure needed: {}; transfers without it: {}\n",
        r.highest,
        if r.lacking.is_empty() {
            "none".to_string()
        } else {
            r.lacking.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")
        }
    ));
    s
}
