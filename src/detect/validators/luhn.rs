//! Payment card numbers: the Luhn check (ISO/IEC 7812-1 Annex B) on a number whose issuer prefix
//! and length are a card network's ([`NETWORKS`]: UnionPay 62, the cards Chinese banks issue, and
//! the networks of foreign customers' cards — Visa, Mastercard, Amex, Diners, Discover, JCB,
//! Maestro, Dankort, Mir, RuPay…; not UATP, whose 15 digits starting 1 are a legacy resident ID's
//! shape). Separators (spaces, dashes) between groups of digits are
//! allowed. Luhn alone passes one random number in ten, so the prefix and length rules matter: an
//! 18-digit batch code starting with 31 is not a card.

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

/// Issuer identification number ranges of the card networks (ISO/IEC 7812-1 registrations as
/// the networks publish them): numbers whose first `digits` digits lie in `lo..=hi`, and the
/// lengths their cards have. A number may match several
/// rows (Maestro's wide ranges overlap UnionPay's and Discover's), any one suffices.
pub const NETWORKS: &[Network] = &[
    Network { digits: 1, lo: 4, hi: 4, lengths: &[13, 16, 19] }, // Visa
    // JCB issues 3528–3589; the whole of 35 is taken, as before this table (no other network
    // issues there, and a narrower range would drop cards that earlier scans counted).
    Network { digits: 2, lo: 35, hi: 35, lengths: &[16, 17, 18, 19] }, // JCB
    Network { digits: 2, lo: 36, hi: 36, lengths: &[14, 16, 19] },     // Diners Club
    Network { digits: 2, lo: 38, hi: 39, lengths: &[16, 19] },         // Diners Club
    Network { digits: 2, lo: 34, hi: 34, lengths: &[15] },             // American Express
    Network { digits: 2, lo: 37, hi: 37, lengths: &[15] },             // American Express
    Network { digits: 2, lo: 50, hi: 50, lengths: MAESTRO },           // Maestro
    Network { digits: 2, lo: 51, hi: 55, lengths: &[16] },             // Mastercard
    Network { digits: 2, lo: 56, hi: 58, lengths: MAESTRO },           // Maestro
    Network { digits: 2, lo: 60, hi: 60, lengths: &[16, 17, 18, 19] }, // Discover / RuPay
    Network { digits: 2, lo: 62, hi: 62, lengths: &[16, 17, 18, 19] }, // UnionPay
    Network { digits: 2, lo: 64, hi: 65, lengths: &[16, 17, 18, 19] }, // Discover
    Network { digits: 2, lo: 67, hi: 67, lengths: MAESTRO },           // Maestro
    Network { digits: 2, lo: 81, hi: 81, lengths: &[16] },             // UnionPay
    Network { digits: 2, lo: 82, hi: 82, lengths: &[16] },             // RuPay
    Network { digits: 3, lo: 300, hi: 305, lengths: &[14, 16, 19] },   // Diners Club
    Network { digits: 3, lo: 636, hi: 636, lengths: &[16, 17, 18, 19] }, // InterPayment
    Network { digits: 3, lo: 637, hi: 639, lengths: &[16] },           // InstaPayment
    Network { digits: 4, lo: 1800, hi: 1800, lengths: &[15] },         // JCB
    Network { digits: 4, lo: 2131, hi: 2131, lengths: &[15] },         // JCB
    Network { digits: 4, lo: 2200, hi: 2204, lengths: &[16] },         // Mir
    Network { digits: 4, lo: 2221, hi: 2720, lengths: &[16] },         // Mastercard
    Network { digits: 4, lo: 3095, hi: 3095, lengths: &[14, 16, 19] }, // Diners Club
    Network { digits: 4, lo: 6304, hi: 6304, lengths: MAESTRO },       // Maestro
    Network { digits: 4, lo: 6390, hi: 6390, lengths: MAESTRO },       // Maestro
    Network { digits: 4, lo: 9792, hi: 9792, lengths: &[16] },         // Troy
];

/// Maestro issues 12 to 19 digits; 18 is left out. Eighteen digits after a division code
/// (Chongqing is 50) are a resident ID's shape: such a number whose check character fails is a
/// mistyped ID, and taking it as a card would make a person key of it. Likewise the other
/// networks are held to the lengths they issue that are not 18, except those accepted before
/// (UnionPay, Discover, JCB) and InterPayment (no division starts 63).
const MAESTRO: &[u8] = &[12, 13, 14, 15, 16, 17, 19];

/// One row of [`NETWORKS`].
pub struct Network {
    pub digits: u8,
    pub lo: u32,
    pub hi: u32,
    pub lengths: &'static [u8],
}

/// Issuer prefix and length of a card network (ISO/IEC 7812 IIN ranges): one of [`NETWORKS`].
/// Placeholders aside, every accepted length is 12–19 digits.
fn network_ok(d: &[u8]) -> bool {
    let n = d.len();
    if !(12..=19).contains(&n) {
        return false;
    }
    let mut prefix = [0u32; 5];
    for i in 0..4 {
        prefix[i + 1] = prefix[i] * 10 + (d[i] - b'0') as u32;
    }
    NETWORKS.iter().any(|w| {
        let p = prefix[w.digits as usize];
        (w.lo..=w.hi).contains(&p) && w.lengths.contains(&(n as u8))
    })
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
        // Found by the validators fuzz target: short numbers panicked on the prefix.
        for short in ["1", "62", "622", "6-2"] {
            assert!(!bank_card(short, &c), "{short}");
        }
        assert!(bank_card("6228480402564890018", &c));
        assert!(bank_card("6228 4804 0256 4890 018", &c));
        assert!(bank_card("4563510000000009", &c) == luhn_ok(b"4563510000000009"));
        assert!(!bank_card("6228480402564890019", &c));
        assert!(!bank_card("1228480402564890018", &c));
        assert!(!bank_card("0000000000000000", &c));
        // Luhn-valid but no card network issues 18 digits starting 31.
        assert!(luhn_ok(b"310115202206079151"));
        assert!(!bank_card("310115202206079151", &c));
    }

    /// Published test numbers of other networks (Stripe's list, Presidio's recognizer tests).
    #[test]
    fn other_networks() {
        let c = Ctx { today: Date::new(2026, 1, 1).unwrap() };
        for ok in [
            "378282246310005",     // Amex, 15
            "371449635398431",     // Amex
            "30569309025904",      // Diners, 14
            "36227206271667",      // Diners, 14
            "3056930009020004",    // Diners, 16
            "6011111111111117",    // Discover
            "3566002020360505",    // JCB
            "5019717010103742",    // Dankort (Maestro range 50)
            "6759649826438453",    // Maestro
            "4222222222222",       // Visa, 13
            "6200000000000005",    // UnionPay
            "4012 8888 8888 1881", // Visa, written in groups
        ] {
            assert!(bank_card(ok, &c), "{ok}");
        }
        for bad in [
            "36168002586008",      // Diners-shaped, Luhn fails
            "4012-8888-8888-1882", // Luhn fails
            "1748503543012",       // 13 digits starting 1: an epoch in milliseconds
            "122000000000003",     // UATP is left out: 15 digits starting 1 are a legacy resident ID's shape
            "378282246310005000",  // Amex prefix, 18 digits
            "31111111111117",      // no network issues 31
            "060400000000000",     // MII 0 is not a card
            "360426199101010076",  // a Jiangxi resident ID shape, not an 18-digit Diners card
            "500101199001011235",  // a Chongqing resident ID shape, not an 18-digit Maestro card
        ] {
            assert!(!bank_card(bad, &c), "{bad}");
        }
    }
}
