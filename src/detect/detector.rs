//! One detector compiled from its file: validator, whole-value pattern, dictionary, mask and the
//! thresholds its column needs.

use regex::Regex;

use super::keywords::KeywordSet;
use super::mask::MaskStyle;
use super::validators::{self, Ctx, ValidateFn};
use super::{DetectorId, DetectorSpec, MAX_EXACT_LEN};
use crate::error::{Error, Result};

/// A compiled detector.
#[derive(Debug, Clone)]
pub struct Detector {
    pub spec: DetectorSpec,
    /// Where it came from (`builtin` or the user's file path).
    pub origin: String,
    pub(super) validator: Option<ValidateFn>,
    pub(super) exact_re: Option<Regex>,
    /// Its own dictionary, for whole cells.
    pub(super) keywords: Option<KeywordSet>,
    pub min_len: usize,
    /// Longest whole value (bytes). Above [`MAX_EXACT_LEN`] only for shape validators that
    /// reject long free text cheaply (addresses, images, feature vectors).
    pub max_len: usize,
    /// The share of values a column needs, as the column classifier applies it: halved when the
    /// column name hints the category. For a `header_required` detector it is twice the file's
    /// `min_ratio`, above 1, so that only a hinted column can reach it.
    pub min_ratio: f64,
    /// The column name must hint the category (see [`DetectorSpec::header_required`]).
    pub header_required: bool,
    pub priority: i32,
    pub mask: MaskStyle,
    pub free_text: bool,
    /// Its `keywords` are searched in free text.
    pub keywords_in_text: bool,
    /// Validator `any_value`: no value pattern exists, the column name decides and non-empty
    /// values confirm. Such a detector takes no part in whole-cell arbitration or text search
    /// (it would accept every cell); `scan::classify` applies it through [`derived`].
    pub header_only: bool,
    /// Decided by its dictionary alone (no validator, no pattern).
    pub keyword_only: bool,
}

impl Detector {
    pub(super) fn compile(spec: DetectorSpec, origin: &str) -> Result<Detector> {
        let validator = match &spec.validator {
            Some(name) => Some(validators::find(name).ok_or_else(|| {
                Error::config(
                    origin,
                    format!("key `validator`: unknown validator {name:?} (see `xborder detectors list`)"),
                )
            })?),
            None => None,
        };
        let exact_re = match (&spec.pattern, validator) {
            (Some(p), None) => Some(
                Regex::new(&format!("^(?:{p})$"))
                    .map_err(|e| Error::config(origin, format!("key `pattern`: {}", one_line(&e.to_string()))))?,
            ),
            (Some(p), Some(_)) => {
                Regex::new(p)
                    .map_err(|e| Error::config(origin, format!("key `pattern`: {}", one_line(&e.to_string()))))?;
                None
            }
            _ => None,
        };
        let mask = MaskStyle::parse(spec.mask.as_deref())
            .ok_or_else(|| Error::config(origin, "key `mask`: expected middle, email, name or prefix"))?;
        let min_ratio = spec.min_ratio.unwrap_or(0.6);
        if !(0.0..=1.0).contains(&min_ratio) {
            return Err(Error::config(origin, "key `min_ratio`: must be between 0 and 1"));
        }
        // `scan::classify` compares a column's hit ratio with `min_ratio`, halved when the column
        // name hints the category. Doubling it puts an unhinted column out of reach (ratios are
        // at most 1) and leaves the file's value as the threshold of a hinted one.
        // `tests/header_required.rs` checks this end to end.
        if spec.header_required && min_ratio <= 0.5 {
            return Err(Error::config(origin, "key `min_ratio`: a `header_required` detector needs more than 0.5"));
        }
        let min_ratio = if spec.header_required { 2.0 * min_ratio } else { min_ratio };
        let header_only = spec.validator.as_deref() == Some("any_value");
        if header_only && !spec.header_required {
            return Err(Error::config(
                origin,
                "validator `any_value` accepts anything: it needs `header_required = true`",
            ));
        }
        let terms: Vec<(DetectorId, &str)> = spec.keywords.iter().map(|k| (0, k.as_str())).collect();
        let keywords = KeywordSet::build(&terms);
        Ok(Detector {
            keyword_only: keywords.is_some() && validator.is_none() && exact_re.is_none(),
            min_len: spec.min_len.unwrap_or(1),
            max_len: spec.max_len.unwrap_or(MAX_EXACT_LEN),
            keywords_in_text: keywords.is_some() && spec.free_text.unwrap_or(true),
            header_only,
            keywords,
            min_ratio,
            header_required: spec.header_required,
            priority: spec.priority.unwrap_or(100),
            free_text: spec.free_text.unwrap_or(spec.pattern.is_some()) && spec.pattern.is_some(),
            mask,
            validator,
            exact_re,
            origin: origin.to_string(),
            spec,
        })
    }

    pub fn id(&self) -> &str {
        &self.spec.id
    }
    pub fn category(&self) -> &str {
        &self.spec.category
    }

    /// Does the whole (trimmed) candidate match?
    #[inline]
    pub fn accepts(&self, s: &str, ctx: &Ctx) -> bool {
        let by_value = match (self.validator, &self.exact_re) {
            (Some(v), _) => v(s, ctx),
            (None, Some(re)) => re.is_match(s),
            (None, None) => false,
        };
        by_value || self.keywords.as_ref().is_some_and(|k| k.whole_cell(s))
    }
}

/// The bytes a value matched by `pattern` (anchored at its start) can begin with: the live
/// transitions out of a lazy DFA's start state. A validator only accepts values its pattern
/// matches (`tests: patterns_cover_examples`), so other first bytes need no validator call.
/// Without a pattern, or one a DFA cannot run (Unicode `\b`), every byte is possible.
pub(super) fn first_bytes(pattern: Option<&str>) -> [bool; 256] {
    use regex_automata::{hybrid::dfa::DFA, Anchored, Input};
    let all = [true; 256];
    let Some(p) = pattern else { return all };
    let Ok(dfa) = DFA::new(p) else { return all };
    let mut cache = dfa.create_cache();
    let Ok(start) = dfa.start_state_forward(&mut cache, &Input::new("").anchored(Anchored::Yes)) else {
        return all;
    };
    let mut set = [false; 256];
    for b in 0..=255u8 {
        match dfa.next_state(&mut cache, start, b) {
            Ok(s) => set[b as usize] = !s.is_dead(),
            Err(_) => return all,
        }
    }
    set
}

/// Shortest and longest match (bytes) of `pattern` (`None` for no upper bound). Without a
/// pattern, or one that does not parse here, any length.
pub(super) fn pattern_lens(pattern: Option<&str>) -> (usize, Option<usize>) {
    let Some(p) = pattern else { return (0, None) };
    match regex_automata::util::syntax::parse(p) {
        Ok(hir) => (hir.properties().minimum_len().unwrap_or(0), hir.properties().maximum_len()),
        Err(_) => (0, None),
    }
}

pub(super) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
