//! The bodies of the fuzz targets, shared with `tests/fuzz_corpus.rs`, which runs them over the
//! checked-in corpus as ordinary tests (so CI needs no nightly and no cargo-fuzz).
//!
//! Each body reads arbitrary bytes through a public entry point and checks what must hold for any
//! input: no panic escapes, the stream ends, every error names the input, and no error message
//! holds a run of 11 or more digits (a phone, an ID or a card number echoed by a decoder).
//! A decoder panic that the source isolated is reported by the body (`Outcome::decoder_panics`),
//! so the fuzz targets can stop on it and the input can be kept as a regression case.

#![allow(dead_code)]

use xborder::source::{Format, Source, SourceOptions};

/// What one input gave.
#[derive(Debug, Default)]
pub struct Outcome {
    pub rows: u64,
    pub errors: Vec<String>,
    /// Errors that are a decoder's panic caught by the source.
    pub decoder_panics: usize,
}

const NAME: &str = "fuzz.input";

fn opts(format: Option<Format>) -> SourceOptions {
    SourceOptions {
        format,
        batch_size: 64,
        // Small limits, so that a fuzzer's input reaches them.
        max_line_bytes: 1 << 16,
        max_columns: 512,
        max_spool_bytes: 1 << 22,
        ..SourceOptions::default()
    }
}

/// Read `data` as one input (forced `format`, or sniffed) to the end, and check the invariants.
pub fn read(data: &[u8], format: Option<Format>) -> Outcome {
    let mut out = Outcome::default();
    match Source::from_reader(NAME, std::io::Cursor::new(data.to_vec()), &opts(format)) {
        Ok(mut src) => {
            let mut batches = 0usize;
            for b in src.by_ref() {
                batches += 1;
                assert!(batches <= data.len() + 2, "more batches than bytes: the stream does not end");
                match b {
                    Ok(b) => out.rows += b.num_rows() as u64,
                    Err(e) => out.errors.push(e.to_string()),
                }
            }
            out.errors.extend(src.soft_errors().iter().map(|e| e.to_string()));
        }
        Err(e) => out.errors.push(e.to_string()),
    }
    for e in &out.errors {
        assert!(e.starts_with(NAME), "an error without the input's name: {e}");
        assert!(!has_long_digit_run(e), "an error quotes an identifier-length number: {e}");
        if e.contains("the decoder failed") {
            out.decoder_panics += 1;
        }
    }
    out
}

fn has_long_digit_run(s: &str) -> bool {
    let mut run = 0;
    for c in s.chars() {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        if run >= 11 {
            return true;
        }
    }
    false
}

/// Every validator on `data` as text: it must return, without panicking, on any string.
pub fn validators(data: &[u8]) -> usize {
    let s = String::from_utf8_lossy(data);
    let ctx = xborder::detect::validators::Ctx { today: xborder::time::Date::new(2026, 11, 28).unwrap() };
    let mut accepted = 0;
    for (_, f) in xborder::detect::validators::VALIDATORS {
        // Whole, trimmed, and each whitespace-separated word, as the scanner hands them out.
        accepted += usize::from(f(&s, &ctx)) + usize::from(f(s.trim(), &ctx));
        for w in s.split_whitespace().take(64) {
            accepted += usize::from(f(w, &ctx));
        }
    }
    accepted
}

/// Fuzz runs: keep an input whose decoder panic the source caught in `$FUZZ_PANICS_DIR` (named by
/// its hash), to be turned into a regression file.
pub fn keep_decoder_panic(data: &[u8]) {
    if let Some(dir) = std::env::var_os("FUZZ_PANICS_DIR") {
        let name = format!(
            "{:016x}",
            data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
        );
        let _ = std::fs::write(std::path::Path::new(&dir).join(name), data);
    }
}
