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

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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

/// The stable category ids of DESIGN.md "Categories" (markers aside: see [`is_marker`]). A policy
/// naming anything else must declare it in its `categories` key, so a typo is an error.
pub const CATEGORIES: &[&str] = &[
    "address",
    "bank_card",
    "biometric",
    "birth_date",
    "coarse_location",
    "credit_record",
    "criminal_record",
    "device_id",
    "email",
    "financial_account",
    "foreign_permanent_resident_id",
    "genetic",
    "hk_macau_permit",
    "id_card_image",
    "ip_address",
    "licence_plate",
    "mainland_travel_permit",
    "media_recording",
    "medical_health",
    "membership_id",
    "minor",
    "organisation_id",
    "passport",
    "person_name",
    "phone",
    "precise_location",
    "religion",
    "residence_permit_id",
    "resident_id",
    "specific_identity",
    "taiwan_permit",
    "trajectory",
    "vin",
];

/// An important-data or core marker id: `important:<sector>:<marker>` or `core:<marker>`, each
/// part lowercase ASCII letters, digits and `_`.
pub fn is_marker(s: &str) -> bool {
    let part = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    let parts: Vec<&str> = s.split(':').collect();
    match parts.as_slice() {
        ["important", sector, marker] => part(sector) && part(marker),
        ["core", marker] => part(marker),
        _ => false,
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        assert!(is_marker("important:automotive:exterior_camera"));
        assert!(is_marker("core:classified_marking"));
        assert!(!is_marker("important:automotive"));
        assert!(!is_marker("core:"));
        assert!(!is_marker("core:a:b"));
        assert!(!is_marker("important:Auto:x"));
        assert!(!is_marker("bank_card"));
    }

    #[test]
    fn known_categories_are_sorted_and_cover_the_default_mapping() {
        assert!(CATEGORIES.windows(2).all(|w| w[0] < w[1]));
        for c in SENSITIVE_GB45574.iter().chain(NOT_PERSONAL) {
            assert!(CATEGORIES.contains(c), "{c}");
        }
    }
}
