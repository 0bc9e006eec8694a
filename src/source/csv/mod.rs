//! CSV: delimiter sniffed from the first lines, header names from the first record, every column
//! read as UTF-8 text (type inference would turn `0086…` phones and ID numbers into numbers).
//!
//! Records are split here rather than by arrow-csv: unquoted fields (the common case) are found
//! with `memchr`, bytes are copied once, straight into each column's value buffer, and the UTF-8
//! the transcoder already guaranteed is not validated field by field again. The grammar is
//! csv-core's, which arrow-csv uses: a field opening with `"` is quoted and `""` inside it is a
//! quote; anything after its closing quote is kept as text; a quote inside an unquoted field is
//! text; `\r`, `\n` and `\r\n` end a record, and blank lines are skipped; an empty field is null.
//!
//! A ragged record (wrong number of fields) does not end the file: it is reported by line and
//! skipped, and reading goes on. A file ending inside a quoted field is reported too.

use std::io::Read;
use std::sync::{Arc, Mutex};

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_buffer::{Buffer, NullBufferBuilder, OffsetBuffer, ScalarBuffer};
use arrow_schema::SchemaRef;

mod header;

use header::{first_record_is_data, header_fields, header_len, text_schema};
pub(crate) use header::{masked_name, sniff_delimiter};

use super::{map_io, text::Utf8Reader, BatchIter, SourceOptions};
use crate::error::{Error, Place, Result};

/// After this many ragged records the file is given up as not CSV of this shape.
const MAX_RAGGED: usize = 100;

/// Bytes read from the transcoder at a time.
const READ_CHUNK: usize = 1 << 20;

/// A batch is cut early when its values reach this size (offsets are 32-bit).
const MAX_BATCH_BYTES: usize = 1 << 30;

pub(super) fn open<R: Read + Send + 'static>(
    name: &str,
    mut utf8: Utf8Reader<R>,
    prefix: &str,
    whole: bool,
    opts: &SourceOptions,
    soft: Arc<Mutex<Vec<Error>>>,
) -> Result<BatchIter> {
    let bom = prefix.len() - prefix.trim_start_matches('\u{feff}').len();
    let prefix = &prefix[bom..];
    if !whole && !prefix.contains('\n') && !prefix.contains('\r') {
        return Err(Error::malformed(name, Place::row(0), "header row longer than 1 MiB"));
    }
    let delimiter = sniff_delimiter(prefix);
    let header = header_len(prefix, delimiter);
    if let Some(at) = header.open_quote {
        // csv-core would read the rest of the input as one header field: no record at all.
        let within = if whole { "before the end of the input" } else { "within the first 1 MiB" };
        return Err(Error::located(
            name,
            Place { row: Some(0), byte_offset: Some(at as u64), column: None },
            format!("the header row opens a quoted field on line 1 that is not closed {within}: no record can be read"),
        ));
    }
    let header_end = header.len;
    let fields = header_fields(&prefix.as_bytes()[..header_end], delimiter);
    if fields.len() > opts.max_columns {
        return Err(Error::located(
            name,
            Place::row(0),
            format!(
                "the header row has {} columns, more than the limit of {} per input: not read",
                fields.len(),
                opts.max_columns
            ),
        ));
    }
    // A first record that is data (it validates as identifiers, like the records below it) is
    // read as a record, and the columns are numbered.
    let headerless = first_record_is_data(&fields, &prefix[header_end..], delimiter);
    let names = if headerless { (1..=fields.len()).map(|i| format!("column_{i}")).collect() } else { fields };
    let schema = Arc::new(text_schema(&names));
    let header_end = if headerless { 0 } else { header_end };
    // Skip the header: the transcoder drops the BOM, so it yields the prefix without it.
    let mut header = vec![0u8; header_end];
    utf8.read_exact(&mut header).map_err(|e| map_io(name, e))?;
    let lines = if headerless {
        1
    } else {
        1 + header.iter().filter(|&&b| b == b'\n').count() as u64
            + u64::from(header.last() == Some(&b'\r') || !header.ends_with(b"\n"))
    };
    let ncols = schema.fields().len();
    Ok(Box::new(CsvBatches {
        name: name.to_string(),
        reader: utf8,
        schema,
        delimiter,
        batch_size: opts.batch_size.max(1),
        // Quoted fields may hold newlines, so a record may span lines: four lines' worth. (A line
        // without a newline is stopped by the transcoder first.)
        max_record: opts.max_line_bytes.saturating_mul(4),
        buf: vec![0; READ_CHUNK],
        pos: 0,
        end: 0,
        eof: false,
        consumed: header_end as u64,
        line: lines,
        records: 0,
        ragged: 0,
        done: false,
        pending: Vec::new(),
        columns: (0..ncols).map(|_| Column::default()).collect(),
        rows_in_batch: 0,
        batch_bytes: 0,
        fields: Vec::with_capacity(ncols + 1),
        unescaped: Vec::new(),
        soft,
    }))
}

/// One column of the batch being built.
struct Column {
    values: Vec<u8>,
    offsets: Vec<i32>,
    nulls: NullBufferBuilder,
}

impl Default for Column {
    fn default() -> Self {
        Column { values: Vec::new(), offsets: vec![0], nulls: NullBufferBuilder::new(0) }
    }
}

/// Where a field's text is: in the read buffer, or (quotes undone) in the record scratch.
#[derive(Clone, Copy)]
enum FieldText {
    Buf(usize, usize),
    Scratch(usize, usize),
}

/// A record read from the buffer.
enum Parsed {
    /// Fields are in `fields`; the record ends before `next` (its terminator included).
    Record { next: usize, lines: u64, open_quote: bool },
    /// The buffer ends inside the record: read more.
    More,
}

struct CsvBatches<R> {
    name: String,
    reader: Utf8Reader<R>,
    schema: SchemaRef,
    delimiter: u8,
    batch_size: usize,
    /// A record longer than this (bytes) ends the file with an error.
    max_record: u64,
    buf: Vec<u8>,
    /// Next unread byte of `buf`, and the end of its valid bytes.
    pos: usize,
    end: usize,
    eof: bool,
    /// Decoded-stream offset of `buf[pos]`.
    consumed: u64,
    /// Line (1-based) that `buf[pos]` is on.
    line: u64,
    /// Data records read (ragged ones included).
    records: u64,
    ragged: usize,
    done: bool,
    pending: Vec<Error>,
    columns: Vec<Column>,
    rows_in_batch: usize,
    batch_bytes: usize,
    fields: Vec<FieldText>,
    unescaped: Vec<u8>,
    soft: Arc<Mutex<Vec<Error>>>,
}

impl<R: Read> CsvBatches<R> {
    /// Move the unread bytes to the front and read more; grows the buffer for a record longer
    /// than it. Sets `eof` at the end of input.
    fn refill(&mut self) -> Result<()> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.buf.len() - self.end < READ_CHUNK / 2 {
            // Only one record is ever kept whole. A record this long is a quote left open (the
            // rest of the file would be one field): stop rather than hold the file in memory.
            if self.end as u64 > self.max_record {
                return Err(Error::malformed(
                    &self.name,
                    Place { row: Some(self.records + 1), byte_offset: Some(self.consumed), column: None },
                    format!(
                        "record from line {} longer than {} MiB (a quoted field not closed?): not read further",
                        self.line,
                        (self.max_record >> 20).max(1)
                    ),
                ));
            }
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let n = self.reader.read(&mut self.buf[self.end..]).map_err(|e| map_io(&self.name, e))?;
        if n == 0 {
            self.eof = true;
        }
        self.end += n;
        Ok(())
    }

    /// Split the record starting at `start` (not on a terminator) into `fields`.
    fn parse(&mut self, start: usize) -> Parsed {
        self.fields.clear();
        self.unescaped.clear();
        let (d, b, end) = (self.delimiter, &self.buf[..self.end], self.end);
        let mut i = start;
        let mut lines = 0u64;
        loop {
            // `i` is at the start of a field.
            if i < end && b[i] == b'"' {
                // Quoted: copy pieces between quote pairs to the scratch.
                let s0 = self.unescaped.len();
                let mut j = i + 1;
                loop {
                    let Some(q) = memchr::memchr(b'"', &b[j..]) else {
                        if !self.eof {
                            return Parsed::More;
                        }
                        // End of input inside the quotes: the field ends there.
                        lines += memchr::memchr_iter(b'\n', &b[j..]).count() as u64;
                        self.unescaped.extend_from_slice(&b[j..]);
                        self.fields.push(FieldText::Scratch(s0, self.unescaped.len()));
                        return Parsed::Record { next: end, lines, open_quote: true };
                    };
                    lines += memchr::memchr_iter(b'\n', &b[j..j + q]).count() as u64;
                    self.unescaped.extend_from_slice(&b[j..j + q]);
                    j += q + 1;
                    if j == end && !self.eof {
                        return Parsed::More;
                    }
                    if j < end && b[j] == b'"' {
                        self.unescaped.push(b'"');
                        j += 1;
                        continue;
                    }
                    break;
                }
                // After the closing quote, text up to the delimiter is kept as it is.
                let rest = memchr::memchr3(d, b'\n', b'\r', &b[j..]).map_or(end, |k| j + k);
                if rest == end && !self.eof {
                    return Parsed::More;
                }
                self.unescaped.extend_from_slice(&b[j..rest]);
                self.fields.push(FieldText::Scratch(s0, self.unescaped.len()));
                i = rest;
            } else {
                let e = find3(d, b'\n', b'\r', &b[i..]).map_or(end, |k| i + k);
                if e == end && !self.eof {
                    return Parsed::More;
                }
                self.fields.push(FieldText::Buf(i, e));
                i = e;
            }
            // `i` is at a delimiter, a terminator or the end of input.
            if i == end {
                return Parsed::Record { next: end, lines, open_quote: false };
            }
            if b[i] == d {
                i += 1;
                continue;
            }
            // A terminator: `\r\n` is one.
            if b[i] == b'\r' {
                if i + 1 == end && !self.eof {
                    return Parsed::More;
                }
                if i + 1 < end && b[i + 1] == b'\n' {
                    i += 1;
                }
            }
            return Parsed::Record { next: i + 1, lines: lines + 1, open_quote: false };
        }
    }

    /// Read records into the columns until the batch is full or the input ends.
    fn fill(&mut self) -> Result<()> {
        let ncols = self.columns.len();
        while self.rows_in_batch < self.batch_size && self.batch_bytes < MAX_BATCH_BYTES {
            // Blank lines between records are skipped (`\r\n` is one line end).
            loop {
                while self.pos < self.end && matches!(self.buf[self.pos], b'\n' | b'\r') {
                    if self.buf[self.pos] == b'\r' && self.pos + 1 == self.end && !self.eof {
                        break; // is it `\r\n`? Read on to know.
                    }
                    if self.buf[self.pos] == b'\n' || self.pos + 1 == self.end || self.buf[self.pos + 1] != b'\n' {
                        self.line += 1;
                    }
                    self.pos += 1;
                    self.consumed += 1;
                }
                if (self.pos < self.end && self.buf[self.pos] != b'\r') || self.eof {
                    break;
                }
                self.refill()?;
            }
            if self.pos == self.end {
                self.done = true;
                return Ok(());
            }
            let (next, lines, open_quote) = loop {
                match self.parse(self.pos) {
                    Parsed::Record { next, lines, open_quote } => break (next, lines, open_quote),
                    Parsed::More => {
                        let start = self.pos;
                        self.refill()?;
                        debug_assert!(self.pos == 0 || self.pos == start);
                    }
                }
            };
            let line = self.line;
            self.records += 1;
            if open_quote {
                self.soft.lock().unwrap().push(Error::malformed(
                    &self.name,
                    Place { row: Some(self.records), byte_offset: Some(self.consumed), column: None },
                    format!("quoted field opened on line {line} is not closed before the end of the input"),
                ));
            }
            if self.fields.len() == ncols {
                for (c, f) in self.columns.iter_mut().zip(&self.fields) {
                    let len = match *f {
                        // A short field is copied as 16 bytes and cut back: one inline move
                        // instead of a call to `memcpy` (most fields are short). The bytes
                        // after the field, up to 16, are in the buffer and are cut off.
                        FieldText::Buf(s, e) if e - s <= 16 && s + 16 <= self.buf.len() => {
                            let n = c.values.len() + (e - s);
                            let chunk: &[u8; 16] = self.buf[s..s + 16].try_into().expect("16 bytes");
                            c.values.extend_from_slice(chunk);
                            c.values.truncate(n);
                            e - s
                        }
                        FieldText::Buf(s, e) => {
                            c.values.extend_from_slice(&self.buf[s..e]);
                            e - s
                        }
                        FieldText::Scratch(s, e) => {
                            c.values.extend_from_slice(&self.unescaped[s..e]);
                            e - s
                        }
                    };
                    c.offsets.push(c.values.len() as i32);
                    c.nulls.append(len != 0);
                    self.batch_bytes += len;
                }
                self.rows_in_batch += 1;
            } else {
                self.ragged += 1;
                let fields = self.fields.len();
                let err = Error::malformed(
                    &self.name,
                    Place { row: Some(self.records), ..Place::default() },
                    format!("ragged record at line {line}: {fields} fields, expected {ncols}; the record was skipped"),
                );
                self.soft.lock().unwrap().push(err);
                if self.ragged > MAX_RAGGED {
                    self.pending.push(Error::malformed(
                        &self.name,
                        Place::row(self.records),
                        format!("more than {MAX_RAGGED} ragged records: not read further"),
                    ));
                    self.done = true;
                    return Ok(());
                }
            }
            self.consumed += (next - self.pos) as u64;
            self.line += lines;
            self.pos = next;
        }
        Ok(())
    }

    /// The rows read so far as a batch.
    fn flush(&mut self) -> Result<RecordBatch> {
        let rows = std::mem::take(&mut self.rows_in_batch);
        self.batch_bytes = 0;
        let arrays = self
            .columns
            .iter_mut()
            .map(|c| {
                let c = std::mem::take(c);
                // Every field is UTF-8 cut at ASCII bytes out of the transcoder's UTF-8; checked
                // here anyway (fast, whole buffer), so that the unchecked constructor below holds.
                let boundary = |o: &i32| c.values.get(*o as usize).is_none_or(|&b| (b as i8) >= -0x40);
                if simdutf8::basic::from_utf8(&c.values).is_err() || !c.offsets.iter().all(boundary) {
                    return Err(Error::malformed(&self.name, Place::offset(self.consumed), "invalid UTF-8 in a field"));
                }
                let mut nulls = c.nulls;
                let offsets = OffsetBuffer::new(ScalarBuffer::from(c.offsets));
                // SAFETY: `offsets` start at 0, never decrease (each is the values length after a
                // push) and end at `values.len()`; `values` is valid UTF-8 and every offset is on
                // a character boundary (both checked just above).
                let a = unsafe { StringArray::new_unchecked(offsets, Buffer::from_vec(c.values), nulls.finish()) };
                Ok(Arc::new(a) as ArrayRef)
            })
            .collect::<Result<Vec<_>>>()?;
        RecordBatch::try_new_with_options(
            self.schema.clone(),
            arrays,
            &arrow_array::RecordBatchOptions::new().with_row_count(Some(rows)),
        )
        .map_err(|e| Error::malformed(&self.name, Place::offset(self.consumed), e.to_string()))
    }
}

impl<R: Read> Iterator for CsvBatches<R> {
    type Item = Result<RecordBatch>;
    fn next(&mut self) -> Option<Result<RecordBatch>> {
        loop {
            if self.done {
                if self.rows_in_batch > 0 {
                    return Some(self.flush());
                }
                return self.pending.pop().map(Err);
            }
            if let Err(e) = self.fill() {
                self.done = true;
                self.pending.push(e);
                continue;
            }
            if self.rows_in_batch > 0 && (self.rows_in_batch >= self.batch_size || self.batch_bytes >= MAX_BATCH_BYTES)
            {
                return Some(self.flush());
            }
        }
    }
}

/// The first of `a`, `b` or `c` in `h`. Fields are mostly short: the first 32 bytes are
/// searched eight at a time in a register (no call; `memchr3`'s dispatch cost more than the
/// search there), the rest by `memchr3`.
#[inline]
fn find3(a: u8, b: u8, c: u8, h: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // A high bit for each zero byte of `v`. Bits above the lowest may be false (borrows), so
    // only the lowest is used.
    #[inline]
    fn zeros(v: u64) -> u64 {
        v.wrapping_sub(LO) & !v & HI
    }
    let (ra, rb, rc) = (LO * a as u64, LO * b as u64, LO * c as u64);
    let mut i = 0;
    while i + 8 <= h.len() && i < 32 {
        let w = u64::from_le_bytes(h[i..i + 8].try_into().expect("8 bytes"));
        let m = zeros(w ^ ra) | zeros(w ^ rb) | zeros(w ^ rc);
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    if i < 32 {
        return h[i..].iter().position(|&x| x == a || x == b || x == c).map(|k| i + k);
    }
    memchr::memchr3(a, b, c, &h[i..]).map(|k| i + k)
}

#[cfg(test)]
mod tests;
