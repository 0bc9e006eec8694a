//! Dictionary detectors (`keywords = [...]`): one Aho-Corasick automaton per catalogue finds the
//! terms of every free-text dictionary detector in a single pass over the joined free-text cells,
//! and a small automaton per detector decides whole cells. ASCII terms are matched
//! case-insensitively and only as whole words (`allergy`, not `allergyfree`… nor `nonallergy`);
//! CJK terms as substrings, since Chinese has no word boundaries.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::DetectorId;

/// Longest cell (bytes) a dictionary term decides as a whole value.
pub const WHOLE_CELL_MAX: usize = 36;

/// Sentence punctuation: a cell holding one is prose, not a value.
const SENTENCE: &[char] = &['，', '。', '；', '！', '？', ',', ';', '.', '!', '?', '：', ':'];

/// Terms of one or more detectors, compiled.
#[derive(Debug, Clone)]
pub struct KeywordSet {
    ac: AhoCorasick,
    /// Per pattern: its detector and whether it needs ASCII word boundaries.
    owner: Vec<(DetectorId, bool)>,
    /// The first three bytes (ASCII lower-cased) of every term, hashed into 2¹⁶ bits: a cell
    /// with none of them holds no term, and is rejected before the automaton is called (its
    /// per-call cost dominated on short cells). `None` when a term is shorter than three bytes.
    trigrams: Option<Box<[u64; 1024]>>,
}

#[inline]
fn trigram(a: u8, b: u8, c: u8) -> usize {
    let (a, b, c) = (a.to_ascii_lowercase() as u32, b.to_ascii_lowercase() as u32, c.to_ascii_lowercase() as u32);
    ((a << 16 | b << 8 | c).wrapping_mul(0x9E37_79B1) >> 16) as usize
}

fn trigrams(terms: &[(DetectorId, &str)]) -> Option<Box<[u64; 1024]>> {
    let mut bits = Box::new([0u64; 1024]);
    for (_, t) in terms {
        let b = t.as_bytes();
        if b.len() < 3 {
            return None;
        }
        let h = trigram(b[0], b[1], b[2]);
        bits[h / 64] |= 1 << (h % 64);
    }
    Some(bits)
}

impl KeywordSet {
    /// `terms`: (detector, term). None when there are no terms.
    pub fn build(terms: &[(DetectorId, &str)]) -> Option<KeywordSet> {
        if terms.is_empty() {
            return None;
        }
        // A DFA: the dictionaries are small (hundreds of terms), and the free-text pass runs it
        // over every text cell (the default contiguous NFA was twice as slow there).
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .ascii_case_insensitive(true)
            .build(terms.iter().map(|(_, t)| t))
            .ok()?;
        let owner = terms.iter().map(|&(d, t)| (d, t.bytes().any(|b| b.is_ascii_alphanumeric()))).collect();
        Some(KeywordSet { ac, owner, trigrams: None })
    }

    /// A yes/no automaton over the same terms (a DFA, standard semantics: the fastest test),
    /// for gating many cells at once.
    pub fn build_gate(terms: &[(DetectorId, &str)]) -> Option<KeywordSet> {
        if terms.is_empty() {
            return None;
        }
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .ascii_case_insensitive(true)
            .build(terms.iter().map(|(_, t)| t))
            .ok()?;
        let owner = terms.iter().map(|&(d, t)| (d, t.bytes().any(|b| b.is_ascii_alphanumeric()))).collect();
        Some(KeywordSet { ac, owner, trigrams: trigrams(terms) })
    }

    /// Calls `f(detector, start, end)` for every term found in `text`.
    #[inline]
    pub fn find(&self, text: &str, mut f: impl FnMut(DetectorId, usize, usize)) {
        let b = text.as_bytes();
        for m in self.ac.find_iter(text) {
            let (d, ascii) = self.owner[m.pattern().as_usize()];
            if ascii && !word_bounded(b, m.start(), m.end()) {
                continue;
            }
            f(d, m.start(), m.end());
        }
    }

    /// Is `cell` a dictionary value as a whole: short, no sentence punctuation, holding a term
    /// (`2型糖尿病`, `青霉素过敏`, `penicillin allergy`)? Longer or punctuated cells are prose:
    /// they go to the free-text search, where other detectors (markings, phones) see them too.
    #[inline]
    pub fn whole_cell(&self, cell: &str) -> bool {
        // Six digits or more may be an identifier (`高血压13812345678`): such a cell is text.
        // The automaton rejects most cells fastest; the character checks come after.
        cell.len() <= WHOLE_CELL_MAX
            && self.ac.is_match(cell)
            && cell.bytes().filter(u8::is_ascii_digit).count() < 6
            && !cell.contains(SENTENCE)
            && self.any(cell)
    }

    /// Could [`KeywordSet::whole_cell`] accept `cell`? Its cheap conditions first, then
    /// [`KeywordSet::may_hold`].
    #[inline]
    pub fn may_decide(&self, cell: &str, bytes: super::ByteClasses) -> bool {
        use super::class::*;
        cell.len() <= WHOLE_CELL_MAX
            && bytes & (UPPER | LOWER | NON_ASCII) != 0
            && (bytes & DIGIT == 0 || cell.bytes().filter(u8::is_ascii_digit).count() < 6)
            && self.may_hold_lettered(cell)
    }

    /// Could `text` hold any term? (A raw automaton test, before word boundaries.)
    #[inline]
    pub fn may_hold(&self, text: &str) -> bool {
        // Terms hold a letter or a CJK character: digits and punctuation alone hold none.
        text.bytes().any(|b| b >= 0x80 || b.is_ascii_alphabetic()) && self.may_hold_lettered(text)
    }

    /// [`KeywordSet::may_hold`] for a text known to hold a letter or a non-ASCII character.
    #[inline]
    fn may_hold_lettered(&self, text: &str) -> bool {
        self.trigrams.as_ref().is_none_or(|bits| {
            text.as_bytes().windows(3).any(|w| {
                let h = trigram(w[0], w[1], w[2]);
                bits[h / 64] & (1 << (h % 64)) != 0
            })
        }) && self.ac.is_match(text)
    }

    /// Does `text` hold any term?
    #[inline]
    pub fn any(&self, text: &str) -> bool {
        let mut hit = false;
        if !self.ac.is_match(text) {
            return false;
        }
        self.find(text, |_, _, _| hit = true);
        hit
    }
}

fn word_bounded(b: &[u8], s: usize, e: usize) -> bool {
    let before = s == 0 || !b[s - 1].is_ascii_alphanumeric();
    let after = e == b.len() || !b[e].is_ascii_alphanumeric();
    before && after
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_substrings() {
        let k = KeywordSet::build(&[(0, "allergy"), (1, "糖尿病"), (1, "2型糖尿病")]).unwrap();
        let mut got = Vec::new();
        k.find("Allergy noted; nonallergy; 患者有2型糖尿病", |d, s, e| got.push((d, s, e)));
        assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), [0, 1]);
        assert!(k.any("糖尿病"));
        assert!(!k.any("allergyfree"));
        assert!(
            k.whole_cell("2型糖尿病") && !k.whole_cell("患者有糖尿病，需复诊") && !k.whole_cell("糖尿病13812345678")
        );
    }

    #[test]
    fn the_trigram_gate_never_hides_a_term() {
        let terms = [(0, "Allergy"), (1, "糖尿病"), (2, "HIV")];
        let g = KeywordSet::build_gate(&terms).unwrap();
        assert!(g.trigrams.is_some());
        for (cell, holds) in [
            ("allergy", true),
            ("peanut ALLERGY", true),
            ("患者hiv阳性", true),
            ("有糖尿病", true),
            ("姚琪平", false),
            ("男", false),
            ("R000000000000", false),
            ("Al", false),
        ] {
            assert_eq!(g.may_hold(cell), holds, "{cell}");
            assert_eq!(g.ac.is_match(cell), holds, "{cell}");
        }
        // A term shorter than three bytes turns the gate off rather than hiding it.
        assert!(KeywordSet::build_gate(&[(0, "Rh")]).unwrap().trigrams.is_none());
    }
}
