//! Mainland mobile numbers: 11 digits `1[3-9]\d{9}` (MIIT numbering plan), optionally prefixed by
//! `+86`, `0086` or `86`, with spaces or dashes between groups; 13-digit IoT numbers start
//! 140–144.

use super::Ctx;

/// The bare national number (11 or 13 digits) when `s` is a well-formed mobile number.
pub fn normalise(s: &str) -> Option<([u8; 13], usize)> {
    let mut buf = [0u8; 16];
    let mut n = 0;
    let b = s.as_bytes();
    let mut i = 0;
    let mut plus = false;
    if b.first() == Some(&b'+') {
        plus = true;
        i = 1;
    }
    let mut prev_sep = true;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() {
            if n == 16 {
                return None;
            }
            buf[n] = c;
            n += 1;
            prev_sep = false;
        } else if (c == b' ' || c == b'-') && !prev_sep {
            prev_sep = true;
        } else {
            return None;
        }
        i += 1;
    }
    if prev_sep {
        return None;
    }
    let digits = &buf[..n];
    let national = if digits.starts_with(b"0086") && !plus {
        &digits[4..]
    } else if digits.starts_with(b"86") && (n == 13 || n == 15) {
        &digits[2..]
    } else if plus {
        return None;
    } else {
        digits
    };
    let ok = match national.len() {
        11 => national[0] == b'1' && (b'3'..=b'9').contains(&national[1]),
        13 => national.starts_with(b"14") && (b'0'..=b'4').contains(&national[2]),
        _ => false,
    };
    if !ok {
        return None;
    }
    let mut out = [0u8; 13];
    out[..national.len()].copy_from_slice(national);
    Some((out, national.len()))
}

pub fn mobile(s: &str, _: &Ctx) -> bool {
    normalise(s).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    #[test]
    fn mobiles() {
        let c = Ctx { today: Date::new(2026, 1, 1).unwrap() };
        for ok in
            ["13812345678", "+86 138 1234 5678", "138-1234-5678", "008613812345678", "8613812345678", "1440123456789"]
        {
            assert!(mobile(ok, &c), "{ok}");
        }
        for bad in ["12812345678", "1381234567", "138123456789", "+1 138 1234 5678", "138--1234-5678", "010-12345678"] {
            assert!(!mobile(bad, &c), "{bad}");
        }
        assert_eq!(&normalise("+86 138-1234-5678").unwrap().0[..11], b"13812345678");
    }
}
