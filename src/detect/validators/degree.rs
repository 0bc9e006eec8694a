//! One coordinate in decimal degrees with at least four decimals (about 11 m): a latitude or a
//! longitude stored in its own column. Only under a column name that says so (`lat`, `经度`): any
//! number has this shape. The pair form is `lat_lon`.

use super::Ctx;

pub fn degree(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    if b.len() < 6 || b.len() > 16 {
        return false;
    }
    let d = b.strip_prefix(b"-").unwrap_or(b);
    let Some(dot) = memchr::memchr(b'.', d) else { return false };
    let (int, frac) = (&d[..dot], &d[dot + 1..]);
    if !(1..=3).contains(&int.len()) || frac.len() < 4 || !int.iter().chain(frac).all(u8::is_ascii_digit) {
        return false;
    }
    // At most 180 and not 0.0000.
    let whole = int.iter().fold(0u32, |n, &c| n * 10 + (c - b'0') as u32);
    (whole < 180 || (whole == 180 && frac.iter().all(|&c| c == b'0')))
        && !(whole == 0 && frac.iter().all(|&c| c == b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degrees() {
        let ctx = Ctx { today: crate::time::Date::new(2026, 11, 28).unwrap() };
        for ok in ["39.9042", "116.407395", "-33.8688", "180.0000"] {
            assert!(degree(ok, &ctx), "{ok}");
        }
        for bad in ["39.904", "181.0000", "0.0000", "1234.5678", "39,9042", "abc.defg"] {
            assert!(!degree(bad, &ctx), "{bad}");
        }
    }
}
