//! Residence permit for Hong Kong, Macau and Taiwan residents (港澳台居民居住证, State Council
//! 2018; number per GB 11643-1999).
//!
//! REGULATION.md §5: the resident-ID format with the division code 810000 (Hong Kong), 820000
//! (Macau) or 830000 (Taiwan): 6 digits of division, a real date of birth `YYYYMMDD` not after
//! today, a 3-digit sequence and the MOD 11-2 check character of GB 11643 (shared with the
//! `gb11643` validator, not duplicated). Only the 18-character form exists. The `gb11643`
//! validator accepts these numbers too; the `residence_permit_id` detector wins by priority.

use super::{gb11643, Ctx};

pub fn residence_permit(s: &str, ctx: &Ctx) -> bool {
    let b = s.as_bytes();
    b.len() == 18 && b[0] == b'8' && matches!(b[1], b'1'..=b'3') && &b[2..6] == b"0000" && gb11643::resident_id(s, ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    fn ctx() -> Ctx {
        Ctx { today: Date::new(2026, 11, 28).unwrap() }
    }

    #[test]
    fn accepts_permits() {
        assert!(residence_permit("810000199408230021", &ctx()), "Hong Kong");
        assert!(residence_permit("820000198511300048", &ctx()), "Macau");
        assert!(residence_permit("830000200001010018", &ctx()), "Taiwan");
    }

    #[test]
    fn rejects_look_alikes() {
        assert!(!residence_permit("11010519491231002X", &ctx()), "a resident ID is not a permit");
        assert!(!residence_permit("810000199408230022", &ctx()), "wrong check");
        assert!(!residence_permit("810101199408230023", &ctx()), "81 with a county part");
        assert!(!residence_permit("840000199408230027", &ctx()), "no such division");
        assert!(!residence_permit("810000203001010018", &ctx()), "born in the future");
        assert!(!residence_permit("810000940823002", &ctx()), "no 15-digit form");
    }
}
