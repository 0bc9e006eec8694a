//! The ledger's person tables are sealed with each transfer, `ledger verify` without the key says
//! it could not verify (exit 4), and `--expect-head` catches a rollback to an older copy
//! (issue 13, "The ledger"). Real binary, real SQLite file, tampering by SQL.
#![cfg(feature = "ledger")]

mod common;

use std::path::Path;

use common::Run;
use serde_json::Value;

fn xborder(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut c = common::command(dir, args);
    c.envs(env.iter().copied());
    c.output().expect("run xborder").into()
}

/// A CSV of persons `range`: phone and resident ID (sensitive personal information).
fn persons_csv(dir: &Path, name: &str, range: std::ops::Range<u64>) -> String {
    let mut s = String::from("mobile,id_number\n");
    for i in range {
        let p = common::person(i);
        s.push_str(&format!("139{i:08},{}\n", p.id));
    }
    std::fs::write(dir.join(name), s).unwrap();
    name.to_string()
}

/// `scan --record` of `file`; the chain head it printed.
fn record(dir: &Path, file: &str, as_of: &str) -> String {
    let r = xborder(
        dir,
        &[
            "scan",
            file,
            "--ledger",
            "l.db",
            "--exporter",
            "acme",
            "--as-of",
            as_of,
            "--record",
            "--fail-at",
            "prohibited",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let line = r.stderr.lines().find(|l| l.starts_with("xborder: chain head: transfer")).expect(&r.stderr);
    line.rsplit(' ').next().unwrap().to_string()
}

fn year_persons(dir: &Path, file: &str) -> u64 {
    let r = xborder(
        dir,
        &["scan", file, "--ledger", "l.db", "--exporter", "acme", "--as-of", "2026-06-01", "--format", "json"],
        &[],
    );
    r.json()["year_to_date"]["persons"].as_u64().unwrap()
}

fn verify(dir: &Path, extra: &[&str]) -> (Run, Value) {
    let mut args = vec!["ledger", "verify", "--ledger", "l.db", "--format", "json"];
    args.extend_from_slice(extra);
    let r = xborder(dir, &args, &[]);
    let v = r.json();
    (r, v)
}

fn problems(v: &Value) -> Vec<String> {
    v["report"]["problems"].as_array().unwrap().iter().map(|p| p["message"].as_str().unwrap().to_string()).collect()
}

fn copy_ledger(from: &Path) -> tempfile::TempDir {
    let to = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("l.db") || name.ends_with(".csv") {
            std::fs::copy(e.path(), to.path().join(&name)).unwrap();
        }
    }
    to
}

/// Two transfers recorded in `d`; the heads printed after each.
fn two_transfers(d: &Path) -> (String, String) {
    let a = persons_csv(d, "a.csv", 0..300);
    let b = persons_csv(d, "b.csv", 200..500);
    (record(d, &a, "2026-03-01"), record(d, &b, "2026-03-02"))
}

#[test]
fn the_head_printed_after_recording_anchors_verify() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (h1, h2) = two_transfers(d);
    assert_eq!(h1.len(), 64);
    assert_ne!(h1, h2);
    let (r, v) = verify(d, &["--expect-head", &h2]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(v["report"]["seal"], "valid");
    assert_eq!(v["report"]["person_seals"], 2);
    assert_eq!(v["report"]["expected_head"], true);
    assert_eq!(v["report"]["head_hash"], h2.as_str());
    // An older head is still on the chain (later transfers were added, nothing was removed).
    assert_eq!(verify(d, &["--expect-head", &h1]).0.code, 0);
}

#[test]
fn a_rollback_to_an_older_copy_fails_the_expected_head() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = persons_csv(d, "a.csv", 0..300);
    record(d, &a, "2026-03-01");
    let old = copy_ledger(d);
    let b = persons_csv(d, "b.csv", 200..500);
    let h2 = record(d, &b, "2026-03-02");
    // The older copy is a consistent, sealed ledger: only the anchor kept outside shows it.
    assert_eq!(verify(old.path(), &[]).0.code, 0);
    let (r, v) = verify(old.path(), &["--expect-head", &h2]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(v["report"]["expected_head"], false);
    assert!(problems(&v).iter().any(|m| m.contains("does not pass through the expected head")), "{:?}", problems(&v));
    let human = xborder(old.path(), &["ledger", "verify", "--ledger", "l.db", "--expect-head", &h2], &[]);
    assert_eq!(human.code, 1);
    assert!(human.stdout.contains("TAMPERED") && human.stdout.contains("rolled back"), "{}", human.stdout);
}

/// Tamper with a copy of the two-transfer ledger by SQL: verify must exit 1 and say so.
fn assert_tampered(d: &Path, what: &str, sql: &str, says: &str) -> tempfile::TempDir {
    let copy = copy_ledger(d);
    let conn = rusqlite::Connection::open(copy.path().join("l.db")).unwrap();
    let changed = {
        conn.execute_batch(sql).unwrap();
        conn.changes()
    };
    assert!(changed > 0, "{what}: the SQL changed nothing");
    drop(conn);
    let (r, v) = verify(copy.path(), &[]);
    assert_eq!(r.code, 1, "{what}: {}\n{}", r.stdout, r.stderr);
    assert!(problems(&v).iter().any(|m| m.contains(says)), "{what}: expected {says:?} in {:?}", problems(&v));
    copy
}

#[test]
fn deleted_key_hashes_and_cleared_flags_are_detected() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    two_transfers(d);
    assert_eq!(year_persons(d, "b.csv"), 500);
    // Deleting the key hashes of persons 0..100 makes a later scan count them again.
    let copy = assert_tampered(
        d,
        "deleted key hashes",
        "DELETE FROM person_keys WHERE key_hash IN (SELECT key_hash FROM person_keys LIMIT 100)",
        "do not match what transfer 2 sealed",
    );
    drop(copy);
    let copy = copy_ledger(d);
    {
        let conn = rusqlite::Connection::open(copy.path().join("l.db")).unwrap();
        conn.execute("DELETE FROM person_keys WHERE person IN (SELECT person FROM persons LIMIT 100)", []).unwrap();
    }
    assert!(year_persons(copy.path(), "a.csv") > 500, "the tampering double-counts");
    let (r, _) = verify(copy.path(), &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_tampered(
        d,
        "flipped sensitive flags",
        "UPDATE persons SET sensitive = 1 - sensitive",
        "do not match what transfer 2 sealed",
    );
    assert_tampered(d, "flipped minor flags", "UPDATE persons SET minor = 1 - minor", "do not match");
    assert_tampered(d, "deleted persons", "DELETE FROM persons WHERE person % 7 = 0", "do not match");
    assert_tampered(d, "cleared category bits", "UPDATE persons SET categories = 0", "do not match");
    assert_tampered(d, "category counts", "UPDATE scope_categories SET persons = 1", "do not match");
    assert_tampered(d, "category names", "UPDATE categories SET name = name || 'x'", "category names");
    // The seal rows cannot be removed to pass for a ledger written before them.
    assert_tampered(d, "deleted seals", "DELETE FROM seals", "seal does not match");
    assert_tampered(d, "first seal deleted", "DELETE FROM seals WHERE seq = 1", "a seal before it deleted");
    assert_tampered(d, "last seal deleted", "DELETE FROM seals WHERE seq = 2", "seal of its person tables is missing");
    // A seal's state rewritten (to match edited tables) needs the key for the seal.
    assert_tampered(
        d,
        "rewritten state",
        "UPDATE seals SET state = 'ab' || substr(state, 3) WHERE seq = 2",
        "seal of its person tables does not match the ledger's key",
    );
    // The original still verifies.
    assert_eq!(verify(d, &[]).0.code, 0);
}

#[test]
fn verify_without_the_key_could_not_verify() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    two_transfers(d);
    std::fs::rename(d.join("l.db.key"), d.join("elsewhere.key")).unwrap();
    let (r, v) = verify(d, &[]);
    assert_eq!(r.code, 4, "{}{}", r.stdout, r.stderr);
    assert_eq!(v["report"]["seal"], "unchecked");
    assert_eq!(v["intact"], true, "consistent as far as it could look");
    let human = xborder(d, &["ledger", "verify", "--ledger", "l.db"], &[]);
    assert_eq!(human.code, 4);
    assert!(human.stdout.contains("could not be verified") && !human.stdout.contains("intact"), "{}", human.stdout);
    assert!(human.stderr.contains("not verified"), "{}", human.stderr);
    // Tampering that shows without the key still exits 1.
    let conn = rusqlite::Connection::open(d.join("l.db")).unwrap();
    conn.execute("DELETE FROM person_keys WHERE key_hash IN (SELECT key_hash FROM person_keys LIMIT 5)", []).unwrap();
    drop(conn);
    assert_eq!(verify(d, &[]).0.code, 1);
}
