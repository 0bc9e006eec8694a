//! What to read: command-line arguments expanded into inputs (files, directories, globs, stdin),
//! and the URLs that go to an object store instead.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// One thing to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Standard input (`-`).
    Stdin,
    /// A local file.
    Path(PathBuf),
}

impl Input {
    /// The name reports use for this input.
    pub fn display(&self) -> String {
        match self {
            Input::Stdin => "-".to_string(),
            Input::Path(p) => p.to_string_lossy().into_owned(),
        }
    }
}

/// URL schemes read through an object store (`object` module, `cloud` feature).
pub const OBJECT_SCHEMES: [&str; 10] =
    ["s3://", "s3a://", "gs://", "az://", "azure://", "abfs://", "abfss://", "https://", "http://", "file://"];

/// An object-store URL rather than a local path.
pub fn is_object_url(arg: &str) -> bool {
    let lower = arg.get(..8).unwrap_or(arg).to_ascii_lowercase();
    OBJECT_SCHEMES.iter().any(|p| lower.starts_with(p))
}

/// Command-line inputs expanded: what to read, what cannot be read (each an input of the report
/// that is incomplete), and the files of directories that were left out, with why.
#[derive(Debug, Default)]
pub struct Expanded {
    pub inputs: Vec<Input>,
    pub errors: Vec<Error>,
    /// Files found in directories but not read: (path, reason).
    pub skipped: Vec<(PathBuf, &'static str)>,
}

/// Expand command-line inputs: `-`, files, directories (recursive, sorted), globs. Inputs that do
/// not exist are returned as errors, so the run goes on with the rest and exits incomplete.
pub fn expand_inputs(args: &[String]) -> (Vec<Input>, Vec<Error>) {
    let e = expand_inputs_noting(args);
    (e.inputs, e.errors)
}

/// [`expand_inputs`], also listing the files of directories that were not taken. Nothing read is
/// never clean: a directory or a pattern that yields no data file is an error of its own.
pub fn expand_inputs_noting(args: &[String]) -> Expanded {
    let mut x = Expanded::default();
    for arg in args {
        if arg == "-" {
            x.inputs.push(Input::Stdin);
            continue;
        }
        let path = Path::new(arg);
        if path.is_dir() {
            let mut files = Vec::new();
            let skipped_before = x.skipped.len();
            if let Err(e) = walk(path, &mut files, &mut x.skipped) {
                x.errors.push(e);
            }
            if files.is_empty() {
                let skipped = x.skipped.len() - skipped_before;
                x.errors.push(Error::Io {
                    path: arg.clone(),
                    message: if skipped == 0 {
                        "no data file in this directory: nothing was read".into()
                    } else {
                        format!(
                            "no data file in this directory: nothing was read ({skipped} file(s) skipped, not a data \
                             file by name; name a file to read it)"
                        )
                    },
                });
            }
            files.sort();
            x.inputs.extend(files.into_iter().map(Input::Path));
        } else if path.exists() {
            x.inputs.push(Input::Path(path.to_path_buf()));
        } else if arg.contains(['*', '?', '[']) {
            match glob::glob(arg) {
                Ok(paths) => {
                    let mut files: Vec<PathBuf> = Vec::new();
                    for p in paths {
                        match p {
                            Ok(p) if p.is_file() => files.push(p),
                            Ok(p) if p.is_dir() => {
                                if let Err(e) = walk(&p, &mut files, &mut x.skipped) {
                                    x.errors.push(e);
                                }
                            }
                            Ok(p) => x.skipped.push((p, "not a regular file")),
                            Err(e) => x.errors.push(Error::io(e.path().to_string_lossy(), e.error())),
                        }
                    }
                    if files.is_empty() {
                        x.errors.push(Error::Io {
                            path: arg.clone(),
                            message: "no data file matches this pattern: nothing was read".into(),
                        });
                    }
                    files.sort();
                    x.inputs.extend(files.into_iter().map(Input::Path));
                }
                Err(e) => x.errors.push(Error::Usage(format!("invalid glob {arg:?}: {e}"))),
            }
        } else {
            let message = match (path.symlink_metadata(), std::fs::metadata(path)) {
                (Ok(_), Err(e)) if e.raw_os_error() == Some(libc::ELOOP) => {
                    "symbolic link loop (too many levels of links)"
                }
                (Ok(_), _) => "dangling symbolic link (its target does not exist)",
                _ => "no such file or directory",
            };
            x.errors.push(Error::Io { path: arg.clone(), message: message.into() });
        }
    }
    x
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, skipped: &mut Vec<(PathBuf, &'static str)>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir.to_string_lossy(), &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir.to_string_lossy(), &e))?;
        let p = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // Hidden files and our own artefacts (manifests, ledgers, keys) are not data.
        if name.starts_with('.') || name.ends_with(".manifest.json") || name.ends_with(".db") || name.ends_with(".key")
        {
            continue;
        }
        let ft = entry.file_type().map_err(|e| Error::io(p.to_string_lossy(), &e))?;
        if ft.is_dir() {
            walk(&p, out, skipped)?;
        } else if !is_data_file(&name) {
            skipped.push((p, "not a data file by its extension"));
        } else if ft.is_file() || (ft.is_symlink() && p.is_file()) {
            out.push(p);
        } else if ft.is_symlink() {
            skipped.push((p, "a symbolic link to no regular file (dangling, a loop or a directory)"));
        } else {
            skipped.push((p, "not a regular file"));
        }
    }
    Ok(())
}

/// Files a directory scan picks up. Unknown extensions are skipped in directories (a README next
/// to the data is not data); named explicitly, any file is sniffed.
pub(crate) fn is_data_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let base = lower.trim_end_matches(".gz").trim_end_matches(".zst").trim_end_matches(".zstd");
    [".csv", ".tsv", ".txt", ".json", ".ndjson", ".jsonl", ".parquet", ".pq"].iter().any(|e| base.ends_with(e))
        || lower.ends_with(".gz")
        || lower.ends_with(".zst")
}

#[cfg(test)]
mod tests {
    use super::is_object_url;

    #[test]
    fn object_urls_and_paths() {
        for u in ["s3://b/k", "S3://B/", "gs://b", "az://c/p", "https://h/x.csv", "file:///tmp/x", "abfss://c/p"] {
            assert!(is_object_url(u), "{u}");
        }
        for p in ["-", "data/x.csv", "/tmp/s3:/x", "s3:/b", "./file://x", "导出/数据.csv", ""] {
            assert!(!is_object_url(p), "{p}");
        }
    }
}
