//! `.pre-commit-hooks.yaml` run by the real pre-commit tool (from the test venv) on a temporary
//! data repository: a staged export with sensitive personal information fails the commit with
//! one line saying why; a clean file and a declared procedure pass.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn venv_bin(name: &str) -> PathBuf {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("bash").arg(Path::new(root).join("scripts/venv.sh")).output().expect("run scripts/venv.sh");
    assert!(out.status.success(), "scripts/venv.sh failed: {}", String::from_utf8_lossy(&out.stderr));
    let py = PathBuf::from(String::from_utf8(out.stdout).unwrap().lines().last().unwrap().trim());
    py.parent().unwrap().join(name)
}

fn git(dir: &Path, args: &[&str]) {
    let st = Command::new("git").current_dir(dir).args(args).output().expect("git");
    assert!(st.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&st.stderr));
}

/// `pre-commit try-repo <this repository> xborder-system --files FILE…` in `repo`, with
/// the built binary first on PATH.
fn try_repo(repo: &Path, home: &Path, files: &[&str]) -> Output {
    let bin_dir = common::bin().parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let mut args = vec!["try-repo", env!("CARGO_MANIFEST_DIR"), "xborder-system", "--verbose", "--files"];
    args.extend_from_slice(files);
    let mut c = Command::new(venv_bin("pre-commit"));
    c.current_dir(repo).args(&args).env("PATH", path).env("PRE_COMMIT_HOME", home).env("NO_COLOR", "1");
    c.output().expect("run pre-commit")
}

#[test]
fn pre_commit_hook_blocks_sensitive_exports() {
    let tmp = tempfile::tempdir().unwrap();
    let (repo, home) = (tmp.path().join("data"), tmp.path().join("pc-home"));
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    git(&repo, &["config", "user.email", "t@example.com"]);
    git(&repo, &["config", "user.name", "t"]);
    // UnionPay cards of 5 persons: sensitive personal information (a standard contract at least).
    let mut export = String::from("name,bank_card\n");
    for k in 0..5u64 {
        let body = format!("622848040256489{k:03}");
        export.push_str(&format!("客户{k},{body}{}\n", common::luhn_digit(&body)));
    }
    std::fs::write(repo.join("export.csv"), &export).unwrap();
    std::fs::write(repo.join("prices.csv"), "sku,price\nA-1,7.50\nB-2,12.00\n").unwrap();
    git(&repo, &["add", "export.csv", "prices.csv"]);

    let clean = try_repo(&repo, &home, &["prices.csv"]);
    let text = String::from_utf8_lossy(&clean.stdout).to_string() + &String::from_utf8_lossy(&clean.stderr);
    assert!(clean.status.success(), "a file without personal information passes:\n{text}");

    let blocked = try_repo(&repo, &home, &["export.csv"]);
    let text = String::from_utf8_lossy(&blocked.stdout).to_string() + &String::from_utf8_lossy(&blocked.stderr);
    assert_eq!(blocked.status.code(), Some(1), "{text}");
    assert!(text.contains("standard_contract (blocked"), "the hook says which procedure: {text}");
    assert!(!text.contains("6228480402564890"), "no raw card number in the hook's output: {text}");

    // The team's declaration in xborder.toml (the hook reads it as the CLI does) lets it pass.
    std::fs::write(repo.join("xborder.toml"), "procedure = \"standard_contract\"\nexporter = \"acme\"\n").unwrap();
    let declared = try_repo(&repo, &home, &["export.csv"]);
    let text = String::from_utf8_lossy(&declared.stdout).to_string() + &String::from_utf8_lossy(&declared.stderr);
    assert!(declared.status.success(), "{text}");
}
