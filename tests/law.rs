//! The law as a table of scenarios: one row = a policy, the operator's declarations, the
//! exporter's earlier transfers this year (recorded in a real ledger), one export, and what the
//! verdict must be — its level, the rule that decides, the article it cites and the counts it
//! used. Every point of REGULATION.md §1 and §4 that a scanner decides is tried at its boundary
//! (99,999 / 100,000 persons; 9,999 / 10,000 sensitive persons; 100,000 / 100,001 card holders
//! across two exports; 31 December / 1 January).
//!
//! Exports are CSV files of generated persons: resident IDs with valid GB 11643 check digits,
//! distinct per person number, and UnionPay cards with valid Luhn digits. The binary reads them
//! as a user's files would be read.
//!
//! `cargo test --test law -- --nocapture` prints the table of results.

mod common;

use std::path::{Path, PathBuf};

use common::{id_check, luhn_digit, Run};
use serde_json::Value;

/// Person `k`'s resident ID: born 1950-01-01 plus `k / 1000` days (adults), sequence `k % 1000`.
fn resident_id(k: u64) -> String {
    let (y, m, d) = civil_from_days(days_from_civil(1950, 1, 1) + (k / 1000) as i64);
    let body = format!("110105{y:04}{m:02}{d:02}{:03}", k % 1000);
    format!("{body}{}", id_check(&body))
}

/// Person `k`'s UnionPay card (19 digits, Luhn-valid).
fn card(k: u64) -> String {
    let body = format!("622848{:012}", k * 7 + 3);
    format!("{body}{}", luhn_digit(&body))
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

/// What one export holds: persons `from .. from + n`, and which columns.
#[derive(Clone, Copy, Debug)]
enum Data {
    /// `身份证号`: personal information, not sensitive.
    Ids { from: u64, n: u64 },
    /// `身份证号,银行卡号`: every person has a bank card (sensitive, financial account).
    Cards { from: u64, n: u64 },
    /// `身份证号,车内视频`: in-cabin video of each person (sensitive in the automotive sector).
    CabinVideo { from: u64, n: u64 },
    /// `会员号` alone: membership numbers of `n` members (personal information; a person key when
    /// nothing better is in the row).
    Members { n: u64 },
    /// A marker column of the automotive list beside the IDs of `n` persons; `{}` in `value` is
    /// the row number.
    Marker { header: &'static str, value: &'static str, n: u64 },
}

impl Data {
    fn csv(self) -> String {
        let mut s = String::new();
        match self {
            Data::Ids { from, n } => {
                s.push_str("身份证号\n");
                for k in from..from + n {
                    s.push_str(&resident_id(k));
                    s.push('\n');
                }
            }
            Data::Cards { from, n } => {
                s.push_str("身份证号,银行卡号\n");
                for k in from..from + n {
                    s.push_str(&format!("{},{}\n", resident_id(k), card(k)));
                }
            }
            Data::CabinVideo { from, n } => {
                s.push_str("身份证号,车内视频\n");
                for k in from..from + n {
                    s.push_str(&format!("{},https://oss.example.com/cabin/2026/{k:07}.mp4\n", resident_id(k)));
                }
            }
            Data::Members { n } => {
                s.push_str("会员号\n");
                for k in 0..n {
                    s.push_str(&format!("VIP{k:08}\n"));
                }
            }
            Data::Marker { header, value, n } => {
                s.push_str(&format!("身份证号,{header}\n"));
                for k in 0..n {
                    s.push_str(&format!("{},{}\n", resident_id(k), value.replace("{}", &k.to_string())));
                }
            }
        }
        s
    }
}

/// One row of the table.
struct Case {
    name: &'static str,
    policy: &'static str,
    /// Declarations and other flags (`--ciio`, `--sector pharma`, `--procedure …`).
    flags: &'static [&'static str],
    /// Earlier transfers, recorded: (as-of date, data).
    history: &'static [(&'static str, Data)],
    /// The export judged, on this date.
    as_of: &'static str,
    export: Data,
    /// Record the export too (`--record`).
    record: bool,
    level: &'static str,
    /// The deciding rule (the first reason) and what it cites.
    rule: &'static str,
    cite: &'static str,
    /// Another rule that must be among the reasons (a note, an unconfirmed fallback), if any.
    also: Option<&'static str>,
    /// Expected persons and sensitive persons of this export, and the year to date (persons,
    /// sensitive; `None` without a ledger).
    persons: (u64, u64),
    ytd: Option<(u64, u64)>,
    /// Text the deciding reason's detail must contain.
    detail: &'static str,
}

const NAT: &str = "cn-national-2024";
const BJ: &str = "beijing-ftz-2024";
const BJ_ZONE_OTHER: &[&str] = &["--zone-registered", "--sector", "other"];
const BJ_CLINICAL: &[&str] = &["--zone-registered", "--sector", "pharma", "--scenario", "pharma_clinical_trial"];

fn cases() -> Vec<Case> {
    use Data::*;
    let c = |name, policy, flags, history, export, level, rule, cite, persons, ytd, detail| Case {
        name,
        policy,
        flags,
        history,
        as_of: "2026-11-28",
        export,
        record: false,
        level,
        rule,
        cite,
        also: None,
        persons,
        ytd,
        detail,
    };
    vec![
        // ------------------------------------------------ national lines (Arts. 5(4), 7, 8)
        c(
            "99,999 persons: below the Art. 8 line",
            NAT,
            &[],
            &[],
            Ids { from: 0, n: 99_999 },
            "allow",
            "art5_4_below_threshold",
            "Provisions Art. 5(4)",
            (99_999, 0),
            None,
            "99999 persons with PI < 100000",
        ),
        c(
            "100,000 persons: standard contract",
            NAT,
            &[],
            &[],
            Ids { from: 0, n: 100_000 },
            "standard_contract",
            "art8_personal",
            "Provisions Art. 8",
            (100_000, 0),
            None,
            "100000 persons with PI and no sensitive PI ≥ 100000",
        ),
        c(
            "9,999 sensitive persons: standard contract",
            NAT,
            &[],
            &[],
            Cards { from: 0, n: 9_999 },
            "standard_contract",
            "art8_sensitive",
            "Provisions Art. 8",
            (9_999, 9_999),
            None,
            "9999 sensitive persons ≥ 1 and < 10000",
        ),
        c(
            "10,000 sensitive persons: security assessment",
            NAT,
            &[],
            &[],
            Cards { from: 0, n: 10_000 },
            "security_assessment",
            "art7_sensitive",
            "Provisions Art. 7(2)",
            (10_000, 10_000),
            None,
            "10000 sensitive persons ≥ 10000",
        ),
        c(
            "no ledger: the reason says only this export was counted",
            NAT,
            &[],
            &[],
            Ids { from: 0, n: 100_000 },
            "standard_contract",
            "art8_personal",
            "Provisions Art. 8",
            (100_000, 0),
            None,
            "this export only: no ledger",
        ),
        // ------------------------------------------------ the calendar year, from the ledger
        c(
            "90,000 recorded + 10,000 new in the same year",
            NAT,
            &[],
            &[("2026-03-01", Ids { from: 0, n: 90_000 })],
            Ids { from: 90_000, n: 10_000 },
            "standard_contract",
            "art8_personal",
            "Provisions Art. 8",
            (10_000, 0),
            Some((100_000, 0)),
            "counted since 1 January from the ledger",
        ),
        c(
            "90,000 recorded + 9,999 new: still below",
            NAT,
            &[],
            &[("2026-03-01", Ids { from: 0, n: 90_000 })],
            Ids { from: 90_000, n: 9_999 },
            "allow",
            "art5_4_below_threshold",
            "Provisions Art. 5(4)",
            (9_999, 0),
            Some((99_999, 0)),
            "99999 persons with PI < 100000",
        ),
        c(
            "recorded persons sent again are counted once",
            NAT,
            &[],
            &[("2026-03-01", Ids { from: 0, n: 90_000 })],
            Ids { from: 50_000, n: 49_999 },
            "allow",
            "art5_4_below_threshold",
            "Provisions Art. 5(4)",
            (49_999, 0),
            Some((99_999, 0)),
            "99999 persons with PI < 100000",
        ),
        Case {
            as_of: "2026-01-01",
            ..c(
                "31 Dec recorded, 1 Jan export: a new year",
                NAT,
                &[],
                &[("2025-12-31", Ids { from: 0, n: 90_000 })],
                Ids { from: 90_000, n: 10_000 },
                "allow",
                "art5_4_below_threshold",
                "Provisions Art. 5(4)",
                (10_000, 0),
                Some((10_000, 0)),
                "10000 persons with PI < 100000",
            )
        },
        Case {
            as_of: "2025-12-31",
            ..c(
                "31 Dec recorded, 31 Dec export: the same year",
                NAT,
                &[],
                &[("2025-12-31", Ids { from: 0, n: 90_000 })],
                Ids { from: 90_000, n: 10_000 },
                "standard_contract",
                "art8_personal",
                "Provisions Art. 8",
                (10_000, 0),
                Some((100_000, 0)),
                "100000 persons",
            )
        },
        c(
            "sensitive persons add up across exports: 9,999 + 1",
            NAT,
            &[],
            &[("2026-02-01", Cards { from: 0, n: 9_999 })],
            Cards { from: 9_999, n: 1 },
            "security_assessment",
            "art7_sensitive",
            "Provisions Art. 7(2)",
            (1, 1),
            Some((10_000, 10_000)),
            "10000 sensitive persons ≥ 10000",
        ),
        // ------------------------------------------------ CIIOs (Art. 7(1) and its last paragraph)
        c(
            "CIIO, 99 persons: Art. 5(4) is closed to CIIOs",
            NAT,
            &["--ciio"],
            &[],
            Ids { from: 0, n: 99 },
            "security_assessment",
            "art7_ciio",
            "Provisions Art. 7(1)",
            (99, 0),
            None,
            "a CIIO (--ciio) provides",
        ),
        c(
            "CIIO declaring HR management: Art. 5(2) prevails",
            NAT,
            &["--ciio", "--scenario", "hr"],
            &[],
            Ids { from: 0, n: 150_000 },
            "allow",
            "art5_2_hr",
            "Provisions Art. 5(2)",
            (150_000, 0),
            None,
            "exempts art7_ciio",
        ),
        c(
            "CIIO declaring a contract: Art. 5(1) prevails",
            NAT,
            &["--ciio", "--scenario", "contract"],
            &[],
            Cards { from: 0, n: 10_000 },
            "allow",
            "art5_1_contract",
            "Provisions Art. 5(1)",
            (10_000, 10_000),
            None,
            "art7_ciio",
        ),
        // ------------------------------------------------ procedure in place (`--procedure`)
        Case {
            record: true,
            ..c(
                "standard contract in place: 20,000 more pass and are recorded",
                NAT,
                &["--procedure", "standard_contract"],
                &[("2026-03-01", Ids { from: 0, n: 90_000 })],
                Ids { from: 90_000, n: 20_000 },
                "standard_contract",
                "art8_personal",
                "Provisions Art. 8",
                (20_000, 0),
                Some((110_000, 0)),
                "110000 persons",
            )
        },
        c(
            "after a recorded standard-contract export the year counts it",
            NAT,
            &["--procedure", "standard_contract"],
            &[("2026-03-01", Ids { from: 0, n: 90_000 }), ("2026-04-01", Ids { from: 90_000, n: 20_000 })],
            Ids { from: 110_000, n: 5_000 },
            "standard_contract",
            "art8_personal",
            "Provisions Art. 8",
            (5_000, 0),
            Some((115_000, 0)),
            "115000 persons",
        ),
        // ------------------------------------------------ automotive provisions (Art. 3)
        c(
            "cabin video without a sector: personal",
            NAT,
            &[],
            &[],
            CabinVideo { from: 0, n: 50 },
            "allow",
            "art5_4_below_threshold",
            "Provisions Art. 5(4)",
            (50, 0),
            None,
            "50 persons with PI",
        ),
        c(
            "cabin video, automotive sector: sensitive persons",
            NAT,
            &["--sector", "automotive"],
            &[],
            CabinVideo { from: 0, n: 50 },
            "standard_contract",
            "art8_sensitive",
            "Provisions Art. 8",
            (50, 50),
            None,
            "50 sensitive persons",
        ),
        // ------------------------------------------------ Beijing: outside the list is national law
        Case {
            also: Some("bj_outside_list"),
            ..c(
                "Beijing, zone-registered, sector other, 150,000 persons",
                BJ,
                BJ_ZONE_OTHER,
                &[],
                Ids { from: 0, n: 150_000 },
                "standard_contract",
                "art8_personal",
                "Provisions Art. 8",
                (150_000, 0),
                None,
                "150000 persons",
            )
        },
        Case {
            also: Some("bj_outside_list"),
            ..c(
                "Beijing, zone-registered, sector other, 10,000 sensitive",
                BJ,
                BJ_ZONE_OTHER,
                &[],
                Cards { from: 0, n: 10_000 },
                "security_assessment",
                "art7_sensitive",
                "Provisions Art. 7(2)",
                (10_000, 10_000),
                None,
                "10000 sensitive persons",
            )
        },
        Case {
            also: Some("bj_outside_list"),
            ..c(
                "Beijing, listed sector but no listed scenario",
                BJ,
                &["--zone-registered", "--sector", "pharma"],
                &[],
                Ids { from: 0, n: 100_000 },
                "standard_contract",
                "art8_personal",
                "Provisions Art. 8",
                (100_000, 0),
                None,
                "100000 persons",
            )
        },
        Case {
            also: Some("bj_list_scenario"),
            ..c(
                "Beijing, clinical trials, 99,999 persons",
                BJ,
                BJ_CLINICAL,
                &[],
                Ids { from: 0, n: 99_999 },
                "allow",
                "art5_4_below_threshold",
                "Provisions Art. 5(4)",
                (99_999, 0),
                None,
                "99999 persons",
            )
        },
        Case {
            also: Some("bj_list_pi_100k"),
            ..c(
                "Beijing, clinical trials, 100,000 persons: unconfirmed figures keep the national line",
                BJ,
                BJ_CLINICAL,
                &[],
                Ids { from: 0, n: 100_000 },
                "standard_contract",
                "art8_personal",
                "Provisions Art. 8",
                (100_000, 0),
                None,
                "100000 persons",
            )
        },
        Case {
            also: Some("bj_not_in_zone"),
            ..c(
                "Beijing, not registered in the zone",
                BJ,
                &["--sector", "pharma", "--scenario", "pharma_clinical_trial"],
                &[],
                Ids { from: 0, n: 100_000 },
                "standard_contract",
                "art8_personal",
                "Provisions Art. 8",
                (100_000, 0),
                None,
                "100000 persons",
            )
        },
        Case {
            also: Some("bj_ciio_excluded"),
            ..c(
                "Beijing, a CIIO cannot use the list",
                BJ,
                &["--zone-registered", "--ciio", "--sector", "retail", "--scenario", "retail_membership"],
                &[],
                Ids { from: 0, n: 10 },
                "security_assessment",
                "art7_ciio",
                "Provisions Art. 7(1)",
                (10, 0),
                None,
                "a CIIO",
            )
        },
        // ------------------------------------------------ Beijing: unified identification rules
        c(
            "Beijing, 75,000 + 75,000 card holders under a contract scenario",
            BJ,
            &["--scenario", "contract"],
            &[("2026-01-15", Cards { from: 0, n: 75_000 })],
            Cards { from: 75_000, n: 75_000 },
            "security_assessment",
            "bj_unified_accounts_100k",
            "Beijing unified identification rules",
            (75_000, 75_000),
            Some((150_000, 150_000)),
            "150000 persons with bank_card > 100000",
        ),
        c(
            "Beijing, 50,000 + 50,000 card holders: not more than 100,000",
            BJ,
            &["--scenario", "contract"],
            &[("2026-01-15", Cards { from: 0, n: 50_000 })],
            Cards { from: 50_000, n: 50_000 },
            "allow",
            "art5_1_contract",
            "Provisions Art. 5(1)",
            (50_000, 50_000),
            Some((100_000, 100_000)),
            "exempts",
        ),
        c(
            "Beijing, 50,000 + 50,001 card holders: important data",
            BJ,
            &["--scenario", "contract"],
            &[("2026-01-15", Cards { from: 0, n: 50_000 })],
            Cards { from: 50_000, n: 50_001 },
            "security_assessment",
            "bj_unified_accounts_100k",
            "Beijing unified identification rules",
            (50_001, 50_001),
            Some((100_001, 100_001)),
            "100001 persons with bank_card > 100000 (counted since 1 January from the ledger)",
        ),
        c(
            "Beijing, 100,001 card holders without a ledger",
            BJ,
            &["--scenario", "contract"],
            &[],
            Cards { from: 0, n: 100_001 },
            "security_assessment",
            "bj_unified_accounts_100k",
            "Beijing unified identification rules",
            (100_001, 100_001),
            None,
            "this export only: no ledger",
        ),
        // ------------------------------------------------ Beijing: automotive list items
        c(
            "national: exterior camera media is a candidate",
            NAT,
            &[],
            &[],
            Marker { header: "车外影像", value: "https://oss.example.com/cam/front_{}.jpg", n: 20 },
            "needs_review",
            "important_candidate",
            "Provisions Art. 2",
            (20, 0),
            None,
            "important:automotive:exterior_camera",
        ),
        c(
            "Beijing: exterior camera media needs an assessment",
            BJ,
            &[],
            &[],
            Marker { header: "车外影像", value: "https://oss.example.com/cam/front_{}.jpg", n: 20 },
            "security_assessment",
            "bj_automotive_exterior_media",
            "Beijing FTZ negative list automotive, important data item 4",
            (20, 0),
            None,
            "exterior camera",
        ),
        c(
            "Beijing: charging-network data needs an assessment",
            BJ,
            &[],
            &[],
            Marker { header: "充电网络", value: "station-{}", n: 20 },
            "security_assessment",
            "bj_automotive_charging",
            "Beijing FTZ negative list automotive, important data item 3",
            (20, 0),
            None,
            "charging-network",
        ),
        c(
            "Beijing: vehicle-flow data needs an assessment",
            BJ,
            &[],
            &[],
            Marker { header: "车流量", value: "1{}", n: 20 },
            "security_assessment",
            "bj_automotive_vehicle_flow",
            "Beijing FTZ negative list automotive, important data items 1–2",
            (20, 0),
            None,
            "vehicle-flow",
        ),
        // ------------------------------------------------ membership numbers (retail 会员管理)
        c(
            "a membership-number column alone: personal information, not important data",
            BJ,
            &[],
            &[],
            Members { n: 500 },
            "allow",
            "art5_4_below_threshold",
            "Provisions Art. 5(4)",
            (500, 0),
            None,
            "500 persons with PI < 100000",
        ),
        // ------------------------------------------------ Tianjin: national lines
        Case {
            also: Some("tj_pi_on_list"),
            ..c(
                "Tianjin, zone-registered, 100,000 persons",
                "tianjin-ftz-2024",
                &["--zone-registered"],
                &[],
                Ids { from: 0, n: 100_000 },
                "standard_contract",
                "art8_personal",
                "Provisions Art. 8",
                (100_000, 0),
                None,
                "100000 persons",
            )
        },
    ]
}

fn write(dir: &Path, name: &str, data: Data) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data.csv()).unwrap();
    p
}

fn run(dir: &Path, args: &[&str]) -> Run {
    common::command(dir, args).output().expect("run xborder").into()
}

/// Run one case; the failures found.
fn check(case: &Case, dir: &Path) -> Vec<String> {
    let key = "0101010101010101010101010101010101010101010101010101010101010101";
    let ledger = dir.join("ledger.db");
    let mut problems = Vec::new();
    let base = |as_of: &str| {
        let mut a: Vec<String> = ["--format", "json", "--threads", "1", "--policy", case.policy, "--exporter", "acme"]
            .map(String::from)
            .to_vec();
        a.extend(["--as-of".into(), as_of.into()]);
        a.extend(case.flags.iter().map(|s| s.to_string()));
        a
    };
    for (i, (date, data)) in case.history.iter().enumerate() {
        let f = write(dir, &format!("history_{i}.csv"), *data);
        let mut a = vec!["scan".to_string(), f.display().to_string()];
        a.extend(base(date));
        a.extend([
            "--ledger".into(),
            ledger.display().to_string(),
            "--record".into(),
            "--fail-at".into(),
            "prohibited".into(),
        ]);
        let r = common::command(dir, &a.iter().map(String::as_str).collect::<Vec<_>>())
            .env("XBORDER_KEY", key)
            .output()
            .expect("run xborder");
        let r: Run = r.into();
        if !r.stderr.contains("recorded transfer") {
            problems.push(format!("history {i} not recorded: {}", r.stderr));
        }
    }
    let f = write(dir, "export.csv", case.export);
    let mut a = vec!["scan".to_string(), f.display().to_string()];
    a.extend(base(case.as_of));
    if !case.history.is_empty() || case.record {
        a.extend(["--ledger".into(), ledger.display().to_string()]);
    }
    if case.record {
        a.push("--record".into());
    }
    let r: Run = common::command(dir, &a.iter().map(String::as_str).collect::<Vec<_>>())
        .env("XBORDER_KEY", key)
        .output()
        .expect("run xborder")
        .into();
    let v: Value = match serde_json::from_str(&r.stdout) {
        Ok(v) => v,
        Err(e) => return vec![format!("no JSON report ({e}); exit {}: {}", r.code, r.stderr)],
    };
    let verdict = &v["verdict"];
    let reasons = verdict["reasons"].as_array().cloned().unwrap_or_default();
    let level = verdict["level"].as_str().unwrap_or("?");
    if level != case.level {
        problems.push(format!("level {level}, expected {}", case.level));
    }
    let first = reasons.first().cloned().unwrap_or(Value::Null);
    if first["rule"] != case.rule {
        problems.push(format!("deciding rule {}, expected {}", first["rule"], case.rule));
    }
    if first["cite"] != case.cite {
        problems.push(format!("cite {}, expected {:?}", first["cite"], case.cite));
    }
    let detail = first["detail"].as_str().unwrap_or("");
    if !detail.contains(case.detail) {
        problems.push(format!("detail {detail:?} lacks {:?}", case.detail));
    }
    if first["confirmed"].as_bool().is_none() {
        problems.push("the reason does not say whether its rule is confirmed".into());
    }
    if let Some(also) = case.also {
        if !reasons.iter().any(|r| r["rule"] == also) {
            problems.push(format!("no reason {also}"));
        }
    }
    let p = &v["persons"];
    let got = (p["total"].as_u64().unwrap_or(0), p["sensitive"].as_u64().unwrap_or(0));
    if got != case.persons {
        problems.push(format!("persons {got:?}, expected {:?}", case.persons));
    }
    if let Some(ytd) = case.ytd {
        let y = &v["year_to_date"];
        let got = (y["persons"].as_u64().unwrap_or(0), y["sensitive"].as_u64().unwrap_or(0));
        if got != ytd {
            problems.push(format!("year to date {got:?}, expected {ytd:?}"));
        }
    }
    let blocked = level_rank(level) >= level_rank(fail_at(case.flags));
    let want_code = if blocked { 1 } else { 0 };
    if r.code != want_code {
        problems.push(format!("exit {}, expected {want_code}: {}", r.code, r.stderr));
    }
    if case.record {
        let recorded = r.stderr.contains("recorded transfer");
        if recorded == blocked {
            problems.push(format!("recorded {recorded} although blocked {blocked}: {}", r.stderr));
        }
    }
    problems
}

fn level_rank(l: &str) -> usize {
    ["allow", "needs_review", "standard_contract", "security_assessment", "prohibited"]
        .iter()
        .position(|x| *x == l)
        .unwrap_or(9)
}

/// `--fail-at` as the binary derives it from `--procedure`.
fn fail_at(flags: &[&str]) -> &'static str {
    match flags.iter().position(|f| *f == "--procedure").map(|i| flags[i + 1]) {
        Some("standard_contract") => "security_assessment",
        Some("security_assessment") => "prohibited",
        _ => "standard_contract",
    }
}

#[test]
fn the_scenario_table() {
    let cases = cases();
    // Two workers: the cases are independent, each in its own directory and ledger.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(case) = cases.get(i) else { break };
                let dir = tempfile::tempdir().unwrap();
                let problems = check(case, dir.path());
                results.lock().unwrap().push((i, problems));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|r| r.0);
    let mut failed = 0;
    println!("| scenario | policy | level | rule | cite | result |");
    println!("|---|---|---|---|---|---|");
    for (i, problems) in &results {
        let c = &cases[*i];
        let result = if problems.is_empty() { "ok".to_string() } else { problems.join("; ") };
        failed += !problems.is_empty() as usize;
        println!("| {} | {} | {} | {} | {} | {result} |", c.name, c.policy, c.level, c.rule, c.cite);
    }
    assert_eq!(failed, 0, "{failed} of {} scenarios failed (table above)", cases.len());
}

#[test]
fn scenarios_are_checked_against_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "x.csv", Data::Ids { from: 0, n: 3 });
    let f = f.display().to_string();
    let r = run(
        dir.path(),
        &["scan", &f, "--policy", BJ, "--zone-registered", "--sector", "pharma", "--scenario", "shopping"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    for valid in ["contract", "hr", "pharma_clinical_trial", "retail_membership", "临床试验"] {
        assert!(r.stderr.contains(valid), "{valid} not named: {}", r.stderr);
    }
    // A scenario of another sector than the one declared.
    let r = run(dir.path(), &["scan", &f, "--policy", BJ, "--sector", "retail", "--scenario", "pharma_clinical_trial"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--sector pharma"), "{}", r.stderr);
    // The national policy has no list scenarios.
    let r = run(dir.path(), &["scan", &f, "--policy", NAT, "--scenario", "retail_membership"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    // `policy show` lists them with their Chinese names and rows.
    let r = run(dir.path(), &["policy", "show", BJ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for s in [
        "Business scenarios of the list (9",
        "pharma_clinical_trial",
        "临床试验",
        "retail_membership",
        "会员管理",
        "automotive_ota",
        "rows:   bj_automotive_ota",
        "Changes",
    ] {
        assert!(r.stdout.contains(s), "{s} missing from policy show:\n{}", r.stdout);
    }
    let r = run(dir.path(), &["policy", "show", BJ, "--format", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["list_scenarios"].as_array().unwrap().len(), 9);
    assert_eq!(v["list_scenarios"][0]["sector"], "pharma");
}

#[test]
fn every_cite_names_an_article_regulation_md_numbers() {
    // REGULATION.md §1: Art. 8 is one sentence; Art. 7 has (1) and (2); Art. 5 has (1)–(4).
    let valid = [
        "Art. 2",
        "Art. 3",
        "Art. 4",
        "Art. 5(1)",
        "Art. 5(2)",
        "Art. 5(3)",
        "Art. 5(4)",
        "Art. 6",
        "Art. 7",
        "Art. 7(1)",
        "Art. 7(2)",
        "Art. 8",
    ];
    let dir = tempfile::tempdir().unwrap();
    for id in [NAT, BJ, "tianjin-ftz-2024", "shanghai-lingang-2024"] {
        let r = run(dir.path(), &["policy", "show", id, "--format", "json"]);
        let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{id}: {e}: {}", r.stderr));
        for rule in v["rules"].as_array().unwrap() {
            let cite = rule["cite"].as_str().unwrap();
            if let Some(art) = cite.strip_prefix("Provisions ") {
                assert!(valid.contains(&art), "{id}: rule {} cites {cite:?}", rule["id"]);
            }
            assert!(!cite.contains("Art. 8("), "{id}: rule {} cites {cite:?}", rule["id"]);
        }
    }
}

#[test]
fn generated_identifiers_are_valid_and_distinct() {
    let mut seen = std::collections::HashSet::new();
    for k in (0..200_000).step_by(997) {
        let id = resident_id(k);
        assert_eq!(id.len(), 18);
        assert_eq!(id_check(&id[..17]), id.chars().last().unwrap());
        assert!(seen.insert(id));
        let c = card(k);
        assert_eq!(luhn_digit(&c[..18]), c.chars().last().unwrap());
    }
    assert_eq!(resident_id(0), format!("11010519500101000{}", id_check("11010519500101000")));
    // 1,000 persons a day: person 150,000 was born 150 days after 1 January 1950.
    assert_eq!(&resident_id(150_000)[6..14], "19500531");
}
