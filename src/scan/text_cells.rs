//! The free-text values of a slice, collected for one search pass, with repeated values kept once.

use std::collections::HashMap;

/// Free-text values of a slice, newline-separated in one buffer for a single regex pass. Repeated
/// values (notes from a template, a status word) are kept once while repeats are common.
pub(super) struct TextCells<'a> {
    pub(super) buf: String,
    /// Byte range of each distinct value in `buf`.
    pub(super) ranges: Vec<(u32, u32)>,
    /// (row, value index, distinct value) of each cell.
    pub(super) cells: Vec<(u32, usize, u32)>,
    /// Per distinct value: it may hold a dictionary term (a letter or a non-ASCII character).
    pub(super) wordy: Vec<bool>,
    /// Per distinct value: it counts as text ([`Scanner::cell`]).
    pub(super) texty: Vec<bool>,
    pub(super) seen: HashMap<&'a str, u32, foldhash::fast::FixedState>,
    pub(super) dedupe: bool,
}

/// After this many cells a slice whose values are mostly distinct stops looking for repeats.
const DEDUPE_PROBE: usize = 256;

impl<'a> Default for TextCells<'a> {
    fn default() -> Self {
        TextCells {
            buf: String::new(),
            ranges: Vec::new(),
            cells: Vec::new(),
            wordy: Vec::new(),
            texty: Vec::new(),
            seen: HashMap::with_hasher(foldhash::fast::FixedState::default()),
            dedupe: true,
        }
    }
}

impl<'a> TextCells<'a> {
    /// The distinct value equal to `t`, when there is one (and repeats are looked for).
    #[inline]
    pub(super) fn repeat(&self, t: &str) -> Option<u32> {
        if self.seen.is_empty() {
            return None;
        }
        self.seen.get(t).copied()
    }

    pub(super) fn push(&mut self, t: &'a str, row: u32, idx: usize, wordy: bool, texty: bool) {
        let next = self.ranges.len() as u32;
        if self.dedupe {
            match self.seen.entry(t) {
                std::collections::hash_map::Entry::Occupied(e) => {
                    self.cells.push((row, idx, *e.get()));
                    return;
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(next);
                }
            }
            if self.cells.len() == DEDUPE_PROBE && self.ranges.len() * 4 > DEDUPE_PROBE * 3 {
                self.dedupe = false;
                self.seen = HashMap::default();
            }
        }
        let start = self.buf.len() as u32;
        self.buf.push_str(t);
        self.ranges.push((start, self.buf.len() as u32));
        self.buf.push('\n');
        self.cells.push((row, idx, next));
        self.wordy.push(wordy);
        self.texty.push(texty);
    }
}
