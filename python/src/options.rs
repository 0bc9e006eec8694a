//! The options of `xborder.scan`, `Session` and `xborder.spark.assess`: the CLI's flags by name,
//! checked here (a bad one is a `ValueError` naming it) and turned into the library's
//! configuration — the assessor and the scanner — exactly as `src/cli/scan.rs` does.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use serde::{Deserialize, Serialize};

use xborder::assess::{Assessor, Declarations, Record, UNNAMED_EXPORTER};
use xborder::ledger::{self, Ledger};
use xborder::persons::{KeyHasher, PersonsMode};
use xborder::policy::{ImportantCatalogue, Level, PolicySet};
use xborder::source::{encoding_for_label, SourceOptions};
use xborder::time::Date;
use xborder::{Format, Scanner};

use crate::errors::{usage, XResult};

/// Every option, as the CLI spells the flag (`--as-of` → `as_of`). Serialisable: Spark ships it
/// from the driver to the executors, which build the same scanner from it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    pub policy: Option<String>,
    pub as_of: Option<String>,
    pub exporter: Option<String>,
    pub ciio: bool,
    pub sector: Option<String>,
    pub scenario: Vec<String>,
    pub zone_registered: bool,
    pub catalogue: Option<String>,
    pub ledger: Option<String>,
    pub record: bool,
    pub procedure: Option<String>,
    pub fail_at: Option<String>,
    pub persons: Option<String>,
    pub threads: Option<usize>,
    pub batch_size: Option<usize>,
    pub input_format: Option<String>,
    pub encoding: Option<String>,
    pub detectors: Vec<String>,
    pub show_values: bool,
}

/// Option names, for the error that names an unknown one.
pub const NAMES: &[&str] = &[
    "policy",
    "as_of",
    "exporter",
    "ciio",
    "sector",
    "scenario",
    "zone_registered",
    "catalogue",
    "ledger",
    "record",
    "procedure",
    "fail_at",
    "persons",
    "threads",
    "batch_size",
    "input_format",
    "encoding",
    "detectors",
    "show_values",
];

fn text(name: &str, v: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = v.cast::<PyString>() {
        return s.extract::<String>();
    }
    // A path-like object (pathlib.Path) for the options that name files.
    if ["policy", "catalogue", "ledger", "detectors"].contains(&name) {
        let os = v.py().import("os")?;
        if let Ok(p) = os.call_method1("fspath", (v,)) {
            if let Ok(s) = p.cast::<PyString>() {
                return s.extract::<String>();
            }
        }
    }
    // A date for `as_of`.
    if name == "as_of" && v.hasattr("isoformat")? && v.hasattr("year")? {
        let s = v.call_method0("isoformat")?;
        let s: String = s.extract()?;
        return Ok(s.chars().take(10).collect());
    }
    Err(usage(format!("option {name}: expected a string, got {}", type_name(v))))
}

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into())
}

fn flag(name: &str, v: &Bound<'_, PyAny>) -> PyResult<bool> {
    if v.is_instance_of::<pyo3::types::PyBool>() {
        return v.extract();
    }
    Err(usage(format!("option {name}: expected True or False, got {}", type_name(v))))
}

fn count(name: &str, v: &Bound<'_, PyAny>) -> PyResult<usize> {
    if v.is_instance_of::<pyo3::types::PyBool>() {
        return Err(usage(format!("option {name}: expected a positive integer, got bool")));
    }
    match v.extract::<i64>() {
        Ok(n) if n >= 1 => Ok(n as usize),
        Ok(n) => Err(usage(format!("option {name}: expected a positive integer, got {n}"))),
        Err(_) => Err(usage(format!("option {name}: expected a positive integer, got {}", type_name(v)))),
    }
}

/// A string or a list/tuple of strings (`scenario`, `detectors`: repeatable flags).
fn texts(name: &str, v: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if v.cast::<PyList>().is_ok() || v.cast::<PyTuple>().is_ok() {
        return v.try_iter()?.map(|x| text(name, &x?)).collect();
    }
    Ok(vec![text(name, v)?])
}

impl Options {
    /// Read `kwargs`; `None` values mean the default. An unknown name, a wrong type or a bad
    /// value is a `ValueError` naming the option.
    pub fn from_kwargs(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Options> {
        let mut o = Options::default();
        let Some(kw) = kwargs else { return Ok(o) };
        for (k, v) in kw.iter() {
            let name: String = k.extract()?;
            if v.is_none() {
                if !NAMES.contains(&name.as_str()) {
                    return Err(unknown(&name));
                }
                continue;
            }
            match name.as_str() {
                "policy" => o.policy = Some(text(&name, &v)?),
                "as_of" => o.as_of = Some(text(&name, &v)?),
                "exporter" => o.exporter = Some(text(&name, &v)?),
                "ciio" => o.ciio = flag(&name, &v)?,
                "sector" => o.sector = Some(text(&name, &v)?),
                "scenario" | "scenarios" => o.scenario = texts("scenario", &v)?,
                "zone_registered" => o.zone_registered = flag(&name, &v)?,
                "catalogue" => o.catalogue = Some(text(&name, &v)?),
                "ledger" => o.ledger = Some(text(&name, &v)?),
                "record" => o.record = flag(&name, &v)?,
                "procedure" => o.procedure = Some(text(&name, &v)?),
                "fail_at" => o.fail_at = Some(text(&name, &v)?),
                "persons" => o.persons = Some(text(&name, &v)?),
                "threads" => o.threads = Some(count(&name, &v)?),
                "batch_size" => o.batch_size = Some(count(&name, &v)?),
                "input_format" => o.input_format = Some(text(&name, &v)?),
                "encoding" => o.encoding = Some(text(&name, &v)?),
                "detectors" => o.detectors = texts(&name, &v)?,
                "show_values" => o.show_values = flag(&name, &v)?,
                _ => return Err(unknown(&name)),
            }
        }
        Ok(o)
    }

    pub fn exporter(&self) -> String {
        self.exporter.clone().unwrap_or_else(|| UNNAMED_EXPORTER.into())
    }

    pub fn persons_mode(&self) -> PyResult<PersonsMode> {
        match self.persons.as_deref() {
            None | Some("exact") => Ok(PersonsMode::Exact),
            Some("sketch") => Ok(PersonsMode::Sketch),
            Some(p) => Err(usage(format!("option persons: {p:?}: expected \"exact\" or \"sketch\""))),
        }
    }

    pub fn as_of_date(&self) -> PyResult<Option<Date>> {
        match &self.as_of {
            None => Ok(None),
            Some(d) => {
                Date::parse(d).map(Some).ok_or_else(|| usage(format!("option as_of: {d:?}: expected YYYY-MM-DD")))
            }
        }
    }

    fn level(name: &str, v: &str) -> PyResult<Level> {
        if name == "procedure" && v == "none" {
            return Ok(Level::Allow);
        }
        v.parse::<Level>().map_err(|e| usage(format!("option {name}: {e}")))
    }

    /// The assessor: policy, declarations, exporter, procedure and `fail_at`.
    pub fn assessor(&self) -> XResult<Assessor> {
        let policy_arg = self.policy.as_deref().unwrap_or(xborder::policy::DEFAULT_POLICY);
        let policy = PolicySet::builtin()
            .and_then(|mut s| s.resolve_arg(policy_arg))
            .map_err(|e| crate::errors::with_option("policy", e))?;
        let catalogue = match &self.catalogue {
            Some(p) => ImportantCatalogue::load(std::path::Path::new(p))
                .map_err(|e| crate::errors::with_option("catalogue", e))?,
            None => ImportantCatalogue::default(),
        };
        let declarations = Declarations {
            ciio: self.ciio,
            zone_registered: self.zone_registered,
            sector: self.sector.clone(),
            scenarios: self.scenario.clone(),
            catalogue,
        };
        let procedure = match &self.procedure {
            Some(p) => Self::level("procedure", p)?,
            None => Level::Allow,
        };
        let mut b = Assessor::builder()
            .policy(policy)
            .declarations(declarations)
            .exporter(&self.exporter())
            .procedure(procedure);
        if let Some(f) = &self.fail_at {
            b = b.fail_at(Self::level("fail_at", f)?);
        }
        // The builder's messages name the flag (`--sector "x": unknown sector…`).
        b.build().map_err(|e| crate::errors::with_option(option_of(&e), e))
    }

    /// The scanner for `assessor`, hashing person keys with `hasher`.
    pub fn scanner(&self, assessor: &Assessor, hasher: KeyHasher) -> XResult<Scanner> {
        let mut src = SourceOptions { batch_size: self.batch_size.unwrap_or(32768), ..SourceOptions::default() };
        if let Some(f) = &self.input_format {
            src.format = Some(f.parse::<Format>().map_err(|e| crate::errors::with_option("input_format", e))?);
        }
        if let Some(e) = &self.encoding {
            src.encoding = Some(encoding_for_label(e).map_err(|e| crate::errors::with_option("encoding", e))?);
        }
        let mut b = assessor
            .scanner_builder()
            .source_options(src)
            .persons_mode(self.persons_mode()?)
            .show_values(self.show_values)
            .key_hasher(hasher);
        if let Some(t) = self.threads {
            b = b.threads(t);
        }
        if let Some(d) = self.as_of_date()? {
            b = b.as_of(d);
        }
        for d in &self.detectors {
            b = b.detectors_dir(PathBuf::from(d));
        }
        b.build().map_err(|e| crate::errors::with_option("detectors", e))
    }

    /// The record mode (`record=True` records unless blocked or incomplete, as `--record`).
    pub fn record_mode(&self) -> Record {
        if self.record {
            Record::UnlessBlocked
        } else {
            Record::DryRun
        }
    }

    /// The ledger (created when recording) and its key, as the CLI opens it; `None` without the
    /// `ledger` option, or for a dry run on a ledger that does not exist yet.
    pub fn open_ledger(&self) -> XResult<Option<(Ledger, KeyHasher)>> {
        let Some(path) = &self.ledger else {
            if self.record {
                return Err(usage("option record: needs the ledger option (the path of the ledger)").into());
            }
            return Ok(None);
        };
        if self.persons_mode()? != PersonsMode::Exact {
            return Err(usage(
                "option persons: \"sketch\" cannot be used with a ledger: the year to date is kept per person",
            )
            .into());
        }
        let env = std::env::var(ledger::KEY_ENV).ok();
        Ok(Ledger::open_keyed(std::path::Path::new(path), self.record, env.as_deref())?)
    }
}

fn unknown(name: &str) -> PyErr {
    usage(format!("unknown option {name:?}; the options are {}", NAMES.join(", ")))
}

/// The option an assessor-builder error is about (its message starts with the flag).
fn option_of(e: &xborder::Error) -> &'static str {
    let m = e.to_string();
    if m.starts_with("--scenario") {
        "scenario"
    } else if m.starts_with("--sector") {
        "sector"
    } else {
        "policy"
    }
}
