//! `xborder detectors list|test`.

use std::path::PathBuf;

use clap::Subcommand;

use super::{emit, EXIT_FAIL, EXIT_OK};
use xborder::detect::{check_examples, Catalogue, DetectorSpec};
use xborder::time::Date;

#[derive(Subcommand)]
pub enum DetectorsCmd {
    /// List the detectors (built-in and from --detectors).
    List {
        #[arg(long, default_value = "human")]
        format: String,
        #[arg(long)]
        detectors: Vec<PathBuf>,
    },
    /// Check a detector file: it parses, compiles, and its match/no_match examples hold.
    Test { file: PathBuf },
}

pub fn run(c: DetectorsCmd) -> anyhow::Result<i32> {
    let ctx = xborder::detect::validators::Ctx { today: Date::today_cst() };
    match c {
        DetectorsCmd::List { format, detectors } => {
            let mut specs = Catalogue::builtin_specs()?;
            for d in &detectors {
                specs.extend(Catalogue::load_dir(d)?);
            }
            let cat = Catalogue::build(specs, ctx)?;
            let text = if format == "json" {
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
                let mut s = format!("{:<24} {:<24} {:<12} {:<4} description\n", "id", "category", "validator", "key");
                for d in &cat.detectors {
                    s.push_str(&format!(
                        "{:<24} {:<24} {:<12} {:<4} {}\n",
                        d.id(),
                        d.category(),
                        d.spec.validator.as_deref().unwrap_or("-"),
                        if d.spec.person_key { "yes" } else { "" },
                        d.spec.description
                    ));
                }
                s
            };
            emit(None, &text)?;
            Ok(EXIT_OK)
        }
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
