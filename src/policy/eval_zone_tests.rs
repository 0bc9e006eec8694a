//! Evaluator tests of the zone policies: Beijing outside and on its list, its unified
//! identification rules and sector items, Tianjin, Lingang, and sector classes.

use super::*;

fn zone(cats: &[&str], personal: u64, sensitive: u64, sector: &str) -> Facts {
    let mut f = facts(cats, personal, sensitive);
    f.zone_registered = true;
    f.sector = Some(sector.into());
    f
}

#[test]
fn beijing_outside_the_list() {
    let p = policy("beijing-ftz-2024");
    // Outside the list's sectors and scenarios the national lines apply unchanged.
    let v = evaluate(&p, &zone(&["phone"], 200_000, 0, "other"));
    assert_eq!(v.level, Level::StandardContract, "{:?}", v.reasons);
    assert_eq!(ids(&v), ["art8_personal", "bj_outside_list"]);
    assert_eq!(reason(&v, "bj_outside_list").cite, "Provisions Art. 6");
    assert_eq!(reason(&v, "bj_outside_list").verdict, "note");
    assert!(reason(&v, "bj_outside_list").detail.contains("--zone-registered"));
    assert_eq!(level(&p, &zone(&["bank_card"], 10_000, 10_000, "other")), Level::SecurityAssessment);
    assert_eq!(level(&p, &zone(&["bank_card"], 9_999, 9_999, "other")), Level::StandardContract);
    // A listed sector without a listed scenario: national route too.
    let v = evaluate(&p, &zone(&["phone"], 200_000, 0, "pharma"));
    assert_eq!(ids(&v), ["art8_personal", "bj_outside_list"]);
    // A listed scenario of another sector than the one declared does not count.
    let mut f = zone(&["phone"], 200_000, 0, "retail");
    f.list_scenarios.insert("pharma_clinical_trial".into());
    assert!(ids(&evaluate(&p, &f)).contains(&"bj_outside_list"));

    // Inside a listed scenario: the list's rows take their (unconfirmed) national figures.
    let mut f = zone(&["phone"], 200_000, 0, "pharma");
    f.list_scenarios.insert("pharma_clinical_trial".into());
    let v = evaluate(&p, &f);
    assert_eq!(v.level, Level::StandardContract);
    assert!(ids(&v).contains(&"bj_list_pi_100k"));
    assert!(!reason(&v, "bj_list_pi_100k").confirmed);
    assert!(reason(&v, "bj_list_pi_100k").detail.contains("临床试验 (pharma_clinical_trial)"));
    assert!(!reason(&v, "bj_list_scenario").confirmed, "inert: unconfirmed");
    assert!(ids(&v).contains(&"art8_personal"), "the national line still applies");
    assert!(!ids(&v).contains(&"bj_outside_list"));

    // Not registered in the zone, or a CIIO: a note says why the list does not apply.
    let mut f = zone(&["phone"], 200_000, 0, "other");
    f.zone_registered = false;
    assert_eq!(ids(&evaluate(&p, &f)), ["art8_personal", "bj_not_in_zone"]);
    let mut f = zone(&["phone"], 200_000, 0, "other");
    f.ciio = true;
    let v = evaluate(&p, &f);
    assert_eq!(v.level, Level::SecurityAssessment);
    assert!(ids(&v).contains(&"bj_ciio_excluded"));

    // With an important-data candidate: review, never allow.
    let v = evaluate(&p, &zone(&["phone", "important:ai:training_data"], 10, 0, "other"));
    assert_eq!(v.level, Level::NeedsReview);
}

#[test]
fn beijing_unified_identification_rules() {
    let p = policy("beijing-ftz-2024");
    let mut f = facts(&["bank_card"], 100_001, 100_001);
    f.persons_ytd.by_category.insert("bank_card".into(), 100_001);
    f.scenarios.insert(Scenario::Contract);
    let v = evaluate(&p, &f);
    assert_eq!(v.level, Level::SecurityAssessment, "important data survives the scenario: {:?}", ids(&v));
    assert_eq!(v.reasons[0].rule, "bj_unified_accounts_100k");
    assert!(!v.reasons[0].confirmed, "the counting window is unconfirmed");
    assert!(v.reasons[0].detail.starts_with("100001 persons with bank_card > 100000"), "{}", v.reasons[0].detail);
    assert!(v.reasons[0].detail.contains("this export only: no ledger"), "{}", v.reasons[0].detail);
    f.ytd_from_ledger = true;
    assert!(evaluate(&p, &f).reasons[0].detail.contains("counted since 1 January from the ledger"));

    f.persons_ytd.by_category.insert("bank_card".into(), 100_000);
    assert_eq!(level(&p, &f), Level::Allow);

    let mut f = facts(&["phone"], 10_000_001, 0);
    f.scenarios.insert(Scenario::Hr);
    assert_eq!(ids(&evaluate(&p, &f)), ["bj_unified_pi_10m", "art5_2_hr", "bj_not_in_zone"]);
    assert_eq!(level(&p, &f), Level::SecurityAssessment);
    let mut f = facts(&["phone"], 10_000_000, 0);
    f.scenarios.insert(Scenario::Hr);
    assert_eq!(level(&p, &f), Level::Allow);

    let mut f = facts(&["bank_card"], 1_000_001, 1_000_001);
    f.scenarios.insert(Scenario::Hr);
    assert!(ids(&evaluate(&p, &f)).contains(&"bj_unified_sensitive_1m"));

    let mut f = facts(&["phone"], 100_001, 0);
    f.ciio = true;
    let v = evaluate(&p, &f);
    assert_eq!(v.level, Level::SecurityAssessment);
    assert!(ids(&v).contains(&"bj_unified_ciio_pi_100k"));
}

#[test]
fn beijing_sector_items() {
    let p = policy("beijing-ftz-2024");
    for (marker, rule) in [
        ("important:automotive:ota", "bj_automotive_ota"),
        ("important:automotive:exterior_camera", "bj_automotive_exterior_media"),
        ("important:automotive:charging_network", "bj_automotive_charging"),
        ("important:automotive:vehicle_flow", "bj_automotive_vehicle_flow"),
        ("important:automotive:survey_coordinates", "bj_automotive_geo"),
    ] {
        let v = evaluate(&p, &facts(&[marker], 0, 0));
        assert_eq!(v.level, Level::SecurityAssessment, "{marker}");
        assert_eq!(v.reasons[0].rule, rule);
        assert!(v.reasons[0].confirmed);
        // The national policy keeps them candidates.
        assert_eq!(level(&national(), &facts(&[marker], 0, 0)), Level::NeedsReview, "{marker}");
    }

    let mut f = zone(&["medical_health"], 100_000, 100_000, "pharma");
    f.persons_ytd.by_category.insert("medical_health".into(), 100_000);
    f.scenarios.insert(Scenario::Contract);
    let v = evaluate(&p, &f);
    assert!(ids(&v).contains(&"bj_pharma_group_100k"));
    assert_eq!(v.level, Level::SecurityAssessment, "important data: no scenario exempts it");
    f.persons_ytd.by_category.insert("medical_health".into(), 99_999);
    assert!(!ids(&evaluate(&p, &f)).contains(&"bj_pharma_group_100k"));
}

#[test]
fn tianjin_does_not_relax_the_national_lines() {
    let national = national();
    let tianjin = policy("tianjin-ftz-2024");
    for (cats, personal, sensitive) in [
        (&["phone"][..], 99_999, 0),
        (&["phone"][..], 100_000, 0),
        (&["phone"][..], 1_000_000, 0),
        (&["bank_card"][..], 1, 1),
        (&["bank_card"][..], 10_000, 10_000),
        (&["important:ai:training_data"][..], 0, 0),
        (&["organisation_id"][..], 0, 0),
    ] {
        for zone_registered in [false, true] {
            let mut f = facts(cats, personal, sensitive);
            f.zone_registered = zone_registered;
            f.sector = Some("other".into());
            assert_eq!(level(&tianjin, &f), level(&national, &f), "{cats:?} {personal} {sensitive} {zone_registered}");
        }
    }
    let v = evaluate(&tianjin, &zone(&["phone"], 10, 0, "retail"));
    assert_eq!(v.level, Level::Allow);
    assert_eq!(reason(&v, "tj_pi_on_list").verdict, "note");
    // A note sets no level: without it the verdict is the same.
    assert_eq!(ids(&v), ["art5_4_below_threshold", "tj_pi_on_list"]);
}

#[test]
fn lingang_core_and_general_data_conditions() {
    let p = policy("shanghai-lingang-2024");
    let v = evaluate(&p, &facts(&["core:classified_marking"], 0, 0));
    assert_eq!(v.level, Level::Prohibited);
    assert!(ids(&v).contains(&"lg_core_data"));

    let v = evaluate(&p, &facts(&["vin", "phone"], 10, 0));
    assert_eq!(v.level, Level::NeedsReview);
    assert_eq!(v.reasons[0].rule, "lg_vin_identifying");
    // A VIN column alone does not identify anyone by itself under this reading.
    assert_eq!(level(&p, &facts(&["vin"], 10, 0)), Level::Allow);

    let v = evaluate(&p, &facts(&["important:automotive:exterior_camera"], 0, 0));
    assert_eq!(ids(&v), ["important_candidate", "lg_media_faces_plates"]);

    let v = evaluate(&p, &facts(&["licence_plate"], 10, 0));
    assert_eq!(v.level, Level::NeedsReview);
    assert!(!v.reasons[0].confirmed);

    // The general-data allowance is unconfirmed: it never lowers the national verdict.
    let v = evaluate(&p, &zone(&["bank_card"], 5, 5, "public_funds"));
    assert_eq!(v.level, Level::StandardContract);
    assert!(ids(&v).contains(&"lg_general_data"));
}

#[test]
fn automotive_sector_classes_make_persons_sensitive() {
    let p = national();
    let c = p.classes_for(Some("automotive"));
    for cat in ["trajectory", "precise_location", "biometric", "media_recording"] {
        assert_eq!(c.class_of(cat), Class::Sensitive, "{cat}");
    }
    assert_eq!(p.classes_for(None).class_of("media_recording"), Class::Personal);
    // Cabin video in that sector is sensitive PI: Art. 5(4) no longer applies (the scanner, built
    // with the same classes, counts the persons as sensitive: tests/law.rs).
    let mut f = facts(&["media_recording"], 5, 0);
    assert_eq!(level(&p, &f), Level::Allow);
    f.sector = Some("automotive".into());
    assert_ne!(level(&p, &f), Level::Allow);
    let mut f = facts(&["media_recording"], 5, 5);
    f.sector = Some("automotive".into());
    assert_eq!(level(&p, &f), Level::StandardContract);
}

#[test]
fn a_note_never_sets_the_level() {
    let p = custom(
        r#"
[[rules]]
id = "n"
when = { category = "phone" }
verdict = "note"
cite = { document = "d" }
confirmed = true
"#,
    );
    let v = evaluate(&p, &facts(&["phone"], 1, 0));
    assert_eq!(v.level, Level::NeedsReview, "a note alone decides nothing");
    assert_eq!(ids(&v), ["no_decision", "n"]);
}
