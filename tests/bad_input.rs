//! Hostile and broken input: no panic, a clear error naming the file and the place, never a raw
//! value in any message, the good inputs still scanned, exit code 3 (DESIGN.md "Exit codes").

mod common;

use common::*;
use std::path::Path;

/// Run a scan and check the invariants every bad input must keep.
fn scan_bad(paths: &[&Path], raw_values: &[&str]) -> serde_json::Value {
    let args: Vec<&str> = paths.iter().map(|p| p.to_str().unwrap()).collect();
    let (r, out) = scan(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "exit code; stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr);
    for v in raw_values {
        assert!(!all.contains(v), "raw value {v:?} leaked into the output");
    }
    r
}

fn input<'a>(r: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    r["inputs"].as_array().unwrap().iter().find(|i| i["path"].as_str().unwrap().ends_with(name)).expect(name)
}

fn error_of(r: &serde_json::Value, name: &str) -> String {
    let i = input(r, name);
    assert_eq!(i["complete"], false, "{name} should be incomplete");
    let e = i["errors"][0].as_str().expect("an error message").to_string();
    assert!(e.contains(name), "the error names the file: {e}");
    e
}

#[test]
fn truncated_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.parquet");
    let rows = rows(300, 100, 5);
    write_parquet(&p, &to_batch(&rows), 50);
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    let r = scan_bad(&[&p], &[&rows[0][1], &rows[0][2]]);
    let e = error_of(&r, "t.parquet");
    assert!(e.contains("footer") && e.contains("byte offset"), "{e}");
}

#[test]
fn parquet_with_a_corrupt_page() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.parquet");
    let rows = rows(2000, 500, 6);
    write_parquet(&p, &to_batch(&rows), 500);
    let mut bytes = std::fs::read(&p).unwrap();
    // Overwrite a stretch in the data pages of the third row group; the footer stays intact.
    let at = bytes.len() * 3 / 5;
    for b in &mut bytes[at..at + 256] {
        *b = 0xA5;
    }
    std::fs::write(&p, &bytes).unwrap();
    let (r, out) = scan(&[p.to_str().unwrap(), "--batch-size", "100"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&rows[1500][1]));
    let e = error_of(&r, "c.parquet");
    assert!(e.contains("row group") && e.contains("row "), "{e}");
    // The row groups before the damage were scanned.
    assert!(input(&r, "c.parquet")["rows"].as_u64().unwrap() >= 500);
}

#[test]
fn invalid_bytes_in_a_utf8_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("u.csv");
    let rows = rows(50, 30, 7);
    let mut bytes = to_csv(&rows, ",", "\n").into_bytes();
    let at = bytes.len() / 2;
    bytes.splice(at..at, [0xFF, 0xFE, 0xFD]);
    std::fs::write(&p, &bytes).unwrap();
    let r = scan_bad(&[&p], &[&rows[25][1]]);
    let e = error_of(&r, "u.csv");
    assert!(e.contains(&format!("byte offset {at}")), "{e}");
    assert_eq!(input(&r, "u.csv")["encoding"], "utf-8");
    // Everything else was still read.
    assert_eq!(input(&r, "u.csv")["rows"], 50);
}

#[test]
fn ragged_csv_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.csv");
    let text = "name,phone\n张三,13812345678\n李四,13912345678\n王五,13712345678,extra,13612345678\n赵六,13512345678\n";
    std::fs::write(&p, text).unwrap();
    let r = scan_bad(&[&p], &["13612345678", "13712345678"]);
    let e = error_of(&r, "r.csv");
    assert!(e.contains("line 4") && e.contains("4 fields, expected 2"), "{e}");
    // The ragged record is skipped; the rows before and after it are scanned.
    assert_eq!(input(&r, "r.csv")["rows"], 3);
    assert_eq!(r["persons"]["total"], 3);
}

#[test]
fn a_50_mb_line_without_newline() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("long.csv");
    let mut text = b"a,b\n1,".to_vec();
    text.extend(std::iter::repeat_n(b'7', 50 << 20));
    std::fs::write(&p, &text).unwrap();
    let r = scan_bad(&[&p], &[]);
    let e = error_of(&r, "long.csv");
    assert!(e.contains("longer than 16 MiB") && e.contains("byte offset 4"), "{e}");
}

#[test]
fn json_nested_100000_deep() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("deep.json");
    let text = format!("{{\"a\":{}1{}}}\n", "[".repeat(100_000), "]".repeat(100_000));
    std::fs::write(&p, text).unwrap();
    let r = scan_bad(&[&p], &[]);
    let e = error_of(&r, "deep.json");
    assert!(e.contains("nested deeper than 64") && e.contains("byte offset 68"), "{e}");
}

#[test]
fn empty_file_and_random_binary() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, b"").unwrap();
    let bin = dir.path().join("noise.bin");
    let mut rng = Rng::new(9);
    let noise: Vec<u8> = (0..100_000).map(|_| rng.next() as u8).collect();
    std::fs::write(&bin, &noise).unwrap();
    let r = scan_bad(&[&empty, &bin], &[]);
    assert!(error_of(&r, "empty.csv").contains("empty input"));
    assert!(error_of(&r, "noise.bin").contains("binary"));
}

#[test]
fn one_bad_file_among_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    let rows = rows(100, 60, 8);
    std::fs::write(dir.path().join("a.csv"), to_csv(&rows[..50], ",", "\n")).unwrap();
    std::fs::write(dir.path().join("c.ndjson"), to_ndjson(&rows[50..])).unwrap();
    // A truncated JSON record in the middle of the directory.
    std::fs::write(dir.path().join("b.json"), "{\"phone\": \"13812345678\"}\n{\"phone\": \"139").unwrap();
    let r = scan_bad(&[dir.path()], &["13812345678"]);
    assert_eq!(input(&r, "a.csv")["complete"], true);
    assert_eq!(input(&r, "c.ndjson")["complete"], true);
    assert_eq!(input(&r, "a.csv")["rows"], 50);
    assert_eq!(input(&r, "c.ndjson")["rows"], 50);
    let e = error_of(&r, "b.json");
    assert!(e.contains("byte offset"), "{e}");
    // Findings of the good files are all there.
    let id_cols = r["columns"].as_array().unwrap().iter().filter(|c| c["categories"][0] == "resident_id").count();
    assert_eq!(id_cols, 2);
}

#[test]
fn a_missing_input_is_reported_and_the_rest_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("g.csv");
    std::fs::write(&good, to_csv(&rows(10, 10, 4), ",", "\n")).unwrap();
    let missing = dir.path().join("nope.csv");
    let r = scan_bad(&[&good, &missing], &[]);
    assert_eq!(input(&r, "g.csv")["rows"], 10);
    assert!(error_of(&r, "nope.csv").contains("no such file"));
}

#[test]
fn ragged_records_are_skipped_at_every_batch_size() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("many.csv");
    let rows = rows(1000, 300, 11);
    let mut text = common::COLUMNS.join(",") + "\n";
    let bad_lines = [10usize, 500, 999];
    for (i, r) in rows.iter().enumerate() {
        let line = i + 2;
        let mut fields: Vec<String> = r.iter().map(|f| format!("\"{}\"", f.replace('"', "\"\""))).collect();
        if bad_lines.contains(&line) {
            fields.truncate(3); // too few fields
        }
        text.push_str(&fields.join(","));
        text.push('\n');
    }
    std::fs::write(&p, text).unwrap();
    for bs in ["1", "7", "8192"] {
        let (r, out) = scan(&[p.to_str().unwrap(), "--batch-size", bs]);
        assert_eq!(out.status.code(), Some(3), "batch size {bs}");
        let i = &r["inputs"][0];
        assert_eq!(i["rows"], 997, "batch size {bs}");
        let errors: Vec<&str> = i["errors"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
        assert_eq!(errors.len(), 3, "{errors:?}");
        for (e, line) in errors.iter().zip(bad_lines) {
            assert!(e.contains(&format!("line {line}:")), "batch size {bs}: {e}");
        }
    }
}
