//! Value shapes read without a detector: text that is a number or a timestamp (read as typed
//! data is), and `str::trim` without decoding.

use arrow_array::Array;

/// Values of `a` in `range` that are not null.
pub(super) fn non_null(a: &dyn Array, range: (usize, usize)) -> u64 {
    (range.1 - range.0 - a.slice(range.0, range.1 - range.0).null_count()) as u64
}

/// How many values of `s` in `range` there are, when all those not null (at least one) are
/// decimal numbers or timestamps, as a typed column would hold them. Such text is read as typed
/// data is: no identifier has these shapes (an integer may be a phone or an ID number: integers
/// stay text).
pub(super) fn typed_text(s: &arrow_array::StringArray, range: (usize, usize)) -> Option<u64> {
    let mut n = 0;
    for i in range.0..range.1 {
        if s.is_null(i) {
            continue;
        }
        if !(decimal_shape(s.value(i).as_bytes()) || timestamp_shape(s.value(i).as_bytes())) {
            return None;
        }
        n += 1;
    }
    (n > 0).then_some(n)
}

/// `-?[0-9]{1,18}\.[0-9]{1,18}`: a decimal number with a fraction (a price, a measure).
fn decimal_shape(b: &[u8]) -> bool {
    let b = b.strip_prefix(b"-").unwrap_or(b);
    let Some(dot) = b.iter().position(|&c| c == b'.') else { return false };
    let (int, frac) = (&b[..dot], &b[dot + 1..]);
    (1..=18).contains(&int.len()) && (1..=18).contains(&frac.len()) && int.iter().chain(frac).all(u8::is_ascii_digit)
}

/// `YYYY-MM-DD` or `YYYY/MM/DD`, optionally followed by a time `[ T]hh:mm[:ss[.f{1,9}]]` and a
/// zone (`Z`, `±hh:mm`, `±hhmm`).
fn timestamp_shape(b: &[u8]) -> bool {
    let digits = |r: &[u8]| !r.is_empty() && r.iter().all(u8::is_ascii_digit);
    if b.len() < 10 || !digits(&b[..4]) || !digits(&b[5..7]) || !digits(&b[8..10]) {
        return false;
    }
    if !matches!((b[4], b[7]), (b'-', b'-') | (b'/', b'/')) {
        return false;
    }
    let mut rest = &b[10..];
    if rest.is_empty() {
        return true;
    }
    // The time.
    if rest.len() < 6
        || !matches!(rest[0], b' ' | b'T')
        || !digits(&rest[1..3])
        || rest[3] != b':'
        || !digits(&rest[4..6])
    {
        return false;
    }
    rest = &rest[6..];
    if rest.len() >= 3 && rest[0] == b':' && digits(&rest[1..3]) {
        rest = &rest[3..];
        if rest.first() == Some(&b'.') {
            let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if !(1..=9).contains(&n) {
                return false;
            }
            rest = &rest[1 + n..];
        }
    }
    // The zone.
    match rest {
        [] | [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] | [b'+' | b'-', h1, h2, m1, m2] => {
            [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
        }
        _ => false,
    }
}

/// `str::trim`, skipped when the value plainly needs none (the common case).
#[inline]
pub(super) fn trim(v: &str) -> &str {
    if space_at_start(v.as_bytes()) || space_at_end(v.as_bytes()) {
        v.trim()
    } else {
        v
    }
}

/// Might `b` start with a character `str::trim` removes? (ASCII control bytes say yes too:
/// `trim` then decides.) Chinese text starts with no such character, so it is not decoded.
#[inline]
fn space_at_start(b: &[u8]) -> bool {
    matches!(
        b,
        [..=b' ', ..]
            | [0xC2, 0x85 | 0xA0, ..]
            | [0xE1, 0x9A, 0x80, ..]
            | [0xE2, 0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF, ..]
            | [0xE2, 0x81, 0x9F, ..]
            | [0xE3, 0x80, 0x80, ..]
    )
}

/// Might `b` end with a character `str::trim` removes?
#[inline]
fn space_at_end(b: &[u8]) -> bool {
    matches!(
        b,
        [.., ..=b' ']
            | [.., 0xC2, 0x85 | 0xA0]
            | [.., 0xE1, 0x9A, 0x80]
            | [.., 0xE2, 0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF]
            | [.., 0xE2, 0x81, 0x9F]
            | [.., 0xE3, 0x80, 0x80]
    )
}

pub(super) fn itoa_buf() -> String {
    String::with_capacity(24)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_like_str_trim() {
        // Every whitespace character `str::trim` knows, at either end, alone and around text.
        let spaces: Vec<char> = (0..=0x3000u32).filter_map(char::from_u32).filter(|c| c.is_whitespace()).collect();
        assert_eq!(spaces.len(), 25);
        for &c in &spaces {
            for v in [format!("{c}张三"), format!("张三{c}"), format!("{c}a{c}"), c.to_string()] {
                assert_eq!(trim(&v), v.trim(), "{v:?}");
            }
        }
        for v in ["张三", "a", "", "\u{3001}张\u{3002}", "x\u{200B}", "\u{FEFF}x"] {
            assert_eq!(trim(v), v.trim(), "{v:?}");
        }
    }

    #[test]
    fn typed_shapes() {
        for ok in ["792.86", "-0.5", "0.000001", "123456789012345678.5"] {
            assert!(decimal_shape(ok.as_bytes()), "{ok}");
        }
        for bad in ["13812345678", "792", ".5", "5.", "1.2.3", "1,5", "1e5", "+1.5", "39.9042,116.4074", "¥7.5"] {
            assert!(!decimal_shape(bad.as_bytes()), "{bad}");
        }
        for ok in [
            "2025-12-20",
            "2025/12/20",
            "2025-12-20 06:21:55",
            "2025-12-20T06:21",
            "2025-12-20T06:21:55.123Z",
            "2025-12-20T06:21:55+08:00",
            "2025-12-20 06:21:55-0500",
        ] {
            assert!(timestamp_shape(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "20251220",
            "2025-12/20",
            "2025-12-20 06",
            "2025-12-20 06:21:55 13812345678",
            "2025-12-20T06:21:55.Z",
            "2025-12-20 06:21:55+8",
            "1990-01-01 张三",
            "110105199001011234",
        ] {
            assert!(!timestamp_shape(bad.as_bytes()), "{bad}");
        }
    }
}
