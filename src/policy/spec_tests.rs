//! Policy file tests: parsing, validation, `extends` resolution and error messages.

use super::*;

const BASE: &str = r#"
id = "base"
title = "t"
version = "1"
jurisdiction = "CN"
[documents.p]
title = "Provisions"
short = "Provisions"

[[rules]]
id = "a"
when = { ciio = true }
verdict = "security_assessment"
cite = { document = "p", article = "Art. 7(1)" }
confirmed = true
"#;

fn set(files: &[(&str, &str)]) -> Result<BTreeMap<String, Entry>> {
    let mut m = BTreeMap::new();
    for (path, text) in files {
        let spec = PolicySpec::parse(path, text)?;
        m.insert(spec.id.clone(), Entry { spec, origin: path.to_string(), builtin: false });
    }
    Ok(m)
}

fn parse_err(text: &str) -> String {
    PolicySpec::parse("my/base.toml", text).unwrap_err().to_string()
}

#[test]
fn parses_and_resolves() {
    let s = set(&[("p/base.toml", BASE)]).unwrap();
    let p = resolve(&s, "base").unwrap();
    assert_eq!(p.rules.len(), 1);
    assert_eq!(p.rules[0].cite, "Provisions Art. 7(1)");
    assert_eq!(p.chain, ["base"]);
}

#[test]
fn unknown_key_names_file_and_key() {
    let e = parse_err(&BASE.replace("confirmed = true", "confirmed = true\nconfimed = true"));
    assert!(e.starts_with("my/base.toml: "), "{e}");
    assert!(e.contains("confimed") && e.contains("rules[0] `a`"), "{e}");
    let e = parse_err(&BASE.replace("ciio = true", "ciio = true, cio = false"));
    assert!(e.contains("`cio`"), "{e}");
    let e = parse_err(&format!("colour = 1\n{BASE}"));
    assert!(e.contains("`colour`") && e.contains("line 1"), "{e}");
}

#[test]
fn unknown_verdict_names_the_key() {
    let e = parse_err(&BASE.replace("\"security_assessment\"", "\"alow\""));
    assert!(e.contains("my/base.toml") && e.contains("key `verdict`") && e.contains("alow"), "{e}");
    assert!(e.contains("`allow`"), "{e}");
}

#[test]
fn unknown_class_scenario_in_conditions() {
    let e = parse_err(&BASE.replace("ciio = true", "has = [\"persnal\"]"));
    assert!(e.contains("key `has`") && e.contains("persnal"), "{e}");
    let e = parse_err(&BASE.replace("ciio = true", "scenario = \"shopping\""));
    assert!(e.contains("key `scenario`") && e.contains("shopping") && e.contains("`contract`"), "{e}");
}

#[test]
fn unknown_category_names_file_rule_and_key() {
    let text = BASE.replace("ciio = true", "category = \"genetc\"");
    let e = resolve(&set(&[("p/base.toml", &text)]).unwrap(), "base").unwrap_err().to_string();
    assert!(e.starts_with("p/base.toml: rules[0] `a`: key `when.category`"), "{e}");
    assert!(e.contains("genetc"), "{e}");
    // nested and in category_persons
    let text = BASE.replace(
        "ciio = true",
        "any = [{ ciio = true }, { category_persons = { categories = [\"bank_crad\"], gt = 1 } }]",
    );
    let e = resolve(&set(&[("p/base.toml", &text)]).unwrap(), "base").unwrap_err().to_string();
    assert!(e.contains("key `when.any[1].category_persons.categories`") && e.contains("bank_crad"), "{e}");
    // markers and declared categories are fine
    let text = BASE.replace("ciio = true", "category = [\"important:ai:weights\", \"my_cat\"]");
    let text = text.replace("version = \"1\"", "version = \"1\"\ncategories = [\"my_cat\"]");
    resolve(&set(&[("p/base.toml", &text)]).unwrap(), "base").unwrap();
}

#[test]
fn unknown_class_table_key_and_sector() {
    let text = format!("{}\n[classes]\nbank_crad = \"sensitive\"\n", BASE.split("[[rules]]").next().unwrap())
        + "[[rules]]"
        + BASE.split("[[rules]]").nth(1).unwrap();
    let e = resolve(&set(&[("p/base.toml", &text)]).unwrap(), "base").unwrap_err().to_string();
    assert!(e.contains("key `classes.bank_crad`"), "{e}");
    let text = BASE.replace("ciio = true", "sector = \"automtive\"");
    let e = resolve(&set(&[("p/base.toml", &text)]).unwrap(), "base").unwrap_err().to_string();
    assert!(e.contains("key `when.sector`") && e.contains("automtive"), "{e}");
}

#[test]
fn unknown_document_and_placeholder() {
    let e = resolve(&set(&[("p/base.toml", &BASE.replace("document = \"p\"", "document = \"q\""))]).unwrap(), "base")
        .unwrap_err()
        .to_string();
    assert!(e.contains("key `cite.document`") && e.contains("\"q\""), "{e}");
    let e = parse_err(&BASE.replace("confirmed = true", "confirmed = true\ndetail = \"{sensitve}\""));
    assert!(e.contains("key `detail`") && e.contains("sensitve"), "{e}");
}

#[test]
fn shape_errors() {
    let e = parse_err(&BASE.replace("ciio = true", "sensitive_persons_gte = 10, sensitive_persons_lt = 10"));
    assert!(e.contains("sensitive_persons_lt"), "{e}");
    let e = parse_err(&BASE.replace("when = { ciio = true }", "when = {}"));
    assert!(e.contains("key `when`"), "{e}");
    let e = parse_err(&BASE.replace("\"security_assessment\"", "\"separate_regime\""));
    assert!(e.contains("key `regime`"), "{e}");
    let e = parse_err(&BASE.replace("id = \"base\"", "id = \"other\""));
    assert!(e.contains("key `id`"), "{e}");
    let e = parse_err(&BASE.replace("confirmed = true", "confirmed = true\nexempts = [\"x\"]"));
    assert!(e.contains("key `exempts`"), "{e}");
    let e = parse_err(&BASE.replace("ciio = true", "marker_prefix = \"importent:\""));
    assert!(e.contains("marker_prefix"), "{e}");
}

#[test]
fn extends_inherits_and_replaces() {
    let child = r#"
id = "child"
title = "c"
version = "1"
jurisdiction = "CN-X"
extends = "base"
[classes]
passport = "sensitive"
[[rules]]
id = "a"
when = { ciio = true }
verdict = "prohibited"
cite = { document = "p" }
confirmed = true
[[rules]]
id = "b"
when = { category = "genetic" }
verdict = "separate_regime"
regime = "human_genetic_resources"
cite = { document = "p" }
confirmed = true
"#;
    let s = set(&[("p/base.toml", BASE), ("p/child.toml", child)]).unwrap();
    let p = resolve(&s, "child").unwrap();
    assert_eq!(p.chain, ["base", "child"]);
    assert_eq!(p.rules.iter().map(|r| r.spec.id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(p.rules[0].spec.verdict, RuleVerdict::Prohibited);
    assert_eq!(p.rules[0].origin, "p/child.toml");
    assert_eq!(p.classes.class_of("passport"), Class::Sensitive);
    assert_eq!(p.classes.class_of("bank_card"), Class::Sensitive);
}

#[test]
fn cycles_are_named() {
    let a = BASE.replace("id = \"base\"", "id = \"a\"\nextends = \"b\"");
    let b = BASE.replace("id = \"base\"", "id = \"b\"\nextends = \"a\"");
    let s = set(&[("p/a.toml", &a), ("p/b.toml", &b)]).unwrap();
    let e = resolve(&s, "a").unwrap_err().to_string();
    assert!(e.contains("key `extends`: cycle a → b → a"), "{e}");
    assert!(e.starts_with("p/b.toml"), "{e}");
    let selfish = BASE.replace("id = \"base\"", "id = \"base\"\nextends = \"base\"");
    let e = resolve(&set(&[("p/base.toml", &selfish)]).unwrap(), "base").unwrap_err().to_string();
    assert!(e.contains("cycle base → base"), "{e}");
    let orphan = BASE.replace("id = \"base\"", "id = \"base\"\nextends = \"nowhere\"");
    let e = resolve(&set(&[("p/base.toml", &orphan)]).unwrap(), "base").unwrap_err().to_string();
    assert!(e.contains("key `extends`: unknown policy \"nowhere\""), "{e}");
}

#[test]
fn exemptions_must_name_groups_and_never_cover_a_ban() {
    let extra = r#"
[[rules]]
id = "ex"
when = { scenario = "contract" }
verdict = "allow"
cite = { document = "p" }
confirmed = true
exempts = ["vol"]
"#;
    let text = format!("{BASE}{extra}");
    let e = resolve(&set(&[("p/base.toml", &text)]).unwrap(), "base").unwrap_err().to_string();
    assert!(e.contains("rule `ex`: key `exempts`") && e.contains("\"vol\""), "{e}");
    let text = format!("{}{extra}", BASE.replace("confirmed = true", "confirmed = true\ngroups = [\"vol\"]"));
    resolve(&set(&[("p/base.toml", &text)]).unwrap(), "base").unwrap();
    let banned = BASE
        .replace("confirmed = true", "confirmed = true\ngroups = [\"vol\"]")
        .replace("\"security_assessment\"", "\"prohibited\"");
    let e = resolve(&set(&[("p/base.toml", &format!("{banned}{extra}"))]).unwrap(), "base").unwrap_err().to_string();
    assert!(e.contains("ban cannot be exempted"), "{e}");
}
