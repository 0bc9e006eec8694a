//! `xborder audit`, `ledger transfers|summary` and the HTML report, end to end: the real binary
//! on generated monthly exports, and the HTML opened in real headless Chromium.
#![cfg(feature = "ledger")]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Run;
use serde_json::Value;

fn xborder(dir: &Path, args: &[&str]) -> Run {
    common::command(dir, args).output().expect("run xborder").into()
}

/// A Luhn-valid UnionPay card for bulk person `i` (prefix 621700: never one of `common`'s).
fn card(i: u64) -> String {
    let body = format!("621700{i:012}");
    format!("{body}{}", common::luhn_digit(&body))
}

/// A CSV of bulk persons `range`: a mobile each (prefix 158: never one of `common`'s), and a
/// bank card (sensitive: a financial account) for those in `carded`.
fn bulk(path: &Path, range: std::ops::Range<u64>, carded: std::ops::Range<u64>) {
    let mut s = String::with_capacity(32 * (range.end - range.start) as usize);
    s.push_str("mobile,bank_card\n");
    for i in range {
        s.push_str(&format!("158{i:08},"));
        if carded.contains(&i) {
            s.push_str(&card(i));
        }
        s.push('\n');
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, s).unwrap();
}

/// Twelve monthly exports of 2025 (`exports/orders-2025-MM.csv`): 10,000 persons each, 1,000 of
/// them already in the previous month, so the year holds 9,000·m + 1,000 persons after month m
/// and reaches 100,000 with November. 1,000 new persons a month have a bank card, so the year
/// holds 1,000·m sensitive persons and reaches 10,000 with October. A December 2024 export lies
/// outside the year.
fn twelve_months(d: &Path) {
    for m in 1..=12u64 {
        let start = (m - 1) * 9_000;
        bulk(&d.join(format!("exports/orders-2025-{m:02}.csv")), start..start + 10_000, start + 1_000..start + 2_000);
    }
    bulk(&d.join("exports/orders-2024-12.csv"), 500_000..500_100, 0..0);
}

fn crossing<'a>(v: &'a Value, line: &str) -> &'a Value {
    v["timeline"]["crossings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["line"] == line)
        .unwrap_or_else(|| panic!("no crossing of {line}: {}", v["timeline"]["crossings"]))
}

/// `audit` over twelve monthly exports ordered by the dates in their names: the month and the
/// object at which each line was reached, exactly; every transfer recorded; per transfer the
/// procedure it needed and whether the procedure in place covered it. Then the replayed
/// ledger through `ledger transfers` (filters, CSV), `ledger summary` (distance to the next
/// line) and `ledger verify`.
#[test]
fn audit_reports_the_crossing_month_and_object() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    twelve_months(d);
    let r = xborder(
        d,
        &[
            "audit",
            "exports",
            "--exporter",
            "acme",
            "--year",
            "2025",
            "--format",
            "json",
            "--threads",
            "2",
            "--ledger",
            "audit.db",
        ],
    );
    // Every month needed at least a standard contract (sensitive persons from January on) and
    // no procedure was declared: exit 1.
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["order"], "object_name");
    let transfers = v["transfers"].as_array().unwrap();
    assert_eq!(transfers.len(), 12, "every archived export of 2025 is replayed and recorded");
    for (i, t) in transfers.iter().enumerate() {
        let m = i as u64 + 1;
        assert_eq!(t["seq"], m);
        assert_eq!(t["date"], format!("2025-{m:02}-01"));
        assert_eq!(t["date_source"], "name_month");
        assert!(t["object"].as_str().unwrap().ends_with(&format!("orders-2025-{m:02}.csv")));
        assert_eq!(t["persons"], 10_000);
        assert_eq!(t["ytd_persons"], 9_000 * m + 1_000, "month {m}");
        assert_eq!(t["ytd_sensitive"], 1_000 * m, "month {m}");
        let needed = if m >= 10 { "security_assessment" } else { "standard_contract" };
        assert_eq!(t["needed"], needed, "month {m}");
        assert_eq!(t["lacked"], true);
    }
    // Blocked-level transfers are recorded too: November and December count.
    assert_eq!(transfers[11]["ytd_persons"], 109_000);
    let p = crossing(&v, "persons-100000");
    assert_eq!(p["date"], "2025-11-01");
    assert!(p["object"].as_str().unwrap().ends_with("exports/orders-2025-11.csv"), "{p}");
    assert_eq!(p["seq"], 11);
    assert_eq!(p["count"], 100_000);
    assert_eq!(p["level"], "standard_contract");
    let s = crossing(&v, "sensitive-10000");
    assert_eq!(s["date"], "2025-10-01");
    assert!(s["object"].as_str().unwrap().ends_with("exports/orders-2025-10.csv"), "{s}");
    assert_eq!(s["count"], 10_000);
    assert_eq!(crossing(&v, "sensitive-1")["seq"], 1);
    assert!(v["timeline"]["crossings"].as_array().unwrap().iter().all(|c| c["line"] != "persons-1000000"));
    assert_eq!(transfers[10]["crossed"], serde_json::json!(["persons-100000"]));
    assert_eq!(v["highest"], "security_assessment");
    let skipped = v["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1);
    assert!(skipped[0]["object"].as_str().unwrap().ends_with("orders-2024-12.csv"));

    // The replayed ledger: filters, formats, standing, chain.
    let ledger = |args: &[&str]| {
        let mut all = vec!["ledger"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--ledger", "audit.db"]);
        xborder(d, &all)
    };
    let sa = ledger(&["transfers", "--verdict", "security_assessment", "--format", "json"]);
    assert_eq!(sa.code, 0, "{}", sa.stderr);
    let seqs: Vec<u64> =
        sa.json()["transfers"].as_array().unwrap().iter().map(|t| t["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [10, 11, 12]);
    let summer = ledger(&["transfers", "--from", "2025-06-01", "--to", "2025-08-31", "--format", "csv"]);
    let lines: Vec<&str> = summer.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "header and June–August: {}", summer.stdout);
    assert!(lines[0].starts_with("seq,date,exporter"));
    assert!(lines[1].starts_with("6,2025-06-01,acme,2025,"), "{}", lines[1]);
    assert_eq!(ledger(&["transfers", "--exporter", "other", "--format", "csv"]).stdout.lines().count(), 1);
    assert_eq!(ledger(&["transfers", "--from", "2025-13-01"]).code, 2);
    let sum = ledger(&["summary", "--format", "json"]).json();
    let scope = &sum["scopes"][0];
    assert_eq!((scope["persons"].as_u64(), scope["sensitive"].as_u64()), (Some(109_000), Some(12_000)));
    assert_eq!(scope["level"], "security_assessment");
    // past 10,000 sensitive; 891,000 persons to go to 1,000,000
    assert_eq!(
        scope["next"],
        serde_json::json!([{"line": "persons-1000000", "tally": "persons", "value": 1_000_000, "level": "security_assessment", "cite": "Provisions Art. 7(2)", "remaining": 891_000}])
    );
    assert_eq!(ledger(&["verify"]).code, 0);
    let export_run = ledger(&["export"]);
    let export = export_run.json();
    // Neither the audit report nor the export holds an identifier of the data.
    for text in [&r.stdout, &export_run.stdout] {
        for i in [0u64, 1_500, 9_000, 50_123, 107_999] {
            assert!(!text.contains(&format!("158{i:08}")), "a raw phone number in the output");
            assert!(!text.contains(&card(i)), "a raw card number in the output");
        }
    }
    assert_eq!(export["transfers"].as_array().unwrap().len(), 12);
    assert_eq!(export["chain"]["check"]["problems"], serde_json::json!([]));
    assert_eq!(export["rows"]["transfers"], 12);
    // The export's chain recomputes from its own bodies.
    let mut prev = [0u8; 32];
    for t in export["transfers"].as_array().unwrap() {
        let mut h = blake3::Hasher::new();
        h.update(&prev);
        h.update(t["body"].as_str().unwrap().as_bytes());
        let hash = h.finalize();
        assert_eq!(t["hash"], hash.to_hex().as_str());
        prev = *hash.as_bytes();
    }

    // With a standard contract in place, only the transfers needing an assessment lacked it.
    let r = xborder(
        d,
        &[
            "audit",
            "exports",
            "--exporter",
            "acme",
            "--year",
            "2025",
            "--format",
            "json",
            "--procedure",
            "standard_contract",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.json()["lacking"], serde_json::json!([10, 11, 12]));
    // A ledger that already holds transfers is refused (the audit needs a fresh one).
    let r = xborder(d, &["audit", "exports", "--exporter", "acme", "--year", "2025", "--ledger", "audit.db"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("fresh ledger"), "{}", r.stderr);
}

/// Without dates in the names the order comes from a manifest when given, else from the files'
/// modification times, and the report says which.
#[test]
fn audit_orders_by_manifest_else_modification_time() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // a: 0..60,000; b: 50,000..110,000; c: 200,000..200,010 — whoever comes second reaches 100,000
    // when a and b are the first two.
    bulk(&d.join("in/a.csv"), 0..60_000, 0..0);
    bulk(&d.join("in/b.csv"), 50_000..110_000, 0..0);
    bulk(&d.join("in/c.csv"), 200_000..200_010, 0..0);
    std::fs::write(
        d.join("manifest.csv"),
        "path,date\nin/c.csv,2025-01-05\nin/b.csv,2025-02-01\nin/a.csv,2025-03-09T20:00:00Z\n",
    )
    .unwrap();
    let r = xborder(
        d,
        &["audit", "in", "--exporter", "acme", "--year", "2025", "--manifest", "manifest.csv", "--format", "json"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["order"], "manifest");
    let objects: Vec<String> =
        v["transfers"].as_array().unwrap().iter().map(|t| t["object"].as_str().unwrap().to_string()).collect();
    assert!(
        objects[0].ends_with("c.csv") && objects[1].ends_with("b.csv") && objects[2].ends_with("a.csv"),
        "{objects:?}"
    );
    // 20:00 UTC on 9 March is 10 March in Asia/Shanghai
    assert_eq!(v["transfers"][2]["date"], "2025-03-10");
    let p = crossing(&v, "persons-100000");
    assert_eq!((p["date"].as_str(), p["count"].as_u64()), (Some("2025-03-10"), Some(110_010)));

    // modification times: c, a, b
    let set = |name: &str, day: u64| {
        let t = std::time::UNIX_EPOCH + Duration::from_secs(1_735_660_800 + day * 86_400); // 2025-01-01 00:00 +08:00 = 2024-12-31T16:00Z
        std::fs::File::options().write(true).open(d.join("in").join(name)).unwrap().set_modified(t).unwrap();
    };
    set("c.csv", 3);
    set("a.csv", 40);
    set("b.csv", 70);
    let r = xborder(d, &["audit", "in", "--exporter", "acme", "--year", "2025", "--format", "json"]);
    let v = r.json();
    assert_eq!(v["order"], "modification_time");
    assert_eq!(v["transfers"][0]["date_source"], "modification_time");
    let dates: Vec<&str> = v["transfers"].as_array().unwrap().iter().map(|t| t["date"].as_str().unwrap()).collect();
    assert_eq!(dates, ["2025-01-04", "2025-02-10", "2025-03-12"]);
    let p = crossing(&v, "persons-100000");
    assert!(p["object"].as_str().unwrap().ends_with("b.csv"));
    // a manifest that does not list an object is a usage error naming it
    std::fs::write(d.join("short.csv"), "path,date\nin/a.csv,2025-01-01\n").unwrap();
    let r = xborder(d, &["audit", "in", "--exporter", "acme", "--year", "2025", "--manifest", "short.csv"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("b.csv") && r.stderr.contains("not in the manifest"), "{}", r.stderr);
}

// ---------------------------------------------------------------- HTML in headless Chromium

const CHROMIUM: &str = "/usr/bin/chromium";

/// Headless Chromium, or `None` (skip) outside CI when it is not installed; under `CI=true` a
/// missing browser fails the test.
fn chromium() -> Option<PathBuf> {
    let p = PathBuf::from(CHROMIUM);
    if p.exists() {
        return Some(p);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{CHROMIUM} is missing: .ci/run installs it (apt-get install -y chromium)");
    }
    eprintln!("skipping: {CHROMIUM} is not installed (CI=true makes this a failure)");
    None
}

/// Run Chromium headless on `file` with `extra` flags, in a fresh profile; stdout. Fails after
/// two minutes.
fn run_chromium(chrome: &Path, file: &Path, extra: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", file.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("chromium did not finish within two minutes on {}", file.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Where test artefacts go: `$CARGO_TARGET_DIR/test-artifacts/`, else `target/test-artifacts/`.
fn artifacts() -> PathBuf {
    let base = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let d = base.join("test-artifacts");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Width and height from a PNG's IHDR.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

fn people_csv(path: &Path, range: std::ops::Range<u64>) -> Vec<common::Person> {
    let people: Vec<common::Person> = range.map(common::person).collect();
    let mut csv = String::from("name,id_number,mobile,email,bank_card\n");
    for p in &people {
        csv.push_str(&format!("{},{},{},{},{}\n", p.name, p.id, p.phone, p.email, p.card));
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, csv).unwrap();
    people
}

/// No identifier of `people` in `text`, raw or in its usual spellings.
fn assert_no_raw(what: &str, text: &str, people: &[common::Person]) {
    for p in people {
        for v in [&p.id, &p.phone, &p.email, &p.card, &p.name, &p.phone[3..].to_string(), &p.id[..14].to_string()] {
            assert!(!text.contains(v.as_str()), "{what}: a raw identifier of the test data is in the page");
        }
    }
}

/// The HTML reports of `audit`, `ledger summary` and `scan`, rendered by headless Chromium: the
/// verdict, the national lines and the crossing markers are in the rendered DOM with the right
/// dates and objects, Chinese labels with `--lang zh`, no raw identifier anywhere; and a
/// screenshot of the audit page is kept as an artefact.
#[test]
fn html_reports_render_in_headless_chromium() {
    let Some(chrome) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // January: 300 persons with every identifier (all sensitive: bank cards). February: 60,000
    // bulk persons, 6,000 with cards. March: 60,000 more (10,000 already sent), 4,000 new cards:
    // the year reaches 100,000 persons and 10,000 sensitive persons on 5 March.
    let mut people = people_csv(&d.join("exports/2025-01-15-people.csv"), 0..300);
    bulk(&d.join("exports/2025-02-10-bulk.csv"), 0..60_000, 0..6_000);
    bulk(&d.join("exports/2025-03-05-bulk.csv"), 50_000..110_000, 60_000..64_000);
    let r = xborder(
        d,
        &[
            "audit",
            "exports",
            "--exporter",
            "acme",
            "--year",
            "2025",
            "--ledger",
            "l.db",
            "--format",
            "html",
            "-o",
            "audit.html",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let summary = xborder(
        d,
        &["ledger", "summary", "--ledger", "l.db", "--format", "html", "--lang", "zh", "-o", "summary.html"],
    );
    assert_eq!(summary.code, 0, "{}", summary.stderr);
    people.extend(people_csv(&d.join("next/people2.csv"), 300..600));
    let scan = xborder(
        d,
        &[
            "scan",
            "next/people2.csv",
            "--ledger",
            "l.db",
            "--exporter",
            "acme",
            "--as-of",
            "2025-04-01",
            "--format",
            "html",
            "-o",
            "scan.html",
        ],
    );
    assert_eq!(scan.code, 1, "{}", scan.stderr);

    // Nothing in the files can reach the network.
    for f in ["audit.html", "summary.html", "scan.html"] {
        let src = std::fs::read_to_string(d.join(f)).unwrap();
        let stripped = src.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        for needle in ["http://", "https://", "<script", "<link", "<img", "url("] {
            assert!(!stripped.contains(needle), "{f} fetches nothing: {needle}");
        }
        assert_no_raw(f, &src, &people);
    }

    let dom = run_chromium(&chrome, &d.join("audit.html"), &["--dump-dom"]);
    assert!(dom.contains("<svg") && dom.contains("id=\"ytd-chart\""), "the chart is in the rendered DOM");
    assert!(dom.contains("id=\"verdict\"") && dom.contains("data-level=\"security_assessment\""));
    assert!(dom.contains("Security assessment"), "verdict text");
    for line in ["persons-100000", "persons-1000000", "sensitive-10000"] {
        assert!(dom.contains(&format!("id=\"line-{line}\"")), "threshold line {line} drawn");
    }
    for line in ["persons-100000", "sensitive-10000"] {
        let at = dom.find(&format!("id=\"crossing-{line}\"")).unwrap_or_else(|| panic!("crossing marker {line}"));
        let tag = &dom[at..at + dom[at..].find('>').unwrap()];
        assert!(tag.contains("data-date=\"2025-03-05\""), "{tag}");
        assert!(tag.contains("2025-03-05-bulk.csv"), "{tag}");
    }
    assert!(!dom.contains("id=\"crossing-persons-1000000\""), "1,000,000 is not reached");
    assert!(dom.contains("Provisions Art. 7(2)"), "citations");
    assert!(dom.contains("data-column=\"id_number\""), "per-column findings of the January export");
    assert!(dom.contains("110***********"), "masked examples");
    assert_no_raw("audit DOM", &dom, &people);

    let zh = run_chromium(&chrome, &d.join("summary.html"), &["--dump-dom"]);
    assert!(zh.contains("lang=\"zh-CN\""));
    assert!(
        zh.contains("出境台账汇总") && zh.contains("数据出境安全评估") && zh.contains("敏感个人信息涉及人数"),
        "Chinese labels"
    );
    assert!(zh.contains("id=\"line-persons-100000\"") && zh.contains("id=\"crossing-sensitive-10000\""));
    assert_no_raw("summary DOM", &zh, &people);

    let scan_dom = run_chromium(&chrome, &d.join("scan.html"), &["--dump-dom"]);
    assert!(scan_dom.contains("data-level=\"security_assessment\""), "year to date 110,600 persons, 10,600 sensitive");
    assert!(scan_dom.contains("class=\"point persons pending\""), "this export is drawn as not recorded");
    assert!(scan_dom.contains("id=\"crossing-persons-100000\""));
    assert!(scan_dom.contains("data-column=\"mobile\"") && scan_dom.contains("data-column=\"email\""));
    assert_no_raw("scan DOM", &scan_dom, &people);

    let shot = artifacts().join("audit-report.png");
    let _ = std::fs::remove_file(&shot);
    run_chromium(
        &chrome,
        &d.join("audit.html"),
        &[&format!("--screenshot={}", shot.display()), "--window-size=1280,2000", "--hide-scrollbars"],
    );
    let png = std::fs::read(&shot).expect("the screenshot was written");
    assert_eq!(png_size(&png), (1280, 2000));
    assert!(png.len() > 20_000, "a blank page compresses to a few KB: {} bytes", png.len());
    std::fs::copy(d.join("audit.html"), artifacts().join("audit-report.html")).unwrap();
    eprintln!("screenshot: {}", shot.display());
}
