//! Evaluator tests: the national ladder at its exact edges, exemptions, unconfirmed rules, and
//! the zone policies.

use std::collections::BTreeMap;

use super::*;
use crate::policy::spec::{resolve, Entry, PolicySpec};
use crate::policy::PolicySet;

fn policy(id: &str) -> Policy {
    PolicySet::builtin().unwrap().resolve(id).unwrap()
}

fn national() -> Policy {
    policy("cn-national-2024")
}

/// An export holding `cats`, with `personal` persons of whom `sensitive` have sensitive data;
/// the year so far is this export.
fn facts(cats: &[&str], personal: u64, sensitive: u64) -> Facts {
    let batch = PersonCountsByClass { personal, sensitive, by_category: BTreeMap::new() };
    Facts {
        persons_ytd: batch.clone(),
        persons_batch: batch,
        categories: cats.iter().map(|c| c.to_string()).collect(),
        ..Facts::default()
    }
}

/// What a count reason adds when the year so far is this export only.
const NO_LEDGER: &str = " (this export only: no ledger, so earlier transfers this year were not counted)";

fn ids(v: &Verdict) -> Vec<&str> {
    v.reasons.iter().map(|r| r.rule.as_str()).collect()
}

fn reason<'a>(v: &'a Verdict, rule: &str) -> &'a Reason {
    v.reasons.iter().find(|r| r.rule == rule).unwrap_or_else(|| panic!("no reason {rule}: {:?}", ids(v)))
}

fn level(p: &Policy, f: &Facts) -> Level {
    evaluate(p, f).level
}

// ------------------------------------------------------------------ the national ladder

#[test]
fn no_pi_no_important_data_is_allowed_by_art3() {
    let v = evaluate(&national(), &facts(&["organisation_id"], 0, 0));
    assert_eq!(v.level, Level::Allow);
    assert_eq!(ids(&v), ["art3_no_pi"]);
    assert_eq!(v.reasons[0].cite, "Provisions Art. 3");
    assert!(v.reasons[0].confirmed);
    assert_eq!(v.policy, "cn-national-2024");
}

#[test]
fn non_sensitive_99999_vs_100000() {
    let p = national();
    let v = evaluate(&p, &facts(&["phone"], 99_999, 0));
    assert_eq!(v.level, Level::Allow);
    assert_eq!(ids(&v), ["art5_4_below_threshold"]);
    assert_eq!(v.reasons[0].cite, "Provisions Art. 5(4)");
    assert!(v.reasons[0].detail.contains("99999 persons with PI < 100000"), "{}", v.reasons[0].detail);

    let v = evaluate(&p, &facts(&["phone"], 100_000, 0));
    assert_eq!(v.level, Level::StandardContract);
    assert_eq!(ids(&v), ["art8_personal"]);
    assert_eq!(v.reasons[0].cite, "Provisions Art. 8");
    assert_eq!(
        v.reasons[0].detail,
        format!("100000 persons with PI and no sensitive PI ≥ 100000 and < 1000000{NO_LEDGER}")
    );
    let mut f = facts(&["phone"], 100_000, 0);
    f.ytd_from_ledger = true;
    assert!(evaluate(&p, &f).reasons[0].detail.ends_with("(counted since 1 January from the ledger)"));
}

#[test]
fn non_sensitive_999999_vs_1000000() {
    let p = national();
    let v = evaluate(&p, &facts(&["phone"], 999_999, 0));
    assert_eq!(v.level, Level::StandardContract);
    assert_eq!(ids(&v), ["art8_personal"]);
    let v = evaluate(&p, &facts(&["phone"], 1_000_000, 0));
    assert_eq!(v.level, Level::SecurityAssessment);
    assert_eq!(ids(&v), ["art7_personal"]);
    assert_eq!(v.reasons[0].detail, format!("1000000 persons with PI and no sensitive PI ≥ 1000000{NO_LEDGER}"));
    assert_eq!(v.reasons[0].cite, "Provisions Art. 7(2)");
}

#[test]
fn one_sensitive_person_needs_a_standard_contract() {
    let v = evaluate(&national(), &facts(&["bank_card"], 1, 1));
    assert_eq!(v.level, Level::StandardContract);
    assert_eq!(ids(&v), ["art8_sensitive"]);
    assert_eq!(v.reasons[0].detail, format!("1 sensitive persons ≥ 1 and < 10000{NO_LEDGER}"));
    assert_eq!(v.reasons[0].cite, "Provisions Art. 8");
    assert_eq!(v.reasons[0].verdict, "standard_contract");
}

#[test]
fn sensitive_9999_vs_10000() {
    let p = national();
    let v = evaluate(&p, &facts(&["bank_card"], 9_999, 9_999));
    assert_eq!(v.level, Level::StandardContract);
    assert_eq!(ids(&v), ["art8_sensitive"]);
    let v = evaluate(&p, &facts(&["bank_card"], 10_000, 10_000));
    assert_eq!(v.level, Level::SecurityAssessment);
    assert_eq!(ids(&v), ["art7_sensitive"]);
    let v = evaluate(&p, &facts(&["bank_card"], 12_000, 12_000));
    assert_eq!(
        v.reasons[0].detail,
        format!("12000 sensitive persons ≥ 10000{NO_LEDGER}"),
        "DESIGN.md's example reason"
    );
    assert_eq!(v.reasons[0].cite, "Provisions Art. 7(2)");
}

#[test]
fn zero_sensitive_and_zero_personal_edges() {
    // A batch with PI but no person key still holds PI (unlinked rows count as persons, but a
    // category alone must be enough).
    let v = evaluate(&national(), &facts(&["phone"], 0, 0));
    assert_eq!(ids(&v), ["art5_4_below_threshold"]);
    // A minor makes a person sensitive.
    let v = evaluate(&national(), &facts(&["resident_id", "minor"], 1, 1));
    assert_eq!(v.level, Level::StandardContract);
}

#[test]
fn both_tallies_count_a_person_with_sensitive_data_unconfirmed() {
    // 999,995 persons with ordinary PI only + 5 with sensitive data = 1,000,000 persons with PI.
    let v = evaluate(&national(), &facts(&["phone", "bank_card"], 1_000_000, 5));
    assert_eq!(v.level, Level::SecurityAssessment);
    let top = &v.reasons[0];
    assert_eq!(top.rule, "art7_personal_with_sensitive");
    assert!(!top.confirmed);
    assert!(top.detail.contains("1000000 persons with PI ≥ 1000000"), "{}", top.detail);
    assert!(top.detail.contains("999995 persons with PI and no sensitive PI < 1000000"), "{}", top.detail);
    assert!(ids(&v).contains(&"art8_sensitive"));
    assert!(ids(&v).contains(&"art8_personal"));
    // The strict reading alone would be a standard contract: the unconfirmed rule raised it.
    assert!(!ids(&v).contains(&"art7_personal"));

    // Same at the 100,000 line: 99,999 + 1 sensitive.
    let v = evaluate(&national(), &facts(&["phone", "bank_card"], 100_000, 1));
    assert_eq!(v.level, Level::StandardContract);
    assert!(ids(&v).contains(&"art8_personal_with_sensitive"));
    assert!(!reason(&v, "art8_personal_with_sensitive").confirmed);
    assert!(reason(&v, "art8_sensitive").confirmed);
}

#[test]
fn art5_4_needs_no_sensitive_data_in_the_export() {
    let v = evaluate(&national(), &facts(&["phone", "bank_card"], 10, 1));
    assert_eq!(v.level, Level::StandardContract);
    assert!(!ids(&v).contains(&"art5_4_below_threshold"));
}

#[test]
fn year_to_date_counts_decide_but_only_for_data_this_export_holds() {
    let mut f = facts(&["phone"], 50, 0);
    f.persons_ytd.personal = 150_000;
    let v = evaluate(&national(), &f);
    assert_eq!(v.level, Level::StandardContract, "{:?}", ids(&v));
    assert!(v.reasons[0].detail.starts_with("150000 persons"));

    // Sensitive persons sent earlier this year do not make an export without sensitive data
    // need a procedure for sensitive data.
    let mut f = facts(&["phone"], 50, 0);
    f.persons_ytd = PersonCountsByClass { personal: 20_050, sensitive: 20_000, by_category: BTreeMap::new() };
    let v = evaluate(&national(), &f);
    assert!(!ids(&v).contains(&"art7_sensitive"), "{:?}", ids(&v));
    assert_eq!(v.level, Level::Allow);

    // An export with no PI at all is not judged on the year's PI.
    let mut f = facts(&[], 0, 0);
    f.persons_ytd = PersonCountsByClass { personal: 5_000_000, sensitive: 50_000, by_category: BTreeMap::new() };
    assert_eq!(evaluate(&national(), &f).level, Level::Allow);
}

#[test]
fn ciio_with_any_pi_needs_an_assessment() {
    let p = national();
    let mut f = facts(&["phone"], 1, 0);
    f.ciio = true;
    let v = evaluate(&p, &f);
    assert_eq!(v.level, Level::SecurityAssessment);
    assert_eq!(ids(&v), ["art7_ciio"]);
    assert_eq!(v.reasons[0].cite, "Provisions Art. 7(1)");
    // Art. 5(4) is for non-CIIOs only.
    assert!(!ids(&v).contains(&"art5_4_below_threshold"));
    // A CIIO exporting no PI and no important data: Art. 3.
    let mut f = facts(&["organisation_id"], 0, 0);
    f.ciio = true;
    assert_eq!(ids(&evaluate(&p, &f)), ["art3_no_pi"]);
}

#[test]
fn important_candidate_without_and_with_catalogue() {
    let p = national();
    let m = "important:automotive:exterior_camera";
    let f = facts(&[m], 0, 0);
    let v = evaluate(&p, &f);
    assert_eq!(v.level, Level::NeedsReview);
    assert_eq!(ids(&v), ["important_candidate"]);
    assert!(v.reasons[0].detail.contains(m));
    assert_eq!(v.reasons[0].cite, "Provisions Art. 2");

    let mut f = facts(&[m], 0, 0);
    f.catalogue.insert(m.into());
    let v = evaluate(&p, &f);
    assert_eq!(v.level, Level::SecurityAssessment);
    assert_eq!(ids(&v), ["art7_important_listed"]);

    // One listed, one not: both said.
    let other = "important:ai:training_data";
    let mut f = facts(&[m, other], 0, 0);
    f.catalogue.insert(m.into());
    let v = evaluate(&p, &f);
    assert_eq!(v.level, Level::SecurityAssessment);
    assert_eq!(ids(&v), ["art7_important_listed", "important_candidate"]);
    assert!(reason(&v, "important_candidate").detail.contains(other));
    assert!(!reason(&v, "important_candidate").detail.contains(m));

    // A catalogue naming markers the export does not hold changes nothing.
    let mut f = facts(&[other], 0, 0);
    f.catalogue.insert(m.into());
    assert_eq!(level(&p, &f), Level::NeedsReview);
}

#[test]
fn exemption_scenario_allows_the_pi_it_covers() {
    let p = national();
    let mut f = facts(&["bank_card", "phone"], 2_000_000, 20_000);
    f.scenarios.insert(Scenario::Contract);
    let v = evaluate(&p, &f);
    assert_eq!(v.level, Level::Allow, "{:?}", v.reasons);
    assert_eq!(ids(&v), ["art5_1_contract"]);
    assert_eq!(v.reasons[0].cite, "Provisions Art. 5(1)");
    assert!(v.reasons[0].detail.contains("exempts art7_sensitive, art7_personal"), "{}", v.reasons[0].detail);

    for s in [Scenario::Hr, Scenario::Emergency, Scenario::Returned] {
        let mut f = facts(&["bank_card"], 1, 1);
        f.scenarios.insert(s);
        assert_eq!(level(&p, &f), Level::Allow, "{s}");
    }
}

#[test]
fn exemption_scenario_never_overrides_ciio_important_data_or_a_ban() {
    let p = national();
    let mut f = facts(&["bank_card"], 20_000, 20_000);
    f.scenarios.insert(Scenario::Contract);
    f.ciio = true;
    let v = evaluate(&p, &f);
    // Art. 7's last paragraph: Art. 5(1)–(3) prevail over Art. 7(1) for a CIIO's PI.
    assert_eq!(v.level, Level::Allow, "{:?}", v.reasons);
    assert_eq!(ids(&v), ["art5_1_contract"]);
    assert!(v.reasons[0].detail.contains("art7_ciio"), "{}", v.reasons[0].detail);
    // Art. 5(4) stays closed to a CIIO.
    let mut f = facts(&["phone"], 10, 0);
    f.ciio = true;
    assert_eq!(ids(&evaluate(&p, &f)), ["art7_ciio"]);

    let mut f = facts(&["bank_card", "important:pharma:clinical_group"], 5, 5);
    f.scenarios.insert(Scenario::Contract);
    assert_eq!(level(&p, &f), Level::NeedsReview);
    f.catalogue.insert("important:pharma:clinical_group".into());
    assert_eq!(level(&p, &f), Level::SecurityAssessment);

    let mut f = facts(&["bank_card", "core:classified_marking"], 5, 5);
    f.scenarios.insert(Scenario::Hr);
    assert_eq!(level(&p, &f), Level::Prohibited);

    // A scenario does not exempt the automotive important-data line either.
    let mut f = facts(&["phone", "vin"], 100_001, 0);
    f.sector = Some("automotive".into());
    f.scenarios.insert(Scenario::Contract);
    let v = evaluate(&p, &f);
    assert_eq!(v.level, Level::NeedsReview);
    assert_eq!(v.reasons[0].rule, "automotive_pi_100k");
}

#[test]
fn a_scenario_without_pi_exempts_nothing() {
    let mut f = facts(&["organisation_id"], 0, 0);
    f.scenarios.insert(Scenario::Contract);
    assert_eq!(ids(&evaluate(&national(), &f)), ["art3_no_pi"]);
}

#[test]
fn core_marking_is_prohibited() {
    let v = evaluate(&national(), &facts(&["core:classified_marking"], 0, 0));
    assert_eq!(v.level, Level::Prohibited);
    assert_eq!(ids(&v), ["core_classified_marking"]);
    assert_eq!(v.reasons[0].cite, "State Secrets Law");
    let v = evaluate(&national(), &facts(&["core:military_geodata", "phone"], 3, 0));
    assert_eq!(v.level, Level::Prohibited);
    assert_eq!(v.reasons[0].rule, "core_data");
    assert!(v.reasons[0].detail.contains("core:military_geodata"));
}

#[test]
fn genetic_data_sets_the_separate_regime_beside_the_level() {
    let v = evaluate(&national(), &facts(&["genetic"], 3, 3));
    assert_eq!(v.level, Level::StandardContract);
    assert_eq!(v.separate_regime.as_deref(), Some("human_genetic_resources"));
    assert_eq!(ids(&v), ["art8_sensitive", "hgr_genetic"]);
    assert_eq!(reason(&v, "hgr_genetic").verdict, "separate_regime");
    // No genetic data: no regime.
    assert_eq!(evaluate(&national(), &facts(&["bank_card"], 3, 3)).separate_regime, None);
    // Beside a ban too.
    let v = evaluate(&national(), &facts(&["genetic", "core:classified_marking"], 3, 3));
    assert_eq!((v.level, v.separate_regime.as_deref()), (Level::Prohibited, Some("human_genetic_resources")));
}

#[test]
fn reasons_are_ordered_highest_first() {
    let mut f = facts(&["bank_card", "genetic", "important:ai:training_data"], 12_000, 12_000);
    f.ciio = true;
    let v = evaluate(&national(), &f);
    let verdicts: Vec<&str> = v.reasons.iter().map(|r| r.verdict.as_str()).collect();
    assert_eq!(
        verdicts,
        ["security_assessment", "security_assessment", "needs_review", "separate_regime"],
        "{:?}",
        ids(&v)
    );
}

// ------------------------------------------------------------------ unconfirmed rules

fn custom(extra_rules: &str) -> Policy {
    let text = format!(
        r#"
id = "t"
title = "t"
version = "1"
jurisdiction = "X"
[documents.d]
title = "D"
short = "D"
{extra_rules}"#
    );
    let spec = PolicySpec::parse("t.toml", &text).unwrap();
    let mut m = BTreeMap::new();
    m.insert("t".to_string(), Entry { spec, origin: "t.toml".into(), builtin: false });
    resolve(&m, "t").unwrap()
}

const SC_RULE: &str = r#"
[[rules]]
id = "sc"
when = { has = ["sensitive"] }
verdict = "standard_contract"
cite = { document = "d" }
confirmed = true
groups = ["g"]
"#;

#[test]
fn an_unconfirmed_rule_cannot_produce_allow() {
    let p = custom(
        r#"
[[rules]]
id = "maybe_ok"
when = { has = ["personal"] }
verdict = "allow"
cite = { document = "d" }
confirmed = false
"#,
    );
    let v = evaluate(&p, &facts(&["phone"], 1, 0));
    assert_eq!(v.level, Level::NeedsReview);
    assert_eq!(ids(&v), ["no_decision", "maybe_ok"]);
    assert!(!reason(&v, "maybe_ok").confirmed);
    assert!(reason(&v, "maybe_ok").detail.contains("does not lower"));
}

#[test]
fn an_unconfirmed_exemption_exempts_nothing() {
    let p = custom(&format!(
        r#"{SC_RULE}
[[rules]]
id = "maybe_exempt"
when = {{ scenario = "contract" }}
verdict = "allow"
cite = {{ document = "d" }}
confirmed = false
exempts = ["g"]
"#
    ));
    let mut f = facts(&["bank_card"], 1, 1);
    f.scenarios.insert(Scenario::Contract);
    let v = evaluate(&p, &f);
    assert_eq!(v.level, Level::StandardContract);
    assert_eq!(ids(&v), ["sc", "maybe_exempt"]);

    // Confirmed, the same rule exempts.
    let p = custom(&format!(
        r#"{SC_RULE}
[[rules]]
id = "exempt"
when = {{ scenario = "contract" }}
verdict = "allow"
cite = {{ document = "d" }}
confirmed = true
exempts = ["g"]
"#
    ));
    let v = evaluate(&p, &f);
    assert_eq!(v.level, Level::Allow);
    assert_eq!(ids(&v), ["exempt"]);
}

#[test]
fn an_unconfirmed_rule_may_raise() {
    let p = custom(
        r#"
[[rules]]
id = "ok"
when = { has = ["personal"] }
verdict = "allow"
cite = { document = "d" }
confirmed = true
[[rules]]
id = "maybe_worse"
when = { category = "phone" }
verdict = "security_assessment"
cite = { document = "d" }
confirmed = false
"#,
    );
    let v = evaluate(&p, &facts(&["phone"], 1, 0));
    assert_eq!(v.level, Level::SecurityAssessment);
    assert_eq!(ids(&v), ["maybe_worse", "ok"]);
}

#[test]
fn the_evaluator_never_exempts_a_ban() {
    // Validation refuses such a policy; the evaluator holds the line on its own too.
    let mut p = custom(&format!(
        r#"{SC_RULE}
[[rules]]
id = "exempt"
when = {{ scenario = "contract" }}
verdict = "allow"
cite = {{ document = "d" }}
confirmed = true
exempts = ["g"]
[[rules]]
id = "ban"
when = {{ category = "core:classified_marking" }}
verdict = "prohibited"
cite = {{ document = "d" }}
confirmed = true
"#
    ));
    p.rules.iter_mut().find(|r| r.spec.id == "ban").unwrap().spec.groups.push("g".into());
    let mut f = facts(&["core:classified_marking"], 0, 0);
    f.scenarios.insert(Scenario::Contract);
    let v = evaluate(&p, &f);
    assert_eq!(v.level, Level::Prohibited);
}

#[test]
fn nothing_matches_means_review() {
    let p = custom(SC_RULE);
    let v = evaluate(&p, &facts(&["phone"], 1, 0));
    assert_eq!(v.level, Level::NeedsReview);
    assert_eq!(ids(&v), ["no_decision"]);
}

#[test]
fn any_and_not_combine() {
    let p = custom(
        r#"
[[rules]]
id = "r"
when = { any = [{ category = "vin" }, { sensitive_persons_gte = 5 }], not = { ciio = true } }
verdict = "needs_review"
cite = { document = "d", article = "1" }
detail = "{conditions} | {matched}"
confirmed = true
"#,
    );
    let v = evaluate(&p, &facts(&["vin"], 1, 0));
    assert_eq!(v.reasons[0].detail, "vin found, not (CIIO) | vin");
    assert_eq!(v.reasons[0].cite, "D 1");
    let v = evaluate(&p, &facts(&["phone"], 9, 5));
    assert_eq!(v.reasons[0].detail, format!("5 sensitive persons ≥ 5, not (CIIO) | none{NO_LEDGER}"));
    let mut f = facts(&["vin"], 1, 0);
    f.ciio = true;
    assert_eq!(ids(&evaluate(&p, &f)), ["no_decision"]);
    assert_eq!(ids(&evaluate(&p, &facts(&["phone"], 9, 4))), ["no_decision"]);
}

#[test]
fn policy_classes_decide_what_is_sensitive() {
    // GB/T 35273 reading: a passport number is sensitive.
    let p = custom(&format!("[classes]\npassport = \"sensitive\"\n{SC_RULE}"));
    assert_eq!(level(&p, &facts(&["passport"], 1, 0)), Level::StandardContract);
    assert_eq!(level(&national(), &facts(&["passport"], 1, 0)), Level::Allow);
}

/// The zone policies (Beijing, Tianjin, Lingang) and the sector classes.
#[path = "eval_zone_tests.rs"]
mod zones;
