//! Foreign permanent-resident ID card number (外国人永久居留身份证).
//!
//! REGULATION.md §5. The 2023 card (issued from 2023-12-01, National Immigration Administration)
//! follows GB 11643: 18 characters, 17 digits whose first is `9` (the code for foreigners, where
//! citizens' numbers start 1–8) and the ISO 7064 MOD 11-2 check character of GB 11643 (`X` for
//! 10, `x` accepted). The 2017 card has 15 characters: 3 upper-case letters (the nationality) and
//! 12 digits, without a check.

use super::{gb11643, Ctx};

pub fn foreign_permanent_id(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    match b.len() {
        18 => {
            b[0] == b'9'
                && b[1..17].iter().all(u8::is_ascii_digit)
                && gb11643::check_char(b) == Some(b[17].to_ascii_uppercase())
        }
        15 => b[..3].iter().all(u8::is_ascii_uppercase) && b[3..].iter().all(u8::is_ascii_digit),
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
    fn accepts_both_forms() {
        assert!(foreign_permanent_id("915600198001010015", &ctx()));
        assert!(foreign_permanent_id("911000197506110029", &ctx()));
        assert!(foreign_permanent_id("USA310078020011", &ctx()), "2017 form");
    }

    #[test]
    fn rejects_look_alikes() {
        assert!(!foreign_permanent_id("915600198001010016", &ctx()), "wrong check");
        assert!(!foreign_permanent_id("11010519491231002X", &ctx()), "a citizen's number");
        assert!(!foreign_permanent_id("9156001980010100", &ctx()), "16 digits");
        assert!(!foreign_permanent_id("usa310078020011", &ctx()), "lower-case nationality");
        assert!(!foreign_permanent_id("US1310078020011", &ctx()), "two letters");
        assert!(!foreign_permanent_id("9156001980A1010015", &ctx()), "letter in the body");
    }
}
