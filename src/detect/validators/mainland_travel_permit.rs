//! Exit-entry permit for travelling to and from Hong Kong and Macau (往来港澳通行证), the permit
//! mainland residents use: REGULATION.md §5 gives `C` + 8 characters. Issued numbers are `C` + 8
//! digits (electronic permits, 2014) and, once those ran out, `C` + a letter + 7 digits; xborder
//! therefore takes the second character from digits and upper-case letters other than I and O
//! and the last seven as digits, so that words such as `CUSTOMERS` or codes such as `C2023ABCD`
//! never match.

use super::Ctx;

pub fn mainland_travel_permit(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    b.len() == 9
        && b[0] == b'C'
        && (b[1].is_ascii_digit() || (b[1].is_ascii_uppercase() && b[1] != b'I' && b[1] != b'O'))
        && b[2..].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    fn ctx() -> Ctx {
        Ctx { today: Date::new(2026, 11, 28).unwrap() }
    }

    #[test]
    fn permits() {
        for ok in ["C12345678", "CA1234567", "CZ7654321"] {
            assert!(mainland_travel_permit(ok, &ctx()), "{ok}");
        }
        for bad in ["CUSTOMERS", "C2023ABCD", "C1234567", "C123456789", "c12345678", "CI1234567", "E12345678"] {
            assert!(!mainland_travel_permit(bad, &ctx()), "{bad}");
        }
    }
}
