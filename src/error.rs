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
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    /// An input was read but its content is malformed at a known place.
    #[error("{path}: {message}{}", place_suffix(.place))]
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
/// echoed by a parser ("cannot parse '13812345678'") never leaves the tool. Line and row numbers
/// stay readable because they are short or preceded by the words "line"/"row"/"offset".
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
            let digits = tok.chars().filter(|c| c.is_ascii_digit()).count();
            let is_number = tok.chars().all(|c| c.is_ascii_digit());
            let after_counter = matches!(
                last_word.as_str(),
                "line"
                    | "row"
                    | "offset"
                    | "record"
                    | "column"
                    | "field"
                    | "group"
                    | "got"
                    | "expected"
                    | "page"
                    | "index"
                    | "depth"
                    | "of"
                    | "at"
                    | "than"
            );
            let keep =
                digits == 0 || (is_number && (tok.len() < 4 || after_counter)) || (digits < 4 && !tok.contains('@'));
            if keep && !tok.contains('@') {
                out.push_str(&tok);
            } else {
                out.push('…');
            }
            if trailing_dot {
                out.push('.');
            }
            last_word = tok.to_lowercase();
            continue;
        }
        if !c.is_whitespace() {
            last_word.clear();
        }
        if c.is_control() {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// Column and file names come from the data: strip control characters (terminal escapes) and
/// limit the length before they are echoed.
pub fn sanitize_name(name: &str) -> String {
    let mut s: String = name.chars().map(|c| if c.is_control() { '?' } else { c }).take(120).collect();
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
}
