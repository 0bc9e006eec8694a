//! What every command shares about output: the formats (one enum; each command accepts its own
//! subset and rejects the rest), where the text goes (`--output FILE` or stdout), colour and
//! quietness. The format is what the flags say, on a terminal or not; only colour and progress
//! depend on the terminal.

use std::fmt;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::ValueEnum;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Jsonl,
    Html,
    Csv,
    Sarif,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Html => "html",
            Format::Csv => "csv",
            Format::Sarif => "sarif",
        }
    }

    fn parse(s: &str) -> Format {
        match s {
            "json" => Format::Json,
            "jsonl" => Format::Jsonl,
            "html" => Format::Html,
            "csv" => Format::Csv,
            "sarif" => Format::Sarif,
            _ => Format::Human,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `--format` parser that accepts only `allowed` (clap lists them in the error and in help).
pub fn formats(allowed: &'static [&'static str]) -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(allowed).map(|s| Format::parse(&s))
}

/// `--color`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// On a terminal, unless `NO_COLOR` is set.
    #[default]
    Auto,
    Always,
    Never,
}

impl Color {
    /// Colour the text written to stdout (`to_file`: `--output` names a file, never coloured).
    pub fn on_stdout(self, to_file: bool) -> bool {
        match self {
            _ if to_file => false,
            Color::Always => true,
            Color::Never => false,
            Color::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal(),
        }
    }
}

/// The width the human table is laid out for: the terminal's when stdout is one, else
/// `COLUMNS`, else 100.
pub fn table_width(to_file: bool) -> usize {
    if !to_file && std::io::stdout().is_terminal() {
        // SAFETY: TIOCGWINSZ fills a `winsize` for a terminal fd and touches nothing else.
        let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
        if unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0 && ws.ws_col > 0 {
            return ws.ws_col as usize;
        }
    }
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).filter(|&c: &usize| c > 0).unwrap_or(100)
}

/// Where a report goes: `--output FILE` (created at the first write, so a run that fails before
/// it leaves no file) or stdout. JSON Lines write to it as inputs finish.
pub struct Out {
    path: Option<PathBuf>,
    file: Option<std::fs::File>,
}

impl Out {
    pub fn new(path: Option<PathBuf>) -> Out {
        Out { path, file: None }
    }

    pub fn write(&mut self, text: &str) -> anyhow::Result<()> {
        use std::io::Write;
        match &self.path {
            None => emit(None, text),
            Some(p) => {
                if self.file.is_none() {
                    let f =
                        std::fs::File::create(p).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))?;
                    self.file = Some(f);
                }
                let f = self.file.as_mut().expect("opened above");
                f.write_all(text.as_bytes()).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))
            }
        }
    }
}

/// Write to `--output FILE` or stdout.
pub fn emit(output: Option<&std::path::Path>, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    match output {
        Some(p) => std::fs::write(p, text).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display())),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
            Ok(())
        }
    }
}
