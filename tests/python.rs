//! The Python package (`python/`): builds the extension with maturin into the test venv
//! (`scripts/venv.sh`: pyarrow, Polars, pandas, pyspark, pytest) and runs its pytest suite —
//! `xborder.scan`, the Arrow session and `xborder.spark` in pyspark's local mode against the CLI
//! binary built here. Fails with pytest's failures. Nothing is skipped: without Java or pyspark
//! this test fails (`.ci/run` installs Java from Debian's packages), and a pytest run that
//! skipped anything is a failure too, so that a test that did not run never reads as passed.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn venv_python() -> PathBuf {
    let out = Command::new("bash").arg(root().join("scripts/venv.sh")).output().expect("run scripts/venv.sh");
    assert!(out.status.success(), "scripts/venv.sh failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    PathBuf::from(stdout.lines().last().expect("the venv's python on the last line").trim())
}

#[test]
fn python_package_and_spark() {
    let java = Command::new("java").arg("-version").output();
    assert!(
        java.is_ok_and(|o| o.status.success()),
        "pyspark needs a Java runtime: apt-get install -y default-jre-headless (.ci/run does this)"
    );
    let py = venv_python();
    let venv = py.parent().and_then(Path::parent).expect("venv dir").to_path_buf();
    // The CLI to compare with is this build's; the extension shares its target directory.
    let cli = PathBuf::from(env!("CARGO_BIN_EXE_xborder"));
    let target = cli.parent().and_then(Path::parent).expect("target dir").to_path_buf();
    let path = format!("{}:{}", venv.join("bin").display(), std::env::var("PATH").unwrap_or_default());
    let build = Command::new(&py)
        .args(["-m", "maturin", "develop", "--quiet"])
        .current_dir(root())
        .env("VIRTUAL_ENV", &venv)
        .env("PATH", &path)
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("run maturin");
    assert!(build.success(), "maturin develop failed");
    let out = Command::new(&py)
        .args(["-m", "pytest", "-p", "no:cacheprovider", "-rA", "-q", "python/tests"])
        .current_dir(root())
        .env("XBORDER_BIN", &cli)
        .env("PYSPARK_PYTHON", &py)
        .env("PATH", &path)
        .env_remove("XBORDER_KEY")
        .env_remove("XBORDER_LEDGER")
        .output()
        .expect("run pytest");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary = stdout.lines().rev().find(|l| l.contains(" in ")).unwrap_or("").to_string();
    assert!(out.status.success(), "pytest failed: {summary}\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    for word in ["skipped", "xfailed", "xpassed", "deselected", "error"] {
        assert!(!summary.contains(word), "pytest {word} something (a test that did not run is not a pass): {summary}");
    }
    assert!(summary.contains(" passed"), "pytest ran nothing: {summary}");
    eprintln!("pytest: {summary}");
}
