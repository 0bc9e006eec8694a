//! Resident identity card number, GB 11643-1999.
//!
//! 18 characters: a 6-digit administrative division code (first digit 1–8), the date of birth
//! `YYYYMMDD` (a real date, not after today), a 3-digit sequence (odd = male) and a check
//! character. §5: check = "10X98765432"[Σ dᵢ·wᵢ mod 11] with weights 7 9 10 5 8 4 2 1 6 3 7 9 10
//! 5 8 4 2 (ISO 7064 MOD 11-2); a lower-case `x` is accepted. The legacy 15-digit form (division +
//! `YYMMDD` in the 1900s + sequence, no check) is accepted too.
//!
//! Residence permits for Hong Kong, Macau and Taiwan residents (2018) are numbered in this same
//! format with the division 810000 / 820000 / 830000 (REGULATION.md §5). This validator accepts
//! them — they *are* GB 11643 numbers, and a user detector built on `gb11643` (social-security
//! numbers equal the ID or permit number) must not lose permit holders — but only with exactly
//! those divisions and only in the 18-character form: no resident ID is issued under 81–83
//! otherwise, and permits never had a 15-digit form. The `residence_permit` validator accepts only
//! permits; the `residence_permit_id` detector outranks `resident_id` (lower priority number), so
//! arbitration gives a permit its own category. Dates of birth before 1800 are rejected: no
//! number was ever issued to a person born then.

use super::Ctx;
use crate::time::Date;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

/// Province-level division codes (GB/T 2260 first two digits), plus 71 (Taiwan), 81/82/83
/// (residence permits for HK, Macau and Taiwan residents use 810000/820000/830000).
const PROVINCES: &[u8] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
    64, 65, 71, 81, 82, 83,
];

/// The check character of the first 17 digits.
pub fn check_char(body: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    for (i, &c) in body.iter().take(17).enumerate() {
        if !c.is_ascii_digit() {
            return None;
        }
        sum += (c - b'0') as u32 * WEIGHTS[i];
    }
    Some(CHECK[(sum % 11) as usize])
}

/// Date of birth of a valid 18- or 15-character number (no other checks).
pub fn birth_date(b: &[u8]) -> Option<Date> {
    let d = |r: std::ops::Range<usize>| -> Option<u32> {
        let mut v = 0u32;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + (c - b'0') as u32;
        }
        Some(v)
    };
    match b.len() {
        18 => Date::new(d(6..10)? as i32, d(10..12)?, d(12..14)?),
        15 => Date::new(1900 + d(6..8)? as i32, d(8..10)?, d(10..12)?),
        _ => None,
    }
}

/// The 18-character form only (the built-in `resident_id` detector: a 15-digit number needs
/// stronger evidence than its shape, see [`resident_id_legacy`]).
pub fn resident_id_18(s: &str, ctx: &Ctx) -> bool {
    s.len() == 18 && resident_id(s, ctx)
}

/// The legacy 15-digit form only. Any 15-digit number with a division code and a 19xx date in
/// the right places passes it — one IMEI in 25 does — so the built-in detector that uses it
/// needs a column name that says "ID number".
pub fn resident_id_legacy(s: &str, ctx: &Ctx) -> bool {
    s.len() == 15 && resident_id(s, ctx)
}

pub fn resident_id(s: &str, ctx: &Ctx) -> bool {
    let b = s.as_bytes();
    if b.len() != 18 && b.len() != 15 {
        return false;
    }
    if !b[..b.len() - 1].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let prov = (b[0] - b'0') * 10 + (b[1] - b'0');
    if !(b'1'..=b'8').contains(&b[0]) || PROVINCES.binary_search(&prov).is_err() {
        return false;
    }
    // 81/82/83 exist only as the residence-permit divisions 810000/820000/830000 (18 characters).
    if prov >= 81 && (b.len() == 15 || &b[2..6] != b"0000") {
        return false;
    }
    match birth_date(s.as_bytes()) {
        Some(d) if d <= ctx.today && d.year >= 1800 => {}
        _ => return false,
    }
    if b.len() == 15 {
        return b[14].is_ascii_digit();
    }
    let last = b[17].to_ascii_uppercase();
    check_char(b) == Some(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Ctx {
        Ctx { today: Date::new(2026, 11, 28).unwrap() }
    }

    #[test]
    fn accepts_valid_numbers() {
        // GB 11643-1999 Appendix example and generated numbers with correct check characters.
        assert!(resident_id("11010519491231002X", &ctx()));
        assert!(resident_id("11010519491231002x", &ctx()));
        assert!(resident_id("440524188001010014", &ctx()));
        assert!(resident_id("110105491231002", &ctx()));
    }

    #[test]
    fn rejects_look_alikes() {
        assert!(!resident_id("110105194912310021", &ctx()), "wrong check");
        assert!(!resident_id("110105194913310025", &ctx()), "month 13");
        assert!(!resident_id("910105194912310029", &ctx()), "division starts with 9");
        assert!(!resident_id("110105203012310020", &ctx()), "born in the future");
        assert!(!resident_id("1101051949123100", &ctx()), "16 chars");
    }

    #[test]
    fn residence_permit_divisions() {
        // Permits for HK/Macau/Taiwan residents share the format: accepted with exactly 8x0000.
        assert!(resident_id("810000199408230021", &ctx()));
        assert!(resident_id("830000200001010018", &ctx()));
        assert!(!resident_id("810101199408230023", &ctx()), "81 with a county part");
        assert!(!resident_id("810000940823002", &ctx()), "permits have no 15-digit form");
    }
}
