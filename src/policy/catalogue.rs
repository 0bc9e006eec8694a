//! `--catalogue FILE`: the important-data markers a department or region has notified. Data is
//! important data only once notified (Provisions Art. 2); without a catalogue a detected marker
//! is a candidate (needs review), with one that names it the export needs a security assessment.
//!
//! Two formats. A `.toml` file:
//!
//! ```toml
//! title = "Automotive important-data catalogue"   # optional
//! notified_by = "MIIT"                             # optional
//! notified_on = "2025-06-01"                       # optional
//! markers = ["important:automotive:exterior_camera", "important:automotive:charging_network"]
//! ```
//!
//! Any other file is a plain list: one marker id per line; blank lines and `#` comments ignored.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;

use super::classes::is_marker;
use crate::error::{Error, Result};

/// The notified markers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportantCatalogue {
    pub title: Option<String>,
    pub notified_by: Option<String>,
    pub notified_on: Option<String>,
    pub markers: BTreeSet<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlCatalogue {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    notified_by: Option<String>,
    #[serde(default)]
    notified_on: Option<String>,
    markers: Vec<String>,
}

fn bad_marker(m: &str) -> String {
    format!("{m:?} is not a marker id (`important:<sector>:<marker>` or `core:<marker>`)")
}

impl ImportantCatalogue {
    pub fn load(path: &Path) -> Result<ImportantCatalogue> {
        let name = path.to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(&name, &e))?;
        ImportantCatalogue::parse(&name, &text)
    }

    /// Parse `text`; `name` names the file in errors and picks the format by its extension.
    pub fn parse(name: &str, text: &str) -> Result<ImportantCatalogue> {
        if name.ends_with(".toml") {
            let t: TomlCatalogue =
                toml::from_str(text).map_err(|e| Error::config(name, crate::detect::spec::toml_message(&e)))?;
            let mut markers = BTreeSet::new();
            for (i, m) in t.markers.iter().enumerate() {
                if !is_marker(m.trim()) {
                    return Err(Error::config(name, format!("key `markers[{i}]`: {}", bad_marker(m))));
                }
                markers.insert(m.trim().to_string());
            }
            return Ok(ImportantCatalogue {
                title: t.title,
                notified_by: t.notified_by,
                notified_on: t.notified_on,
                markers,
            });
        }
        let mut markers = BTreeSet::new();
        for (i, line) in text.lines().enumerate() {
            let m = line.split('#').next().unwrap_or("").trim().trim_start_matches('\u{feff}');
            if m.is_empty() {
                continue;
            }
            if !is_marker(m) {
                return Err(Error::config(name, format!("line {}: {}", i + 1, bad_marker(m))));
            }
            markers.insert(m.to_string());
        }
        Ok(ImportantCatalogue { markers, ..ImportantCatalogue::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_list() {
        let c = ImportantCatalogue::parse(
            "cat.txt",
            "# notified 2025\nimportant:automotive:exterior_camera\n\n  core:classified_marking  # ban\n",
        )
        .unwrap();
        assert_eq!(c.markers.len(), 2);
        assert!(c.markers.contains("important:automotive:exterior_camera"));
        let e = ImportantCatalogue::parse("cat.txt", "important:automotive:x\nexterior_camera\n").unwrap_err();
        assert!(e.to_string().starts_with("cat.txt: line 2:"), "{e}");
    }

    #[test]
    fn toml_file() {
        let c = ImportantCatalogue::parse(
            "cat.toml",
            "notified_by = \"MIIT\"\nmarkers = [\"important:automotive:exterior_camera\"]\n",
        )
        .unwrap();
        assert_eq!(c.notified_by.as_deref(), Some("MIIT"));
        assert_eq!(c.markers.len(), 1);
        let e = ImportantCatalogue::parse("cat.toml", "marker = []\n").unwrap_err().to_string();
        assert!(e.contains("cat.toml") && e.contains("marker"), "{e}");
        let e = ImportantCatalogue::parse("cat.toml", "markers = [\"bank_card\"]\n").unwrap_err().to_string();
        assert!(e.contains("key `markers[0]`"), "{e}");
    }
}
