//! The hidden `xborder detectors validate NAME` oracle command: one `1`/`0` per stdin line.
#![cfg(feature = "cli")]

use std::io::Write;
use std::process::{Command, Stdio};

fn validate(args: &[&str], input: &str) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xborder"))
        .args(["detectors", "validate"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The command may exit before reading (usage errors): a broken pipe here is fine.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn one_answer_per_line() {
    let (code, out) = validate(
        &["gb11643", "--as-of", "2026-11-28"],
        "11010519491231002X\r\n 11010519491231002x \n110105194912310021\n\n",
    );
    assert_eq!(code, 0);
    assert_eq!(out, "1\n1\n0\n0\n");
}

#[test]
fn as_of_moves_today() {
    let born_2026_12_01 = "110105202612010014\n";
    assert_eq!(validate(&["gb11643", "--as-of", "2026-11-28"], born_2026_12_01).1, "0\n");
    assert_eq!(validate(&["gb11643", "--as-of", "2026-12-01"], born_2026_12_01).1, "1\n");
}

#[test]
fn unknown_validator_is_a_usage_error() {
    assert_eq!(validate(&["no_such_validator"], "1\n").0, 2);
    assert_eq!(validate(&["gb11643", "--as-of", "28.11.2026"], "1\n").0, 2);
}

#[test]
fn hidden_from_help() {
    let out = Command::new(env!("CARGO_BIN_EXE_xborder")).args(["detectors", "--help"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("validate"));
}
