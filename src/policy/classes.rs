//! Category → class. The policy owns this mapping (DESIGN.md "Categories"): the default follows
//! GB/T 45574-2025, where a bare ID-document number is personal but not sensitive; the older
//! GB/T 35273-2020 reading can be selected by a policy that lists them as sensitive.

use std::collections::BTreeMap;

/// Classes a category can have, lowest to highest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    NotPersonal,
    Personal,
    Sensitive,
    ImportantCandidate,
    Core,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::NotPersonal => "not_personal",
            Class::Personal => "personal",
            Class::Sensitive => "sensitive",
            Class::ImportantCandidate => "important_candidate",
            Class::Core => "core",
        }
    }
}

/// GB/T 45574-2025 and PIPL Art. 28: sensitive categories.
pub const SENSITIVE_GB45574: &[&str] = &[
    "bank_card",
    "biometric",
    "credit_record",
    "criminal_record",
    "financial_account",
    "genetic",
    "id_card_image",
    "medical_health",
    "minor",
    "precise_location",
    "religion",
    "specific_identity",
    "trajectory",
];

/// Categories that are not personal information at all.
pub const NOT_PERSONAL: &[&str] = &["organisation_id"];

#[derive(Debug, Clone, Default)]
pub struct Classes {
    /// Explicit mapping; categories not listed are `personal` (markers by their prefix).
    pub map: BTreeMap<String, Class>,
}

impl Classes {
    /// The GB/T 45574-2025 mapping.
    pub fn gb45574() -> Self {
        let mut map = BTreeMap::new();
        for c in SENSITIVE_GB45574 {
            map.insert(c.to_string(), Class::Sensitive);
        }
        for c in NOT_PERSONAL {
            map.insert(c.to_string(), Class::NotPersonal);
        }
        Classes { map }
    }

    pub fn class_of(&self, category: &str) -> Class {
        if let Some(c) = self.map.get(category) {
            return *c;
        }
        if category.starts_with("important:") {
            Class::ImportantCandidate
        } else if category.starts_with("core:") {
            Class::Core
        } else {
            Class::Personal
        }
    }
}
