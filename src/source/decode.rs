//! The read loop the text decoders share, and I/O errors turned into errors that name the input
//! and the byte offset.

use std::io::{self, BufReader, Read};

use arrow_array::RecordBatch;

use super::text;
use crate::error::{Error, Place, Result};

/// Turn an I/O error from the reader chain into a library error, keeping a byte offset when one
/// of our adapters attached it.
pub(crate) fn map_io(name: &str, e: io::Error) -> Error {
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<text::PlacedIoError>()) {
        if inner.compressed {
            // Place offsets are in the decoded stream; this one is in the file as it is.
            return Error::malformed(name, Place::default(), inner.to_string());
        }
        return Error::malformed(name, Place::offset(inner.byte_offset), &inner.message);
    }
    Error::io(name, &e)
}

/// Shared read loop of the text decoders (the shape of arrow's own `BufReader::read`, with our
/// error mapping): feed buffered bytes to `decode` until it stops taking them, then `flush`.
/// On an error the rows decoded before it are still returned, then the error.
pub(crate) struct DecodeLoop<R, D> {
    pub name: String,
    pub reader: BufReader<R>,
    pub decoder: D,
    pub consumed: u64,
    pub done: bool,
    pub pending: Option<Error>,
}

impl<R, D> DecodeLoop<R, D> {
    pub fn new(name: &str, reader: BufReader<R>, decoder: D) -> Self {
        DecodeLoop { name: name.to_string(), reader, decoder, consumed: 0, done: false, pending: None }
    }
}

pub(crate) trait BatchDecoder {
    fn decode(&mut self, buf: &[u8]) -> std::result::Result<usize, arrow_schema::ArrowError>;
    fn flush(&mut self) -> std::result::Result<Option<RecordBatch>, arrow_schema::ArrowError>;
    fn full(&self) -> bool;
    /// Where in `buf` (the bytes `decode` failed on) the error is, when the decoder did not say.
    fn locate(&self, _buf: &[u8]) -> Option<u64> {
        None
    }
}

impl<R: Read, D: BatchDecoder> Iterator for DecodeLoop<R, D> {
    type Item = Result<RecordBatch>;
    fn next(&mut self) -> Option<Result<RecordBatch>> {
        use io::BufRead;
        if let Some(e) = self.pending.take() {
            return Some(Err(e));
        }
        if self.done {
            return None;
        }
        let mut failure = None;
        loop {
            let buf = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) => {
                    failure = Some(map_io(&self.name, e));
                    break;
                }
            };
            if buf.is_empty() {
                self.done = true;
                break;
            }
            let len = buf.len();
            match self.decoder.decode(buf) {
                Ok(n) => {
                    self.reader.consume(n);
                    self.consumed += n as u64;
                    if n < len || self.decoder.full() {
                        break;
                    }
                }
                Err(e) => {
                    let at = self.consumed + self.decoder.locate(buf).unwrap_or(0);
                    failure = Some(Error::malformed(&self.name, Place::offset(at), e.to_string()));
                    break;
                }
            }
        }
        let flushed = self.decoder.flush();
        if let Some(f) = failure {
            self.done = true;
            return match flushed {
                Ok(Some(b)) if b.num_rows() > 0 => {
                    self.pending = Some(f);
                    Some(Ok(b))
                }
                _ => Some(Err(f)),
            };
        }
        match flushed {
            Ok(Some(b)) => Some(Ok(b)),
            Ok(None) if self.done => None,
            Ok(None) => self.next(),
            Err(e) => {
                self.done = true;
                Some(Err(Error::malformed(&self.name, Place::offset(self.consumed), e.to_string())))
            }
        }
    }
}
