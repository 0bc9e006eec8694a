//! xborder's errors as Python exceptions. The classes live in `xborder/__init__.py`
//! (`UsageError` is also a `ValueError`); their messages are the library's, which name the file,
//! the place and the column and never quote a cell value — the same lines the CLI prints.

use pyo3::prelude::*;
use pyo3::PyErr;

/// An error on its way to Python: a library error or one already raised.
pub struct XErr(pub PyErr);

pub type XResult<T> = Result<T, XErr>;

impl From<PyErr> for XErr {
    fn from(e: PyErr) -> Self {
        XErr(e)
    }
}

impl From<xborder::Error> for XErr {
    fn from(e: xborder::Error) -> Self {
        XErr(to_py(&e, None))
    }
}

impl From<XErr> for PyErr {
    fn from(e: XErr) -> Self {
        e.0
    }
}

/// Raise the exception class `name` of the `xborder` package with `message`.
pub fn raise(name: &str, message: String) -> PyErr {
    Python::attach(|py| {
        let class = py.import("xborder").and_then(|m| m.getattr(name));
        match class {
            Ok(c) => match c.call1((message.clone(),)) {
                Ok(inst) => PyErr::from_value(inst),
                Err(e) => e,
            },
            // The package is being imported: fall back to the builtin class.
            Err(_) => pyo3::exceptions::PyValueError::new_err(message),
        }
    })
}

/// A usage error (`ValueError`): a bad option or value.
pub fn usage(message: impl Into<String>) -> PyErr {
    raise("UsageError", message.into())
}

/// The exception for a library error; `option` names the option it came from, if known.
pub fn to_py(e: &xborder::Error, option: Option<&str>) -> PyErr {
    let text = match option {
        Some(o) => format!("option {o}: {e}"),
        None => e.to_string(),
    };
    match e {
        xborder::Error::Usage(_) | xborder::Error::Config { .. } => raise("UsageError", text),
        xborder::Error::Io { .. } | xborder::Error::Malformed { .. } => raise("InputError", text),
        xborder::Error::Ledger { .. } => raise("LedgerError", text),
    }
}

/// A library error from reading an option's value.
/// A library error from reading an option's value (a file it names included): a usage error.
pub fn with_option(option: &str, e: xborder::Error) -> XErr {
    XErr(raise("UsageError", format!("option {option}: {e}")))
}
