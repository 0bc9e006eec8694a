//! Mainland travel permit for Taiwan residents (台湾居民来往大陆通行证, "台胞证"),
//! REGULATION.md §5: 8 digits (older cards: 10 digits). There is no check digit, so the shape is
//! weak evidence: the `taiwan_permit` detector needs a column name that says so. A run of one
//! repeated digit (`00000000`) is a placeholder and rejected.

use super::Ctx;

pub fn taiwan_permit(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    (b.len() == 8 || b.len() == 10) && b.iter().all(u8::is_ascii_digit) && b.iter().any(|&c| c != b[0])
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
        for ok in ["01234567", "12345678", "0312345601"] {
            assert!(taiwan_permit(ok, &ctx()), "{ok}");
        }
        for bad in ["1234567", "123456789", "00000000", "1234567A", "T1234567", "12345678901"] {
            assert!(!taiwan_permit(bad, &ctx()), "{bad}");
        }
    }
}
