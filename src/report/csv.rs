//! Findings as CSV (`--format csv`): one row per reported column, masked examples only, for a
//! spreadsheet or a data catalogue. Fields are quoted as RFC 4180 says, and a field a spreadsheet
//! would run as a formula (`=`, `+`, `-`, `@` first) is prefixed with `'`.

use super::Report;

/// The header row.
pub const HEADER: [&str; 11] = [
    "input",
    "column",
    "kind",
    "categories",
    "class",
    "confidence",
    "hits",
    "inspected",
    "reason",
    "examples",
    "counts",
];

/// One CSV field.
pub fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The report's column findings (personal, sensitive and important-data columns, and the
/// look-alikes the report explains), with a header row.
pub fn render(r: &Report) -> String {
    let mut out = HEADER.join(",");
    out.push('\n');
    for c in &r.columns {
        let counts: Vec<String> = c.counts.iter().map(|(k, n)| format!("{k}={n}")).collect();
        let row = [
            field(&c.input),
            field(&c.column),
            field(&c.kind),
            field(&c.categories.join(";")),
            field(&c.class),
            format!("{:.2}", c.confidence),
            c.hits.to_string(),
            c.inspected.to_string(),
            field(&c.reason),
            field(&c.examples.join(" ")),
            field(&counts.join(";")),
        ];
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}
