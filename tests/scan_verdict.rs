//! `xborder scan` end to end: the verdict, its reasons and the exit codes, on small CSVs.

mod common;

use std::path::{Path, PathBuf};

use common::Run;
use serde_json::Value;

/// Luhn-valid UnionPay cards, valid mobile numbers, resident IDs (adult, and a minor on 2026-11-28).
const CARD: &str = "6228480402564890018";
const ADULT_ID: &str = "11010519491231002X";
const MINOR_ID: &str = "110105201501010017";

/// Verdict accessors on the shared run result.
trait Verdict {
    fn level(&self) -> String;
    fn rules(&self) -> Vec<String>;
}

impl Verdict for Run {
    fn level(&self) -> String {
        self.json()["verdict"]["level"].as_str().unwrap().to_string()
    }
    fn rules(&self) -> Vec<String> {
        self.json()["verdict"]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["rule"].as_str().unwrap().to_string())
            .collect()
    }
}

fn xborder(dir: &Path, args: &[&str]) -> Run {
    common::command(dir, args).output().expect("run xborder").into()
}

/// `xborder scan FILE --format json --as-of 2026-11-28 ARGS...`
fn scan(dir: &Path, file: &str, args: &[&str]) -> Run {
    let mut all = vec!["scan", file, "--format", "json", "--as-of", "2026-11-28", "--threads", "1"];
    all.extend_from_slice(args);
    xborder(dir, &all)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn dir_with_card() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "card.csv", &format!("name,card\n张三,{CARD}\n"));
    d
}

#[test]
fn one_bank_card_person_needs_a_standard_contract_and_fails_by_default() {
    let d = dir_with_card();
    let r = scan(d.path(), "card.csv", &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.level(), "standard_contract");
    assert_eq!(r.rules(), ["art8_sensitive"]);
    let v = r.json();
    assert_eq!(v["verdict"]["policy"], "cn-national-2024");
    assert_eq!(v["verdict"]["reasons"][0]["cite"], "Provisions Art. 8");
    assert_eq!(
        v["verdict"]["reasons"][0]["detail"],
        "1 sensitive persons ≥ 1 and < 10000 (this export only: no ledger, so earlier transfers this year were not counted)"
    );
    assert_eq!(v["verdict"]["reasons"][0]["confirmed"], true);
    assert_eq!(v["persons"]["sensitive"], 1);
    assert!(r.stderr.contains("--fail-at standard_contract"), "{}", r.stderr);
}

#[test]
fn fail_at_security_assessment_lets_a_standard_contract_pass() {
    let d = dir_with_card();
    let r = scan(d.path(), "card.csv", &["--fail-at", "security_assessment"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.level(), "standard_contract");
    let r = scan(d.path(), "card.csv", &["--fail-at", "needs_review"]);
    assert_eq!(r.code, 1);
}

#[test]
fn few_persons_without_sensitive_data_are_allowed() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "p.csv", &format!("phone,id\n13812345678,{ADULT_ID}\n+86 139 0000 1111,\n13812345678,\n"));
    let r = scan(d.path(), "p.csv", &["--exporter", "acme"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.level(), "allow");
    assert_eq!(r.rules(), ["art5_4_below_threshold"]);
    let v = r.json();
    assert_eq!(v["persons"]["total"], 2);
    assert_eq!(v["year_to_date"]["year"], 2026);
    assert_eq!(v["year_to_date"]["exporter"], "acme");
    assert_eq!(v["year_to_date"]["persons"], 2);
    assert_eq!(v["year_to_date"]["sensitive"], 0);
    assert!(v["verdict"]["reasons"][0]["detail"].as_str().unwrap().contains("2 persons with PI < 100000"));
}

#[test]
fn a_minor_is_sensitive() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "m.csv", &format!("id\n{MINOR_ID}\n"));
    let r = scan(d.path(), "m.csv", &[]);
    assert_eq!(r.level(), "standard_contract");
    assert_eq!(r.json()["persons"]["minors"], 1);
    assert_eq!(r.code, 1);
}

#[test]
fn no_personal_information_is_allowed_by_art3() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "orders.csv", "order_no,amount\n202611280001,12.50\n202611280002,99.00\n");
    let r = scan(d.path(), "orders.csv", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.rules(), ["art3_no_pi"]);
    assert_eq!(r.json()["year_to_date"]["exporter"], "unspecified");
}

#[test]
fn a_ciio_needs_an_assessment_for_any_pi() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "p.csv", "phone\n13812345678\n");
    let r = scan(d.path(), "p.csv", &["--ciio"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.level(), "security_assessment");
    assert_eq!(r.rules(), ["art7_ciio"]);
    assert_eq!(r.json()["verdict"]["reasons"][0]["cite"], "Provisions Art. 7(1)");
}

#[test]
fn a_declared_scenario_exempts_the_pi_it_covers_for_a_ciio_too() {
    let d = dir_with_card();
    let r = scan(d.path(), "card.csv", &["--scenario", "contract"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.level(), "allow");
    assert_eq!(r.rules(), ["art5_1_contract"]);
    // Art. 7's last paragraph: Arts. 3–6 prevail over Art. 7(1).
    let r = scan(d.path(), "card.csv", &["--scenario", "hr", "--scenario", "contract", "--ciio"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.rules(), ["art5_1_contract", "art5_2_hr"]);
    let r = scan(d.path(), "card.csv", &["--ciio"]);
    assert_eq!((r.code, r.rules()), (1, vec!["art7_ciio".to_string(), "art8_sensitive".to_string()]));
}

#[test]
fn the_policy_class_mapping_decides_who_is_sensitive() {
    let d = dir_with_card();
    write(
        d.path(),
        "lenient.toml",
        r#"
id = "lenient"
title = "bank cards read as ordinary PI"
version = "1"
jurisdiction = "CN"
extends = "cn-national-2024"
[classes]
bank_card = "personal"
"#,
    );
    let r = scan(d.path(), "card.csv", &["--policy", "lenient.toml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["persons"]["sensitive"], 0);
    assert_eq!(v["columns"][0]["class"], "personal");
    assert_eq!(v["verdict"]["policy"], "lenient");
    assert_eq!(r.rules(), ["art5_4_below_threshold"]);
}

#[test]
fn zone_policies_from_the_command_line() {
    let d = dir_with_card();
    // Outside the list's sectors and scenarios: the national route, and a note saying so.
    let r = scan(d.path(), "card.csv", &["--policy", "beijing-ftz-2024", "--zone-registered", "--sector", "other"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.rules(), ["art8_sensitive", "bj_outside_list"]);
    let r = scan(d.path(), "card.csv", &["--policy", "beijing-ftz-2024", "--zone-registered", "--sector", "retail"]);
    assert_eq!(r.rules(), ["art8_sensitive", "bj_outside_list"]);
    // A listed scenario: the national route, with the list's unconfirmed items beside it.
    let r = scan(
        d.path(),
        "card.csv",
        &["--policy", "beijing-ftz-2024", "--zone-registered", "--sector", "retail", "--scenario", "retail_membership"],
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.level(), "standard_contract");
    assert!(r.rules().contains(&"bj_list_pi_sensitive".to_string()));
    assert!(!r.rules().contains(&"bj_outside_list".to_string()));
    let r = scan(d.path(), "card.csv", &["--policy", "tianjin-ftz-2024"]);
    assert_eq!((r.code, r.level().as_str()), (1, "standard_contract"));
}

#[test]
fn configuration_errors_exit_2_before_reading() {
    let d = dir_with_card();
    for (args, needle) in [
        (&["--scenario", "shopping"][..], "shopping"),
        (&["--fail-at", "sometimes"][..], "sometimes"),
        (&["--sector", "automtive"][..], "automtive"),
        (&["--policy", "cn-nat"][..], "cn-nat"),
        (&["--catalogue", "nope.txt"][..], "nope.txt"),
    ] {
        let r = scan(d.path(), "card.csv", args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}");
    }
    write(d.path(), "bad.toml", "id = \"bad\"\ntitle = \"t\"\nversion = \"1\"\njurisdiction = \"CN\"\nextends = \"cn-national-2024\"\nrulez = []\n");
    let r = scan(d.path(), "card.csv", &["--policy", "bad.toml"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("bad.toml") && r.stderr.contains("rulez"), "{}", r.stderr);
    write(d.path(), "cat.txt", "important:automotive:exterior_camera\nnot a marker\n");
    let r = scan(d.path(), "card.csv", &["--catalogue", "cat.txt"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cat.txt: line 2"), "{}", r.stderr);
}

#[test]
fn a_catalogue_file_is_accepted() {
    let d = dir_with_card();
    write(d.path(), "cat.toml", "notified_by = \"MIIT\"\nmarkers = [\"important:automotive:exterior_camera\"]\n");
    let r = scan(d.path(), "card.csv", &["--catalogue", "cat.toml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.rules(), ["art8_sensitive"], "a catalogue naming markers that are absent changes nothing");
}

#[test]
fn an_incomplete_scan_exits_3_even_when_the_verdict_fails() {
    let d = dir_with_card();
    let r = scan(d.path(), "card.csv", &["missing.csv"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(r.level(), "standard_contract");
    assert!(r.stderr.contains("missing.csv"), "{}", r.stderr);
    // Below --fail-at, incomplete is still never clean.
    let r = scan(d.path(), "card.csv", &["missing.csv", "--fail-at", "prohibited"]);
    assert_eq!(r.code, 3);
}

#[test]
fn human_and_jsonl_output_carry_the_verdict() {
    let d = dir_with_card();
    let r =
        xborder(d.path(), &["scan", "card.csv", "--format", "human", "--exporter", "acme", "--as-of", "2026-11-28"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("Verdict: standard_contract"), "{}", r.stdout);
    assert!(r.stdout.contains("art8_sensitive [standard_contract]: 1 sensitive persons"), "{}", r.stdout);
    assert!(r.stdout.contains("Year to date 2026 for acme"), "{}", r.stdout);
    let r = xborder(d.path(), &["scan", "card.csv", "--format", "jsonl"]);
    let last: Value = serde_json::from_str(r.stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["report"]["verdict"]["level"], "standard_contract");
}
