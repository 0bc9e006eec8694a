//! Whole values: the first detector, in priority order, that accepts a trimmed cell (the column
//! name's hints first), and the second category a value may also validate as.

use super::bytes::byte_classes;
use super::{Catalogue, DetectorId};

impl Catalogue {
    /// The first detector (in priority order) that accepts the whole trimmed cell.
    #[inline]
    pub fn exact(&self, cell: &str) -> Option<DetectorId> {
        let first = *cell.as_bytes().first()?;
        if cell.len() < self.by_len.rows() {
            // Dictionary detectors share one automaton test, made when the first of them is
            // reached: most cells are decided before that (the dictionaries rank low), and most
            // that are not hold no term at all.
            let mut gate: Option<bool> = None;
            return self.by_len.get(cell.len(), first).iter().copied().find(|&d| {
                if self.keyword_only[d as usize] {
                    let open = *gate.get_or_insert_with(|| {
                        self.cell_kw.as_ref().is_some_and(|kw| kw.may_decide(cell, byte_classes(cell.as_bytes())))
                    });
                    open && self.accepts(d, cell)
                } else {
                    self.accepts(d, cell)
                }
            });
        }
        // Longer than the table: the few detectors that judge long values (addresses, media).
        self.long.iter().copied().find(|&d| {
            let det = &self.detectors[d as usize];
            cell.len() <= det.max_len && det.accepts(cell, &self.ctx)
        })
    }

    /// A detector after `winner` in `cell`'s priority order that also accepts it and for which
    /// `wanted` holds (a person key where the winner gives none).
    pub fn exact_alternate(&self, cell: &str, winner: DetectorId, wanted: &[bool]) -> Option<DetectorId> {
        let first = *cell.as_bytes().first()?;
        if cell.len() >= self.by_len.rows() {
            return None;
        }
        let slot = self.by_len.get(cell.len(), first);
        let at = slot.iter().position(|&d| d == winner)?;
        let win = self.detectors[winner as usize].category();
        slot[at + 1..]
            .iter()
            .copied()
            .find(|&d| wanted[d as usize] && self.detectors[d as usize].category() != win && self.accepts(d, cell))
    }

    /// [`Detector::accepts`], by the validator alone where that decides.
    #[inline]
    pub(super) fn accepts(&self, d: DetectorId, s: &str) -> bool {
        match self.simple[d as usize] {
            Some(v) => v(s, &self.ctx),
            None => self.detectors[d as usize].accepts(s, &self.ctx),
        }
    }

    /// Like [`Catalogue::exact`], but `first` (a `header_required` detector the column name
    /// hints) is asked before the priority order: a URL under `身份证照片` is an ID-card image
    /// even though an exterior-camera detector ranks higher.
    #[inline]
    pub fn exact_first(&self, cell: &str, hinted: &[DetectorId]) -> Option<DetectorId> {
        for &d in hinted {
            let det = &self.detectors[d as usize];
            if !det.header_only && (det.min_len..=det.max_len).contains(&cell.len()) && det.accepts(cell, &self.ctx) {
                return Some(d);
            }
        }
        self.exact(cell)
    }
}
