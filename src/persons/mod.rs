//! Persons: identifiers that name one natural person ("person keys") are normalised, hashed with
//! a keyed BLAKE3 hash, and linked with union-find — keys in one row are one person, rows sharing
//! a key are one person, across columns, batches and files. Keys found in free text name a person
//! too but are never linked to the row's owner.

mod keys;
mod sketch;
mod union_find;

pub use keys::{hash_key, normal_form, normalise_as, normalise_key, random_key, CategoryHasher, KeyHasher, KeyKind};
pub use sketch::{Estimate, PersonSketch, SketchCounts};
pub use union_find::{PersonCounts, PersonSet};

/// Flag bit for "this key's person is a minor" (above the category bits).
pub const MINOR_BIT: u64 = 1 << 63;
/// Flag bit for "this person owns a row" (as opposed to being only named in free text).
pub const OWNER_BIT: u64 = 1 << 62;
/// Bits left for categories.
pub const CATEGORY_BITS: usize = 62;

/// How persons are counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PersonsMode {
    /// Every key kept and linked: exact counts, about 47 bytes per distinct key.
    #[default]
    Exact,
    /// HyperLogLog estimates in bounded memory; rows are not linked (see [`PersonSketch`]).
    Sketch,
    /// No counting (benchmarks: the cost of counting and linking).
    Off,
}

impl std::str::FromStr for PersonsMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "exact" => Ok(PersonsMode::Exact),
            "sketch" | "approximate" => Ok(PersonsMode::Sketch),
            "off" => Ok(PersonsMode::Off),
            _ => Err(format!("{s:?}: expected exact or sketch")),
        }
    }
}

/// The rank of a key that names a person only when nothing better is in the row
/// (`fallback_key`: licence plates, VINs, membership numbers); below every [`key_rank`].
pub const FALLBACK_RANK: u8 = u8::MAX;

/// Which key of a row stands for its person in sketch mode: the lowest rank wins (document
/// numbers are the most stable identifiers, then phone, e-mail, card).
pub fn key_rank(category: &str) -> u8 {
    match category {
        "resident_id" => 0,
        "residence_permit_id" => 1,
        "foreign_permanent_resident_id" => 2,
        "passport" => 3,
        "hk_macau_permit" | "mainland_travel_permit" => 4,
        "phone" => 5,
        "email" => 6,
        "bank_card" => 7,
        _ => 8,
    }
}
