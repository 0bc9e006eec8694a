//! Validators: code that decides whether a candidate string really is an identifier (check
//! digits, real dates, valid prefixes). One validator per file; [`VALIDATORS`] is the one sorted
//! table detectors refer to by name. A validator sees a whole candidate (a trimmed cell or a
//! free-text match) and checks its shape itself, so exact-shape cells need no regex.

mod email;
mod gb11643;
mod luhn;
mod phone_cn;

use crate::time::Date;

/// What validators may depend on besides the candidate.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    /// "Today" (`--as-of`): dates of birth after it are invalid.
    pub today: Date,
}

/// A validator function.
pub type ValidateFn = fn(&str, &Ctx) -> bool;

/// Every validator, sorted by name (a test keeps it sorted).
pub static VALIDATORS: &[(&str, ValidateFn)] = &[
    ("bank_card", luhn::bank_card),
    ("email", email::email),
    ("gb11643", gb11643::resident_id),
    ("luhn", luhn::luhn_any),
    ("phone_cn", phone_cn::mobile),
];

/// Look a validator up by name.
pub fn find(name: &str) -> Option<ValidateFn> {
    VALIDATORS.binary_search_by(|(n, _)| n.cmp(&name)).ok().map(|i| VALIDATORS[i].1)
}

pub use gb11643::birth_date as resident_id_birth_date;
pub use gb11643::check_char as gb11643_check_char;
pub use luhn::luhn_ok;
pub use phone_cn::normalise as normalise_mobile;

#[cfg(test)]
mod tests {
    #[test]
    fn table_is_sorted_and_unique() {
        let names: Vec<&str> = super::VALIDATORS.iter().map(|(n, _)| *n).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names, sorted);
    }
}
