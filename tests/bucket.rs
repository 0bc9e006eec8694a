//! Object-store inputs end to end: the real binary against a real S3-compatible server (moto,
//! from the project's venv, started here on a free loopback port and killed by its PID when the
//! test ends), a real SQLite ledger, and a real `kill -9` halfway through a run.
#![cfg(feature = "cloud")]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use common::moto::Moto;
use common::{gzip, rows, to_batch, to_csv, to_ndjson, write_parquet, zstd, Run, AS_OF};

/// The fixture files: CSV, gzip CSV, zstd CSV, NDJSON and Parquet (two row groups), over one
/// pool of persons so that persons span files.
fn fixtures(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![
        ("a_orders.csv".to_string(), to_csv(&rows(240, 300, 1), ",", "\n").into_bytes()),
        ("b_orders.csv.gz".to_string(), gzip(to_csv(&rows(200, 300, 2), ",", "\r\n").as_bytes())),
        ("c_orders.csv.zst".to_string(), zstd(to_csv(&rows(150, 300, 3), ";", "\n").as_bytes())),
        ("d_events.ndjson".to_string(), to_ndjson(&rows(120, 300, 4)).into_bytes()),
    ];
    let pq = dir.join("e_trips.parquet");
    write_parquet(&pq, &to_batch(&rows(260, 300, 5)), 100);
    files.push(("e_trips.parquet".to_string(), std::fs::read(&pq).unwrap()));
    for (name, body) in &files {
        std::fs::write(dir.join(name), body).unwrap();
    }
    files
}

fn xborder(moto: &Moto, dir: &Path, args: &[&str]) -> Command {
    let mut c = common::command(dir, args);
    moto.env(&mut c);
    c
}

fn done(out: Output) -> Run {
    out.into()
}

/// `scan INPUT… --format json --as-of AS_OF --fail-at prohibited` + extra.
fn scan(moto: &Moto, dir: &Path, inputs: &[&str], extra: &[&str]) -> Run {
    let mut args = vec!["scan"];
    args.extend_from_slice(inputs);
    args.extend_from_slice(&["--format", "json", "--as-of", AS_OF, "--fail-at", "prohibited"]);
    args.extend_from_slice(extra);
    done(xborder(moto, dir, &args).output().expect("run xborder"))
}

const LEDGER: [&str; 4] = ["--ledger", "l.db", "--exporter", "acme"];

fn record_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = LEDGER.to_vec();
    v.push("--record");
    v.extend_from_slice(extra);
    v
}

/// (persons, sensitive, transfers) of acme's year in the ledger of `dir`.
fn ledger_counts(moto: &Moto, dir: &Path) -> (u64, u64, u64) {
    let r = done(xborder(moto, dir, &["ledger", "summary", "--ledger", "l.db", "--format", "json"]).output().unwrap());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    let s = &v["scopes"][0];
    (s["persons"].as_u64().unwrap(), s["sensitive"].as_u64().unwrap(), s["transfers"].as_u64().unwrap())
}

/// Per input, what must not depend on where the bytes came from.
fn inputs_essence(r: &Value) -> Vec<Value> {
    r["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let name = i["path"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
            serde_json::json!({
                "name": name, "format": i["format"], "encoding": i["encoding"], "compression": i["compression"],
                "rows": i["rows"], "bytes": i["bytes"], "complete": i["complete"],
            })
        })
        .collect()
}

fn skipped(r: &Value) -> usize {
    r["inputs"].as_array().unwrap().iter().filter(|i| i["skipped"].is_string()).count()
}

fn input<'a>(r: &'a Value, suffix: &str) -> &'a Value {
    r["inputs"].as_array().unwrap().iter().find(|i| i["path"].as_str().unwrap().ends_with(suffix)).unwrap()
}

#[test]
fn bucket_and_local_files_give_the_same_report() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("exports");
    std::fs::create_dir(&data).unwrap();
    let files = fixtures(&data);
    moto.bucket("same");
    for (name, body) in &files {
        moto.put("same", &format!("exports/2026/{name}"), body);
    }
    // Not data: skipped in a prefix as in a directory.
    moto.put("same", "exports/2026/README.md", b"# notes\n");

    let local = scan(&moto, tmp.path(), &["exports"], &[]);
    assert_eq!(local.code, 0, "{}", local.stderr);
    let local = local.json();
    assert_eq!(local["inputs"].as_array().unwrap().len(), 5);
    assert!(local["persons"]["total"].as_u64().unwrap() > 300, "{}", local["persons"]);

    for extra in [&[][..], &["--concurrency", "1"][..], &["--concurrency", "3", "--batch-size", "7"][..]] {
        let remote = scan(&moto, tmp.path(), &["s3://same/exports/"], extra);
        assert_eq!(remote.code, 0, "{extra:?}: {}", remote.stderr);
        let remote = remote.json();
        assert_eq!(common::essence(&remote), common::essence(&local), "{extra:?}");
        assert_eq!(inputs_essence(&remote), inputs_essence(&local), "{extra:?}");
        assert_eq!(remote["verdict"]["level"], local["verdict"]["level"]);
        let first = &remote["inputs"][0];
        assert_eq!(first["path"], "s3://same/exports/2026/a_orders.csv");
        assert!(first["etag"].as_str().is_some_and(|e| !e.is_empty()), "{first}");
    }

    // file:// reads the same directory through the object-store path.
    let url = format!("file://{}/", data.display());
    let file = scan(&moto, tmp.path(), &[&url], &[]);
    assert_eq!(file.code, 0, "{}", file.stderr);
    assert_eq!(common::essence(&file.json()), common::essence(&local));

    // One object named whole, a glob in the URL, --glob and --since.
    let one = scan(&moto, tmp.path(), &["s3://same/exports/2026/e_trips.parquet"], &[]).json();
    assert_eq!(one["inputs"].as_array().unwrap().len(), 1);
    assert_eq!(one["inputs"][0]["rows"], 260);
    let twice = scan(&moto, tmp.path(), &["s3://same/exports/", "s3://same/exports/2026/e_trips.parquet"], &[]);
    assert_eq!(common::essence(&twice.json()), common::essence(&local), "an object named twice is read once");
    let gz = scan(&moto, tmp.path(), &["s3://same/exports/2026/*.gz"], &[]).json();
    assert_eq!(inputs_essence(&gz).len(), 1);
    assert_eq!(gz["inputs"][0]["rows"], 200);
    let globbed = scan(&moto, tmp.path(), &["s3://same/exports/"], &["--glob", "*/[ab]_*"]).json();
    assert_eq!(globbed["inputs"].as_array().unwrap().len(), 2);
    let future = scan(&moto, tmp.path(), &["s3://same/exports/"], &["--since", "2999-01-01"]);
    assert_eq!(future.json()["inputs"].as_array().unwrap().len(), 0);
    let past = scan(&moto, tmp.path(), &["s3://same/exports/"], &["--since", "2000-01-01"]);
    assert_eq!(past.json()["inputs"].as_array().unwrap().len(), 5);

    // Parquet under a name without an extension is found by its magic and still read.
    moto.put("same", "blobs/part-0000", &files[4].1);
    let blob = scan(&moto, tmp.path(), &["s3://same/blobs/part-0000"], &[]).json();
    assert_eq!(blob["inputs"][0]["format"], "parquet");
    assert_eq!(blob["inputs"][0]["rows"], 260);

    // JSON Lines: a line per object, then the report.
    let args = ["scan", "s3://same/exports/", "--format", "jsonl", "--as-of", AS_OF, "--fail-at", "prohibited"];
    let jl = done(xborder(&moto, tmp.path(), &args).output().unwrap());
    assert_eq!(jl.code, 0, "{}", jl.stderr);
    let lines: Vec<Value> = jl.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 6, "{}", jl.stdout);
    assert!(lines[..5].iter().all(|l| l["type"] == "input" && l["input"]["complete"] == true));
    assert_eq!(lines[5]["type"], "report");
    assert_eq!(lines[5]["report"]["persons"], local["persons"]);

    // No progress bar on a non-terminal stderr.
    assert!(!jl.stderr.contains("ETA"), "{}", jl.stderr);
}

#[test]
fn second_run_skips_every_object_and_a_changed_object_is_read_again() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    let files = fixtures(tmp.path());
    moto.bucket("incr");
    for (name, body) in &files {
        moto.put("incr", &format!("daily/{name}"), body);
    }
    // Blocked objects (each one's verdict is standard_contract) are never recorded: exit 1.
    let mut args = vec!["scan", "s3://incr/daily/", "--format", "json", "--as-of", AS_OF];
    args.extend(record_args(&["--fail-at", "standard_contract"]));
    let blocked = done(xborder(&moto, tmp.path(), &args).output().unwrap());
    assert_eq!(blocked.code, 1, "{}", blocked.stderr);
    assert_eq!(blocked.stderr.matches("not recorded: its verdict standard_contract").count(), 5, "{}", blocked.stderr);
    assert!(blocked.json()["inputs"].as_array().unwrap().iter().all(|i| i["transfer"].is_null()));
    let summary = done(
        xborder(&moto, tmp.path(), &["ledger", "summary", "--ledger", "l.db", "--format", "json"]).output().unwrap(),
    );
    assert_eq!(summary.json()["scopes"].as_array().unwrap().len(), 0, "nothing recorded");

    let first = scan(&moto, tmp.path(), &["s3://incr/daily/"], &record_args(&[]));
    assert_eq!(first.code, 0, "{}", first.stderr);
    let first = first.json();
    assert_eq!(skipped(&first), 0);
    let transfers: Vec<u64> =
        first["inputs"].as_array().unwrap().iter().map(|i| i["transfer"].as_u64().unwrap()).collect();
    assert_eq!(transfers, [1, 2, 3, 4, 5], "one transfer per object, in listing order");
    let (persons, sensitive, n) = ledger_counts(&moto, tmp.path());
    assert_eq!(n, 5);
    assert_eq!(persons, first["year_to_date"]["persons"].as_u64().unwrap());
    assert_eq!(persons, first["persons"]["total"].as_u64().unwrap(), "a fresh ledger holds exactly this run");

    // Second run: nothing read, nothing recorded, the year to date unchanged.
    let second = scan(&moto, tmp.path(), &["s3://incr/daily/"], &record_args(&[]));
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(second.stderr.contains("skipped 5 object(s)"), "{}", second.stderr);
    let second = second.json();
    assert_eq!(skipped(&second), 5);
    assert!(second["inputs"].as_array().unwrap().iter().all(|i| i["rows"] == 0 && i["complete"] == true));
    assert_eq!(second["year_to_date"]["persons"].as_u64().unwrap(), persons);
    assert_eq!(second["persons"]["total"], 0);
    assert_eq!(ledger_counts(&moto, tmp.path()), (persons, sensitive, 5));

    // A dry run with the ledger skips them too.
    let dry = scan(&moto, tmp.path(), &["s3://incr/daily/"], &LEDGER);
    assert_eq!(skipped(&dry.json()), 5);

    // One object changes: only it is read again, and recorded as transfer 6.
    let changed = to_csv(&rows(50, 100, 99), ",", "\n");
    moto.overwrite("incr", "daily/a_orders.csv", changed.as_bytes());
    let third = scan(&moto, tmp.path(), &["s3://incr/daily/"], &record_args(&[]));
    assert_eq!(third.code, 0, "{}", third.stderr);
    let third = third.json();
    assert_eq!(skipped(&third), 4);
    let a = input(&third, "a_orders.csv");
    assert!(a["skipped"].is_null());
    assert_eq!(a["rows"], 50);
    assert_eq!(a["transfer"], 6);
    let (p3, _, n3) = ledger_counts(&moto, tmp.path());
    assert_eq!(n3, 6);
    assert!(p3 >= persons, "the year to date only grows: {p3} < {persons}");
    assert_eq!(p3, third["year_to_date"]["persons"].as_u64().unwrap());
    // Transfers recorded object by object form one whole hash chain.
    let verify = done(xborder(&moto, tmp.path(), &["ledger", "verify", "--ledger", "l.db"]).output().unwrap());
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);
}

/// Record `url` object by object until `kill_after` objects are committed and the next one is
/// inside its transaction, then kill -9. The run is the library driven by a child process
/// ([`recorder_of_objects`]) that waits at that point; no hook in the binary.
fn killed_run(moto: &Moto, dir: &Path, url: &str, kill_after: usize) {
    let arg = format!("{}\n{url}\n{}", dir.display(), kill_after + 1);
    let mut c = common::child_test("recorder_of_objects", &arg);
    moto.env(&mut c);
    let mut child = c.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let t0 = Instant::now();
    // libtest prints `test NAME ... ` before the child's own output, on the same line.
    let held = lines.map(|l| l.unwrap()).find_map(|l| l.find("holding").map(|i| l[i..].to_string()));
    assert_eq!(held, Some(format!("holding transfer {}", kill_after + 1)));
    assert!(t0.elapsed() < Duration::from_secs(300));
    child.kill().unwrap(); // SIGKILL: no destructor, no rollback handler runs
    child.wait().unwrap();
}

/// An export as `scan URL --as-of AS_OF --fail-at prohibited --ledger l.db --exporter acme`
/// would make it, through the library, with `events`.
fn library_export(
    dir: &Path,
    url: &str,
    record: bool,
    events: &mut dyn xborder::assess::Events,
) -> xborder::Assessment {
    use xborder::assess::{Assessor, Export, ObjectOptions, Record};
    let (mut ledger, hasher) = xborder::ledger::Ledger::open_keyed(&dir.join("l.db"), record, None).unwrap().unwrap();
    let assessor = Assessor::builder().exporter("acme").fail_at(xborder::policy::Level::Prohibited).build().unwrap();
    let as_of = xborder::time::Date::parse(AS_OF).unwrap();
    let scanner = assessor.scanner_builder().key_hasher(hasher).as_of(as_of).threads(2).build().unwrap();
    let mut export = Export::new(&[url]).record(if record { Record::UnlessBlocked } else { Record::DryRun });
    export.objects = ObjectOptions { concurrency: 2, ..ObjectOptions::default() };
    assessor.assess_export(&scanner, &export, Some(&mut ledger), events).unwrap()
}

/// The child of [`killed_run`]: `XBORDER_TEST_CHILD` is "DIR\nURL\nK"; records URL's objects
/// into DIR/l.db and waits inside the K-th transfer's transaction, written and not committed.
#[test]
#[ignore = "a child process: a_killed_run_resumes_without_rescanning_or_counting_twice runs it"]
fn recorder_of_objects() {
    struct HoldAt(u64);
    impl xborder::assess::Events for HoldAt {
        fn staged(&mut self, t: &xborder::ledger::Transfer) -> xborder::Result<()> {
            if t.seq == self.0 {
                println!("holding transfer {}", t.seq);
                std::io::stdout().flush().unwrap();
                std::thread::sleep(Duration::from_secs(600));
            }
            Ok(())
        }
    }
    let arg = common::child_arg("a_killed_run_resumes_without_rescanning_or_counting_twice");
    let parts: Vec<&str> = arg.split('\n').collect();
    let (dir, url, k) = (Path::new(parts[0]), parts[1], parts[2].parse().unwrap());
    library_export(dir, url, true, &mut HoldAt(k));
    panic!("the parent kills this process inside transfer {k}");
}

#[test]
fn a_killed_run_resumes_without_rescanning_or_counting_twice() {
    let moto = Moto::start();
    moto.bucket("resume");
    let tmp = tempfile::tempdir().unwrap();
    // Seven objects over one pool: persons recur across objects, some rows have no key.
    for k in 0..7u64 {
        let mut rs = rows(150, 400, 100 + k);
        for r in rs.iter_mut().step_by(11) {
            for f in &mut r[1..5] {
                f.clear();
            }
        }
        moto.put("resume", &format!("batch/part-{k}.csv"), to_csv(&rs, ",", "\n").as_bytes());
    }
    let url = "s3://resume/batch/";
    let whole = tmp.path().join("whole");
    let killed = tmp.path().join("killed");
    std::fs::create_dir_all(&whole).unwrap();
    std::fs::create_dir_all(&killed).unwrap();

    let one = scan(&moto, &whole, &[url], &record_args(&[]));
    assert_eq!(one.code, 0, "{}", one.stderr);
    let expected = ledger_counts(&moto, &whole);
    assert_eq!(expected.2, 7);
    let one = one.json();
    assert!(one["persons"]["unlinked_rows"].as_u64().unwrap() > 0, "the fixture has keyless rows");
    assert_eq!(one["year_to_date"]["persons"].as_u64().unwrap(), expected.0, "keyless rows are counted once");

    killed_run(&moto, &killed, url, 3);
    let (_, _, n) = ledger_counts(&moto, &killed);
    assert_eq!(n, 3, "the objects committed before the kill, and not the one inside its transaction");

    let rerun = scan(&moto, &killed, &[url], &record_args(&[]));
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    let rerun = rerun.json();
    assert_eq!(skipped(&rerun), 3, "finished objects are not read again");
    let read: Vec<&str> = rerun["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["skipped"].is_null())
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    let rest: Vec<String> = (3..7).map(|k| format!("s3://resume/batch/part-{k}.csv")).collect();
    assert_eq!(read, rest);
    assert_eq!(ledger_counts(&moto, &killed), expected, "same persons, sensitive persons and transfers");
    assert_eq!(rerun["year_to_date"]["persons"].as_u64().unwrap(), expected.0);
}

#[test]
fn failed_objects_are_reported_by_url_and_the_rest_is_scanned() {
    let moto = Moto::start();
    moto.bucket("mixed");
    let tmp = tempfile::tempdir().unwrap();
    let good_a = to_csv(&rows(120, 200, 7), ",", "\n");
    let good_b = gzip(to_csv(&rows(80, 200, 8), ",", "\n").as_bytes());
    std::fs::write(tmp.path().join("1_good.csv"), &good_a).unwrap();
    std::fs::write(tmp.path().join("2_good.csv.gz"), &good_b).unwrap();
    // Over 1 MiB of text before the cut: the sniffing prefix is read whole, rows follow.
    let whole = gzip(to_csv(&rows(20_000, 200, 9), ",", "\n").as_bytes());
    let pq = tmp.path().join("p.parquet");
    write_parquet(&pq, &to_batch(&rows(100, 200, 10)), 50);
    let pq = std::fs::read(&pq).unwrap();

    moto.put("mixed", "in/1_good.csv", good_a.as_bytes());
    moto.put("mixed", "in/2_good.csv.gz", &good_b);
    moto.put("mixed", "in/3_cut.csv.gz", &whole[..whole.len() / 2]);
    moto.put("mixed", "in/4_cut.parquet", &pq[..pq.len() - 100]);
    // An archived object: S3 (and moto) answer 403 InvalidObjectState to a GET.
    moto.http("PUT", "/mixed/in/6_cold.csv", &[("x-amz-storage-class", "GLACIER")], good_a.as_bytes());

    let run = scan(&moto, tmp.path(), &["s3://mixed/in/"], &record_args(&["--concurrency", "1"]));
    assert_eq!(run.code, 3, "{}", run.stderr);
    let r = run.json();
    assert_eq!(r["inputs"].as_array().unwrap().len(), 5);

    for good in ["1_good.csv", "2_good.csv.gz"] {
        let i = input(&r, good);
        assert_eq!(i["complete"], true, "{i}");
        assert!(i["transfer"].is_u64(), "a complete object is recorded: {i}");
    }
    assert_eq!(input(&r, "1_good.csv")["rows"], 120);
    assert_eq!(input(&r, "2_good.csv.gz")["rows"], 80);
    let reason = |name: &str| {
        let i = input(&r, name);
        assert_eq!(i["complete"], false, "{i}");
        assert!(i["transfer"].is_null(), "an incomplete object is never recorded: {i}");
        let e = i["errors"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect::<Vec<_>>().join("; ");
        assert!(e.contains(&format!("s3://mixed/in/{name}")), "the error names the URL: {e}");
        e
    };
    assert!(!reason("3_cut.csv.gz").is_empty());
    assert!(input(&r, "3_cut.csv.gz")["rows"].as_u64().unwrap() > 0, "rows before the cut are scanned");
    assert!(reason("4_cut.parquet").contains("Parquet"), "{}", reason("4_cut.parquet"));
    assert!(reason("6_cold.csv").contains("access denied (403)"), "{}", reason("6_cold.csv"));
    // stderr lists every failed object.
    for name in ["3_cut.csv.gz", "4_cut.parquet", "6_cold.csv"] {
        assert!(run.stderr.contains(&format!("s3://mixed/in/{name}")), "{}", run.stderr);
    }
    // Never a raw value in errors or logs.
    let raw = rows(120, 200, 7);
    for v in raw.iter().take(20).flat_map(|r| [&r[1], &r[2], &r[3]]) {
        assert!(!run.stderr.contains(v.as_str()), "raw value on stderr");
        assert!(!r["inputs"].to_string().contains(v.as_str()), "raw value in the inputs");
    }

    // The good objects are what the persons count: the same as scanning them locally.
    let local = scan(&moto, tmp.path(), &["1_good.csv", "2_good.csv.gz"], &[]).json();
    let (p, _, n) = ledger_counts(&moto, tmp.path());
    assert_eq!(n, 2, "only the two complete objects are recorded");
    assert_eq!(p, local["persons"]["total"].as_u64().unwrap());

    // A rerun reads only what failed (still failing), skipping the two recorded objects.
    let again = scan(&moto, tmp.path(), &["s3://mixed/in/"], &record_args(&[]));
    assert_eq!(again.code, 3);
    let again = again.json();
    assert_eq!(skipped(&again), 2);
    assert_eq!(again["inputs"].as_array().unwrap().len(), 5, "the deleted object is no longer listed");
}

/// An object deleted between the listing and its GET is a 404: an input that could not be read,
/// named by its URL and never recorded, while the others are. The deletion happens while a child
/// process ([`exporter_paused_after_listing`]) waits after listing.
#[test]
fn an_object_deleted_after_the_listing_is_reported_and_not_recorded() {
    let moto = Moto::start();
    moto.bucket("gone");
    let tmp = tempfile::tempdir().unwrap();
    moto.put("gone", "in/1_good.csv", to_csv(&rows(60, 200, 21), ",", "\n").as_bytes());
    moto.put("gone", "in/2_gone.csv", to_csv(&rows(60, 200, 22), ",", "\n").as_bytes());
    moto.put("gone", "in/3_good.csv", to_csv(&rows(60, 200, 23), ",", "\n").as_bytes());
    let arg = format!("{}\ns3://gone/in/", tmp.path().display());
    let mut c = common::child_test("exporter_paused_after_listing", &arg);
    moto.env(&mut c);
    let mut child = c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    // libtest prints `test NAME ... ` before the child's own output, on the same line.
    while !line.contains("listed") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "the child ended before the listing");
    }
    assert!(line.trim_end().ends_with("listed 3 object(s)"), "{line}");
    moto.delete("gone", "in/2_gone.csv");
    child.stdin.take().unwrap().write_all(b"go\n").unwrap();
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert!(child.wait().unwrap().success());
    let report = rest.lines().find_map(|l| l.split_once("report {").map(|(_, r)| format!("{{{r}"))).expect("a report");
    let r: Value = serde_json::from_str(&report).unwrap();
    let gone = input(&r, "2_gone.csv");
    assert_eq!(gone["complete"], false, "{gone}");
    assert!(gone["transfer"].is_null(), "{gone}");
    let errors = gone["errors"].to_string();
    assert!(errors.contains("s3://gone/in/2_gone.csv") && errors.contains("not found (404)"), "{errors}");
    for good in ["1_good.csv", "3_good.csv"] {
        let i = input(&r, good);
        assert_eq!((i["complete"].as_bool(), i["rows"].as_u64()), (Some(true), Some(60)), "{i}");
        assert!(i["transfer"].is_u64(), "a complete object is recorded: {i}");
    }
    assert_eq!(ledger_counts(&moto, tmp.path()).2, 2, "two transfers: the objects read whole");
}

/// The child of [`an_object_deleted_after_the_listing_is_reported_and_not_recorded`]:
/// `XBORDER_TEST_CHILD` is "DIR\nURL"; lists URL, prints `listed N object(s)`, waits for a line
/// on stdin, then reads and records the objects and prints `report <JSON>`.
#[test]
#[ignore = "a child process: an_object_deleted_after_the_listing_is_reported_and_not_recorded runs it"]
fn exporter_paused_after_listing() {
    struct Pause;
    impl xborder::assess::Events for Pause {
        fn objects_listed(&mut self, objects: u64, _: u64, _: std::sync::Arc<std::sync::atomic::AtomicU64>) {
            println!("listed {objects} object(s)");
            std::io::stdout().flush().unwrap();
            let mut go = String::new();
            std::io::stdin().read_line(&mut go).unwrap();
        }
    }
    let arg = common::child_arg("an_object_deleted_after_the_listing_is_reported_and_not_recorded");
    let (dir, url) = arg.split_once('\n').unwrap();
    let a = library_export(Path::new(dir), url, true, &mut Pause);
    println!("report {}", serde_json::to_string(&a.report).unwrap());
}

#[test]
fn a_prefix_of_more_than_one_page_is_listed_whole() {
    // ListObjectsV2 returns at most 1000 keys a page: 1003 objects need a continuation token.
    let moto = Moto::start();
    moto.bucket("pages");
    let tmp = tempfile::tempdir().unwrap();
    for k in 0..1003u64 {
        let body = format!("mobile,amount\n139{:08},{k}.00\n", k);
        moto.put("pages", &format!("many/{k:04}.csv"), body.as_bytes());
    }
    moto.put("pages", "many/notes.txt.bak", b"not data");
    let r = scan(&moto, tmp.path(), &["s3://pages/many/"], &["--concurrency", "16"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = r.json();
    let inputs = r["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 1003);
    assert_eq!(inputs[1002]["path"], "s3://pages/many/1002.csv");
    assert!(inputs.iter().all(|i| i["rows"] == 1 && i["complete"] == true));
    assert_eq!(r["persons"]["total"], 1003);
}

/// A CSV of persons `range` (mobile `158…`), with a Luhn-valid bank card (sensitive) for those in
/// `carded`.
fn monthly(range: std::ops::Range<u64>, carded: std::ops::Range<u64>) -> Vec<u8> {
    let mut s = String::from("mobile,bank_card\n");
    for i in range {
        s.push_str(&format!("158{i:08},"));
        if carded.contains(&i) {
            let body = format!("621700{i:012}");
            s.push_str(&format!("{body}{}", common::luhn_digit(&body)));
        }
        s.push('\n');
    }
    s.into_bytes()
}

/// What an audit's result must not owe to where the exports were read from.
fn audit_essence(v: &Value) -> Value {
    let tail = |o: &Value| o.as_str().unwrap().rsplit_once("exports/").unwrap().1.to_string();
    let transfers: Vec<Value> = v["transfers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            serde_json::json!({
                "seq": t["seq"], "object": tail(&t["object"]), "date": t["date"], "date_source": t["date_source"],
                "persons": t["persons"], "sensitive": t["sensitive"], "new": t["new_persons"],
                "ytd": t["ytd_persons"], "ytd_sensitive": t["ytd_sensitive"], "needed": t["needed"],
                "crossed": t["crossed"],
            })
        })
        .collect();
    let crossings: Vec<Value> = v["timeline"]["crossings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| serde_json::json!({"line": c["line"], "date": c["date"], "seq": c["seq"], "count": c["count"], "object": tail(&c["object"])}))
        .collect();
    serde_json::json!({"order": v["order"], "transfers": transfers, "crossings": crossings, "skipped": v["skipped"].as_array().unwrap().len()})
}

/// `audit s3://bucket/prefix/`: each object is one replayed transfer, dated by its key (a date in
/// the file name, or a `YYYY/MM/DD/` prefix) or by a manifest naming objects by URL or key; the
/// line reached, its date and object URL are reported exactly, and the result is the audit of
/// the same files on disk.
#[test]
fn audit_replays_a_bucket_prefix_like_local_files() {
    let moto = Moto::start();
    moto.bucket("archive");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 3,000 persons a month, 500 of them in the previous month: 2,500·m + 500 persons after
    // month m. The first bank cards (sensitive) leave in March: the 1-sensitive-person line.
    let objects: Vec<(&str, Vec<u8>)> = vec![
        ("exports/orders-2025-01.csv", monthly(0..3_000, 0..0)),
        ("exports/orders-2025-02.csv", monthly(2_500..5_500, 0..0)),
        ("exports/orders-2025-03.csv", monthly(5_000..8_000, 7_000..7_200)),
        ("exports/2025/04/15/part-0001.csv", monthly(7_500..10_500, 0..0)),
        ("exports/orders-2024-12.csv", monthly(900_000..900_050, 0..0)),
    ];
    for (key, body) in &objects {
        moto.put("archive", key, body);
        let p = d.join("local").join(key);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    let audit = |inputs: &[&str], extra: &[&str]| {
        let mut args = vec!["audit"];
        args.extend_from_slice(inputs);
        args.extend_from_slice(&["--exporter", "acme", "--year", "2025", "--format", "json", "--threads", "2"]);
        args.extend_from_slice(extra);
        let r = done(xborder(&moto, d, &args).output().expect("run xborder"));
        // March needed a standard contract and none was declared: exit 1.
        assert_eq!(r.code, 1, "{}", r.stderr);
        r.json()
    };
    let v = audit(&["s3://archive/exports/"], &["--ledger", "bucket.db"]);
    assert_eq!(v["order"], "object_name");
    let t = v["transfers"].as_array().unwrap();
    let urls: Vec<&str> = t.iter().map(|t| t["object"].as_str().unwrap()).collect();
    assert_eq!(
        urls,
        [
            "s3://archive/exports/orders-2025-01.csv",
            "s3://archive/exports/orders-2025-02.csv",
            "s3://archive/exports/orders-2025-03.csv",
            "s3://archive/exports/2025/04/15/part-0001.csv",
        ]
    );
    let dates: Vec<&str> = t.iter().map(|t| t["date"].as_str().unwrap()).collect();
    assert_eq!(dates, ["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-15"]);
    assert_eq!(t[0]["date_source"], "name_month");
    assert_eq!(t[3]["date_source"], "name");
    for (i, t) in t.iter().enumerate() {
        let m = i as u64 + 1;
        assert_eq!(t["seq"], m);
        assert_eq!(t["persons"], 3_000);
        assert_eq!(t["ytd_persons"], 2_500 * m + 500, "month {m}");
        assert_eq!(t["ytd_sensitive"], if m >= 3 { 200 } else { 0 }, "month {m}");
        assert_eq!(t["report"]["inputs"][0]["path"], urls[i]);
        assert!(t["report"]["inputs"][0]["etag"].is_string(), "{}", t["report"]["inputs"][0]);
    }
    assert_eq!(t[1]["needed"], "allow");
    assert_eq!(t[2]["needed"], "standard_contract");
    let crossings = v["timeline"]["crossings"].as_array().unwrap();
    assert_eq!(crossings.len(), 1, "{crossings:?}");
    let c = &crossings[0];
    assert_eq!(c["line"], "sensitive-1");
    assert_eq!(c["date"], "2025-03-01");
    assert_eq!(c["object"], "s3://archive/exports/orders-2025-03.csv");
    assert_eq!(c["seq"], 3);
    assert_eq!(t[2]["crossed"], serde_json::json!(["sensitive-1"]));
    // April's export holds no sensitive person itself: only March lacked a contract.
    assert_eq!(v["lacking"], serde_json::json!([3]));
    let skipped = v["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0]["object"], "s3://archive/exports/orders-2024-12.csv");
    // The replayed ledger names each transfer by its URL.
    let l = done(
        xborder(&moto, d, &["ledger", "transfers", "--ledger", "bucket.db", "--format", "json"]).output().unwrap(),
    );
    assert_eq!(l.code, 0, "{}", l.stderr);
    assert!(l.stdout.contains("s3://archive/exports/orders-2025-03.csv"), "{}", l.stdout);

    // The same files on disk: the same transfers, counts and crossings.
    let local = audit(&["local/exports"], &[]);
    assert_eq!(audit_essence(&v), audit_essence(&local));

    // A manifest naming objects by URL or by key overrides the names: March's export first.
    std::fs::write(
        d.join("manifest.csv"),
        "path,date\n\
         s3://archive/exports/orders-2025-03.csv,2025-01-10\n\
         exports/orders-2025-01.csv,2025-02-10\n\
         orders-2025-02.csv,2025-03-10\n\
         s3://archive/exports/2025/04/15/part-0001.csv,2025-04-10\n\
         exports/orders-2024-12.csv,2024-12-31\n",
    )
    .unwrap();
    let m = audit(&["s3://archive/exports/"], &["--manifest", "manifest.csv"]);
    assert_eq!(m["order"], "manifest");
    let c = &m["timeline"]["crossings"][0];
    assert_eq!(
        (c["line"].as_str(), c["date"].as_str(), c["seq"].as_u64()),
        (Some("sensitive-1"), Some("2025-01-10"), Some(1))
    );
    assert_eq!(c["object"], "s3://archive/exports/orders-2025-03.csv");
    let order: Vec<&str> = m["transfers"].as_array().unwrap().iter().map(|t| t["object"].as_str().unwrap()).collect();
    assert_eq!(
        order,
        [
            "s3://archive/exports/orders-2025-03.csv",
            "s3://archive/exports/orders-2025-01.csv",
            "s3://archive/exports/orders-2025-02.csv",
            "s3://archive/exports/2025/04/15/part-0001.csv",
        ]
    );
    assert!(m["transfers"].as_array().unwrap().iter().all(|t| t["date_source"] == "manifest"));
    // An object the manifest does not name is a usage error naming it.
    std::fs::write(d.join("short.csv"), "path,date\ns3://archive/exports/orders-2025-03.csv,2025-01-10\n").unwrap();
    let r = done(
        xborder(
            &moto,
            d,
            &["audit", "s3://archive/exports/", "--exporter", "acme", "--year", "2025", "--manifest", "short.csv"],
        )
        .output()
        .unwrap(),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("s3://archive/exports/2025/04/15/part-0001.csv is not in the manifest"), "{}", r.stderr);
}

/// The calendar year in Asia/Shanghai now (objects are stamped with the upload time).
fn shanghai_year_now() -> i64 {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    // Days since 1970-01-01 at UTC+8, then the civil year (Howard Hinnant's days_from_civil inverse).
    let z = (secs + 8 * 3600).div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    yoe + era * 400 + i64::from(month <= 2)
}

#[test]
fn audit_orders_undated_objects_by_last_modified() {
    let moto = Moto::start();
    moto.bucket("undated");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // No date in any name: uploaded c, a, b, a second and more apart (Last-Modified has whole
    // seconds). The bank cards leave in the second upload, `a.csv`.
    let uploads: [(&str, Vec<u8>); 3] = [
        ("drop/c.csv", monthly(0..1_000, 0..0)),
        ("drop/a.csv", monthly(500..1_500, 1_000..1_050)),
        ("drop/b.csv", monthly(1_000..2_000, 0..0)),
    ];
    for (i, (key, body)) in uploads.iter().enumerate() {
        if i > 0 {
            std::thread::sleep(std::time::Duration::from_millis(1_100));
        }
        moto.put("undated", key, body);
    }
    let year = shanghai_year_now().to_string();
    let r = done(
        xborder(&moto, d, &["audit", "s3://undated/drop/", "--exporter", "acme", "--year", &year, "--format", "json"])
            .output()
            .expect("run xborder"),
    );
    assert_eq!(r.code, 1, "the cards needed a standard contract: {}", r.stderr);
    let v = r.json();
    assert_eq!(v["order"], "modification_time");
    let t = v["transfers"].as_array().unwrap();
    let urls: Vec<&str> = t.iter().map(|t| t["object"].as_str().unwrap()).collect();
    assert_eq!(urls, ["s3://undated/drop/c.csv", "s3://undated/drop/a.csv", "s3://undated/drop/b.csv"]);
    let ytd: Vec<u64> = t.iter().map(|t| t["ytd_persons"].as_u64().unwrap()).collect();
    assert_eq!(ytd, [1_000, 1_500, 2_000]);
    let c = &v["timeline"]["crossings"][0];
    assert_eq!((c["line"].as_str(), c["seq"].as_u64()), (Some("sensitive-1"), Some(2)));
    assert_eq!(c["object"], "s3://undated/drop/a.csv");
    assert_eq!(v["lacking"], serde_json::json!([2]));
}
