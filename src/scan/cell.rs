//! One slice of one column: each value is judged whole, then free text is searched in one pass;
//! what the values show goes to the slice's tally, the person keys and row flags to its lists.

use arrow_array::{cast::AsArray, types, Array, ArrowPrimitiveType, PrimitiveArray};
use arrow_schema::DataType;

use super::flatten::Leaf;
use super::shape::{itoa_buf, non_null, trim, typed_text};
use super::tally::ColumnTally;
use super::text_cells::TextCells;
use super::Scanner;
use crate::detect::validators::resident_id_birth_date;
use crate::detect::{Worker, MAX_EXACT_LEN};
use crate::persons::{normal_form, KeyKind, PersonsMode, MINOR_AGE, MINOR_BIT, OWNER_BIT};

/// What a column's name says, computed once per column.
#[derive(Debug, Clone, Default)]
pub(super) struct ColumnCtx {
    pub(super) negative: bool,
    pub(super) related: bool,
    /// Category bits the column name names (0: none). A value that validates only as another
    /// category there (an ID with a typo that happens to pass Luhn) is counted, not trusted.
    pub(super) hinted: u64,
    /// The `header_required` detectors the name hints, asked before the priority order (they
    /// are asked nowhere else).
    pub(super) first: Vec<crate::detect::DetectorId>,
    /// The `header_required` detectors the name hints (their own hints: `face_score` names a
    /// face but not a feature vector).
    pub(super) required: Vec<crate::detect::DetectorId>,
    /// The name hints some detector (of any category).
    pub(super) named: bool,
    /// A header-only detector whose values are keys when nothing better is in the row
    /// (`会员号`): every non-empty value of the column is one.
    pub(super) fallback: Option<crate::detect::DetectorId>,
    /// The column's index in its input (keys and flags carry it to the column decisions).
    pub(super) index: u32,
}

/// A person key found in a row: 32 bytes (a merge reads millions of them back).
pub(super) struct KeyHit {
    /// The key hash: 96 bits, low word first (all the person set keeps).
    pub(super) hash: [u32; 3],
    pub(super) row: u32,
    /// Category bits, the minor bit and, for a key of the row's owner, the owner bit.
    pub(super) flags: u64,
    /// The column it was found in (its index in the input).
    pub(super) col: u32,
    pub(super) rank: u8,
}

/// Category bits a value of a column gave its row (keys carry their own).
pub(super) struct FlagHit {
    pub(super) row: u32,
    pub(super) col: u32,
    pub(super) bits: u64,
}

impl KeyHit {
    #[inline]
    pub(super) fn hash(&self) -> u128 {
        (self.hash[2] as u128) << 64 | (self.hash[1] as u128) << 32 | self.hash[0] as u128
    }

    /// A key of the row's owner (not one named in free text).
    #[inline]
    pub(super) fn own(&self) -> bool {
        self.flags & OWNER_BIT != 0
    }
}

pub(super) struct SliceOut {
    pub(super) tally: ColumnTally,
    pub(super) keys: Vec<KeyHit>,
    pub(super) flags: Vec<FlagHit>,
    /// Every value of the slice lies in the input's first [`WINDOW_ROWS`] rows.
    pub(super) in_window: bool,
}

impl Scanner {
    pub(super) fn run_slice(
        &self,
        w: &mut Worker,
        scratch: &mut Vec<u8>,
        leaf: &Leaf,
        col: &ColumnCtx,
        range: (usize, usize),
        base_row: u64,
    ) -> SliceOut {
        let n = self.catalogue.len();
        let mut out = SliceOut { tally: ColumnTally::new(n), keys: Vec::new(), flags: Vec::new(), in_window: false };
        let a = &leaf.array;
        let mut buf = itoa_buf();
        match a.data_type() {
            DataType::Utf8 => {
                let s = a.as_string::<i32>();
                // Numbers and timestamps written as text (a CSV price or event-time column) are
                // judged as typed columns are: only where the column name hints a category.
                if !col.named {
                    if let Some(n) = typed_text(s, range) {
                        out.tally.skipped += n;
                        return out;
                    }
                }
                let mut text = TextCells::default();
                let mut seen = 0usize;
                for i in range.0..range.1 {
                    if s.is_null(i) {
                        continue;
                    }
                    let row = leaf.row_of(i);
                    if row == u32::MAX {
                        continue;
                    }
                    seen += 1;
                    // Where most values so far were free text, a value met before in the slice
                    // was judged already (no detector took it): only its cell is recorded.
                    // Template notes repeat thousands of times.
                    if text.dedupe && text.cells.len() * 2 >= seen {
                        if let Some(u) = text.repeat(trim(s.value(i))) {
                            out.tally.values += 1;
                            out.tally.text_values += text.texty[u as usize] as u64;
                            text.cells.push((row, i, u));
                            continue;
                        }
                    }
                    if let Some((t, kw, texty)) = self.cell(scratch, s.value(i), row, i, col, base_row, &mut out) {
                        text.push(t, row, i, kw, texty);
                    }
                }
                self.text_cells(w, scratch, &text, col, base_row, &mut out);
            }
            DataType::Int64 => {
                self.ints::<types::Int64Type>(scratch, a.as_primitive(), leaf, col, range, base_row, &mut out, &mut buf)
            }
            DataType::UInt64 => self.ints::<types::UInt64Type>(
                scratch,
                a.as_primitive(),
                leaf,
                col,
                range,
                base_row,
                &mut out,
                &mut buf,
            ),
            DataType::Int32
            | DataType::Int16
            | DataType::Int8
            | DataType::UInt32
            | DataType::UInt16
            | DataType::UInt8 => {
                // Too small to hold any identifier.
                out.tally.skipped += non_null(a.as_ref(), range);
            }
            // Floats and dates are judged only where the column name hints a detector (`lat`,
            // `经度`, `出生日期`): prices, measures and event dates stay unread.
            DataType::Float64 | DataType::Float32 | DataType::Date32 | DataType::Date64 if col.named => {
                let fmt = arrow_cast::display::FormatOptions::default();
                let Ok(f) = arrow_cast::display::ArrayFormatter::try_new(a.as_ref(), &fmt) else { return out };
                for i in range.0..range.1 {
                    let row = leaf.row_of(i);
                    if a.is_null(i) || row == u32::MAX {
                        continue;
                    }
                    use std::fmt::Write;
                    buf.clear();
                    let _ = write!(buf, "{}", f.value(i));
                    let s = std::mem::take(&mut buf);
                    let _ = self.cell(scratch, &s, row, i, col, base_row, &mut out);
                    buf = s;
                }
            }
            DataType::Null => {}
            _ => out.tally.skipped += non_null(a.as_ref(), range),
        }
        out
    }

    /// Integer columns: only numbers long enough to be a phone or a card number are checked.
    #[allow(clippy::too_many_arguments)]
    fn ints<T: ArrowPrimitiveType>(
        &self,
        scratch: &mut Vec<u8>,
        a: &PrimitiveArray<T>,
        leaf: &Leaf,
        col: &ColumnCtx,
        range: (usize, usize),
        base_row: u64,
        out: &mut SliceOut,
        buf: &mut String,
    ) where
        T::Native: std::fmt::Display + Into<i128>,
    {
        for i in range.0..range.1 {
            if a.is_null(i) {
                continue;
            }
            let row = leaf.row_of(i);
            if row == u32::MAX {
                continue;
            }
            let v: i128 = a.value(i).into();
            if v >= 10_000_000_000 {
                use std::fmt::Write;
                buf.clear();
                let _ = write!(buf, "{v}");
                let s = std::mem::take(buf);
                // A number is never free text: only the whole value is judged.
                let _ = self.cell(scratch, &s, row, i, col, base_row, out);
                *buf = s;
            } else {
                out.tally.values += 1;
            }
        }
    }

    /// Judge a whole value. Returns the trimmed value when it must also be searched as free
    /// text (no whole-value hit, and it holds a digit or an `@`, or it is text), whether it
    /// may hold a dictionary term (a letter or a non-ASCII character), and whether it counts as
    /// text (long, or holding a space or a non-ASCII character).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn cell<'v>(
        &self,
        scratch: &mut Vec<u8>,
        v: &'v str,
        row: u32,
        idx: usize,
        col: &ColumnCtx,
        base_row: u64,
        out: &mut SliceOut,
    ) -> Option<(&'v str, bool, bool)> {
        let t = trim(v);
        if t.is_empty() {
            return None;
        }
        let cat = &*self.catalogue;
        out.tally.values += 1;
        if let Some(d) = col.fallback {
            // The column name decides (no value pattern exists); a key of the row's owner only.
            if !col.related {
                self.push_key(d as usize, t, row, col.index, true, scratch, out);
            }
            return None;
        }
        if let Some(d) = cat.exact_first(t, &col.first) {
            let di = d as usize;
            out.tally.exact[di] += 1;
            out.tally.example(di, (base_row + row as u64, idx as u64), || self.show(di, t));
            // Counted, not trusted: a column whose name says non-personal, a value that only
            // validates as another category than the name says, or a detector that needs the
            // name (any date is shaped like a birth date) under a name that does not say so.
            let det = cat.get(d);
            if col.negative
                || (col.hinted != 0 && col.hinted & self.cat_bits[di] == 0)
                || (det.header_required && !col.required.contains(&d))
            {
                return None;
            }
            if self.key_det[di] {
                // The key carries its category to its person; the row needs no flag for it.
                self.push_key(di, t, row, col.index, !col.related, scratch, out);
                return None;
            }
            if !col.related {
                out.flags.push(FlagHit { row, col: col.index, bits: self.cat_bits[di] });
            }
            // One value, two categories: where the name says nothing, the column's other values
            // decide (the column decision keeps the key only where the column holds its category).
            if col.hinted == 0 {
                if let Some(a) = cat.exact_alternate(t, d, &self.key_det) {
                    out.tally.alt[a as usize] += 1;
                    self.push_key(a as usize, t, row, col.index, !col.related, scratch, out);
                }
            }
            return None;
        }
        use crate::detect::class::*;
        let bytes = crate::detect::byte_classes(t.as_bytes());
        let texty = t.len() > MAX_EXACT_LEN || bytes & (NON_ASCII | SPACE) != 0;
        let candidate = bytes & (DIGIT | AT) != 0;
        let wordy = bytes & (UPPER | LOWER | NON_ASCII) != 0;
        if texty {
            out.tally.text_values += 1;
        }
        // Dictionary terms (diagnoses, credit words) need no digit: every free-text value goes.
        ((candidate && cat.has_text_detectors()) || (texty && cat.has_text_keywords())).then_some((t, wordy, texty))
    }

    /// Search the collected free-text values of a slice in one pass. A value repeated in the
    /// slice is searched once and its findings are applied to every cell holding it.
    fn text_cells(
        &self,
        w: &mut Worker,
        scratch: &mut Vec<u8>,
        text: &TextCells,
        col: &ColumnCtx,
        base_row: u64,
        out: &mut SliceOut,
    ) {
        if text.cells.is_empty() {
            return;
        }
        let mut apply = |row: u32, idx: usize, d: crate::detect::DetectorId, s: &str| {
            let di = d as usize;
            out.tally.text[di] += 1;
            out.tally.example(di, (base_row + row as u64, idx as u64), || self.show(di, s));
            if col.negative {
                return;
            }
            if self.key_det[di] {
                // A key in free text names someone, not the row's owner.
                if self.text_key[di] {
                    self.push_key(di, s, row, col.index, false, scratch, out);
                }
            } else {
                out.flags.push(FlagHit { row, col: col.index, bits: self.cat_bits[di] });
            }
        };
        if text.ranges.len() == text.cells.len() {
            // Every value distinct: findings go straight to their cell.
            self.catalogue.find_in_cells(w, &text.buf, &text.ranges, Some(&text.wordy), |ci, d, s| {
                let (row, idx, _) = text.cells[ci];
                apply(row, idx, d, s);
            });
            return;
        }
        let mut hits: Vec<(u32, crate::detect::DetectorId, u32, u32)> = Vec::new();
        let base = text.buf.as_ptr() as usize;
        self.catalogue.find_in_cells(w, &text.buf, &text.ranges, Some(&text.wordy), |ui, d, s| {
            let start = (s.as_ptr() as usize - base) as u32;
            hits.push((ui as u32, d, start, start + s.len() as u32));
        });
        if hits.is_empty() {
            return;
        }
        // Findings by distinct value, each value's in the order found (a detector's findings in a
        // cell stay in text order, so the examples kept are those of a search per cell).
        hits.sort_by_key(|h| h.0);
        let mut first = vec![u32::MAX; text.ranges.len() + 1];
        for (k, h) in hits.iter().enumerate().rev() {
            first[h.0 as usize] = k as u32;
        }
        for &(row, idx, ui) in &text.cells {
            let mut k = first[ui as usize];
            if k == u32::MAX {
                continue;
            }
            while let Some(&(u, d, s, e)) = hits.get(k as usize) {
                if u != ui {
                    break;
                }
                apply(row, idx, d, &text.buf[s as usize..e as usize]);
                k += 1;
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push_key(&self, di: usize, s: &str, row: u32, col: u32, own: bool, scratch: &mut Vec<u8>, out: &mut SliceOut) {
        if self.opts.persons == PersonsMode::Off {
            // Nothing is counted: no normalising or hashing either (what counting costs).
            return;
        }
        let kind = self.key_kind[di];
        let Some(key) = normal_form(kind, s, scratch) else { return };
        let mut flags = self.cat_bits[di];
        if kind == KeyKind::ResidentId {
            if let Some(b) = resident_id_birth_date(key) {
                // PIPL Art. 28: all personal information of a minor under 14 is sensitive.
                if b.age_on(self.opts.as_of) < MINOR_AGE {
                    flags |= MINOR_BIT;
                }
            }
        }
        if own {
            flags |= OWNER_BIT;
        }
        let h = self.key_hash[di].hash(key);
        out.keys.push(KeyHit {
            hash: [h as u32, (h >> 32) as u32, (h >> 64) as u32],
            row,
            flags,
            col,
            rank: self.key_rank[di],
        });
    }

    fn show(&self, di: usize, s: &str) -> String {
        if self.opts.show_values {
            s.to_string()
        } else {
            crate::detect::mask::mask(self.catalogue.detectors[di].mask, s)
        }
    }
}
