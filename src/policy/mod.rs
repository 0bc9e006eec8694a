//! Policies: which categories are sensitive, and — with the year-to-date person counts and what
//! the operator declares — which transfer procedure the rules require.
//!
//! A policy is a file, `policies/<id>.toml` ([`spec`]), compiled into the binary ([`BUILTIN`])
//! or loaded with `--policy FILE`; [`PolicySet`] resolves `extends` chains into a [`Policy`], and
//! [`evaluate`] turns a policy and the [`Facts`] of one export into a verdict.
//!
//! ```
//! use xborder::policy::{evaluate, Facts, Level, PolicySet};
//!
//! let policy = PolicySet::builtin().unwrap().resolve("cn-national-2024").unwrap();
//! let mut facts = Facts::default();
//! facts.categories.insert("bank_card".into());
//! facts.persons_batch.personal = 1;
//! facts.persons_batch.sensitive = 1;
//! facts.persons_ytd = facts.persons_batch.clone();
//! let v = evaluate(&policy, &facts);
//! assert_eq!(v.level, Level::StandardContract);
//! assert_eq!(v.reasons[0].rule, "art8_sensitive");
//! ```

pub mod catalogue;
mod cite_zh;
pub mod classes;
pub mod eval;
pub mod level;
pub mod spec;
pub mod template;
pub mod verdict;
pub mod when;

use std::collections::BTreeMap;
use std::path::Path;

pub use catalogue::ImportantCatalogue;
pub use classes::{Class, Classes};
pub use eval::{evaluate, Facts, PersonCountsByClass};
pub use level::{Level, RuleVerdict, Scenario, SECTORS};
pub use spec::{Entry, Policy, PolicySpec, Rule, When};
pub use verdict::{Reason, Verdict};

use crate::error::{Error, Result};

/// The policy files shipped in the binary. A test fails when `policies/` and this list differ.
pub static BUILTIN: &[(&str, &str)] = &[
    ("beijing-ftz-2024.toml", include_str!("../../policies/beijing-ftz-2024.toml")),
    ("cn-national-2024.toml", include_str!("../../policies/cn-national-2024.toml")),
    ("shanghai-lingang-2024.toml", include_str!("../../policies/shanghai-lingang-2024.toml")),
    ("tianjin-ftz-2024.toml", include_str!("../../policies/tianjin-ftz-2024.toml")),
];

/// The policy `xborder scan` uses unless told otherwise.
pub const DEFAULT_POLICY: &str = "cn-national-2024";

/// Policies by id: the built-in ones and any loaded from files (a file with a built-in id
/// replaces it).
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    entries: BTreeMap<String, Entry>,
}

impl PolicySet {
    /// The built-in policies.
    pub fn builtin() -> Result<PolicySet> {
        let mut set = PolicySet::default();
        for (file, text) in BUILTIN {
            let origin = format!("policies/{file}");
            set.insert(PolicySpec::parse(&origin, text)?, origin, true);
        }
        Ok(set)
    }

    pub fn insert(&mut self, spec: PolicySpec, origin: String, builtin: bool) {
        self.entries.insert(spec.id.clone(), Entry { spec, origin, builtin });
    }

    /// Parse a policy file into the set; returns its id. Its `extends` is resolved later.
    pub fn load_file(&mut self, path: &Path) -> Result<String> {
        let name = path.to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(&name, &e))?;
        let spec = PolicySpec::parse(&name, &text)?;
        let id = spec.id.clone();
        self.insert(spec, name, false);
        Ok(id)
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.get(id)
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    /// The policy `id` with its `extends` chain applied and validated.
    pub fn resolve(&self, id: &str) -> Result<Policy> {
        spec::resolve(&self.entries, id)
    }

    /// `--policy ID|FILE`: a known id, else a file path (which joins the set).
    pub fn resolve_arg(&mut self, arg: &str) -> Result<Policy> {
        if self.entries.contains_key(arg) {
            return self.resolve(arg);
        }
        let path = Path::new(arg);
        if path.exists() || arg.ends_with(".toml") || arg.contains(std::path::MAIN_SEPARATOR) {
            let id = self.load_file(path)?;
            return self.resolve(&id);
        }
        Err(Error::Usage(format!(
            "unknown policy {arg:?}: not a built-in id ({}) and no such file",
            level::names(self.entries.keys().map(String::as_str))
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_list_matches_directory() {
        crate::test_util::assert_builtin_list("policies", BUILTIN, "src/policy/mod.rs");
    }

    #[test]
    fn every_builtin_policy_resolves() {
        let set = PolicySet::builtin().unwrap();
        for (file, _) in BUILTIN {
            let id = file.trim_end_matches(".toml");
            let p = set.resolve(id).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(p.chain.first().map(String::as_str), Some(DEFAULT_POLICY), "{id} builds on the national rules");
        }
    }

    #[test]
    fn resolve_arg_unknown() {
        let mut set = PolicySet::builtin().unwrap();
        let e = set.resolve_arg("cn-nat").unwrap_err().to_string();
        assert!(e.contains("cn-nat") && e.contains("cn-national-2024"), "{e}");
    }
}
