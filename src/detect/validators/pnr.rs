//! Airline passenger name record locators (PNR, 旅客订座记录编号): six characters of upper-case
//! letters and digits with at least two letters (`HX7K2M`). Any six-character code has this
//! shape, so only a column whose name says so is reported.

use super::Ctx;

pub fn pnr(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    b.len() == 6
        && b.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && b.iter().filter(|c| c.is_ascii_uppercase()).count() >= 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    #[test]
    fn locators() {
        let ctx = Ctx { today: Date::new(2026, 11, 28).unwrap() };
        assert!(pnr("HX7K2M", &ctx) && pnr("ABCDEF", &ctx));
        assert!(!pnr("123456", &ctx) && !pnr("hx7k2m", &ctx) && !pnr("HX7K2", &ctx));
    }
}
