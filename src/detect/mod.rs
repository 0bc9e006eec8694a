//! Detectors: declarative files (`detectors/<id>.toml`, compiled in; more with `--detectors DIR`)
//! turned into a [`Catalogue`] that decides whole cells (length table → validator) and finds
//! identifiers inside free text (one combined regex per worker → validator on each candidate).

mod bytes;
mod catalogue;
pub mod derived;
mod detector;
pub mod header;
mod judge;
pub mod keywords;
pub mod mask;
pub mod spec;
mod text_search;
pub mod validators;

pub use bytes::{byte_classes, class, ByteClasses};
pub use catalogue::{Catalogue, Worker};
pub use detector::Detector;
pub use spec::DetectorSpec;

/// The detector files shipped in the binary. A test fails when `detectors/` and this list differ.
pub static BUILTIN: &[(&str, &str)] = &[
    ("address.toml", include_str!("../../detectors/address.toml")),
    ("bank_card.toml", include_str!("../../detectors/bank_card.toml")),
    ("biometric.toml", include_str!("../../detectors/biometric.toml")),
    ("biometric_vector.toml", include_str!("../../detectors/biometric_vector.toml")),
    ("birth_date.toml", include_str!("../../detectors/birth_date.toml")),
    ("charging_network.toml", include_str!("../../detectors/charging_network.toml")),
    ("classified_marking.toml", include_str!("../../detectors/classified_marking.toml")),
    ("clinical_group.toml", include_str!("../../detectors/clinical_group.toml")),
    ("coarse_location.toml", include_str!("../../detectors/coarse_location.toml")),
    ("coordinate.toml", include_str!("../../detectors/coordinate.toml")),
    ("credit_record.toml", include_str!("../../detectors/credit_record.toml")),
    ("criminal_record.toml", include_str!("../../detectors/criminal_record.toml")),
    ("email.toml", include_str!("../../detectors/email.toml")),
    ("exterior_camera.toml", include_str!("../../detectors/exterior_camera.toml")),
    ("financial_account.toml", include_str!("../../detectors/financial_account.toml")),
    ("flight_ops.toml", include_str!("../../detectors/flight_ops.toml")),
    ("foreign_permanent_resident_id.toml", include_str!("../../detectors/foreign_permanent_resident_id.toml")),
    ("genetic.toml", include_str!("../../detectors/genetic.toml")),
    ("hk_macau_permit.toml", include_str!("../../detectors/hk_macau_permit.toml")),
    ("icd10.toml", include_str!("../../detectors/icd10.toml")),
    ("id_card_image.toml", include_str!("../../detectors/id_card_image.toml")),
    ("imei.toml", include_str!("../../detectors/imei.toml")),
    ("ipv4.toml", include_str!("../../detectors/ipv4.toml")),
    ("ipv6.toml", include_str!("../../detectors/ipv6.toml")),
    ("licence_plate.toml", include_str!("../../detectors/licence_plate.toml")),
    ("mac.toml", include_str!("../../detectors/mac.toml")),
    ("mainland_travel_permit.toml", include_str!("../../detectors/mainland_travel_permit.toml")),
    ("media_recording.toml", include_str!("../../detectors/media_recording.toml")),
    ("medical_terms.toml", include_str!("../../detectors/medical_terms.toml")),
    ("membership.toml", include_str!("../../detectors/membership.toml")),
    ("model_weights.toml", include_str!("../../detectors/model_weights.toml")),
    ("organisation_id.toml", include_str!("../../detectors/organisation_id.toml")),
    ("ota.toml", include_str!("../../detectors/ota.toml")),
    ("passport.toml", include_str!("../../detectors/passport.toml")),
    ("person_name.toml", include_str!("../../detectors/person_name.toml")),
    ("person_name_latin.toml", include_str!("../../detectors/person_name_latin.toml")),
    ("pharma_genetic.toml", include_str!("../../detectors/pharma_genetic.toml")),
    ("phone.toml", include_str!("../../detectors/phone.toml")),
    ("pnr.toml", include_str!("../../detectors/pnr.toml")),
    ("precise_location.toml", include_str!("../../detectors/precise_location.toml")),
    ("religion.toml", include_str!("../../detectors/religion.toml")),
    ("residence_permit_id.toml", include_str!("../../detectors/residence_permit_id.toml")),
    ("resident_id.toml", include_str!("../../detectors/resident_id.toml")),
    ("resident_id_legacy.toml", include_str!("../../detectors/resident_id_legacy.toml")),
    ("source_code.toml", include_str!("../../detectors/source_code.toml")),
    ("specific_identity.toml", include_str!("../../detectors/specific_identity.toml")),
    ("survey_coordinates.toml", include_str!("../../detectors/survey_coordinates.toml")),
    ("taiwan_permit.toml", include_str!("../../detectors/taiwan_permit.toml")),
    ("training_data.toml", include_str!("../../detectors/training_data.toml")),
    ("vehicle_flow.toml", include_str!("../../detectors/vehicle_flow.toml")),
    ("vin.toml", include_str!("../../detectors/vin.toml")),
];

/// Longest cell (bytes, trimmed) decided as a whole; longer cells are free text.
pub const MAX_EXACT_LEN: usize = 64;

/// Index of a detector in its catalogue.
pub type DetectorId = u16;

/// Run every detector's `match` / `no_match` examples; returns the failures.
pub fn check_examples(cat: &Catalogue) -> Vec<String> {
    let mut failures = Vec::new();
    for d in &cat.detectors {
        for m in &d.spec.examples.matches {
            if !d.accepts(m.trim(), &cat.ctx) {
                failures.push(format!("{} ({}): example {:?} should match", d.id(), d.origin, m));
            }
        }
        for m in &d.spec.examples.no_match {
            if d.accepts(m.trim(), &cat.ctx) {
                failures.push(format!("{} ({}): example {:?} should not match", d.id(), d.origin, m));
            }
        }
    }
    failures
}

#[cfg(test)]
mod tests;
