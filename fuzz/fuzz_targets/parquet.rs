#![no_main]
//! Fuzz target: arbitrary bytes read as parquet.

use libfuzzer_sys::fuzz_target;
use xborder::source::Format;

#[path = "../bodies.rs"]
mod bodies;

fuzz_target!(|data: &[u8]| {
    let out = bodies::read(data, Some(Format::Parquet));
    // A decoder panic is caught by the source (fail closed: the input's error), so it does not
    // stop the run; it is a decoder bug all the same, kept for a regression file.
    if out.decoder_panics > 0 {
        bodies::keep_decoder_panic(data);
    }
});
