//! ICD-10 diagnosis codes with their subcategory (`E11.9`, `I10.x00`, `J45.901`, ICD-10 中国临床版
//! extensions like `E11.900x001`): chapter letter, two digits, a dot and 1–4 more characters.
//! The dot form is required outside a diagnosis column: `A12`, `B20` alone are SKU-shaped. The
//! chapters U (special purposes) and V–Y (external causes) are left out: `V2.1`-like version
//! strings and `U10` codes would be noise, and diagnoses rarely use them.

use super::Ctx;

pub fn icd10(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || b.len() > 12 {
        return false;
    }
    if !matches!(b[0], b'A'..=b'T' | b'Z') || !b[1].is_ascii_digit() || !b[2].is_ascii_digit() || b[3] != b'.' {
        return false;
    }
    let tail = &b[4..];
    (tail[0].is_ascii_digit() || (tail[0] == b'x' && tail.len() > 1))
        && tail.iter().all(|&c| c.is_ascii_digit() || c == b'x' || c == b'X')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    #[test]
    fn codes() {
        let ctx = Ctx { today: Date::new(2026, 11, 28).unwrap() };
        for ok in ["E11.9", "I10.x00", "J45.901", "E11.900x001", "Z00.0", "C34.1"] {
            assert!(icd10(ok, &ctx), "{ok}");
        }
        for bad in ["E11", "V2.13", "v1.2.3", "e11.9", "E11.", "U07.1", "A1.23", "E11.9a", "E11.x"] {
            assert!(!icd10(bad, &ctx), "{bad}");
        }
    }
}
