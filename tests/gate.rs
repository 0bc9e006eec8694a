//! `xborder gate` end to end: the real binary, a real SQLite ledger, a local directory and (with
//! the `cloud` feature) a real S3-compatible server (moto), and real `kill -9`s in each crash
//! window. A run is stopped at a window by `crash_helper` below — this test binary run again as
//! a child, calling the library's gate with an observer that blocks at the phase it is given —
//! and the real `xborder gate` is then run again over the same inputs.
#![cfg(feature = "ledger")]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use common::{gzip, rows, to_csv, Run, AS_OF};
use xborder::ledger::{GateObject, Ledger};

/// Three inputs over one pool of persons: sensitive data of a few hundred persons, a
/// `standard_contract` verdict.
fn inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let files = vec![
        ("a_orders.csv".to_string(), to_csv(&rows(300, 200, 1), ",", "\n").into_bytes()),
        ("b_orders.csv.gz".to_string(), gzip(to_csv(&rows(200, 200, 2), ",", "\r\n").as_bytes())),
        ("c_orders.csv".to_string(), to_csv(&rows(150, 200, 3), ";", "\n").into_bytes()),
    ];
    for (name, body) in &files {
        std::fs::write(dir.join(name), body).unwrap();
    }
    files
}

fn names(files: &[(String, Vec<u8>)]) -> Vec<&str> {
    files.iter().map(|(n, _)| n.as_str()).collect()
}

/// `xborder gate NAMES… --to DEST --ledger l.db --as-of AS_OF` + extra, in `dir`.
fn gate(dir: &Path, env: &[(String, String)], inputs: &[&str], to: &str, extra: &[&str]) -> Run {
    let mut args = vec!["gate"];
    args.extend_from_slice(inputs);
    args.extend_from_slice(&["--to", to, "--ledger", "l.db", "--as-of", AS_OF]);
    args.extend_from_slice(extra);
    let mut c = common::command(dir, &args);
    c.envs(env.iter().map(|(k, v)| (k, v)));
    c.output().expect("run xborder").into()
}

const ALLOWED: [&str; 4] = ["--procedure", "standard_contract", "--format", "json"];

fn blake3_hex(b: &[u8]) -> String {
    format!("blake3:{}", blake3::hash(b).to_hex())
}

/// The ledger's transfers (seq) and the gate objects each names.
fn transfers(dir: &Path) -> Vec<(u64, Vec<GateObject>)> {
    let Some(l) = Ledger::open(&dir.join("l.db"), false).unwrap() else { return Vec::new() };
    let n: u64 = l.summary().unwrap().iter().map(|s| s.transfers).sum();
    (1..=n).map(|s| (s, l.gate_objects_of_transfer(s).unwrap())).collect()
}

/// Files in a directory, sorted (temporary staging files included).
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// Exactly one committed set: every input at the destination byte for byte, nothing else there,
/// one transfer in the ledger naming each object's digest and size, no run left unfinished.
fn assert_one_set_local(dir: &Path, out: &Path, files: &[(String, Vec<u8>)]) {
    assert_eq!(listing(out), names(files), "the destination holds the inputs and nothing else");
    for (name, body) in files {
        assert_eq!(&std::fs::read(out.join(name)).unwrap(), body, "{name} committed byte-identical");
    }
    assert_one_transfer(dir, files);
}

fn assert_one_transfer(dir: &Path, files: &[(String, Vec<u8>)]) -> Vec<GateObject> {
    let t = transfers(dir);
    assert_eq!(t.len(), 1, "one transfer: {t:?}");
    let objects = &t[0].1;
    assert_eq!(objects.len(), files.len());
    for ((name, body), o) in files.iter().zip(objects) {
        assert!(o.url.ends_with(&format!("/{name}")), "{o:?}");
        assert_eq!(o.state, "committed");
        assert_eq!(o.size, Some(body.len() as u64));
        assert_eq!(o.digest.as_deref(), Some(blake3_hex(body).as_str()));
    }
    let l = Ledger::open(&dir.join("l.db"), false).unwrap().unwrap();
    assert!(l.gate_unfinished().unwrap().is_empty(), "no run left unfinished");
    // The hashed transfer record names the digests too (tamper-evident there).
    let export = common::command(dir, &["ledger", "export", "--ledger", "l.db"]).output().unwrap();
    let v: Value = serde_json::from_slice(&export.stdout).unwrap();
    let body: Value = match &v["transfers"][0]["body"] {
        Value::String(s) => serde_json::from_str(s).unwrap(),
        other => other.clone(),
    };
    for (i, (_, b)) in files.iter().enumerate() {
        assert_eq!(body["inputs"][i]["fingerprint"], Value::from(blake3_hex(b)), "{body}");
        assert_eq!(body["inputs"][i]["bytes"], Value::from(b.len() as u64));
    }
    let verify = common::command(dir, &["ledger", "verify", "--ledger", "l.db"]).output().unwrap();
    assert_eq!(verify.status.code(), Some(0), "{}", String::from_utf8_lossy(&verify.stdout));
    objects.clone()
}

fn no_raw_values(run: &Run, files: &[(String, Vec<u8>)]) {
    let text = format!("{}\n{}", run.stderr, run.stdout);
    for (_, body) in files {
        for line in String::from_utf8_lossy(body).lines().skip(1).take(50) {
            let id = line.split([',', ';']).nth(1).unwrap_or("");
            if id.len() == 18 {
                assert!(!text.contains(id), "a raw identifier in the output: {id}");
            }
        }
    }
}

#[test]
fn allowed_export_is_committed_byte_identical_and_recorded_with_its_digests() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, out) = (tmp.path(), tmp.path().join("out"));
    std::fs::create_dir(&out).unwrap();
    let files = inputs(dir);
    let r = gate(dir, &[], &names(&files), "out", &ALLOWED);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["status"], "committed");
    assert_eq!(v["transfer"], 1);
    assert_eq!(v["report"]["verdict"]["level"], "standard_contract");
    assert_eq!(v["objects"].as_array().unwrap().len(), 3);
    assert_eq!(v["objects"][0]["digest"], Value::from(blake3_hex(&files[0].1)));
    assert_one_set_local(dir, &out, &files);
    // The ledger's year to date is what scan would have recorded.
    let scan = common::command(
        dir,
        &["scan", "a_orders.csv", "b_orders.csv.gz", "c_orders.csv", "--format", "json", "--as-of", AS_OF],
    )
    .output()
    .unwrap();
    let s: Value = serde_json::from_slice(&scan.stdout).unwrap();
    assert_eq!(v["report"]["persons"], s["persons"]);
    // Gating the same set again sends nothing and records nothing.
    let again = gate(dir, &[], &names(&files), "out", &ALLOWED);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.json()["status"], "already_committed");
    assert_one_set_local(dir, &out, &files);
}

#[test]
fn blocked_export_leaves_no_object_and_no_transfer() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, out) = (tmp.path(), tmp.path().join("out"));
    std::fs::create_dir(&out).unwrap();
    let files = inputs(dir);
    let r = gate(dir, &[], &names(&files), "out", &["--format", "json"]);
    assert_eq!(r.code, 1, "blocked exits as scan would: {}", r.stderr);
    let v = r.json();
    assert_eq!(v["status"], "blocked");
    assert!(r.stderr.contains("not sent: verdict standard_contract"), "{}", r.stderr);
    assert!(listing(&out).is_empty(), "nothing staged is left: {:?}", listing(&out));
    assert!(transfers(dir).is_empty());
    no_raw_values(&r, &files);
}

#[test]
fn dry_run_stages_nothing_and_exits_as_scan() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, out) = (tmp.path(), tmp.path().join("out"));
    std::fs::create_dir(&out).unwrap();
    let files = inputs(dir);
    let r = gate(dir, &[], &names(&files), "out", &["--dry-run", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.json()["status"], "dry_run");
    let r = gate(dir, &[], &names(&files), "out", &["--dry-run", "--procedure", "standard_contract"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["report"]["verdict"]["level"], "standard_contract");
    assert!(listing(&out).is_empty());
    assert!(!dir.join("l.db").exists(), "a dry run creates no ledger");
}

#[test]
fn jsonl_streams_one_line_per_committed_object_then_the_outcome() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, out) = (tmp.path(), tmp.path().join("out"));
    std::fs::create_dir(&out).unwrap();
    let files = inputs(dir);
    let r = gate(dir, &[], &names(&files), "out", &["--procedure", "standard_contract", "--jsonl"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<Value> = r.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 4);
    for ((name, body), l) in files.iter().zip(&lines) {
        assert_eq!(l["type"], "object");
        assert_eq!(l["input"], Value::from(name.as_str()));
        assert_eq!(l["state"], "committed");
        assert_eq!(l["size"], Value::from(body.len()));
        assert_eq!(l["digest"], Value::from(blake3_hex(body)));
    }
    assert_eq!(lines[3]["type"], "gate");
    assert_eq!(lines[3]["status"], "committed");
    assert_eq!(lines[3]["report"]["verdict"]["level"], "standard_contract");
}

#[test]
fn a_corrupt_input_anywhere_commits_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, out) = (tmp.path(), tmp.path().join("out"));
    std::fs::create_dir(&out).unwrap();
    let mut files = inputs(dir);
    // The middle input's gzip stream is cut short.
    let gz = &mut files[1].1;
    gz.truncate(gz.len() / 2);
    std::fs::write(dir.join(&files[1].0), &files[1].1).unwrap();
    let r = gate(dir, &[], &names(&files), "out", &ALLOWED);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(r.json()["status"], "refused");
    assert!(r.stderr.contains("b_orders.csv.gz"), "the error names the file: {}", r.stderr);
    assert!(listing(&out).is_empty(), "{:?}", listing(&out));
    assert!(transfers(dir).is_empty());
    no_raw_values(&r, &files);
    // The last one corrupt (a record with too many fields): the same.
    let mut bad = files[2].1.clone();
    bad.extend_from_slice(b"x;y;z;1;2;3;4;5;6;7;8\n");
    files[1] = ("b_orders.csv.gz".into(), gzip(&files[0].1));
    std::fs::write(dir.join(&files[1].0), &files[1].1).unwrap();
    std::fs::write(dir.join(&files[2].0), &bad).unwrap();
    let r = gate(dir, &[], &names(&files), "out", &ALLOWED);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(listing(&out).is_empty(), "{:?}", listing(&out));
    assert!(transfers(dir).is_empty());
}

#[test]
fn an_input_appended_to_while_it_is_read_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, out) = (tmp.path(), tmp.path().join("out"));
    std::fs::create_dir(&out).unwrap();
    // Big enough that reading it takes a while; rows appended are well-formed records.
    let all = rows(40_000, 5_000, 7);
    let body = to_csv(&all, ",", "\n");
    std::fs::write(dir.join("big.csv"), &body).unwrap();
    std::fs::write(dir.join("row.csv"), to_csv(&all[..1], ",", "\n").lines().nth(1).unwrap().to_string() + "\n")
        .unwrap();
    let mut appender =
        Command::new("sh").current_dir(dir).args(["-c", "while :; do cat row.csv >> big.csv; done"]).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let r = gate(dir, &[], &["big.csv"], "out", &ALLOWED);
    appender.kill().unwrap();
    appender.wait().unwrap();
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("big.csv: changed while it was read"), "{}", r.stderr);
    assert_eq!(r.json()["status"], "refused");
    assert!(listing(&out).is_empty(), "{:?}", listing(&out));
    assert!(transfers(dir).is_empty());
}

// ---- crash windows -------------------------------------------------------------------------

/// Not a test of its own: the crash tests run this binary again (`common::child_test`), and this
/// gates the inputs it names with the library, blocking forever at the named phase (after
/// printing `reached PHASE`) so that the parent can kill it with SIGKILL there.
#[test]
#[ignore = "a child process of the kill_9 tests, which run it"]
fn crash_helper() {
    use std::io::Write;
    let spec: Value = serde_json::from_str(&common::child_arg("the kill_9 tests")).unwrap();
    let dir = PathBuf::from(spec["dir"].as_str().unwrap());
    let phase = spec["phase"].as_str().unwrap().to_string();
    let ledger_path = dir.join("l.db");
    let mut ledger = Ledger::open(&ledger_path, true).unwrap().unwrap();
    let (hasher, source) = xborder::ledger::load_key(&ledger_path, None, true).unwrap().unwrap();
    ledger.check_key(&hasher, &source).unwrap();
    let assessor = xborder::Assessor::builder().procedure(xborder::policy::Level::StandardContract).build().unwrap();
    let scanner = assessor
        .scanner_builder()
        .key_hasher(hasher)
        .as_of(xborder::time::Date::parse(AS_OF).unwrap())
        .build()
        .unwrap();
    let stager = xborder::gate::destination(spec["to"].as_str().unwrap()).unwrap();
    let inputs: Vec<PathBuf> =
        spec["inputs"].as_array().unwrap().iter().map(|i| dir.join(i.as_str().unwrap())).collect();
    let mut observer = |p: &xborder::gate::Phase<'_>| {
        // `committing` stops with the first object committed and the others not.
        let here = match p {
            xborder::gate::Phase::Committing { object } => phase == "committing" && *object == 1,
            xborder::gate::Phase::Staging { input } => phase == "staging" && *input == 1,
            other => other.name() == phase,
        };
        if here {
            println!("reached {phase}");
            std::io::stdout().flush().unwrap();
            loop {
                std::thread::sleep(Duration::from_secs(60));
            }
        }
    };
    let g = xborder::gate::Gate::new(&assessor, &scanner, &*stager);
    g.run(&inputs, Some(&mut ledger), &mut observer).unwrap();
    panic!("phase {phase} was never reached");
}

/// Run the helper at `phase` and kill it with SIGKILL once it is there.
fn killed_at(dir: &Path, env: &[(String, String)], files: &[(String, Vec<u8>)], to: &str, phase: &str) {
    let spec = serde_json::json!({"dir": dir, "to": to, "phase": phase, "inputs": names(files)});
    let mut child = common::child_test("crash_helper", &spec.to_string())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut reached = false;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        if line.unwrap().contains(&format!("reached {phase}")) {
            reached = true;
            break;
        }
    }
    assert!(reached, "the helper did not reach {phase}");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}

const WINDOWS: [&str; 5] = ["staging", "judged", "recorded", "committing", "committed"];

#[test]
fn kill_9_in_each_crash_window_then_a_rerun_gives_one_committed_set_and_one_transfer_local() {
    for phase in WINDOWS {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, out) = (tmp.path(), tmp.path().join("out"));
        std::fs::create_dir(&out).unwrap();
        let files = inputs(dir);
        killed_at(dir, &[], &files, out.to_str().unwrap(), phase);
        let left = listing(&out);
        match phase {
            // Before the decision: nothing committed (maybe something staged).
            "staging" | "judged" => {
                assert!(left.iter().all(|f| f.ends_with(".partial")), "{phase}: {left:?}");
                assert!(transfers(dir).is_empty(), "{phase}");
            }
            // After it: recorded, committed or about to be.
            _ => assert_eq!(transfers(dir).len(), 1, "{phase}"),
        }
        let r = gate(dir, &[], &names(&files), "out", &ALLOWED);
        assert_eq!(r.code, 0, "{phase}: {}", r.stderr);
        let expect = if matches!(phase, "staging" | "judged") { "committed" } else { "already_committed" };
        assert_eq!(r.json()["status"], expect, "{phase}: {}", r.stderr);
        assert!(r.stderr.contains("gate run"), "{phase}: the rerun says what it finished: {}", r.stderr);
        assert_one_set_local(dir, &out, &files);
    }
}

#[test]
fn staged_data_lost_after_the_decision_stops_later_runs_instead_of_sending_unrecorded() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, out) = (tmp.path(), tmp.path().join("out"));
    std::fs::create_dir(&out).unwrap();
    let files = inputs(dir);
    killed_at(dir, &[], &files, out.to_str().unwrap(), "recorded");
    for f in listing(&out) {
        std::fs::remove_file(out.join(f)).unwrap();
    }
    let r = gate(dir, &[], &names(&files), "out", &ALLOWED);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("recorded transfer 1 but this object cannot be committed"), "{}", r.stderr);
    assert!(listing(&out).is_empty());
    assert_eq!(transfers(dir).len(), 1, "the recorded transfer stays: the year to date over-counts, never under");
}

#[cfg(feature = "cloud")]
mod s3 {
    use super::*;
    use common::moto::Moto;

    fn env(m: &Moto) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{}", m.port)),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    fn assert_one_set_s3(m: &Moto, dir: &Path, files: &[(String, Vec<u8>)]) {
        let keys = m.keys("out", "exports/");
        let want: Vec<String> = files.iter().map(|(n, _)| format!("exports/{n}")).collect();
        assert_eq!(keys, want);
        for (name, body) in files {
            assert_eq!(&m.get("out", &format!("exports/{name}")).unwrap(), body, "{name} byte-identical");
        }
        assert!(m.uploads("out").is_empty(), "no upload left open");
        for o in assert_one_transfer(dir, files) {
            assert!(o.etag.is_some(), "the ledger holds the object's ETag: {o:?}");
        }
    }

    #[test]
    fn s3_allowed_is_committed_with_etags_and_blocked_leaves_nothing() {
        let m = Moto::start();
        m.bucket("out");
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        // Larger than one part (8 MiB), so the upload has several.
        let mut files = inputs(dir);
        files.push(("d_big.csv".into(), to_csv(&rows(120_000, 5_000, 9), ",", "\n").into_bytes()));
        std::fs::write(dir.join("d_big.csv"), &files[3].1).unwrap();
        assert!(files[3].1.len() > 9 << 20);
        let blocked = gate(dir, &env(&m), &names(&files), "s3://out/exports", &["--format", "json"]);
        assert_eq!(blocked.code, 1, "{}", blocked.stderr);
        assert!(m.keys("out", "").is_empty());
        assert!(m.uploads("out").is_empty(), "the uploads were aborted");
        assert!(transfers(dir).is_empty());
        let r = gate(dir, &env(&m), &names(&files), "s3://out/exports/", &ALLOWED);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v = r.json();
        assert_eq!(v["status"], "committed");
        assert!(v["objects"][3]["etag"].as_str().unwrap().contains('-'), "a multipart ETag: {}", v["objects"][3]);
        assert_one_set_s3(&m, dir, &files);
        let again = gate(dir, &env(&m), &names(&files), "s3://out/exports", &ALLOWED);
        assert_eq!(again.json()["status"], "already_committed", "{}", again.stderr);
        assert_one_set_s3(&m, dir, &files);
    }

    #[test]
    fn s3_kill_9_in_each_crash_window_then_a_rerun_gives_one_committed_set_and_one_transfer() {
        let m = Moto::start();
        m.bucket("out");
        for phase in WINDOWS {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path();
            let files = inputs(dir);
            killed_at(dir, &env(&m), &files, "s3://out/exports", phase);
            let committed_before = m.keys("out", "exports/").len();
            if matches!(phase, "staging" | "judged" | "recorded") {
                assert_eq!(committed_before, 0, "{phase}: nothing committed yet");
            }
            let r = gate(dir, &env(&m), &names(&files), "s3://out/exports", &ALLOWED);
            assert_eq!(r.code, 0, "{phase}: {}", r.stderr);
            assert_one_set_s3(&m, dir, &files);
            // Next window: an empty bucket again.
            for k in m.keys("out", "") {
                m.delete("out", &k);
            }
        }
    }
}
