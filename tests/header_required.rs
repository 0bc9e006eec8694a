//! Detectors marked `header_required` (birth dates, Taiwan compatriot permits, regions, accounts,
//! religions, images, header-only markers) report a column
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

#[test]
fn shapes_without_a_check_digit_need_their_column_name() {
    let cities: &[&str] = &["北京", "上海", "深圳", "成都", "杭州"];
    let accounts: &[&str] = &["A123456789", "0123456789", "0987654321", "B234567890", "0555512345"];
    let religions: &[&str] = &["佛教", "基督教", "伊斯兰教", "道教", "佛教"];
    let photos: &[&str] = &[
        "https://oss.example.com/a/1.jpg",
        "https://oss.example.com/a/2.jpg",
        "https://oss.example.com/a/3.png",
        "https://oss.example.com/a/4.jpg",
        "https://oss.example.com/a/5.jpg",
    ];
    let got = categories(&[
        ("城市", cities),
        ("warehouse", cities),
        ("证券账户", accounts),
        ("code", accounts),
        ("宗教信仰", religions),
        ("tags", religions),
        ("身份证照片", photos),
        ("banner_image", photos),
    ]);
    let want: &[(&str, &[&str])] = &[
        ("城市", &["coarse_location"]),
        ("warehouse", &[]),
        ("证券账户", &["financial_account"]),
        ("code", &[]),
        ("宗教信仰", &["religion"]),
        ("tags", &[]),
        ("身份证照片", &["id_card_image"]),
        ("banner_image", &[]),
    ];
    for ((name, cats), (wn, wc)) in got.iter().zip(want) {
        assert_eq!(name, wn);
        assert_eq!(cats, &wc.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "{name}");
    }
}

#[test]
fn header_only_markers_need_their_column_name() {
    let got = categories(&[("充电桩编号", &["CP001", "CP002"]), ("store_code", &["CP001", "CP002"])]);
    assert_eq!(got[0].1, ["important:automotive:charging_network"]);
    assert!(got[1].1.is_empty(), "{:?}", got[1]);
}
