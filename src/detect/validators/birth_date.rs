//! Dates of birth (出生日期). A date is personal information only in a column about a person's
//! birth, so the `birth_date` detector needs a column name that says so; this validator decides
//! the shape: a real calendar date between 1900-01-01 and today (`--as-of`) written as
//!
//! - `YYYYMMDD` (GB/T 7408-2005 basic format),
//! - `YYYY-MM-DD` (GB/T 7408 extended format), `YYYY/MM/DD` or `YYYY.MM.DD`, month and day with
//!   one or two digits (`1990-1-5`, as spreadsheets write them), optionally followed by
//!   ` 00:00:00` or `T00:00:00` — a date of birth stored in a DATETIME column is at midnight,
//!   where event timestamps are not,
//! - `YYYY年M月D日`, month and day with one or two digits.

use super::Ctx;
use crate::time::Date;

const NIAN: &[u8] = "年".as_bytes();
const YUE: &[u8] = "月".as_bytes();
const RI: &[u8] = "日".as_bytes();

/// A number of 1 or 2 digits at the start of `b`, and the rest.
fn small(b: &[u8]) -> Option<(u32, &[u8])> {
    let n = b.iter().take(2).take_while(|c| c.is_ascii_digit()).count();
    if n == 0 {
        return None;
    }
    let v = b[..n].iter().fold(0, |v, &c| v * 10 + (c - b'0') as u32);
    Some((v, &b[n..]))
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |v, &c| c.is_ascii_digit().then(|| v * 10 + (c - b'0') as u32))
}

/// The date written in `s`, in any of the accepted forms.
fn parse(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if !(8..=19).contains(&b.len()) {
        return None;
    }
    let year = digits(&b[..4])? as i32;
    if b.len() == 8 && b[4].is_ascii_digit() {
        return Date::new(year, digits(&b[4..6])?, digits(&b[6..8])?);
    }
    let rest = &b[4..];
    let (month, day) = if let Some(rest) = rest.strip_prefix(NIAN) {
        let (month, rest) = small(rest)?;
        let (day, rest) = small(rest.strip_prefix(YUE)?)?;
        if rest != RI {
            return None;
        }
        (month, day)
    } else {
        let sep = rest[0];
        if !matches!(sep, b'-' | b'/' | b'.') {
            return None;
        }
        let (month, rest) = small(&rest[1..])?;
        let (day, rest) = small(rest.strip_prefix(&[sep])?)?;
        if !rest.is_empty() && rest != b" 00:00:00" && rest != b"T00:00:00" {
            return None;
        }
        (month, day)
    };
    Date::new(year, month, day)
}

pub fn birth_date(s: &str, ctx: &Ctx) -> bool {
    matches!(parse(s), Some(d) if d.year >= 1900 && d <= ctx.today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Ctx {
        Ctx { today: Date::new(2026, 11, 28).unwrap() }
    }

    #[test]
    fn dates() {
        for ok in [
            "19900105",
            "1990-01-05",
            "1990/1/5",
            "1990.01.05",
            "1990年1月5日",
            "1990年01月05日",
            "2000-02-29",
            "1990-01-05 00:00:00",
            "1900-01-01",
            "2026-11-28",
        ] {
            assert!(birth_date(ok, &ctx()), "{ok}");
        }
        for bad in [
            "19901305",            // month 13
            "1990-02-30",          // no such day
            "1900-02-29",          // 1900 was not a leap year
            "1899-12-31",          // before 1900
            "2026-11-29",          // after today
            "1990-01/05",          // mixed separators
            "1990-01-05 08:30:00", // an event, not a birth
            "1990年1月5",
            "1990-001-05",
            "12345678",
            "90-01-05",
            "1990-01-05Z",
        ] {
            assert!(!birth_date(bad, &ctx()), "{bad}");
        }
    }
}
