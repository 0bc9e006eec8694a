//! Decompression ahead of the parser, on a thread of its own: the decompressed bytes of a gzip
//! or zstd input are handed over in chunks, so inflating overlaps parsing and scanning.

use std::io::{self, Read};

/// Decompressed bytes are made on a thread of their own, up to [`AHEAD_CHUNKS`] chunks ahead of
/// the parser: inflating gzip costs as much as parsing, and on one thread ahead of everything it
/// kept a two-thread scan of a `.csv.gz` at 1.3 × one thread. The reader yields the same bytes
/// and then the same error (its place and message are made on the thread by [`Decompressed`](super::text::Decompressed)).
pub struct ReadAhead {
    rx: std::sync::mpsc::Receiver<Ahead>,
    chunk: Vec<u8>,
    pos: usize,
    done: bool,
}

enum Ahead {
    Data(Vec<u8>),
    Fail(io::Error),
    End,
}

/// Bytes per chunk handed over, and chunks in flight: 1 MiB ahead at most.
const AHEAD_CHUNK: usize = 256 << 10;
const AHEAD_CHUNKS: usize = 4;

impl ReadAhead {
    /// Start reading `inner` on its own thread; `None` if no thread can be started.
    pub fn spawn<R: Read + Send + 'static>(mut inner: R, codec: &'static str) -> Option<Self> {
        let (tx, rx) = std::sync::mpsc::sync_channel(AHEAD_CHUNKS);
        let thread = std::thread::Builder::new().name(format!("xborder-{codec}")).spawn(move || loop {
            let mut buf = vec![0u8; AHEAD_CHUNK];
            let mut n = 0;
            let mut fail = None;
            let mut end = false;
            while n < AHEAD_CHUNK {
                // A decoder that panics on hostile input ends the stream with an error, never
                // with a silent end (fail closed).
                match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.read(&mut buf[n..]))) {
                    Ok(Ok(0)) => {
                        end = true;
                        break;
                    }
                    Ok(Ok(k)) => n += k,
                    Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                    Ok(Err(e)) => {
                        fail = Some(e);
                        break;
                    }
                    Err(_) => {
                        fail = Some(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("the {codec} decompressor failed on this input"),
                        ));
                        break;
                    }
                }
            }
            buf.truncate(n);
            if n > 0 && tx.send(Ahead::Data(buf)).is_err() {
                return;
            }
            if let Some(e) = fail {
                let _ = tx.send(Ahead::Fail(e));
                return;
            }
            if end {
                let _ = tx.send(Ahead::End);
                return;
            }
        });
        thread.ok()?;
        Some(ReadAhead { rx, chunk: Vec::new(), pos: 0, done: false })
    }
}

impl Read for ReadAhead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.chunk.len() {
            if self.done {
                return Ok(0);
            }
            match self.rx.recv() {
                Ok(Ahead::Data(c)) => {
                    self.chunk = c;
                    self.pos = 0;
                }
                Ok(Ahead::End) => self.done = true,
                Ok(Ahead::Fail(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => {
                    self.done = true;
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "the decompressor stopped early"));
                }
            }
        }
        let n = (self.chunk.len() - self.pos).min(buf.len());
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
