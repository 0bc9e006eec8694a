//! Throughput benches (criterion, `Throughput::Bytes`): the readers alone and the full scan.
//!
//! By default a 32 MB synthetic CSV is generated; set `XBORDER_BENCH_CSV` to a file made by
//! `../shared/bench/gen_pii_csv.py` for the figures in the README. `cargo bench --bench scan`.
//! The `levers` group keeps one bench per speed-up (dictionary Parquet, repeated values, gzip
//! decompressed ahead), so a regression shows which one moved.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use xborder::source::{Input, Source, SourceOptions};
use xborder::Scanner;

fn bench_csv() -> PathBuf {
    if let Some(p) = std::env::var_os("XBORDER_BENCH_CSV") {
        return PathBuf::from(p);
    }
    let path = std::env::temp_dir().join("xborder-bench-32m.csv");
    if path.exists() {
        return path;
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(f, "record_id,customer_name,id_number,mobile,email,bank_card,note,amount").unwrap();
    let mut x: u64 = 42;
    let mut i = 0u64;
    while f.get_ref().metadata().map(|m| m.len()).unwrap_or(0) < 32 << 20 {
        for _ in 0..1000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let k = (x >> 33) % 100_000;
            writeln!(
                f,
                "R{i:010},张伟,11010519{:02}0101{:03}X,138{:08},user{k}@qq.com,62284804{:011},\"客户要求改用备用手机139{:08}联系\",{}.{:02}",
                50 + k % 50,
                k % 1000,
                k,
                k,
                (x >> 20) % 100_000_000,
                k % 5000,
                k % 100
            )
            .unwrap();
            i += 1;
        }
        f.flush().unwrap();
    }
    path
}

fn parquet_of(csv: &Path) -> PathBuf {
    let out = csv.with_extension("bench.parquet");
    if out.exists() {
        return out;
    }
    let mut src = Source::open(&Input::Path(csv.to_path_buf()), &SourceOptions::default()).unwrap();
    let first = src.next().unwrap().unwrap();
    let f = std::fs::File::create(&out).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(f, first.schema(), None).unwrap();
    w.write(&first).unwrap();
    for b in src {
        w.write(&b.unwrap()).unwrap();
    }
    w.close().unwrap();
    out
}

fn read_all(path: &Path) -> u64 {
    let src = Source::open(&Input::Path(path.to_path_buf()), &SourceOptions::default()).unwrap();
    src.map(|b| b.unwrap().num_rows() as u64).sum()
}

fn benches(c: &mut Criterion) {
    let csv = bench_csv();
    let bytes = std::fs::metadata(&csv).unwrap().len();
    let parquet = parquet_of(&csv);
    let mut g = c.benchmark_group("read");
    g.sample_size(10).throughput(Throughput::Bytes(bytes));
    g.bench_function("csv_to_batches", |b| b.iter(|| read_all(&csv)));
    // Same records, so bytes of the CSV: "at least as fast per record as CSV".
    g.bench_function("parquet_to_batches", |b| b.iter(|| read_all(&parquet)));
    g.finish();
    let mut g = c.benchmark_group("scan");
    g.sample_size(10).throughput(Throughput::Bytes(bytes));
    for threads in [1, 2] {
        let scanner = Arc::new(Scanner::builder().threads(threads).build().unwrap());
        g.bench_function(format!("full_catalogue_{threads}_threads"), |b| {
            b.iter(|| {
                let mut s = scanner.scan_inputs(&[Input::Path(csv.clone())]);
                s.report().persons.total
            })
        });
    }
    g.finish();

    // One bench per lever of issue 18, so a regression shows which one moved.
    let mut g = c.benchmark_group("levers");
    g.sample_size(10).throughput(Throughput::Bytes(bytes));
    let one = Arc::new(Scanner::builder().threads(1).build().unwrap());
    let two = Arc::new(Scanner::builder().threads(2).build().unwrap());
    let scan = |s: &Scanner, p: &Path| s.scan_inputs(&[Input::Path(p.to_path_buf())]).report().persons.total;
    // Parquet whose text columns are dictionaries: each distinct value judged once per slice.
    let dict = dictionary_parquet_of(&csv);
    g.bench_function("parquet_dictionary_1_thread", |b| b.iter(|| scan(&one, &dict)));
    g.bench_function("parquet_plain_1_thread", |b| b.iter(|| scan(&one, &parquet)));
    // Rows repeated: values met again in a slice replay their first answer.
    let repeats = repeats_of(&csv);
    g.bench_function("csv_repeated_rows_1_thread", |b| b.iter(|| scan(&one, &repeats)));
    // gzip: inline with one thread, decompressed ahead on its own thread with two.
    let gz = gzip_of(&csv);
    g.bench_function("csv_gz_1_thread", |b| b.iter(|| scan(&one, &gz)));
    g.bench_function("csv_gz_2_threads", |b| b.iter(|| scan(&two, &gz)));
    g.finish();
}

/// The bench CSV as Parquet with every text column dictionary-encoded (parquet's default; large
/// dictionaries fall back to plain pages and stay text).
fn dictionary_parquet_of(csv: &Path) -> PathBuf {
    let out = csv.with_extension("bench-dict.parquet");
    if out.exists() {
        return out;
    }
    let mut src = Source::open(&Input::Path(csv.to_path_buf()), &SourceOptions::default()).unwrap();
    let first = src.next().unwrap().unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_dictionary_page_size_limit(64 << 20)
        .set_max_row_group_row_count(Some(131_072))
        .build();
    let f = std::fs::File::create(&out).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(f, first.schema(), Some(props)).unwrap();
    w.write(&first).unwrap();
    for b in src {
        w.write(&b.unwrap()).unwrap();
    }
    w.close().unwrap();
    out
}

/// The first eighth of the bench CSV's rows, each written eight times in a row.
fn repeats_of(csv: &Path) -> PathBuf {
    let out = csv.with_extension("bench-repeats.csv");
    if out.exists() {
        return out;
    }
    let text = std::fs::read_to_string(csv).unwrap();
    let mut lines = text.lines();
    let mut w = std::io::BufWriter::new(std::fs::File::create(&out).unwrap());
    writeln!(w, "{}", lines.next().unwrap()).unwrap();
    let body: Vec<&str> = lines.collect();
    for l in &body[..body.len() / 8] {
        for _ in 0..8 {
            writeln!(w, "{l}").unwrap();
        }
    }
    w.flush().unwrap();
    out
}

fn gzip_of(csv: &Path) -> PathBuf {
    let out = csv.with_extension("bench.csv.gz");
    if out.exists() {
        return out;
    }
    let mut e = flate2::write::GzEncoder::new(std::fs::File::create(&out).unwrap(), flate2::Compression::default());
    std::io::copy(&mut std::fs::File::open(csv).unwrap(), &mut e).unwrap();
    e.finish().unwrap();
    out
}

criterion_group!(scan, benches);
criterion_main!(scan);
