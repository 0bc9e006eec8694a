//! Isolation of third-party decoders: a panic inside one (arrow-ipc on an unknown type id,
//! parquet on a corrupt footer) becomes the error of the input being read, so the run goes on with
//! the other inputs. The panic is not printed: a chained panic hook stays quiet for panics raised
//! inside [`isolate`] on the current thread and keeps its message for the error (redacted: a
//! decoder's panic message may quote data). Panics anywhere else reach the previous hook as before.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use crate::error::{redact, Error, Place, Result};

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) {
                let payload = info.payload();
                let msg = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
                LAST.with(|l| *l.borrow_mut() = Some(format!("{msg}{at}")));
            } else {
                previous(info);
            }
        }));
    });
}

/// Run `f` (a decoder's work on the input `name`); a panic becomes an error of that input at
/// `place`.
pub(crate) fn isolate<T>(name: &str, place: impl FnOnce() -> Place, f: impl FnOnce() -> Result<T>) -> Result<T> {
    install_hook();
    let was = QUIET.with(|q| q.replace(true));
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    match r {
        Ok(r) => r,
        Err(_) => {
            let why = LAST.with(|l| l.borrow_mut().take()).unwrap_or_default();
            Err(Error::malformed(
                name,
                place(),
                format!("the decoder failed on this input and it was not read further ({})", redact(&why)),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_the_inputs_error() {
        let r: Result<()> = isolate("x.parquet", || Place::row(7), || panic!("not implemented: Type 13812345678"));
        let e = r.unwrap_err().to_string();
        assert!(e.starts_with("x.parquet: the decoder failed"), "{e}");
        assert!(e.contains("row 7") && !e.contains("13812345678"), "{e}");
        // Outside the scope the hook is the previous one again (the test harness's).
        assert!(!QUIET.with(Cell::get));
        assert_eq!(isolate("y", Place::default, || Ok(5)).unwrap(), 5);
    }
}
