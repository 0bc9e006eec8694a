//! The year-to-date timeline: persons and sensitive persons after each transfer of a year,
//! against the national lines of the Provisions (REGULATION.md §1), and where each line was first
//! reached. `ledger summary`, `audit` and the HTML chart read it.
//!
//! The lines count persons as the policy's conservative rules do: the 100,000 and 1,000,000 lines
//! read every person with personal information, including those who also have sensitive data
//! (the text is silent; `cn-national-2024` marks that reading unconfirmed). A policy file can
//! carry other figures (a free-trade-zone list); the verdict of a transfer always comes from the
//! policy, the lines here only draw and measure the national ladder.

use serde::Serialize;

use crate::policy::Level;

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

/// A national threshold: from `value` persons of the tally on, the year needs `level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Line {
    pub tally: Tally,
    pub value: u64,
    pub level: Level,
    pub cite: &'static str,
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

/// Provisions Art. 7(2) and 8, cumulative since 1 January (Asia/Shanghai), per exporter.
pub const NATIONAL_LINES: [Line; 4] = [
    Line {
        tally: Tally::Sensitive,
        value: 1,
        level: Level::StandardContract,
        cite: "Provisions Art. 8(2)",
        drawn: false,
    },
    Line {
        tally: Tally::Sensitive,
        value: 10_000,
        level: Level::SecurityAssessment,
        cite: "Provisions Art. 7(2)",
        drawn: true,
    },
    Line {
        tally: Tally::Persons,
        value: 100_000,
        level: Level::StandardContract,
        cite: "Provisions Art. 8(1)",
        drawn: true,
    },
    Line {
        tally: Tally::Persons,
        value: 1_000_000,
        level: Level::SecurityAssessment,
        cite: "Provisions Art. 7(2)",
        drawn: true,
    },
];

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
    pub cite: &'static str,
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
    pub fn of(persons: u64, sensitive: u64) -> Standing {
        let level = NATIONAL_LINES
            .iter()
            .filter(|l| count(l.tally, persons, sensitive) >= l.value)
            .map(|l| l.level)
            .max()
            .unwrap_or(Level::Allow);
        let mut next = Vec::new();
        for tally in [Tally::Sensitive, Tally::Persons] {
            let c = count(tally, persons, sensitive);
            if let Some(l) = NATIONAL_LINES.iter().filter(|l| l.tally == tally && l.value > c).min_by_key(|l| l.value) {
                next.push(NextLine {
                    line: l.id(),
                    tally,
                    value: l.value,
                    level: l.level,
                    cite: l.cite,
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
    pub cite: &'static str,
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
    pub crossings: Vec<Crossing>,
}

impl Timeline {
    /// A timeline of `points` (in transfer order); the crossings are computed.
    pub fn new(exporter: impl Into<String>, year: i32, points: Vec<Point>) -> Timeline {
        let mut crossings = Vec::new();
        for l in &NATIONAL_LINES {
            let mut before = 0;
            for (i, p) in points.iter().enumerate() {
                let c = count(l.tally, p.persons, p.sensitive);
                if c >= l.value && before < l.value {
                    crossings.push(Crossing {
                        line: l.id(),
                        tally: l.tally,
                        value: l.value,
                        level: l.level,
                        cite: l.cite,
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
        Timeline { exporter: exporter.into(), year, points, crossings }
    }

    pub fn standing(&self) -> Standing {
        self.points.last().map(|p| Standing::of(p.persons, p.sensitive)).unwrap_or_else(|| Standing::of(0, 0))
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
        let t = Timeline::new("acme", 2025, vec![p(50_000, 0), p(99_999, 3), p(100_000, 9_999), p(120_000, 10_000)]);
        let got: Vec<(&str, usize, u64)> = t.crossings.iter().map(|c| (c.line.as_str(), c.point, c.count)).collect();
        assert_eq!(got, [("sensitive-1", 1, 3), ("persons-100000", 2, 100_000), ("sensitive-10000", 3, 10_000)]);
        assert_eq!(t.standing().level, Level::SecurityAssessment);
    }

    #[test]
    fn standing_and_distance() {
        let s = Standing::of(91_000, 0);
        assert_eq!(s.level, Level::Allow);
        let next: Vec<(&str, u64)> = s.next.iter().map(|n| (n.line.as_str(), n.remaining)).collect();
        assert_eq!(next, [("sensitive-1", 1), ("persons-100000", 9_000)]);
        let s = Standing::of(1_000_000, 10_000);
        assert_eq!(s.level, Level::SecurityAssessment);
        assert!(s.next.is_empty());
        assert_eq!(Standing::of(100_000, 5).level, Level::StandardContract);
    }
}
