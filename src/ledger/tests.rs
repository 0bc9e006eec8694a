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
        persons: persons.iter().map(|(k, s)| (k.to_vec(), *s, false)).collect(),
        unlinked: 0,
        unlinked_sensitive: 0,
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
