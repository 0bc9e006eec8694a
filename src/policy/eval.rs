//! Evaluation: a pure function from a resolved [`Policy`] and the [`Facts`] of one export to a
//! [`Verdict`].
//!
//! 1. Every rule whose condition holds *matches*.
//! 2. A matching, **confirmed** rule with `exempts` switches off the matching rules of those
//!    groups (an Art. 5 scenario switches off the PI-volume rules). A `prohibited` rule is never
//!    switched off. An unconfirmed rule exempts nothing: it may not lower a verdict.
//! 3. The level is the highest level among the rules left. An unconfirmed rule counts only when
//!    it raises the level above `allow`: `allow` needs a confirmed rule. When no rule decides,
//!    the level is `needs_review` — the tool never reads silence as permission.
//! 4. Reasons are every rule left, highest level first, each with its rule id, citation, detail
//!    (with the real numbers) and confirmed flag; `separate_regime` rules set the regime beside
//!    the level.

use std::collections::{BTreeMap, BTreeSet};

use super::classes::Class;
use super::level::{Level, RuleVerdict, Scenario};
use super::spec::{Cmp, Metric, Policy, Rule, When};
use super::verdict::{Reason, Verdict};

/// Persons of one tally, by class.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonCountsByClass {
    /// Persons with any personal information. The non-sensitive tally of the 100,000 and
    /// 1,000,000 lines reads this number when it counts a person who also has sensitive data
    /// (the conservative reading, REGULATION.md §1 "Counting").
    pub personal: u64,
    /// Persons with sensitive personal information (minors included).
    pub sensitive: u64,
    /// Persons whose data carries each category (a person counts once per category).
    pub by_category: BTreeMap<String, u64>,
}

impl PersonCountsByClass {
    /// Persons with personal and no sensitive information (the strict reading).
    pub fn personal_only(&self) -> u64 {
        self.personal.saturating_sub(self.sensitive)
    }

    fn metric(&self, m: Metric) -> u64 {
        match m {
            Metric::Sensitive => self.sensitive,
            Metric::Personal => self.personal,
            Metric::PersonalOnly => self.personal_only(),
        }
    }
}

/// What a policy is evaluated on: the export, the year so far, and what the operator declared.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Persons in this export.
    pub persons_batch: PersonCountsByClass,
    /// Persons since 1 January (Asia/Shanghai) for this exporter, this export included — the
    /// caller unites the ledger's year with the batch.
    pub persons_ytd: PersonCountsByClass,
    /// `persons_ytd` holds the ledger's year so far; `false`: only this export was counted (no
    /// ledger), which every count reason says.
    pub ytd_from_ledger: bool,
    /// Categories and markers found in this export (the policy classes them).
    pub categories: BTreeSet<String>,
    /// Marker ids a department has notified (`--catalogue`).
    pub catalogue: BTreeSet<String>,
    /// The operator is a critical-information-infrastructure operator (`--ciio`).
    pub ciio: bool,
    /// `--sector`.
    pub sector: Option<String>,
    /// `--scenario`: the national exemption scenarios declared.
    pub scenarios: BTreeSet<Scenario>,
    /// `--scenario`: the negative list's business scenarios declared (ids of the policy's
    /// `list_scenarios`).
    pub list_scenarios: BTreeSet<String>,
    /// `--zone-registered`.
    pub zone_registered: bool,
}

/// The facts seen through the policy's classes.
struct View<'a> {
    f: &'a Facts,
    policy: &'a Policy,
    classed: Vec<(&'a str, Class)>,
}

impl View<'_> {
    fn present(&self, class: Class) -> bool {
        let b = &self.f.persons_batch;
        match class {
            Class::Personal => {
                b.personal > 0
                    || b.sensitive > 0
                    || self.classed.iter().any(|(_, c)| matches!(c, Class::Personal | Class::Sensitive))
            }
            Class::Sensitive => b.sensitive > 0 || self.classed.iter().any(|(_, c)| *c == Class::Sensitive),
            other => self.classed.iter().any(|(_, c)| *c == other),
        }
    }
    fn with_class(&self, pred: impl Fn(Class) -> bool) -> Vec<&str> {
        self.classed.iter().filter(|(_, c)| pred(*c)).map(|(n, _)| *n).collect()
    }
    fn markers(&self) -> Vec<&str> {
        self.with_class(|c| c >= Class::ImportantCandidate)
    }
    fn candidates(&self) -> Vec<&str> {
        self.with_class(|c| c == Class::ImportantCandidate)
    }
    fn listed(&self) -> Vec<&str> {
        self.markers().into_iter().filter(|m| self.f.catalogue.contains(*m)).collect()
    }
    fn unlisted(&self) -> Vec<&str> {
        self.candidates().into_iter().filter(|m| !self.f.catalogue.contains(*m)).collect()
    }
    /// Declared list scenarios of the declared sector, as `name (id)`.
    fn list_scenarios(&self) -> Vec<String> {
        self.f
            .list_scenarios
            .iter()
            .filter_map(|id| self.policy.list_scenario(id))
            .filter(|s| self.f.sector.as_deref() == Some(s.sector.as_str()))
            .map(|s| format!("{} ({})", s.name, s.id))
            .collect()
    }
}

/// What made a condition hold, for the detail.
#[derive(Debug, Default)]
struct Explain {
    parts: Vec<String>,
    counts: Vec<String>,
    matched: BTreeSet<String>,
}

impl Explain {
    fn merge(&mut self, o: Explain) {
        self.parts.extend(o.parts);
        self.counts.extend(o.counts);
        self.matched.extend(o.matched);
    }
}

fn class_words(c: Class) -> &'static str {
    match c {
        Class::NotPersonal => "non-personal identifiers",
        Class::Personal => "personal information",
        Class::Sensitive => "sensitive personal information",
        Class::ImportantCandidate => "important-data candidates",
        Class::Core => "core data",
    }
}

fn list(v: &[&str]) -> String {
    v.join(", ")
}

/// Does `w` hold? Fills `ex` with what made it hold.
fn check(w: &When, v: &View, ex: &mut Explain) -> bool {
    let f = v.f;
    if let Some(b) = w.ciio {
        if f.ciio != b {
            return false;
        }
        ex.parts.push(if b { "CIIO (--ciio)".into() } else { "not a CIIO (no --ciio)".into() });
    }
    if let Some(b) = w.zone_registered {
        if f.zone_registered != b {
            return false;
        }
        ex.parts.push(if b {
            "registered in the zone (--zone-registered)".into()
        } else {
            "not registered in the zone (no --zone-registered)".into()
        });
    }
    if let Some(s) = &w.sector {
        match &f.sector {
            Some(x) if s.contains(x) => ex.parts.push(format!("sector {x} (--sector)")),
            _ => return false,
        }
    }
    if let Some(s) = &w.sector_not {
        match &f.sector {
            Some(x) if !s.contains(x) => ex.parts.push(format!("sector {x} (--sector; not {})", s.join(", "))),
            _ => return false,
        }
    }
    if let Some(s) = &w.scenario {
        let hit: Vec<&str> = s.iter().filter(|x| f.scenarios.contains(x)).map(|x| x.as_str()).collect();
        if hit.is_empty() {
            return false;
        }
        ex.parts.push(format!("scenario {} declared (--scenario)", hit.join(", ")));
    }
    if let Some(b) = w.list_scenario {
        let declared = v.list_scenarios();
        if declared.is_empty() == b {
            return false;
        }
        ex.parts.push(if b {
            format!("listed business scenario {} declared (--scenario)", declared.join(", "))
        } else {
            "no business scenario of the list declared".into()
        });
    }
    if let Some(cs) = &w.has {
        let hit: Vec<Class> = cs.iter().copied().filter(|c| v.present(*c)).collect();
        if hit.is_empty() {
            return false;
        }
        ex.parts.push(format!("holds {}", hit.iter().map(|c| class_words(*c)).collect::<Vec<_>>().join(", ")));
    }
    if let Some(cs) = &w.lacks {
        if cs.iter().any(|c| v.present(*c)) {
            return false;
        }
        ex.parts.push(format!("no {}", cs.iter().map(|c| class_words(*c)).collect::<Vec<_>>().join(", no ")));
    }
    if let Some(cats) = &w.category {
        let hit: Vec<&str> = cats.iter().map(String::as_str).filter(|c| f.categories.contains(*c)).collect();
        if hit.is_empty() {
            return false;
        }
        ex.parts.push(format!("{} found", list(&hit)));
        ex.matched.extend(hit.iter().map(|s| s.to_string()));
    }
    if let Some(p) = &w.marker_prefix {
        let hit: Vec<&str> = f.categories.iter().map(String::as_str).filter(|c| c.starts_with(p.as_str())).collect();
        if hit.is_empty() {
            return false;
        }
        ex.parts.push(format!("{} found", list(&hit)));
        ex.matched.extend(hit.iter().map(|s| s.to_string()));
    }
    if let Some(b) = w.important_candidate {
        let c = v.candidates();
        if c.is_empty() == b {
            return false;
        }
        if b {
            ex.parts.push(format!("important-data candidates {}", list(&c)));
            ex.matched.extend(c.iter().map(|s| s.to_string()));
        } else {
            ex.parts.push("no important-data candidate".into());
        }
    }
    if let Some(b) = w.catalogue_listed {
        let hit = if b { v.listed() } else { v.unlisted() };
        if hit.is_empty() {
            return false;
        }
        let what = if b { "listed in the catalogue" } else { "not in the catalogue" };
        ex.parts.push(format!("{what}: {}", list(&hit)));
        ex.matched.extend(hit.iter().map(|s| s.to_string()));
    }
    let counts = w.counts();
    let mut i = 0;
    while i < counts.len() {
        let m = counts[i].0;
        let value = f.persons_ytd.metric(m);
        let mut bounds = Vec::new();
        while i < counts.len() && counts[i].0 == m {
            let (_, cmp, b) = counts[i];
            if !cmp.holds(value, b) {
                return false;
            }
            bounds.push(format!("{} {b}", cmp.symbol()));
            i += 1;
        }
        let text = format!("{value} {} {}", m.label(), bounds.join(" and "));
        ex.parts.push(text.clone());
        ex.counts.push(text);
    }
    if let Some(cp) = &w.category_persons {
        let (cmp, bound) = match (cp.gte, cp.gt) {
            (Some(b), _) => (Cmp::Gte, b),
            (None, Some(b)) => (Cmp::Gt, b),
            (None, None) => return false,
        };
        let hit: Vec<String> = cp
            .categories
            .iter()
            .filter_map(|c| {
                let n = f.persons_ytd.by_category.get(c).copied().unwrap_or(0);
                cmp.holds(n, bound).then(|| {
                    ex.matched.insert(c.clone());
                    format!("{n} persons with {c} {} {bound}", cmp.symbol())
                })
            })
            .collect();
        if hit.is_empty() {
            return false;
        }
        ex.parts.extend(hit.iter().cloned());
        ex.counts.extend(hit);
    }
    if let Some(any) = &w.any {
        let mut found = None;
        for sub in any {
            let mut e = Explain::default();
            if check(sub, v, &mut e) {
                found = Some(e);
                break;
            }
        }
        match found {
            Some(e) => ex.merge(e),
            None => return false,
        }
    }
    if let Some(n) = &w.not {
        if check(n, v, &mut Explain::default()) {
            return false;
        }
        ex.parts.push(format!("not ({})", n.describe()));
    }
    true
}

/// Which persons the counts cover.
fn window(f: &Facts) -> &'static str {
    if f.ytd_from_ledger {
        "counted since 1 January from the ledger"
    } else {
        "this export only: no ledger, so earlier transfers this year were not counted"
    }
}

fn render(rule: &Rule, ex: &Explain, v: &View) -> String {
    let f = v.f;
    let or_none = |s: String| if s.is_empty() { "none".to_string() } else { s };
    rule.detail.render(|name| match name {
        "conditions" => ex.parts.join(", "),
        "counts" => ex.counts.join(", "),
        "matched" => or_none(ex.matched.iter().cloned().collect::<Vec<_>>().join(", ")),
        "markers" => or_none(list(&v.markers())),
        "listed" => or_none(list(&v.listed())),
        "unlisted" => or_none(list(&v.unlisted())),
        "categories" => or_none(f.categories.iter().cloned().collect::<Vec<_>>().join(", ")),
        "personal" => f.persons_ytd.personal.to_string(),
        "sensitive" => f.persons_ytd.sensitive.to_string(),
        "personal_only" => f.persons_ytd.personal_only().to_string(),
        "personal_batch" => f.persons_batch.personal.to_string(),
        "sensitive_batch" => f.persons_batch.sensitive.to_string(),
        "scenarios" => or_none(
            f.scenarios
                .iter()
                .map(|s| s.as_str().to_string())
                .chain(f.list_scenarios.iter().cloned())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        "list_scenarios" => or_none(v.list_scenarios().join(", ")),
        "window" => window(f).to_string(),
        "sector" => f.sector.clone().unwrap_or_else(|| "none".into()),
        // Template::parse admits only the names above.
        other => format!("{{{other}}}"),
    })
}

/// Evaluate `policy` on `facts`.
pub fn evaluate(policy: &Policy, facts: &Facts) -> Verdict {
    let classes = policy.classes_for(facts.sector.as_deref());
    let view = View {
        f: facts,
        policy,
        classed: facts.categories.iter().map(|c| (c.as_str(), classes.class_of(c))).collect(),
    };
    let matched: Vec<(&Rule, Explain)> = policy
        .rules
        .iter()
        .filter_map(|r| {
            let mut ex = Explain::default();
            check(&r.spec.when, &view, &mut ex).then_some((r, ex))
        })
        .collect();

    // Exemptions: only confirmed rules lower anything, and never a ban.
    let mut exempted_by: BTreeMap<&str, &str> = BTreeMap::new();
    for (r, _) in &matched {
        if r.spec.confirmed {
            for g in &r.spec.exempts {
                exempted_by.entry(g.as_str()).or_insert(r.spec.id.as_str());
            }
        }
    }
    let suppressor = |r: &Rule| -> Option<&str> {
        if r.spec.verdict == RuleVerdict::Prohibited {
            return None;
        }
        r.spec.groups.iter().find_map(|g| exempted_by.get(g.as_str()).copied())
    };
    let mut exempted: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (r, _) in &matched {
        if let Some(by) = suppressor(r) {
            exempted.entry(by).or_default().push(r.spec.id.as_str());
        }
    }

    let mut level: Option<Level> = None;
    let mut regimes: Vec<String> = Vec::new();
    let mut reasons: Vec<(Option<Level>, Reason)> = Vec::new();
    for (r, ex) in &matched {
        if suppressor(r).is_some() {
            continue;
        }
        let rl = r.spec.verdict.level();
        let mut detail = render(r, ex, &view);
        if !ex.counts.is_empty() && !r.spec.detail.contains("{window}") {
            detail.push_str(&format!(" ({})", window(facts)));
        }
        match rl {
            Some(l) if r.spec.confirmed || l > Level::Allow => level = level.max(Some(l)),
            Some(_) => detail.push_str(" (unconfirmed: does not lower the verdict)"),
            None if r.spec.verdict == RuleVerdict::SeparateRegime => {
                let regime = r.spec.regime.clone().unwrap_or_default();
                if !regimes.contains(&regime) {
                    regimes.push(regime);
                }
            }
            None => {}
        }
        if let Some(ids) = exempted.get(r.spec.id.as_str()) {
            detail.push_str(&format!(" (exempts {})", ids.join(", ")));
        }
        reasons.push((
            rl,
            Reason {
                rule: r.spec.id.clone(),
                verdict: r.spec.verdict.as_str().to_string(),
                cite: r.cite.clone(),
                cite_zh: r.cite_zh.clone(),
                detail,
                confirmed: r.spec.confirmed,
            },
        ));
    }
    let level = match level {
        Some(l) => l,
        None => {
            reasons.push((
                Some(Level::NeedsReview),
                Reason {
                    rule: "no_decision".into(),
                    verdict: Level::NeedsReview.as_str().into(),
                    cite: format!("policy {}", policy.id),
                    cite_zh: format!("策略 {}", policy.id),
                    detail: "no confirmed rule of the policy decides this export: a person must review it".into(),
                    confirmed: true,
                },
            ));
            Level::NeedsReview
        }
    };
    // Highest first; separate regimes after the levels; policy order otherwise (stable).
    reasons.sort_by_key(|r| std::cmp::Reverse(r.0));
    Verdict {
        level,
        policy: policy.id.clone(),
        policy_version: policy.version.clone(),
        reasons: reasons.into_iter().map(|(_, r)| r).collect(),
        separate_regime: (!regimes.is_empty()).then(|| regimes.join(", ")),
    }
}

#[cfg(test)]
#[path = "eval_tests.rs"]
mod tests;
