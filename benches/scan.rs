//! Throughput benches (criterion, `Throughput::Bytes`): the readers alone and the full scan.
//!
//! By default a 32 MB synthetic CSV is generated; set `XBORDER_BENCH_CSV` to a file made by
//! `../shared/bench/gen_pii_csv.py` for the figures in the README. `cargo bench --bench scan`.

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
}

criterion_group!(scan, benches);
criterion_main!(scan);
