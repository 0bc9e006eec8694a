use super::*;

fn meta() -> TransferMeta {
    TransferMeta {
        as_of: "2026-03-01".into(),
        inputs: Vec::new(),
        verdict: "allow".into(),
        policy: "p".into(),
        policy_version: "1".into(),
    }
}

fn batch(persons: &[(&[u128], bool)]) -> BatchPersons {
    BatchPersons {
        persons: persons
            .iter()
            .map(|(k, s)| BatchPerson { keys: k.to_vec(), sensitive: *s, ..BatchPerson::default() })
            .collect(),
        ..BatchPersons::default()
    }
}

fn record(l: &mut Ledger, h: &KeyHasher, b: &BatchPersons) -> YtdCounts {
    let tx = l.begin(true).unwrap();
    let plan = tx.year_to_date("acme", 2026, b).unwrap();
    tx.record(&plan, b, meta(), h).unwrap();
    plan.counts
}

fn live(l: &Ledger) -> (u64, u64) {
    l.conn
        .query_row("SELECT count(*), coalesce(sum(sensitive), 0) FROM persons WHERE merged_into IS NULL", [], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64))
        })
        .unwrap()
}

#[test]
fn union_across_transfers_and_merges() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = Ledger::open(&dir.path().join("l.db"), true).unwrap().unwrap();
    let h = KeyHasher::new([1; 32]);
    // persons {1}, {2}, {3 sensitive}
    let c = record(&mut l, &h, &batch(&[(&[1], false), (&[2], false), (&[3], true)]));
    assert_eq!((c.persons, c.sensitive, c.new_persons), (3, 1, 3));
    // same again: nothing new
    let c = record(&mut l, &h, &batch(&[(&[1], false), (&[2], false), (&[3], true)]));
    assert_eq!((c.before_persons, c.persons, c.sensitive, c.new_persons), (3, 3, 1, 0));
    // {1,2,10} merges persons 1 and 2 and becomes sensitive; {4} is new
    let b = batch(&[(&[1, 2, 10], true), (&[4], false)]);
    let dry = l.begin(false).unwrap().year_to_date("acme", 2026, &b).unwrap().counts;
    assert_eq!((dry.persons, dry.sensitive, dry.new_persons), (3, 2, 1));
    let c = record(&mut l, &h, &b);
    assert_eq!(c, dry);
    assert_eq!(live(&l), (3, 2));
    // key 10 now resolves to the merged person; {2, 3} merges it with person 3
    let c = record(&mut l, &h, &batch(&[(&[10], false), (&[2, 3], false)]));
    assert_eq!((c.persons, c.sensitive), (2, 1));
    assert_eq!(live(&l), (2, 1));
    let s = l.summary().unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!((s[0].persons, s[0].sensitive, s[0].transfers), (2, 1, 4));
    assert_eq!(l.verify_chain().unwrap(), 4);
    // another year is another scope
    let tx = l.begin(false).unwrap();
    let c = tx.year_to_date("acme", 2027, &batch(&[(&[1], false)])).unwrap().counts;
    assert_eq!((c.before_persons, c.persons), (0, 1));
}

#[test]
fn dropped_transaction_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = Ledger::open(&dir.path().join("l.db"), true).unwrap().unwrap();
    let b = batch(&[(&[1], false)]);
    {
        let tx = l.begin(true).unwrap();
        let _ = tx.year_to_date("acme", 2026, &b).unwrap();
    }
    assert!(l.summary().unwrap().is_empty());
}

#[test]
fn other_key_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = Ledger::open(&dir.path().join("l.db"), true).unwrap().unwrap();
    l.check_key(&KeyHasher::new([1; 32]), &KeySource::Env).unwrap();
    l.check_key(&KeyHasher::new([1; 32]), &KeySource::Env).unwrap();
    let e = l.check_key(&KeyHasher::new([2; 32]), &KeySource::Env).unwrap_err().to_string();
    assert!(e.contains("fingerprint"), "{e}");
}

fn with_categories(persons: &[(&[u128], &[&str])], unlinked: &[(&str, u64)]) -> BatchPersons {
    let names: Vec<String> = ["bank_card", "medical_health", "phone"].map(String::from).to_vec();
    let bit = |c: &str| 1u64 << names.iter().position(|n| n == c).unwrap();
    BatchPersons {
        persons: persons
            .iter()
            .map(|(k, cs)| BatchPerson {
                keys: k.to_vec(),
                categories: cs.iter().fold(0, |m, c| m | bit(c)),
                ..BatchPerson::default()
            })
            .collect(),
        categories: names.clone(),
        unlinked: unlinked.iter().map(|u| u.1).sum(),
        unlinked_categories: unlinked.iter().map(|(c, n)| (c.to_string(), *n)).collect(),
        ..BatchPersons::default()
    }
}

fn plan_categories(l: &mut Ledger, b: &BatchPersons) -> BTreeMap<String, u64> {
    l.begin(false).unwrap().year_to_date("acme", 2026, b).unwrap().categories
}

#[test]
fn categories_are_counted_per_person_across_transfers() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = Ledger::open(&dir.path().join("l.db"), true).unwrap().unwrap();
    let h = KeyHasher::new([1; 32]);
    let get = |m: &BTreeMap<String, u64>, c: &str| m.get(c).copied().unwrap_or(0);
    // January: two card holders (one keyless row), one with a phone only.
    let jan = with_categories(&[(&[1], &["bank_card", "phone"]), (&[2], &["phone"])], &[("bank_card", 1)]);
    let tx = l.begin(true).unwrap();
    let plan = tx.year_to_date("acme", 2026, &jan).unwrap();
    assert_eq!((get(&plan.categories, "bank_card"), get(&plan.categories, "phone")), (2, 2));
    let t = tx.record(&plan, &jan, meta(), &h).unwrap();
    assert_eq!(get(&t.ytd_categories, "bank_card"), 2);
    // June: person 1 again (not new), person 2 now with a card, person 3 new with a diagnosis.
    let jun = with_categories(&[(&[1], &["bank_card"]), (&[2], &["bank_card"]), (&[3], &["medical_health"])], &[]);
    let m = plan_categories(&mut l, &jun);
    assert_eq!((get(&m, "bank_card"), get(&m, "medical_health"), get(&m, "phone")), (3, 1, 2));
    record(&mut l, &h, &jun);
    // A row holding keys 1 and 2 proves them one person: one card holder fewer.
    let link = with_categories(&[(&[1, 2], &[])], &[]);
    let m = plan_categories(&mut l, &link);
    assert_eq!((get(&m, "bank_card"), get(&m, "phone")), (2, 1));
    record(&mut l, &h, &link);
    // The merged survivor keeps both persons' categories.
    let again = with_categories(&[(&[2], &[])], &[]);
    let m = plan_categories(&mut l, &again);
    assert_eq!((get(&m, "bank_card"), get(&m, "medical_health"), get(&m, "phone")), (2, 1, 1));
    // Another year starts from zero.
    let c = l.begin(false).unwrap().year_to_date("acme", 2027, &again).unwrap().categories;
    assert!(c.is_empty(), "{c:?}");
}

#[test]
fn version_1_ledgers_are_upgraded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    let h = KeyHasher::new([1; 32]);
    {
        let mut l = Ledger::open(&path, true).unwrap().unwrap();
        record(&mut l, &h, &batch(&[(&[1], true)]));
        // Back to the version 1 layout: no categories anywhere.
        l.conn
            .execute_batch(
                "DROP TABLE categories; DROP TABLE scope_categories; ALTER TABLE persons DROP COLUMN categories;
                 UPDATE meta SET value = '1' WHERE name = 'schema_version';",
            )
            .unwrap();
    }
    let mut l = Ledger::open(&path, false).unwrap().unwrap();
    let v: String = l.conn.query_row("SELECT value FROM meta WHERE name='schema_version'", [], |r| r.get(0)).unwrap();
    assert_eq!(v, SCHEMA_VERSION.to_string());
    let b = with_categories(&[(&[1], &["bank_card"]), (&[5], &["bank_card"])], &[]);
    let tx = l.begin(true).unwrap();
    let plan = tx.year_to_date("acme", 2026, &b).unwrap();
    assert_eq!((plan.counts.persons, plan.counts.sensitive), (2, 1));
    assert_eq!(plan.categories.get("bank_card"), Some(&2));
    tx.record(&plan, &b, meta(), &h).unwrap();
    assert_eq!(l.verify_chain().unwrap(), 2);
}
