//! Any non-empty value. Used only by header-only detectors (`header_required = true`) for
//! categories that have no value pattern at all (charging-network or vehicle-flow tables, member
//! levels): the column name decides and the values merely confirm the column is not empty. Such
//! detectors never take part in whole-cell arbitration or free-text search (see
//! `Detector::header_only`).

use super::Ctx;

#[inline]
pub fn any_value(s: &str, _: &Ctx) -> bool {
    !s.trim().is_empty()
}
