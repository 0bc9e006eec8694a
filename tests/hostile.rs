//! Fail closed (issue 13): every class of hostile input that once crashed, hung, read as "clean"
//! or leaked a value. Each test builds its hostile file (or takes it from `tests/hostile/`), scans
//! it beside a good file, and asserts the facts: exit code 3, the file and the place in the
//! message, bounded time and memory, no planted raw value in any output, and the good input still
//! reported.

mod common;

use common::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Address space a scan may use: a hostile input must not make it allocate more.
const MEMORY_LIMIT: u64 = 2 << 30;
/// Time a scan of these small inputs may take.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// The binary on `args` (with `scan`'s usual flags) under a 2 GiB address-space limit and a
/// time limit; the report, the output and the time taken.
fn scan_limited(args: &[&str], stdin: Option<Vec<u8>>) -> (serde_json::Value, Output, Duration) {
    let mut c = Command::new(bin());
    c.arg("scan").args(args).args(["--format", "json", "--as-of", AS_OF, "--fail-at", "prohibited"]);
    c.env_remove("XBORDER_KEY").env_remove("XBORDER_LEDGER");
    limit_memory(&mut c);
    c.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() }).stdout(Stdio::piped()).stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = c.spawn().expect("run xborder");
    if let Some(data) = stdin {
        let mut w = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            let _ = w.write_all(&data);
        });
    }
    let out = wait_limited(child, start);
    let took = start.elapsed();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); code {:?}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, out, took)
}

fn limit_memory(c: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe; the closure touches nothing else of the parent.
    unsafe {
        c.pre_exec(|| {
            let lim = libc::rlimit { rlim_cur: MEMORY_LIMIT as libc::rlim_t, rlim_max: MEMORY_LIMIT as libc::rlim_t };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Wait for `child`, killing it (and failing) after [`TIME_LIMIT`]. Output is read by threads,
/// so a full pipe cannot stall the child.
fn wait_limited(mut child: std::process::Child, start: Instant) -> Output {
    use std::io::Read;
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t1 = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = so.read_to_end(&mut b);
        b
    });
    let t2 = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = se.read_to_end(&mut b);
        b
    });
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the scan ran longer than {TIME_LIMIT:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output { status, stdout: t1.join().unwrap(), stderr: t2.join().unwrap() }
}

/// The invariants of a hostile input scanned beside `good`: exit 3, no panic, no raw value in
/// stdout or stderr, the good input complete with its rows; returns the hostile input's first
/// error, which names its file.
fn check_hostile(r: &serde_json::Value, out: &Output, bad: &str, good: Option<(&str, u64)>, raw: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "exit code; stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr);
    for v in raw {
        assert!(!all.contains(v), "raw value {v:?} leaked into the output");
    }
    if let Some((name, rows)) = good {
        let g = input(r, name);
        assert_eq!(g["complete"], true, "{name}");
        assert_eq!(g["rows"], rows, "{name}");
    }
    let i = input(r, bad);
    assert_eq!(i["complete"], false, "{bad} should be incomplete");
    let e = i["errors"][0].as_str().expect("an error message").to_string();
    assert!(e.contains(bad), "the error names the file: {e}");
    assert!(stderr.contains(&e), "stderr repeats the error: {stderr}");
    e
}

fn input<'a>(r: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    r["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"].as_str().unwrap().ends_with(name))
        .unwrap_or_else(|| panic!("{name} not in the report: {r}"))
}

/// A good CSV of 40 rows beside the hostile input.
fn good_csv(dir: &Path) -> PathBuf {
    let p = dir.join("good.csv");
    std::fs::write(&p, to_csv(&rows(40, 30, 77), ",", "\n")).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A Parquet file of `rows`, its bytes, and where its footer (`FileMetaData`) starts.
fn parquet_bytes(dir: &Path, rows: &[Vec<String>]) -> (Vec<u8>, usize) {
    let p = dir.join("src.parquet");
    write_parquet(&p, &to_batch(rows), 50);
    let bytes = std::fs::read(&p).unwrap();
    let n = bytes.len();
    let footer = u32::from_le_bytes(bytes[n - 8..n - 4].try_into().unwrap()) as usize;
    (bytes, n - 8 - footer)
}

/// Replace the footer of a Parquet file by `meta` (its length and magic rewritten).
fn with_footer(bytes: &[u8], footer_start: usize, meta: &[u8]) -> Vec<u8> {
    let mut out = bytes[..footer_start].to_vec();
    out.extend_from_slice(meta);
    out.extend_from_slice(&(meta.len() as u32).to_le_bytes());
    out.extend_from_slice(b"PAR1");
    out
}

/// A Parquet file whose root schema element claims 2^30 children (parquet would reserve 8 GiB).
fn children_parquet(dir: &Path, rows: &[Vec<String>]) -> Vec<u8> {
    let (bytes, start) = parquet_bytes(dir, rows);
    // The root SchemaElement: name (field 4, binary) then num_children (field 5, i32 zigzag
    // varint 8 = 0x10). Claim 2^30 instead: zigzag 2^31 as a varint.
    let meta = &bytes[start..bytes.len() - 8];
    let at = meta.windows(14).position(|w| w == b"arrow_schema\x15\x10").expect("the root element") + 13;
    let mut patched = meta[..at].to_vec();
    patched.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x08]);
    patched.extend_from_slice(&meta[at + 1..]);
    with_footer(&bytes, start, &patched)
}

/// A Parquet file whose column chunks claim negative compressed sizes (parquet panicked).
fn negative_parquet(dir: &Path, rows: &[Vec<String>]) -> Vec<u8> {
    use parquet::file::metadata::{ParquetMetaDataReader, ParquetMetaDataWriter};
    let (bytes, start) = parquet_bytes(dir, rows);
    let meta =
        ParquetMetaDataReader::new().parse_and_finish(&std::fs::File::open(dir.join("src.parquet")).unwrap()).unwrap();
    let groups = meta
        .row_groups()
        .iter()
        .map(|rg| {
            let cols = rg
                .columns()
                .iter()
                .map(|c| c.clone().into_builder().set_total_compressed_size(-4096).build().unwrap())
                .collect();
            rg.clone().into_builder().set_column_metadata(cols).build().unwrap()
        })
        .collect();
    let meta = meta.into_builder().set_row_groups(groups).build();
    let mut footer = Vec::new();
    ParquetMetaDataWriter::new(&mut footer, &meta).finish().unwrap();
    let mut file = bytes[..start].to_vec();
    file.extend_from_slice(&footer);
    file
}

/// A CSV whose header opens a quote that never closes: the rest would be one header field.
fn header_quote_csv(rows: &[Vec<String>]) -> String {
    let mut text = String::from("name,\"id_number,mobile\n");
    for r in rows {
        text.push_str(&format!("{},{},{}\n", r[0], r[1], r[2]));
    }
    text
}

/// A CSV header of `n` columns all named `a`, and one record.
fn wide_csv(n: usize) -> String {
    let mut text = vec!["a"; n].join(",");
    text.push('\n');
    text.push_str(&vec!["1"; n].join(","));
    text.push('\n');
    text
}

#[test]
fn parquet_root_claiming_2_30_children_is_refused_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let good = good_csv(dir.path());
    let rows = rows(200, 100, 5);
    let bad = dir.path().join("children.parquet");
    std::fs::write(&bad, children_parquet(dir.path(), &rows)).unwrap();
    let (r, out, took) = scan_limited(&[s(&bad), s(&good)], None);
    let e = check_hostile(&r, &out, "children.parquet", Some(("good.csv", 40)), &[&rows[0][1]]);
    assert!(e.contains("footer") && e.contains("claims 1073741824 children"), "{e}");
    assert!(took < TIME_LIMIT);
}

#[test]
fn parquet_with_negative_column_chunk_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let good = good_csv(dir.path());
    let rows = rows(200, 100, 6);
    let bad = dir.path().join("negative.parquet");
    std::fs::write(&bad, negative_parquet(dir.path(), &rows)).unwrap();
    let (r, out, _) = scan_limited(&[s(&good), s(&bad)], None);
    let e = check_hostile(&r, &out, "negative.parquet", Some(("good.csv", 40)), &[&rows[0][1]]);
    assert!(e.contains("footer") && e.contains("negative"), "{e}");
}

/// A small Parquet file and the byte range of its embedded Arrow schema (`ARROW:schema`, base64 in
/// a footer key-value pair).
fn arrow_schema_range(dir: &Path, rows: &[Vec<String>]) -> (Vec<u8>, std::ops::Range<usize>) {
    let (bytes, start) = parquet_bytes(dir, rows);
    let key = bytes[start..].windows(12).position(|w| w == b"ARROW:schema").expect("an embedded schema") + start;
    // The value follows the key: field 2 (binary, header 0x18), a varint length, the base64 text.
    assert_eq!(bytes[key + 12], 0x18);
    let (mut len, mut i, mut shift) = (0usize, key + 13, 0);
    loop {
        len |= ((bytes[i] & 0x7f) as usize) << shift;
        shift += 7;
        i += 1;
        if bytes[i - 1] & 0x80 == 0 {
            break;
        }
    }
    assert!(len > 100 && bytes[i..i + len].iter().all(|b| b.is_ascii_graphic()), "the base64 value was found");
    (bytes, i..i + len)
}

/// Read a file through the library: rows and every error.
fn read_file(p: &Path) -> (usize, Vec<String>) {
    use xborder::source::{Input, Source, SourceOptions};
    let mut errors = Vec::new();
    let mut rows_read = 0;
    match Source::open(&Input::Path(p.to_path_buf()), &SourceOptions::default()) {
        Ok(mut src) => {
            for b in src.by_ref() {
                match b {
                    Ok(b) => rows_read += b.num_rows(),
                    Err(e) => errors.push(e.to_string()),
                }
            }
            errors.extend(src.soft_errors().iter().map(|e| e.to_string()));
        }
        Err(e) => errors.push(e.to_string()),
    }
    (rows_read, errors)
}

/// Every one-bit flip of the embedded Arrow schema: the file is read by its Parquet types with
/// the damage reported, or refused with a located error; never a panic (arrow-ipc panics on
/// unknown type ids). In-process, through the library. Returns the first flip that made the
/// decoder panic.
fn flip_arrow_schema(dir: &Path) -> Option<Vec<u8>> {
    let rows = rows(20, 20, 9);
    let (bytes, range) = arrow_schema_range(dir, &rows);
    let p = dir.join("flip.parquet");
    let (mut read_by_parquet_types, mut refused, mut first_panic) = (0, 0, None);
    for at in range {
        for bit in 0..8 {
            let mut b = bytes.clone();
            b[at] ^= 1 << bit;
            std::fs::write(&p, &b).unwrap();
            let (rows_read, errors) = read_file(&p);
            for e in &errors {
                assert!(e.starts_with(s(&p)), "{e}");
                assert!(!e.contains(&rows[0][1]), "{e}");
            }
            if errors.iter().any(|e| e.contains("ARROW:schema")) {
                assert_eq!(rows_read, 20, "read by the Parquet types");
                read_by_parquet_types += 1;
                if first_panic.is_none() && errors.iter().any(|e| e.contains("the decoder failed")) {
                    first_panic = Some(b);
                }
            } else if !errors.is_empty() {
                refused += 1;
            }
        }
    }
    assert!(read_by_parquet_types > 0, "{read_by_parquet_types} read, {refused} refused");
    first_panic
}

#[test]
fn every_bit_flip_of_the_embedded_arrow_schema_fails_closed() {
    let dir = tempfile::tempdir().unwrap();
    assert!(flip_arrow_schema(dir.path()).is_some(), "some flip reaches arrow-ipc's panics");
}

/// The checked-in corpus (`tests/hostile/`) that these tests generate: `cargo test --test hostile
/// -- --ignored regenerate_corpus`.
#[test]
#[ignore]
fn regenerate_corpus() {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile");
    std::fs::create_dir_all(&out).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rows = rows(30, 30, 23);
    let csv = to_csv(&rows, ",", "\n");
    let mut gz = gzip(csv.as_bytes());
    gz.truncate(gz.len() / 2);
    let mut zst = zstd(csv.as_bytes());
    let at = zst.len() / 2;
    zst[at..at + 16].iter_mut().for_each(|b| *b ^= 0x5a);
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("arrow_schema_type.parquet", flip_arrow_schema(d).unwrap()),
        ("children.parquet", children_parquet(d, &rows)),
        ("negative_sizes.parquet", negative_parquet(d, &rows)),
        ("header_quote.csv", header_quote_csv(&rows).into_bytes()),
        ("wide_header.csv", wide_csv(12_000).into_bytes()),
        ("bom_only.csv", b"\xef\xbb\xbf".to_vec()),
        ("blank_lines.csv", b"\n\r\n  \n".to_vec()),
        ("truncated.csv.gz", gz),
        ("corrupt.csv.zst", zst),
        ("json_syntax.ndjson", b"{\"a\": \"1\"}\n{\"a\": tru}\n".to_vec()),
        ("binary.csv", (0..=255u8).cycle().take(2048).collect()),
    ];
    for (name, bytes) in files {
        std::fs::write(out.join(name), bytes).unwrap();
    }
}

/// The checked-in corpus, all in one run beside a good file: each of its files is an incomplete
/// input with an error naming it, and the good file is read whole.
#[test]
fn every_corpus_file_fails_closed_in_one_run() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&corpus).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 11, "{files:?}");
    let dir = tempfile::tempdir().unwrap();
    let good = good_csv(dir.path());
    let mut args: Vec<&str> = files.iter().map(|p| s(p)).collect();
    args.push(s(&good));
    let (r, out, _) = scan_limited(&args, None);
    for p in &files {
        let name = p.file_name().unwrap().to_str().unwrap();
        check_hostile(&r, &out, name, Some(("good.csv", 40)), &[]);
    }
}

#[test]
fn a_decoder_panic_on_a_damaged_arrow_schema_is_the_inputs_error() {
    // From the corpus: a one-bit flip that makes arrow-ipc panic ("not implemented: Type …").
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile/arrow_schema_type.parquet");
    let dir = tempfile::tempdir().unwrap();
    let good = good_csv(dir.path());
    let (r, out, _) = scan_limited(&[s(&corpus), s(&good)], None);
    let e = check_hostile(&r, &out, "arrow_schema_type.parquet", Some(("good.csv", 40)), &[]);
    assert!(e.contains("ARROW:schema") && e.contains("the decoder failed"), "{e}");
    // Its rows were still read, by their Parquet types.
    assert_eq!(input(&r, "arrow_schema_type.parquet")["rows"], 20);
}

#[test]
fn a_header_of_200000_columns_is_refused_fast() {
    let dir = tempfile::tempdir().unwrap();
    let good = good_csv(dir.path());
    let bad = dir.path().join("wide.csv");
    std::fs::write(&bad, wide_csv(200_000)).unwrap();
    let (r, out, took) = scan_limited(&[s(&bad), s(&good)], None);
    let e = check_hostile(&r, &out, "wide.csv", Some(("good.csv", 40)), &[]);
    assert!(e.contains("200000 columns") && e.contains("limit of 10000") && e.contains("row 0"), "{e}");
    assert!(took < Duration::from_secs(20), "{took:?}");
}

#[test]
fn many_duplicate_column_names_are_named_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("dups.csv");
    let n = 9_000;
    let mut text = vec!["a"; n].join(",");
    text.push('\n');
    for _ in 0..3 {
        text.push_str(&vec!["x"; n].join(","));
        text.push('\n');
    }
    std::fs::write(&p, text).unwrap();
    let start = Instant::now();
    let (r, out, _) = scan_limited(&[s(&p)], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(r["inputs"][0]["rows"], 3);
    assert!(start.elapsed() < Duration::from_secs(30), "{:?}", start.elapsed());
}

#[test]
fn a_header_quote_that_never_closes_is_not_clean() {
    let dir = tempfile::tempdir().unwrap();
    let good = good_csv(dir.path());
    let bad = dir.path().join("quote.csv");
    let rows = rows(5263, 3000, 13);
    std::fs::write(&bad, header_quote_csv(&rows)).unwrap();
    let (r, out, _) = scan_limited(&[s(&bad), s(&good)], None);
    let e = check_hostile(&r, &out, "quote.csv", Some(("good.csv", 40)), &[&rows[0][1], &rows[5262][2]]);
    assert!(e.contains("header row") && e.contains("line 1") && e.contains("byte offset 5"), "{e}");
}

#[test]
fn a_quote_inside_a_header_field_is_text() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("stray.csv");
    let rows = rows(300, 200, 14);
    let mut text = String::from("name,id\\\"number,mobile\n");
    for r in &rows {
        text.push_str(&format!("{},{},{}\n", r[0], r[1], r[2]));
    }
    std::fs::write(&p, text).unwrap();
    let (r, out, _) = scan_limited(&[s(&p)], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(r["inputs"][0]["rows"], 300);
    let cols: Vec<&str> = r["columns"].as_array().unwrap().iter().map(|c| c["column"].as_str().unwrap()).collect();
    assert!(cols.contains(&"id\\\"number"), "{cols:?}");
}

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid C string; mkfifo only creates a file.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// A writer thread for a FIFO: opens it (blocking until the scan opens it too), writes, closes.
fn feed_fifo(p: &Path, data: Vec<u8>) -> std::thread::JoinHandle<()> {
    let p = p.to_path_buf();
    std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
        let _ = f.write_all(&data);
    })
}

#[test]
fn named_pipes_are_read_once_from_their_first_byte() {
    let dir = tempfile::tempdir().unwrap();
    let rows = rows(500, 400, 15);
    for (name, data) in [
        ("pipe.ndjson", to_ndjson(&rows).into_bytes()),
        ("pipe.csv", to_csv(&rows, ",", "\n").into_bytes()),
        ("pipe.csv.gz", gzip(to_csv(&rows, ",", "\n").as_bytes())),
    ] {
        let p = dir.path().join(name);
        mkfifo(&p);
        let writer = feed_fifo(&p, data.clone());
        let (r, out, _) = scan_limited(&[s(&p)], None);
        writer.join().unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(r["inputs"][0]["rows"], 500, "{name}");
        // The first record's key was read: the first bytes were not lost to sniffing.
        let want = scan(&[s(&{
            let f = dir.path().join(format!("file-{name}"));
            std::fs::write(&f, &data).unwrap();
            f
        })])
        .0;
        assert_eq!(r["persons"]["total"], want["persons"]["total"], "{name}");
    }
}

#[test]
fn parquet_through_a_pipe_is_spooled() {
    let dir = tempfile::tempdir().unwrap();
    let rows = rows(300, 200, 16);
    let src = dir.path().join("p.parquet");
    write_parquet(&src, &to_batch(&rows), 100);
    let p = dir.path().join("pipe.parquet");
    mkfifo(&p);
    let writer = feed_fifo(&p, std::fs::read(&src).unwrap());
    let (r, out, _) = scan_limited(&[s(&p)], None);
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(r["inputs"][0]["rows"], 300);
}

#[test]
fn process_substitution_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let rows = rows(250, 200, 17);
    let gz = dir.path().join("export.csv.gz");
    std::fs::write(&gz, gzip(to_csv(&rows, ",", "\n").as_bytes())).unwrap();
    let script = format!(
        "exec {} scan <(zcat {}) --format json --as-of {AS_OF} --fail-at prohibited",
        bin().display(),
        gz.display()
    );
    let mut c = Command::new("bash");
    c.args(["-c", &script]).stdout(Stdio::piped()).stderr(Stdio::piped()).stdin(Stdio::null());
    let out = wait_limited(c.spawn().unwrap(), Instant::now());
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(r["inputs"][0]["rows"], 250);
}

#[test]
fn nothing_read_is_never_clean() {
    let dir = tempfile::tempdir().unwrap();
    let good = good_csv(dir.path());
    let empty = dir.path().join("empty_dir");
    std::fs::create_dir(&empty).unwrap();
    let docs = dir.path().join("docs");
    std::fs::create_dir(&docs).unwrap();
    std::fs::write(docs.join("README.md"), "13812345678\n").unwrap();
    std::fs::write(docs.join("export.xlsx"), "not read").unwrap();
    // A directory without data files, one with only unknown extensions, a typo'd pattern.
    let typo = format!("{}/*.cvs", dir.path().display());
    let (r, out, _) = scan_limited(&[s(&empty), s(&docs), &typo, s(&good)], None);
    let e = check_hostile(&r, &out, "empty_dir", Some(("good.csv", 40)), &["13812345678"]);
    assert!(e.contains("no data file"), "{e}");
    let e = input(&r, "docs")["errors"][0].as_str().unwrap().to_string();
    assert!(e.contains("no data file") && e.contains("2 file(s) skipped"), "{e}");
    assert!(input(&r, "*.cvs")["errors"][0].as_str().unwrap().contains("no data file matches"));
    // What was skipped, and why, is said.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("skipped") && stderr.contains("README.md") && stderr.contains("export.xlsx"), "{stderr}");
    // Alone, an empty directory is exit 3 too.
    let (_, out, _) = scan_limited(&[s(&empty)], None);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn empty_bom_only_and_blank_only_files_follow_one_rule() {
    let dir = tempfile::tempdir().unwrap();
    let good = good_csv(dir.path());
    for (name, bytes) in [
        ("empty.csv", &b""[..]),
        ("bom.csv", &b"\xef\xbb\xbf"[..]),
        ("blank.csv", &b"\n\r\n  \n\n"[..]),
        ("bom_blank.json", &b"\xef\xbb\xbf\n\n"[..]),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let (r, out, _) = scan_limited(&[s(&p), s(&good)], None);
        let e = check_hostile(&r, &out, name, Some(("good.csv", 40)), &[]);
        assert!(e.contains("no header row and no records") && e.contains("byte offset"), "{name}: {e}");
    }
}

#[test]
fn a_forced_encoding_that_decodes_to_nothing_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("utf8.csv");
    let rows = rows(100, 80, 18);
    std::fs::write(&p, to_csv(&rows, ",", "\n")).unwrap();
    let (r, out, _) = scan_limited(&[s(&p), "--encoding", "utf-16le"], None);
    let e = check_hostile(&r, &out, "utf8.csv", None, &[&rows[0][1]]);
    assert!(e.contains("does not read as utf-16le") && e.contains("byte offset 0"), "{e}");
}

#[test]
fn a_json_type_conflict_does_not_print_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let good = good_csv(dir.path());
    let p = dir.path().join("conflict.ndjson");
    let mut text = String::new();
    for i in 0..20 {
        text.push_str(&format!("{{\"owner\": {{\"phone\": \"1381234{:04}\"}}}}\n", i));
    }
    // Past the records the schema was inferred from: a number where an object was.
    let mut filler = String::new();
    while filler.len() < (2 << 20) {
        filler.push_str("{\"owner\": {\"phone\": null}}\n");
    }
    text.push_str(&filler);
    text.push_str("{\"owner\": 330106198104182125}\n");
    std::fs::write(&p, text).unwrap();
    let (r, out, _) = scan_limited(&[s(&p), s(&good)], None);
    check_hostile(&r, &out, "conflict.ndjson", Some(("good.csv", 40)), &["330106198104182125", "3301061981"]);
}

#[test]
fn a_csv_without_a_header_row_is_read_as_data_with_numbered_columns() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("noheader.csv");
    let rows = rows(60, 50, 19);
    let text: String = rows.iter().map(|r| format!("{},{},{}\n", r[0], r[1], r[2])).collect();
    std::fs::write(&p, text).unwrap();
    let (r, out, _) = scan_limited(&[s(&p)], None);
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    for v in [&rows[0][0], &rows[0][1], &rows[0][2]] {
        assert!(!all.contains(v.as_str()), "the first record {v:?} leaked as a column name");
    }
    assert_eq!(r["inputs"][0]["rows"], 60, "the first record is a row");
    let cols: Vec<&str> = r["columns"].as_array().unwrap().iter().map(|c| c["column"].as_str().unwrap()).collect();
    assert!(cols.contains(&"column_2") && cols.contains(&"column_3"), "{cols:?}");
}

#[test]
fn a_column_name_that_is_an_identifier_is_masked() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("oddname.csv");
    let rows = rows(30, 30, 20);
    // The name validates as a phone; the values below it are e-mail addresses, not phones.
    let mut text = String::from("13812345678,name,id_number\n");
    for r in &rows {
        text.push_str(&format!("{},{},{}\n", r[3], r[0], r[1]));
    }
    std::fs::write(&p, text).unwrap();
    for format in ["json", "human", "html"] {
        let mut c = command(dir.path(), &["scan", s(&p), "--format", format, "--as-of", AS_OF]);
        let out = c.output().unwrap();
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!all.contains("13812345678"), "{format}: the name leaked");
        if format == "json" {
            let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(r["inputs"][0]["rows"], 30);
            assert!(all.contains("138****5678"), "{all}");
        }
    }
}

#[test]
fn control_characters_in_file_names_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let name = "evil\x1b[2J\x07\u{202e}.csv";
    let p = dir.path().join(name);
    std::fs::write(&p, "a,b\n1,\"open\n").unwrap();
    let out = command(dir.path(), &["scan", s(&p), "--format", "human", "--as-of", AS_OF]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    for stream in [&out.stdout, &out.stderr] {
        let t = String::from_utf8_lossy(stream);
        assert!(!t.contains('\x1b') && !t.contains('\x07') && !t.contains('\u{202e}'), "{t:?}");
    }
    assert!(String::from_utf8_lossy(&out.stderr).contains("evil\\x1b[2J\\x07\\u{202e}.csv"));
}

#[test]
fn corrupt_gzip_and_zstd_name_the_compressed_offset() {
    let dir = tempfile::tempdir().unwrap();
    let good = good_csv(dir.path());
    let rows = rows(3000, 1000, 21);
    let text = to_csv(&rows, ",", "\n");
    for (name, mut bytes) in [("c.csv.gz", gzip(text.as_bytes())), ("c.csv.zst", zstd(text.as_bytes()))] {
        let at = bytes.len() / 2;
        for b in &mut bytes[at..at + 64] {
            *b ^= 0x5a;
        }
        let p = dir.path().join(name);
        std::fs::write(&p, &bytes).unwrap();
        let (r, out, _) = scan_limited(&[s(&p), s(&good)], None);
        let e = check_hostile(&r, &out, name, Some(("good.csv", 40)), &[]);
        assert!(e.contains("compressed byte offset") && e.contains("corrupt"), "{name}: {e}");
        // Truncated: the offset is where the data ended.
        let cut = &bytes[..at];
        std::fs::write(&p, cut).unwrap();
        let (r, out, _) = scan_limited(&[s(&p), s(&good)], None);
        let e = check_hostile(&r, &out, name, Some(("good.csv", 40)), &[]);
        assert!(e.contains("compressed byte offset"), "{name}: {e}");
    }
}

#[test]
fn a_json_syntax_error_deep_in_the_file_names_its_offset() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("deep_error.ndjson");
    let mut text = String::new();
    for i in 0..5000 {
        text.push_str(&format!("{{\"phone\": \"1391234{:04}\", \"n\": \"{i}\"}}\n", i % 10_000));
    }
    let at = text.len();
    text.push_str("{\"phone\": \"13912340000\", \"n\": tru}\n");
    for _ in 0..10 {
        text.push_str("{\"phone\": \"13912349999\"}\n");
    }
    std::fs::write(&p, &text).unwrap();
    let (r, out, _) = scan_limited(&[s(&p)], None);
    let e = check_hostile(&r, &out, "deep_error.ndjson", None, &["13912340000"]);
    let offset: u64 = e.split("byte offset ").nth(1).unwrap().trim_end_matches(')').parse().unwrap();
    assert!(offset > at as u64 && offset < at as u64 + 40, "error at {offset}, the bad record starts at {at}: {e}");
}

#[test]
fn a_symlink_loop_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let good = good_csv(dir.path());
    let a = dir.path().join("loop_a.csv");
    let b = dir.path().join("loop_b.csv");
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    let (r, out, _) = scan_limited(&[s(&a), s(&good)], None);
    let e = check_hostile(&r, &out, "loop_a.csv", Some(("good.csv", 40)), &[]);
    assert!(e.contains("symbolic link loop"), "{e}");
}

#[test]
fn invalid_gbk_bytes_are_reported_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("gbk.csv");
    let text = "姓名,手机号\n张三,13812345678\n李四,13912345678\n".repeat(50);
    let mut b = encoding_rs::GBK.encode(&text).0.into_owned();
    let at = b.len() / 2;
    b.splice(at..at, [0x81, 0x20]);
    std::fs::write(&p, &b).unwrap();
    let (r, out, _) = scan_limited(&[s(&p)], None);
    let e = check_hostile(&r, &out, "gbk.csv", None, &["13812345678"]);
    assert!(e.contains("invalid gb18030 bytes"), "{e}");
}

#[test]
fn parquet_on_stdin_beyond_the_spool_limit_is_refused() {
    use std::io::Read;
    use xborder::source::{Source, SourceOptions};
    // A stream that claims to be Parquet and does not end soon (a decompression bomb's shape).
    let stream = std::io::Read::chain(&b"PAR1"[..], std::io::repeat(0).take(64 << 20));
    let opts = SourceOptions { max_spool_bytes: 8 << 20, ..SourceOptions::default() };
    let start = Instant::now();
    let e = Source::from_reader("-", stream, &opts).err().expect("refused").to_string();
    assert!(e.contains("spooled") && e.contains("longer than 8 MiB"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(20));
    // And through the binary: a gzip-compressed Parquet on stdin is spooled, within the limit.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.parquet");
    write_parquet(&p, &to_batch(&rows(100, 90, 22)), 50);
    let (r, out, _) = scan_limited(&["-"], Some(gzip(&std::fs::read(&p).unwrap())));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(r["inputs"][0]["rows"], 100);
}

/// Decoder panics the parquet and sniff fuzz targets found (fuzz/regressions/): arrow-ipc on a
/// damaged embedded schema (an unwrap, "Type NONE" or an unknown type id), parquet's page
/// decoder (bit-width assertion, slice range, shift overflow) and arrow-buffer's bit chunks.
/// Each is its input's error, with the other inputs read.
#[test]
fn decoder_panics_found_by_fuzzing_are_each_inputs_error() {
    let dir = tempfile::tempdir().unwrap();
    let good = good_csv(dir.path());
    let reg = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    // From the parquet target, then the sniff target (Parquet spooled from an unnamed stream):
    // arrow-buffer's bit-chunk bounds, parquet's bit unpacking, arrow-ipc on an unknown type id.
    let names = [
        "parquet/arrow_ipc_unwrap_none_convert_198",
        "parquet/arrow_ipc_type_none_convert_514",
        "parquet/parquet_bit_util_assertion_page",
        "sniff/arrow_buffer_bit_chunk_out_of_bounds",
        "sniff/parquet_bit_util_range_end",
        "sniff/arrow_ipc_type_unknown",
    ];
    let mut args: Vec<String> = names.iter().map(|n| reg.join(n).to_string_lossy().into_owned()).collect();
    // An overflowing shift panics with overflow checks (debug builds) and wraps without: either
    // way the input is incomplete.
    let shift = "parquet_bit_util_shift_overflow";
    args.push(reg.join("sniff").join(shift).to_string_lossy().into_owned());
    args.push(s(&good).to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (r, out, _) = scan_limited(&args, None);
    assert_eq!(input(&r, "good.csv")["complete"], true);
    assert_eq!(input(&r, "good.csv")["rows"], 40);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let errors = |n: &str| -> Vec<String> {
        input(&r, n)["errors"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_string()).collect()
    };
    let e = errors(shift);
    assert!(!e.is_empty() && e.iter().all(|e| e.contains(shift)), "{e:?}");
    for n in names {
        let n = n.rsplit('/').next().unwrap();
        let e = errors(n);
        assert!(e.iter().all(|e| e.contains(n)), "{e:?}");
        assert!(e.iter().any(|e| e.contains("the decoder failed")), "{n}: {e:?}");
    }
    assert!(errors("parquet_bit_util_assertion_page").iter().any(|e| e.contains("(at row 1)")));
}

#[test]
fn json_and_parquet_keys_that_are_identifiers_are_masked() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("keyed.ndjson");
    let mut text = String::new();
    for i in 0..20 {
        text.push_str(&format!("{{\"13812345678\": \"x{i}\", \"zhang.wei@example.com\": \"y\", \"id\": \"{i}\"}}\n"));
    }
    std::fs::write(&p, text).unwrap();
    let q = dir.path().join("keyed.parquet");
    let batch = arrow_array::RecordBatch::try_from_iter([(
        "13912345678",
        std::sync::Arc::new(arrow_array::StringArray::from(vec!["a"; 5])) as arrow_array::ArrayRef,
    )])
    .unwrap();
    write_parquet(&q, &batch, 5);
    for format in ["json", "human", "html"] {
        let out = command(dir.path(), &["scan", s(&p), s(&q), "--format", format, "--as-of", AS_OF]).output().unwrap();
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        for raw in ["13812345678", "zhang.wei@example.com", "13912345678"] {
            assert!(!all.contains(raw), "{format}: {raw} leaked as a column name");
        }
        if format == "json" {
            let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(input(&r, "keyed.ndjson")["rows"], 20);
            assert_eq!(input(&r, "keyed.parquet")["rows"], 5);
        }
    }
}
