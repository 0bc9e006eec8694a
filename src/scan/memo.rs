//! Values judged once: within a slice, a value met again replays the answer its first
//! occurrence got (counts, example offer, keys and flags, free-text search), and a dictionary
//! column is judged once per distinct entry. Every count, example and key comes out as if each
//! value had been judged on its own.

use std::collections::HashMap;

use arrow_array::{cast::AsArray, types, Array, DictionaryArray, PrimitiveArray};

use super::cell::{ColumnCtx, FlagHit, KeyHit, SliceOut};
use super::flatten::Leaf;
use super::shape::{trim, typed_text_of};
use super::text_cells::TextCells;
use super::Scanner;
use crate::detect::Worker;

/// Value `i` of a dictionary array (`None`: null, by its key or its dictionary entry).
#[inline]
fn dictionary_value<'a>(
    keys: &PrimitiveArray<types::Int32Type>,
    values: &'a arrow_array::StringArray,
    i: usize,
) -> Option<&'a str> {
    if keys.is_null(i) {
        return None;
    }
    let k = keys.value(i) as usize;
    (k < values.len() && !values.is_null(k)).then(|| values.value(k))
}

/// What judging a whole value gave, beyond what it wrote to the slice's tally and lists.
#[derive(Default)]
pub(super) struct Judged<'v> {
    /// Empty after trimming: not a value.
    pub(super) empty: bool,
    /// The whole-value detector that took it.
    pub(super) exact: Option<crate::detect::DetectorId>,
    /// The other category it validates as (counted where the name says nothing).
    pub(super) alt: Option<crate::detect::DetectorId>,
    /// No detector took it and it counts as text.
    pub(super) texty: bool,
    /// To be searched as free text: the trimmed value, whether it may hold a dictionary term,
    /// whether it counts as text.
    pub(super) search: Option<(&'v str, bool, bool)>,
}

impl Judged<'_> {
    pub(super) fn seen(&self, k0: u32, k1: u32, f0: u32, f1: u32) -> Seen {
        Seen {
            empty: self.empty,
            exact: self.exact,
            alt: self.alt,
            texty: self.texty,
            search: self.search.map(|(_, w, t)| (w, t)),
            keys: (k0, k1),
            flags: (f0, f1),
        }
    }
}

/// The answer a value got in a slice: its [`Judged`], and the ranges of the slice's key and flag
/// lists its first occurrence filled.
#[derive(Clone, Copy)]
pub(super) struct Seen {
    pub(super) empty: bool,
    pub(super) exact: Option<crate::detect::DetectorId>,
    pub(super) alt: Option<crate::detect::DetectorId>,
    pub(super) texty: bool,
    pub(super) search: Option<(bool, bool)>,
    pub(super) keys: (u32, u32),
    pub(super) flags: (u32, u32),
}

/// Values of a text slice met so far and their answers, while repeats are common.
pub(super) struct Memo<'v> {
    pub(super) seen: HashMap<&'v str, u32, foldhash::fast::FixedState>,
    pub(super) answers: Vec<Seen>,
    pub(super) looked: usize,
    pub(super) on: bool,
}

/// After this many values a slice whose values are mostly distinct stops remembering them (an ID
/// or phone column repeats within a slice almost never).
const MEMO_PROBE: usize = 256;

impl Default for Memo<'_> {
    fn default() -> Self {
        Memo { seen: HashMap::default(), answers: Vec::new(), looked: 0, on: true }
    }
}

impl<'v> Memo<'v> {
    #[inline]
    pub(super) fn insert(&mut self, v: &'v str, seen: Seen) {
        self.seen.insert(v, self.answers.len() as u32);
        self.answers.push(seen);
    }

    /// Count a value looked up; stop remembering when the first [`MEMO_PROBE`] were mostly
    /// distinct.
    #[inline]
    pub(super) fn looked(&mut self) {
        self.looked += 1;
        if self.looked == MEMO_PROBE && self.answers.len() * 4 > MEMO_PROBE * 3 {
            self.on = false;
            self.seen = HashMap::default();
            self.answers = Vec::new();
        }
    }
}

impl Scanner {
    /// Give a value met before in the slice the answer its first occurrence got: the same
    /// counts, example offer, keys and flags (copied from the first occurrence's, with this row),
    /// and the same free-text search.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub(super) fn replay<'v>(
        &self,
        seen: &Seen,
        v: &'v str,
        row: u32,
        idx: usize,
        base_row: u64,
        out: &mut SliceOut,
        text: &mut TextCells<'v>,
    ) {
        if seen.empty {
            return;
        }
        out.tally.values += 1;
        if let Some(d) = seen.exact {
            let di = d as usize;
            out.tally.exact[di] += 1;
            out.tally.example(di, (base_row + row as u64, idx as u64), || self.show(di, trim(v)));
        }
        if let Some(a) = seen.alt {
            out.tally.alt[a as usize] += 1;
        }
        if seen.texty {
            out.tally.text_values += 1;
        }
        for k in seen.keys.0..seen.keys.1 {
            let h = &out.keys[k as usize];
            let copy = KeyHit { hash: h.hash, row, flags: h.flags, col: h.col, rank: h.rank };
            out.keys.push(copy);
        }
        for f in seen.flags.0..seen.flags.1 {
            let h = &out.flags[f as usize];
            let copy = FlagHit { row, col: h.col, bits: h.bits };
            out.flags.push(copy);
        }
        if let Some((wordy, texty)) = seen.search {
            text.push(trim(v), row, idx, wordy, texty);
        }
    }

    /// Judge a value, or replay the answer of its first occurrence in the slice (`memo`).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub(super) fn judge_once<'v>(
        &self,
        scratch: &mut Vec<u8>,
        memo: &mut Memo<'v>,
        v: &'v str,
        row: u32,
        idx: usize,
        col: &ColumnCtx,
        base_row: u64,
        out: &mut SliceOut,
        text: &mut TextCells<'v>,
    ) {
        let on = memo.on;
        if on {
            if let Some(&m) = memo.seen.get(v) {
                let seen = memo.answers[m as usize];
                memo.looked();
                self.replay(&seen, v, row, idx, base_row, out, text);
                return;
            }
        }
        let (k0, f0) = (out.keys.len() as u32, out.flags.len() as u32);
        let j = self.cell(scratch, v, row, idx, col, base_row, out);
        if on {
            let seen = j.seen(k0, out.keys.len() as u32, f0, out.flags.len() as u32);
            memo.insert(v, seen);
            memo.looked();
        }
        if let Some((t, kw, texty)) = j.search {
            text.push(t, row, idx, kw, texty);
        }
    }

    /// A dictionary-encoded text slice (Parquet's dictionary pages): each distinct value the slice
    /// uses is judged once, and every other cell holding it gets the same answer.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn dictionary_slice(
        &self,
        w: &mut Worker,
        scratch: &mut Vec<u8>,
        d: &DictionaryArray<types::Int32Type>,
        leaf: &Leaf,
        col: &ColumnCtx,
        range: (usize, usize),
        base_row: u64,
        out: &mut SliceOut,
    ) {
        let Some(values) = d.values().as_string_opt::<i32>() else { return };
        let keys = d.keys();
        let value_of = |i: usize| dictionary_value(keys, values, i);
        if !col.named {
            if let Some(n) = typed_text_of((range.0..range.1).map(value_of)) {
                out.tally.skipped += n;
                return;
            }
        }
        // Answers by dictionary index, for the indices this slice uses.
        let mut answer: HashMap<u32, Seen, foldhash::fast::FixedState> = HashMap::default();
        let mut text = TextCells::default();
        for i in range.0..range.1 {
            let Some(v) = value_of(i) else { continue };
            let row = leaf.row_of(i);
            if row == u32::MAX {
                continue;
            }
            let k = keys.value(i) as u32;
            if let Some(seen) = answer.get(&k) {
                self.replay(seen, v, row, i, base_row, out, &mut text);
                continue;
            }
            let (k0, f0) = (out.keys.len() as u32, out.flags.len() as u32);
            let j = self.cell(scratch, v, row, i, col, base_row, out);
            answer.insert(k, j.seen(k0, out.keys.len() as u32, f0, out.flags.len() as u32));
            if let Some((t, kw, texty)) = j.search {
                text.push(t, row, i, kw, texty);
            }
        }
        self.text_cells(w, scratch, &text, col, base_row, out);
    }
}
