//! International Mobile Equipment Identity (3GPP TS 23.003 §6.2): 15 digits — 8-digit type
//! allocation code, 6-digit serial, Luhn check digit (ISO/IEC 7812-1 Annex B).
//!
//! Only the bare 15-digit form is accepted (no separators, no 14-digit IMEI without the check, no
//! 16-digit IMEISV, which carries no check). `000000000000000`, which passes Luhn, is the
//! placeholder devices and emulators report when the IMEI is unknown, so it is rejected.

use super::{luhn_ok, Ctx};

pub fn imei(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    b.len() == 15 && b.iter().all(u8::is_ascii_digit) && b.iter().any(|&c| c != b'0') && luhn_ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    fn ctx() -> Ctx {
        Ctx { today: Date::new(2026, 11, 28).unwrap() }
    }

    #[test]
    fn accepts_imeis() {
        assert!(imei("352099001761481", &ctx()));
        assert!(imei("860123045678900", &ctx()));
        assert!(imei("490154203237518", &ctx()));
    }

    #[test]
    fn rejects_look_alikes() {
        assert!(!imei("352099001761482", &ctx()), "wrong check");
        assert!(!imei("000000000000000", &ctx()), "placeholder");
        assert!(!imei("35209900176148", &ctx()), "14 digits");
        assert!(!imei("3520990017614810", &ctx()), "16 digits (IMEISV)");
        assert!(!imei("35-209900-176148-1", &ctx()), "separators");
    }
}
