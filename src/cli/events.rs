//! What `xborder scan` shows while the library reads an export: JSON Lines written as inputs
//! finish, messages on stderr, and (`cloud` feature) the progress bar over a store's objects.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use xborder::assess::Events;
use xborder::report::{jsonl, InputReport};

use super::scan::Out;

/// The command line's [`Events`]: JSON Lines to `out` when `jsonl`, everything else on stderr.
pub(super) struct CliEvents<'o> {
    out: &'o mut Out,
    jsonl: bool,
    /// Input lines written so far.
    pub lines: usize,
    #[cfg(feature = "cloud")]
    progress: Option<progress::Progress>,
}

impl<'o> CliEvents<'o> {
    pub fn new(out: &'o mut Out, jsonl: bool) -> Self {
        CliEvents {
            out,
            jsonl,
            lines: 0,
            #[cfg(feature = "cloud")]
            progress: None,
        }
    }

    /// Stop the progress bar (before the report is printed).
    pub fn finish(&mut self) {
        #[cfg(feature = "cloud")]
        if let Some(p) = self.progress.take() {
            p.finish();
        }
    }
}

impl Events for CliEvents<'_> {
    fn file_skipped(&mut self, path: &str, why: &str) {
        eprintln!("xborder: skipped {path}: {why}");
    }

    fn wants_inputs(&self) -> bool {
        self.jsonl
    }

    fn input_done(&mut self, input: &InputReport) -> xborder::Result<()> {
        self.out.write(&jsonl::input(input)).map_err(|e| xborder::Error::Usage(e.to_string()))?;
        self.lines += 1;
        Ok(())
    }

    #[cfg_attr(not(feature = "cloud"), allow(unused_variables))]
    fn objects_listed(&mut self, objects: u64, bytes: u64, fetched: Arc<AtomicU64>) {
        #[cfg(feature = "cloud")]
        {
            self.progress = Some(progress::Progress::start(fetched, objects, bytes));
        }
    }

    fn object_done(&mut self) {
        #[cfg(feature = "cloud")]
        if let Some(p) = &mut self.progress {
            p.object_done();
        }
    }

    fn message(&mut self, line: &str) {
        let line = format!("xborder: {line}");
        #[cfg(feature = "cloud")]
        if let Some(p) = &self.progress {
            p.println(&line);
            return;
        }
        eprintln!("{line}");
    }
}

impl Drop for CliEvents<'_> {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(feature = "cloud")]
mod progress {
    use std::io::IsTerminal;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    /// The progress bar: objects, bytes fetched, rate and ETA, on a terminal stderr only.
    pub struct Progress {
        bar: Option<indicatif::ProgressBar>,
        stop: Arc<AtomicBool>,
        ticker: Option<std::thread::JoinHandle<()>>,
        objects: u64,
        done: u64,
    }

    impl Progress {
        pub fn start(fetched: Arc<AtomicU64>, objects: u64, bytes: u64) -> Progress {
            let stop = Arc::new(AtomicBool::new(false));
            if !std::io::stderr().is_terminal() || objects == 0 {
                return Progress { bar: None, stop, ticker: None, objects, done: 0 };
            }
            let bar = indicatif::ProgressBar::with_draw_target(Some(bytes), indicatif::ProgressDrawTarget::stderr());
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg} objects  [{bar:30}] {bytes}/{total_bytes}  {bytes_per_sec}  ETA {eta}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(format!("0/{objects}"));
            let (b, s) = (bar.clone(), stop.clone());
            let ticker = std::thread::spawn(move || {
                while !s.load(Ordering::Relaxed) {
                    b.set_position(fetched.load(Ordering::Relaxed));
                    std::thread::sleep(Duration::from_millis(200));
                }
            });
            Progress { bar: Some(bar), stop, ticker: Some(ticker), objects, done: 0 }
        }

        pub fn object_done(&mut self) {
            self.done += 1;
            if let Some(b) = &self.bar {
                b.set_message(format!("{}/{}", self.done, self.objects));
            }
        }

        pub fn println(&self, line: &str) {
            match &self.bar {
                Some(b) => b.suspend(|| eprintln!("{line}")),
                None => eprintln!("{line}"),
            }
        }

        pub fn finish(mut self) {
            self.stop.store(true, Ordering::Relaxed);
            if let Some(t) = self.ticker.take() {
                let _ = t.join();
            }
            if let Some(b) = &self.bar {
                b.finish_and_clear();
            }
        }
    }
}
