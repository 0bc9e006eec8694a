//! Precise coordinates: a latitude/longitude pair in decimal degrees (WGS-84, or the GCJ-02 and
//! BD-09 offsets Chinese map services use), separated by `,` (optionally followed by a space) or
//! by one space. Each number is `-?D{1,3}.D{4,}`: at least four decimals (about 11 m), because
//! coarser values locate a district, not a person (GB/T 45574-2025 counts only precise location as
//! sensitive). Latitude lies in [-90, 90] and longitude in [-180, 180]. Both orders are accepted:
//! GeoJSON and the Amap and Baidu APIs write `lng,lat`, so `116.4074,39.9042` is a point in
//! Beijing, not an invalid latitude. `0.0000,0.0000` is a placeholder and rejected.

use super::Ctx;

/// A decimal-degree number with at least four decimals.
fn degrees(b: &[u8]) -> Option<f64> {
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    let dot = digits.iter().position(|&c| c == b'.')?;
    let (int, frac) = (&digits[..dot], &digits[dot + 1..]);
    if !(1..=3).contains(&int.len()) || frac.len() < 4 {
        return None;
    }
    if !int.iter().chain(frac).all(u8::is_ascii_digit) {
        return None;
    }
    // All ASCII digits, a dot and a sign: valid UTF-8 and a valid float.
    std::str::from_utf8(b).ok()?.parse().ok()
}

pub fn lat_lon(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    if !(13..=64).contains(&b.len()) {
        return false;
    }
    let Some(sep) = b.iter().position(|&c| c == b',' || c == b' ') else { return false };
    let first = &b[..sep];
    let second = match (b[sep], b.get(sep + 1)) {
        (b',', Some(b' ')) => &b[sep + 2..],
        _ => &b[sep + 1..],
    };
    let (Some(x), Some(y)) = (degrees(first), degrees(second)) else { return false };
    if x == 0.0 && y == 0.0 {
        return false;
    }
    let lat_lon = x.abs() <= 90.0 && y.abs() <= 180.0;
    let lon_lat = x.abs() <= 180.0 && y.abs() <= 90.0;
    lat_lon || lon_lat
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    fn ctx() -> Ctx {
        Ctx { today: Date::new(2026, 11, 28).unwrap() }
    }

    #[test]
    fn pairs() {
        for ok in [
            "39.9042,116.4074",
            "39.904211, 116.407395",
            "31.2304 121.4737",
            "116.4074,39.9042",
            "-33.8688,151.2093",
            "90.0000,-180.0000",
        ] {
            assert!(lat_lon(ok, &ctx()), "{ok}");
        }
        for bad in [
            "39.904,116.407",     // three decimals: a district, not a person
            "0.0000,0.0000",      // placeholder
            "95.12345,190.12345", // out of range either way
            "39.9042,,116.4074",
            "39.9042;116.4074",
            "39.9042,116.4074,5",
            "1234.5678,12.3456",
            "39.9042 , 116.4074",
            "+39.9042,116.4074",
            "39.9042",
        ] {
            assert!(!lat_lon(bad, &ctx()), "{bad}");
        }
    }
}
