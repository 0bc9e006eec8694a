//! One detector compiled from its file: validator, whole-value pattern, dictionary, mask and the
//! thresholds its column needs.

use regex::Regex;

use super::keywords::KeywordSet;
use super::mask::MaskStyle;
use super::validators::{self, Ctx, ValidateFn};
use super::{DetectorId, DetectorSpec, MAX_EXACT_LEN};
use crate::error::{Error, Result};
use crate::persons::{KeyKind, FALLBACK_RANK};

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
    /// The share of values a column needs (the file's `min_ratio`, default 0.6); see
    /// [`Detector::threshold`] for how the column name changes it.
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
    /// How its keys are normalised (`key_form`).
    pub key_kind: KeyKind,
    /// Sketch mode: its keys' rank among a row's keys (`key_rank`; [`FALLBACK_RANK`] for a
    /// `fallback_key`).
    pub key_rank: u8,
}

/// The rank of a key whose file gives none.
const DEFAULT_KEY_RANK: u8 = 8;

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
        // A hinted column of a `header_required` detector needs the file's share itself: more
        // than half, or a hint would be the main evidence. `tests/header_required.rs` checks the
        // thresholds end to end.
        if spec.header_required && min_ratio <= 0.5 {
            return Err(Error::config(origin, "key `min_ratio`: a `header_required` detector needs more than 0.5"));
        }
        let header_only = spec.validator.as_deref() == Some("any_value");
        if header_only && !spec.header_required {
            return Err(Error::config(
                origin,
                "validator `any_value` accepts anything: it needs `header_required = true`",
            ));
        }
        let key_kind = KeyKind::parse(spec.key_form.as_deref()).ok_or_else(|| {
            Error::config(origin, "key `key_form`: expected phone, resident_id, email or card (or no key_form)")
        })?;
        if spec.key_rank == Some(FALLBACK_RANK) {
            return Err(Error::config(origin, format!("key `key_rank`: at most {}", FALLBACK_RANK - 1)));
        }
        let key_rank = if spec.fallback_key { FALLBACK_RANK } else { spec.key_rank.unwrap_or(DEFAULT_KEY_RANK) };
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
            key_kind,
            key_rank,
            spec,
        })
    }

    /// The share of a column's values that must validate for the column to hold the category:
    /// `min_ratio`, halved where the column name hints the category (the name supports the
    /// values). A `header_required` detector needs the hint and then `min_ratio` itself; without
    /// the hint no share is enough (`None`).
    pub fn threshold(&self, hinted: bool) -> Option<f64> {
        match (self.header_required, hinted) {
            (true, false) => None,
            (true, true) => Some(self.min_ratio),
            (false, true) => Some(self.min_ratio / 2.0),
            (false, false) => Some(self.min_ratio),
        }
    }

    /// Its values are person keys (`person_key` or `fallback_key`).
    pub fn is_key(&self) -> bool {
        self.spec.person_key || self.spec.fallback_key
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
