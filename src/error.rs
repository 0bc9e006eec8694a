//! Library errors. Every message is lowercase, names the input and the place (row, byte offset or
//! column) and never quotes a raw cell value: messages from the underlying readers pass through
//! [`redact`] before they are stored.

use std::fmt;

/// Where in an input a problem was found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Place {
    /// 1-based data row (header excluded) when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    /// Byte offset in the decoded stream when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub byte_offset: Option<u64>,
    /// Column path when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

impl Place {
    pub fn row(row: u64) -> Self {
        Place { row: Some(row), ..Place::default() }
    }
    pub fn offset(byte_offset: u64) -> Self {
        Place { byte_offset: Some(byte_offset), ..Place::default() }
    }
    pub fn is_empty(&self) -> bool {
        self.row.is_none() && self.byte_offset.is_none() && self.column.is_none()
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(r) = self.row {
            parts.push(format!("row {r}"));
        }
        if let Some(o) = self.byte_offset {
            parts.push(format!("byte offset {o}"));
        }
        if let Some(c) = &self.column {
            parts.push(format!("column {}", sanitize_name(c)));
        }
        f.write_str(&parts.join(", "))
    }
}

/// Errors of the xborder library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input could not be opened or read.
    #[error("{}: {message}", escape_name(.path))]
    Io { path: String, message: String },
    /// An input was read but its content is malformed at a known place.
    #[error("{}: {message}{}", escape_name(.path), place_suffix(.place))]
    Malformed { path: String, place: Place, message: String },
    /// A detector, policy or other configuration file is invalid.
    #[error("{path}: {message}")]
    Config { path: String, message: String },
    /// The caller asked for something impossible (bad flag value, unknown id).
    #[error("{0}")]
    Usage(String),
    /// The ledger database failed.
    #[error("ledger {path}: {message}")]
    Ledger { path: String, message: String },
}

fn place_suffix(p: &Place) -> String {
    if p.is_empty() {
        String::new()
    } else {
        format!(" (at {p})")
    }
}

impl Error {
    pub fn io(path: impl Into<String>, e: &std::io::Error) -> Self {
        Error::Io { path: path.into(), message: redact(&e.to_string()) }
    }
    pub fn malformed(path: impl Into<String>, place: Place, message: impl AsRef<str>) -> Self {
        Error::Malformed { path: path.into(), place, message: redact(message.as_ref()) }
    }
    /// [`Error::malformed`] for a message of xborder's own that holds no text of the input (only
    /// counts, limits and places), so it is not redacted: "200000 columns, more than 10000".
    pub fn located(path: impl Into<String>, place: Place, message: impl Into<String>) -> Self {
        Error::Malformed { path: path.into(), place, message: message.into() }
    }
    pub fn config(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Config { path: path.into(), message: message.into() }
    }
    /// The place, when the error has one.
    pub fn place(&self) -> Option<&Place> {
        match self {
            Error::Malformed { place, .. } => Some(place),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Make a message from a third-party reader safe to print: quoted text is replaced, and any run of
/// four or more digits or identifier-like characters that contains a digit is masked, so a value
/// echoed by a parser ("cannot parse '13812345678'", "expected { got 330106198104182125") never
/// leaves the tool. A number stays readable when it is short, or when it follows a word that
/// counts places ("line", "row", "offset"…) and is too short to be an identifier (ten digits:
/// phones, resident IDs and card numbers are longer). Words of letters stay, and so do encoding
/// names (`gb18030`, `utf-16le`); a word with non-ASCII letters is masked (the readers' messages
/// are English, so such a word is data: a name, an address).
pub fn redact(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut chars = msg.chars().peekable();
    let mut last_word = String::new();
    while let Some(c) = chars.next() {
        if c == '\'' || c == '"' || c == '`' {
            // skip to the closing quote
            let mut closed = false;
            for d in chars.by_ref() {
                if d == c {
                    closed = true;
                    break;
                }
            }
            out.push_str("<redacted>");
            if !closed {
                break;
            }
            continue;
        }
        if c.is_alphanumeric() || c == '_' || c == '-' || c == '@' || c == '+' {
            let mut tok = String::new();
            tok.push(c);
            while let Some(&d) = chars.peek() {
                if d.is_alphanumeric() || d == '_' || d == '-' || d == '@' || d == '.' && !tok.ends_with('.') {
                    tok.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            let trailing_dot = tok.ends_with('.');
            if trailing_dot {
                tok.pop();
            }
            let out_tok = if keep_token(&tok, &last_word) { tok.as_str() } else { "…" };
            out.push_str(out_tok);
            if trailing_dot {
                out.push('.');
            }
            last_word = tok.to_lowercase();
            continue;
        }
        if !c.is_whitespace() {
            last_word.clear();
        }
        if c.is_control() || is_bidi_control(c) {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether a word of a reader's message may be shown as it is (see [`redact`]).
fn keep_token(tok: &str, last_word: &str) -> bool {
    if tok.contains('@') || !tok.is_ascii() {
        return false;
    }
    let digits = tok.chars().filter(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return true;
    }
    let is_number = tok.bytes().all(|c| c.is_ascii_digit());
    if is_number {
        let counts_places = matches!(
            last_word,
            "line"
                | "lines"
                | "row"
                | "rows"
                | "offset"
                | "record"
                | "records"
                | "column"
                | "columns"
                | "field"
                | "fields"
                | "group"
                | "page"
                | "index"
                | "depth"
                | "than"
                | "position"
                | "byte"
                | "bytes"
                | "size"
                | "length"
                | "len"
        );
        return tok.len() < 4 || (counts_places && tok.len() <= 10);
    }
    // Letters and digits: an encoding's name is kept; other words keep fewer than four digits.
    digits < 4
        || (tok.bytes().any(|b| b.is_ascii_alphabetic()) && encoding_rs::Encoding::for_label(tok.as_bytes()).is_some())
}

/// Bidirectional-text controls (U+202A–U+202E, U+2066–U+2069): invisible, they reorder what a
/// terminal shows, so a name holding them could disguise itself.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// A file name as printed: control and bidirectional-control characters are written as escapes
/// (`\x1b`, `\n`, `\u{202e}`), so a name cannot move the cursor, clear the screen or reorder
/// the line; everything else is kept, the length too.
pub fn escape_name(name: &str) -> std::borrow::Cow<'_, str> {
    if !name.chars().any(|c| c.is_control() || is_bidi_control(c) || c == '\\') {
        return std::borrow::Cow::Borrowed(name);
    }
    let mut s = String::with_capacity(name.len() + 8);
    for c in name.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if (c as u32) < 0x80 && c.is_control() => s.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() || is_bidi_control(c) => s.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => s.push(c),
        }
    }
    std::borrow::Cow::Owned(s)
}

/// Column and file names come from the data: strip control characters (terminal escapes) and
/// limit the length before they are echoed.
pub fn sanitize_name(name: &str) -> String {
    let mut s: String =
        name.chars().map(|c| if c.is_control() || is_bidi_control(c) { '?' } else { c }).take(120).collect();
    if name.chars().count() > 120 {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_masks_values_keeps_places() {
        let m = redact("incorrect number of fields for line 12345, expected 3 got 4");
        assert_eq!(m, "incorrect number of fields for line 12345, expected 3 got 4");
        let m = redact("error parsing value '13812345678' as int");
        assert_eq!(m, "error parsing value <redacted> as int");
        let m = redact("bad token 110105194912310021 near zhang@qq.com");
        assert!(!m.contains("1101051949"), "{m}");
        assert!(!m.contains("zhang@"), "{m}");
    }

    #[test]
    fn redact_masks_numbers_a_decoder_echoes() {
        // arrow-json's type-conflict message quotes the value it found.
        let m = redact("Json error: whilst decoding field a: expected { got 330106198104182125");
        assert!(!m.contains("3301061981"), "{m}");
        let m = redact("expected string got 13812345678 at line 7");
        assert!(!m.contains("13812345678") && m.contains("line 7"), "{m}");
        // Numbers that count places stay, but not at identifier length.
        assert_eq!(redact("error at byte offset 1234567"), "error at byte offset 1234567");
        assert!(!redact("row 6228480402564890018").contains("622848"));
        // Data in other scripts is masked; encoding names are not.
        assert!(!redact("cannot parse 张三 as a number").contains("张三"));
        assert_eq!(redact("invalid gb18030 bytes"), "invalid gb18030 bytes");
        assert_eq!(redact("invalid utf-16le bytes"), "invalid utf-16le bytes");
    }

    #[test]
    fn names_are_escaped_not_cut() {
        assert_eq!(escape_name("a\x1b[2Jb\n.csv"), "a\\x1b[2Jb\\n.csv");
        assert_eq!(escape_name("x\u{202e}vsc.exe"), "x\\u{202e}vsc.exe");
        let long = "导出/".repeat(100);
        assert_eq!(escape_name(&long), long);
        let e = Error::Io { path: "in\x07.csv".into(), message: "gone".into() };
        assert_eq!(e.to_string(), "in\\x07.csv: gone");
    }
}
