//! Validators: code that decides whether a candidate string really is an identifier (check
//! digits, real dates, valid prefixes). One validator per file; [`VALIDATORS`] is the one sorted
//! table detectors refer to by name. A validator sees a whole candidate (a trimmed cell or a
//! free-text match) and checks its shape itself, so exact-shape cells need no regex.

mod birth_date;
mod email;
mod foreign_permanent_id;
mod gb11643;
mod hk_macau_permit;
mod imei;
mod ipv4;
mod ipv6;
mod lat_lon;
mod licence_plate;
mod luhn;
mod mac;
mod mainland_travel_permit;
mod passport_cn;
mod phone_cn;
mod residence_permit;
mod taiwan_permit;
mod uscc;
mod vin;

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
    ("birth_date", birth_date::birth_date),
    ("email", email::email),
    ("foreign_permanent_id", foreign_permanent_id::foreign_permanent_id),
    ("gb11643", gb11643::resident_id),
    ("hk_macau_permit", hk_macau_permit::hk_macau_permit),
    ("imei", imei::imei),
    ("ipv4", ipv4::ipv4),
    ("ipv6", ipv6::ipv6),
    ("lat_lon", lat_lon::lat_lon),
    ("licence_plate", licence_plate::licence_plate),
    ("luhn", luhn::luhn_any),
    ("mac", mac::mac),
    ("mainland_travel_permit", mainland_travel_permit::mainland_travel_permit),
    ("passport_cn", passport_cn::passport_cn),
    ("phone_cn", phone_cn::mobile),
    ("residence_permit", residence_permit::residence_permit),
    ("taiwan_permit", taiwan_permit::taiwan_permit),
    ("uscc", uscc::uscc),
    ("vin", vin::vin),
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
