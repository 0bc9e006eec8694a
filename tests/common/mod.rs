//! Shared fixtures: deterministic synthetic records written as CSV, NDJSON, JSON array and
//! Parquet (and compressed), and a runner for the real binary.
#![allow(dead_code)]

pub mod moto;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray};

pub const AS_OF: &str = "2026-11-28";

/// A tiny deterministic generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

pub fn id_check(body: &str) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let s: u32 = body.bytes().zip(W).map(|(c, w)| (c - b'0') as u32 * w).sum();
    b"10X98765432"[(s % 11) as usize] as char
}

pub fn luhn_digit(body: &str) -> char {
    let mut sum = 0;
    for (i, c) in body.bytes().rev().enumerate() {
        let mut d = (c - b'0') as u32;
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// A person of the fixture pool.
#[derive(Clone, Debug)]
pub struct Person {
    pub name: String,
    pub id: String,
    pub phone: String,
    pub email: String,
    pub card: String,
}

pub fn person(k: u64) -> Person {
    let mut r = Rng::new(k * 7919 + 13);
    let surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"];
    let given = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋"];
    let areas = ["110101", "310115", "440305", "330106", "510104"];
    let y = 1950 + r.below(60);
    let body = format!("{}{:04}{:02}{:02}{:03}", r.pick(&areas), y, 1 + r.below(12), 1 + r.below(28), r.below(1000));
    let id = format!("{body}{}", id_check(&body));
    let card_body = format!("622848{:012}", r.below(1_000_000_000_000));
    Person {
        name: format!("{}{}", r.pick(&surnames), r.pick(&given)),
        id,
        phone: format!("13{}{:08}", 5 + r.below(5), k * 37 + 1000),
        email: format!("user{k}@example.com"),
        card: format!("{card_body}{}", luhn_digit(&card_body)),
    }
}

pub const COLUMNS: [&str; 8] = ["name", "id_number", "mobile", "email", "bank_card", "note", "order_no", "amount"];

/// `n` rows over a pool of `pool` persons; notes sometimes name another person's phone.
pub fn rows(n: usize, pool: u64, seed: u64) -> Vec<Vec<String>> {
    let mut r = Rng::new(seed);
    (0..n)
        .map(|i| {
            let p = person(r.below(pool));
            let other = person(pool + r.below(pool));
            let note = match r.below(4) {
                0 => format!("客户要求改用备用手机{}联系", other.phone),
                1 => "订单已发货，预计三日内送达".to_string(),
                2 => String::new(),
                _ => format!("invoice sent to {}, cc finance", other.email),
            };
            let phone = if i % 5 == 0 {
                format!("+86 {} {} {}", &p.phone[..3], &p.phone[3..7], &p.phone[7..])
            } else {
                p.phone.clone()
            };
            vec![
                p.name,
                p.id,
                phone,
                p.email,
                p.card,
                note,
                format!("SO2024{:010}", r.below(10_000_000_000)),
                format!("{}.{:02}", r.below(5000), r.below(100)),
            ]
        })
        .collect()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub fn to_csv(rows: &[Vec<String>], delim: &str, eol: &str) -> String {
    let mut s = COLUMNS.join(delim) + eol;
    for r in rows {
        s.push_str(&r.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(delim));
        s.push_str(eol);
    }
    s
}

fn obj(r: &[String]) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for (k, v) in COLUMNS.iter().zip(r) {
        // CSV reads an empty field as null; JSON says so explicitly.
        m.insert(k.to_string(), if v.is_empty() { serde_json::Value::Null } else { v.clone().into() });
    }
    serde_json::Value::Object(m)
}

pub fn to_ndjson(rows: &[Vec<String>]) -> String {
    rows.iter().map(|r| obj(r).to_string() + "\n").collect()
}

pub fn to_json_array(rows: &[Vec<String>]) -> String {
    serde_json::to_string_pretty(&rows.iter().map(|r| obj(r)).collect::<Vec<_>>()).unwrap()
}

pub fn to_batch(rows: &[Vec<String>]) -> RecordBatch {
    let cols: Vec<(&str, ArrayRef)> = COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let vals: Vec<Option<&str>> =
                rows.iter().map(|r| if r[i].is_empty() { None } else { Some(r[i].as_str()) }).collect();
            (*c, Arc::new(StringArray::from(vals)) as ArrayRef)
        })
        .collect();
    RecordBatch::try_from_iter(cols).unwrap()
}

pub fn write_parquet(path: &Path, batch: &RecordBatch, row_group: usize) {
    let f = std::fs::File::create(path).unwrap();
    let props =
        parquet::file::properties::WriterProperties::builder().set_max_row_group_row_count(Some(row_group)).build();
    let mut w = parquet::arrow::ArrowWriter::try_new(f, batch.schema(), Some(props)).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(data, 3).unwrap()
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_xborder"))
}

/// The binary run in `dir` with `args`, without the caller's key and ledger variables, without
/// colour.
pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.current_dir(dir).args(args).env_remove("XBORDER_KEY").env_remove("XBORDER_LEDGER").env("NO_COLOR", "1");
    c
}

/// What a run of the binary returned and printed.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Stdout as JSON (the test fails with both streams shown when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", self.stdout, self.stderr))
    }
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().expect("exit code"),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Run `xborder scan ARGS… --format json --as-of AS_OF --fail-at prohibited`: these tests are
/// about reading and counting, so only an incomplete scan (3) or prohibited data changes the
/// exit code; verdict exit codes are tested in `scan_verdict.rs`.
pub fn scan(args: &[&str]) -> (serde_json::Value, Output) {
    let out = Command::new(bin())
        .arg("scan")
        .args(args)
        .args(["--format", "json", "--as-of", AS_OF, "--fail-at", "prohibited"])
        .output()
        .expect("run xborder");
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); code {:?}\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, out)
}

/// The parts of a report that must not depend on format, batch size or threads.
pub fn essence(r: &serde_json::Value) -> serde_json::Value {
    let mut cols: Vec<serde_json::Value> = r["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let mut c = c.clone();
            c.as_object_mut().unwrap().remove("input");
            c
        })
        .collect();
    cols.sort_by_key(|c| c["column"].as_str().unwrap_or("").to_string());
    let rows: u64 = r["inputs"].as_array().unwrap().iter().map(|i| i["rows"].as_u64().unwrap()).sum();
    serde_json::json!({ "columns": cols, "persons": r["persons"], "rows": rows, "important_data": r["important_data"] })
}

/// Environment variable telling a child test (an `#[ignore]`d test of the same binary that
/// [`child_test`] runs) where to work.
pub const CHILD_ENV: &str = "XBORDER_TEST_CHILD";

/// Run the ignored test `name` of this test binary as a child process with `XBORDER_TEST_CHILD`
/// set to `arg`: a test that must kill a process at a chosen point drives the library there
/// itself, with no hook in the shipping code.
pub fn child_test(name: &str, arg: &str) -> Command {
    let mut c = Command::new(std::env::current_exe().expect("the test binary"));
    c.args(["--ignored", "--exact", name, "--nocapture", "--test-threads", "1"])
        .env(CHILD_ENV, arg)
        .env_remove("XBORDER_KEY")
        .env_remove("XBORDER_LEDGER");
    c
}

/// `XBORDER_TEST_CHILD` in a child test; a child test run by hand fails saying who runs it.
pub fn child_arg(parent: &str) -> String {
    std::env::var(CHILD_ENV).unwrap_or_else(|_| panic!("a child process of {parent}, which runs it"))
}
