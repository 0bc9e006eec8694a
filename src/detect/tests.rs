use super::detector::first_bytes;
use super::validators::Ctx;
use super::*;
use crate::time::Date;
use regex::Regex;

fn cat() -> Catalogue {
    Catalogue::builtin(Ctx { today: Date::new(2026, 11, 28).unwrap() }).unwrap()
}

#[test]
fn whole_values_wider_than_their_search_pattern() {
    // The address search pattern has no '-', '#', spaces or brackets; the validator takes
    // them in a whole value, and the tables must not turn such a value away.
    let c = cat();
    for v in ["广东省深圳市南山区科技园南路18号3-1205室", "北京市朝阳区建国路88号(东门)", "上海市浦东新区张江路 88 号"]
    {
        let d = c.exact(v).map(|d| c.get(d).id().to_string());
        assert_eq!(d.as_deref(), Some("address"), "{v}");
    }
    // An IPv6 address ending in a dotted quad, and an ICD-10 code with its placeholder x.
    assert_eq!(c.exact("::ffff:192.168.1.1").map(|d| c.get(d).id()), Some("ipv6"));
    assert_eq!(c.exact("I10.x00").map(|d| c.get(d).id()), Some("icd10"));
}

#[test]
fn patterns_cover_examples() {
    // The first-byte table relies on it: a value the validator accepts starts the way the
    // pattern does, so a whole cell is never skipped that the validator would take.
    let c = cat();
    for d in &c.detectors {
        let firsts = first_bytes(d.spec.pattern.as_deref());
        for m in &d.spec.examples.matches {
            let b = m.trim().as_bytes()[0] as usize;
            assert!(firsts[b], "{}: example {m:?} starts with a byte its pattern cannot", d.id());
            // Header-only detectors are decided by the column name, not by values.
            let me = c.detectors.iter().position(|x| x.id() == d.id()).unwrap() as DetectorId;
            assert!(
                d.header_only || c.exact_first(m.trim(), &[me]).is_some(),
                "{}: {m:?} is not accepted as a whole value",
                d.id()
            );
        }
    }
    // The tables by first byte and length (`by_len`, `text_by_len`) rest on more: whatever a
    // validator accepts, its pattern matches whole. Checked on the examples.
    let mut unmatched = Vec::new();
    for d in c.detectors.iter().filter(|d| d.keywords.is_none()) {
        let Some(p) = d.spec.pattern.as_deref() else { continue };
        let whole = Regex::new(&format!("^(?:{p})$")).unwrap();
        for m in &d.spec.examples.matches {
            if !whole.is_match(m.trim()) {
                unmatched.push(format!("{}: {m:?}", d.id()));
            }
        }
    }
    assert!(unmatched.is_empty(), "examples their pattern does not match whole: {unmatched:?}");
    // And the table does cut: a name never reaches the phone validator.
    let phone = first_bytes(c.detectors.iter().find(|d| d.id() == "phone").unwrap().spec.pattern.as_deref());
    assert!(phone[b'1' as usize] && phone[b'+' as usize] && phone[b'0' as usize] && !phone[b'A' as usize]);
}

#[test]
fn builtin_examples_hold() {
    let f = check_examples(&cat());
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn builtin_list_matches_directory() {
    crate::test_util::assert_builtin_list("detectors", BUILTIN, "src/detect/mod.rs");
}

#[test]
fn resident_id_is_not_a_bank_card() {
    let c = cat();
    let d = c.exact("11010519491231002X").unwrap();
    assert_eq!(c.get(d).category(), "resident_id");
    let d = c.exact("440524188001010014").unwrap();
    assert_eq!(c.get(d).category(), "resident_id");
}

fn category_of(c: &Catalogue, cell: &str) -> Option<String> {
    c.exact(cell).map(|d| c.get(d).category().to_string())
}

#[test]
fn arbitration_by_priority() {
    let c = cat();
    let cases = [
        // `gb11643` accepts permits too; the permit detector outranks it.
        ("810000199408230021", Some("residence_permit_id")),
        ("11010519491231002X", Some("resident_id")),
        // A 15-digit number shaped like a legacy resident ID is no ID on its own (one IMEI
        // in 25 has that shape): it passes Luhn, so it is an IMEI; under an ID column's name
        // it is an ID (below).
        ("110105491231001", Some("device_id")),
        ("110105491231002", None),
        ("352099001761481", Some("device_id")),
        ("352099491231003", Some("device_id")),
        // An 18-digit resident ID that is also a valid credit code is a person's.
        ("110105198001010518", Some("resident_id")),
        // An all-digit credit code that also passes MOD 11-2 with a leading 9 stays a company
        // code: as a person key it would merge everyone whose row names that company.
        ("911101088124158683", Some("organisation_id")),
        ("91110108MA01ABCD1E", Some("organisation_id")),
        ("915600198001010015", Some("foreign_permanent_resident_id")),
        ("6228480402564890018", Some("bank_card")),
        ("LSVAM4187C2184847", Some("vin")),
        ("E12345678", Some("passport")),
        ("H12345678", Some("hk_macau_permit")),
        ("C12345678", Some("mainland_travel_permit")),
        ("粤B·8K3J9", Some("licence_plate")),
        ("3C:22:FB:7A:10:9E", Some("device_id")),
        ("192.168.1.100", Some("ip_address")),
        ("2001:db8::1", Some("ip_address")),
        ("39.9042,116.4074", Some("precise_location")),
        // Dates and 8-digit permit numbers need their column name (header_required): on
        // their own they are nothing, under a name that hints them they are asked first.
        ("19900105", None),
        ("12345678", None),
        ("00000000", None),
        ("13812345678", Some("phone")),
    ];
    for (cell, want) in cases {
        assert_eq!(category_of(&c, cell).as_deref(), want, "{cell}");
    }
    let id = |name: &str| c.detectors.iter().position(|d| d.id() == name).unwrap() as DetectorId;
    let under = |cell: &str, hint: &str| c.exact_first(cell, &[id(hint)]).map(|d| c.get(d).category().to_string());
    assert_eq!(under("19900105", "birth_date").as_deref(), Some("birth_date"));
    assert_eq!(under("12345678", "taiwan_permit").as_deref(), Some("taiwan_permit"));
    assert_eq!(under("00000000", "taiwan_permit").as_deref(), None);
    assert_eq!(under("110105491231001", "resident_id_legacy").as_deref(), Some("resident_id"));
    assert_eq!(under("352099491231003", "resident_id_legacy").as_deref(), Some("resident_id"));
}

/// An address-shaped piece of a longer malformed token is no address (issue 14 item 7:
/// Presidio's and python-stdnum's negative vectors); the same address standing alone is.
#[test]
fn free_text_matches_need_clean_edges() {
    let c = cat();
    let mut w = c.worker();
    let found = |w: &mut Worker, cell: &str| {
        let mut v = Vec::new();
        c.find_in_text(w, cell, |d, s| v.push((c.get(d).category().to_string(), s.to_string())));
        v
    };
    for bad in [
        "::ffff:256.0.0.1",
        "::ffff:192.168.1",
        "2001:db8::256.1.1.1",
        "mac d0:50:99:84:a2:a0:ff here",
        "d0:50:99:84:a2:a0:ff:01",
        "684D:1111:222:3333:4444:5555:77",
    ] {
        assert!(found(&mut w, bad).is_empty(), "{bad}: {:?}", found(&mut w, bad));
    }
    for (good, want) in [
        ("Mapped: ::ffff:192.168.1.1", "::ffff:192.168.1.1"),
        ("Connect to ::ffff:10.0.0.1 now", "::ffff:10.0.0.1"),
        ("Connect to [2001:db8::1]:8080", "2001:db8::1"),
        ("MAC: 01:23:45:67:89:AB.", "01:23:45:67:89:AB"),
        ("ip:2001:db8::1", "2001:db8::1"),
    ] {
        let v = found(&mut w, good);
        assert!(v.iter().any(|(_, s)| s == want), "{good}: {v:?}");
    }
}

#[test]
fn keywords_and_markings_in_cells() {
    let c = cat();
    let mut w = c.worker();
    let cells = [
        "客户称有糖尿病，需要复诊",
        "普通咨询",
        "关于试验安排的通知 机密★10年",
        "这是我们的小秘密",
        "Dx E11.9, allergy to penicillin",
    ];
    let mut text = String::new();
    let mut ranges = Vec::new();
    for cell in cells {
        let s = text.len() as u32;
        text.push_str(cell);
        ranges.push((s, text.len() as u32));
        text.push('\n');
    }
    let mut found = Vec::new();
    c.find_in_cells(&mut w, &text, &ranges, None, |ci, d, m| {
        found.push((ci, c.get(d).category().to_string(), m.to_string()))
    });
    found.sort();
    let got: Vec<(usize, &str)> = found.iter().map(|(i, c, _)| (*i, c.as_str())).collect();
    assert_eq!(
        got,
        [
            (0, "medical_health"),
            (0, "medical_health"),
            (2, "core:classified_marking"),
            (4, "medical_health"),
            (4, "medical_health"),
            (4, "medical_health")
        ],
        "{found:?}"
    );
}

#[test]
fn long_values_and_header_only() {
    let c = cat();
    // Longer than MAX_EXACT_LEN: judged by the shape validators that allow it.
    let addr = "广东省深圳市南山区科技园南路18号深圳湾科技生态园10栋A座1205室";
    assert!(addr.len() > MAX_EXACT_LEN);
    assert_eq!(category_of(&c, addr).as_deref(), Some("address"));
    assert_eq!(category_of(&c, &"客户来电咨询退货流程。".repeat(6)), None);
    // Header-only detectors never decide a value.
    assert!(c.detectors.iter().filter(|d| d.header_only).count() >= 10);
    assert_eq!(category_of(&c, "x"), None);
    let hints = c.header_info("充电桩编号").hints;
    assert!(derived::header_only_categories(&c, &hints).contains(&"important:automotive:charging_network"));
    assert!(derived::trajectory("points[].lat", &["precise_location".to_string()]));
    assert!(!derived::trajectory("lat", &["precise_location".to_string()]));
}

#[test]
fn header_required_needs_more_than_half() {
    let t = "id='x'\ncategory='x'\ndescription='d'\nvalidator='gb11643'\nheader_required=true\nmin_ratio=0.4\n[examples]\nmatch=['19900105']\nno_match=['1']\n";
    let spec = DetectorSpec::parse("detectors/x.toml", t).unwrap();
    let e = Catalogue::build(vec![(spec, "detectors/x.toml".into())], cat().ctx).unwrap_err().to_string();
    assert!(e.contains("min_ratio"), "{e}");
}

/// `key_form` and `key_rank` come from the detector files: the built-in keys carry them, a bad
/// form is refused, and detectors of one category must agree (their keys share a hash space).
#[test]
fn key_forms_come_from_the_files() {
    use crate::persons::{KeyKind, FALLBACK_RANK};
    let c = cat();
    let by_id = |id: &str| c.detectors.iter().find(|d| d.id() == id).unwrap();
    assert_eq!((by_id("resident_id").key_kind, by_id("resident_id").key_rank), (KeyKind::ResidentId, 0));
    assert_eq!((by_id("resident_id_legacy").key_kind, by_id("resident_id_legacy").key_rank), (KeyKind::ResidentId, 0));
    assert_eq!((by_id("phone").key_kind, by_id("phone").key_rank), (KeyKind::Phone, 5));
    assert_eq!((by_id("bank_card").key_kind, by_id("bank_card").key_rank), (KeyKind::Card, 7));
    assert_eq!((by_id("passport").key_kind, by_id("passport").key_rank), (KeyKind::Other, 3));
    assert_eq!(by_id("membership").key_rank, FALLBACK_RANK);
    let file = |id: &str, extra: &str| {
        let t = format!(
            "id='{id}'\ncategory='k'\ndescription='d'\npattern='[0-9]{{6}}'\nperson_key=true\n{extra}\n[examples]\nmatch=['123456']\nno_match=['1']\n"
        );
        (DetectorSpec::parse(&format!("d/{id}.toml"), &t).unwrap(), format!("d/{id}.toml"))
    };
    let e = Catalogue::build(vec![file("a", "key_form='fax'")], cat().ctx).unwrap_err().to_string();
    assert!(e.contains("key_form"), "{e}");
    let e = Catalogue::build(vec![file("a", "key_rank=1"), file("b", "key_rank=2")], cat().ctx).unwrap_err();
    assert!(e.to_string().contains("differ from detector a"), "{e}");
    assert!(Catalogue::build(vec![file("a", "key_rank=1"), file("b", "key_rank=1")], cat().ctx).is_ok());
}

#[test]
fn finds_identifiers_in_text() {
    let c = cat();
    let mut w = c.worker();
    let mut found = Vec::new();
    c.find_in_text(
        &mut w,
        "客户要求改用备用手机+86 138 1234 5678联系, 邮箱 a.b@qq.com, 身份证11010519491231002X",
        |d, s| found.push((c.get(d).category().to_string(), s.to_string())),
    );
    let cats: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(cats, ["phone", "email", "resident_id"], "{found:?}");
}

#[test]
fn finds_device_vehicle_and_travel_identifiers_in_text() {
    let c = cat();
    let mut w = c.worker();
    let mut found = Vec::new();
    c.find_in_text(
        &mut w,
        "车主粤B·8K3J9(车架号LSVAM4187C2184847)于39.9042,116.4074停车, 手机串号352099001761481, \
         MAC 3C:22:FB:7A:10:9E, 登录IP 223.5.5.5 / 2409:8a00:1:2::abcd, 护照E12345678, \
         回乡证H12345678, 居住证810000199408230021; 版本v1.2.3.4.5 build1.2.3.4 时间12:30:45 订单202311051234567",
        |d, s| found.push((c.get(d).category().to_string(), s.to_string())),
    );
    let cats: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        cats,
        [
            "licence_plate",
            "vin",
            "precise_location",
            "device_id",
            "device_id",
            "ip_address",
            "ip_address",
            "passport",
            "hk_macau_permit",
            "residence_permit_id"
        ],
        "{found:?}"
    );
}
