//! MAC addresses (IEEE 802 EUI-48) in the canonical text forms: six hex pairs separated by `:`
//! or by `-` (IEEE 802-2014 §8.1), the same separator throughout, either case. The all-zero
//! address and the broadcast address `FF:FF:FF:FF:FF:FF` name no device and are rejected.

use super::Ctx;

pub fn mac(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    if b.len() != 17 {
        return false;
    }
    let sep = b[2];
    if sep != b':' && sep != b'-' {
        return false;
    }
    let (mut zero, mut ones) = (true, true);
    for (i, &c) in b.iter().enumerate() {
        if i % 3 == 2 {
            if c != sep {
                return false;
            }
        } else if c.is_ascii_hexdigit() {
            zero &= c == b'0';
            ones &= c == b'f' || c == b'F';
        } else {
            return false;
        }
    }
    !zero && !ones
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    fn ctx() -> Ctx {
        Ctx { today: Date::new(2026, 11, 28).unwrap() }
    }

    #[test]
    fn accepts_macs() {
        assert!(mac("3C:22:FB:7A:10:9E", &ctx()));
        assert!(mac("3c-22-fb-7a-10-9e", &ctx()));
        assert!(mac("00:1A:2b:3C:4d:5E", &ctx()));
    }

    #[test]
    fn rejects_look_alikes() {
        assert!(!mac("00:00:00:00:00:00", &ctx()), "all zero");
        assert!(!mac("FF:FF:FF:FF:FF:ff", &ctx()), "broadcast");
        assert!(!mac("3C:22-FB:7A:10:9E", &ctx()), "mixed separators");
        assert!(!mac("3C:22:FB:7A:10:9G", &ctx()), "not hex");
        assert!(!mac("3C22.FB7A.109E", &ctx()), "dotted form");
        assert!(!mac("12:30:45:00:00:0", &ctx()), "short");
    }
}
