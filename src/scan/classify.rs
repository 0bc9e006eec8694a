//! Column decisions (DESIGN.md "Column decisions"): a column holds a category when enough of its
//! non-null values validate — a ratio, with the column name as support, never as the only
//! evidence. Free-text columns report what was found inside them, per category. Every finding
//! says why.

use std::collections::BTreeMap;

use super::session::ColumnAcc;
use crate::detect::{derived, Catalogue};
use crate::error::sanitize_name;
use crate::policy::{Class, Classes};
use crate::report::{ColumnReport, ImportantData};

/// Share of values that must read as free text for a column to be treated as free text.
const TEXT_SHARE: f64 = 0.3;

/// Confidence of a category kept only because the input's first rows counted its keys.
const CONFIDENCE_COUNTED_EARLY: f64 = 0.5;
/// Confidence of a category the column name alone decides (no value pattern exists for it).
const CONFIDENCE_NAME_DECIDES: f64 = 0.7;
/// Confidence that a column is not personal: its name names a non-personal identifier.
const CONFIDENCE_NAMED_NOT_PERSONAL: f64 = 0.9;
/// Confidence of free-text findings: every one validated, the column's share aside.
const CONFIDENCE_FREE_TEXT: f64 = 0.9;
/// Confidence that values shaped like a name-dependent category are not it: the name does not
/// say so.
const CONFIDENCE_NAME_MISSING: f64 = 0.8;

pub(crate) fn classify(cat: &Catalogue, classes: &Classes, input: &str, col: &ColumnAcc) -> Option<ColumnReport> {
    let mut report = classify_values(cat, classes, input, col);
    let t = &col.tally;
    // Header-only categories (no value pattern exists): the name decides, values confirm.
    let header_only = derived::header_only_categories(cat, &col.header.hints);
    let present = t.values + t.skipped;
    if !header_only.is_empty() && present > 0 {
        let r = report.get_or_insert_with(|| ColumnReport {
            input: sanitize_name(input),
            column: sanitize_name(&col.path),
            kind: "values".into(),
            categories: vec![],
            class: Class::NotPersonal.as_str().into(),
            confidence: CONFIDENCE_NAME_DECIDES,
            hits: 0,
            inspected: t.values,
            reason: String::new(),
            examples: vec![],
            counts: BTreeMap::new(),
        });
        let was_empty = r.categories.is_empty();
        for c in &header_only {
            if !r.categories.iter().any(|x| x == c) {
                r.categories.push(c.to_string());
            }
        }
        let why = format!(
            "the column name {:?} names {} (no value pattern exists for it; {present} non-empty value(s) confirm)",
            sanitize_name(&col.path),
            header_only.join("/")
        );
        if was_empty {
            r.reason = why;
            r.confidence = CONFIDENCE_NAME_DECIDES;
            r.hits = present;
        } else {
            r.reason.push_str("; ");
            r.reason.push_str(&why);
        }
    }
    if let Some(r) = report.as_mut() {
        if derived::trajectory(&col.path, &r.categories) {
            r.categories.push("trajectory".into());
            r.reason.push_str("; several precise points per row (a list) form a trajectory");
        }
        if !r.categories.is_empty() {
            r.class = class_of(classes, &r.categories).as_str().into();
        }
    }
    report
}

fn classify_values(cat: &Catalogue, classes: &Classes, input: &str, col: &ColumnAcc) -> Option<ColumnReport> {
    let t = &col.tally;
    let values = t.values;
    let name = sanitize_name(&col.path);
    let hinted_cats: Vec<&str> = col.header.hints.iter().map(|&d| cat.get(d).category()).collect();
    // Best whole-value detector: most hits, then priority order.
    let best = (0..cat.len())
        .filter(|&d| t.exact[d] > 0)
        .max_by(|&a, &b| t.exact[a].cmp(&t.exact[b]).then(cat.detectors[b].priority.cmp(&cat.detectors[a].priority)));
    let pct = |n: u64| if values == 0 { 0.0 } else { n as f64 / values as f64 };
    let mut text_counts: BTreeMap<String, u64> = BTreeMap::new();
    for d in 0..cat.len() {
        if t.text[d] > 0 {
            *text_counts.entry(cat.get(d as u16).category().to_string()).or_default() += t.text[d];
        }
    }
    // Weak evidence in free text counts in proportion to the column's size.
    let mut too_few: Vec<String> = Vec::new();
    let share_of = |c: &str| {
        (0..cat.len())
            .filter(|&d| cat.get(d as u16).category() == c)
            .filter_map(|d| cat.get(d as u16).spec.text_min_share)
            .fold(0.0f64, f64::max)
    };
    let weak = |counts: &mut BTreeMap<String, u64>, too_few: &mut Vec<String>| {
        counts.retain(|c, n| {
            let share = share_of(c);
            let keep = share == 0.0 || *n as f64 >= share * values as f64;
            if !keep {
                too_few.push(format!(
                    "{c} in {n} of {values} values, below the {:.0}% free text needs for it",
                    share * 100.0
                ));
            }
            keep
        });
    };
    weak(&mut text_counts, &mut too_few);

    if let Some(neg) = &col.header.negative {
        let hits: u64 = t.exact.iter().sum::<u64>() + t.text.iter().sum::<u64>();
        if hits == 0 {
            return None;
        }
        // Name a category with a value pattern of its own: every number is shaped like an
        // account number or a permit, which says nothing.
        let what = (0..cat.len())
            .filter(|&d| t.exact[d] > 0 && !cat.detectors[d].header_required)
            .max_by_key(|&d| t.exact[d])
            .map(|d| cat.get(d as u16).category())
            .unwrap_or("identifiers");
        return Some(ColumnReport {
            input: sanitize_name(input),
            column: name.clone(),
            kind: "values".into(),
            categories: vec![],
            class: Class::NotPersonal.as_str().into(),
            confidence: CONFIDENCE_NAMED_NOT_PERSONAL,
            hits: 0,
            inspected: values,
            reason: format!(
                "the column name {name:?} names a non-personal identifier ({neg}); {hits} value(s) shaped like {what} are not counted"
            ),
            examples: vec![],
            counts: BTreeMap::new(),
        });
    }

    if let Some(d) = best {
        let det = cat.get(d as u16);
        // Detectors of one category pool their hits (ICD codes and diagnosis words in one
        // diagnosis column).
        // Values that validated first as another category and also as this one count too (the
        // column's other values say what they are).
        let hits: u64 = (0..cat.len())
            .filter(|&x| cat.get(x as u16).category() == det.category())
            .map(|x| t.exact[x] + t.alt.get(x).copied().unwrap_or(0))
            .sum();
        let ratio = pct(hits);
        // A detector that needs the column name needs its own hint, not one of its category's.
        let hinted = if det.header_required {
            col.header.hints.contains(&(d as u16)) || derived::file_hints(cat, input).contains(&(d as u16))
        } else {
            hinted_cats.contains(&det.category())
        };
        if det.threshold(hinted).is_some_and(|needed| ratio >= needed) {
            let mut categories = vec![det.category().to_string()];
            for c in text_counts.keys() {
                if !categories.contains(c) {
                    categories.push(c.clone());
                }
            }
            // From 0.5 (no value validates) to 0.95 (every one does); a name that agrees adds a
            // little; never certainty.
            let confidence = (0.5 + 0.45 * ratio + if hinted { 0.04 } else { 0.0 }).min(0.99);
            let via = det.spec.validator.as_deref().map(|v| format!(" ({v})")).unwrap_or_default();
            let mut reason =
                format!("{hits} of {values} values ({:.1}%) validate as {}{via}", ratio * 100.0, det.category());
            if hinted && !col.header.hints.contains(&(d as u16)) && det.header_required {
                reason.push_str("; the file name names it");
            } else if hinted {
                reason.push_str(&format!("; the column name {name:?} agrees"));
            } else if !hinted_cats.is_empty() {
                reason.push_str(&format!("; the column name suggests {}", hinted_cats.join("/")));
            }
            if !text_counts.is_empty() {
                reason.push_str(&format!("; inside text: {}", fmt_counts(&text_counts)));
            }
            return Some(ColumnReport {
                input: sanitize_name(input),
                column: name,
                kind: "values".into(),
                class: class_of(classes, &categories).as_str().into(),
                categories,
                confidence: round2(confidence),
                hits,
                inspected: values,
                reason,
                examples: t.examples[d].iter().map(|(_, s)| s.clone()).collect(),
                counts: text_counts,
            });
        }
    }

    let texty = pct(t.text_values) >= TEXT_SHARE;
    // Whole-cell identifiers in a free-text column are mentions too.
    // Only detectors that search text themselves: a short Chinese word that happens to read as a
    // name or a region is not a mention of one.
    if texty {
        for d in 0..cat.len() {
            let det = cat.get(d as u16);
            if t.exact[d] > 0 && (det.free_text || det.keywords_in_text) {
                *text_counts.entry(cat.get(d as u16).category().to_string()).or_default() += t.exact[d];
            }
        }
        too_few.clear();
        weak(&mut text_counts, &mut too_few);
    }
    if !text_counts.is_empty() {
        let mut categories: Vec<(String, u64)> = text_counts.iter().map(|(c, n)| (c.clone(), *n)).collect();
        categories.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let categories: Vec<String> = categories.into_iter().map(|(c, _)| c).collect();
        let hits: u64 = text_counts.values().sum();
        let mut examples = Vec::new();
        let mut ex: Vec<_> = (0..cat.len()).flat_map(|d| t.examples[d].iter().cloned()).collect();
        ex.sort();
        for (_, s) in ex {
            if examples.len() == 5 {
                break;
            }
            if !examples.contains(&s) {
                examples.push(s);
            }
        }
        let mut reason =
            format!("free text: {hits} validated identifier(s) inside {values} values ({})", fmt_counts(&text_counts));
        for w in &too_few {
            reason.push_str("; not counted: ");
            reason.push_str(w);
        }
        return Some(ColumnReport {
            input: sanitize_name(input),
            column: name,
            kind: "free_text".into(),
            class: class_of(classes, &categories).as_str().into(),
            categories,
            confidence: CONFIDENCE_FREE_TEXT,
            hits,
            inspected: values,
            reason,
            examples,
            counts: text_counts,
        });
    }

    // Sparse whole-value hits in a column of codes: say why it is not reported.
    if let Some(d) = best {
        let det = cat.get(d as u16);
        let hits = t.exact[d];
        if det.header_required && !hinted_cats.contains(&det.category()) {
            return Some(ColumnReport {
                input: sanitize_name(input),
                column: name,
                kind: "values".into(),
                categories: vec![],
                class: Class::NotPersonal.as_str().into(),
                confidence: CONFIDENCE_NAME_MISSING,
                hits: 0,
                inspected: values,
                reason: format!(
                    "{hits} of {values} values are shaped like {}, which counts only under a column name that says so ({})",
                    det.category(),
                    det.spec.header_hints.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
                ),
                examples: vec![],
                counts: BTreeMap::new(),
            });
        }
        return Some(ColumnReport {
            input: sanitize_name(input),
            column: name,
            kind: "values".into(),
            categories: vec![],
            class: Class::NotPersonal.as_str().into(),
            confidence: round2(1.0 - pct(hits)),
            hits: 0,
            inspected: values,
            reason: format!(
                "only {hits} of {values} values ({:.2}%) validate as {}, below the {:.0}% a column needs",
                pct(hits) * 100.0,
                det.category(),
                det.threshold(hinted_cats.contains(&det.category())).unwrap_or(det.min_ratio) * 100.0
            ),
            examples: vec![],
            counts: BTreeMap::new(),
        });
    }
    None
}

fn class_of(classes: &Classes, categories: &[String]) -> Class {
    categories.iter().map(|c| classes.class_of(c)).max().unwrap_or(Class::NotPersonal)
}

fn fmt_counts(c: &BTreeMap<String, u64>) -> String {
    let mut v: Vec<_> = c.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ")
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Important-data and core markers found in columns.
pub(crate) fn important_data(columns: &[ColumnReport]) -> Vec<ImportantData> {
    let mut out = Vec::new();
    for c in columns {
        for cat in &c.categories {
            if cat.starts_with("important:") || cat.starts_with("core:") {
                out.push(ImportantData {
                    marker: cat.clone(),
                    input: c.input.clone(),
                    column: c.column.clone(),
                    reason: c.reason.clone(),
                });
            }
        }
    }
    out
}

/// A column whose decision on the input's first `window` rows held `cats` — so their keys and
/// flags were counted as persons — but whose final decision does not: the report keeps them and
/// says so, so that it and the person count tell the same story.
pub(crate) fn keep_counted(
    classes: &Classes,
    input: &str,
    col: &ColumnAcc,
    report: Option<ColumnReport>,
    cats: &[&str],
    window: u64,
) -> ColumnReport {
    let t = &col.tally;
    let mut r = report.unwrap_or_else(|| ColumnReport {
        input: sanitize_name(input),
        column: sanitize_name(&col.path),
        kind: "values".into(),
        categories: vec![],
        class: Class::NotPersonal.as_str().into(),
        confidence: CONFIDENCE_COUNTED_EARLY,
        hits: 0,
        inspected: t.values,
        reason: String::new(),
        examples: vec![],
        counts: BTreeMap::new(),
    });
    for c in cats {
        if !r.categories.iter().any(|x| x == c) {
            r.categories.push(c.to_string());
        }
    }
    let why = format!(
        "{} held in the first {window} rows, whose identifiers were counted as persons, though not in the rest",
        cats.join("/")
    );
    if r.reason.is_empty() {
        r.reason = why;
    } else {
        r.reason.push_str("; ");
        r.reason.push_str(&why);
    }
    r.class = class_of(classes, &r.categories).as_str().into();
    r
}
