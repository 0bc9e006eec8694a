//! `xborder policy list|show|check` end to end.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn xborder(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xborder")).current_dir(dir).args(args).output().expect("run xborder");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const IDS: [&str; 4] = ["beijing-ftz-2024", "cn-national-2024", "shanghai-lingang-2024", "tianjin-ftz-2024"];

const VALID: &str = r#"
id = "acme"
title = "Acme's reading"
version = "3"
jurisdiction = "CN"
extends = "cn-national-2024"

[classes]
passport = "sensitive"

[[rules]]
id = "acme_passport_review"
when = { category = "passport" }
verdict = "needs_review"
cite = { document = "provisions", article = "Art. 2" }
detail = "{matched} found"
confirmed = false
"#;

#[test]
fn list_as_table_and_json() {
    let d = tempfile::tempdir().unwrap();
    let (code, out, _) = xborder(d.path(), &["policy", "list"]);
    assert_eq!(code, 0);
    for id in IDS {
        assert!(out.contains(id), "{out}");
    }
    let (code, out, _) = xborder(d.path(), &["policy", "list", "--format", "json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = v.as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, IDS);
    let bj = &v[0];
    assert_eq!(bj["extends"], "cn-national-2024");
    assert!(bj["rules"].as_u64().unwrap() > bj["own_rules"].as_u64().unwrap());
}

#[test]
fn show_prints_rules_with_citations() {
    let d = tempfile::tempdir().unwrap();
    let (code, out, _) = xborder(d.path(), &["policy", "show", "cn-national-2024"]);
    assert_eq!(code, 0);
    assert!(out.contains("art7_sensitive") && out.contains("Provisions Art. 7(2)"), "{out}");
    assert!(out.contains("sensitive persons ≥ 10000"), "{out}");
    assert!(out.contains("[unconfirmed]"), "{out}");
    let (code, out, _) = xborder(d.path(), &["policy", "show", "cn-national-2024", "--format", "json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let rules = v["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for id in [
        "core_classified_marking",
        "art7_ciio",
        "art7_important_listed",
        "important_candidate",
        "art7_sensitive",
        "art7_personal",
        "art8_sensitive",
        "art8_personal",
        "art5_4_below_threshold",
        "art3_no_pi",
        "art5_1_contract",
        "hgr_genetic",
    ] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    let art7 = rules.iter().find(|r| r["id"] == "art7_sensitive").unwrap();
    assert_eq!(art7["when"]["sensitive_persons_gte"], 10000);
    assert_eq!(art7["verdict"], "security_assessment");
    assert_eq!(art7["confirmed"], true);
    assert!(art7["document"]["url"].as_str().unwrap().starts_with("https://www.cac.gov.cn/"));
}

#[test]
fn show_a_file_and_an_inherited_chain() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("acme.toml"), VALID).unwrap();
    let (code, out, err) = xborder(d.path(), &["policy", "show", "acme.toml", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["chain"], serde_json::json!(["cn-national-2024", "acme"]));
    assert_eq!(v["classes"]["overrides"]["passport"], "sensitive");
    let last = v["rules"].as_array().unwrap().last().unwrap();
    assert_eq!(last["id"], "acme_passport_review");
    assert_eq!(last["defined_in"], "acme");
}

#[test]
fn check_accepts_a_valid_file() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("acme.toml"), VALID).unwrap();
    let (code, out, err) = xborder(d.path(), &["policy", "check", "acme.toml"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("acme.toml: ok") && out.contains("1 own, 1 of them unconfirmed"), "{out}");
}

#[test]
fn check_names_the_file_and_the_key() {
    let d = tempfile::tempdir().unwrap();
    let cases = [
        (VALID.replace("confirmed = false", "confirmed = false\nconfirmd = true"), "confirmd"),
        (VALID.replace("\"needs_review\"", "\"needs_reveiw\""), "key `verdict`"),
        (VALID.replace("category = \"passport\"", "category = \"pasport\""), "key `when.category`"),
        (VALID.replace("category = \"passport\"", "sector = \"space\""), "key `when.sector`"),
        (VALID.replace("passport = \"sensitive\"", "passport = \"secret\""), "secret"),
        (VALID.replace("document = \"provisions\"", "document = \"pipl\""), "key `cite.document`"),
        (VALID.replace("{matched}", "{match}"), "key `detail`"),
        (VALID.replace("extends = \"cn-national-2024\"", "extends = \"acme\""), "cycle acme → acme"),
        (VALID.replace("extends = \"cn-national-2024\"", "extends = \"cn-2099\""), "key `extends`"),
    ];
    for (text, needle) in cases {
        std::fs::write(d.path().join("acme.toml"), &text).unwrap();
        let (code, out, err) = xborder(d.path(), &["policy", "check", "acme.toml"]);
        assert_eq!(code, 2, "{needle}: {out}{err}");
        assert!(err.contains("acme.toml"), "{needle}: {err}");
        assert!(err.contains(needle), "{needle}: {err}");
    }
    let (code, _, err) = xborder(d.path(), &["policy", "show", "no-such-policy"]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such-policy"), "{err}");
}

#[test]
fn the_shipped_policy_files_check_clean() {
    let d = tempfile::tempdir().unwrap();
    for id in IDS {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies").join(format!("{id}.toml"));
        let (code, out, err) = xborder(d.path(), &["policy", "check", path.to_str().unwrap()]);
        assert_eq!(code, 0, "{id}: {err}");
        assert!(out.contains(": ok"), "{out}");
    }
}
