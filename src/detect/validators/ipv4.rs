//! IPv4 addresses in dotted-quad notation (RFC 791; the strict form of RFC 6943 §3.1.1): four
//! decimal parts 0–255, no leading zeros (`010` is octal to some parsers), nothing else. The
//! unspecified address `0.0.0.0` and the limited broadcast `255.255.255.255` name no host and are
//! rejected. Version strings such as `1.2.3.4` have the same shape: a column named `version` is
//! ruled out by the header logic, not here.

use super::Ctx;

pub fn ipv4(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    if !(7..=15).contains(&b.len()) {
        return false;
    }
    let mut parts = 0;
    let mut all_zero = true;
    let mut all_ones = true;
    for part in b.split(|&c| c == b'.') {
        parts += 1;
        if parts > 4 || part.is_empty() || part.len() > 3 || (part.len() > 1 && part[0] == b'0') {
            return false;
        }
        let mut v = 0u32;
        for &c in part {
            if !c.is_ascii_digit() {
                return false;
            }
            v = v * 10 + (c - b'0') as u32;
        }
        if v > 255 {
            return false;
        }
        all_zero &= v == 0;
        all_ones &= v == 255;
    }
    parts == 4 && !all_zero && !all_ones
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    fn ctx() -> Ctx {
        Ctx { today: Date::new(2026, 11, 28).unwrap() }
    }

    #[test]
    fn addresses() {
        for ok in ["192.168.1.100", "8.8.8.8", "223.5.5.5", "10.0.0.1", "1.2.3.4"] {
            assert!(ipv4(ok, &ctx()), "{ok}");
        }
        for bad in [
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "192.168.01.1",
            "192.168.1",
            "1.2.3.4.5",
            "192.168.1.",
            "a.b.c.d",
            "2023.10.1.1",
            "1..2.3",
        ] {
            assert!(!ipv4(bad, &ctx()), "{bad}");
        }
    }
}
