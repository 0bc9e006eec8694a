//! Passports of the People's Republic of China (中华人民共和国护照), numbers as issued by the
//! National Immigration Administration (REGULATION.md §5): ordinary electronic passports `E` + 8
//! digits, and since the digits ran out `E` + a letter (no I, O) + 7 digits; the older ordinary
//! passport `G` + 8 digits; diplomatic, service and public-affairs passports `DE`, `SE`, `PE` + 7
//! digits. Letters are upper case.

use super::Ctx;

pub fn passport_cn(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    if b.len() != 9 || !b[2..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    match b[0] {
        b'E' => b[1].is_ascii_digit() || (b[1].is_ascii_uppercase() && b[1] != b'I' && b[1] != b'O'),
        b'G' => b[1].is_ascii_digit(),
        b'D' | b'S' | b'P' => b[1] == b'E',
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
    fn accepts_passports() {
        for ok in ["E12345678", "EA1234567", "EH9876543", "G12345678", "DE1234567", "SE7654321", "PE0012345"] {
            assert!(passport_cn(ok, &ctx()), "{ok}");
        }
    }

    #[test]
    fn rejects_look_alikes() {
        for bad in [
            "EI1234567", // no I
            "EO1234567", // no O
            "E1234567",  // 7 digits
            "E123456789",
            "e12345678",
            "GA1234567",
            "H12345678", // a home-return permit
            "C12345678", // a travel permit
            "DA1234567",
            "E1234567X",
        ] {
            assert!(!passport_cn(bad, &ctx()), "{bad}");
        }
    }
}
