//! Payment card numbers: the Luhn check (ISO/IEC 7812-1 Annex B) on a number whose issuer prefix
//! and length are a card network's: UnionPay 62 (16–19 digits, the cards Chinese banks issue),
//! Visa 4 (16 or 19), Mastercard 51–55 and 2221–2720 (16), JCB 35 (16–19), Discover 60/64/65
//! (16–19). Separators (spaces, dashes) between groups of digits are allowed. Luhn alone passes one
//! random number in ten, so the prefix and length rules matter: an 18-digit batch code starting
//! with 31 is not a card.

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
    if !network_ok(&buf[..n]) {
        return false;
    }
    // All-same digits pass Luhn for some lengths but are placeholders, not cards.
    if buf[..n].iter().all(|&c| c == buf[0]) {
        return false;
    }
    luhn_ok(&buf[..n])
}

/// Issuer prefix and length of a card network (ISO/IEC 7812 IIN ranges).
fn network_ok(d: &[u8]) -> bool {
    let n = d.len();
    if n < 4 {
        return false; // no network issues so short a number (and the prefixes need four digits)
    }
    let p2 = (d[0] - b'0') as u32 * 10 + (d[1] - b'0') as u32;
    let p4 = p2 * 100 + (d[2] - b'0') as u32 * 10 + (d[3] - b'0') as u32;
    match d[0] {
        b'6' => (16..=19).contains(&n) && matches!(p2, 60 | 62 | 64 | 65),
        b'4' => n == 16 || n == 19,
        b'5' => n == 16 && (51..=55).contains(&p2),
        b'2' => n == 16 && (2221..=2720).contains(&p4),
        b'3' => (16..=19).contains(&n) && p2 == 35,
        _ => false,
    }
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
        // Luhn-valid but no card network issues 18 digits starting 31.
        assert!(luhn_ok(b"310115202206079151"));
        assert!(!bank_card("310115202206079151", &c));
        // Found by the validators fuzz target: short numbers panicked on the prefix.
        for short in ["1", "62", "622", "6-2"] {
            assert!(!bank_card(short, &c), "{short}");
        }
    }
}
