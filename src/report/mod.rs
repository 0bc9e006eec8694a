//! The report (DESIGN.md "The report (JSON, version 1)") and its renderings: JSON, JSON Lines,
//! a human table and a self-contained HTML page (`html`), and the year-to-date timeline
//! against the national lines (`timeline`).

pub mod csv;
pub mod html;
mod human;
pub mod sarif;
pub mod timeline;

use std::collections::BTreeMap;

use serde::Serialize;

pub use crate::policy::{Reason, Verdict};
use crate::time::Date;

pub use human::{display_width, render_human, render_human_width, render_line};

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub version: u32,
    pub scanned_at: String,
    /// The date minors and the calendar year were judged on.
    pub as_of: String,
    pub inputs: Vec<InputReport>,
    pub columns: Vec<ColumnReport>,
    pub persons: PersonsReport,
    pub important_data: Vec<ImportantData>,
    pub year_to_date: Option<YearToDate>,
    pub verdict: Option<Verdict>,
    /// Every input was read whole. The export may leave when it is complete and not blocked.
    pub complete: bool,
    /// The procedure the exporter declared in place (`none`, `standard_contract`,
    /// `security_assessment`) and the level from which an export is blocked (set by the
    /// assessor; `None` for a report no assessor judged).
    pub procedure: Option<String>,
    pub fail_at: Option<crate::policy::Level>,
    /// The verdict is at or above `fail_at`: the export must not leave.
    pub blocked: Option<bool>,
}

impl Report {
    pub fn new(as_of: Date) -> Report {
        Report {
            version: 1,
            scanned_at: crate::time::rfc3339_cst(crate::time::now_unix()),
            as_of: as_of.to_string(),
            inputs: Vec::new(),
            columns: Vec::new(),
            persons: PersonsReport::default(),
            important_data: Vec::new(),
            year_to_date: None,
            verdict: None,
            complete: true,
            procedure: None,
            fail_at: None,
            blocked: None,
        }
    }

    /// Every input read whole.
    pub fn complete(&self) -> bool {
        self.inputs.iter().all(|i| i.complete)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("report serialises")
    }
}

/// JSON Lines (`--format jsonl`), the one definition of its wire format: one
/// `{"type":"input","input":{…}}` line per input as soon as it is read, then one
/// `{"type":"report","report":{…}}` line. Each line ends with `\n`.
pub mod jsonl {
    use super::{InputReport, Report};

    /// The line of one input.
    pub fn input(i: &InputReport) -> String {
        let line = serde_json::json!({"type": "input", "input": i});
        serde_json::to_string(&line).expect("input serialises") + "\n"
    }

    /// The closing line: the whole report.
    pub fn report(r: &Report) -> String {
        let line = serde_json::json!({"type": "report", "report": r});
        serde_json::to_string(&line).expect("report serialises") + "\n"
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct InputReport {
    pub path: String,
    pub format: Option<String>,
    pub encoding: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compression: Option<String>,
    pub rows: u64,
    pub bytes: u64,
    pub complete: bool,
    /// Why the input is incomplete (file and place; never a cell value).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// Object-store inputs: the version read (the ETag, or size and time for stores without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// Set when the input was not read because the ledger already holds this version of it
    /// (`unchanged`): its persons are in the year to date already.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// The ledger transfer holding this input: the one that recorded it now (`--record` on an
    /// object store records object by object), or, for a skipped input, the earlier one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transfer: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ColumnReport {
    pub input: String,
    pub column: String,
    /// `values` (the column holds the category) or `free_text` (found inside text).
    pub kind: String,
    pub categories: Vec<String>,
    pub class: String,
    pub confidence: f64,
    pub hits: u64,
    pub inspected: u64,
    pub reason: String,
    pub examples: Vec<String>,
    /// Identifiers found inside text, per category.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub counts: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PersonsReport {
    pub total: u64,
    /// Persons owning rows; `total` adds persons only named inside free text.
    pub owning_rows: u64,
    pub sensitive: u64,
    pub minors: u64,
    pub unlinked_rows: u64,
    /// `exact`, or `upper_bound` (sketch mode: the counts are upper bounds of unknown distance).
    pub method: String,
    /// Sketch mode: relative standard error of the estimates, and the bounds at two standard
    /// deviations (about 95%). The verdict is decided on the upper bounds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative_error: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bounds: Option<PersonBounds>,
}

/// Lower and upper 95% bounds of approximate counts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PersonBounds {
    pub total: [u64; 2],
    pub owning_rows: [u64; 2],
    pub sensitive: [u64; 2],
    pub minors: [u64; 2],
}

impl PersonsReport {
    pub fn exact(c: crate::persons::PersonCounts) -> Self {
        PersonsReport {
            total: c.total,
            owning_rows: c.owning_rows,
            sensitive: c.sensitive,
            minors: c.minors,
            unlinked_rows: c.unlinked_rows,
            method: "exact".into(),
            relative_error: None,
            bounds: None,
        }
    }

    /// Sketch mode: upper bounds, with no error figure. Rows are not linked (each counts under
    /// its strongest key), so the sketch estimates the distinct keys standing for rows, which are
    /// at least the persons — how many more is unknown: on the benchmark kit 1.6 times as many.
    /// The counts are the upper bounds (two standard errors) of those estimates.
    pub fn approximate(c: &crate::persons::SketchCounts) -> Self {
        PersonsReport {
            total: c.total.upper,
            owning_rows: c.owning_rows.upper,
            sensitive: c.sensitive.upper,
            minors: c.minors.upper,
            unlinked_rows: c.unlinked_rows,
            method: "upper_bound".into(),
            relative_error: None,
            bounds: None,
        }
    }

    /// The counts a verdict is decided on: exact counts, or the upper bounds of estimates.
    pub fn for_verdict(&self) -> (u64, u64) {
        match &self.bounds {
            Some(b) => (b.total[1], b.sensitive[1]),
            None => (self.total, self.sensitive),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportantData {
    pub marker: String,
    pub input: String,
    pub column: String,
    pub reason: String,
}

/// Persons the exporter has sent since 1 January (Asia/Shanghai), this export included.
#[derive(Debug, Clone, Serialize)]
pub struct YearToDate {
    pub year: i32,
    pub exporter: String,
    pub persons: u64,
    pub sensitive: u64,
}
