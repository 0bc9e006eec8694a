#![no_main]
//! Fuzz target: every cell validator on arbitrary text.

use libfuzzer_sys::fuzz_target;

#[path = "../bodies.rs"]
mod bodies;

fuzz_target!(|data: &[u8]| {
    bodies::validators(data);
});
