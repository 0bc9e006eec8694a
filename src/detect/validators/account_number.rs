//! Securities, fund and insurance account numbers (证券账户, 基金账户, 保单号): 6–32 characters of
//! digits, upper-case letters and `-`, at least six of them digits (`A123456789`, `0123456789`,
//! `P2023-0001234567`). Institutions differ and there is no check digit, so only a column whose
//! name says so is reported.

use super::Ctx;

pub fn account_number(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    if b.len() < 6 || b.len() > 32 {
        return false;
    }
    let (mut digits, mut zeros) = (0, 0);
    for &c in b {
        match c {
            b'0' => {
                digits += 1;
                zeros += 1;
            }
            b'1'..=b'9' => digits += 1,
            b'A'..=b'Z' | b'-' => {}
            _ => return false,
        }
    }
    // A hyphen only after a lettered prefix (`P2023-0001234567`): `13812345678-2` is a phone
    // with an extension and `020-12345678` a landline, left to the free-text search.
    let prefix_lettered = match memchr::memchr(b'-', b) {
        Some(i) => b[..i].iter().any(u8::is_ascii_uppercase),
        None => true,
    };
    digits >= 6 && zeros < digits && prefix_lettered && b[0] != b'-' && b[b.len() - 1] != b'-'
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    #[test]
    fn accounts() {
        let ctx = Ctx { today: Date::new(2026, 11, 28).unwrap() };
        for ok in ["A123456789", "0123456789", "P2023-0001234567", "123456"] {
            assert!(account_number(ok, &ctx), "{ok}");
        }
        for bad in
            ["12345", "00000000", "13812345678-2", "020-12345678", "abc123456", "-123456", "ABCDEF1", "12 345 678"]
        {
            assert!(!account_number(bad, &ctx), "{bad}");
        }
    }
}
