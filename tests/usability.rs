//! The gate as a data engineer scripts it (issue 17): the format the flags say whether or not
//! stdout is a terminal, the top-level answer in the JSON (`complete`, `blocked`, `procedure`,
//! `fail_at`), `--quiet`, `--color`, closed sets of flag values, SARIF and CSV findings, and
//! `xborder.toml`. The real binary on the bundled samples.

mod common;

use std::path::{Path, PathBuf};

use common::{Run, AS_OF};
use serde_json::Value;

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data")
}

fn run(dir: &Path, args: &[&str]) -> Run {
    common::command(dir, args).output().expect("run xborder").into()
}

fn scan(args: &[&str]) -> Run {
    let s = samples();
    let mut v = vec!["scan", s.to_str().unwrap(), "--as-of", AS_OF];
    v.extend_from_slice(args);
    run(&s, &v)
}

/// Piped, the default output is still the human table: the flags decide, not the terminal.
#[test]
fn piped_output_keeps_the_format_the_flags_say() {
    let r = scan(&[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("\nInputs\n"), "{}", &r.stdout[..r.stdout.len().min(200)]);
    assert!(r.stdout.contains("Verdict: standard_contract"), "{}", r.stdout);
    assert!(serde_json::from_str::<Value>(&r.stdout).is_err());
    assert!(scan(&["--format", "json"]).json().is_object());
}

/// The JSON answers "may this leave?" at the top: complete, blocked, and what it was judged
/// against.
#[test]
fn json_says_whether_the_export_may_leave() {
    let r = scan(&["--format", "json"]).json();
    assert_eq!((r["complete"].as_bool(), r["blocked"].as_bool()), (Some(true), Some(true)));
    assert_eq!((r["procedure"].as_str(), r["fail_at"].as_str()), (Some("none"), Some("standard_contract")));
    assert_eq!(r["verdict"]["level"], "standard_contract");

    let covered = scan(&["--format", "json", "--procedure", "standard_contract"]);
    assert_eq!(covered.code, 0, "{}", covered.stderr);
    let c = covered.json();
    assert_eq!((c["blocked"].as_bool(), c["procedure"].as_str()), (Some(false), Some("standard_contract")));
    assert_eq!(c["fail_at"], "security_assessment");
}

/// `-q`: one line, the verdict and why; `-qq`: nothing at all, the exit code says it.
#[test]
fn quiet_prints_one_line_or_nothing() {
    let q = scan(&["-q"]);
    assert_eq!(q.code, 1);
    assert_eq!(q.stdout.lines().count(), 1, "{}", q.stdout);
    let line = q.stdout.trim_end();
    assert!(
        line.starts_with("standard_contract (blocked: at or above --fail-at standard_contract): art8_sensitive"),
        "{line}"
    );
    assert!(line.contains("Art. 8"), "{line}");
    assert!(q.stderr.is_empty(), "{}", q.stderr);

    let qq = scan(&["-qq"]);
    assert_eq!((qq.code, qq.stdout.as_str(), qq.stderr.as_str()), (1, "", ""));
    let ok = scan(&["-qq", "--procedure", "standard_contract"]);
    assert_eq!((ok.code, ok.stdout.as_str()), (0, ""));
}

/// `--color always` colours even a pipe; `never` and `auto` on a pipe do not; NO_COLOR is the
/// test harness's default and `always` overrides it.
#[test]
fn color_always_never_auto() {
    let esc = |r: &Run| r.stdout.contains('\u{1b}');
    assert!(esc(&scan(&["--color", "always"])));
    assert!(!esc(&scan(&["--color", "never"])));
    assert!(!esc(&scan(&["--color", "auto"])));
    let bad = scan(&["--color", "sometimes"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("always") && bad.stderr.contains("never"), "{}", bad.stderr);
}

/// A flag whose value comes from a fixed set rejects any other value, naming the set.
#[test]
fn fixed_value_sets_are_enforced() {
    let d = samples();
    for args in [
        vec!["detectors", "list", "--format", "xml"],
        vec!["policy", "list", "--format", "csv"],
        vec!["ledger", "verify", "--format", "html"],
        vec!["scan", "x.csv", "--format", "yaml"],
    ] {
        let r = run(&d, &args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stdout);
        assert!(r.stderr.contains("possible values"), "{args:?}: {}", r.stderr);
    }
    let j = run(&d, &["detectors", "list", "--format", "json"]);
    assert_eq!(j.code, 0);
    assert!(j.json().is_array() || j.json().is_object());
}

/// Raw values of the samples' identifier columns: none may appear in SARIF or CSV output.
fn raw_ids() -> Vec<String> {
    let text = std::fs::read_to_string(samples().join("customers.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "id_number").expect("an id_number column");
    lines.take(50).filter_map(|l| l.split(',').nth(col).map(str::to_string)).filter(|v| v.len() == 18).collect()
}

/// SARIF 2.1.0: one result per (column, category) of the report's personal columns, rules are
/// the categories, levels from the class, masked examples only; the verdict rides along.
#[test]
fn sarif_has_one_result_per_finding() {
    let report = scan(&["--format", "json"]).json();
    let r = scan(&["--format", "sarif"]);
    assert_eq!(r.code, 1);
    let s = r.json();
    assert_eq!(s["version"], "2.1.0");
    let run = &s["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "xborder");
    let findings: Vec<(&str, &str, &str)> =
        report["columns"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["class"] != "not_personal")
            .flat_map(|c| {
                c["categories"].as_array().unwrap().iter().map(move |cat| {
                    (c["input"].as_str().unwrap(), c["column"].as_str().unwrap(), cat.as_str().unwrap())
                })
            })
            .collect();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    assert!(results.len() > 20, "the samples hold many findings");
    let rules: Vec<&str> =
        run["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    for (res, (input, column, cat)) in results.iter().zip(&findings) {
        assert_eq!(res["ruleId"], *cat);
        assert!(rules.contains(cat));
        assert_eq!(res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], *input);
        assert_eq!(res["locations"][0]["logicalLocations"][0]["name"], *column);
        let want = match res["properties"]["class"].as_str().unwrap() {
            "sensitive" | "important_candidate" | "core" => "error",
            "personal" => "warning",
            _ => "note",
        };
        assert_eq!(res["level"], want);
    }
    assert_eq!(run["properties"]["verdict"]["level"], "standard_contract");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    for raw in raw_ids() {
        assert!(!r.stdout.contains(&raw), "a raw ID in the SARIF output");
    }
}

/// Findings as CSV: a header and one record per reported column, readable by a CSV reader.
#[test]
fn csv_findings_parse_as_csv() {
    let report = scan(&["--format", "json"]).json();
    let r = scan(&["--format", "csv"]);
    assert_eq!(r.code, 1);
    assert!(r
        .stdout
        .starts_with("input,column,kind,categories,class,confidence,hits,inspected,reason,examples,counts\n"));
    let schema = std::sync::Arc::new(arrow_schema::Schema::new(
        (0..11)
            .map(|i| arrow_schema::Field::new(format!("c{i}"), arrow_schema::DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let reader =
        arrow_csv::ReaderBuilder::new(schema).with_header(true).build(std::io::Cursor::new(r.stdout.clone())).unwrap();
    let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows, report["columns"].as_array().unwrap().len());
    for raw in raw_ids() {
        assert!(!r.stdout.contains(&raw), "a raw ID in the CSV output");
    }
}

/// `xborder.toml` in a parent folder sets what a team sets once; a flag overrides it; an unknown
/// key is an error naming it; `xborder config` says where each value came from.
#[test]
fn config_file_is_found_overridden_and_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::write(
        root.join("xborder.toml"),
        "exporter = \"acme\"\nprocedure = \"standard_contract\"\nledger = \"books/l.db\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("books")).unwrap();
    let sub = root.join("jobs/daily");
    std::fs::create_dir_all(&sub).unwrap();
    let s = samples();
    let data = s.to_str().unwrap();
    let r = run(&sub, &["scan", data, "--as-of", AS_OF, "--format", "json"]);
    assert_eq!(r.code, 0, "the file's procedure covers the verdict: {}", r.stderr);
    let j = r.json();
    assert_eq!(
        (j["procedure"].as_str(), j["year_to_date"]["exporter"].as_str()),
        (Some("standard_contract"), Some("acme"))
    );

    let flag = run(&sub, &["scan", data, "--as-of", AS_OF, "--format", "json", "--procedure", "none"]);
    assert_eq!(flag.code, 1);
    assert_eq!(flag.json()["procedure"], "none");

    let rec = run(&sub, &["scan", data, "--as-of", AS_OF, "-qq", "--record"]);
    assert_eq!(rec.code, 0, "{}", rec.stderr);
    assert!(root.join("books/l.db").is_file(), "the ledger path is relative to the file");

    let shown = run(&sub, &["config"]);
    assert_eq!(shown.code, 0);
    let file = root.join("xborder.toml").display().to_string();
    assert!(shown.stdout.contains(&format!("exporter = \"acme\"  # {file}")), "{}", shown.stdout);
    assert!(shown.stdout.contains("policy = \"cn-national-2024\"  # default"), "{}", shown.stdout);

    std::fs::write(root.join("other.toml"), "exporter = \"x\"\nexproter = \"typo\"\n").unwrap();
    let bad = run(&sub, &["--config", root.join("other.toml").to_str().unwrap(), "scan", data]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("exproter"), "{}", bad.stderr);
}

/// `scan --help` groups its flags and ends with examples; completions and the man page come from
/// the same definitions; `audit --help` does not offer stdin, which audit rejects.
#[test]
fn help_completions_and_man_page() {
    let d = samples();
    let help = run(&d, &["scan", "--help"]).stdout;
    let at = |s: &str| help.find(s).unwrap_or_else(|| panic!("{s:?} missing from scan --help"));
    assert!(at("\nOutput:\n") < at("\nInput:\n") && at("\nInput:\n") < at("\nPolicy and declarations:\n"));
    assert!(at("\nLedger:\n") > 0 && at("\nDetection:\n") > 0);
    assert!(at("--procedure") > at("\nPolicy and declarations:\n"));
    assert!(help.trim_end().ends_with("3 incomplete (never clean)."), "examples close the help");
    assert!(help.contains("Examples:\n  xborder scan exports/ --exporter acme "));

    let audit = run(&d, &["audit", "--help"]).stdout;
    assert!(!audit.contains("stdin") && !audit.contains("`-`"), "{audit}");

    let bash = run(&d, &["completions", "bash"]);
    assert_eq!(bash.code, 0);
    assert!(bash.stdout.contains("_xborder()") && bash.stdout.contains("--procedure"));
    let zsh = run(&d, &["completions", "zsh"]).stdout;
    assert!(zsh.starts_with("#compdef xborder"), "{}", &zsh[..40.min(zsh.len())]);
    let man = run(&d, &["man"]);
    assert_eq!(man.code, 0);
    assert!(man.stdout.contains(".TH xborder 1") && man.stdout.contains(".TH xborder-scan"));
    assert!(man.stdout.contains("procedure"));
}

/// On a terminal, local inputs show a progress line (bytes, rows and person keys with rates) on
/// stderr; piped, nothing of it. `script` gives the run a pseudo-terminal.
#[test]
fn progress_line_on_a_terminal_only() {
    let tmp = tempfile::tempdir().unwrap();
    let mut csv = String::from("mobile,note\n");
    for i in 0..400_000u64 {
        csv.push_str(&format!("139{i:08},order {i} shipped\n"));
    }
    std::fs::write(tmp.path().join("big.csv"), &csv).unwrap();
    let bin = common::bin();
    let cmd = format!("{} scan big.csv --format json -o out.json --threads 1", bin.display());
    let tty = std::process::Command::new("script")
        .current_dir(tmp.path())
        .args(["-qefc", &cmd, "/dev/null"])
        .env("NO_COLOR", "1")
        .output()
        .expect("script (util-linux)");
    let shown = String::from_utf8_lossy(&tty.stdout);
    assert!(shown.contains(" rows (") && shown.contains("MB/s") && shown.contains("person keys"), "{shown}");
    assert!(tmp.path().join("out.json").is_file());
    let piped = run(tmp.path(), &["scan", "big.csv", "--format", "json", "--threads", "1"]);
    assert!(!piped.stderr.contains("MB/s"), "{}", piped.stderr);
    assert_eq!(piped.json()["persons"]["total"], 400_000);
}

/// Display width as a terminal counts it, independently of the renderer: CJK ideographs, kana
/// and full-width forms take two columns.
fn width_of(s: &str) -> usize {
    s.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF => 2,
            0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}

/// The table fits 80 and 120 columns by display width, and Chinese column names do not push
/// the categories out of their column.
#[test]
fn the_table_fits_the_terminal_by_display_width() {
    for width in [80usize, 120] {
        let s = samples();
        let r = common::command(&s, &["scan", s.to_str().unwrap(), "--as-of", AS_OF])
            .env("COLUMNS", width.to_string())
            .output()
            .unwrap();
        let out = String::from_utf8(r.stdout).unwrap();
        let over: Vec<&str> = out.lines().filter(|l| width_of(l) > width).collect();
        assert!(over.is_empty(), "{width} columns: {} lines too wide, e.g. {:?}", over.len(), over.first());
        let header = out.lines().find(|l| l.trim_start().starts_with("column ")).expect("a header");
        let cat_at = width_of(&header[..header.find("categories").unwrap()]);
        let mut chinese = 0;
        for row in out.lines().filter(|l| l.contains("  personal  ") || l.contains("  sensitive  ")) {
            let name = row.trim_start().split("  ").next().unwrap();
            let start = row.find(name).unwrap() + name.len();
            let cat_start = start + row[start..].len() - row[start..].trim_start().len();
            assert_eq!(width_of(&row[..cat_start]), cat_at, "{width} columns: misaligned row {row:?}");
            chinese += name.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) as usize;
        }
        assert!(chinese >= 3, "the samples have Chinese column names");
    }
}

/// `--lang zh`: the HTML report gives levels, classes, categories and citations in Chinese, and
/// the JSON reasons carry the Chinese citation beside the English one.
#[test]
fn chinese_reports_cite_in_chinese() {
    let html = scan(&["--format", "html", "--lang", "zh"]);
    assert_eq!(html.code, 1);
    let h = &html.stdout;
    assert!(h.contains("<cite>《促进和规范数据跨境流动规定》第八条</cite>"), "the citation in Chinese");
    assert!(h.contains("标准合同或个人信息保护认证"), "the level in words");
    assert!(h.contains("居民身份证号（resident_id）") && h.contains("手机号码（phone）"), "categories in Chinese");
    assert!(h.contains("<td>个人信息</td>"), "classes in Chinese");
    assert!(!h.contains("<cite>Provisions Art. 8</cite>"));
    let en = scan(&["--format", "html"]).stdout;
    assert!(en.contains("<cite>Provisions Art. 8</cite>") && !en.contains("第八条"));
    let j = scan(&["--format", "json"]).json();
    let r = &j["verdict"]["reasons"][0];
    assert_eq!(
        (r["cite"].as_str(), r["cite_zh"].as_str()),
        (Some("Provisions Art. 8"), Some("《促进和规范数据跨境流动规定》第八条"))
    );
}
