//! International Mobile Equipment Identity (3GPP TS 23.003 §6.2): 15 digits — 8-digit type
//! allocation code, 6-digit serial, Luhn check digit (ISO/IEC 7812-1 Annex B).
//!
//! Written bare (15 digits) or in the groups devices and registers print (python-stdnum's
//! `imei` vectors: `35-209900-176148-1`, `350077-52-323751-3`, `49-015420-323751`,
//! `35-209900-176148-23`): separated by single dashes or spaces as `2-6-6`, `8-6` or `6-2-6`,
//! then the check digit, or for the IMEISV two software-version digits. The 14-digit IMEI
//! (no check digit) and the 16-digit IMEISV (no check at all) are accepted only in those groups:
//! bare, they are any 14 or 16 digits. `000000000000000`, which passes Luhn, is the placeholder
//! devices and emulators report when the IMEI is unknown, so it is rejected.

use super::{luhn_ok, Ctx};

pub fn imei(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    if b.len() == 15 && b.iter().all(u8::is_ascii_digit) {
        return b.iter().any(|&c| c != b'0') && luhn_ok(b);
    }
    grouped(b)
}

/// The grouped forms: the first 14 digits as `2-6-6`, `8-6` or `6-2-6`, then nothing (IMEI
/// without its check digit), one check digit, or two IMEISV software-version digits.
fn grouped(b: &[u8]) -> bool {
    if !(15..=19).contains(&b.len()) {
        return false;
    }
    let sep = match b.iter().find(|c| !c.is_ascii_digit()) {
        Some(&c @ (b'-' | b' ')) => c,
        _ => return false,
    };
    let mut digits = [0u8; 16];
    let mut n = 0;
    let mut groups = [0usize; 5];
    let mut g = 0;
    for part in b.split(|&c| c == sep) {
        if part.is_empty() || g == groups.len() || n + part.len() > 16 || !part.iter().all(u8::is_ascii_digit) {
            return false;
        }
        digits[n..n + part.len()].copy_from_slice(part);
        n += part.len();
        groups[g] = part.len();
        g += 1;
    }
    let head = match &groups[..g] {
        [2, 6, 6, tail @ ..] | [6, 2, 6, tail @ ..] => tail,
        [8, 6, tail @ ..] => tail,
        _ => return false,
    };
    let d = &digits[..n];
    if d.iter().all(|&c| c == b'0') {
        return false;
    }
    match head {
        [] => true,
        [1] => luhn_ok(d),
        [2] => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    fn ctx() -> Ctx {
        Ctx { today: Date::new(2026, 11, 28).unwrap() }
    }

    #[test]
    fn accepts_imeis() {
        assert!(imei("352099001761481", &ctx()));
        assert!(imei("860123045678900", &ctx()));
        assert!(imei("490154203237518", &ctx()));
        // python-stdnum's tests/test_imei.doctest, as written there.
        for v in ["49-015420-323751", "35-209900-176148-1", "35-209900-176148-23", "350077-52-323751-3"] {
            assert!(imei(v, &ctx()), "{v}");
        }
        assert!(imei("35 209900 176148 1", &ctx()));
    }

    #[test]
    fn rejects_look_alikes() {
        assert!(!imei("352099001761482", &ctx()), "wrong check");
        assert!(!imei("000000000000000", &ctx()), "placeholder");
        assert!(!imei("35209900176148", &ctx()), "14 digits");
        assert!(!imei("3520990017614810", &ctx()), "16 digits (IMEISV)");
        assert!(!imei("35-209900-176148-3", &ctx()), "separated, wrong check");
        assert!(!imei("3520-9900-1761-481", &ctx()), "not an IMEI's groups");
        assert!(!imei("35-209900-176148-123", &ctx()), "three digits after the serial");
        assert!(!imei("35-209900 176148-1", &ctx()), "two separators");
        assert!(!imei("00-000000-000000-0", &ctx()), "placeholder");
    }
}
