//! Detectors marked `header_required` (birth dates, Taiwan compatriot permits) report a column
//! only when its name says so: every date looks like a birth date and every 8-digit number like a
//! permit.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use xborder::time::Date;
use xborder::Scanner;

fn column(values: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

/// Categories reported per column name.
fn categories(cols: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    let batch = RecordBatch::try_from_iter(cols.iter().map(|(n, v)| (*n, column(v)))).unwrap();
    let scanner = Scanner::builder().threads(1).as_of(Date::new(2026, 11, 28).unwrap()).build().unwrap();
    let mut session = scanner.session();
    let input = session.begin_input("memory");
    session.scan_batch(input, &batch);
    let report = session.report();
    cols.iter()
        .map(|(n, _)| {
            let cats = report.columns.iter().find(|c| c.column == *n).map(|c| c.categories.clone()).unwrap_or_default();
            (n.to_string(), cats)
        })
        .collect()
}

const DATES: &[&str] = &["1990-01-05", "1985-12-31", "2001-07-15", "1979-03-02", "2012-11-30"];
const EIGHT_DIGITS: &[&str] = &["01234567", "12345678", "03456789", "09876543", "05555123"];

#[test]
fn dates_are_births_only_in_a_birth_column() {
    let got = categories(&[
        ("出生日期", DATES),
        ("birthday", DATES),
        ("dob", DATES),
        ("customer_birth_date", &["19900105", "1985/12/31", "2001年7月15日", "1979-03-02 00:00:00", "未知"]),
        ("created_at", DATES),
        ("signup_date", DATES),
        ("生效日期", DATES),
        ("date", DATES),
    ]);
    for (name, cats) in &got {
        let birth = cats.iter().any(|c| c == "birth_date");
        let want = matches!(name.as_str(), "出生日期" | "birthday" | "dob" | "customer_birth_date");
        assert_eq!(birth, want, "{name}: {cats:?}");
    }
}

#[test]
fn eight_digits_are_permits_only_in_a_permit_column() {
    let got = categories(&[("台胞证号", EIGHT_DIGITS), ("user_id", EIGHT_DIGITS), ("code", EIGHT_DIGITS)]);
    for (name, cats) in &got {
        let permit = cats.iter().any(|c| c == "taiwan_permit");
        assert_eq!(permit, name == "台胞证号", "{name}: {cats:?}");
    }
}
