//! Policies: which categories are sensitive, and — with the year-to-date person counts and what
//! the operator declares — which transfer procedure the rules require.
//!
//! A policy is a file ([`spec`]) loaded into a [`PolicySet`], which resolves `extends` chains
//! into a [`Policy`].

pub mod catalogue;
pub mod classes;
pub mod level;
pub mod spec;
pub mod template;

use std::collections::BTreeMap;
use std::path::Path;

pub use catalogue::ImportantCatalogue;
pub use classes::{Class, Classes};
pub use level::{Level, RuleVerdict, Scenario, SECTORS};
pub use spec::{Entry, Policy, PolicySpec, Rule, When};

use crate::error::{Error, Result};

/// Policies by id: the built-in ones and any loaded from files (a file with a built-in id
/// replaces it).
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    entries: BTreeMap<String, Entry>,
}

impl PolicySet {
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
