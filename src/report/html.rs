//! The HTML report: one self-contained file — inline CSS, inline SVG, no script, no font, no
//! image, and a Content-Security-Policy that forbids every fetch, so it opens offline and
//! leaks nothing when mailed around. Written by hand with a small escaping writer: every text
//! and attribute value goes through [`escape`]; tag and attribute names are literals.
//!
//! Stable hooks for tests and styling: `#verdict[data-level]`, `#ytd-chart`,
//! `.threshold[data-line]` (one per drawn line, `id="line-persons-100000"`),
//! `.crossing[data-line][data-date][data-object]` (`id="crossing-persons-100000"`),
//! `#findings`, `#transfers tr[data-seq]`.

use std::fmt::Write as _;

use super::timeline::{national_lines, Standing, Tally, Timeline};
use super::{ColumnReport, Report, Verdict};
use crate::audit::AuditReport;
use crate::policy::Level;
use crate::time::Date;

/// Label language (`--lang`). Data (column names, rule details, citations) is shown as found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Lang, String> {
        match s {
            "en" => Ok(Lang::En),
            "zh" => Ok(Lang::Zh),
            _ => Err(format!("unknown language {s:?}, expected en or zh")),
        }
    }
}

impl Lang {
    fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }
}

/// Labels: (key, English, Chinese).
const LABELS: &[(&str, &str, &str)] = &[
    ("scan_title", "Cross-border scan report", "数据出境扫描报告"),
    ("summary_title", "Ledger summary", "出境台账汇总"),
    ("audit_title", "Cross-border audit", "数据出境审计报告"),
    ("as_of", "As of", "评估日期"),
    ("generated", "Generated", "生成时间"),
    ("verdict", "Verdict", "评估结论"),
    ("reasons", "Reasons", "依据"),
    ("rule", "Rule", "规则"),
    ("detail", "Detail", "说明"),
    ("citation", "Citation", "出处"),
    ("unconfirmed", "unconfirmed reading", "未确认的解读"),
    ("separate_regime", "Separate regime", "另行适用的制度"),
    ("ytd", "Year to date", "本年度累计"),
    (
        "chart_caption",
        "Persons and sensitive persons since 1 January against the national lines (logarithmic scale)",
        "自1月1日起累计的个人数与敏感个人数及国家门槛线（对数刻度）",
    ),
    ("persons", "Persons", "个人数"),
    ("sensitive", "Sensitive persons", "敏感个人信息涉及人数"),
    ("transfers", "Transfers", "出境次数"),
    ("crossings", "Thresholds reached", "门槛触达情况"),
    ("line", "Line", "门槛"),
    ("reached_on", "Reached on", "触达日期"),
    ("object", "Object", "对象"),
    ("count_then", "Count then", "当时累计"),
    ("procedure", "Procedure", "所需程序"),
    ("none_reached", "No line reached.", "尚未触达任何门槛。"),
    ("findings", "Findings per column", "按列发现"),
    ("input", "Input", "输入"),
    ("column", "Column", "列"),
    ("categories", "Categories", "类别"),
    ("class", "Class", "分级"),
    ("confidence", "Confidence", "置信度"),
    ("hits", "Hits / inspected", "命中 / 检查"),
    ("examples", "Masked examples", "脱敏示例"),
    ("reason", "Why", "判定理由"),
    ("no_findings", "No personal information found.", "未发现个人信息。"),
    ("important", "Important-data markers", "重要数据标记"),
    ("persons_section", "Persons in this export", "本次导出涉及的个人"),
    ("total", "Distinct persons", "去重个人数"),
    ("minors", "Minors under 14", "未满14周岁的未成年人"),
    ("unlinked", "Rows without a key", "无标识符的行"),
    ("inputs", "Inputs", "输入文件"),
    ("rows", "Rows", "行数"),
    ("bytes", "Bytes", "字节"),
    ("complete", "Complete", "完整读取"),
    (
        "incomplete",
        "INCOMPLETE: an input was not read whole; the verdict is a lower bound",
        "不完整：有输入未能完整读取，结论仅为下限",
    ),
    ("yes", "yes", "是"),
    ("no", "no", "否"),
    ("exporter", "Exporter", "数据处理者"),
    ("year", "Year", "年度"),
    ("standing", "Level from the counts", "按人数的等级"),
    ("next_line", "Next line", "下一门槛"),
    ("remaining", "to go", "尚差"),
    ("last_verdict", "Last verdict", "最近结论"),
    ("date", "Date", "日期"),
    ("date_source", "Date from", "日期来源"),
    ("new_persons", "New persons", "新增个人"),
    ("ytd_persons", "Persons this year", "本年累计个人"),
    ("ytd_sensitive", "Sensitive this year", "本年累计敏感个人"),
    ("needed", "Procedure needed", "所需程序"),
    ("lacked", "Lacked", "缺少程序"),
    ("crossed", "Lines reached", "触达门槛"),
    ("order", "Order of transfers from", "出境顺序依据"),
    ("procedure_in_place", "Procedure in place", "已具备的程序"),
    ("procedure_none", "none declared", "未声明"),
    ("highest", "Highest procedure needed", "所需最高程序"),
    ("lacking", "Transfers without the procedure they needed", "缺少所需程序的出境"),
    ("skipped", "Left out", "未纳入"),
    ("policy", "Policy", "策略"),
    ("ledger", "Ledger", "台账"),
    ("chain_head", "Chain head", "哈希链头"),
    ("no_transfers", "No transfers recorded.", "尚无出境记录。"),
    ("this_export", "this export (not recorded)", "本次导出（未记录）"),
    ("offline", "Self-contained report: no script, no network access.", "独立报告：无脚本，不访问网络。"),
    ("level_allow", "Allowed: no procedure needed", "允许出境：无需申报"),
    ("level_needs_review", "Needs review", "需人工复核"),
    ("level_standard_contract", "Standard contract or certification", "标准合同或个人信息保护认证"),
    ("level_security_assessment", "Security assessment", "数据出境安全评估"),
    ("level_prohibited", "Prohibited", "禁止出境"),
    ("order_manifest", "the manifest", "清单文件"),
    ("order_object_name", "dates in the object names", "对象名称中的日期"),
    ("order_modification_time", "file modification times", "文件修改时间"),
];

fn t(lang: Lang, key: &str) -> &'static str {
    match LABELS.iter().find(|(k, _, _)| *k == key) {
        Some((_, en, zh)) => match lang {
            Lang::En => en,
            Lang::Zh => zh,
        },
        None => "?",
    }
}

fn level_label(lang: Lang, l: Level) -> &'static str {
    t(lang, &format!("level_{}", l.as_str()))
}

fn tally_label(lang: Lang, tally: Tally) -> &'static str {
    match tally {
        Tally::Persons => t(lang, "persons"),
        Tally::Sensitive => t(lang, "sensitive"),
    }
}

/// Escape text for HTML text and attribute values; drops control characters other than tab and
/// newline (file content may carry terminal escapes).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The escaping writer. Tag and attribute names are `&'static str` literals; values are escaped.
struct W {
    s: String,
}

impl W {
    fn new() -> W {
        W { s: String::with_capacity(16 * 1024) }
    }
    fn open(&mut self, tag: &'static str, attrs: &[(&'static str, &str)]) {
        self.s.push('<');
        self.s.push_str(tag);
        for (k, v) in attrs {
            let _ = write!(self.s, " {k}=\"{}\"", escape(v));
        }
        self.s.push('>');
    }
    fn close(&mut self, tag: &'static str) {
        let _ = write!(self.s, "</{tag}>");
    }
    /// An element without children (`<line/>` in SVG, `<meta>` in HTML).
    fn void(&mut self, tag: &'static str, attrs: &[(&'static str, &str)]) {
        self.open(tag, attrs);
        if !matches!(tag, "meta") {
            self.s.pop();
            self.s.push_str("/>");
        }
    }
    fn text(&mut self, t: &str) {
        self.s.push_str(&escape(t));
    }
    fn el(&mut self, tag: &'static str, attrs: &[(&'static str, &str)], text: &str) {
        self.open(tag, attrs);
        self.text(text);
        self.close(tag);
    }
    fn row(&mut self, cells: &[&str]) {
        self.open("tr", &[]);
        for c in cells {
            self.el("td", &[], c);
        }
        self.close("tr");
    }
    fn head_row(&mut self, cells: &[&str]) {
        self.open("tr", &[]);
        for c in cells {
            self.el("th", &[], c);
        }
        self.close("tr");
    }
}

const NUM: &[(&str, &str)] = &[("class", "num")];
const LACKED: &[(&str, &str)] = &[("class", "lacked")];
const NONE: &[(&str, &str)] = &[];

const CSS: &str = "
:root{--fg:#1d2433;--muted:#5b6478;--line:#d8dce6;--p:#1f6feb;--s:#d9480f;--ok:#2b8a3e;--warn:#e67700;--bad:#c92a2a}
*{box-sizing:border-box}body{font:15px/1.5 system-ui,-apple-system,'Segoe UI','Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;color:var(--fg);margin:0;padding:24px 32px;max-width:1240px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:16px;margin:18px 0 6px}
.meta{color:var(--muted);margin:0}table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:14px}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}th{background:#f3f5f9;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}code,.mono{font-family:ui-monospace,'SFMono-Regular',Menlo,Consolas,monospace;font-size:13px}
.verdict{border-left:6px solid var(--muted);background:#f6f7fb;padding:10px 16px;margin:16px 0}.verdict .level{font-size:22px;font-weight:700;margin:0}
.level-allow{border-color:var(--ok)}.level-needs_review,.level-standard_contract{border-color:var(--warn)}.level-security_assessment,.level-prohibited{border-color:var(--bad)}
.reasons li{margin:4px 0}.reasons cite{color:var(--muted);font-style:normal}.tag{display:inline-block;border:1px solid var(--line);border-radius:3px;padding:0 5px;font-size:12px;color:var(--muted)}
.lacked{color:var(--bad);font-weight:700}.incomplete{color:var(--bad);font-weight:700}.examples code{margin-right:6px}
figure{margin:8px 0}figcaption{color:var(--muted);font-size:13px}svg text{font:12px system-ui,sans-serif;fill:#3b4356}
svg .grid{stroke:#eceff4}svg .axis{stroke:#8a93a6}svg .threshold{stroke-width:1.5;stroke-dasharray:6 4}
svg .threshold.persons{stroke:var(--p)}svg .threshold.sensitive{stroke:var(--s)}svg .series{fill:none;stroke-width:2.5}
svg .series.persons{stroke:var(--p)}svg .series.sensitive{stroke:var(--s)}svg .point.persons{fill:var(--p)}svg .point.sensitive{fill:var(--s)}
svg .point.pending{fill:#fff;stroke-width:2}svg .point.pending.persons{stroke:var(--p)}svg .point.pending.sensitive{stroke:var(--s)}
svg .crossing{fill:none;stroke:var(--bad);stroke-width:2.5}svg .crossing-label{fill:var(--bad);font-weight:600}svg .threshold-label{font-size:11px}
td.mono{word-break:break-all;max-width:240px}td.examples{max-width:300px}.examples code{display:inline-block}
details{margin:6px 0}summary{cursor:pointer}footer{margin-top:32px;color:var(--muted);font-size:12px}
";

fn document(w: &mut W, lang: Lang, title: &str) {
    w.s.push_str("<!DOCTYPE html>\n");
    w.open("html", &[("lang", lang.code())]);
    w.open("head", &[]);
    w.void("meta", &[("charset", "utf-8")]);
    // Nothing may be fetched: no script, no font, no image, no form.
    w.void(
        "meta",
        &[
            ("http-equiv", "Content-Security-Policy"),
            (
                "content",
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'",
            ),
        ],
    );
    w.void("meta", &[("name", "viewport"), ("content", "width=device-width, initial-scale=1")]);
    w.el("title", &[], title);
    w.open("style", &[]);
    w.s.push_str(CSS);
    w.close("style");
    w.close("head");
    w.open("body", &[]);
}

fn finish(mut w: W, lang: Lang) -> String {
    w.open("footer", &[]);
    w.text(&format!("xborder {} — {}", env!("CARGO_PKG_VERSION"), t(lang, "offline")));
    w.close("footer");
    w.close("body");
    w.close("html");
    w.s.push('\n');
    w.s
}

fn verdict_section(w: &mut W, lang: Lang, v: &Verdict, incomplete: bool) {
    let class = format!("verdict level-{}", v.level.as_str());
    w.open("section", &[("id", "verdict"), ("class", &class), ("data-level", v.level.as_str())]);
    w.el("h2", &[], t(lang, "verdict"));
    w.open("p", &[("class", "level")]);
    w.text(level_label(lang, v.level));
    w.text(" ");
    w.el("code", &[], v.level.as_str());
    w.close("p");
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
        w.el("span", &[("class", "tag")], &r.verdict);
        w.text(" ");
        w.el("span", &[("class", "detail")], &r.detail);
        w.text(" — ");
        w.el("cite", &[], &r.cite);
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
        w.el("td", &[], &c.categories.join(", "));
        w.el("td", &[], &c.class);
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

/// Day of the year, 0-based.
fn day_of_year(date: &str, year: i32) -> f64 {
    let start = Date { year, month: 1, day: 1 }.to_days();
    match Date::parse(date) {
        Some(d) => (d.to_days() - start) as f64,
        None => 0.0,
    }
}

/// The chart: a step line per tally, the drawn national lines, and a marker where each line
/// was first reached. Logarithmic y axis from 1 to past 1,000,000.
fn chart(w: &mut W, lang: Lang, tl: &Timeline) {
    const WIDTH: f64 = 980.0;
    const HEIGHT: f64 = 430.0;
    const LEFT: f64 = 78.0;
    const RIGHT: f64 = 150.0;
    const TOP: f64 = 16.0;
    const BOTTOM: f64 = 44.0;
    let max = tl.points.iter().map(|p| p.persons.max(p.sensitive)).max().unwrap_or(0);
    // Room above the highest of the data and the 1,000,000 line.
    let top_decade = ((max.max(1_000_000) as f64).log10() + 0.35).max(6.35);
    let days = if crate::time::is_leap(tl.year) { 366.0 } else { 365.0 };
    let x = |d: f64| LEFT + (WIDTH - LEFT - RIGHT) * (d.clamp(0.0, days) / days);
    let y = |v: u64| {
        let l = (v.max(1) as f64).log10();
        TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - l / top_decade)
    };
    let f = |v: f64| format!("{v:.1}");
    w.open("figure", &[]);
    let view = format!("0 0 {WIDTH} {HEIGHT}");
    w.open(
        "svg",
        &[
            ("id", "ytd-chart"),
            ("xmlns", "http://www.w3.org/2000/svg"),
            ("viewBox", &view),
            ("width", "100%"),
            ("role", "img"),
            ("aria-label", t(lang, "chart_caption")),
            ("data-year", &tl.year.to_string()),
            ("data-exporter", &tl.exporter),
        ],
    );
    // Grid and y labels: every decade.
    for dec in 0..=top_decade.floor() as u32 {
        let v = 10u64.pow(dec);
        let yy = f(y(v));
        w.void("line", &[("class", "grid"), ("x1", &f(LEFT)), ("x2", &f(WIDTH - RIGHT)), ("y1", &yy), ("y2", &yy)]);
        w.el("text", &[("x", &f(LEFT - 6.0)), ("y", &f(y(v) + 4.0)), ("text-anchor", "end")], &thousands(v));
    }
    // x axis: months.
    let base = HEIGHT - BOTTOM;
    w.void(
        "line",
        &[("class", "axis"), ("x1", &f(LEFT)), ("x2", &f(WIDTH - RIGHT)), ("y1", &f(base)), ("y2", &f(base))],
    );
    for m in 1..=12u32 {
        let d = day_of_year(&format!("{}-{m:02}-01", tl.year), tl.year);
        w.void("line", &[("class", "grid"), ("x1", &f(x(d))), ("x2", &f(x(d))), ("y1", &f(TOP)), ("y2", &f(base))]);
        let label = if m == 1 { format!("{}-01", tl.year) } else { format!("{m:02}") };
        w.el("text", &[("x", &f(x(d) + 2.0)), ("y", &f(base + 16.0))], &label);
    }
    // The policy's volume lines.
    for l in tl.lines.iter().filter(|l| l.drawn) {
        let id = format!("line-{}", l.id());
        let class = format!("threshold {}", l.tally.as_str());
        let yy = f(y(l.value));
        w.void(
            "line",
            &[
                ("id", &id),
                ("class", &class),
                ("data-line", &l.id()),
                ("data-tally", l.tally.as_str()),
                ("data-value", &l.value.to_string()),
                ("data-level", l.level.as_str()),
                ("x1", &f(LEFT)),
                ("x2", &f(WIDTH - RIGHT)),
                ("y1", &yy),
                ("y2", &yy),
            ],
        );
        let label = format!("{} {} → {}", thousands(l.value), tally_label(lang, l.tally), level_label(lang, l.level));
        w.el(
            "text",
            &[
                ("class", "threshold-label"),
                ("x", &f(WIDTH - RIGHT - 6.0)),
                ("y", &f(y(l.value) - 5.0)),
                ("text-anchor", "end"),
            ],
            &label,
        );
    }
    // The series, as steps: the count holds until the next transfer.
    for tally in [Tally::Persons, Tally::Sensitive] {
        let value = |p: &super::timeline::Point| match tally {
            Tally::Persons => p.persons,
            Tally::Sensitive => p.sensitive,
        };
        let mut d = format!("M{} {}", f(x(0.0)), f(y(0)));
        let mut last = 0u64;
        for p in &tl.points {
            let px = x(day_of_year(&p.date, tl.year));
            let _ = write!(d, " L{} {} L{} {}", f(px), f(y(last)), f(px), f(y(value(p))));
            last = value(p);
        }
        let class = format!("series {}", tally.as_str());
        w.void("path", &[("class", &class), ("d", &d), ("data-tally", tally.as_str())]);
        for p in &tl.points {
            let class = if p.pending {
                format!("point {} pending", tally.as_str())
            } else {
                format!("point {}", tally.as_str())
            };
            let seq = p.seq.map(|s| s.to_string()).unwrap_or_default();
            w.open(
                "circle",
                &[
                    ("class", &class),
                    ("cx", &f(x(day_of_year(&p.date, tl.year)))),
                    ("cy", &f(y(value(p)))),
                    ("r", "3.5"),
                    ("data-seq", &seq),
                    ("data-date", &p.date),
                    ("data-value", &value(p).to_string()),
                ],
            );
            w.el(
                "title",
                &[],
                &format!("{} {}: {} {}", p.date, p.object, thousands(value(p)), tally_label(lang, tally)),
            );
            w.close("circle");
        }
    }
    // Crossing markers for the drawn lines.
    for c in &tl.crossings {
        let Some(line) = tl.lines.iter().find(|l| l.id() == c.line) else { continue };
        if !line.drawn {
            continue;
        }
        let cx = x(day_of_year(&c.date, tl.year));
        let cy = y(c.count);
        let id = format!("crossing-{}", c.line);
        let seq = c.seq.map(|s| s.to_string()).unwrap_or_default();
        w.open(
            "circle",
            &[
                ("id", &id),
                ("class", "crossing"),
                ("cx", &f(cx)),
                ("cy", &f(cy)),
                ("r", "8"),
                ("data-line", &c.line),
                ("data-date", &c.date),
                ("data-object", &c.object),
                ("data-seq", &seq),
                ("data-count", &c.count.to_string()),
            ],
        );
        w.el("title", &[], &format!("{} {} {}: {}", thousands(c.value), tally_label(lang, c.tally), c.date, c.object));
        w.close("circle");
        // Below the line: the line's own label sits above it, at the right.
        w.el("text", &[("class", "crossing-label"), ("x", &f(cx + 10.0)), ("y", &f(cy + 20.0))], &c.date);
    }
    // Legend.
    let lx = WIDTH - RIGHT + 6.0;
    for (i, tally) in [Tally::Persons, Tally::Sensitive].into_iter().enumerate() {
        let ly = TOP + 10.0 + 18.0 * i as f64;
        let class = format!("series {}", tally.as_str());
        w.void("line", &[("class", &class), ("x1", &f(lx)), ("x2", &f(lx + 22.0)), ("y1", &f(ly)), ("y2", &f(ly))]);
        w.el("text", &[("x", &f(lx + 28.0)), ("y", &f(ly + 4.0))], tally_label(lang, tally));
    }
    w.close("svg");
    w.el("figcaption", &[], t(lang, "chart_caption"));
    w.close("figure");
}

fn crossings_table(w: &mut W, lang: Lang, tl: &Timeline) {
    w.el("h3", &[], t(lang, "crossings"));
    if tl.crossings.is_empty() {
        w.el("p", &[("class", "no-crossing")], t(lang, "none_reached"));
        return;
    }
    w.open("table", &[("id", "crossings")]);
    w.head_row(&[
        t(lang, "line"),
        t(lang, "reached_on"),
        t(lang, "object"),
        t(lang, "count_then"),
        t(lang, "procedure"),
        t(lang, "citation"),
    ]);
    for c in &tl.crossings {
        w.open("tr", &[("data-line", &c.line), ("data-date", &c.date), ("data-object", &c.object)]);
        w.el("td", &[], &format!("{} {}", thousands(c.value), tally_label(lang, c.tally)));
        w.el("td", &[], &c.date);
        w.el("td", &[("class", "mono")], &c.object);
        w.el("td", &[("class", "num")], &thousands(c.count));
        w.el("td", &[], level_label(lang, c.level));
        w.el("td", &[], &c.cite);
        w.close("tr");
    }
    w.close("table");
}

fn standing_rows(w: &mut W, lang: Lang, s: &Standing) {
    w.row(&[t(lang, "standing"), &format!("{} ({})", level_label(lang, s.level), s.level.as_str())]);
    for n in &s.next {
        w.open("tr", &[("data-next-line", &n.line), ("data-remaining", &n.remaining.to_string())]);
        w.el("td", &[], t(lang, "next_line"));
        w.el(
            "td",
            &[],
            &format!(
                "{} {} → {} ({}): {} {}",
                thousands(n.value),
                tally_label(lang, n.tally),
                level_label(lang, n.level),
                n.cite,
                thousands(n.remaining),
                t(lang, "remaining")
            ),
        );
        w.close("tr");
    }
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
    let class = format!("verdict level-{}", a.highest.as_str());
    w.open("section", &[("id", "verdict"), ("class", &class), ("data-level", a.highest.as_str())]);
    w.el("h2", &[], t(lang, "highest"));
    w.open("p", &[("class", "level")]);
    w.text(level_label(lang, a.highest));
    w.text(" ");
    w.el("code", &[], a.highest.as_str());
    w.close("p");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_controls() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>\u{1b}[31m"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;[31m"
        );
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn writer_escapes_attributes_and_text() {
        let mut w = W::new();
        w.el("td", &[("data-x", "\"><script>")], "<script>alert(1)</script>");
        assert_eq!(w.s, "<td data-x=\"&quot;&gt;&lt;script&gt;\">&lt;script&gt;alert(1)&lt;/script&gt;</td>");
    }

    #[test]
    fn every_label_has_both_languages() {
        for (k, en, zh) in LABELS {
            assert!(!en.is_empty() && !zh.is_empty(), "{k}");
        }
        for l in Level::ALL {
            assert_ne!(level_label(Lang::Zh, l), "?");
        }
    }
}
