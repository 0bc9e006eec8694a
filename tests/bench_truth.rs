//! Person counts against the benchmark kit's ground truth (`scripts/bench_kit/gen_pii_csv.py`, the
//! kit's generator kept in the project so that every clone runs this test): the
//! persons owning rows must equal the manifest's `distinct_persons_in_rows` exactly, and the
//! total must equal the independent oracle `scripts/persons_oracle.py` (the manifest's
//! `distinct_persons_with_mentions` counts an unseen person once even when two notes name them by
//! two different keys, which no data links; the oracle applies DESIGN.md's rules instead).

mod common;

use std::path::Path;
use std::process::Command;

#[test]
fn persons_match_the_generator_manifest() {
    let kit = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench_kit/gen_pii_csv.py");
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("pii.csv");
    let st = Command::new("python3")
        .arg(&kit)
        .args(["--out", csv.to_str().unwrap(), "--size", "3MB", "--workers", "1", "--seed", "7"])
        .output()
        .expect("python3");
    assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("pii.csv.manifest.json")).unwrap()).unwrap();
    let oracle = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/persons_oracle.py"))
        .arg(&csv)
        .output()
        .unwrap();
    assert!(oracle.status.success(), "{}", String::from_utf8_lossy(&oracle.stderr));
    let oracle: serde_json::Value = serde_json::from_slice(&oracle.stdout).unwrap();
    assert_eq!(oracle["distinct_persons_in_rows"], manifest["distinct_persons_in_rows"]);
    for threads in ["1", "2"] {
        let (r, out) = common::scan(&[csv.to_str().unwrap(), "--threads", threads]);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(r["persons"]["owning_rows"], manifest["distinct_persons_in_rows"], "{}", r["persons"]);
        assert_eq!(r["persons"]["total"], oracle["distinct_persons_with_mentions"], "{}", r["persons"]);
        assert_eq!(r["inputs"][0]["rows"], manifest["rows"]);
    }
}
