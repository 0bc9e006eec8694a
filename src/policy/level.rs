//! The closed vocabularies a policy and an operator share: verdict levels, what a rule may
//! conclude, the exemption scenarios an operator declares, and the sectors.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Verdict levels, lowest to highest (DESIGN.md "The report"). The order is the order of the
/// variants: a verdict is the highest level among the rules that match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Allow,
    NeedsReview,
    StandardContract,
    SecurityAssessment,
    Prohibited,
}

impl Level {
    pub const ALL: [Level; 5] =
        [Level::Allow, Level::NeedsReview, Level::StandardContract, Level::SecurityAssessment, Level::Prohibited];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::NeedsReview => "needs_review",
            Level::StandardContract => "standard_contract",
            Level::SecurityAssessment => "security_assessment",
            Level::Prohibited => "prohibited",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| format!("unknown level {s:?}, expected one of {}", names(Level::ALL.map(Level::as_str))))
    }
}

/// What a rule concludes: a level, that a separate legal regime applies beside the level (human
/// genetic resources, REGULATION.md §3), or a note — a fact the reader must know (the negative
/// list does not cover this export), which never sets the level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleVerdict {
    Allow,
    NeedsReview,
    StandardContract,
    SecurityAssessment,
    Prohibited,
    SeparateRegime,
    Note,
}

impl RuleVerdict {
    /// The level, or `None` for `separate_regime`.
    pub fn level(self) -> Option<Level> {
        match self {
            RuleVerdict::Allow => Some(Level::Allow),
            RuleVerdict::NeedsReview => Some(Level::NeedsReview),
            RuleVerdict::StandardContract => Some(Level::StandardContract),
            RuleVerdict::SecurityAssessment => Some(Level::SecurityAssessment),
            RuleVerdict::Prohibited => Some(Level::Prohibited),
            RuleVerdict::SeparateRegime | RuleVerdict::Note => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RuleVerdict::SeparateRegime => "separate_regime",
            RuleVerdict::Note => "note",
            _ => self.level().map_or("", Level::as_str),
        }
    }
}

/// Transfers the Provisions exempt whatever their volume, declared by the operator with
/// `--scenario` (a scanner cannot see why data leaves).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// Art. 5(1): necessary for a contract the individual is party to (shopping, delivery,
    /// payment, account opening, bookings, visas, exams…).
    Contract,
    /// Art. 5(2): cross-border human-resources management.
    Hr,
    /// Art. 5(3): an emergency protecting life, health or property.
    Emergency,
    /// Art. 4: personal information collected abroad, processed in China and sent back, with no
    /// domestic personal information or important data added.
    Returned,
}

impl Scenario {
    pub const ALL: [Scenario; 4] = [Scenario::Contract, Scenario::Hr, Scenario::Emergency, Scenario::Returned];

    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::Contract => "contract",
            Scenario::Hr => "hr",
            Scenario::Emergency => "emergency",
            Scenario::Returned => "returned",
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scenario {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Scenario::ALL.into_iter().find(|x| x.as_str() == s).ok_or_else(|| {
            format!("unknown scenario {s:?}, expected one of {}", names(Scenario::ALL.map(Scenario::as_str)))
        })
    }
}

/// Sectors an operator may declare with `--sector` and a rule may name: the Beijing FTZ list's
/// five (REGULATION.md §4), Shanghai Lingang's public funds, finance, and `other` for "none of
/// these". A policy may declare more in its `sectors` key. The list is closed on purpose: a typo
/// in `--sector` must be an error, never a sector that no list covers.
pub const SECTORS: &[&str] =
    &["ai", "automotive", "civil_aviation", "finance", "other", "pharma", "public_funds", "retail"];

/// `a`, `b`, `c` for messages.
pub(crate) fn names<'a>(it: impl IntoIterator<Item = &'a str>) -> String {
    it.into_iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered() {
        assert!(Level::Allow < Level::NeedsReview);
        assert!(Level::NeedsReview < Level::StandardContract);
        assert!(Level::StandardContract < Level::SecurityAssessment);
        assert!(Level::SecurityAssessment < Level::Prohibited);
        for l in Level::ALL {
            assert_eq!(l.as_str().parse::<Level>().unwrap(), l);
        }
        assert!("alow".parse::<Level>().unwrap_err().contains("`allow`"));
    }

    #[test]
    fn scenarios_parse() {
        assert_eq!("hr".parse::<Scenario>().unwrap(), Scenario::Hr);
        assert!("shopping".parse::<Scenario>().unwrap_err().contains("`contract`"));
    }
}
