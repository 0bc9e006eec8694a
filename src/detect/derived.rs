//! Categories a column gets from what it *is* rather than from one value: header-only detectors
//! (validator `any_value`, for categories with no value pattern: the column name decides, the
//! values only confirm the column is not empty) and trajectories (precise points inside a list:
//! several points of one row, i.e. of one person or vehicle, form a whereabouts trajectory —
//! GB/T 45574-2025 "行踪轨迹"). `minor` is derived elsewhere, from resident-ID birth dates.

use super::header::{hint_matches, words};
use super::{Catalogue, DetectorId};

/// Categories of header-only detectors the column name hints, in catalogue order.
pub fn header_only_categories<'c>(cat: &'c Catalogue, hints: &[DetectorId]) -> Vec<&'c str> {
    let mut out: Vec<&str> = Vec::new();
    for &d in hints {
        let det = cat.get(d);
        if det.header_only && !out.contains(&det.category()) {
            out.push(det.category());
        }
    }
    out
}

/// A leaf inside a list (`trips[].lat`, `track[]`): its values are many points of one row.
pub fn in_list(path: &str) -> bool {
    path.contains("[]")
}

/// Categories to add to a column's findings: `trajectory` for precise points inside a list.
pub fn trajectory(path: &str, categories: &[String]) -> bool {
    in_list(path) && categories.iter().any(|c| c == "precise_location") && !categories.iter().any(|c| c == "trajectory")
}

/// Detectors marked `file_hint` (exterior-camera media) whose hints the input's file name
/// matches (`exterior_camera_frames.csv`, `外部摄像头_0601.parquet`): in that file a column
/// of matching values holds the marker even when its own name (`url`, `path`) says nothing.
/// Header-only markers are left out: a file name cannot say which of its columns is which.
pub fn file_hints(cat: &Catalogue, input: &str) -> Vec<DetectorId> {
    let base = input.rsplit(['/', '\\']).next().unwrap_or(input);
    let stem = base.split('.').next().unwrap_or(base);
    let w = words(stem);
    (0..cat.len())
        .filter(|&d| {
            let det = cat.get(d as DetectorId);
            det.spec.file_hint
                && det.header_required
                && !det.header_only
                && det.spec.header_hints.iter().any(|h| hint_matches(h, stem, &w))
        })
        .map(|d| d as DetectorId)
        .collect()
}
