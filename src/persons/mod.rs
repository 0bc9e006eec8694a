//! Persons: identifiers that name one natural person ("person keys") are normalised, hashed with
//! a keyed BLAKE3 hash, and linked with union-find — keys in one row are one person, rows sharing
//! a key are one person, across columns, batches and files. Keys found in free text name a person
//! too but are never linked to the row's owner.

mod keys;
mod sketch;
mod union_find;

pub use keys::{hash_key, normal_form, normalise_as, random_key, CategoryHasher, KeyHasher, KeyKind};
pub use sketch::{Estimate, PersonSketch, SketchCounts};
pub use union_find::{PersonCounts, PersonSet};

/// Under this age a person is a minor whose personal information is all sensitive (PIPL
/// Art. 28, 31): judged from a resident ID's birth date on the scan's `as_of`.
pub const MINOR_AGE: i32 = 14;
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
/// (`fallback_key`: licence plates, VINs, membership numbers); below every `key_rank` of a
/// detector file.
pub const FALLBACK_RANK: u8 = u8::MAX;
