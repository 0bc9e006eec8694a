//! The declarative detector file, `detectors/<id>.toml`. Unknown keys are an error naming the file
//! and the key, so a typo never silently disables a detector.

use serde::Deserialize;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectorSpec {
    /// Must equal the file stem.
    pub id: String,
    /// A category id of DESIGN.md (or a user's own).
    pub category: String,
    /// One line: what it finds.
    pub description: String,
    /// Name of a validator in `src/detect/validators/` (checks shape and check digits itself).
    #[serde(default)]
    pub validator: Option<String>,
    /// Regular expression that finds candidates inside free text (and, without a validator,
    /// decides whole cells, anchored). Use `(?-u:\b)` and `[0-9]`: a Unicode `\b` never fires
    /// between a CJK character and a digit.
    #[serde(default)]
    pub pattern: Option<String>,
    /// Dictionary terms (diagnoses, religions, credit and criminal-record words). A whole cell
    /// holding one is accepted; with `free_text` (default true) they are also found inside free
    /// text, by one Aho-Corasick automaton for the whole catalogue. ASCII terms match whole words,
    /// case-insensitively.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Cell lengths (bytes, after trimming) the detector can match whole. A `max_len` above
    /// `MAX_EXACT_LEN` (64) lets the validator judge long values too (addresses, image
    /// references, feature vectors): it then sees every long free-text cell first and must
    /// reject prose at its first bytes.
    #[serde(default)]
    pub min_len: Option<usize>,
    #[serde(default)]
    pub max_len: Option<usize>,
    /// Column names that support this category (Chinese and English). Supporting evidence only.
    #[serde(default)]
    pub header_hints: Vec<String>,
    /// Identifies one natural person (DESIGN.md "person keys").
    #[serde(default)]
    pub person_key: bool,
    /// How its keys are normalised before they are hashed (DESIGN.md "person keys"): `phone`
    /// (without `+86` and separators), `resident_id` (GB 11643: `x` upper-cased, 15 digits
    /// upgraded to 18; the birth date inside marks minors), `email` (lower-cased), `card` (bare
    /// digits); without it, the value as it is. Detectors of one category must agree.
    #[serde(default)]
    pub key_form: Option<String>,
    /// Sketch mode: which of a row's keys stands for its person, lowest first (document numbers,
    /// then phone, e-mail, card; default 8). Detectors of one category must agree.
    #[serde(default)]
    pub key_rank: Option<u8>,
    /// Names one person only when the row holds no `person_key` (DESIGN.md: licence plates,
    /// VINs, membership numbers): rows sharing it are then one person; beside a better key it is
    /// only a category of that person.
    #[serde(default)]
    pub fallback_key: bool,
    /// Whether this key, found inside free text, counts a person (default true). Numbers without
    /// a check digit (passports, permits) are reported there but too weak to count someone.
    #[serde(default)]
    pub key_in_text: Option<bool>,
    /// In free text, a match counts only when it is not a piece of a longer token: nothing
    /// alphanumeric touches it, and no `:`, `.` or `-` joins it to more hex digits
    /// (`::ffff:256.0.0.1`, a seven-group MAC). For addresses whose patterns can match inside
    /// malformed ones.
    #[serde(default)]
    pub clean_edges: bool,
    /// A free-text column holds this category only when at least this share of its values
    /// carry it (default 0: one is enough). For weak evidence: one address-shaped job title
    /// among 150 (`市场通路专员`) is no address column.
    #[serde(default)]
    pub text_min_share: Option<f64>,
    /// Search inside free text too (default true when a pattern is given).
    #[serde(default)]
    pub free_text: Option<bool>,
    /// Share of a column's values that must validate for the column to hold the category.
    #[serde(default)]
    pub min_ratio: Option<f64>,
    /// The values alone are too weak (any date, any 8-digit number): a column holds the category
    /// only when its name hints it, and then when `min_ratio` of its values validate.
    #[serde(default)]
    pub header_required: bool,
    /// The input's file name may stand for the column name (`exterior_camera_frames.csv`): for
    /// markers whose value shape is distinctive enough that a sibling column cannot hold it by
    /// chance (media references, not six-character codes). Default false.
    #[serde(default)]
    pub file_hint: bool,
    /// Lower runs first when several detectors accept the same cell (an 18-digit resident ID is
    /// not also a bank card).
    #[serde(default)]
    pub priority: Option<i32>,
    /// How examples are masked: `middle` (default), `email`, `name`, `prefix`.
    #[serde(default)]
    pub mask: Option<String>,
    pub examples: Examples,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    /// Values the detector must accept (as whole cells).
    #[serde(rename = "match")]
    pub matches: Vec<String>,
    /// Values it must reject.
    pub no_match: Vec<String>,
}

impl DetectorSpec {
    pub fn parse(path: &str, text: &str) -> Result<DetectorSpec> {
        let spec: DetectorSpec = toml::from_str(text).map_err(|e| Error::config(path, toml_message(&e)))?;
        let stem = std::path::Path::new(path).file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if spec.id != stem {
            return Err(Error::config(path, format!("key `id`: {:?} does not match the file name {stem:?}", spec.id)));
        }
        if spec.validator.is_none() && spec.pattern.is_none() && spec.keywords.is_empty() {
            return Err(Error::config(path, "a detector needs a `validator`, a `pattern` or `keywords`"));
        }
        if let Some(k) = spec.keywords.iter().find(|k| k.trim().is_empty() || k.trim() != k.as_str()) {
            return Err(Error::config(path, format!("key `keywords`: {k:?} is empty or has surrounding spaces")));
        }
        // The text search skips cells without a letter or a non-ASCII character.
        if let Some(k) = spec.keywords.iter().find(|k| !k.bytes().any(|b| b >= 0x80 || b.is_ascii_alphabetic())) {
            return Err(Error::config(
                path,
                format!("key `keywords`: {k:?} has no letter or CJK character (use a `pattern` for numbers)"),
            ));
        }
        if spec.person_key && spec.fallback_key {
            return Err(Error::config(path, "keys `person_key` and `fallback_key`: a key is one or the other"));
        }
        if spec.examples.matches.is_empty() || spec.examples.no_match.is_empty() {
            return Err(Error::config(path, "key `examples`: both `match` and `no_match` need at least one value"));
        }
        Ok(spec)
    }
}

/// toml's message, on one line, with the line/column it reports.
pub(crate) fn toml_message(e: &toml::de::Error) -> String {
    let msg = e.message().trim().replace('\n', " ");
    match e.span() {
        Some(span) => format!("{msg} (at byte {})", span.start),
        None => msg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_names_file_and_key() {
        let t = "id='x'\ncategory='phone'\ndescription='d'\nvalidator='phone_cn'\npatern='1'\n[examples]\nmatch=['1']\nno_match=['2']\n";
        let e = DetectorSpec::parse("detectors/x.toml", t).unwrap_err().to_string();
        assert!(e.contains("detectors/x.toml") && e.contains("patern"), "{e}");
    }
}
