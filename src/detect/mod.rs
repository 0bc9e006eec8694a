//! Detectors: declarative files (`detectors/<id>.toml`, compiled in; more with `--detectors DIR`)
//! turned into a [`Catalogue`] that decides whole cells (length table → validator) and finds
//! identifiers inside free text (one combined regex per worker → validator on each candidate).

pub mod derived;
pub mod header;
pub mod keywords;
pub mod mask;
pub mod spec;
pub mod validators;

use std::path::Path;

use regex::Regex;

use crate::error::{Error, Result};
use keywords::KeywordSet;
use mask::MaskStyle;
pub use spec::DetectorSpec;
use validators::{Ctx, ValidateFn};

/// The detector files shipped in the binary. A test fails when `detectors/` and this list differ.
pub static BUILTIN: &[(&str, &str)] = &[
    ("address.toml", include_str!("../../detectors/address.toml")),
    ("bank_card.toml", include_str!("../../detectors/bank_card.toml")),
    ("biometric.toml", include_str!("../../detectors/biometric.toml")),
    ("biometric_vector.toml", include_str!("../../detectors/biometric_vector.toml")),
    ("birth_date.toml", include_str!("../../detectors/birth_date.toml")),
    ("charging_network.toml", include_str!("../../detectors/charging_network.toml")),
    ("classified_marking.toml", include_str!("../../detectors/classified_marking.toml")),
    ("clinical_group.toml", include_str!("../../detectors/clinical_group.toml")),
    ("coarse_location.toml", include_str!("../../detectors/coarse_location.toml")),
    ("coordinate.toml", include_str!("../../detectors/coordinate.toml")),
    ("credit_record.toml", include_str!("../../detectors/credit_record.toml")),
    ("criminal_record.toml", include_str!("../../detectors/criminal_record.toml")),
    ("email.toml", include_str!("../../detectors/email.toml")),
    ("exterior_camera.toml", include_str!("../../detectors/exterior_camera.toml")),
    ("financial_account.toml", include_str!("../../detectors/financial_account.toml")),
    ("flight_ops.toml", include_str!("../../detectors/flight_ops.toml")),
    ("foreign_permanent_resident_id.toml", include_str!("../../detectors/foreign_permanent_resident_id.toml")),
    ("genetic.toml", include_str!("../../detectors/genetic.toml")),
    ("hk_macau_permit.toml", include_str!("../../detectors/hk_macau_permit.toml")),
    ("icd10.toml", include_str!("../../detectors/icd10.toml")),
    ("id_card_image.toml", include_str!("../../detectors/id_card_image.toml")),
    ("imei.toml", include_str!("../../detectors/imei.toml")),
    ("ipv4.toml", include_str!("../../detectors/ipv4.toml")),
    ("ipv6.toml", include_str!("../../detectors/ipv6.toml")),
    ("licence_plate.toml", include_str!("../../detectors/licence_plate.toml")),
    ("mac.toml", include_str!("../../detectors/mac.toml")),
    ("mainland_travel_permit.toml", include_str!("../../detectors/mainland_travel_permit.toml")),
    ("media_recording.toml", include_str!("../../detectors/media_recording.toml")),
    ("medical_terms.toml", include_str!("../../detectors/medical_terms.toml")),
    ("membership.toml", include_str!("../../detectors/membership.toml")),
    ("model_weights.toml", include_str!("../../detectors/model_weights.toml")),
    ("organisation_id.toml", include_str!("../../detectors/organisation_id.toml")),
    ("ota.toml", include_str!("../../detectors/ota.toml")),
    ("passport.toml", include_str!("../../detectors/passport.toml")),
    ("person_name.toml", include_str!("../../detectors/person_name.toml")),
    ("person_name_latin.toml", include_str!("../../detectors/person_name_latin.toml")),
    ("pharma_genetic.toml", include_str!("../../detectors/pharma_genetic.toml")),
    ("phone.toml", include_str!("../../detectors/phone.toml")),
    ("pnr.toml", include_str!("../../detectors/pnr.toml")),
    ("precise_location.toml", include_str!("../../detectors/precise_location.toml")),
    ("religion.toml", include_str!("../../detectors/religion.toml")),
    ("residence_permit_id.toml", include_str!("../../detectors/residence_permit_id.toml")),
    ("resident_id.toml", include_str!("../../detectors/resident_id.toml")),
    ("resident_id_legacy.toml", include_str!("../../detectors/resident_id_legacy.toml")),
    ("source_code.toml", include_str!("../../detectors/source_code.toml")),
    ("specific_identity.toml", include_str!("../../detectors/specific_identity.toml")),
    ("survey_coordinates.toml", include_str!("../../detectors/survey_coordinates.toml")),
    ("taiwan_permit.toml", include_str!("../../detectors/taiwan_permit.toml")),
    ("training_data.toml", include_str!("../../detectors/training_data.toml")),
    ("vehicle_flow.toml", include_str!("../../detectors/vehicle_flow.toml")),
    ("vin.toml", include_str!("../../detectors/vin.toml")),
];

/// Longest cell (bytes, trimmed) decided as a whole; longer cells are free text.
pub const MAX_EXACT_LEN: usize = 64;

/// A compiled detector.
#[derive(Debug, Clone)]
pub struct Detector {
    pub spec: DetectorSpec,
    /// Where it came from (`builtin` or the user's file path).
    pub origin: String,
    validator: Option<ValidateFn>,
    exact_re: Option<Regex>,
    /// Its own dictionary, for whole cells.
    keywords: Option<KeywordSet>,
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
    fn compile(spec: DetectorSpec, origin: &str) -> Result<Detector> {
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
fn first_bytes(pattern: Option<&str>) -> [bool; 256] {
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
fn pattern_lens(pattern: Option<&str>) -> (usize, Option<usize>) {
    let Some(p) = pattern else { return (0, None) };
    match regex_automata::util::syntax::parse(p) {
        Ok(hir) => (hir.properties().minimum_len().unwrap_or(0), hir.properties().maximum_len()),
        Err(_) => (0, None),
    }
}

/// A set of byte classes, a bit per class: what a value holds.
pub type ByteClasses = u8;

/// The byte classes the cell loop tests.
pub mod class {
    use super::ByteClasses;
    pub const DIGIT: ByteClasses = 1 << 0;
    pub const UPPER: ByteClasses = 1 << 1;
    pub const LOWER: ByteClasses = 1 << 2;
    pub const NON_ASCII: ByteClasses = 1 << 3;
    pub const SPACE: ByteClasses = 1 << 4;
    pub const AT: ByteClasses = 1 << 5;
    pub const OTHER: ByteClasses = 1 << 6;
}

/// The class bit of every byte.
static CLASS_OF: [ByteClasses; 256] = {
    let mut t = [class::OTHER; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = match b as u8 {
            b'0'..=b'9' => class::DIGIT,
            b'A'..=b'Z' => class::UPPER,
            b'a'..=b'z' => class::LOWER,
            0x80..=0xFF => class::NON_ASCII,
            b' ' => class::SPACE,
            b'@' => class::AT,
            _ => class::OTHER,
        };
        b += 1;
    }
    t
};

/// Classes of the bytes of `s`.
#[inline]
pub fn classes_of(s: &[u8]) -> ByteClasses {
    s.iter().fold(0, |m, &b| m | CLASS_OF[b as usize])
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Index of a detector in its catalogue.
pub type DetectorId = u16;

/// All detectors of a run, compiled.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub detectors: Vec<Detector>,
    /// Detectors to try on a whole value, by (length, first byte), priority order.
    by_len: SlotTable,
    /// Per detector: decided by its dictionary alone ([`Detector::keyword_only`]).
    keyword_only: Vec<bool>,
    /// Per detector: its validator when that alone decides (no pattern of its own to run, no
    /// dictionary), kept apart from the large `Detector` so that the cell loop reads little.
    simple: Vec<Option<ValidateFn>>,
    /// Detectors that judge values longer than [`MAX_EXACT_LEN`], priority order.
    long: Vec<DetectorId>,
    text_re: Option<Regex>,
    /// Dictionary terms of every free-text keyword detector.
    text_kw: Option<KeywordSet>,
    /// Every term of the dictionary detectors in the whole-value table: one test per cell.
    cell_kw: Option<KeywordSet>,
    /// Free-text detectors that can accept a match, by (length up to `TEXT_LONG`, first byte),
    /// priority order: a match its pattern cannot produce (wrong first byte or length) is not
    /// shown to its validator.
    text_by_len: SlotTable,
    pub ctx: Ctx,
}

/// Matches at least this long share one row of the text table.
const TEXT_LONG: usize = MAX_EXACT_LEN + 1;

/// Detector lists by (length, first byte), compact: first bytes that no list tells apart share
/// a column, and the lists live in one vector. (A `Vec` per length and byte took 400 KB, and
/// reading a slot missed the cache on most cells.)
#[derive(Debug, Clone)]
struct SlotTable {
    column: Box<[u8; 256]>,
    columns: usize,
    rows: usize,
    /// (start, length) in `ids`, by `length * columns + column`.
    slots: Vec<(u32, u32)>,
    ids: Vec<DetectorId>,
}

impl SlotTable {
    /// From lists indexed by `length * 256 + first byte`, `rows` lengths.
    fn compress(rows: usize, table: &[Vec<DetectorId>]) -> SlotTable {
        let mut column = Box::new([0u8; 256]);
        let mut reps: Vec<usize> = Vec::new();
        for b in 0..256 {
            let same = reps.iter().position(|&r| (0..rows).all(|l| table[l * 256 + r] == table[l * 256 + b]));
            column[b] = match same {
                Some(c) => c as u8,
                None => {
                    reps.push(b);
                    (reps.len() - 1) as u8
                }
            };
        }
        let (mut slots, mut ids) = (Vec::with_capacity(rows * reps.len()), Vec::new());
        for l in 0..rows {
            for &r in &reps {
                let list = &table[l * 256 + r];
                slots.push((ids.len() as u32, list.len() as u32));
                ids.extend_from_slice(list);
            }
        }
        SlotTable { column, columns: reps.len(), rows, slots, ids }
    }

    /// Rows in the table.
    #[inline]
    fn rows(&self) -> usize {
        self.rows
    }

    #[inline]
    fn get(&self, len: usize, first: u8) -> &[DetectorId] {
        let (s, n) = self.slots[len * self.columns + self.column[first as usize] as usize];
        &self.ids[s as usize..(s + n) as usize]
    }
}

/// Per-worker state: a private clone of the combined regex (its cache is not shared across
/// threads).
pub struct Worker {
    text_re: Option<Regex>,
}

impl Catalogue {
    /// The built-in detectors.
    pub fn builtin(ctx: Ctx) -> Result<Catalogue> {
        Catalogue::build(Self::builtin_specs()?, ctx)
    }

    pub fn builtin_specs() -> Result<Vec<(DetectorSpec, String)>> {
        BUILTIN
            .iter()
            .map(|(file, text)| Ok((DetectorSpec::parse(&format!("detectors/{file}"), text)?, "builtin".to_string())))
            .collect()
    }

    /// Read every `*.toml` of a directory (sorted) as user detectors.
    pub fn load_dir(dir: &Path) -> Result<Vec<(DetectorSpec, String)>> {
        let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir.to_string_lossy(), &e))?;
        let mut paths: Vec<_> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        paths
            .into_iter()
            .map(|p| {
                let name = p.to_string_lossy().into_owned();
                let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&name, &e))?;
                Ok((DetectorSpec::parse(&name, &text)?, name))
            })
            .collect()
    }

    /// Compile specs; a user detector with the id of a built-in one replaces it.
    pub fn build(specs: Vec<(DetectorSpec, String)>, ctx: Ctx) -> Result<Catalogue> {
        let mut detectors: Vec<Detector> = Vec::new();
        for (spec, origin) in specs {
            let d = Detector::compile(spec, &origin)?;
            if let Some(i) = detectors.iter().position(|x| x.id() == d.id()) {
                detectors[i] = d;
            } else {
                detectors.push(d);
            }
        }
        // Priority order is the arbitration order; ids break ties so the order is stable.
        detectors.sort_by(|a, b| (a.priority, a.id()).cmp(&(b.priority, b.id())));
        if detectors.len() > DetectorId::MAX as usize {
            return Err(Error::Usage("too many detectors".into()));
        }
        // Which first bytes each detector can accept, from its pattern (all, without one).
        // A detector's dictionary accepts values its pattern does not describe: such a detector is
        // filtered by neither.
        fn shaped(d: &Detector) -> Option<&str> {
            if d.keywords.is_none() {
                d.spec.pattern.as_deref()
            } else {
                None
            }
        }
        let firsts: Vec<[bool; 256]> = detectors.iter().map(|d| first_bytes(shaped(d))).collect();
        let lens: Vec<(usize, Option<usize>)> = detectors.iter().map(|d| pattern_lens(shaped(d))).collect();
        let mut by_len = vec![Vec::new(); (MAX_EXACT_LEN + 1) * 256];
        for (i, d) in detectors.iter().enumerate() {
            // Detectors that need the column name are tried only where it hints them
            // (`exact_first`): anywhere else their answer would be discarded anyway.
            if d.header_only || d.header_required {
                continue;
            }
            // A dictionary decides only short whole values.
            let hi = if d.keyword_only { keywords::WHOLE_CELL_MAX } else { d.max_len };
            for len in d.min_len..=hi.min(MAX_EXACT_LEN) {
                for b in 0..256 {
                    if firsts[i][b] {
                        by_len[len * 256 + b].push(i as DetectorId);
                    }
                }
            }
        }
        let by_len = SlotTable::compress(MAX_EXACT_LEN + 1, &by_len);
        let keyword_only = detectors.iter().map(|d| d.keyword_only).collect();
        let simple = detectors
            .iter()
            .map(|d| if d.exact_re.is_none() && d.keywords.is_none() { d.validator } else { None })
            .collect();
        let long: Vec<DetectorId> = (0..detectors.len())
            .filter(|&i| {
                !detectors[i].header_only && !detectors[i].header_required && detectors[i].max_len > MAX_EXACT_LEN
            })
            .map(|i| i as DetectorId)
            .collect();
        let terms: Vec<(DetectorId, &str)> = detectors
            .iter()
            .enumerate()
            .filter(|(_, d)| d.keywords_in_text)
            .flat_map(|(i, d)| d.spec.keywords.iter().map(move |k| (i as DetectorId, k.as_str())))
            .collect();
        let text_kw = KeywordSet::build(&terms);
        let text_ids: Vec<DetectorId> = detectors
            .iter()
            .enumerate()
            .filter(|(_, d)| d.free_text && !d.header_only)
            .map(|(i, _)| i as DetectorId)
            .collect();
        let mut text_by_len = vec![Vec::new(); (TEXT_LONG + 1) * 256];
        for &d in &text_ids {
            // The pattern's lengths, widened to the file's `min_len`/`max_len`: a validator may
            // take a little more than its pattern describes.
            let det = &detectors[d as usize];
            let (lo, hi) = lens[d as usize];
            let lo = lo.min(det.min_len);
            let hi = hi.map_or(TEXT_LONG, |h| h.max(det.max_len).min(TEXT_LONG));
            for len in lo.min(TEXT_LONG)..=hi {
                for b in 0..256 {
                    if firsts[d as usize][b] {
                        text_by_len[len * 256 + b].push(d);
                    }
                }
            }
        }
        let text_by_len = SlotTable::compress(TEXT_LONG + 1, &text_by_len);
        let text_re = if text_ids.is_empty() {
            None
        } else {
            let alt: Vec<String> = text_ids
                .iter()
                .map(|&i| format!("(?:{})", detectors[i as usize].spec.pattern.as_deref().unwrap_or("")))
                .collect();
            // The union of every pattern makes a large lazy DFA; a cache that holds it avoids
            // rebuilding states (determinisation showed up at 14% of the scan with the default; at
            // 16 MiB it is under 0.2% on the 1 GiB benchmark).
            Some(
                regex::RegexBuilder::new(&alt.join("|"))
                    .dfa_size_limit(16 << 20)
                    .build()
                    .map_err(|e| Error::Usage(format!("detector patterns: {e}")))?,
            )
        };
        let cell_terms: Vec<(DetectorId, &str)> = detectors
            .iter()
            .enumerate()
            .filter(|(_, d)| d.keyword_only && !d.header_only && !d.header_required)
            .flat_map(|(i, d)| d.spec.keywords.iter().map(move |t| (i as DetectorId, t.as_str())))
            .collect();
        let cell_kw = KeywordSet::build_gate(&cell_terms);
        Ok(Catalogue { detectors, by_len, keyword_only, simple, long, text_re, text_kw, cell_kw, text_by_len, ctx })
    }

    pub fn worker(&self) -> Worker {
        Worker { text_re: self.text_re.clone() }
    }

    pub fn len(&self) -> usize {
        self.detectors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.detectors.is_empty()
    }

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
                        self.cell_kw.as_ref().is_some_and(|kw| kw.may_decide(cell, classes_of(cell.as_bytes())))
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
    fn accepts(&self, d: DetectorId, s: &str) -> bool {
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

    /// The `header_required` detector (with a value shape) a column name hints first, if any.
    pub fn first_hinted(&self, hints: &[DetectorId]) -> Option<DetectorId> {
        hints.iter().copied().find(|&d| {
            let det = self.get(d);
            det.header_required && !det.header_only
        })
    }

    /// Are there detectors that search inside free text?
    #[inline]
    pub fn has_text_detectors(&self) -> bool {
        self.text_re.is_some() || self.text_kw.is_some()
    }

    /// Are there dictionary terms to find in free text? Then every free-text cell is searched,
    /// not only those holding a digit or an `@`.
    #[inline]
    pub fn has_text_keywords(&self) -> bool {
        self.text_kw.is_some()
    }

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

    pub fn get(&self, id: DetectorId) -> &Detector {
        &self.detectors[id as usize]
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

/// Run every detector's `match` / `no_match` examples; returns the failures.
pub fn check_examples(cat: &Catalogue) -> Vec<String> {
    let mut failures = Vec::new();
    for d in &cat.detectors {
        for m in &d.spec.examples.matches {
            if !d.accepts(m.trim(), &cat.ctx) {
                failures.push(format!("{} ({}): example {:?} should match", d.id(), d.origin, m));
            }
        }
        for m in &d.spec.examples.no_match {
            if d.accepts(m.trim(), &cat.ctx) {
                failures.push(format!("{} ({}): example {:?} should not match", d.id(), d.origin, m));
            }
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    fn cat() -> Catalogue {
        Catalogue::builtin(Ctx { today: Date::new(2026, 11, 28).unwrap() }).unwrap()
    }

    #[test]
    fn whole_values_wider_than_their_search_pattern() {
        // The address search pattern has no '-', '#', spaces or brackets; the validator takes
        // them in a whole value, and the tables must not turn such a value away.
        let c = cat();
        for v in
            ["广东省深圳市南山区科技园南路18号3-1205室", "北京市朝阳区建国路88号(东门)", "上海市浦东新区张江路 88 号"]
        {
            let d = c.exact(v).map(|d| c.get(d).id().to_string());
            assert_eq!(d.as_deref(), Some("address"), "{v}");
        }
        // An IPv6 address ending in a dotted quad, and an ICD-10 code with its placeholder x.
        assert_eq!(c.exact("::ffff:192.168.1.1").map(|d| c.get(d).id()), Some("ipv6"));
        assert_eq!(c.exact("I10.x00").map(|d| c.get(d).id()), Some("icd10"));
    }

    #[test]
    fn patterns_cover_examples() {
        // The first-byte table relies on it: a value the validator accepts starts the way the
        // pattern does, so a whole cell is never skipped that the validator would take.
        let c = cat();
        for d in &c.detectors {
            let firsts = first_bytes(d.spec.pattern.as_deref());
            for m in &d.spec.examples.matches {
                let b = m.trim().as_bytes()[0] as usize;
                assert!(firsts[b], "{}: example {m:?} starts with a byte its pattern cannot", d.id());
                // Header-only detectors are decided by the column name, not by values.
                let me = c.detectors.iter().position(|x| x.id() == d.id()).unwrap() as DetectorId;
                assert!(
                    d.header_only || c.exact_first(m.trim(), &[me]).is_some(),
                    "{}: {m:?} is not accepted as a whole value",
                    d.id()
                );
            }
        }
        // The tables by first byte and length (`by_len`, `text_by_len`) rest on more: whatever a
        // validator accepts, its pattern matches whole. Checked on the examples.
        let mut unmatched = Vec::new();
        for d in c.detectors.iter().filter(|d| d.keywords.is_none()) {
            let Some(p) = d.spec.pattern.as_deref() else { continue };
            let whole = Regex::new(&format!("^(?:{p})$")).unwrap();
            for m in &d.spec.examples.matches {
                if !whole.is_match(m.trim()) {
                    unmatched.push(format!("{}: {m:?}", d.id()));
                }
            }
        }
        assert!(unmatched.is_empty(), "examples their pattern does not match whole: {unmatched:?}");
        // And the table does cut: a name never reaches the phone validator.
        let phone = first_bytes(c.detectors.iter().find(|d| d.id() == "phone").unwrap().spec.pattern.as_deref());
        assert!(phone[b'1' as usize] && phone[b'+' as usize] && phone[b'0' as usize] && !phone[b'A' as usize]);
    }

    #[test]
    fn builtin_examples_hold() {
        let f = check_examples(&cat());
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn builtin_list_matches_directory() {
        crate::test_util::assert_builtin_list("detectors", BUILTIN, "src/detect/mod.rs");
    }

    #[test]
    fn resident_id_is_not_a_bank_card() {
        let c = cat();
        let d = c.exact("11010519491231002X").unwrap();
        assert_eq!(c.get(d).category(), "resident_id");
        let d = c.exact("440524188001010014").unwrap();
        assert_eq!(c.get(d).category(), "resident_id");
    }

    fn category_of(c: &Catalogue, cell: &str) -> Option<String> {
        c.exact(cell).map(|d| c.get(d).category().to_string())
    }

    #[test]
    fn arbitration_by_priority() {
        let c = cat();
        let cases = [
            // `gb11643` accepts permits too; the permit detector outranks it.
            ("810000199408230021", Some("residence_permit_id")),
            ("11010519491231002X", Some("resident_id")),
            // A 15-digit number shaped like a legacy resident ID is no ID on its own (one IMEI
            // in 25 has that shape): it passes Luhn, so it is an IMEI; under an ID column's name
            // it is an ID (below).
            ("110105491231001", Some("device_id")),
            ("110105491231002", None),
            ("352099001761481", Some("device_id")),
            ("352099491231003", Some("device_id")),
            // An 18-digit resident ID that is also a valid credit code is a person's.
            ("110105198001010518", Some("resident_id")),
            // An all-digit credit code that also passes MOD 11-2 with a leading 9 stays a company
            // code: as a person key it would merge everyone whose row names that company.
            ("911101088124158683", Some("organisation_id")),
            ("91110108MA01ABCD1E", Some("organisation_id")),
            ("915600198001010015", Some("foreign_permanent_resident_id")),
            ("6228480402564890018", Some("bank_card")),
            ("LSVAM4187C2184847", Some("vin")),
            ("E12345678", Some("passport")),
            ("H12345678", Some("hk_macau_permit")),
            ("C12345678", Some("mainland_travel_permit")),
            ("粤B·8K3J9", Some("licence_plate")),
            ("3C:22:FB:7A:10:9E", Some("device_id")),
            ("192.168.1.100", Some("ip_address")),
            ("2001:db8::1", Some("ip_address")),
            ("39.9042,116.4074", Some("precise_location")),
            // Dates and 8-digit permit numbers need their column name (header_required): on
            // their own they are nothing, under a name that hints them they are asked first.
            ("19900105", None),
            ("12345678", None),
            ("00000000", None),
            ("13812345678", Some("phone")),
        ];
        for (cell, want) in cases {
            assert_eq!(category_of(&c, cell).as_deref(), want, "{cell}");
        }
        let id = |name: &str| c.detectors.iter().position(|d| d.id() == name).unwrap() as DetectorId;
        let under = |cell: &str, hint: &str| c.exact_first(cell, &[id(hint)]).map(|d| c.get(d).category().to_string());
        assert_eq!(under("19900105", "birth_date").as_deref(), Some("birth_date"));
        assert_eq!(under("12345678", "taiwan_permit").as_deref(), Some("taiwan_permit"));
        assert_eq!(under("00000000", "taiwan_permit").as_deref(), None);
        assert_eq!(under("110105491231001", "resident_id_legacy").as_deref(), Some("resident_id"));
        assert_eq!(under("352099491231003", "resident_id_legacy").as_deref(), Some("resident_id"));
    }

    /// An address-shaped piece of a longer malformed token is no address (issue 14 item 7:
    /// Presidio's and python-stdnum's negative vectors); the same address standing alone is.
    #[test]
    fn free_text_matches_need_clean_edges() {
        let c = cat();
        let mut w = c.worker();
        let found = |w: &mut Worker, cell: &str| {
            let mut v = Vec::new();
            c.find_in_text(w, cell, |d, s| v.push((c.get(d).category().to_string(), s.to_string())));
            v
        };
        for bad in [
            "::ffff:256.0.0.1",
            "::ffff:192.168.1",
            "2001:db8::256.1.1.1",
            "mac d0:50:99:84:a2:a0:ff here",
            "d0:50:99:84:a2:a0:ff:01",
            "684D:1111:222:3333:4444:5555:77",
        ] {
            assert!(found(&mut w, bad).is_empty(), "{bad}: {:?}", found(&mut w, bad));
        }
        for (good, want) in [
            ("Mapped: ::ffff:192.168.1.1", "::ffff:192.168.1.1"),
            ("Connect to ::ffff:10.0.0.1 now", "::ffff:10.0.0.1"),
            ("Connect to [2001:db8::1]:8080", "2001:db8::1"),
            ("MAC: 01:23:45:67:89:AB.", "01:23:45:67:89:AB"),
            ("ip:2001:db8::1", "2001:db8::1"),
        ] {
            let v = found(&mut w, good);
            assert!(v.iter().any(|(_, s)| s == want), "{good}: {v:?}");
        }
    }

    #[test]
    fn keywords_and_markings_in_cells() {
        let c = cat();
        let mut w = c.worker();
        let cells = [
            "客户称有糖尿病，需要复诊",
            "普通咨询",
            "关于试验安排的通知 机密★10年",
            "这是我们的小秘密",
            "Dx E11.9, allergy to penicillin",
        ];
        let mut text = String::new();
        let mut ranges = Vec::new();
        for cell in cells {
            let s = text.len() as u32;
            text.push_str(cell);
            ranges.push((s, text.len() as u32));
            text.push('\n');
        }
        let mut found = Vec::new();
        c.find_in_cells(&mut w, &text, &ranges, None, |ci, d, m| {
            found.push((ci, c.get(d).category().to_string(), m.to_string()))
        });
        found.sort();
        let got: Vec<(usize, &str)> = found.iter().map(|(i, c, _)| (*i, c.as_str())).collect();
        assert_eq!(
            got,
            [
                (0, "medical_health"),
                (0, "medical_health"),
                (2, "core:classified_marking"),
                (4, "medical_health"),
                (4, "medical_health"),
                (4, "medical_health")
            ],
            "{found:?}"
        );
    }

    #[test]
    fn long_values_and_header_only() {
        let c = cat();
        // Longer than MAX_EXACT_LEN: judged by the shape validators that allow it.
        let addr = "广东省深圳市南山区科技园南路18号深圳湾科技生态园10栋A座1205室";
        assert!(addr.len() > MAX_EXACT_LEN);
        assert_eq!(category_of(&c, addr).as_deref(), Some("address"));
        assert_eq!(category_of(&c, &"客户来电咨询退货流程。".repeat(6)), None);
        // Header-only detectors never decide a value.
        assert!(c.detectors.iter().filter(|d| d.header_only).count() >= 10);
        assert_eq!(category_of(&c, "x"), None);
        let hints = c.header_info("充电桩编号").hints;
        assert!(derived::header_only_categories(&c, &hints).contains(&"important:automotive:charging_network"));
        assert!(derived::trajectory("points[].lat", &["precise_location".to_string()]));
        assert!(!derived::trajectory("lat", &["precise_location".to_string()]));
    }

    #[test]
    fn header_required_needs_more_than_half() {
        let t = "id='x'\ncategory='x'\ndescription='d'\nvalidator='gb11643'\nheader_required=true\nmin_ratio=0.4\n[examples]\nmatch=['19900105']\nno_match=['1']\n";
        let spec = DetectorSpec::parse("detectors/x.toml", t).unwrap();
        let e = Catalogue::build(vec![(spec, "detectors/x.toml".into())], cat().ctx).unwrap_err().to_string();
        assert!(e.contains("min_ratio"), "{e}");
    }

    #[test]
    fn finds_identifiers_in_text() {
        let c = cat();
        let mut w = c.worker();
        let mut found = Vec::new();
        c.find_in_text(
            &mut w,
            "客户要求改用备用手机+86 138 1234 5678联系, 邮箱 a.b@qq.com, 身份证11010519491231002X",
            |d, s| found.push((c.get(d).category().to_string(), s.to_string())),
        );
        let cats: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(cats, ["phone", "email", "resident_id"], "{found:?}");
    }

    #[test]
    fn finds_device_vehicle_and_travel_identifiers_in_text() {
        let c = cat();
        let mut w = c.worker();
        let mut found = Vec::new();
        c.find_in_text(
            &mut w,
            "车主粤B·8K3J9(车架号LSVAM4187C2184847)于39.9042,116.4074停车, 手机串号352099001761481, \
             MAC 3C:22:FB:7A:10:9E, 登录IP 223.5.5.5 / 2409:8a00:1:2::abcd, 护照E12345678, \
             回乡证H12345678, 居住证810000199408230021; 版本v1.2.3.4.5 build1.2.3.4 时间12:30:45 订单202311051234567",
            |d, s| found.push((c.get(d).category().to_string(), s.to_string())),
        );
        let cats: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(
            cats,
            [
                "licence_plate",
                "vin",
                "precise_location",
                "device_id",
                "device_id",
                "ip_address",
                "ip_address",
                "passport",
                "hk_macau_permit",
                "residence_permit_id"
            ],
            "{found:?}"
        );
    }
}
