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

/// Columns a terminal gives a character: 2 for East Asian wide and full-width characters (CJK,
/// Hangul, full-width forms), 0 for combining marks and zero-width characters, 1 otherwise.
pub fn char_width(c: char) -> usize {
    let u = c as u32;
    match u {
        0x0300..=0x036F | 0x200B..=0x200F | 0xFE00..=0xFE0F | 0x20D0..=0x20FF => 0,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

/// Display width of `s` on a terminal.
pub fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// `s` padded with spaces to `w` columns, or cut to `w` columns ending in `…`.
fn fit(s: &str, w: usize) -> String {
    let dw = display_width(s);
    if dw <= w {
        return format!("{s}{}", " ".repeat(w - dw));
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = char_width(c);
        if used + cw + 1 > w {
            break;
        }
        out.push(c);
        used += cw;
    }
    out.push('…');
    used += 1;
    out + &" ".repeat(w.saturating_sub(used))
}

/// `text` wrapped to `width` columns: the first line after `first`, the next ones after `rest`
/// (both prefixes count). Breaks at spaces; a word wider than a line (a path, Chinese text
/// without spaces) is broken between characters.
fn wrap(out: &mut String, first: &str, rest: &str, text: &str, width: usize) {
    let mut line = first.to_string();
    let mut used = display_width(first);
    let mut at_start = true;
    let limit = width.max(display_width(rest) + 20);
    for word in text.split(' ') {
        let ww = display_width(word);
        let sep = usize::from(!at_start);
        if !at_start && used + sep + ww > limit {
            out.push_str(line.trim_end());
            out.push('\n');
            line = rest.to_string();
            used = display_width(rest);
            at_start = true;
        }
        if !at_start {
            line.push(' ');
            used += 1;
        }
        for c in word.chars() {
            let cw = char_width(c);
            if used + cw > limit && used > display_width(rest) {
                out.push_str(line.trim_end());
                out.push('\n');
                line = rest.to_string();
                used = display_width(rest);
            }
            line.push(c);
            used += cw;
        }
        at_start = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// Render the report for a terminal 100 columns wide; `color` adds ANSI colours.
pub fn render_human(r: &Report, color: bool) -> String {
    render_human_width(r, color, 100)
}

/// Render the report for a terminal `width` columns wide (at least 60): columns are laid out
/// by display width (a Chinese character takes two), and reasons, examples and long lines wrap
/// under their row.
pub fn render_human_width(r: &Report, color: bool, width: usize) -> String {
    let width = width.max(60);
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
        let path = esc(&i.path);
        let detail = format!("[{}]  {} rows, {} bytes  ", fmt, i.rows, i.bytes);
        let plain = if i.complete { "complete" } else { "INCOMPLETE" };
        if 2 + display_width(&path) + 2 + display_width(&detail) + plain.len() <= width {
            let _ = writeln!(s, "  {path}  {detail}{state}");
        } else {
            wrap(&mut s, "  ", "    ", &path, width);
            let _ = writeln!(s, "    {detail}{state}");
        }
        for e in &i.errors {
            wrap(&mut s, "    error: ", "      ", &esc(e), width);
        }
    }
    if skipped > 0 {
        wrap(
            &mut s,
            "  ",
            "  ",
            &format!("skipped {skipped} object(s) already recorded in the ledger with the same URL and ETag (not read again)"),
            width,
        );
    }
    let _ = writeln!(s);
    let found: Vec<_> = r.columns.iter().filter(|c| !c.categories.is_empty()).collect();
    let _ = writeln!(s, "Findings ({} columns)", found.len());
    if !found.is_empty() {
        // Fixed columns after the name: categories 24, class 11, conf 4, hits 13, two spaces each.
        let fixed = 2 + 24 + 2 + 11 + 2 + 4 + 2 + 13;
        let w_col = found
            .iter()
            .map(|c| display_width(&esc(&c.column)))
            .max()
            .unwrap_or(6)
            .clamp(6, width.saturating_sub(fixed + 2).clamp(10, 32));
        let _ = writeln!(
            s,
            "  {}  {}  {}  {:>4}  {:>13}",
            fit("column", w_col),
            fit("categories", 24),
            fit("class", 11),
            "conf",
            "hits"
        );
        let mut last_input = "";
        for c in &found {
            if c.input != last_input {
                wrap(&mut s, "  ", "    ", &format!("{}:", esc(&c.input)), width);
                last_input = &c.input;
            }
            let _ = writeln!(
                s,
                "  {}  {}  {}  {:>4.2}  {:>13}",
                fit(&esc(&c.column), w_col),
                fit(&c.categories.join(","), 24),
                fit(&c.class, 11),
                c.confidence,
                format!("{}/{}", c.hits, c.inspected)
            );
            let indent = "      ";
            wrap(&mut s, "    ↳ ", indent, &c.reason, width);
            if !c.examples.is_empty() {
                wrap(
                    &mut s,
                    "    e.g. ",
                    indent,
                    &c.examples.iter().take(3).cloned().collect::<Vec<_>>().join("  "),
                    width,
                );
            }
        }
    }
    let skipped: Vec<_> = r.columns.iter().filter(|c| c.categories.is_empty()).collect();
    if !skipped.is_empty() {
        let _ = writeln!(s);
        let _ = writeln!(s, "Not personal ({} columns with look-alikes)", skipped.len());
        for c in skipped {
            wrap(&mut s, "  ", "    ", &format!("{} / {}: {}", esc(&c.input), esc(&c.column), c.reason), width);
        }
    }
    if !r.important_data.is_empty() {
        let _ = writeln!(s);
        let _ = writeln!(s, "Important-data markers");
        for m in &r.important_data {
            wrap(&mut s, "  ", "    ", &format!("{}  {} / {}", m.marker, esc(&m.input), esc(&m.column)), width);
        }
    }
    let _ = writeln!(s);
    let p = &r.persons;
    let persons = format!(
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
    wrap(&mut s, "", "  ", &persons, width);
    if let Some(y) = &r.year_to_date {
        let line =
            format!("Year to date {} for {}: {} persons, {} sensitive", y.year, y.exporter, y.persons, y.sensitive);
        wrap(&mut s, "", "  ", &line, width);
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
            let text =
                format!("{} [{}]: {} — {}{}", reason.rule, reason.verdict, reason.detail, reason.cite, unconfirmed);
            wrap(&mut s, "  - ", "    ", &text, width);
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
