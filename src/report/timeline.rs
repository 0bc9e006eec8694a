//! The year-to-date timeline: persons and sensitive persons after each transfer of a year,
//! against the volume lines of the active policy (the rules of its `national_pi_lines` group:
//! for `cn-national-2024` the Provisions' 1 / 10,000 sensitive and 100,000 / 1,000,000 persons,
//! REGULATION.md §1), and where each line was first reached. `ledger summary`, `audit` and the
//! HTML chart read it.
//!
//! The lines count persons as the policy's conservative rules do: the 100,000 and 1,000,000 lines
//! read every person with personal information, including those who also have sensitive data
//! (the text is silent; `cn-national-2024` marks that reading unconfirmed). The verdict of a
//! transfer always comes from the whole policy; the lines here only draw and measure its ladder.

use serde::Serialize;

use crate::policy::spec::{Cmp, Metric};
use crate::policy::{Level, Policy, PolicySet, DEFAULT_POLICY};

/// Which tally a line reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tally {
    /// Persons with personal information (all persons).
    Persons,
    /// Persons with sensitive personal information (minors included).
    Sensitive,
}

impl Tally {
    pub fn as_str(self) -> &'static str {
        match self {
            Tally::Persons => "persons",
            Tally::Sensitive => "sensitive",
        }
    }
}

/// A volume line: from `value` persons of the tally on, the year needs `level`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub tally: Tally,
    pub value: u64,
    pub level: Level,
    pub cite: String,
    /// Drawn on the chart (the 1-sensitive-person line sits on the axis and is not).
    #[serde(skip)]
    pub drawn: bool,
}

impl Line {
    /// Stable id used in reports and HTML (`sensitive-10000`, `persons-100000`).
    pub fn id(&self) -> String {
        format!("{}-{}", self.tally.as_str(), self.value)
    }
}

/// The group whose rules are the volume lines of a policy.
pub const LINES_GROUP: &str = "national_pi_lines";

/// The volume lines of `policy`: every `≥` person-count condition of a rule in its
/// `national_pi_lines` group (the sensitive tally, or persons for both non-sensitive readings),
/// one line per tally and value, the lowest first. Cumulative since 1 January (Asia/Shanghai),
/// per exporter.
pub fn lines(policy: &Policy) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    for r in policy.rules.iter().filter(|r| r.spec.groups.iter().any(|g| g == LINES_GROUP)) {
        let Some(level) = r.spec.verdict.level() else { continue };
        for (metric, cmp, value) in r.spec.when.counts() {
            if cmp != Cmp::Gte {
                continue;
            }
            let tally = if metric == Metric::Sensitive { Tally::Sensitive } else { Tally::Persons };
            if !out.iter().any(|l| l.tally == tally && l.value == value) {
                // The 1-sensitive-person line sits on the axis: measured, not drawn.
                out.push(Line { tally, value, level, cite: r.cite.clone(), drawn: value > 1 });
            }
        }
    }
    out.sort_by_key(|l| (l.tally, l.value));
    out
}

/// The lines of the default national policy, for views that have no policy (`ledger summary`).
pub fn national_lines() -> Vec<Line> {
    PolicySet::builtin().and_then(|s| s.resolve(DEFAULT_POLICY)).map(|p| lines(&p)).unwrap_or_default()
}

fn count(t: Tally, persons: u64, sensitive: u64) -> u64 {
    match t {
        Tally::Persons => persons,
        Tally::Sensitive => sensitive,
    }
}

/// The next line of one tally and how far away it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextLine {
    pub line: String,
    pub tally: Tally,
    pub value: u64,
    pub level: Level,
    pub cite: String,
    /// Persons still to go before the line is reached (`value - count`).
    pub remaining: u64,
}

/// Where a year stands on the national ladder from its counts alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Standing {
    /// The level the counts reach (`allow` below every line). Categories, important data and
    /// declarations are not in the ledger: a transfer's own verdict can be higher.
    pub level: Level,
    /// Per tally, the next line not yet reached; a tally past its last line has none.
    pub next: Vec<NextLine>,
}

impl Standing {
    pub fn of(persons: u64, sensitive: u64, lines: &[Line]) -> Standing {
        let level = lines
            .iter()
            .filter(|l| count(l.tally, persons, sensitive) >= l.value)
            .map(|l| l.level)
            .max()
            .unwrap_or(Level::Allow);
        let mut next = Vec::new();
        for tally in [Tally::Sensitive, Tally::Persons] {
            let c = count(tally, persons, sensitive);
            if let Some(l) = lines.iter().filter(|l| l.tally == tally && l.value > c).min_by_key(|l| l.value) {
                next.push(NextLine {
                    line: l.id(),
                    tally,
                    value: l.value,
                    level: l.level,
                    cite: l.cite.clone(),
                    remaining: l.value - c,
                });
            }
        }
        Standing { level, next }
    }
}

/// The year to date after one transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Point {
    /// The transfer's date (YYYY-MM-DD).
    pub date: String,
    /// What left (the first input's name, `+ n more` for several).
    pub object: String,
    /// The transfer's sequence number in its ledger; `None` for a dry run.
    pub seq: Option<u64>,
    pub persons: u64,
    pub sensitive: u64,
    /// The verdict the transfer got (the procedure it needed).
    pub level: Level,
    /// A dry run: evaluated, not recorded.
    pub pending: bool,
}

/// The first transfer at which the year reached a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Crossing {
    pub line: String,
    pub tally: Tally,
    pub value: u64,
    pub level: Level,
    pub cite: String,
    /// Index into the timeline's points.
    pub point: usize,
    pub date: String,
    pub object: String,
    pub seq: Option<u64>,
    /// The tally right after that transfer.
    pub count: u64,
}

/// One exporter's year: the points in transfer order and the lines they crossed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timeline {
    pub exporter: String,
    pub year: i32,
    pub points: Vec<Point>,
    /// The policy's volume lines the points are measured against.
    pub lines: Vec<Line>,
    pub crossings: Vec<Crossing>,
}

impl Timeline {
    /// A timeline of `points` (in transfer order) against `lines` ([`lines`] of the policy);
    /// the crossings are computed.
    pub fn new(exporter: impl Into<String>, year: i32, points: Vec<Point>, lines: Vec<Line>) -> Timeline {
        let mut crossings = Vec::new();
        for l in &lines {
            let mut before = 0;
            for (i, p) in points.iter().enumerate() {
                let c = count(l.tally, p.persons, p.sensitive);
                if c >= l.value && before < l.value {
                    crossings.push(Crossing {
                        line: l.id(),
                        tally: l.tally,
                        value: l.value,
                        level: l.level,
                        cite: l.cite.clone(),
                        point: i,
                        date: p.date.clone(),
                        object: p.object.clone(),
                        seq: p.seq,
                        count: c,
                    });
                    break;
                }
                before = c;
            }
        }
        crossings.sort_by_key(|c| (c.point, c.tally, c.value));
        Timeline { exporter: exporter.into(), year, points, lines, crossings }
    }

    pub fn standing(&self) -> Standing {
        let (p, s) = self.points.last().map_or((0, 0), |p| (p.persons, p.sensitive));
        Standing::of(p, s, &self.lines)
    }
}

/// `a.csv`, or `a.csv + 2 more`.
pub fn object_label(paths: &[String]) -> String {
    match paths {
        [] => "-".into(),
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} + {} more", rest.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(persons: u64, sensitive: u64) -> Point {
        Point {
            date: format!("2025-01-{:02}", 1 + persons % 28),
            object: format!("o{persons}"),
            seq: Some(persons),
            persons,
            sensitive,
            level: Level::Allow,
            pending: false,
        }
    }

    #[test]
    fn crossings_are_the_first_point_at_or_past_each_line() {
        let t = Timeline::new(
            "acme",
            2025,
            vec![p(50_000, 0), p(99_999, 3), p(100_000, 9_999), p(120_000, 10_000)],
            national_lines(),
        );
        let got: Vec<(&str, usize, u64)> = t.crossings.iter().map(|c| (c.line.as_str(), c.point, c.count)).collect();
        assert_eq!(got, [("sensitive-1", 1, 3), ("persons-100000", 2, 100_000), ("sensitive-10000", 3, 10_000)]);
        assert_eq!(t.standing().level, Level::SecurityAssessment);
    }

    #[test]
    fn standing_and_distance() {
        let n = national_lines();
        let s = Standing::of(91_000, 0, &n);
        assert_eq!(s.level, Level::Allow);
        let next: Vec<(&str, u64)> = s.next.iter().map(|n| (n.line.as_str(), n.remaining)).collect();
        assert_eq!(next, [("sensitive-1", 1), ("persons-100000", 9_000)]);
        let s = Standing::of(1_000_000, 10_000, &n);
        assert_eq!(s.level, Level::SecurityAssessment);
        assert!(s.next.is_empty());
        assert_eq!(Standing::of(100_000, 5, &n).level, Level::StandardContract);
    }

    #[test]
    fn the_lines_are_the_policys() {
        let n = national_lines();
        let got: Vec<(String, Level, &str)> = n.iter().map(|l| (l.id(), l.level, l.cite.as_str())).collect();
        assert_eq!(
            got,
            [
                ("persons-100000".to_string(), Level::StandardContract, "Provisions Art. 8"),
                ("persons-1000000".to_string(), Level::SecurityAssessment, "Provisions Art. 7(2)"),
                ("sensitive-1".to_string(), Level::StandardContract, "Provisions Art. 8"),
                ("sensitive-10000".to_string(), Level::SecurityAssessment, "Provisions Art. 7(2)"),
            ]
        );
        assert_eq!(n.iter().filter(|l| l.drawn).count(), 3);
        // A policy with other figures draws and measures those.
        let text = r#"
id = "relaxed"
title = "t"
version = "1"
jurisdiction = "X"
[documents.d]
title = "D"
short = "D"
[[rules]]
id = "sc"
when = { personal_persons_gte = 500_000 }
verdict = "standard_contract"
cite = { document = "d", article = "9" }
confirmed = true
groups = ["national_pi_lines"]
"#;
        let mut set = PolicySet::default();
        set.insert(crate::policy::PolicySpec::parse("relaxed.toml", text).unwrap(), "relaxed.toml".into(), false);
        let l = lines(&set.resolve("relaxed").unwrap());
        assert_eq!(l.len(), 1);
        assert_eq!((l[0].id(), l[0].cite.as_str()), ("persons-500000".to_string(), "D 9"));
        assert_eq!(Standing::of(499_999, 0, &l).next[0].remaining, 1);
    }
}
