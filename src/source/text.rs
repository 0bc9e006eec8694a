//! Byte-level adapters between the raw input and arrow's decoders: a counting reader, a prefix
//! reader (bytes already sniffed are replayed), and a streaming transcoder to UTF-8 that records
//! where malformed bytes were instead of failing or silently dropping them.

use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use encoding_rs::{DecoderResult, Encoding};

/// Counts the raw bytes read from the underlying input (before decompression).
pub struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R> Counting<R> {
    pub fn new(inner: R, count: Arc<AtomicU64>) -> Self {
        Counting { inner, count }
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A buffered reader that counts the bytes its consumer has taken (`consume`), so a
/// decompressor's error can name the compressed byte offset it stopped at.
pub struct CountingBufRead<R> {
    inner: io::BufReader<R>,
    taken: Arc<AtomicU64>,
}

impl<R: Read> CountingBufRead<R> {
    pub fn new(inner: R, taken: Arc<AtomicU64>) -> Self {
        CountingBufRead { inner: io::BufReader::with_capacity(64 * 1024, inner), taken }
    }
}

impl<R: Read> Read for CountingBufRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.taken.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: Read> io::BufRead for CountingBufRead<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, n: usize) {
        self.taken.fetch_add(n as u64, Ordering::Relaxed);
        self.inner.consume(n)
    }
}

/// The output of a decompressor; its errors (corrupt or truncated data) carry the compressed
/// byte offset reached, and the decompressed bytes before it.
pub struct Decompressed<R> {
    inner: R,
    codec: &'static str,
    taken: Arc<AtomicU64>,
    out: u64,
}

impl<R> Decompressed<R> {
    pub fn new(inner: R, codec: &'static str, taken: Arc<AtomicU64>) -> Self {
        Decompressed { inner, codec, taken, out: 0 }
    }
}

impl<R: Read> Read for Decompressed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.out += n as u64;
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                let what = if e.kind() == io::ErrorKind::UnexpectedEof {
                    format!("{} data ends early (truncated)", self.codec)
                } else {
                    format!("{} data is corrupt: {e}", self.codec)
                };
                let at = self.taken.load(Ordering::Relaxed);
                let message = format!("{what}, after {} decompressed bytes", self.out);
                Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    PlacedIoError { byte_offset: at, message, compressed: true },
                ))
            }
        }
    }
}

/// Replays `prefix` and then reads from `inner`.
pub struct Prefixed<R> {
    prefix: Vec<u8>,
    pos: usize,
    inner: R,
}

impl<R: Read> Prefixed<R> {
    /// Reads up to `n` bytes from `inner` into a prefix that will be replayed.
    pub fn peek(mut inner: R, n: usize) -> io::Result<Self> {
        let mut prefix = Vec::with_capacity(n.min(1 << 20));
        (&mut inner).take(n as u64).read_to_end(&mut prefix)?;
        Ok(Prefixed { prefix, pos: 0, inner })
    }
    pub fn prefix(&self) -> &[u8] {
        &self.prefix
    }
}

impl<R: Read> Read for Prefixed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos < self.prefix.len() {
            let n = (self.prefix.len() - self.pos).min(buf.len());
            buf[..n].copy_from_slice(&self.prefix[self.pos..self.pos + n]);
            self.pos += n;
            if self.pos == self.prefix.len() {
                self.prefix = Vec::new();
                self.pos = 0;
            }
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

/// What the transcoder saw; read after the stream ends.
#[derive(Debug, Default, Clone)]
pub struct TextStats {
    /// Byte offset (in the input stream after decompression) of the first malformed sequence.
    pub first_malformed: Option<u64>,
    /// Number of malformed sequences replaced by U+FFFD.
    pub malformed: u64,
}

/// An error raised inside a reader chain that carries a byte offset, so the source can report the
/// place. Wrapped in `io::Error` with kind `InvalidData`.
#[derive(Debug)]
pub struct PlacedIoError {
    pub byte_offset: u64,
    pub message: String,
    /// The offset is in the compressed input, not in the decoded stream.
    pub compressed: bool,
}

impl std::fmt::Display for PlacedIoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if self.compressed { "compressed byte offset" } else { "byte offset" };
        write!(f, "{} at {kind} {}", self.message, self.byte_offset)
    }
}

impl std::error::Error for PlacedIoError {}

pub fn placed(byte_offset: u64, message: impl Into<String>) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        PlacedIoError { byte_offset, message: message.into(), compressed: false },
    )
}

/// Streams any supported encoding to UTF-8. Malformed input is replaced by U+FFFD and counted (the
/// scan goes on, the input is marked incomplete). Lines longer than `max_line_bytes` are an error:
/// a file without newlines must not make the reader buffer without bound.
pub struct Utf8Reader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    in_buf: Box<[u8]>,
    in_start: usize,
    in_end: usize,
    eof: bool,
    consumed: u64,
    out_buf: Box<[u8]>,
    out_start: usize,
    out_end: usize,
    passthrough_utf8: bool,
    finished: bool,
    pub stats: Arc<std::sync::Mutex<TextStats>>,
    max_line_bytes: u64,
    line_len: u64,
    /// decoded-stream offset of the current line start
    out_offset: u64,
}

const IN_CAP: usize = 256 * 1024;

impl<R: Read> Utf8Reader<R> {
    pub fn new(inner: R, encoding: &'static Encoding, max_line_bytes: u64) -> Self {
        Utf8Reader {
            inner,
            // The BOM was already sniffed; keep decoding strictly in the chosen encoding but still
            // drop a BOM if present (UTF-8/UTF-16 BOMs must not end up in the first header name).
            decoder: encoding.new_decoder_with_bom_removal(),
            in_buf: vec![0; IN_CAP].into_boxed_slice(),
            in_start: 0,
            in_end: 0,
            eof: false,
            consumed: 0,
            out_buf: vec![0; IN_CAP * 3 + 16].into_boxed_slice(),
            out_start: 0,
            out_end: 0,
            passthrough_utf8: encoding == encoding_rs::UTF_8,
            finished: false,
            stats: Arc::default(),
            max_line_bytes,
            line_len: 0,
            out_offset: 0,
        }
    }

    fn fill(&mut self) -> io::Result<()> {
        // Move leftovers to the front and read more.
        if self.in_start > 0 {
            self.in_buf.copy_within(self.in_start..self.in_end, 0);
            self.in_end -= self.in_start;
            self.in_start = 0;
        }
        while !self.eof && self.in_end < self.in_buf.len() {
            match self.inner.read(&mut self.in_buf[self.in_end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    self.in_end += n;
                    if self.in_end >= 64 * 1024 {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn note_malformed(&mut self, offset: u64) {
        let mut s = self.stats.lock().unwrap();
        if s.first_malformed.is_none() {
            s.first_malformed = Some(offset);
        }
        s.malformed += 1;
    }

    /// UTF-8 input: the next valid run copied as it is into `dst` (at least 4 bytes), or U+FFFD
    /// for a malformed sequence, whose offset is recorded. 0 at the end of input.
    fn passthrough(&mut self, dst: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.in_end - self.in_start < 16 && !self.eof {
                self.fill()?;
            }
            let last = self.eof;
            let whole = &self.in_buf[self.in_start..self.in_end];
            // The byte-order mark is not data (the other encodings' decoders drop it too).
            if self.consumed == 0 && whole.starts_with(b"\xEF\xBB\xBF") {
                self.in_start += 3;
                self.consumed += 3;
                continue;
            }
            let cut = whole.len() > dst.len();
            let src = &whole[..whole.len().min(dst.len())];
            // Valid UTF-8 is copied as is; only the invalid parts are replaced, so that their
            // offsets are known. SIMD validation first; the SIMD validator that locates errors
            // when that fails (a chunk usually ends inside a character).
            let (valid, err) = if simdutf8::basic::from_utf8(src).is_ok() {
                (src.len(), None)
            } else {
                match simdutf8::compat::from_utf8(src) {
                    Ok(_) => (src.len(), None),
                    Err(e) => (e.valid_up_to(), Some(e.error_len())),
                }
            };
            if valid > 0 {
                dst[..valid].copy_from_slice(&src[..valid]);
                self.in_start += valid;
                self.consumed += valid as u64;
                return Ok(valid);
            }
            match err {
                None => return Ok(0), // nothing left: end of input
                // A sequence cut by the buffer end: read on (fill makes progress or hits EOF).
                Some(None) if !last && !cut => {
                    self.fill()?;
                    continue;
                }
                Some(bad) => {
                    let bad = bad.unwrap_or(src.len());
                    let off = self.consumed;
                    self.note_malformed(off);
                    self.in_start += bad;
                    self.consumed += bad as u64;
                    dst[..3].copy_from_slice("\u{FFFD}".as_bytes());
                    return Ok(3);
                }
            }
        }
    }

    /// Decode the next chunk into `out_buf`.
    fn decode_chunk(&mut self) -> io::Result<()> {
        self.out_start = 0;
        self.out_end = 0;
        if self.finished {
            return Ok(());
        }
        loop {
            if self.in_end - self.in_start < 16 && !self.eof {
                self.fill()?;
            }
            let last = self.eof;
            let src = &self.in_buf[self.in_start..self.in_end];
            if self.passthrough_utf8 {
                let mut out = std::mem::take(&mut self.out_buf);
                let n = self.passthrough(&mut out);
                self.out_buf = out;
                self.out_end = n?;
                return Ok(());
            }
            let (res, read, written) =
                self.decoder.decode_to_utf8_without_replacement(src, &mut self.out_buf[self.out_end..], last);
            let before = self.consumed;
            self.in_start += read;
            self.consumed += read as u64;
            self.out_end += written;
            match res {
                DecoderResult::InputEmpty => {
                    // encoding_rs: a decoder that saw `last` must not be used again.
                    self.finished = last;
                    if last || self.out_end > 0 {
                        return Ok(());
                    }
                }
                DecoderResult::OutputFull => return Ok(()),
                DecoderResult::Malformed(bad, extra) => {
                    let off = (before + read as u64).saturating_sub(bad as u64 + extra as u64);
                    self.note_malformed(off);
                    let rep = "\u{FFFD}".as_bytes();
                    if self.out_buf.len() - self.out_end >= 3 {
                        self.out_buf[self.out_end..self.out_end + 3].copy_from_slice(rep);
                        self.out_end += 3;
                    }
                    return Ok(());
                }
            }
        }
    }
}

impl<R: Read> Read for Utf8Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_start == self.out_end && self.passthrough_utf8 && buf.len() >= 4 {
            // UTF-8 goes straight to the caller's buffer, without the copy through `out_buf`.
            let n = self.passthrough(buf)?;
            self.count_lines(&buf[..n])?;
            return Ok(n);
        }
        if self.out_start == self.out_end {
            self.decode_chunk()?;
            if self.out_start == self.out_end {
                return Ok(0);
            }
        }
        let n = (self.out_end - self.out_start).min(buf.len());
        let out = std::mem::take(&mut self.out_buf);
        let counted = self.count_lines(&out[self.out_start..self.out_start + n]);
        buf[..n].copy_from_slice(&out[self.out_start..self.out_start + n]);
        self.out_buf = out;
        counted?;
        self.out_start += n;
        Ok(n)
    }
}

impl<R> Utf8Reader<R> {
    /// Track the length of the current line over `chunk`, the next bytes handed out.
    fn count_lines(&mut self, chunk: &[u8]) -> io::Result<()> {
        let n = chunk.len();
        if self.max_line_bytes != u64::MAX {
            match memchr::memrchr(b'\n', chunk) {
                Some(i) => {
                    self.out_offset += (self.line_len + i as u64) + 1;
                    self.line_len = (n - i - 1) as u64;
                }
                None => self.line_len += n as u64,
            }
            if self.line_len > self.max_line_bytes {
                return Err(placed(
                    self.out_offset,
                    format!("line longer than {} MiB (no newline)", self.max_line_bytes >> 20),
                ));
            }
        }
        Ok(())
    }
}

/// Sniff the encoding of a prefix: a BOM decides; otherwise UTF-8 unless the bytes read far
/// better as GB18030 (Chinese exports are very often GBK, which GB18030 contains). A UTF-8 file
/// with a few bad bytes stays UTF-8 (the bad bytes are reported), because GBK text almost never
/// forms valid UTF-8 multi-byte sequences.
pub fn sniff_encoding(prefix: &[u8], is_all: bool) -> (&'static Encoding, bool) {
    if let Some((enc, _)) = Encoding::for_bom(prefix) {
        return (enc, true);
    }
    let (multibyte, errors) = utf8_profile(prefix, is_all);
    if errors == 0 || errors * 20 < multibyte {
        return (encoding_rs::UTF_8, false);
    }
    let mut dec = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let mut out = vec![0u8; prefix.len() * 3 + 16];
    let mut src = prefix;
    let mut gb_errors = 0usize;
    loop {
        let (res, read, _) = dec.decode_to_utf8_without_replacement(src, &mut out, is_all);
        src = &src[read..];
        match res {
            DecoderResult::Malformed(_, _) => gb_errors += 1,
            _ => break,
        }
    }
    if gb_errors < errors {
        (encoding_rs::GB18030, false)
    } else {
        (encoding_rs::UTF_8, false)
    }
}

/// (valid non-ASCII UTF-8 characters, malformed sequences) of a prefix; a sequence cut by the end
/// of a partial prefix is not an error.
fn utf8_profile(mut b: &[u8], is_all: bool) -> (usize, usize) {
    let (mut multibyte, mut errors) = (0, 0);
    loop {
        match std::str::from_utf8(b) {
            Ok(s) => {
                multibyte += s.chars().filter(|c| !c.is_ascii()).count();
                return (multibyte, errors);
            }
            Err(e) => {
                let valid = &b[..e.valid_up_to()];
                multibyte +=
                    std::str::from_utf8(valid).map(|s| s.chars().filter(|c| !c.is_ascii()).count()).unwrap_or(0);
                match e.error_len() {
                    Some(n) => {
                        errors += 1;
                        b = &b[e.valid_up_to() + n..];
                    }
                    None => {
                        if is_all {
                            errors += 1;
                        }
                        return (multibyte, errors);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8], enc: &'static Encoding) -> (String, TextStats) {
        let mut r = Utf8Reader::new(bytes, enc, u64::MAX);
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        let st = r.stats.lock().unwrap().clone();
        (s, st)
    }

    #[test]
    fn gbk_is_transcoded() {
        let (bytes, _, _) = encoding_rs::GBK.encode("姓名,手机号\n张三,13812345678\n");
        assert_eq!(sniff_encoding(&bytes, true).0, encoding_rs::GB18030);
        let (s, st) = decode_all(&bytes, encoding_rs::GB18030);
        assert_eq!(s, "姓名,手机号\n张三,13812345678\n");
        assert_eq!(st.malformed, 0);
    }

    #[test]
    fn invalid_utf8_is_replaced_and_located() {
        let bytes = b"a,b\n1,\xff\xfe2\n";
        let (s, st) = decode_all(bytes, encoding_rs::UTF_8);
        assert!(s.starts_with("a,b\n1,"));
        assert_eq!(st.first_malformed, Some(6));
        assert!(st.malformed >= 1);
    }

    #[test]
    fn utf8_with_a_bad_byte_stays_utf8() {
        let mut bytes = "姓名,手机号\n张三,13812345678\n李四,13912345678\n".repeat(20).into_bytes();
        bytes.insert(40, 0xff);
        assert_eq!(sniff_encoding(&bytes, true).0, encoding_rs::UTF_8);
    }

    #[test]
    fn utf16_bom_is_sniffed() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "a,b\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let (enc, bom) = sniff_encoding(&bytes, true);
        assert_eq!(enc, encoding_rs::UTF_16LE);
        assert!(bom);
        let (s, _) = decode_all(&bytes, enc);
        assert_eq!(s, "a,b\n");
    }

    #[test]
    fn long_line_is_an_error_with_offset() {
        let bytes = vec![b'x'; 5 << 20];
        let mut r = Utf8Reader::new(&bytes[..], encoding_rs::UTF_8, 1 << 20);
        let mut s = String::new();
        let e = r.read_to_string(&mut s).unwrap_err();
        assert!(e.to_string().contains("byte offset 0"), "{e}");
    }
}
