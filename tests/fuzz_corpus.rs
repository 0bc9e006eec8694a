//! The fuzz targets' bodies (`fuzz/bodies.rs`) over their seeds, the inputs the fuzzers found
//! (`fuzz/regressions/`) and the hostile corpus (`tests/hostile/`), as ordinary tests: the smoke
//! run of the fuzzers that needs no nightly and no cargo-fuzz. Every file goes through every
//! reader (forced CSV, JSON, Parquet, and sniffed), so a crash found by one target is checked by
//! all.

#[path = "../fuzz/bodies.rs"]
mod bodies;

use std::path::{Path, PathBuf};
use xborder::source::Format;

fn files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["fuzz/seeds", "fuzz/regressions", "tests/hostile"] {
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else { continue };
            for e in entries {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p);
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn fuzz_bodies_hold_on_the_corpus() {
    let files = files();
    assert!(files.len() >= 15, "the corpus is there: {files:?}");
    for p in &files {
        let data = std::fs::read(p).unwrap();
        for format in [None, Some(Format::Csv), Some(Format::Json), Some(Format::Parquet)] {
            // The body asserts the invariants (no panic escapes, the stream ends, errors name the
            // input and quote no identifier).
            let out = bodies::read(&data, format);
            assert!(out.rows < 10_000_000, "{}: {format:?}", p.display());
        }
        bodies::validators(&data);
    }
}
