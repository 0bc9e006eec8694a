//! # xborder
//!
//! A **Source** reads an input as Arrow batches, the **Scanner** runs the **Detectors** over every
//! column in parallel and links the person keys it finds into **Persons**, a **Policy** turns the
//! findings, the persons and what the operator declares into the verdict the cross-border rules
//! require, and the **Report** says what was found, for how many natural persons, and why.
//! (Verdicts: [`policy::evaluate`]; policy files: `policies/README.md`.)
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{RecordBatch, StringArray};
//! use xborder::{Scanner, time::Date};
//!
//! let batch = RecordBatch::try_from_iter([
//!     ("姓名", Arc::new(StringArray::from(vec!["张伟", "李娜"])) as _),
//!     ("手机号", Arc::new(StringArray::from(vec!["13812345678", "+86 139 0000 1111"])) as _),
//!     ("身份证号", Arc::new(StringArray::from(vec!["11010519491231002X", "440524188001010014"])) as _),
//! ]).unwrap();
//!
//! let scanner = Scanner::builder().threads(2).as_of(Date::new(2026, 11, 28).unwrap()).build().unwrap();
//! let mut session = scanner.session();
//! let input = session.begin_input("memory");
//! session.scan_batch(input, &batch);
//! let report = session.report();
//!
//! assert_eq!(report.persons.total, 2);
//! let ids = report.columns.iter().find(|c| c.column == "身份证号").unwrap();
//! assert_eq!(ids.categories, ["resident_id"]);
//! assert_eq!(ids.examples[0], "110***********002X"); // masked, never raw
//! ```

pub mod assess;
pub mod audit;
pub mod detect;
pub mod error;
#[cfg(feature = "ledger")]
pub mod gate;
#[cfg(feature = "ledger")]
pub mod ledger;
pub mod persons;
pub mod policy;
pub mod report;
pub mod scan;
pub mod source;
pub mod time;

pub use assess::{Assessment, Assessor, Declarations};
pub use error::{Error, Result};
pub use report::Report;
pub use scan::{InputId, ScanOptions, ScanSession, Scanner, ScannerBuilder};
pub use source::{Format, Input, SourceOptions};

/// The README's Rust examples, run as doctests (`cargo test --doc`).
#[cfg(all(doctest, feature = "ledger"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Checks shared by the unit tests of several modules.
#[cfg(test)]
pub(crate) mod test_util {
    /// A deterministic xorshift generator for randomised differential tests (seeded, so a failure
    /// reproduces).
    pub fn xorshift(seed: u64) -> impl FnMut() -> u64 {
        let mut x = seed;
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    /// Fails unless the `.toml` files of `dir` (relative to the crate) are exactly the file names
    /// of a compiled-in list, in order: a file added to the directory must be added to the list.
    pub fn assert_builtin_list(dir: &str, builtin: &[(&str, &str)], list_in: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut files: Vec<String> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        files.sort();
        let listed: Vec<String> = builtin.iter().map(|(f, _)| f.to_string()).collect();
        assert_eq!(files, listed, "{dir}/ and BUILTIN differ: add the file to {list_in}");
    }
}
