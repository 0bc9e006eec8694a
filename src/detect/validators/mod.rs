//! Validators: code that decides whether a candidate string really is an identifier (check
//! digits, real dates, valid prefixes). One validator per file; [`VALIDATORS`] is the one sorted
//! table detectors refer to by name. A validator sees a whole candidate (a trimmed cell or a
//! free-text match) and checks its shape itself, so exact-shape cells need no regex.

mod account_number;
mod address;
mod any_value;
mod biometric_template;
mod birth_date;
mod cjk;
mod classified_marking;
mod cn_region;
mod degree;
mod email;
mod foreign_permanent_id;
mod gb11643;
mod genetic;
mod hk_macau_permit;
mod icd10;
mod imei;
mod ipv4;
mod ipv6;
mod lat_lon;
mod latin_name;
mod licence_plate;
mod luhn;
mod mac;
mod mainland_travel_permit;
mod media_ref;
mod name_tables;
mod passport_cn;
mod person_name;
mod phone_cn;
mod pnr;
mod residence_permit;
mod taiwan_permit;
mod uscc;
mod vector_component;
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
    ("account_number", account_number::account_number),
    ("address", address::address),
    ("any_value", any_value::any_value),
    ("bank_card", luhn::bank_card),
    ("biometric_template", biometric_template::biometric_template),
    ("birth_date", birth_date::birth_date),
    ("classified_marking", classified_marking::classified_marking),
    ("cn_region", cn_region::cn_region),
    ("degree", degree::degree),
    ("email", email::email),
    ("foreign_permanent_id", foreign_permanent_id::foreign_permanent_id),
    ("gb11643", gb11643::resident_id),
    ("gb11643_18", gb11643::resident_id_18),
    ("gb11643_legacy", gb11643::resident_id_legacy),
    ("genetic", genetic::genetic),
    ("hk_macau_permit", hk_macau_permit::hk_macau_permit),
    ("icd10", icd10::icd10),
    ("image_ref", media_ref::image_ref),
    ("imei", imei::imei),
    ("ipv4", ipv4::ipv4),
    ("ipv6", ipv6::ipv6),
    ("lat_lon", lat_lon::lat_lon),
    ("latin_name", latin_name::latin_name),
    ("licence_plate", licence_plate::licence_plate),
    ("luhn", luhn::luhn_any),
    ("mac", mac::mac),
    ("mainland_travel_permit", mainland_travel_permit::mainland_travel_permit),
    ("media_ref", media_ref::media_ref),
    ("passport_cn", passport_cn::passport_cn),
    ("person_name", person_name::person_name),
    ("phone_cn", phone_cn::mobile),
    ("pnr", pnr::pnr),
    ("residence_permit", residence_permit::residence_permit),
    ("taiwan_permit", taiwan_permit::taiwan_permit),
    ("uscc", uscc::uscc),
    ("vector_component", vector_component::vector_component),
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
