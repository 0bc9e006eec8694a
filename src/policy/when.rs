//! The condition vocabulary of a policy rule (`when`): the typed keys, what they describe, and
//! the checks a condition needs — alone (its shape) and against the resolved policy (the
//! categories and sectors it names). The full vocabulary is documented in `policies/README.md`.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::classes::Class;
use super::level::{names, Scenario};
use super::spec::Policy;

/// A condition: every key given must hold. Keys left out do not constrain.
///
/// Person counts are since 1 January of the current year (Asia/Shanghai), this export included;
/// presence keys (`has`, `lacks`, `category`, markers) look at this export only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// The operator declared (`--ciio`) that it is / is not a critical-information-infrastructure
    /// operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ciio: Option<bool>,
    /// The operator declared (`--zone-registered`) that it is / is not registered in the zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_registered: Option<bool>,
    /// The declared sector is one of these.
    #[serde(default, deserialize_with = "one_or_many", skip_serializing_if = "Option::is_none")]
    pub sector: Option<Vec<String>>,
    /// A sector is declared and it is none of these (no sector declared: does not hold).
    #[serde(default, deserialize_with = "one_or_many", skip_serializing_if = "Option::is_none")]
    pub sector_not: Option<Vec<String>>,
    /// One of these exemption scenarios is declared (`--scenario`).
    #[serde(default, deserialize_with = "one_or_many", skip_serializing_if = "Option::is_none")]
    pub scenario: Option<Vec<Scenario>>,
    /// true: a business scenario of the policy's negative list (`list_scenarios`) is declared,
    /// in the declared sector; false: none is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_scenario: Option<bool>,
    /// The export holds data of at least one of these classes. `personal` means any personal
    /// information, sensitive included (PIPL Art. 28: sensitive PI is PI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has: Option<Vec<Class>>,
    /// The export holds data of none of these classes (`personal` as in `has`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lacks: Option<Vec<Class>>,
    /// At least one of these categories or markers is present.
    #[serde(default, deserialize_with = "one_or_many", skip_serializing_if = "Option::is_none")]
    pub category: Option<Vec<String>>,
    /// A marker starting with this prefix (`core:`, `important:automotive:`) is present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marker_prefix: Option<String>,
    /// true: an important-data candidate marker is present; false: none is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub important_candidate: Option<bool>,
    /// true: a marker present is named in the `--catalogue`; false: an important-data candidate
    /// present is not named in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalogue_listed: Option<bool>,
    /// Persons with sensitive personal information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitive_persons_gte: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitive_persons_gt: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitive_persons_lt: Option<u64>,
    /// Persons with any personal information — the conservative non-sensitive tally, in which a
    /// person who also has sensitive information counts too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_persons_gte: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_persons_gt: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_persons_lt: Option<u64>,
    /// Persons with personal information and no sensitive information — the strict reading of
    /// "excluding sensitive personal information".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_only_persons_gte: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_only_persons_gt: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_only_persons_lt: Option<u64>,
    /// Persons whose data carries one of these categories, each category counted on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_persons: Option<CategoryPersons>,
    /// At least one of these conditions holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<When>>,
    /// This condition does not hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<When>>,
}

/// `category_persons = { categories = ["bank_card", "medical_health"], gt = 100000 }`: holds
/// when the persons carrying any one listed category pass the bound.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryPersons {
    #[serde(deserialize_with = "many")]
    pub categories: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gte: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt: Option<u64>,
}

/// Which person tally a count condition reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Sensitive,
    Personal,
    PersonalOnly,
}

impl Metric {
    pub fn label(self) -> &'static str {
        match self {
            Metric::Sensitive => "sensitive persons",
            Metric::Personal => "persons with PI",
            Metric::PersonalOnly => "persons with PI and no sensitive PI",
        }
    }
    fn key(self) -> &'static str {
        match self {
            Metric::Sensitive => "sensitive_persons",
            Metric::Personal => "personal_persons",
            Metric::PersonalOnly => "personal_only_persons",
        }
    }
}

/// A comparison of a count condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Gte,
    Gt,
    Lt,
}

impl Cmp {
    pub fn holds(self, value: u64, bound: u64) -> bool {
        match self {
            Cmp::Gte => value >= bound,
            Cmp::Gt => value > bound,
            Cmp::Lt => value < bound,
        }
    }
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Gte => "≥",
            Cmp::Gt => ">",
            Cmp::Lt => "<",
        }
    }
}

impl When {
    /// The count conditions, grouped by metric in a fixed order.
    pub fn counts(&self) -> Vec<(Metric, Cmp, u64)> {
        let mut out = Vec::new();
        let table = [
            (Metric::Sensitive, [self.sensitive_persons_gte, self.sensitive_persons_gt, self.sensitive_persons_lt]),
            (Metric::Personal, [self.personal_persons_gte, self.personal_persons_gt, self.personal_persons_lt]),
            (
                Metric::PersonalOnly,
                [self.personal_only_persons_gte, self.personal_only_persons_gt, self.personal_only_persons_lt],
            ),
        ];
        for (m, bounds) in table {
            for (cmp, b) in [Cmp::Gte, Cmp::Gt, Cmp::Lt].into_iter().zip(bounds) {
                if let Some(b) = b {
                    out.push((m, cmp, b));
                }
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        *self == When::default()
    }

    /// The condition in words, without facts (for `policy show`).
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let yes_no = |b: bool, yes: &str, no: &str| if b { yes.to_string() } else { no.to_string() };
        if let Some(b) = self.ciio {
            parts.push(yes_no(b, "CIIO", "not a CIIO"));
        }
        if let Some(b) = self.zone_registered {
            parts.push(yes_no(b, "registered in the zone", "not registered in the zone"));
        }
        if let Some(s) = &self.sector {
            parts.push(format!("sector {}", s.join("|")));
        }
        if let Some(s) = &self.sector_not {
            parts.push(format!("sector declared, not {}", s.join("|")));
        }
        if let Some(s) = &self.scenario {
            parts.push(format!("scenario {}", s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("|")));
        }
        if let Some(b) = self.list_scenario {
            parts.push(yes_no(b, "a listed business scenario declared", "no listed business scenario declared"));
        }
        if let Some(c) = &self.has {
            parts.push(format!("has {}", c.iter().map(|c| c.as_str()).collect::<Vec<_>>().join("|")));
        }
        if let Some(c) = &self.lacks {
            parts.push(format!("lacks {}", c.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")));
        }
        if let Some(c) = &self.category {
            parts.push(format!("category {}", c.join("|")));
        }
        if let Some(p) = &self.marker_prefix {
            parts.push(format!("marker {p}*"));
        }
        if let Some(b) = self.important_candidate {
            parts.push(yes_no(b, "important-data candidate", "no important-data candidate"));
        }
        if let Some(b) = self.catalogue_listed {
            parts.push(yes_no(b, "marker listed in the catalogue", "candidate not in the catalogue"));
        }
        for (m, cmp, b) in self.counts() {
            parts.push(format!("{} {} {b}", m.label(), cmp.symbol()));
        }
        if let Some(cp) = &self.category_persons {
            for (cmp, b) in [(Cmp::Gte, cp.gte), (Cmp::Gt, cp.gt)] {
                if let Some(b) = b {
                    parts.push(format!("persons with {} {} {b}", cp.categories.join("|"), cmp.symbol()));
                }
            }
        }
        if let Some(any) = &self.any {
            parts.push(format!("any of ({})", any.iter().map(When::describe).collect::<Vec<_>>().join(") or (")));
        }
        if let Some(n) = &self.not {
            parts.push(format!("not ({})", n.describe()));
        }
        parts.join(", ")
    }
}

/// A string or a list of strings, each parsed with `FromStr`.
pub(super) fn one_or_many<'de, D, T>(d: D) -> std::result::Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    many(d).map(Some)
}

pub(super) fn many<'de, D, T>(d: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    struct V<T>(PhantomData<T>);
    impl<'de, T: FromStr> Visitor<'de> for V<T>
    where
        T::Err: fmt::Display,
    {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a list of strings")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<Vec<T>, E> {
            s.parse().map(|v| vec![v]).map_err(E::custom)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> std::result::Result<Vec<T>, A::Error> {
            let mut out = Vec::new();
            while let Some(s) = a.next_element::<String>()? {
                out.push(s.parse().map_err(de::Error::custom)?);
            }
            Ok(out)
        }
    }
    d.deserialize_any(V(PhantomData))
}

/// Checks that need no other file: something is said, bounds make sense.
pub(super) fn check_when_shape(w: &When, key: &str) -> std::result::Result<(), String> {
    if w.is_empty() {
        return Err(format!("key `{key}`: a condition needs at least one key"));
    }
    for m in [Metric::Sensitive, Metric::Personal, Metric::PersonalOnly] {
        let c: Vec<(Cmp, u64)> = w.counts().into_iter().filter(|(x, _, _)| *x == m).map(|(_, c, b)| (c, b)).collect();
        let gte = c.iter().find(|(c, _)| *c == Cmp::Gte).map(|x| x.1);
        let gt = c.iter().find(|(c, _)| *c == Cmp::Gt).map(|x| x.1);
        let lt = c.iter().find(|(c, _)| *c == Cmp::Lt).map(|x| x.1);
        if gte.is_some() && gt.is_some() {
            return Err(format!("key `{key}.{}_gt`: give `_gte` or `_gt`, not both", m.key()));
        }
        let low = gte.or(gt.map(|g| g.saturating_add(1)));
        if let (Some(low), Some(lt)) = (low, lt) {
            if low >= lt {
                return Err(format!("key `{key}.{}_lt`: no count is both ≥ {low} and < {lt}", m.key()));
            }
        }
    }
    if let Some(cp) = &w.category_persons {
        if cp.categories.is_empty() {
            return Err(format!("key `{key}.category_persons.categories`: name at least one category"));
        }
        if cp.gte.is_some() == cp.gt.is_some() {
            return Err(format!("key `{key}.category_persons`: give exactly one of `gte` or `gt`"));
        }
    }
    for (name, list) in [("has", &w.has), ("lacks", &w.lacks)] {
        if list.as_ref().is_some_and(|l| l.is_empty()) {
            return Err(format!("key `{key}.{name}`: name at least one class"));
        }
    }
    if let Some(p) = &w.marker_prefix {
        if !(p.starts_with("important:") || p.starts_with("core:")) {
            return Err(format!("key `{key}.marker_prefix`: {p:?} must start with `important:` or `core:`"));
        }
    }
    if let Some(any) = &w.any {
        if any.is_empty() {
            return Err(format!("key `{key}.any`: name at least one condition"));
        }
        for (i, sub) in any.iter().enumerate() {
            check_when_shape(sub, &format!("{key}.any[{i}]"))?;
        }
    }
    if let Some(n) = &w.not {
        check_when_shape(n, &format!("{key}.not"))?;
    }
    Ok(())
}

pub(super) fn unknown_category(c: &str) -> String {
    format!(
        "unknown category {c:?}: not a category of DESIGN.md, not a marker `important:<sector>:<marker>` or \
         `core:<marker>`, and not declared in the policy's `categories`"
    )
}

/// Names inside a condition that need the chain: categories and sectors.
pub(super) fn check_when_names(p: &Policy, w: &When, key: &str) -> std::result::Result<(), String> {
    let cats = w.category.iter().flatten().map(|c| (c, "category"));
    let cp = w.category_persons.iter().flat_map(|cp| cp.categories.iter().map(|c| (c, "category_persons.categories")));
    for (c, k) in cats.chain(cp) {
        if !p.knows_category(c) {
            return Err(format!("key `{key}.{k}`: {}", unknown_category(c)));
        }
    }
    for (list, k) in [(&w.sector, "sector"), (&w.sector_not, "sector_not")] {
        for s in list.iter().flatten() {
            if !p.sectors.contains(s) {
                return Err(format!(
                    "key `{key}.{k}`: unknown sector {s:?}; known: {} (a policy may add its own in `sectors`)",
                    names(p.sectors.iter().map(String::as_str))
                ));
            }
        }
    }
    for (i, sub) in w.any.iter().flatten().enumerate() {
        check_when_names(p, sub, &format!("{key}.any[{i}]"))?;
    }
    if let Some(n) = &w.not {
        check_when_names(p, n, &format!("{key}.not"))?;
    }
    Ok(())
}
