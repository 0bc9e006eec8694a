//! `xborder gate INPUT... --to DEST`: judge local files and let them cross only when the verdict
//! allows, in one read (the library's `gate` module does the work; this turns flags into it and
//! renders what it returns).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use serde_json::{json, Value};

use super::output::Color;
use super::scan::{ledger_path, open_ledger, parse_level, parse_procedure, procedure_word, Engine, EngineArgs};
use super::{EXIT_FAIL, EXIT_INCOMPLETE, EXIT_OK};
use xborder::assess::{default_fail_at, UNNAMED_EXPORTER};
use xborder::gate::{self, Gate, GateOutcome, Phase, RecoveredAction, Status};
use xborder::ledger::{self, GateObject};
use xborder::persons::{KeyHasher, PersonsMode};
use xborder::policy::Level;
use xborder::source::{expand_inputs_noting, is_object_url};
use xborder::time::Date;

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum GateFormat {
    Human,
    Json,
    Jsonl,
}

#[derive(Args)]
pub struct GateArgs {
    /// Local files, directories (recursive) or globs. Each is read once: scanned, staged at the
    /// destination and hashed in the same pass.
    #[arg(required = true)]
    inputs: Vec<String>,
    /// The destination: a local directory, or an object-store prefix (`s3://bucket/prefix`,
    /// `gs://…`, `az://…`; `cloud` feature). Files keep their names.
    #[arg(long, value_name = "DEST")]
    to: String,
    /// Judge only: stage, commit and record nothing.
    #[arg(long)]
    dry_run: bool,
    /// Output format (default: human on a terminal, json otherwise).
    #[arg(long, value_enum)]
    format: Option<GateFormat>,
    /// Shorthand for `--format jsonl`: one line per object as it is committed, then the outcome.
    #[arg(long)]
    jsonl: bool,
    /// Write the output to FILE instead of stdout.
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
    /// The ledger (default `./xborder-ledger.db`, or `XBORDER_LEDGER`); created when missing
    /// (a dry run only reads it).
    #[arg(long, value_name = "PATH")]
    ledger: Option<PathBuf>,
    /// The procedure the exporter has in place: none, standard_contract or
    /// security_assessment. Only a verdict it covers crosses.
    #[arg(long, value_name = "LEVEL", default_value = "none", value_parser = parse_procedure)]
    procedure: Level,
    /// Block at this level, below the first level `--procedure` does not cover (a gate never
    /// lets through what the procedure does not cover).
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    fail_at: Option<Level>,
}

/// Where the output goes, line by line (JSON Lines stream as objects are committed).
struct Sink {
    file: Option<std::fs::File>,
    path: Option<PathBuf>,
}

impl Sink {
    fn write(&mut self, text: &str) -> anyhow::Result<()> {
        match &self.path {
            None => {
                let mut out = std::io::stdout().lock();
                out.write_all(text.as_bytes())?;
                out.flush()?;
            }
            Some(p) => {
                if self.file.is_none() {
                    self.file =
                        Some(std::fs::File::create(p).with_context(|| format!("cannot write {}", p.display()))?);
                }
                let f = self.file.as_mut().expect("opened above");
                f.write_all(text.as_bytes()).with_context(|| format!("cannot write {}", p.display()))?;
            }
        }
        Ok(())
    }
}

fn object_json(o: &GateObject) -> Value {
    json!({
        "input": o.input, "url": o.url, "size": o.size, "digest": o.digest,
        "etag": o.etag, "version": o.version, "state": o.state,
    })
}

fn status_json(s: &Status) -> (&'static str, Value) {
    match s {
        Status::Committed { transfer } => ("committed", json!(transfer)),
        Status::CommitPending { transfer, .. } => ("commit_pending", json!(transfer)),
        Status::AlreadyCommitted { transfer, .. } => ("already_committed", json!(transfer)),
        Status::Blocked => ("blocked", Value::Null),
        Status::Refused => ("refused", Value::Null),
        Status::DryRun => ("dry_run", Value::Null),
    }
}

pub fn run(a: GateArgs) -> anyhow::Result<i32> {
    let exporter = a.exporter.clone().unwrap_or_else(|| UNNAMED_EXPORTER.into());
    if let Some(f) = a.fail_at {
        let most = default_fail_at(a.procedure);
        if f > most {
            anyhow::bail!(
                "--fail-at {f} would let through a verdict --procedure {} does not cover (at most {most})",
                procedure_word(a.procedure)
            );
        }
    }
    let engine = Engine::new(&a.engine, &exporter, a.procedure, a.fail_at)?;
    let as_of = match &a.as_of {
        Some(d) => Some(Date::parse(d).with_context(|| format!("--as-of {d:?}: expected YYYY-MM-DD"))?),
        None => None,
    };
    if let Some(i) = a.inputs.iter().find(|i| *i == "-" || is_object_url(i)) {
        anyhow::bail!(
            "{}: the gate reads local files (it checks their size and times after reading); \
             save stdin or the object to a file first",
            xborder::error::sanitize_name(i)
        );
    }
    let expanded = expand_inputs_noting(&a.inputs);
    for (p, why) in &expanded.skipped {
        eprintln!("xborder: skipped {}: {why}", xborder::error::escape_name(&p.to_string_lossy()));
    }
    // An input that cannot be found is read like the others, so it fails as theirs would.
    let mut paths: Vec<PathBuf> = expanded
        .inputs
        .iter()
        .filter_map(|i| match i {
            xborder::Input::Path(p) => Some(p.clone()),
            xborder::Input::Stdin => None,
        })
        .collect();
    for e in &expanded.errors {
        match e {
            xborder::Error::Io { path, .. } => paths.push(PathBuf::from(path)),
            other => anyhow::bail!("{other}"),
        }
    }
    let stager = gate::destination(&a.to)?;
    let ledger_path = ledger_path(a.ledger.as_deref());
    let mut book = open_ledger(&ledger_path, !a.dry_run)?;
    let hasher = match &book {
        Some((_, h)) => h.clone(),
        None => match std::env::var(ledger::KEY_ENV) {
            Ok(hex) => ledger::load_key(&ledger_path, Some(&hex), false)?.map(|k| k.0).expect("key from env"),
            Err(_) => KeyHasher::random(),
        },
    };
    let scanner = engine.scanner(as_of, hasher, PersonsMode::Exact)?;
    let format = if a.jsonl {
        GateFormat::Jsonl
    } else {
        a.format.unwrap_or(if std::io::stdout().is_terminal() && a.output.is_none() {
            GateFormat::Human
        } else {
            GateFormat::Json
        })
    };
    let mut sink = Sink { file: None, path: a.output.clone() };
    let mut stream_error: Option<anyhow::Error> = None;
    let mut observer = |p: &Phase<'_>| {
        if let (Phase::ObjectCommitted(o), GateFormat::Jsonl) = (p, format) {
            let mut line = object_json(o);
            line["type"] = json!("object");
            let text = serde_json::to_string(&line).expect("serialises") + "\n";
            if let Err(e) = sink.write(&text) {
                stream_error.get_or_insert(e);
            }
        }
    };
    let g = Gate::new(&engine.assessor, &scanner, &*stager).dry_run(a.dry_run);
    let outcome = match g.run(&paths, book.as_mut().map(|b| &mut b.0), &mut observer) {
        Ok(o) => o,
        // A destination that cannot take or finish a transfer: nothing (more) was sent.
        Err(e @ xborder::Error::Io { .. }) => {
            eprintln!("xborder: error: {e}");
            return Ok(EXIT_INCOMPLETE);
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(e) = stream_error {
        return Err(e);
    }
    let fail_at = engine.assessor.fail_at();
    say(&outcome, stager.dest(), &ledger_path, fail_at);
    let (status, transfer) = status_json(&outcome.status);
    let report = &outcome.assessment.report;
    let summary = json!({
        "type": "gate", "run": outcome.run, "dest": stager.dest(), "status": status, "transfer": transfer,
        "objects": outcome.objects.iter().map(object_json).collect::<Vec<_>>(),
    });
    let text = match format {
        GateFormat::Json => {
            let mut v = summary;
            v["report"] = serde_json::to_value(report)?;
            serde_json::to_string_pretty(&v)? + "\n"
        }
        GateFormat::Jsonl => {
            let mut v = summary;
            v["report"] = serde_json::to_value(report)?;
            serde_json::to_string(&v)? + "\n"
        }
        GateFormat::Human => {
            let mut s = xborder::report::render_human(report, Color::Auto.on_stdout(a.output.is_some()));
            s.push_str(&format!("\nGate: {status} → {}\n", stager.dest()));
            for o in &outcome.objects {
                s.push_str(&format!(
                    "  {}  {}  {} bytes  {}{}\n",
                    o.input,
                    o.url,
                    o.size.map_or("?".into(), |n| n.to_string()),
                    o.digest.as_deref().unwrap_or("-"),
                    o.etag.as_deref().map(|e| format!("  etag {e}")).unwrap_or_default()
                ));
            }
            s
        }
    };
    sink.write(&text)?;
    let level = outcome.assessment.level;
    Ok(match &outcome.status {
        Status::Committed { .. } | Status::AlreadyCommitted { .. } => EXIT_OK,
        Status::CommitPending { .. } => EXIT_INCOMPLETE,
        Status::Blocked => EXIT_FAIL,
        Status::Refused => EXIT_INCOMPLETE,
        Status::DryRun if !report.complete() => EXIT_INCOMPLETE,
        Status::DryRun if level >= fail_at => EXIT_FAIL,
        Status::DryRun => EXIT_OK,
    })
}

/// One line on stderr for what the run did, and for what it finished of earlier runs.
fn say(o: &GateOutcome, dest: &str, ledger: &std::path::Path, fail_at: Level) {
    for r in &o.recovered {
        match r.action {
            RecoveredAction::Aborted => eprintln!(
                "xborder: gate run {} (killed before its transfer was recorded): removed its staged data at {}",
                r.run, r.dest
            ),
            RecoveredAction::Finished { transfer } => eprintln!(
                "xborder: gate run {} (killed after recording transfer {}): committed its {} object(s) at {}",
                r.run,
                transfer.map_or("?".into(), |t| t.to_string()),
                r.objects,
                r.dest
            ),
        }
    }
    let a = &o.assessment;
    match &o.status {
        Status::Committed { transfer } => eprintln!(
            "xborder: committed {} object(s) to {dest}; recorded transfer {transfer} in {}",
            o.objects.len(),
            ledger.display()
        ),
        Status::CommitPending { transfer, error } => eprintln!(
            "xborder: transfer {transfer} is recorded but not every object is committed ({error}); \
             the next `xborder gate` with this ledger commits the rest"
        ),
        Status::AlreadyCommitted { run, transfer } => eprintln!(
            "xborder: already at {dest}: gate run {run} committed these bytes (transfer {}); nothing sent again",
            transfer.map_or("?".into(), |t| t.to_string())
        ),
        Status::Blocked => eprintln!(
            "xborder: not sent: verdict {} is at or above --fail-at {fail_at}; nothing committed or recorded",
            a.level
        ),
        Status::Refused => {
            for i in a.report.inputs.iter().filter(|i| !i.complete) {
                for e in &i.errors {
                    eprintln!("xborder: incomplete: {e}");
                }
            }
            eprintln!("xborder: not sent: an input was not read whole and unchanged; nothing committed or recorded");
        }
        Status::DryRun => eprintln!("xborder: dry run: verdict {}; nothing staged, committed or recorded", a.level),
    }
}
