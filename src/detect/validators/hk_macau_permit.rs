//! Mainland travel permit for Hong Kong and Macau residents (港澳居民来往内地通行证, the
//! "home-return permit"), REGULATION.md §5: `H` (Hong Kong) or `M` (Macau) + 8 digits, optionally
//! followed by the 2-digit renewal count printed on older cards (11 characters).

use super::Ctx;

pub fn hk_macau_permit(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    (b.len() == 9 || b.len() == 11) && (b[0] == b'H' || b[0] == b'M') && b[1..].iter().all(u8::is_ascii_digit)
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
        for ok in ["H12345678", "M87654321", "H1234567801"] {
            assert!(hk_macau_permit(ok, &ctx()), "{ok}");
        }
        for bad in ["H1234567", "H123456780", "h12345678", "K12345678", "HA2345678", "H123456780123"] {
            assert!(!hk_macau_permit(bad, &ctx()), "{bad}");
        }
    }
}
