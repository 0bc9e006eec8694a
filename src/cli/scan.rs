//! `xborder scan`.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::{emit, use_color, EXIT_INCOMPLETE, EXIT_OK};
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
    /// Benchmarking: only read the inputs into batches, run no detector.
    #[arg(long, hide = true)]
    read_only: bool,
}

pub fn run(a: ScanArgs) -> anyhow::Result<i32> {
    let mut src = SourceOptions { batch_size: a.batch_size.max(1), ..SourceOptions::default() };
    if let Some(f) = &a.input_format {
        src.format = Some(f.parse::<Format>()?);
    }
    if let Some(e) = &a.encoding {
        src.encoding = Some(encoding_for_label(e)?);
    }
    let src_opts = src.clone();
    let mut b = Scanner::builder().source_options(src).show_values(a.show_values);
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
    let report = session.report();
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
    if !report.complete() {
        for i in report.inputs.iter().filter(|i| !i.complete) {
            for e in &i.errors {
                eprintln!("xborder: incomplete: {e}");
            }
        }
        return Ok(EXIT_INCOMPLETE);
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
