//! Payment card numbers: the Luhn check (ISO/IEC 7812-1 Annex B) on 16–19 digits whose issuer
//! prefix is a card network's (3 JCB/Amex, 4 Visa, 5 Mastercard, 6 UnionPay 62 and others).
//! Separators (spaces, dashes) between groups of digits are allowed.

use super::Ctx;

pub fn luhn_ok(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    let mut double = false;
    for &c in digits.iter().rev() {
        let mut d = (c - b'0') as u32;
        if double {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
        double = !double;
    }
    sum % 10 == 0
}

/// Digits of `s` when it is only digits and single separators between them (at most 19 digits).
pub fn card_digits(s: &str) -> Option<([u8; 19], usize)> {
    let mut buf = [0u8; 19];
    let mut n = 0;
    let mut prev_sep = true;
    for &c in s.as_bytes() {
        if c.is_ascii_digit() {
            if n == 19 {
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
    }
    if prev_sep {
        return None;
    }
    Some((buf, n))
}

pub fn bank_card(s: &str, _: &Ctx) -> bool {
    let Some((buf, n)) = card_digits(s) else { return false };
    if !(16..=19).contains(&n) || !(b'3'..=b'6').contains(&buf[0]) {
        return false;
    }
    // All-same digits pass Luhn for some lengths but are placeholders, not cards.
    if buf[..n].iter().all(|&c| c == buf[0]) {
        return false;
    }
    luhn_ok(&buf[..n])
}

/// Any Luhn-valid digit string of 8–19 digits (for user detectors).
pub fn luhn_any(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    (8..=19).contains(&b.len()) && b.iter().all(u8::is_ascii_digit) && luhn_ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    #[test]
    fn cards() {
        let c = Ctx { today: Date::new(2026, 1, 1).unwrap() };
        assert!(bank_card("6228480402564890018", &c));
        assert!(bank_card("6228 4804 0256 4890 018", &c));
        assert!(bank_card("4563510000000009", &c) == luhn_ok(b"4563510000000009"));
        assert!(!bank_card("6228480402564890019", &c));
        assert!(!bank_card("1228480402564890018", &c));
        assert!(!bank_card("0000000000000000", &c));
    }
}
