//! What `xborder scan` shows while the library reads an export: JSON Lines written as inputs
//! finish, messages on stderr, a progress line while local inputs are read, and (`cloud`
//! feature) the progress bar over a store's objects (both on a terminal stderr only).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use xborder::assess::Events;
use xborder::report::{jsonl, InputReport};

use super::output::Out;

/// The command line's [`Events`]: JSON Lines to `out` when `jsonl`, everything else on stderr.
pub(super) struct CliEvents<'o> {
    out: &'o mut Out,
    jsonl: bool,
    /// `--quiet`: no messages.
    quiet: bool,
    /// Input lines written so far.
    pub lines: usize,
    #[cfg(feature = "cloud")]
    progress: Option<progress::Progress>,
    /// The progress line of local inputs (a terminal stderr only).
    local: Option<LocalProgress>,
}

impl<'o> CliEvents<'o> {
    pub fn new(out: &'o mut Out, jsonl: bool, quiet: bool) -> Self {
        CliEvents {
            out,
            jsonl,
            quiet,
            lines: 0,
            #[cfg(feature = "cloud")]
            progress: None,
            local: None,
        }
    }

    /// Stop the progress bar (before the report is printed).
    pub fn finish(&mut self) {
        if let Some(l) = self.local.take() {
            l.stop();
        }
        #[cfg(feature = "cloud")]
        if let Some(p) = self.progress.take() {
            p.finish();
        }
    }
}

impl Events for CliEvents<'_> {
    fn started(&mut self, progress: Arc<xborder::scan::Progress>) {
        if !self.quiet && std::io::stderr().is_terminal() {
            self.local = Some(LocalProgress::start(progress));
        }
    }

    fn file_skipped(&mut self, path: &str, why: &str) {
        if !self.quiet {
            eprintln!("xborder: skipped {path}: {why}");
        }
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
        if let Some(l) = self.local.take() {
            l.stop();
        }
        #[cfg(feature = "cloud")]
        {
            if !self.quiet {
                self.progress = Some(progress::Progress::start(fetched, objects, bytes));
            }
        }
    }

    fn object_done(&mut self) {
        #[cfg(feature = "cloud")]
        if let Some(p) = &mut self.progress {
            p.object_done();
        }
    }

    fn message(&mut self, line: &str) {
        if self.quiet {
            return;
        }
        let line = format!("xborder: {line}");
        #[cfg(feature = "cloud")]
        if let Some(p) = &self.progress {
            p.println(&line);
            return;
        }
        eprintln!("{line}");
    }
}

/// One line on stderr, redrawn four times a second: bytes read and the rate, rows and rows per
/// second, and distinct person keys so far. Cleared when the scan ends.
struct LocalProgress {
    stop: Arc<AtomicBool>,
    ticker: std::thread::JoinHandle<()>,
}

impl LocalProgress {
    fn start(p: Arc<xborder::scan::Progress>) -> LocalProgress {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let ticker = std::thread::spawn(move || {
            let t0 = std::time::Instant::now();
            let mut shown = false;
            while !s.load(Ordering::Relaxed) {
                std::thread::sleep(std::time::Duration::from_millis(250));
                let secs = t0.elapsed().as_secs_f64().max(1e-3);
                if p.rows() == 0 && secs < 1.0 {
                    continue;
                }
                eprint!("\r\x1b[K{}", progress_line(p.bytes(), p.rows(), p.keys(), secs));
                shown = true;
            }
            if shown {
                eprint!("\r\x1b[K");
            }
        });
        LocalProgress { stop, ticker }
    }

    fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.ticker.join();
    }
}

/// `xborder: 1.2 GB read (152 MB/s) · 4,500,000 rows (570,000/s) · 2,100,000 person keys`.
pub(super) fn progress_line(bytes: u64, rows: u64, keys: u64, secs: f64) -> String {
    let mb = bytes as f64 / 1e6;
    let size = if mb >= 1000.0 { format!("{:.2} GB", mb / 1000.0) } else { format!("{mb:.1} MB") };
    let mut s = format!(
        "xborder: {size} read ({:.0} MB/s) · {} rows ({}/s)",
        mb / secs,
        thousands(rows),
        thousands((rows as f64 / secs) as u64)
    );
    if keys > 0 {
        s.push_str(&format!(" · {} person keys", thousands(keys)));
    }
    s
}

fn thousands(n: u64) -> String {
    let d = n.to_string();
    let mut out = String::new();
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
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
