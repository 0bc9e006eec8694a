//! Tests of the scan session: column decisions, held keys and persons.

use super::*;
use crate::report::Report;
use arrow_array::{RecordBatch, StringArray};

/// Unhinted columns of decimals or timestamps, as text or typed, are counted, not judged; a
/// hinted one, or a text slice holding anything else, is judged.
#[test]
fn typed_text_columns() {
    let scanner = Scanner::builder().threads(1).as_of(Date::new(2026, 11, 28).unwrap()).build().unwrap();
    let col = |v: Vec<&str>| Arc::new(StringArray::from(v)) as arrow_array::ArrayRef;
    let batch = RecordBatch::try_from_iter([
        ("amount", col(vec!["792.86", "12.50", "0.99"])),
        ("created_at", col(vec!["2025-12-20 06:21:55", "2024-01-20T04:00:07Z", "2024-01-20"])),
        // The name hints a birth date: judged.
        ("出生日期", col(vec!["1990-01-01", "1985-07-16", "2001-12-31"])),
        // Not all typed: judged, and the phone is found.
        ("misc", col(vec!["13900001111", "13812345678", "2024-01-20"])),
        // Typed floats follow the same rule.
        ("price", Arc::new(arrow_array::Float64Array::from(vec![7.5, 12.0, 0.99])) as arrow_array::ArrayRef),
        ("纬度", Arc::new(arrow_array::Float64Array::from(vec![39.9042, 31.2304, 22.5431])) as _),
    ])
    .unwrap();
    let mut session = scanner.session();
    let input = session.begin_input("memory");
    session.scan_batch(input, &batch);
    let acc = &session.inputs[input.0].columns;
    let tally = |name: &str| &acc.iter().find(|c| c.path == name).unwrap().tally;
    assert_eq!((tally("amount").values, tally("amount").skipped), (0, 3));
    assert_eq!((tally("created_at").values, tally("created_at").skipped), (0, 3));
    assert_eq!((tally("出生日期").values, tally("出生日期").skipped), (3, 0));
    assert_eq!((tally("misc").values, tally("misc").skipped), (3, 0));
    assert_eq!((tally("price").values, tally("price").skipped), (0, 3));
    assert_eq!((tally("纬度").values, tally("纬度").skipped), (3, 0));
    let report = session.report();
    let cats = |name: &str| {
        report.columns.iter().filter(|c| c.column == name).flat_map(|c| c.categories.clone()).collect::<Vec<_>>()
    };
    assert_eq!(cats("出生日期"), ["birth_date"]);
    assert!(cats("misc").contains(&"phone".to_string()), "{:?}", cats("misc"));
    assert!(cats("amount").is_empty() && cats("created_at").is_empty());
}

/// A membership number is personal information and a key only in a row without a better
/// one (issue 12 item 6): never an important-data marker.
#[test]
fn membership_numbers_are_fallback_keys() {
    let scanner = Scanner::builder().threads(1).as_of(Date::new(2026, 11, 28).unwrap()).build().unwrap();
    let batch = RecordBatch::try_from_iter([
        ("会员号", Arc::new(StringArray::from(vec!["VIP001", "VIP002", "VIP001", "VIP003", "VIP002"])) as _),
        ("phone", Arc::new(StringArray::from(vec![Some("13812345678"), None, None, Some("13812345678"), None])) as _),
    ])
    .unwrap();
    let mut session = scanner.session();
    let input = session.begin_input("memory");
    session.scan_batch(input, &batch);
    let report = session.report();
    let col = report.columns.iter().find(|c| c.column == "会员号").expect("the membership column is reported");
    assert_eq!(col.categories, ["membership_id"]);
    assert_eq!(col.class, "personal", "{col:?}");
    assert!(report.important_data.is_empty(), "{:?}", report.important_data);
    // Rows 0 and 3 are the phone's person (VIP001 and VIP003 beside it are no keys); rows 1
    // and 4 share VIP002; row 2's VIP001 stands alone, since row 0's person was the phone's.
    assert_eq!((report.persons.total, report.persons.unlinked_rows), (3, 0));
    assert_eq!(session.category_persons().get("membership_id"), Some(&3));
}

/// Deterministic digits for the tests below.
fn digits(state: &mut u64, n: usize) -> String {
    (0..n)
        .map(|_| {
            *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            char::from(b'0' + ((*state >> 33) % 10) as u8)
        })
        .collect()
}

fn luhn_complete(body: &str) -> String {
    (b'0'..=b'9')
        .map(|c| format!("{body}{}", c as char))
        .find(|v| crate::detect::validators::luhn_ok(v.as_bytes()))
        .unwrap()
}

fn scan_in_batches(scanner: &Scanner, cols: &[(&str, Vec<String>)], batch: usize) -> Report {
    let mut session = scanner.session();
    let input = session.begin_input("memory");
    let n = cols[0].1.len();
    for lo in (0..n).step_by(batch) {
        let hi = (lo + batch).min(n);
        let b = RecordBatch::try_from_iter(
            cols.iter()
                .map(|(name, v)| (*name, Arc::new(StringArray::from(v[lo..hi].to_vec())) as arrow_array::ArrayRef)),
        )
        .unwrap();
        session.scan_batch(input, &b);
    }
    session.report()
}

/// Persons come only from columns the report classifies as their key's category (issue 14
/// item 4): gift-card numbers that pass the resident-ID check by chance are nobody, at any
/// batch size, and so are the rows of a column whose hits are too few to hold a category.
#[test]
fn persons_only_from_what_the_report_shows() {
    let scanner = Scanner::builder().threads(2).as_of(Date::new(2026, 11, 28).unwrap()).build().unwrap();
    let mut st = 7;
    let mut passing = 0;
    let gift: Vec<String> = (0..3000)
        .map(|i| {
            let body = format!("62{}2019{:02}{:02}{}", digits(&mut st, 4), 1 + i % 12, 1 + i % 28, digits(&mut st, 3));
            let check = crate::detect::validators::gb11643_check_char(body.as_bytes()).unwrap() as char;
            // One in 25 passes the resident-ID check, as by chance; the others fail it.
            let last = if i % 25 == 0 {
                passing += 1;
                check
            } else if check == '0' {
                '1'
            } else {
                '0'
            };
            format!("{body}{last}")
        })
        .collect();
    assert_eq!(passing, 120);
    let cols = [("gift_card_code", gift)];
    for batch in [1, 7, 1000, 3000] {
        let report = scan_in_batches(&scanner, &cols, batch);
        assert!(report.columns.iter().all(|c| c.categories.is_empty()), "{:?}", report.columns);
        assert_eq!(report.persons.total, 0, "batch size {batch}");
    }
}

/// A column whose first rows hold nothing but whose whole holds phones: its keys, held back
/// until the input ends, join the persons then, linked to their rows' cards exactly as if
/// they had been merged with them.
#[test]
fn keys_held_back_join_their_rows_at_the_end() {
    let scanner = Scanner::builder().threads(2).as_of(Date::new(2026, 11, 28).unwrap()).build().unwrap();
    let n = 100_000usize;
    let w = WINDOW_ROWS as usize;
    let cards: Vec<String> = (0..n).map(|i| luhn_complete(&format!("622848{i:012}"))).collect();
    let phones: Vec<String> =
        (0..n).map(|i| if i < w { "n/a".to_string() } else { format!("139{:08}", i % 5000) }).collect();
    for batch in [7_000, 32_768, 100_000] {
        let report = scan_in_batches(&scanner, &[("card", cards.clone()), ("value", phones.clone())], batch);
        let col = report.columns.iter().find(|c| c.column == "value").unwrap();
        assert_eq!(col.categories, ["phone"], "batch {batch}: {}", col.reason);
        // The first rows are a card each; the others are linked by their 5,000 phones.
        assert_eq!(report.persons.total, (w + 5000) as u64, "batch {batch}");
    }
}

/// The other way round: phones in the first rows, then nothing. The keys counted on the
/// provisional decision stay counted, and the report keeps the category and says why.
#[test]
fn a_column_counted_early_stays_in_the_report() {
    let scanner = Scanner::builder().threads(2).as_of(Date::new(2026, 11, 28).unwrap()).build().unwrap();
    let w = WINDOW_ROWS as usize;
    let v: Vec<String> =
        (0..100_000).map(|i| if i < w { format!("139{:08}", i % 3000) } else { "n/a".to_string() }).collect();
    for batch in [10_000, 100_000] {
        let report = scan_in_batches(&scanner, &[("value", v.clone())], batch);
        let col = report.columns.iter().find(|c| c.column == "value").unwrap();
        assert_eq!(col.categories, ["phone"], "batch {batch}");
        assert!(col.reason.contains(&format!("first {w} rows")), "{}", col.reason);
        assert_eq!(report.persons.total, 3000, "batch {batch}");
    }
}

/// One value, two categories: the column decides (issue 14 item 3). 18-digit UnionPay cards
/// of which some pass the USCC check are all cards under a card column name, and under a
/// neutral one where the other values are cards.
#[test]
fn the_column_decides_between_two_categories() {
    let scanner = Scanner::builder().threads(2).as_of(Date::new(2026, 11, 28).unwrap()).build().unwrap();
    let uscc = crate::detect::validators::find("uscc").unwrap();
    let ctx = crate::detect::validators::Ctx { today: Date::new(2026, 11, 28).unwrap() };
    let mut st = 11;
    let mut cards = Vec::new();
    let mut both = 0;
    while cards.len() < 3000 {
        let c = luhn_complete(&format!("62{}", digits(&mut st, 15)));
        both += uscc(&c, &ctx) as usize;
        cards.push(c);
    }
    assert!(both > 50, "{both} cards also pass the USCC check");
    for name in ["银行卡号", "value"] {
        let report = scan_in_batches(&scanner, &[(name, cards.clone())], 1024);
        let col = report.columns.iter().find(|c| c.column == name).unwrap();
        assert_eq!(col.categories, ["bank_card"], "{name}");
        assert_eq!(col.hits, 3000, "{name}: {}", col.reason);
        assert_eq!(report.persons.total, 3000, "{name}");
    }
}

/// One address-shaped value among 150 job titles makes no address column, and no person
/// (issue 14 item 7); the reason says what was not counted.
#[test]
fn weak_free_text_evidence_counts_in_proportion() {
    let scanner = Scanner::builder().threads(1).as_of(Date::new(2026, 11, 28).unwrap()).build().unwrap();
    // Faker zh_CN's job titles; one reads as an address (a city marker, then a road's).
    let titles = ["财务助理/文员", "展览/展示/店面设计", "销售代表", "客服专员", "其他"];
    let mut v: Vec<String> = (0..149).map(|i| titles[i % titles.len()].to_string()).collect();
    v.push("市场通路专员".to_string());
    let report = scan_in_batches(&scanner, &[("职位", v)], 150);
    assert!(report.columns.iter().all(|c| !c.categories.contains(&"address".to_string())), "{:?}", report.columns);
    assert_eq!(report.persons.total, 0);
}

#[test]
fn persons_per_category() {
    let scanner = Scanner::builder().threads(1).as_of(Date::new(2026, 11, 28).unwrap()).build().unwrap();
    let batch = RecordBatch::try_from_iter([
        ("phone", Arc::new(StringArray::from(vec!["13812345678", "13900001111", "13812345678"])) as _),
        (
            "card",
            Arc::new(StringArray::from(vec![Some("6228480402564890018"), None, Some("6228480402564890018")])) as _,
        ),
        // born 2015: a minor on the as-of date
        ("id", Arc::new(StringArray::from(vec![None, Some("110105201501010017"), None])) as _),
    ])
    .unwrap();
    let mut session = scanner.session();
    let input = session.begin_input("memory");
    session.scan_batch(input, &batch);
    let by = session.category_persons();
    assert_eq!(by.get("phone"), Some(&2));
    assert_eq!(by.get("bank_card"), Some(&1));
    assert_eq!(by.get("minor"), Some(&1));
    assert_eq!(session.report().persons.total, 2);
}
