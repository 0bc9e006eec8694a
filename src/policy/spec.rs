//! The policy file, `policies/<id>.toml`: parsing, validation and `extends` resolution.
//!
//! A policy is data: metadata, the documents it cites, a category → class table, and rules. A
//! rule is a typed condition (`when`), a verdict, a citation, a detail template and a
//! `confirmed` flag. Conditions are a closed vocabulary of keys, all of which must hold; `any`
//! and `not` combine them — there is no expression language to parse or to get wrong. The full
//! vocabulary is documented in `policies/README.md`.
//!
//! Unknown keys, verdicts, classes, scenarios, sectors, categories, documents, groups and
//! placeholders are errors that name the file and the key, so a typo never silently disables a
//! rule. `extends` chains are resolved here; a cycle is an error naming the chain.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::classes::{is_marker, Class, Classes, CATEGORIES};
use super::level::{names, Level, RuleVerdict, Scenario, SECTORS};
use super::template::Template;
use super::when::{check_when_names, check_when_shape, unknown_category};
pub use super::when::{CategoryPersons, Cmp, Metric, When};
use crate::error::{Error, Result};

/// A policy file as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// Must equal the file stem; lowercase letters, digits and `-`.
    pub id: String,
    pub title: String,
    pub version: String,
    /// Where the rules apply (`CN`, `CN-BJ`…).
    pub jurisdiction: String,
    /// Id of the policy this one builds on: its documents, classes and rules are inherited; a
    /// rule with the id of an inherited one replaces it in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What a reader must know that no rule says (unconfirmed texts, limits).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// What changed in each version, rule by rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changelog: Vec<Change>,
    /// Category ids beyond DESIGN.md's that this policy names (a user's own detectors).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Sectors beyond the built-in list that this policy (and `--sector`) may name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sectors: Vec<String>,
    /// Documents rules cite, by a short key (`provisions`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub documents: BTreeMap<String, Document>,
    /// Category → class overrides on top of GB/T 45574-2025 (and of the base policy).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub classes: BTreeMap<String, Class>,
    /// Category → class overrides that apply when the operator declares a sector
    /// (`[sector_classes.automotive]`: the 2021 automotive provisions' sensitive PI).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sector_classes: BTreeMap<String, BTreeMap<String, Class>>,
    /// The business scenarios of a free-trade-zone negative list (Provisions Art. 6) that the
    /// operator may declare with `--scenario`; a scenario of an inherited policy with the same id
    /// is replaced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub list_scenarios: Vec<ListScenario>,
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
}

/// One entry of a policy's changelog.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// The policy version that made the change.
    pub version: String,
    /// The rule (or table key) changed.
    pub rule: String,
    pub change: String,
}

/// A business scenario of a negative list: inside its sector and this scenario, data matching no
/// row of the list needs no procedure, and data matching a row takes the row's procedure.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ListScenario {
    /// What `--scenario` names: lowercase letters, digits and `_`, distinct from the national
    /// scenarios (`contract`, `hr`, `emergency`, `returned`).
    pub id: String,
    /// The scenario's name in the list (Chinese).
    pub name: String,
    /// The list sector it belongs to; `--sector` must declare it.
    pub sector: String,
    /// Ids of the rules that encode the list rows applying in this scenario.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<String>,
    /// `false` when the scenario's existence or name is not confirmed by a source.
    pub confirmed: bool,
    /// Where the scenario is named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A cited document.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// Full title (original and English).
    pub title: String,
    /// How citations name it: `Provisions` → "Provisions Art. 7(2)".
    pub short: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_force: Option<String>,
}

/// One rule as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Lowercase letters, digits and `_`; unique in the policy.
    pub id: String,
    pub when: When,
    pub verdict: RuleVerdict,
    pub cite: Cite,
    /// Template of the reason's detail (see `template::PLACEHOLDERS`).
    #[serde(default = "default_detail")]
    pub detail: String,
    /// `false` when the rule rests on a text or reading that is not confirmed: such a rule may
    /// raise a verdict but never makes it `allow` and never exempts another rule.
    pub confirmed: bool,
    /// Groups the rule belongs to, for `exempts` (`pi_volume`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// When this rule matches (and is confirmed), the rules of these groups do not apply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exempts: Vec<String>,
    /// The regime a `separate_regime` rule names (`human_genetic_resources`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regime: Option<String>,
    /// Why the rule reads the text the way it does; shown by `policy show`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn default_detail() -> String {
    "{conditions}".into()
}

/// A citation: a document key of `[documents]` and the article.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Cite {
    pub document: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
}

fn is_id(s: &str, sep: u8) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == sep)
}

impl PolicySpec {
    /// Parse and check what one file can be checked for alone; `path` names the file in errors.
    pub fn parse(path: &str, text: &str) -> Result<PolicySpec> {
        let spec: PolicySpec = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
        let err = |m: String| Error::config(path, m);
        let stem = std::path::Path::new(path).file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if !is_id(&spec.id, b'-') {
            return Err(err(format!("key `id`: {:?} must be lowercase letters, digits and `-`", spec.id)));
        }
        if spec.id != stem {
            return Err(err(format!("key `id`: {:?} does not match the file name {stem:?}", spec.id)));
        }
        for k in spec.documents.keys() {
            if !is_id(k, b'_') {
                return Err(err(format!("key `documents.{k}`: keys are lowercase letters, digits and `_`")));
            }
        }
        for s in &spec.sectors {
            if !is_id(s, b'_') {
                return Err(err(format!("key `sectors`: {s:?} must be lowercase letters, digits and `_`")));
            }
        }
        for c in &spec.categories {
            if !is_id(c, b'_') && !is_marker(c) {
                return Err(err(format!("key `categories`: {c:?} must be a snake_case id or a marker")));
            }
        }
        let mut ids = BTreeSet::new();
        for (i, sc) in spec.list_scenarios.iter().enumerate() {
            let at = |m: String| err(format!("list_scenarios[{i}] `{}`: {m}", sc.id));
            if !is_id(&sc.id, b'_') {
                return Err(at("key `id`: must be lowercase letters, digits and `_`".into()));
            }
            if sc.id.parse::<Scenario>().is_ok() {
                return Err(at("key `id`: a national scenario has this id".into()));
            }
            if !ids.insert(sc.id.as_str()) {
                return Err(at("key `id`: a scenario with this id comes earlier in the file".into()));
            }
        }
        let mut seen = BTreeSet::new();
        for (i, r) in spec.rules.iter().enumerate() {
            let at = |m: String| err(format!("rules[{i}] `{}`: {m}", r.id));
            if !is_id(&r.id, b'_') {
                return Err(at("key `id`: must be lowercase letters, digits and `_`".into()));
            }
            if !seen.insert(r.id.as_str()) {
                return Err(at("key `id`: a rule with this id comes earlier in the file".into()));
            }
            match (r.verdict, &r.regime) {
                (RuleVerdict::SeparateRegime, None) => {
                    return Err(at("key `regime`: a `separate_regime` rule must name the regime".into()))
                }
                (v, Some(_)) if v != RuleVerdict::SeparateRegime => {
                    return Err(at("key `regime`: only a `separate_regime` rule names a regime".into()))
                }
                _ => {}
            }
            for g in r.groups.iter().chain(&r.exempts) {
                if !is_id(g, b'_') {
                    return Err(at(format!("group {g:?} must be lowercase letters, digits and `_`")));
                }
            }
            if !r.exempts.is_empty() && r.verdict.level() != Some(Level::Allow) {
                return Err(at("key `exempts`: only an `allow` rule can exempt other rules".into()));
            }
            Template::parse(&r.detail).map_err(|m| at(format!("key `detail`: {m}")))?;
            check_when_shape(&r.when, "when").map_err(at)?;
        }
        Ok(spec)
    }
}

/// A policy with its `extends` chain applied.
#[derive(Debug, Clone)]
pub struct Policy {
    pub id: String,
    pub title: String,
    pub version: String,
    pub jurisdiction: String,
    pub extends: Option<String>,
    pub description: Option<String>,
    /// Notes of the chain, base first.
    pub notes: Vec<String>,
    /// This policy's own changelog (not its bases').
    pub changelog: Vec<Change>,
    /// The file this policy came from (`policies/<id>.toml` for built-in ones).
    pub origin: String,
    /// Ids from the root base to this policy.
    pub chain: Vec<String>,
    pub documents: BTreeMap<String, Document>,
    /// The effective category → class mapping.
    pub classes: Classes,
    /// What the chain changed against GB/T 45574-2025.
    pub class_overrides: BTreeMap<String, Class>,
    /// Categories declared beyond DESIGN.md's.
    pub categories: BTreeSet<String>,
    /// Sectors `--sector` and rules may name.
    pub sectors: BTreeSet<String>,
    /// Class overrides per declared sector, applied over `classes`.
    pub sector_classes: BTreeMap<String, BTreeMap<String, Class>>,
    /// The negative list's business scenarios (`--scenario` beyond the national ones).
    pub list_scenarios: Vec<ListScenario>,
    pub rules: Vec<Rule>,
}

/// A rule ready to evaluate.
#[derive(Debug, Clone)]
pub struct Rule {
    pub spec: RuleSpec,
    pub detail: Template,
    /// "Provisions Art. 7(2)".
    pub cite: String,
    /// The citation in Chinese: "《促进和规范数据跨境流动规定》第七条第（二）项".
    pub cite_zh: String,
    /// Id of the policy that defined it.
    pub policy: String,
    /// File of that policy.
    pub origin: String,
}

impl Policy {
    /// The category → class mapping for an operator declaring `sector`: `classes` with the
    /// sector's overrides. The scanner (which persons are sensitive) and the evaluation both use
    /// it.
    pub fn classes_for(&self, sector: Option<&str>) -> Classes {
        let mut c = self.classes.clone();
        if let Some(over) = sector.and_then(|s| self.sector_classes.get(s)) {
            for (cat, class) in over {
                c.map.insert(cat.clone(), *class);
            }
        }
        c
    }

    /// The list scenario with this id.
    pub fn list_scenario(&self, id: &str) -> Option<&ListScenario> {
        self.list_scenarios.iter().find(|s| s.id == id)
    }

    /// Is this a category or marker the policy may name?
    pub fn knows_category(&self, c: &str) -> bool {
        CATEGORIES.contains(&c) || is_marker(c) || self.categories.contains(c)
    }
}

/// A parsed file and where it came from.
#[derive(Debug, Clone)]
pub struct Entry {
    pub spec: PolicySpec,
    pub origin: String,
    pub builtin: bool,
}

/// Resolve `id` among `entries`: apply the `extends` chain, then validate what needs the whole
/// chain (categories, sectors, documents, groups).
pub fn resolve(entries: &BTreeMap<String, Entry>, id: &str) -> Result<Policy> {
    let mut stack = Vec::new();
    resolve_in(entries, id, &mut stack)
}

fn resolve_in(entries: &BTreeMap<String, Entry>, id: &str, stack: &mut Vec<String>) -> Result<Policy> {
    let entry = entries.get(id).ok_or_else(|| {
        Error::Usage(format!("unknown policy {id:?}; known: {}", names(entries.keys().map(String::as_str))))
    })?;
    let spec = &entry.spec;
    let origin = entry.origin.as_str();
    stack.push(id.to_string());
    let base = match &spec.extends {
        None => None,
        Some(b) => {
            if let Some(pos) = stack.iter().position(|s| s == b) {
                let mut chain = stack[pos..].to_vec();
                chain.push(b.clone());
                return Err(Error::config(origin, format!("key `extends`: cycle {}", chain.join(" → "))));
            }
            if !entries.contains_key(b) {
                return Err(Error::config(
                    origin,
                    format!(
                        "key `extends`: unknown policy {b:?}; known: {}",
                        names(entries.keys().map(String::as_str))
                    ),
                ));
            }
            Some(resolve_in(entries, b, stack)?)
        }
    };
    stack.pop();

    let mut p = base.unwrap_or_else(|| Policy {
        id: String::new(),
        title: String::new(),
        version: String::new(),
        jurisdiction: String::new(),
        extends: None,
        description: None,
        notes: Vec::new(),
        changelog: Vec::new(),
        origin: String::new(),
        chain: Vec::new(),
        documents: BTreeMap::new(),
        classes: Classes::gb45574(),
        class_overrides: BTreeMap::new(),
        categories: BTreeSet::new(),
        sectors: SECTORS.iter().map(|s| s.to_string()).collect(),
        sector_classes: BTreeMap::new(),
        list_scenarios: Vec::new(),
        rules: Vec::new(),
    });
    p.id = spec.id.clone();
    p.title = spec.title.clone();
    p.version = spec.version.clone();
    p.jurisdiction = spec.jurisdiction.clone();
    p.extends = spec.extends.clone();
    p.description = spec.description.clone();
    p.notes.extend(spec.notes.iter().cloned());
    p.changelog = spec.changelog.clone();
    p.origin = origin.to_string();
    p.chain.push(spec.id.clone());
    p.categories.extend(spec.categories.iter().cloned());
    p.sectors.extend(spec.sectors.iter().cloned());
    for (k, d) in &spec.documents {
        p.documents.insert(k.clone(), d.clone());
    }
    for (c, class) in &spec.classes {
        if !p.knows_category(c) {
            return Err(Error::config(origin, format!("key `classes.{c}`: {}", unknown_category(c))));
        }
        p.class_overrides.insert(c.clone(), *class);
        p.classes.map.insert(c.clone(), *class);
    }
    for (sector, over) in &spec.sector_classes {
        if !p.sectors.contains(sector) {
            return Err(Error::config(
                origin,
                format!(
                    "key `sector_classes.{sector}`: unknown sector; known: {}",
                    names(p.sectors.iter().map(String::as_str))
                ),
            ));
        }
        for (c, class) in over {
            if !p.knows_category(c) {
                return Err(Error::config(
                    origin,
                    format!("key `sector_classes.{sector}.{c}`: {}", unknown_category(c)),
                ));
            }
            p.sector_classes.entry(sector.clone()).or_default().insert(c.clone(), *class);
        }
    }
    for (i, r) in spec.rules.iter().enumerate() {
        let at = |m: String| Error::config(origin, format!("rules[{i}] `{}`: {m}", r.id));
        let doc = p.documents.get(&r.cite.document).ok_or_else(|| {
            at(format!(
                "key `cite.document`: unknown document {:?}; known: {}",
                r.cite.document,
                names(p.documents.keys().map(String::as_str))
            ))
        })?;
        check_when_names(&p, &r.when, "when").map_err(at)?;
        let cite = match &r.cite.article {
            Some(a) => format!("{} {a}", doc.short),
            None => doc.short.clone(),
        };
        let cite_zh = super::cite_zh::cite_zh(&doc.title, &doc.short, r.cite.article.as_deref());
        let rule = Rule {
            detail: Template::parse(&r.detail).map_err(|m| at(format!("key `detail`: {m}")))?,
            spec: r.clone(),
            cite,
            cite_zh,
            policy: spec.id.clone(),
            origin: origin.to_string(),
        };
        match p.rules.iter().position(|x| x.spec.id == r.id) {
            Some(j) => p.rules[j] = rule,
            None => p.rules.push(rule),
        }
    }
    for (i, sc) in spec.list_scenarios.iter().enumerate() {
        let at = |m: String| Error::config(origin, format!("list_scenarios[{i}] `{}`: {m}", sc.id));
        if !p.sectors.contains(&sc.sector) {
            return Err(at(format!(
                "key `sector`: unknown sector {:?}; known: {}",
                sc.sector,
                names(p.sectors.iter().map(String::as_str))
            )));
        }
        for row in &sc.rows {
            if !p.rules.iter().any(|r| &r.spec.id == row) {
                return Err(at(format!("key `rows`: no rule {row:?} in the policy or its bases")));
            }
        }
        match p.list_scenarios.iter().position(|x| x.id == sc.id) {
            Some(j) => p.list_scenarios[j] = sc.clone(),
            None => p.list_scenarios.push(sc.clone()),
        }
    }
    check_groups(&p)?;
    if p.rules.is_empty() {
        return Err(Error::config(origin, "key `rules`: a policy needs at least one rule (its own or inherited)"));
    }
    Ok(p)
}

/// Every exempted group exists, no rule exempts its own group, and a `prohibited` rule is never
/// in an exempted group: an exemption covers procedures, never a ban.
fn check_groups(p: &Policy) -> Result<()> {
    let groups: BTreeSet<&str> = p.rules.iter().flat_map(|r| r.spec.groups.iter().map(String::as_str)).collect();
    for r in &p.rules {
        let at = |m: String| Error::config(&r.origin, format!("rule `{}`: key `exempts`: {m}", r.spec.id));
        for g in &r.spec.exempts {
            if !groups.contains(g.as_str()) {
                return Err(at(format!("no rule is in group {g:?}; groups: {}", names(groups.iter().copied()))));
            }
            if r.spec.groups.contains(g) {
                return Err(at(format!("the rule is itself in group {g:?}")));
            }
            if let Some(x) =
                p.rules.iter().find(|x| x.spec.groups.contains(g) && x.spec.verdict == RuleVerdict::Prohibited)
            {
                return Err(at(format!(
                    "group {g:?} holds the prohibited rule `{}`: a ban cannot be exempted",
                    x.spec.id
                )));
            }
        }
    }
    Ok(())
}

/// A toml error as "line L, column C, rules[i] `id`, key `k`: message".
fn toml_error(path: &str, text: &str, e: &toml::de::Error) -> Error {
    let msg = e.message().trim().replace('\n', " ");
    let Some(span) = e.span() else {
        return Error::config(path, msg);
    };
    let start = span.start.min(text.len());
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    let mut place = format!("line {line}, column {col}");
    // Which [[rules]] entry, and its id when the entry has one.
    let headers: Vec<usize> = text
        .match_indices("[[rules]]")
        .filter(|(i, _)| text[..*i].rsplit('\n').next().is_some_and(|l| l.trim().is_empty()))
        .map(|(i, _)| i)
        .collect();
    if let Some(n) = headers.iter().rposition(|&h| h < start) {
        place.push_str(&format!(", rules[{n}]"));
        let end = headers.get(n + 1).copied().unwrap_or(text.len());
        if let Some(id) = text[headers[n]..end].lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == "id").then(|| v.trim().trim_matches('"').to_string())
        }) {
            place.push_str(&format!(" `{id}`"));
        }
    }
    // The key whose value is at fault: the last `key =` before the span on its line (the
    // message names the key itself when the key is the fault).
    let line_before = before.rsplit('\n').next().unwrap_or("");
    let names_key = ["unknown field", "missing field", "duplicate"].iter().any(|p| msg.starts_with(p));
    if let Some(eq) = line_before.rfind('=').filter(|_| !names_key).map(|i| line_before[..i].trim_end()) {
        let key: String = eq
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-' || *c == '.')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if !key.is_empty() && !msg.contains(&format!("`{key}`")) {
            place.push_str(&format!(", key `{key}`"));
        }
    }
    Error::config(path, format!("{place}: {msg}"))
}

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
