//! The detectors of a run compiled into one catalogue: loading the files, priority order, and the
//! tables that pick the detectors a value can match by its length and first byte.

use std::path::Path;

use regex::Regex;

use super::detector::{first_bytes, pattern_lens};
use super::keywords::KeywordSet;
use super::validators::{Ctx, ValidateFn};
use super::{Detector, DetectorId, DetectorSpec, BUILTIN, MAX_EXACT_LEN};
use crate::error::{Error, Result};

/// All detectors of a run, compiled.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub detectors: Vec<Detector>,
    /// Detectors to try on a whole value, by (length, first byte), priority order.
    pub(super) by_len: SlotTable,
    /// Per detector: decided by its dictionary alone ([`Detector::keyword_only`]).
    pub(super) keyword_only: Vec<bool>,
    /// Per detector: its validator when that alone decides (no pattern of its own to run, no
    /// dictionary), kept apart from the large `Detector` so that the cell loop reads little.
    pub(super) simple: Vec<Option<ValidateFn>>,
    /// Detectors that judge values longer than [`MAX_EXACT_LEN`], priority order.
    pub(super) long: Vec<DetectorId>,
    pub(super) text_re: Option<Regex>,
    /// Dictionary terms of every free-text keyword detector.
    pub(super) text_kw: Option<KeywordSet>,
    /// Every term of the dictionary detectors in the whole-value table: one test per cell.
    pub(super) cell_kw: Option<KeywordSet>,
    /// Free-text detectors that can accept a match, by (length up to `TEXT_LONG`, first byte),
    /// priority order: a match its pattern cannot produce (wrong first byte or length) is not
    /// shown to its validator.
    pub(super) text_by_len: SlotTable,
    pub ctx: Ctx,
}

/// Matches at least this long share one row of the text table.
pub(super) const TEXT_LONG: usize = MAX_EXACT_LEN + 1;

/// Detector lists by (length, first byte), compact: first bytes that no list tells apart share
/// a column, and the lists live in one vector. (A `Vec` per length and byte took 400 KB, and
/// reading a slot missed the cache on most cells.)
#[derive(Debug, Clone)]
pub(super) struct SlotTable {
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
    pub(super) fn rows(&self) -> usize {
        self.rows
    }

    #[inline]
    pub(super) fn get(&self, len: usize, first: u8) -> &[DetectorId] {
        let (s, n) = self.slots[len * self.columns + self.column[first as usize] as usize];
        &self.ids[s as usize..(s + n) as usize]
    }
}

/// Per-worker state: a private clone of the combined regex (its cache is not shared across
/// threads).
pub struct Worker {
    pub(super) text_re: Option<Regex>,
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
        // Keys of one category share a hash space: its detectors must normalise and rank them
        // alike.
        for (i, d) in detectors.iter().enumerate() {
            if let Some(o) = detectors[..i].iter().find(|o| o.category() == d.category()) {
                if (o.key_kind, o.key_rank) != (d.key_kind, d.key_rank) && (o.is_key() && d.is_key()) {
                    return Err(Error::config(
                        &d.origin,
                        format!(
                            "detector {}: `key_form` and `key_rank` differ from detector {} of the same category {}",
                            d.id(),
                            o.id(),
                            d.category()
                        ),
                    ));
                }
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
            let hi = if d.keyword_only { super::keywords::WHOLE_CELL_MAX } else { d.max_len };
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

    pub fn get(&self, id: DetectorId) -> &Detector {
        &self.detectors[id as usize]
    }
}
