//! Unified social credit code (统一社会信用代码), GB 32100-2015. An organisation's identifier:
//! not personal information.
//!
//! REGULATION.md §5: 18 characters of `0-9A-HJ-NPQRTUWXY` (no I, O, S, V, Z); check =
//! alphabet[(31 − Σ vᵢ·wᵢ mod 31) mod 31] with weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10
//! 30 28 (GB 32100-2015 §5). GB 32100 §4 also fixes characters 3–8 as the registering
//! authority's division code (GB/T 2260, digits); that is checked too. Characters 1–2 (the
//! registering department and the organisation type) may be letters (`Y`, `N`, `A`…), which
//! python-stdnum's `cn.uscc` wrongly rejects.
//!
//! Registers and invoices print the code in groups (`91 110000 600037341L`, python-stdnum's own
//! test vector: department and type, division, organisation code): single spaces or dashes
//! between characters are accepted and dropped, as python-stdnum does.

use super::Ctx;

const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Value of each byte in the code alphabet, or 0xFF.
const VALUE: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        t[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t
};

pub fn uscc(s: &str, c: &Ctx) -> bool {
    let b = s.as_bytes();
    if b.len() > 18 {
        return grouped(b).is_some_and(|(code, _)| uscc_bare(&code, c));
    }
    uscc_bare(b, c)
}

/// The 18 characters of a code written with single spaces or dashes between groups (at most
/// five groups), or `None`.
fn grouped(b: &[u8]) -> Option<([u8; 18], usize)> {
    if b.len() > 22 {
        return None;
    }
    let mut out = [0u8; 18];
    let (mut n, mut groups, mut prev_sep) = (0, 1, true);
    let sep = *b.iter().find(|&&c| c == b' ' || c == b'-')?;
    for &c in b {
        if c == sep {
            if prev_sep {
                return None;
            }
            prev_sep = true;
            groups += 1;
        } else {
            if n == 18 {
                return None;
            }
            out[n] = c;
            n += 1;
            prev_sep = false;
        }
    }
    (n == 18 && !prev_sep && groups <= 5).then_some((out, groups))
}

fn uscc_bare(b: &[u8], _: &Ctx) -> bool {
    if b.len() != 18 || !b[2..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut sum = 0u32;
    for (i, &c) in b[..17].iter().enumerate() {
        let v = VALUE[c as usize];
        if v == 0xFF {
            return false;
        }
        sum += v as u32 * WEIGHTS[i];
    }
    b[17] == ALPHABET[((31 - sum % 31) % 31) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    fn ctx() -> Ctx {
        Ctx { today: Date::new(2026, 11, 28).unwrap() }
    }

    #[test]
    fn accepts_codes() {
        assert!(uscc("91110108MA01ABCD1E", &ctx()));
        assert!(uscc("12100000400000624D", &ctx()));
        assert!(uscc("91350100M000012342", &ctx()));
        assert!(uscc("Y1110000MA0000001Y", &ctx()), "letter registering department");
        // python-stdnum's tests/test_cn_uscc.doctest writes one in groups.
        assert!(uscc("91 110000 600037341L", &ctx()));
        assert!(uscc("91-110000-600037341L", &ctx()));
    }

    #[test]
    fn rejects_look_alikes() {
        assert!(!uscc("91110108MA01ABCD1F", &ctx()), "wrong check");
        assert!(!uscc("91110108MA01ABCDIE", &ctx()), "I is not in the alphabet");
        assert!(!uscc("9111A108MA01ABCD1E", &ctx()), "letter in the division code");
        assert!(!uscc("91110108ma01abcd1e", &ctx()), "lower case");
        assert!(!uscc("91110108MA01ABCD1", &ctx()), "17 characters");
        assert!(!uscc("91 110000 600037341N", &ctx()), "grouped, wrong check");
        assert!(!uscc("91  110000 600037341L", &ctx()), "two spaces");
        assert!(!uscc("91 110000-600037341L", &ctx()), "two kinds of separator");
        assert!(!uscc("9 1 1 1 0 0 0 0 600037341L", &ctx()), "too many groups");
    }
}
