//! The same records through every reader path give the same findings and counts, whatever the
//! format, compression, batch size or thread count (STYLE.md rule 8).

mod common;

use common::*;

fn fixture_dir(rows: &[Vec<String>]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csv = to_csv(rows, ",", "\n");
    std::fs::write(d.join("r.csv"), &csv).unwrap();
    std::fs::write(d.join("r_crlf_semicolon.csv"), to_csv(rows, ";", "\r\n")).unwrap();
    std::fs::write(d.join("r_tab.tsv"), to_csv(rows, "\t", "\n")).unwrap();
    let (gbk, _, bad) = encoding_rs::GBK.encode(&csv);
    assert!(!bad);
    std::fs::write(d.join("r_gbk.csv"), &gbk).unwrap();
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(csv.as_bytes());
    std::fs::write(d.join("r_bom.csv"), &bom).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    for u in csv.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    std::fs::write(d.join("r_utf16.csv"), &utf16).unwrap();
    std::fs::write(d.join("r.csv.gz"), gzip(csv.as_bytes())).unwrap();
    std::fs::write(d.join("r.csv.zst"), zstd(csv.as_bytes())).unwrap();
    let nd = to_ndjson(rows);
    std::fs::write(d.join("r.ndjson"), &nd).unwrap();
    std::fs::write(d.join("r.ndjson.gz"), gzip(nd.as_bytes())).unwrap();
    std::fs::write(d.join("r_array.json"), to_json_array(rows)).unwrap();
    write_parquet(&d.join("r.parquet"), &to_batch(rows), 97);
    dir
}

const FILES: &[(&str, &str, Option<&str>)] = &[
    ("r.csv", "utf-8", None),
    ("r_crlf_semicolon.csv", "utf-8", None),
    ("r_tab.tsv", "utf-8", None),
    ("r_gbk.csv", "gb18030", None),
    ("r_bom.csv", "utf-8", None),
    ("r_utf16.csv", "utf-16le", None),
    ("r.csv.gz", "utf-8", Some("gzip")),
    ("r.csv.zst", "utf-8", Some("zstd")),
    ("r.ndjson", "utf-8", None),
    ("r.ndjson.gz", "utf-8", Some("gzip")),
    ("r_array.json", "utf-8", None),
    ("r.parquet", "", None),
];

#[test]
fn every_format_gives_the_same_report() {
    let rows = rows(600, 200, 1);
    let dir = fixture_dir(&rows);
    let (reference, out) = scan(&[dir.path().join("r.csv").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let want = essence(&reference);
    // The facts themselves: resident IDs, phones, e-mails and cards as whole columns.
    let cats: Vec<(String, String)> = want["columns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !c["categories"].as_array().unwrap().is_empty())
        .map(|c| (c["column"].as_str().unwrap().to_string(), c["categories"][0].as_str().unwrap().to_string()))
        .collect();
    for (col, cat) in
        [("id_number", "resident_id"), ("mobile", "phone"), ("email", "email"), ("bank_card", "bank_card")]
    {
        assert!(cats.contains(&(col.to_string(), cat.to_string())), "{col} should be {cat}: {cats:?}");
    }
    assert_eq!(want["rows"], 600);
    for (file, enc, comp) in FILES {
        let (r, out) = scan(&[dir.path().join(file).to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{file}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(essence(&r), want, "{file} differs from the CSV report");
        let input = &r["inputs"][0];
        assert_eq!(input["complete"], true, "{file}");
        if !enc.is_empty() {
            assert_eq!(input["encoding"], *enc, "{file}");
        }
        assert_eq!(input["compression"].as_str(), *comp, "{file}");
    }
}

#[test]
fn batch_size_and_threads_do_not_change_the_report() {
    let rows = rows(500, 150, 2);
    let dir = fixture_dir(&rows);
    for file in ["r.csv", "r.ndjson", "r.parquet"] {
        let path = dir.path().join(file);
        let path = path.to_str().unwrap();
        let (want, _) = scan(&[path, "--threads", "1", "--batch-size", "8192"]);
        let want = essence(&want);
        for bs in ["1", "7", "8192"] {
            for threads in ["1", "2"] {
                let (r, out) = scan(&[path, "--threads", threads, "--batch-size", bs]);
                assert_eq!(out.status.code(), Some(0));
                assert_eq!(essence(&r), want, "{file} at batch size {bs}, {threads} threads");
            }
        }
    }
}

#[test]
fn persons_are_counted_once_across_rows_and_files() {
    // 300 rows over 40 persons, each always with the same keys; notes name persons of a second
    // pool by phone or e-mail, which identifies them but never links them to the row's owner.
    let rows = rows(300, 40, 3);
    let owners: std::collections::HashSet<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    let mut mention_keys = std::collections::HashSet::new();
    for r in &rows {
        let n = &r[5];
        if n.contains("手机") {
            mention_keys.insert(n.chars().filter(char::is_ascii_digit).collect::<String>());
        } else if let Some(rest) = n.strip_prefix("invoice sent to ") {
            mention_keys.insert(rest.split(',').next().unwrap().to_string());
        }
    }
    assert!(mention_keys.len() > 20);
    let dir = fixture_dir(&rows);
    let (r, _) = scan(&[dir.path().join("r.csv").to_str().unwrap()]);
    assert_eq!(r["persons"]["total"].as_u64().unwrap(), (owners.len() + mention_keys.len()) as u64, "{}", r["persons"]);
    assert_eq!(r["persons"]["unlinked_rows"], 0);
    // Bank cards are financial accounts (GB/T 45574-2025): every owner is a sensitive person;
    // persons only named by a phone or e-mail in a note are not.
    assert_eq!(r["persons"]["sensitive"].as_u64().unwrap(), owners.len() as u64);
    // The same records twice (CSV and Parquet): nobody is counted twice.
    let p = dir.path().join("r.csv");
    let q = dir.path().join("r.parquet");
    let (r2, _) = scan(&[p.to_str().unwrap(), q.to_str().unwrap()]);
    assert_eq!(r2["persons"], r["persons"]);
}

#[test]
fn nested_json_keeps_list_values_with_their_row() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("nested.ndjson");
    let a = person(1);
    let b = person(2);
    // Row 1: the owner's ID at top level, the owner's phone inside a list of contacts-of-self;
    // row 2: the same phone nested under owner → one person.
    let text = format!(
        "{}\n{}\n",
        serde_json::json!({"id_card": a.id, "phones": [{"kind": "home", "number": a.phone}], "owner": {"name": a.name}}),
        serde_json::json!({"id_card": null, "phones": [], "owner": {"name": b.name, "mobile": a.phone}})
    );
    std::fs::write(&p, text).unwrap();
    let (r, out) = scan(&[p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let cols: Vec<&str> = r["columns"].as_array().unwrap().iter().map(|c| c["column"].as_str().unwrap()).collect();
    assert!(cols.contains(&"phones[].number"), "{cols:?}");
    assert!(cols.contains(&"owner.mobile"), "{cols:?}");
    assert_eq!(r["persons"]["total"], 1, "{}", r["persons"]);
}
