//! `--persons sketch`: HyperLogLog counts of the keys standing for rows. Rows are not linked, so
//! they are upper bounds of unknown distance (issue 14 item 8): the report says `upper_bound`,
//! states no error figure, never counts fewer than the exact persons, decides the verdict on the
//! bound, and a sketch refuses a ledger (the year to date is kept per person).

mod common;

use std::path::Path;

use common::{id_check, luhn_digit};
use serde_json::Value;

/// A fixed key: the person hashes, and so the estimates, are the same on every run.
const KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

fn run(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["scan"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json", "--as-of", "2026-11-28", "--ledger", "none.db"]);
    let r: common::Run = common::command(dir, &all).env("XBORDER_KEY", KEY).output().unwrap().into();
    (r.code, serde_json::from_str(&r.stdout).unwrap_or(Value::Null), r.stderr)
}

/// `n` persons, one row each: a distinct mobile number, and every twentieth a bank card.
fn phones(dir: &Path, name: &str, n: u64) {
    let mut s = String::from("order_no,mobile,card\n");
    for i in 0..n {
        let card = if i % 20 == 0 { luhn(&format!("622848{:012}", i)) } else { String::new() };
        s.push_str(&format!("SO{i:08},1{}{:09},{card}\n", 3 + i % 7, 100_000_000 + i * 7));
    }
    std::fs::write(dir.join(name), s).unwrap();
}

fn luhn(body: &str) -> String {
    format!("{body}{}", luhn_digit(body))
}

#[test]
fn counts_are_upper_bounds_with_no_error_figure() {
    let d = tempfile::tempdir().unwrap();
    phones(d.path(), "p.csv", 150_000);
    let (_, exact, _) = run(d.path(), &["p.csv"]);
    assert_eq!(exact["persons"]["method"], "exact");
    assert_eq!(exact["persons"]["total"], 150_000);
    assert_eq!(exact["persons"]["sensitive"], 7_500);
    let (code, v, err) = run(d.path(), &["p.csv", "--persons", "sketch", "--fail-at", "prohibited"]);
    assert_eq!(code, 0, "{err}");
    let p = &v["persons"];
    assert_eq!(p["method"], "upper_bound");
    assert!(p.get("relative_error").is_none() && p.get("bounds").is_none(), "no error figure: {p}");
    for (field, truth) in [("total", 150_000u64), ("owning_rows", 150_000), ("sensitive", 7_500)] {
        let bound = p[field].as_u64().unwrap();
        // One row per person here, so the bound is the sketch's: within a few percent.
        assert!(truth <= bound && bound as f64 <= truth as f64 * 1.03, "{field}: {bound} vs {truth}");
    }
    assert_eq!(p["minors"], 0);
    // Both say: at least 100,000 persons, under 10,000 sensitive → a standard contract.
    assert_eq!(v["verdict"]["level"], exact["verdict"]["level"]);
    assert_eq!(v["verdict"]["level"], "standard_contract");
}

#[test]
fn the_verdict_uses_the_upper_bound() {
    let d = tempfile::tempdir().unwrap();
    // 99,950 persons, none sensitive: exactly below the 100,000 line.
    let mut s = String::from("mobile\n");
    for i in 0..99_950u64 {
        s.push_str(&format!("13{:09}\n", 100_000_000 + i * 3));
    }
    std::fs::write(d.path().join("p.csv"), s).unwrap();
    let (_, exact, _) = run(d.path(), &["p.csv", "--fail-at", "prohibited"]);
    assert_eq!(exact["persons"]["total"], 99_950);
    assert_eq!(exact["verdict"]["level"], "allow");
    let (_, v, _) = run(d.path(), &["p.csv", "--persons", "sketch", "--fail-at", "prohibited"]);
    let upper = v["persons"]["total"].as_u64().unwrap();
    assert!(upper >= 100_000, "the bound at 2σ of 99,950 reaches the line: {upper}");
    // The verdict takes the bound, and its reason says so.
    assert_eq!(v["verdict"]["level"], "standard_contract", "{}", v["verdict"]);
    assert_eq!(v["year_to_date"]["persons"], upper);
    let details: Vec<&str> =
        v["verdict"]["reasons"].as_array().unwrap().iter().map(|r| r["detail"].as_str().unwrap()).collect();
    assert!(details.iter().any(|d| d.contains(&upper.to_string())), "{details:?}");
}

#[test]
fn rows_are_not_linked_so_a_sketch_over_counts() {
    let d = tempfile::tempdir().unwrap();
    // 300 persons: a row with their ID and phone, then a row with only the phone. Exact mode
    // links them (300); the sketch counts the second row under the phone (600), never fewer.
    let mut s = String::from("id_number,mobile\n");
    for i in 0..300u64 {
        let body = format!("110105{:04}0101{:03}", 1950 + i % 50, i);
        s.push_str(&format!("{body}{},13{:09}\n", id_check(&body), 500_000_000 + i));
        s.push_str(&format!(",13{:09}\n", 500_000_000 + i));
    }
    std::fs::write(d.path().join("p.csv"), s).unwrap();
    let (_, exact, _) = run(d.path(), &["p.csv", "--fail-at", "prohibited"]);
    let (_, v, _) = run(d.path(), &["p.csv", "--persons", "sketch", "--fail-at", "prohibited"]);
    assert_eq!(exact["persons"]["total"], 300);
    // Small sets are counted exactly by the sketch: 600 keys stand for rows; the bound adds the
    // sketch's two standard errors.
    let bound = v["persons"]["total"].as_u64().unwrap();
    assert!((600..=610).contains(&bound), "{bound}");
    assert_eq!(v["persons"]["method"], "upper_bound");
}

#[test]
fn a_sketch_refuses_the_ledger() {
    let d = tempfile::tempdir().unwrap();
    phones(d.path(), "p.csv", 10);
    let (code, _, err) = run(d.path(), &["p.csv", "--persons", "sketch", "--record"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("needs exact persons"), "{err}");
    assert!(!d.path().join("none.db").exists());
}
