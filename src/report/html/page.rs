//! The page machinery of the HTML report: label language and translations, the escaping
//! writer, the stylesheet, and the document frame with its Content-Security-Policy.

use std::fmt::Write as _;

use crate::policy::Level;
use crate::report::timeline::Tally;

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
pub(super) const LABELS: &[(&str, &str, &str)] = &[
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

pub(super) fn t(lang: Lang, key: &str) -> &'static str {
    match LABELS.iter().find(|(k, _, _)| *k == key) {
        Some((_, en, zh)) => match lang {
            Lang::En => en,
            Lang::Zh => zh,
        },
        None => "?",
    }
}

/// Personal-information categories in Chinese (GB/T 45574-2025 and the Provisions' words);
/// an id without a label is shown as it is.
const CATEGORIES_ZH: &[(&str, &str)] = &[
    ("address", "地址"),
    ("bank_card", "银行卡号"),
    ("biometric", "生物识别信息"),
    ("birth_date", "出生日期"),
    ("coarse_location", "粗略位置"),
    ("credit_record", "征信信息"),
    ("criminal_record", "犯罪记录"),
    ("device_id", "设备标识"),
    ("email", "电子邮箱"),
    ("financial_account", "金融账户"),
    ("foreign_permanent_resident_id", "外国人永久居留身份证号"),
    ("genetic", "基因信息"),
    ("hk_macau_permit", "港澳居民来往内地通行证号"),
    ("id_card_image", "身份证件影像"),
    ("ip_address", "IP地址"),
    ("licence_plate", "车牌号码"),
    ("mainland_travel_permit", "往来港澳通行证号"),
    ("media_recording", "音视频记录"),
    ("medical_health", "医疗健康信息"),
    ("membership_id", "会员号"),
    ("minor", "未满14周岁未成年人"),
    ("organisation_id", "统一社会信用代码"),
    ("passport", "护照号码"),
    ("person_name", "姓名"),
    ("phone", "手机号码"),
    ("precise_location", "精准定位"),
    ("religion", "宗教信仰"),
    ("residence_permit_id", "港澳台居民居住证号"),
    ("resident_id", "居民身份证号"),
    ("specific_identity", "特定身份"),
    ("taiwan_permit", "台湾居民来往大陆通行证号"),
    ("trajectory", "行踪轨迹"),
    ("vin", "车辆识别代号"),
];

/// A category as the report shows it in `lang`.
pub(super) fn category_label(lang: Lang, id: &str) -> String {
    match lang {
        Lang::Zh => match CATEGORIES_ZH.iter().find(|(k, _)| *k == id) {
            Some((_, zh)) => format!("{zh}（{id}）"),
            None if id.starts_with("important:") => format!("重要数据标记（{id}）"),
            None => id.to_string(),
        },
        Lang::En => id.to_string(),
    }
}

/// A class (`personal`, `sensitive`, …) in `lang`.
pub(super) fn class_label(lang: Lang, class: &str) -> &str {
    match (lang, class) {
        (Lang::Zh, "personal") => "个人信息",
        (Lang::Zh, "sensitive") => "敏感个人信息",
        (Lang::Zh, "not_personal") => "非个人信息",
        (Lang::Zh, "important_candidate") => "疑似重要数据",
        (Lang::Zh, "core") => "核心数据",
        _ => class,
    }
}

/// What a rule concludes (a level, or `separate_regime`) in `lang`.
pub(super) fn verdict_label(lang: Lang, verdict: &str) -> String {
    match (lang, verdict.parse::<Level>()) {
        (Lang::Zh, Ok(l)) => level_label(lang, l).to_string(),
        (Lang::Zh, Err(_)) if verdict == "separate_regime" => t(lang, "separate_regime").to_string(),
        _ => verdict.to_string(),
    }
}

pub(super) fn level_label(lang: Lang, l: Level) -> &'static str {
    t(lang, &format!("level_{}", l.as_str()))
}

pub(super) fn tally_label(lang: Lang, tally: Tally) -> &'static str {
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
pub(super) struct W {
    s: String,
}

impl W {
    pub(super) fn new() -> W {
        W { s: String::with_capacity(16 * 1024) }
    }
    pub(super) fn open(&mut self, tag: &'static str, attrs: &[(&'static str, &str)]) {
        self.s.push('<');
        self.s.push_str(tag);
        for (k, v) in attrs {
            let _ = write!(self.s, " {k}=\"{}\"", escape(v));
        }
        self.s.push('>');
    }
    pub(super) fn close(&mut self, tag: &'static str) {
        let _ = write!(self.s, "</{tag}>");
    }
    /// An element without children (`<line/>` in SVG, `<meta>` in HTML).
    pub(super) fn void(&mut self, tag: &'static str, attrs: &[(&'static str, &str)]) {
        self.open(tag, attrs);
        if !matches!(tag, "meta") {
            self.s.pop();
            self.s.push_str("/>");
        }
    }
    pub(super) fn text(&mut self, t: &str) {
        self.s.push_str(&escape(t));
    }
    pub(super) fn el(&mut self, tag: &'static str, attrs: &[(&'static str, &str)], text: &str) {
        self.open(tag, attrs);
        self.text(text);
        self.close(tag);
    }
    pub(super) fn row(&mut self, cells: &[&str]) {
        self.open("tr", &[]);
        for c in cells {
            self.el("td", &[], c);
        }
        self.close("tr");
    }
    pub(super) fn head_row(&mut self, cells: &[&str]) {
        self.open("tr", &[]);
        for c in cells {
            self.el("th", &[], c);
        }
        self.close("tr");
    }
}

pub(super) const NUM: &[(&str, &str)] = &[("class", "num")];
pub(super) const LACKED: &[(&str, &str)] = &[("class", "lacked")];
pub(super) const NONE: &[(&str, &str)] = &[];

pub(super) const CSS: &str = "
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

pub(super) fn document(w: &mut W, lang: Lang, title: &str) {
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

pub(super) fn finish(mut w: W, lang: Lang) -> String {
    w.open("footer", &[]);
    w.text(&format!("xborder {} — {}", env!("CARGO_PKG_VERSION"), t(lang, "offline")));
    w.close("footer");
    w.close("body");
    w.close("html");
    w.s.push('\n');
    w.s
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
