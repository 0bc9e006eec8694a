//! Identifiers inside free text: one combined regex pass per cell (or per batch of cells), each
//! candidate validated, and dictionary terms found alongside.

use super::catalogue::TEXT_LONG;
use super::{Catalogue, DetectorId, Worker};

impl Catalogue {
    /// Calls `f(detector, matched text)` for every validated identifier inside `cell`.
    /// [`Catalogue::validate_text`] of `text[s..e]`, found inside `text`: a detector with
    /// `clean_edges` also needs the match not to be a piece of a longer token.
    #[inline]
    fn validate_at(&self, text: &str, s: usize, e: usize) -> Option<DetectorId> {
        let d = self.validate_text(&text[s..e])?;
        (!self.detectors[d as usize].spec.clean_edges || clean_edges(text.as_bytes(), s, e)).then_some(d)
    }

    pub fn find_in_text<'a>(&self, w: &mut Worker, cell: &'a str, mut f: impl FnMut(DetectorId, &'a str)) {
        if let Some(re) = &w.text_re {
            for m in re.find_iter(cell) {
                if let Some(d) = self.validate_at(cell, m.start(), m.end()) {
                    f(d, m.as_str());
                }
            }
        }
        if let Some(k) = &self.text_kw {
            k.find(cell, |d, s, e| f(d, &cell[s..e]));
        }
    }

    /// The first free-text detector (priority order) whose validator accepts a regex match.
    #[inline]
    pub fn validate_text(&self, s: &str) -> Option<DetectorId> {
        let first = *s.as_bytes().first()?;
        self.text_by_len.get(s.len().min(TEXT_LONG), first).iter().copied().find(|&d| self.accepts(d, s))
    }

    /// Search many cells at once: `cells` are byte ranges of `text`, which holds them separated by
    /// a newline. One regex pass over the whole buffer replaces a call per cell (the per-call cost
    /// dominated). Calls `f(cell index, detector, match)` in cell order. A match that is not
    /// inside one cell (only a user pattern matching a newline can do that) makes its cells fall
    /// back to a search of their own, so results are exactly those of `find_in_text` per cell.
    /// Dictionary terms follow the regex matches (one automaton pass over each run of cells that
    /// may hold a term: `may_hold[i]` false says cell `i` has no letter and no non-ASCII
    /// character, so no term; `None` searches every cell).
    pub fn find_in_cells<'a>(
        &self,
        w: &mut Worker,
        text: &'a str,
        cells: &[(u32, u32)],
        may_hold: Option<&[bool]>,
        mut f: impl FnMut(usize, DetectorId, &'a str),
    ) {
        self.find_patterns_in_cells(w, text, cells, &mut f);
        let Some(k) = &self.text_kw else { return };
        let mut a = 0;
        while a < cells.len() {
            if may_hold.is_some_and(|m| !m[a]) {
                a += 1;
                continue;
            }
            let mut b = a + 1;
            while b < cells.len() && may_hold.is_none_or(|m| m[b]) {
                b += 1;
            }
            // Cells a..b in one pass; terms hold no newline, so a match lies inside one cell.
            let (from, to) = (cells[a].0 as usize, cells[b - 1].1 as usize);
            let run = &cells[a..b];
            k.find(&text[from..to], |d, s, e| {
                let (s, e) = (s + from, e + from);
                // The cell that starts at or before the match.
                let ci = run.partition_point(|c| c.0 as usize <= s);
                if ci > 0 && e <= run[ci - 1].1 as usize {
                    f(a + ci - 1, d, &text[s..e]);
                }
            });
            a = b;
        }
    }

    fn find_patterns_in_cells<'a>(
        &self,
        w: &mut Worker,
        text: &'a str,
        cells: &[(u32, u32)],
        f: &mut impl FnMut(usize, DetectorId, &'a str),
    ) {
        let Some(re) = &w.text_re else { return };
        let mut found: Vec<(usize, usize, usize)> = Vec::new();
        let mut redo: Vec<usize> = Vec::new();
        let mut ci = 0;
        for m in re.find_iter(text) {
            while ci < cells.len()
                && (cells[ci].1 as usize) <= m.start()
                && !(m.start() == m.end() && cells[ci].1 as usize == m.start())
            {
                ci += 1;
            }
            if ci == cells.len() {
                break;
            }
            let (cs, ce) = (cells[ci].0 as usize, cells[ci].1 as usize);
            if m.start() < cs || m.end() > ce {
                let mut cj = ci;
                while cj < cells.len() && (cells[cj].0 as usize) < m.end() {
                    redo.push(cj);
                    cj += 1;
                }
                if m.start() < cs && ci > 0 {
                    redo.push(ci - 1);
                }
                continue;
            }
            found.push((ci, m.start(), m.end()));
        }
        if redo.is_empty() {
            for (ci, s, e) in found {
                if let Some(d) = self.validate_at(text, s, e) {
                    f(ci, d, &text[s..e]);
                }
            }
            return;
        }
        redo.sort_unstable();
        redo.dedup();
        let mut hits: Vec<(usize, usize, usize)> =
            found.into_iter().filter(|(ci, _, _)| redo.binary_search(ci).is_err()).collect();
        for &ci in &redo {
            let (cs, ce) = (cells[ci].0 as usize, cells[ci].1 as usize);
            for m in re.find_iter(&text[cs..ce]) {
                hits.push((ci, cs + m.start(), cs + m.end()));
            }
        }
        hits.sort_unstable();
        for (ci, s, e) in hits {
            if let Some(d) = self.validate_at(text, s, e) {
                f(ci, d, &text[s..e]);
            }
        }
    }
}

/// Does `b[s..e]` stand alone: no hex digit, letter or digit touching it, and no `:`, `.` or
/// `-` that joins it to more of the same (`::ffff:256.0.0.1`, `2001:db8::256.1.1.1` and a
/// seven-group MAC hold an address-shaped piece, but are no address)?
fn clean_edges(b: &[u8], s: usize, e: usize) -> bool {
    let joins = |c: u8| c.is_ascii_hexdigit() || c == b':';
    let left = match s {
        0 => true,
        _ => {
            let p = b[s - 1];
            !(p.is_ascii_alphanumeric() || (matches!(p, b':' | b'.' | b'-') && s >= 2 && joins(b[s - 2])))
        }
    };
    let right = match b.get(e) {
        None => true,
        Some(&q) => {
            !(q.is_ascii_alphanumeric() || (matches!(q, b':' | b'.' | b'-') && b.get(e + 1).is_some_and(|&c| joins(c))))
        }
    };
    left && right
}
