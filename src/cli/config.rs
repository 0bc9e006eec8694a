//! `xborder.toml`: what a team sets once — exporter, policy, declarations, procedure, ledger,
//! detector folders — found in the working directory or its parents, or named by `--config
//! FILE`. A flag given on the command line wins over the file; the file wins over defaults and
//! `XBORDER_LEDGER`. Unknown keys are errors naming the key. Relative paths in the file are
//! relative to the file's folder. `xborder config` prints the effective values and where each
//! came from.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::parser::ValueSource;
use clap::ArgMatches;
use serde::Deserialize;

/// The file's name, looked for in the working directory and its parents.
pub const FILE_NAME: &str = "xborder.toml";

/// The keys of `xborder.toml`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub exporter: Option<String>,
    pub policy: Option<String>,
    pub ciio: Option<bool>,
    pub zone_registered: Option<bool>,
    pub sector: Option<String>,
    pub scenarios: Option<Vec<String>>,
    pub catalogue: Option<PathBuf>,
    pub procedure: Option<String>,
    pub fail_at: Option<String>,
    pub ledger: Option<PathBuf>,
    pub detectors: Option<Vec<PathBuf>>,
    /// Where it was read from (not a key).
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

impl Config {
    /// `--config FILE`, else the nearest `xborder.toml` from the working directory up, else none.
    pub fn load(explicit: Option<&Path>) -> anyhow::Result<Config> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => find(&std::env::current_dir().context("the working directory")?),
        };
        let Some(path) = path else { return Ok(Config::default()) };
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut c: Config =
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.message()))?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let rel = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        };
        if let Some(p) = c.catalogue.as_mut() {
            rel(p);
        }
        if let Some(p) = c.ledger.as_mut() {
            rel(p);
        }
        for p in c.detectors.iter_mut().flatten() {
            rel(p);
        }
        c.path = Some(path);
        Ok(c)
    }

    /// Where a value came from, for `xborder config`.
    pub fn source(&self) -> String {
        self.path.as_ref().map(|p| p.display().to_string()).unwrap_or_default()
    }
}

fn find(start: &Path) -> Option<PathBuf> {
    start.ancestors().map(|d| d.join(FILE_NAME)).find(|p| p.is_file())
}

/// True when the user gave argument `id` on the command line (the file must not override it).
pub fn given(m: &ArgMatches, id: &str) -> bool {
    m.try_get_raw(id).ok().flatten().is_some() && m.value_source(id) == Some(ValueSource::CommandLine)
}

/// `xborder config`: the effective configuration of `scan`, one `key = value  # source` line each.
pub fn print(c: &Config) -> anyhow::Result<i32> {
    let from = |set: bool| if set { c.source() } else { "default".to_string() };
    let ledger_env = std::env::var_os(xborder::ledger::LEDGER_ENV).filter(|v| !v.is_empty());
    let (ledger, ledger_from) = match (&c.ledger, &ledger_env) {
        (Some(p), _) => (p.display().to_string(), c.source()),
        (None, Some(v)) => (PathBuf::from(v).display().to_string(), xborder::ledger::LEDGER_ENV.to_string()),
        (None, None) => (xborder::ledger::DEFAULT_PATH.to_string(), "default".to_string()),
    };
    let q = |s: &str| format!("{s:?}");
    let list = |v: &[String]| format!("[{}]", v.iter().map(|s| q(s)).collect::<Vec<_>>().join(", "));
    let paths = |v: &[PathBuf]| list(&v.iter().map(|p| p.display().to_string()).collect::<Vec<_>>());
    let rows: Vec<(&str, String, String)> = vec![
        ("exporter", q(c.exporter.as_deref().unwrap_or(xborder::assess::UNNAMED_EXPORTER)), from(c.exporter.is_some())),
        ("policy", q(c.policy.as_deref().unwrap_or(xborder::policy::DEFAULT_POLICY)), from(c.policy.is_some())),
        ("ciio", c.ciio.unwrap_or(false).to_string(), from(c.ciio.is_some())),
        ("zone_registered", c.zone_registered.unwrap_or(false).to_string(), from(c.zone_registered.is_some())),
        ("sector", c.sector.as_deref().map(q).unwrap_or_else(|| "(none)".into()), from(c.sector.is_some())),
        ("scenarios", list(c.scenarios.as_deref().unwrap_or_default()), from(c.scenarios.is_some())),
        (
            "catalogue",
            c.catalogue.as_ref().map(|p| q(&p.display().to_string())).unwrap_or_else(|| "(none)".into()),
            from(c.catalogue.is_some()),
        ),
        ("procedure", q(c.procedure.as_deref().unwrap_or("none")), from(c.procedure.is_some())),
        (
            "fail_at",
            c.fail_at.as_deref().map(q).unwrap_or_else(|| "(the first level the procedure does not cover)".into()),
            from(c.fail_at.is_some()),
        ),
        ("ledger", q(&ledger), ledger_from),
        ("detectors", paths(c.detectors.as_deref().unwrap_or_default()), from(c.detectors.is_some())),
    ];
    let mut s = match &c.path {
        Some(p) => format!("# configuration file: {}\n", p.display()),
        None => format!("# no {FILE_NAME} in this directory or its parents (--config FILE names one)\n"),
    };
    for (k, v, src) in rows {
        s.push_str(&format!("{k} = {v}  # {src}\n"));
    }
    s.push_str("# flags given on the command line override every value\n");
    super::emit(None, &s)?;
    Ok(super::EXIT_OK)
}
