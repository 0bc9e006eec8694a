//! `xborder._xborder`: the native half of the Python package (the Python half, in
//! `python/xborder/`, adds the exceptions, docstrings and Spark). Everything here configures the
//! library's assessor and scanner and hands back what they return; none of it judges or records.

use arrow_array::ffi::{from_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::{Array, RecordBatch, StructArray};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict, PyString};

use xborder::assess::{Assessment, Assessor, Export, Quiet, TransferSpec};
use xborder::ledger::{self, Ledger};
use xborder::persons::KeyHasher;
use xborder::{InputId, ScanSession, Scanner};

mod errors;
mod options;
mod partial;

use errors::{usage, XResult};
use options::Options;

/// What Python receives from an assessment: the report as JSON, and the facts a caller acts on.
#[pyclass(module = "xborder._xborder", frozen)]
struct Outcome {
    #[pyo3(get)]
    report_json: String,
    #[pyo3(get)]
    level: String,
    #[pyo3(get)]
    blocked: bool,
    #[pyo3(get)]
    complete: bool,
    /// The located, redacted errors of the inputs not read whole.
    #[pyo3(get)]
    errors: Vec<String>,
    /// The transfer recorded (its sequence number), if any.
    #[pyo3(get)]
    recorded: Option<u64>,
}

impl Outcome {
    fn of(a: &Assessment) -> Outcome {
        let errors = a.report.inputs.iter().flat_map(|i| i.errors.iter().cloned()).collect();
        Outcome {
            report_json: a.report.to_json(),
            level: a.level.to_string(),
            blocked: a.blocked,
            complete: a.report.complete(),
            errors,
            recorded: a.transfer.as_ref().map(|t| t.seq),
        }
    }
}

/// The assessor, scanner and ledger that options describe.
struct Engine {
    assessor: Assessor,
    scanner: Scanner,
    ledger: Option<Ledger>,
    options: Options,
}

impl Engine {
    fn new(options: Options) -> XResult<Engine> {
        let assessor = options.assessor()?;
        let book = options.open_ledger()?;
        let hasher = match &book {
            Some((_, h)) => h.clone(),
            None => match (&options.ledger, std::env::var(ledger::KEY_ENV)) {
                (Some(path), Ok(hex)) => ledger::load_key(std::path::Path::new(path), Some(&hex), false)?
                    .map(|k| k.0)
                    .unwrap_or_else(KeyHasher::random),
                _ => KeyHasher::random(),
            },
        };
        let scanner = options.scanner(&assessor, hasher)?;
        Ok(Engine { assessor, scanner, ledger: book.map(|b| b.0), options })
    }
}

/// `xborder.scan`: read files, directories and globs and judge them as one export.
#[pyfunction]
#[pyo3(signature = (paths, **options))]
fn scan(py: Python<'_>, paths: &Bound<'_, PyAny>, options: Option<&Bound<'_, PyDict>>) -> PyResult<Outcome> {
    let options = Options::from_kwargs(options)?;
    let paths: Vec<String> = if let Ok(s) = paths.cast::<PyString>() {
        vec![s.extract::<String>()?]
    } else if paths.hasattr("__fspath__")? {
        vec![py.import("os")?.call_method1("fspath", (paths,))?.extract::<String>()?]
    } else {
        let os = py.import("os")?;
        let mut v = Vec::new();
        for p in paths.try_iter().map_err(|_| usage("paths: expected a path or a list of paths"))? {
            let p = os.call_method1("fspath", (p?,)).map_err(|_| usage("paths: expected a path or a list of paths"))?;
            v.push(p.extract::<String>()?);
        }
        v
    };
    if paths.is_empty() {
        return Err(usage("paths: no input given"));
    }
    let mut engine = Engine::new(options)?;
    // What `xborder scan` does: expand, read, judge, record (Assessor::assess_export).
    let out = py.detach(move || -> Result<Outcome, xborder::Error> {
        let export = Export::new(&paths).record(engine.options.record_mode());
        let a = engine.assessor.assess_export(&engine.scanner, &export, engine.ledger.as_mut(), &mut Quiet)?;
        Ok(Outcome::of(&a))
    });
    Ok(out.map_err(errors::XErr::from)?)
}

/// Batches of Arrow data from Python, imported without copying: anything with
/// `__arrow_c_stream__` (pyarrow Table/RecordBatchReader, Polars, pandas 2.2+, DuckDB) or
/// `__arrow_c_array__` (a pyarrow RecordBatch on older pyarrow).
pub(crate) fn arrow_batches(
    data: &Bound<'_, PyAny>,
) -> PyResult<Box<dyn Iterator<Item = PyResult<RecordBatch>> + Send>> {
    if data.hasattr("__arrow_c_stream__")? {
        let capsule = data.call_method1("__arrow_c_stream__", (data.py().None(),))?;
        let capsule =
            capsule.cast::<PyCapsule>().map_err(|_| usage("data: __arrow_c_stream__ did not return a capsule"))?;
        let ptr = pointer(capsule, c"arrow_array_stream")?;
        // SAFETY: the capsule holds an FFI_ArrowArrayStream (its name says so); `from_raw` moves
        // it out and leaves a released stream behind, which the capsule's destructor skips.
        let reader = unsafe { ArrowArrayStreamReader::from_raw(ptr as *mut FFI_ArrowArrayStream) }.map_err(|e| {
            errors::raise(
                "InputError",
                format!("data: the Arrow stream failed: {}", xborder::error::redact(&e.to_string())),
            )
        })?;
        return Ok(Box::new(reader.map(|b| {
            b.map_err(|e| {
                errors::raise(
                    "InputError",
                    format!("data: the Arrow stream failed: {}", xborder::error::redact(&e.to_string())),
                )
            })
        })));
    }
    if data.hasattr("__arrow_c_array__")? {
        let pair = data.call_method1("__arrow_c_array__", (data.py().None(),))?;
        let (schema, array): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair.extract()?;
        let schema =
            schema.cast::<PyCapsule>().map_err(|_| usage("data: __arrow_c_array__ did not return capsules"))?;
        let array = array.cast::<PyCapsule>().map_err(|_| usage("data: __arrow_c_array__ did not return capsules"))?;
        let (sp, ap) = (pointer(schema, c"arrow_schema")?, pointer(array, c"arrow_array")?);
        // SAFETY: capsules named as the PyCapsule interface specifies; the array is moved out
        // (its release callback left empty for the capsule), the schema only borrowed.
        let batch = unsafe {
            let a = std::ptr::replace(ap as *mut FFI_ArrowArray, FFI_ArrowArray::empty());
            let s = &*(sp as *const FFI_ArrowSchema);
            from_ffi(a, s)
        }
        .map_err(|e| {
            errors::raise(
                "InputError",
                format!("data: the Arrow array could not be imported: {}", xborder::error::redact(&e.to_string())),
            )
        })?;
        let s = StructArray::from(batch);
        if s.null_count() > 0 {
            return Err(usage("data: a struct array with null rows is not a record batch"));
        }
        return Ok(Box::new(std::iter::once(Ok(RecordBatch::from(s)))));
    }
    Err(usage(format!(
        "data: expected Arrow data (a pyarrow RecordBatch or Table, or an object with __arrow_c_stream__ such as a \
         Polars or pandas DataFrame), got {}",
        data.get_type().name().map(|n| n.to_string()).unwrap_or_default()
    )))
}

/// The pointer of an Arrow capsule, which must carry the name the PyCapsule interface gives it.
fn pointer(c: &Bound<'_, PyCapsule>, name: &std::ffi::CStr) -> PyResult<*mut std::ffi::c_void> {
    c.pointer_checked(Some(name))
        .map(|p| p.as_ptr())
        .map_err(|_| usage(format!("data: expected an Arrow capsule named {:?}", name.to_string_lossy())))
}

/// A session over Arrow data: batches from Python are scanned as they come, then judged as one
/// export. The scanner lives in a box beside the session that borrows it.
#[pyclass(module = "xborder._xborder", unsendable)]
struct Session {
    // Field order matters: the session borrows `engine`'s scanner and is dropped first.
    session: Option<ScanSession<'static>>,
    inputs: Vec<(String, InputId)>,
    engine: Box<Engine>,
    done: bool,
}

#[pymethods]
impl Session {
    #[new]
    #[pyo3(signature = (**options))]
    fn new(options: Option<&Bound<'_, PyDict>>) -> PyResult<Session> {
        let options = Options::from_kwargs(options)?;
        let engine = Box::new(Engine::new(options)?);
        // SAFETY: the scanner is boxed (its address is stable) and outlives the session: the
        // session is declared first (dropped first) and never handed out.
        let scanner: &'static Scanner = unsafe { &*(&engine.scanner as *const Scanner) };
        Ok(Session { session: Some(scanner.session()), inputs: Vec::new(), engine, done: false })
    }

    /// Scan Arrow data as the input `name` (batches of the same name are one input).
    #[pyo3(signature = (data, name = "memory"))]
    fn scan(&mut self, py: Python<'_>, data: &Bound<'_, PyAny>, name: &str) -> PyResult<u64> {
        if self.done {
            return Err(usage("the session was already assessed; start a new one"));
        }
        let session = self.session.as_mut().expect("live session");
        let id = match self.inputs.iter().find(|(n, _)| n == name) {
            Some((_, id)) => *id,
            None => {
                let id = session.begin_input(name);
                self.inputs.push((name.to_string(), id));
                id
            }
        };
        let batches = arrow_batches(data)?;
        let mut rows = 0u64;
        let failed = py.detach(|| {
            for b in batches {
                match b {
                    Ok(b) => {
                        rows += b.num_rows() as u64;
                        session.scan_batch(id, &b);
                    }
                    Err(e) => return Some(e),
                }
            }
            None
        });
        if let Some(e) = failed {
            // The stream broke: the input is incomplete, and the caller hears it now too.
            // The producer's message may quote data: it is redacted like a parser's.
            let msg = Python::attach(|py| e.value(py).str().map(|s| s.to_string()).unwrap_or_default());
            let msg = xborder::error::redact(&msg);
            session.fail_input(id, xborder::Error::Io { path: name.to_string(), message: msg });
            return Err(e);
        }
        Ok(rows)
    }

    /// Judge what was scanned (with the ledger's year to date, recording if asked).
    fn assess(&mut self, py: Python<'_>) -> PyResult<Outcome> {
        if self.done {
            return Err(usage("the session was already assessed; start a new one"));
        }
        self.done = true;
        let engine = &mut *self.engine;
        let session = self.session.as_mut().expect("live session");
        let record = engine.options.record_mode();
        let out = py.detach(|| {
            engine
                .assessor
                .assess(session, engine.ledger.as_mut(), record, TransferSpec::default())
                .map(|a| Outcome::of(&a))
        });
        Ok(out.map_err(errors::XErr::from)?)
    }
}

/// The option names `scan`, `Session` and `spark.assess` accept.
#[pyfunction]
fn option_names() -> Vec<&'static str> {
    options::NAMES.to_vec()
}

#[pymodule]
fn _xborder(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(scan, m)?)?;
    m.add_function(wrap_pyfunction!(option_names, m)?)?;
    m.add_class::<Session>()?;
    m.add_class::<Outcome>()?;
    partial::register(m)?;
    Ok(())
}
