//! The human table: what a data engineer reads in a terminal.

use std::fmt::Write;

use super::Report;
use crate::error::escape_name as esc;
use crate::policy::Level;

/// The report in one line (`--quiet`): the verdict, whether the export is blocked, and the
/// deciding reason with its citation; `INCOMPLETE` first when an input was not read whole.
pub fn render_line(r: &Report) -> String {
    let mut s = String::new();
    if !r.complete {
        let n = r.inputs.iter().filter(|i| !i.complete).count();
        s.push_str(&format!("INCOMPLETE ({n} input(s) not read whole): "));
    }
    let Some(v) = &r.verdict else {
        s.push_str("no verdict");
        return s;
    };
    s.push_str(v.level.as_str());
    match (r.blocked, r.fail_at) {
        (Some(true), Some(f)) => s.push_str(&format!(" (blocked: at or above --fail-at {f})")),
        (Some(false), Some(f)) => s.push_str(&format!(" (below --fail-at {f})")),
        _ => {}
    }
    if let Some(top) = v.reasons.first() {
        s.push_str(&format!(": {} — {} — {}", top.rule, top.detail, top.cite));
    }
    if v.reasons.len() > 1 {
        s.push_str(&format!(" (+{} more)", v.reasons.len() - 1));
    }
    s
}

/// Render the report for a terminal; `color` adds ANSI colours to the verdict.
pub fn render_human(r: &Report, color: bool) -> String {
    let mut s = String::new();
    let paint = |code: &str, text: &str| if color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() };
    let _ = writeln!(s, "xborder scan — as of {}", r.as_of);
    let _ = writeln!(s);
    let _ = writeln!(s, "Inputs");
    // Unchanged objects skipped by the ledger: one line, not one per object.
    let skipped = r.inputs.iter().filter(|i| i.skipped.is_some()).count();
    for i in r.inputs.iter().filter(|i| i.skipped.is_none()) {
        let state = if i.complete { paint("32", "complete") } else { paint("31", "INCOMPLETE") };
        let fmt = [i.format.as_deref(), i.encoding.as_deref(), i.compression.as_deref()]
            .iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(s, "  {}  [{}]  {} rows, {} bytes  {}", esc(&i.path), fmt, i.rows, i.bytes, state);
        for e in &i.errors {
            let _ = writeln!(s, "    error: {}", esc(e));
        }
    }
    if skipped > 0 {
        let _ = writeln!(
            s,
            "  skipped {skipped} object(s) already recorded in the ledger with the same URL and ETag (not read again)"
        );
    }
    let _ = writeln!(s);
    let found: Vec<_> = r.columns.iter().filter(|c| !c.categories.is_empty()).collect();
    let _ = writeln!(s, "Findings ({} columns)", found.len());
    if !found.is_empty() {
        let w_col = found.iter().map(|c| c.column.chars().count()).max().unwrap_or(6).clamp(6, 32);
        let _ = writeln!(
            s,
            "  {:<w_col$}  {:<24}  {:<11}  {:>5}  {:>12}  examples",
            "column", "categories", "class", "conf", "hits"
        );
        let mut last_input = "";
        for c in &found {
            if c.input != last_input {
                let _ = writeln!(s, "  {}:", esc(&c.input));
                last_input = &c.input;
            }
            let col: String = esc(&c.column).chars().take(w_col).collect();
            let pad = w_col.saturating_sub(col.chars().count());
            let _ = writeln!(
                s,
                "  {}{}  {:<24}  {:<11}  {:>5.2}  {:>12}  {}",
                col,
                " ".repeat(pad),
                c.categories.join(","),
                c.class,
                c.confidence,
                format!("{}/{}", c.hits, c.inspected),
                c.examples.iter().take(3).cloned().collect::<Vec<_>>().join(" ")
            );
            let _ = writeln!(s, "  {}  ↳ {}", " ".repeat(w_col), c.reason);
        }
    }
    let skipped: Vec<_> = r.columns.iter().filter(|c| c.categories.is_empty()).collect();
    if !skipped.is_empty() {
        let _ = writeln!(s);
        let _ = writeln!(s, "Not personal ({} columns with look-alikes)", skipped.len());
        for c in skipped {
            let _ = writeln!(s, "  {} / {}: {}", esc(&c.input), esc(&c.column), c.reason);
        }
    }
    if !r.important_data.is_empty() {
        let _ = writeln!(s);
        let _ = writeln!(s, "Important-data markers");
        for m in &r.important_data {
            let _ = writeln!(s, "  {}  {} / {}", m.marker, esc(&m.input), esc(&m.column));
        }
    }
    let _ = writeln!(s);
    let p = &r.persons;
    let _ = writeln!(
        s,
        "Persons ({}): {} distinct ({} owning rows, {} only named in text), {} with sensitive data, {} minors, {} rows without a key",
        match p.method.as_str() {
            "upper_bound" => "upper bound: rows not linked, so a person whose rows carry different keys counts more \
                              than once, by an unknown amount; the verdict uses these counts"
                .to_string(),
            _ => p.method.clone(),
        },
        p.total,
        p.owning_rows,
        p.total.saturating_sub(p.owning_rows),
        p.sensitive,
        p.minors,
        p.unlinked_rows
    );
    if let Some(y) = &r.year_to_date {
        let _ =
            writeln!(s, "Year to date {} for {}: {} persons, {} sensitive", y.year, y.exporter, y.persons, y.sensitive);
    }
    if let Some(v) = &r.verdict {
        let _ = writeln!(s);
        let code = match v.level {
            Level::Allow => "32",
            Level::NeedsReview | Level::StandardContract => "33",
            Level::SecurityAssessment | Level::Prohibited => "31",
        };
        let _ = writeln!(
            s,
            "Verdict: {}  (policy {} {})",
            paint(&format!("1;{code}"), v.level.as_str()),
            v.policy,
            v.policy_version
        );
        for reason in &v.reasons {
            let unconfirmed = if reason.confirmed { "" } else { " [unconfirmed]" };
            let _ = writeln!(
                s,
                "  - {} [{}]: {} — {}{}",
                reason.rule, reason.verdict, reason.detail, reason.cite, unconfirmed
            );
        }
        if let Some(sr) = &v.separate_regime {
            let _ = writeln!(s, "  separate regime: {sr}");
        }
    }
    if !r.complete() {
        let _ = writeln!(s);
        let _ =
            writeln!(s, "{}", paint("1;31", "The scan is INCOMPLETE: some input was not read whole (exit code 3)."));
    }
    s
}
