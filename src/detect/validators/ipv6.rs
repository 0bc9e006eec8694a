//! IPv6 addresses in text form (RFC 4291 §2.2, including `::` compression and an embedded
//! dotted quad), parsed by `std::net::Ipv6Addr`. At least two colons are required, so a time of
//! day (`12:30`) can never qualify; the unspecified address `::` and the loopback `::1` name no
//! host and are rejected. Zone ids (`%eth0`) are not accepted.

use std::net::Ipv6Addr;

use super::Ctx;

pub fn ipv6(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    // "1::" is the shortest candidate; 8 groups of 4 with a dotted quad at the end the longest.
    if !(3..=45).contains(&b.len()) {
        return false;
    }
    let (mut colons, mut quad) = (0, false);
    for &c in b {
        match c {
            b':' => colons += 1,
            b'.' => quad = true,
            _ if c.is_ascii_hexdigit() => {}
            _ => return false,
        }
    }
    // Eight groups take seven colons (six before a dotted quad); fewer need a `::`. A time of
    // day (`06:21:55`) has neither and is turned away before the parser.
    if colons < 2 || (colons != if quad { 6 } else { 7 } && !s.contains("::")) {
        return false;
    }
    match s.parse::<Ipv6Addr>() {
        Ok(a) => !a.is_unspecified() && !a.is_loopback(),
        Err(_) => false,
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
    fn addresses() {
        for ok in
            ["2001:db8::1", "2409:8a00:1:2::abcd", "fe80::1ff:fe23:4567:890a", "::ffff:192.168.1.1", "1:2:3:4:5:6:7:8"]
        {
            assert!(ipv6(ok, &ctx()), "{ok}");
        }
        for bad in
            ["::", "::1", "12:30:45", "12:30", "2001:db8:::1", "2001:db8::g", "fe80::1%eth0", "3C:22:FB:7A:10:9E"]
        {
            assert!(!ipv6(bad, &ctx()), "{bad}");
        }
    }
}
