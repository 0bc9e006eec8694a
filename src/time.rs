//! Calendar dates in China Standard Time (UTC+8, no daylight saving since 1991), enough for the
//! calendar-year window, the minor test and report timestamps without a time-zone database.

use std::fmt;

/// A civil date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

/// Seconds east of UTC of Asia/Shanghai.
pub const CST_OFFSET_SECS: i64 = 8 * 3600;

impl Date {
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Parse `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.trim().as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| std::str::from_utf8(&b[r]).ok()?.parse::<u32>().ok();
        Date::new(num(0..4)? as i32, num(5..7)?, num(8..10)?)
    }

    /// Today in Asia/Shanghai.
    pub fn today_cst() -> Date {
        Date::from_unix_cst(now_unix())
    }

    pub fn from_unix_cst(secs: i64) -> Date {
        let days = (secs + CST_OFFSET_SECS).div_euclid(86_400);
        Date::from_days(days)
    }

    /// Days since 1970-01-01 (H. Hinnant's civil-from-days).
    pub fn from_days(z: i64) -> Date {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        Date { year: (if m <= 2 { y + 1 } else { y }) as i32, month: m, day: d }
    }

    pub fn to_days(self) -> i64 {
        let y = if self.month <= 2 { self.year as i64 - 1 } else { self.year as i64 };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = self.month as i64;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + self.day as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// Whole years from `self` (a birth date) to `on`.
    pub fn age_on(self, on: Date) -> i32 {
        let mut age = on.year - self.year;
        if (on.month, on.day) < (self.month, self.day) {
            age -= 1;
        }
        age
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

pub fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

pub fn now_unix() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// RFC 3339 timestamp in +08:00.
pub fn rfc3339_cst(secs: i64) -> String {
    let local = secs + CST_OFFSET_SECS;
    let d = Date::from_days(local.div_euclid(86_400));
    let s = local.rem_euclid(86_400);
    format!("{d}T{:02}:{:02}:{:02}+08:00", s / 3600, s / 60 % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_roundtrip() {
        for z in [-1000i64, 0, 1, 19_000, 20_000, 60_000] {
            assert_eq!(Date::from_days(z).to_days(), z);
        }
        assert_eq!(Date::from_days(0), Date { year: 1970, month: 1, day: 1 });
        assert_eq!(Date::parse("2024-02-29"), Some(Date { year: 2024, month: 2, day: 29 }));
        assert_eq!(Date::parse("2023-02-29"), None);
    }

    #[test]
    fn cst_midnight_new_year() {
        // 2025-12-31T16:00:00Z is 2026-01-01T00:00:00+08:00
        assert_eq!(Date::from_unix_cst(1_767_196_800).year, 2026);
        assert_eq!(Date::from_unix_cst(1_767_196_799).year, 2025);
        assert_eq!(rfc3339_cst(1_767_196_800), "2026-01-01T00:00:00+08:00");
    }

    #[test]
    fn ages() {
        let b = Date::new(2012, 11, 29).unwrap();
        assert_eq!(b.age_on(Date::new(2026, 11, 28).unwrap()), 13);
        assert_eq!(b.age_on(Date::new(2026, 11, 29).unwrap()), 14);
    }
}
