//! The HTML report: one self-contained file — inline CSS, inline SVG, no script, no font, no
//! image, and a Content-Security-Policy that forbids every fetch, so it opens offline and
//! leaks nothing when mailed around. Written by hand with a small escaping writer: every text
//! and attribute value goes through [`escape`]; tag and attribute names are literals.
//!
//! Stable hooks for tests and styling: `#verdict[data-level]`, `#ytd-chart`,
//! `.threshold[data-line]` (one per drawn line, `id="line-persons-100000"`),
//! `.crossing[data-line][data-date][data-object]` (`id="crossing-persons-100000"`),
//! `#findings`, `#transfers tr[data-seq]`.

mod chart;
mod page;

use chart::{chart, crossings_table, standing_rows};
use page::{category_label, class_label, document, finish, level_label, t, verdict_label, LACKED, NONE, NUM, W};
pub use page::{escape, thousands, Lang};

use super::timeline::{national_lines, Standing, Timeline};
use super::{ColumnReport, Report, Verdict};
use crate::audit::AuditReport;
use crate::policy::Level;

/// Open the `#verdict` section: its heading and the level in words and as its id.
fn open_verdict(w: &mut W, lang: Lang, heading: &str, level: Level) {
    let class = format!("verdict level-{}", level.as_str());
    w.open("section", &[("id", "verdict"), ("class", &class), ("data-level", level.as_str())]);
    w.el("h2", &[], t(lang, heading));
    w.open("p", &[("class", "level")]);
    w.text(level_label(lang, level));
    w.text(" ");
    w.el("code", &[], level.as_str());
    w.close("p");
}

fn verdict_section(w: &mut W, lang: Lang, v: &Verdict, incomplete: bool) {
    open_verdict(w, lang, "verdict", v.level);
    w.el("p", &[("class", "meta")], &format!("{} {} {}", t(lang, "policy"), v.policy, v.policy_version));
    if let Some(r) = &v.separate_regime {
        w.el("p", &[("class", "separate-regime")], &format!("{}: {r}", t(lang, "separate_regime")));
    }
    if incomplete {
        w.el("p", &[("class", "incomplete")], t(lang, "incomplete"));
    }
    w.el("h3", &[], t(lang, "reasons"));
    w.open("ul", &[("class", "reasons")]);
    for r in &v.reasons {
        w.open("li", &[("data-rule", &r.rule), ("data-verdict", &r.verdict)]);
        w.el("code", &[], &r.rule);
        w.text(" ");
        w.el("span", &[("class", "tag")], &verdict_label(lang, &r.verdict));
        w.text(" ");
        w.el("span", &[("class", "detail")], &r.detail);
        w.text(" — ");
        w.el("cite", &[], if lang == Lang::Zh && !r.cite_zh.is_empty() { &r.cite_zh } else { &r.cite });
        if !r.confirmed {
            w.text(" ");
            w.el("span", &[("class", "tag unconfirmed")], t(lang, "unconfirmed"));
        }
        w.close("li");
    }
    w.close("ul");
    w.close("section");
}

fn findings_table(w: &mut W, lang: Lang, columns: &[ColumnReport], id: Option<&'static str>) {
    let found: Vec<&ColumnReport> = columns.iter().filter(|c| !c.categories.is_empty()).collect();
    match id {
        Some(id) => w.open("section", &[("id", id)]),
        None => w.open("section", &[("class", "findings")]),
    }
    w.el("h2", &[], t(lang, "findings"));
    if found.is_empty() {
        w.el("p", &[], t(lang, "no_findings"));
        w.close("section");
        return;
    }
    w.open("table", &[]);
    w.head_row(&[
        t(lang, "input"),
        t(lang, "column"),
        t(lang, "categories"),
        t(lang, "class"),
        t(lang, "confidence"),
        t(lang, "hits"),
        t(lang, "examples"),
        t(lang, "reason"),
    ]);
    for c in found {
        w.open("tr", &[("data-column", &c.column), ("data-class", &c.class)]);
        w.el("td", &[("class", "mono")], &c.input);
        w.el("td", &[("class", "mono")], &c.column);
        let cats: Vec<String> = c.categories.iter().map(|x| category_label(lang, x)).collect();
        w.el("td", &[], &cats.join(", "));
        w.el("td", &[], class_label(lang, &c.class));
        w.el("td", &[("class", "num")], &format!("{:.2}", c.confidence));
        w.el("td", &[("class", "num")], &format!("{}/{}", thousands(c.hits), thousands(c.inspected)));
        w.open("td", &[("class", "examples")]);
        for e in &c.examples {
            w.el("code", &[], e);
        }
        w.close("td");
        w.el("td", &[], &c.reason);
        w.close("tr");
    }
    w.close("table");
    w.close("section");
}

/// `xborder scan --format html`: verdict, year to date with the chart (`timeline`: the
/// exporter's recorded transfers and this export), findings, persons, inputs.
pub fn render_scan(r: &Report, timeline: Option<&Timeline>, lang: Lang) -> String {
    let mut w = W::new();
    document(&mut w, lang, t(lang, "scan_title"));
    w.el("h1", &[], t(lang, "scan_title"));
    w.el(
        "p",
        &[("class", "meta")],
        &format!("{} {} · {} {}", t(lang, "as_of"), r.as_of, t(lang, "generated"), r.scanned_at),
    );
    if let Some(v) = &r.verdict {
        verdict_section(&mut w, lang, v, !r.complete());
    }
    if let Some(y) = &r.year_to_date {
        w.open("section", &[("id", "ytd")]);
        w.el("h2", &[], &format!("{} {} — {}", t(lang, "ytd"), y.year, y.exporter));
        w.open("table", &[("class", "ytd")]);
        w.row(&[t(lang, "persons"), &thousands(y.persons)]);
        w.row(&[t(lang, "sensitive"), &thousands(y.sensitive)]);
        let lines = timeline.map_or_else(national_lines, |t| t.lines.clone());
        standing_rows(&mut w, lang, &Standing::of(y.persons, y.sensitive, &lines));
        w.close("table");
        if let Some(tl) = timeline {
            chart(&mut w, lang, tl);
            crossings_table(&mut w, lang, tl);
        }
        w.close("section");
    }
    findings_table(&mut w, lang, &r.columns, Some("findings"));
    if !r.important_data.is_empty() {
        w.open("section", &[("id", "important")]);
        w.el("h2", &[], t(lang, "important"));
        w.open("table", &[]);
        for m in &r.important_data {
            w.row(&[&m.marker, &m.input, &m.column, &m.reason]);
        }
        w.close("table");
        w.close("section");
    }
    w.open("section", &[("id", "persons")]);
    w.el("h2", &[], t(lang, "persons_section"));
    w.open("table", &[]);
    let p = &r.persons;
    w.row(&[t(lang, "total"), &thousands(p.total)]);
    w.row(&[t(lang, "sensitive"), &thousands(p.sensitive)]);
    w.row(&[t(lang, "minors"), &thousands(p.minors)]);
    w.row(&[t(lang, "unlinked"), &thousands(p.unlinked_rows)]);
    w.close("table");
    w.close("section");
    w.open("section", &[("id", "inputs")]);
    w.el("h2", &[], t(lang, "inputs"));
    w.open("table", &[]);
    w.head_row(&[t(lang, "input"), t(lang, "rows"), t(lang, "bytes"), t(lang, "complete")]);
    for i in &r.inputs {
        w.row(&[
            &i.path,
            &thousands(i.rows),
            &thousands(i.bytes),
            if i.complete { t(lang, "yes") } else { t(lang, "no") },
        ]);
    }
    w.close("table");
    w.close("section");
    finish(w, lang)
}

/// One exporter-year of `ledger summary --format html`.
#[derive(Debug, Clone)]
pub struct SummaryScope {
    pub exporter: String,
    pub year: i32,
    pub persons: u64,
    pub sensitive: u64,
    pub transfers: u64,
    pub last_verdict: Option<String>,
    pub timeline: Timeline,
}

/// `xborder ledger summary --format html`.
pub fn render_summary(ledger: &str, scopes: &[SummaryScope], lang: Lang) -> String {
    let mut w = W::new();
    document(&mut w, lang, t(lang, "summary_title"));
    w.el("h1", &[], t(lang, "summary_title"));
    w.el("p", &[("class", "meta")], &format!("{} {ledger}", t(lang, "ledger")));
    if scopes.is_empty() {
        w.el("p", &[], t(lang, "no_transfers"));
    }
    for s in scopes {
        let standing = Standing::of(s.persons, s.sensitive, &s.timeline.lines);
        let class = format!("scope level-{}", standing.level.as_str());
        w.open(
            "section",
            &[
                ("class", &class),
                ("data-exporter", &s.exporter),
                ("data-year", &s.year.to_string()),
                ("data-level", standing.level.as_str()),
            ],
        );
        w.el("h2", &[], &format!("{} — {}", s.exporter, s.year));
        w.open("table", &[("class", "ytd")]);
        w.row(&[t(lang, "persons"), &thousands(s.persons)]);
        w.row(&[t(lang, "sensitive"), &thousands(s.sensitive)]);
        w.row(&[t(lang, "transfers"), &thousands(s.transfers)]);
        w.row(&[t(lang, "last_verdict"), s.last_verdict.as_deref().unwrap_or("-")]);
        standing_rows(&mut w, lang, &standing);
        w.close("table");
        chart(&mut w, lang, &s.timeline);
        crossings_table(&mut w, lang, &s.timeline);
        w.close("section");
    }
    finish(w, lang)
}

/// `xborder audit --format html`.
pub fn render_audit(a: &AuditReport, lang: Lang) -> String {
    let mut w = W::new();
    document(&mut w, lang, t(lang, "audit_title"));
    w.el("h1", &[], &format!("{} — {} {}", t(lang, "audit_title"), a.exporter, a.year));
    w.el(
        "p",
        &[("class", "meta")],
        &format!(
            "{} {} {} · {} {} · {} {}",
            t(lang, "policy"),
            a.policy,
            a.policy_version,
            t(lang, "order"),
            t(lang, &format!("order_{}", a.order.as_str())),
            t(lang, "generated"),
            a.audited_at
        ),
    );
    open_verdict(&mut w, lang, "highest", a.highest);
    w.el(
        "p",
        &[("class", "meta")],
        &if a.procedure == Level::Allow {
            format!("{}: {}", t(lang, "procedure_in_place"), t(lang, "procedure_none"))
        } else {
            format!("{}: {} ({})", t(lang, "procedure_in_place"), level_label(lang, a.procedure), a.procedure.as_str())
        },
    );
    let lacking: Vec<String> = a.lacking.iter().map(|s| format!("#{s}")).collect();
    w.el(
        "p",
        &[
            ("class", if a.lacking.is_empty() { "lacking" } else { "lacking lacked" }),
            ("data-lacking", &a.lacking.len().to_string()),
        ],
        &format!("{}: {}", t(lang, "lacking"), if lacking.is_empty() { "-".to_string() } else { lacking.join(", ") }),
    );
    if !a.complete {
        w.el("p", &[("class", "incomplete")], t(lang, "incomplete"));
    }
    if let Some(last) = a.transfers.last() {
        if let Some(v) = &last.report.verdict {
            w.el("h3", &[], &format!("{} #{} ({})", t(lang, "reasons"), last.seq, last.date));
            w.open("ul", &[("class", "reasons")]);
            for r in &v.reasons {
                w.open("li", &[("data-rule", &r.rule)]);
                w.el("code", &[], &r.rule);
                w.text(" ");
                w.el("span", &[("class", "detail")], &r.detail);
                w.text(" — ");
                w.el("cite", &[], &r.cite);
                w.close("li");
            }
            w.close("ul");
        }
    }
    w.close("section");
    w.open("section", &[("id", "ytd")]);
    w.el("h2", &[], &format!("{} {} — {}", t(lang, "ytd"), a.year, a.exporter));
    chart(&mut w, lang, &a.timeline);
    crossings_table(&mut w, lang, &a.timeline);
    w.close("section");
    w.open("section", &[("id", "transfers")]);
    w.el("h2", &[], t(lang, "transfers"));
    w.open("table", &[]);
    w.open("tr", &[]);
    for (h, num) in [
        ("#", true),
        (t(lang, "date"), false),
        (t(lang, "date_source"), false),
        (t(lang, "object"), false),
        (t(lang, "persons"), true),
        (t(lang, "new_persons"), true),
        (t(lang, "ytd_persons"), true),
        (t(lang, "ytd_sensitive"), true),
        (t(lang, "needed"), false),
        (t(lang, "lacked"), false),
        (t(lang, "crossed"), false),
    ] {
        w.el("th", if num { NUM } else { NONE }, h);
    }
    w.close("tr");
    for x in &a.transfers {
        let seq = x.seq.to_string();
        w.open(
            "tr",
            &[
                ("data-seq", &seq),
                ("data-needed", x.needed.as_str()),
                ("data-lacked", if x.lacked { "true" } else { "false" }),
            ],
        );
        w.el("td", &[("class", "num")], &seq);
        w.el("td", &[], &x.date);
        w.el(
            "td",
            &[],
            &serde_json::to_value(x.date_source).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
        );
        w.el("td", &[("class", "mono")], &x.object);
        w.el("td", &[("class", "num")], &thousands(x.persons));
        w.el("td", &[("class", "num")], &thousands(x.new_persons));
        w.el("td", &[("class", "num")], &thousands(x.ytd_persons));
        w.el("td", &[("class", "num")], &thousands(x.ytd_sensitive));
        w.el("td", &[], level_label(lang, x.needed));
        w.el("td", if x.lacked { LACKED } else { NONE }, if x.lacked { t(lang, "yes") } else { t(lang, "no") });
        w.el("td", &[], &x.crossed.join(", "));
        w.close("tr");
    }
    w.close("table");
    w.close("section");
    if !a.skipped.is_empty() {
        w.open("section", &[("id", "skipped")]);
        w.el("h2", &[], t(lang, "skipped"));
        w.open("ul", &[]);
        for s in &a.skipped {
            w.el("li", &[], &format!("{} {}: {}", s.object, s.date.as_deref().unwrap_or(""), s.reason));
        }
        w.close("ul");
        w.close("section");
    }
    w.open("section", &[("id", "findings")]);
    w.el("h2", &[], t(lang, "findings"));
    for x in &a.transfers {
        w.open("details", &[("data-seq", &x.seq.to_string())]);
        w.el("summary", &[], &format!("#{} {} {}", x.seq, x.date, x.object));
        if let Some(v) = &x.report.verdict {
            verdict_section_inline(&mut w, lang, v);
        }
        findings_table(&mut w, lang, &x.report.columns, None);
        w.close("details");
    }
    w.close("section");
    if let Some(h) = &a.chain_head {
        w.el("p", &[("class", "meta mono")], &format!("{}: {h}", t(lang, "chain_head")));
    }
    finish(w, lang)
}

fn verdict_section_inline(w: &mut W, lang: Lang, v: &Verdict) {
    w.open("ul", &[("class", "reasons")]);
    for r in &v.reasons {
        w.open("li", &[("data-rule", &r.rule)]);
        // A note or a separate regime is not a level: shown by its own word.
        let tag = match r.verdict.parse::<Level>() {
            Ok(l) => level_label(lang, l),
            Err(_) => r.verdict.as_str(),
        };
        w.el("span", &[("class", "tag")], tag);
        w.text(" ");
        w.el("span", &[("class", "detail")], &r.detail);
        w.text(" — ");
        w.el("cite", &[], &r.cite);
        w.close("li");
    }
    w.close("ul");
}
