//! The first lines of a CSV file: the delimiter, whether the first record is a header, its names
//! (an identifier used as a column name is masked), and the text schema.

use arrow_schema::{DataType, Field, Schema};

/// The header record's fields (quotes undone).
pub(super) fn header_fields(b: &[u8], delimiter: u8) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let (mut i, mut quoted) = (0, false);
    let mut at_start = true;
    while i < b.len() {
        let c = b[i];
        if quoted {
            if c == b'"' {
                if b.get(i + 1) == Some(&b'"') {
                    cur.push(b'"');
                    i += 1;
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == b'"' && at_start {
            quoted = true;
        } else if c == delimiter {
            out.push(String::from_utf8_lossy(&cur).into_owned());
            cur.clear();
            at_start = true;
            i += 1;
            continue;
        } else if c == b'\n' || c == b'\r' {
            break;
        } else {
            cur.push(c);
        }
        at_start = false;
        i += 1;
    }
    out.push(String::from_utf8_lossy(&cur).into_owned());
    out
}

/// Every column as nullable UTF-8, with empty and duplicate names made unique (`a`, `a (2)`,
/// `a (3)`: one counter per name, so 200,000 columns named `a` take linear time). A name that
/// validates as an identifier is masked like a value: names are printed in every report.
pub(super) fn text_schema(names: &[String]) -> Schema {
    let mut seen = std::collections::HashSet::with_capacity(names.len());
    let mut next_suffix: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let fields: Vec<Field> = names
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let base = f.trim().trim_matches('\u{feff}');
            let base = if base.is_empty() {
                format!("column_{}", i + 1)
            } else {
                identifier_kind(base).map_or_else(|| base.to_string(), |k| k.mask(base))
            };
            let mut name = base.clone();
            if !seen.insert(name.clone()) {
                let n = next_suffix.entry(base.clone()).or_insert(2);
                loop {
                    name = format!("{base} ({n})");
                    *n += 1;
                    if seen.insert(name.clone()) {
                        break;
                    }
                }
            }
            Field::new(name, DataType::Utf8, true)
        })
        .collect();
    Schema::new(fields)
}

/// Identifiers a header cell is checked against: the ones that name one person and that no
/// column title looks like (GB 11643 resident ID, mainland mobile, e-mail, bank card by Luhn).
#[derive(Clone, Copy, PartialEq, Eq)]
enum IdKind {
    Digits,
    Email,
}

impl IdKind {
    fn mask(self, s: &str) -> String {
        use crate::detect::mask::{mask, MaskStyle};
        mask(if self == IdKind::Email { MaskStyle::Email } else { MaskStyle::Middle }, s)
    }
}

/// A column name masked like a value when it validates as an identifier (any input format).
pub(crate) fn masked_name(name: &str) -> Option<String> {
    identifier_kind(name).map(|k| k.mask(name.trim()))
}

fn identifier_kind(cell: &str) -> Option<IdKind> {
    use crate::detect::validators::{find, Ctx};
    let cell = cell.trim();
    if cell.len() < 6 || cell.len() > 64 {
        return None;
    }
    // The loosest "today": a header is judged without the scan date.
    let ctx = Ctx { today: crate::time::Date::new(9999, 12, 31).expect("a valid date") };
    let ok = |v: &str| find(v).is_some_and(|f| f(cell, &ctx));
    if ok("email") {
        Some(IdKind::Email)
    } else if ok("gb11643") || ok("phone_cn") || ok("bank_card") {
        Some(IdKind::Digits)
    } else {
        None
    }
}

/// Whether the first record is data rather than column names: some column's first cell is an
/// identifier and so are most of the cells below it (up to 50 records of the prefix).
pub(super) fn first_record_is_data(first: &[String], rest: &str, delimiter: u8) -> bool {
    let kinds: Vec<Option<IdKind>> = first.iter().map(|c| identifier_kind(c)).collect();
    if kinds.iter().all(Option::is_none) {
        return false;
    }
    let mut rest = rest.as_bytes();
    let mut agree = vec![0usize; first.len()];
    let mut records = 0usize;
    while records < 50 && !rest.is_empty() {
        let h = header_len_bytes(rest, delimiter);
        if h.open_quote.is_some() || (h.len == rest.len() && records > 0) {
            break; // the last record of the prefix may be cut
        }
        let line = &rest[..h.len];
        rest = &rest[h.len..];
        if line.iter().all(|b| matches!(b, b'\n' | b'\r')) {
            continue;
        }
        let cells = header_fields(line, delimiter);
        records += 1;
        for (i, k) in kinds.iter().enumerate() {
            if let (Some(k), Some(c)) = (k, cells.get(i)) {
                if identifier_kind(c) == Some(*k) {
                    agree[i] += 1;
                }
            }
        }
    }
    // With no record below, a header of identifiers is data too (a one-line export).
    records == 0 || kinds.iter().zip(&agree).any(|(k, &n)| k.is_some() && n * 2 > records)
}

/// The first record of a prefix: its length in bytes with its terminator, and where a quoted
/// field that is not closed opened.
pub(super) struct HeaderLen {
    pub(super) len: usize,
    pub(super) open_quote: Option<usize>,
}

/// Length of the first record (quotes may hide newlines), in csv-core's grammar: a quote opens
/// a quoted field only at the start of a field; anywhere else it is text.
pub(super) fn header_len(s: &str, delimiter: u8) -> HeaderLen {
    header_len_bytes(s.as_bytes(), delimiter)
}

fn header_len_bytes(b: &[u8], delimiter: u8) -> HeaderLen {
    let mut i = 0;
    let mut at_start = true;
    while i < b.len() {
        match b[i] {
            b'"' if at_start => {
                let open = i;
                i += 1;
                loop {
                    match memchr::memchr(b'"', &b[i..]) {
                        None => return HeaderLen { len: b.len(), open_quote: Some(open) },
                        Some(q) if b.get(i + q + 1) == Some(&b'"') => i += q + 2,
                        Some(q) => {
                            i += q + 1;
                            break;
                        }
                    }
                }
                at_start = false;
                continue;
            }
            b'\n' => return HeaderLen { len: i + 1, open_quote: None },
            b'\r' => {
                let len = if b.get(i + 1) == Some(&b'\n') { i + 2 } else { i + 1 };
                return HeaderLen { len, open_quote: None };
            }
            d if d == delimiter => at_start = true,
            _ => at_start = false,
        }
        i += 1;
    }
    HeaderLen { len: b.len(), open_quote: None }
}

/// Pick the delimiter that splits the first lines into the same, largest number of fields.
pub(crate) fn sniff_delimiter(prefix: &str) -> u8 {
    let lines: Vec<&str> = prefix.lines().filter(|l| !l.trim().is_empty()).take(20).collect();
    // The last line may be cut by the prefix end.
    let lines = if lines.len() > 2 { &lines[..lines.len() - 1] } else { &lines[..] };
    let mut best = (b',', 0usize, 0usize); // delimiter, consistent lines, fields
    for &d in b",\t;|" {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d)).collect();
        let Some(&first) = counts.first() else { continue };
        if first == 0 {
            continue;
        }
        let consistent = counts.iter().filter(|&&c| c == first).count();
        if (consistent, first) > (best.1, best.2) {
            best = (d, consistent, first);
        }
    }
    best.0
}

/// Delimiters outside quoted fields (a quote opens one only at the start of a field).
fn count_outside_quotes(line: &str, d: u8) -> usize {
    let (mut in_q, mut at_start) = (false, true);
    let mut n = 0;
    for &b in line.as_bytes() {
        if in_q {
            in_q = b != b'"';
        } else if b == b'"' && at_start {
            in_q = true;
        } else if b == d {
            n += 1;
            at_start = true;
            continue;
        }
        at_start = false;
    }
    n
}
