//! Vehicle identification number, ISO 3779 (GB 16735 in China).
//!
//! REGULATION.md §5: 17 characters of `A-HJ-NPR-Z0-9` (no I, O, Q), upper case; the 9th is a
//! check character: transliterate letters (A1 B2 C3 D4 E5 F6 G7 H8 J1 K2 L3 M4 N5 P7 R9 S2 T3 U4
//! V5 W6 X7 Y8 Z9), weight positions 8 7 6 5 4 3 2 10 0 9 8 7 6 5 4 3 2, Σ mod 11, 10 → `X`.
//! Chinese manufacturers' WMIs start with `L`.
//!
//! xborder also requires at least one letter: every assigned WMI and vehicle-descriptor section
//! carries letters, whereas 17-digit order or transaction numbers pass the check one time in 11.

use super::Ctx;

const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/// Transliterated value of each byte, 0xFF when not allowed in a VIN.
const VALUE: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = d as u8;
        d += 1;
    }
    let letters = b"ABCDEFGHJKLMNPRSTUVWXYZ";
    let values = [1u8, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9];
    let mut i = 0;
    while i < letters.len() {
        t[letters[i] as usize] = values[i];
        i += 1;
    }
    t
};

pub fn vin(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    if b.len() != 17 {
        return false;
    }
    let mut sum = 0u32;
    let mut letters = false;
    for (i, &c) in b.iter().enumerate() {
        let v = VALUE[c as usize];
        if v == 0xFF {
            return false;
        }
        letters |= c.is_ascii_uppercase();
        sum += v as u32 * WEIGHTS[i];
    }
    let check = match sum % 11 {
        10 => b'X',
        r => b'0' + r as u8,
    };
    letters && b[8] == check
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    fn ctx() -> Ctx {
        Ctx { today: Date::new(2026, 11, 28).unwrap() }
    }

    #[test]
    fn accepts_vins() {
        assert!(vin("1HGCM82633A004352", &ctx()), "the textbook Honda example");
        assert!(vin("LSVAM4187C2184847", &ctx()));
        assert!(vin("WVWZZZ3C7FE000001", &ctx()));
        assert!(vin("LFV3A23CXE3000002", &ctx()), "check X");
    }

    #[test]
    fn rejects_look_alikes() {
        assert!(!vin("LSVAM4180C2184847", &ctx()), "wrong check");
        assert!(!vin("12345678701234567", &ctx()), "digits only, although the check holds");
        assert!(!vin("LSVAM4187C21848I7", &ctx()), "I is not allowed");
        assert!(!vin("lsvam4187c2184847", &ctx()), "lower case");
        assert!(!vin("LSVAM4187C218484", &ctx()), "16 characters");
    }
}
