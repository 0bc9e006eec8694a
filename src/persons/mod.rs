//! Persons: identifiers that name one natural person ("person keys") are normalised, hashed with
//! a keyed BLAKE3 hash, and linked with union-find — keys in one row are one person, rows sharing
//! a key are one person, across columns, batches and files. Keys found in free text name a person
//! too but are never linked to the row's owner.

mod keys;
mod union_find;

pub use keys::{hash_key, normalise_key, random_key, KeyHasher};
pub use union_find::{PersonCounts, PersonSet};

/// Flag bit for "this key's person is a minor" (above the category bits).
pub const MINOR_BIT: u64 = 1 << 63;
/// Flag bit for "this person owns a row" (as opposed to being only named in free text).
pub const OWNER_BIT: u64 = 1 << 62;
/// Bits left for categories.
pub const CATEGORY_BITS: usize = 62;
