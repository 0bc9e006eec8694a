//! `xborder detectors list|test`, and the hidden `detectors validate NAME` for oracle checks.

use super::output::{formats, Format};
use std::path::PathBuf;

use clap::Subcommand;

use super::{emit, EXIT_FAIL, EXIT_OK, EXIT_USAGE};
use xborder::detect::{check_examples, validators, Catalogue, DetectorSpec};
use xborder::time::Date;

#[derive(Subcommand)]
pub enum DetectorsCmd {
    /// List the detectors (built-in and from --detectors).
    List {
        #[arg(long, default_value = "human", value_parser = formats(&["human", "json"]))]
        format: Format,
        #[arg(long)]
        detectors: Vec<PathBuf>,
    },
    /// Check a detector file: it parses, compiles, and its match/no_match examples hold.
    Test { file: PathBuf },
    /// Oracle checks: run validator NAME on every line of stdin (trimmed, as the scanner trims a
    /// cell) and print `1` or `0` per line.
    #[command(hide = true)]
    Validate {
        /// A validator of `src/detect/validators/` (`gb11643`, `uscc`, `luhn`, `imei`…).
        name: String,
        /// "Today" for date checks (YYYY-MM-DD); the current date in Asia/Shanghai by default.
        #[arg(long)]
        as_of: Option<String>,
    },
}

pub fn run(c: DetectorsCmd) -> anyhow::Result<i32> {
    let ctx = validators::Ctx { today: Date::today_cst() };
    match c {
        DetectorsCmd::List { format, detectors } => {
            let mut specs = Catalogue::builtin_specs()?;
            for d in &detectors {
                specs.extend(Catalogue::load_dir(d)?);
            }
            let cat = Catalogue::build(specs, ctx)?;
            let text = if format == Format::Json {
                let v: Vec<_> = cat
                    .detectors
                    .iter()
                    .map(|d| {
                        serde_json::json!({
                            "id": d.id(), "category": d.category(), "validator": d.spec.validator,
                            "person_key": d.spec.person_key, "priority": d.priority, "origin": d.origin,
                            "description": d.spec.description, "header_hints": d.spec.header_hints,
                        })
                    })
                    .collect();
                serde_json::to_string_pretty(&v)? + "\n"
            } else {
                let mut s = format!("{:<29} {:<29} {:<22} {:<4} description\n", "id", "category", "validator", "key");
                for d in &cat.detectors {
                    s.push_str(&format!(
                        "{:<29} {:<29} {:<22} {:<4} {}\n",
                        d.id(),
                        d.category(),
                        d.spec.validator.as_deref().unwrap_or("-"),
                        if d.spec.person_key { "yes" } else { "" },
                        d.spec.description
                    ));
                }
                // Not a detector: derived by the engine from resident-ID birth dates.
                s.push_str(&format!(
                    "{:<29} {:<29} {:<22} {:<4} {}\n",
                    "(derived)",
                    "minor",
                    "-",
                    "",
                    "Minor under 14 (PIPL Art. 28): derived from the birth date in a resident or residence-permit ID, judged on --as-of"
                ));
                s
            };
            emit(None, &text)?;
            Ok(EXIT_OK)
        }
        DetectorsCmd::Validate { name, as_of } => validate(&name, as_of.as_deref(), ctx),
        DetectorsCmd::Test { file } => {
            let name = file.to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
            let spec = DetectorSpec::parse(&name, &text)?;
            let cat = Catalogue::build(vec![(spec, name.clone())], ctx)?;
            let failures = check_examples(&cat);
            if failures.is_empty() {
                let d = &cat.detectors[0];
                println!(
                    "{name}: ok ({} match and {} no_match examples hold)",
                    d.spec.examples.matches.len(),
                    d.spec.examples.no_match.len()
                );
                Ok(EXIT_OK)
            } else {
                for f in failures {
                    eprintln!("{f}");
                }
                Ok(EXIT_FAIL)
            }
        }
    }
}

/// `detectors validate NAME`: one answer per input line, buffered both ways (millions of lines).
fn validate(name: &str, as_of: Option<&str>, mut ctx: validators::Ctx) -> anyhow::Result<i32> {
    use std::io::{BufRead, Write};
    let Some(f) = validators::find(name) else {
        let names: Vec<&str> = validators::VALIDATORS.iter().map(|(n, _)| *n).collect();
        eprintln!("xborder: error: unknown validator {name:?}; known: {}", names.join(", "));
        return Ok(EXIT_USAGE);
    };
    if let Some(d) = as_of {
        match Date::parse(d) {
            Some(d) => ctx.today = d,
            None => {
                eprintln!("xborder: error: --as-of: expected a date YYYY-MM-DD");
                return Ok(EXIT_USAGE);
            }
        }
    }
    let mut input = std::io::BufReader::with_capacity(1 << 16, std::io::stdin().lock());
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut line = Vec::with_capacity(256);
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let ok = std::str::from_utf8(&line).is_ok_and(|s| f(s.trim(), &ctx));
        out.write_all(if ok { b"1\n" } else { b"0\n" })?;
    }
    out.flush()?;
    Ok(EXIT_OK)
}
