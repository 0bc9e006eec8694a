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
use arrow_schema::{DataType, Field, Schema, SchemaRef};

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

/// The header record's fields (quotes undone).
fn header_fields(b: &[u8], delimiter: u8) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let (mut i, mut quoted) = (0, false);
    let mut at_start = true;
    while i < b.len() {
        let c = b[i];
        if quoted {
            if c == b'"' {
                if b.get(i + 1) == Some(&b'"') {
                    cur.push(b'"');
                    i += 1;
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == b'"' && at_start {
            quoted = true;
        } else if c == delimiter {
            out.push(String::from_utf8_lossy(&cur).into_owned());
            cur.clear();
            at_start = true;
            i += 1;
            continue;
        } else if c == b'\n' || c == b'\r' {
            break;
        } else {
            cur.push(c);
        }
        at_start = false;
        i += 1;
    }
    out.push(String::from_utf8_lossy(&cur).into_owned());
    out
}

/// Every column as nullable UTF-8, with empty and duplicate names made unique (`a`, `a (2)`,
/// `a (3)`: one counter per name, so 200,000 columns named `a` take linear time). A name that
/// validates as an identifier is masked like a value: names are printed in every report.
fn text_schema(names: &[String]) -> Schema {
    let mut seen = std::collections::HashSet::with_capacity(names.len());
    let mut next_suffix: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let fields: Vec<Field> = names
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let base = f.trim().trim_matches('\u{feff}');
            let base = if base.is_empty() {
                format!("column_{}", i + 1)
            } else {
                identifier_kind(base).map_or_else(|| base.to_string(), |k| k.mask(base))
            };
            let mut name = base.clone();
            if !seen.insert(name.clone()) {
                let n = next_suffix.entry(base.clone()).or_insert(2);
                loop {
                    name = format!("{base} ({n})");
                    *n += 1;
                    if seen.insert(name.clone()) {
                        break;
                    }
                }
            }
            Field::new(name, DataType::Utf8, true)
        })
        .collect();
    Schema::new(fields)
}

/// Identifiers a header cell is checked against: the ones that name one person and that no
/// column title looks like (GB 11643 resident ID, mainland mobile, e-mail, bank card by Luhn).
#[derive(Clone, Copy, PartialEq, Eq)]
enum IdKind {
    Digits,
    Email,
}

impl IdKind {
    fn mask(self, s: &str) -> String {
        use crate::detect::mask::{mask, MaskStyle};
        mask(if self == IdKind::Email { MaskStyle::Email } else { MaskStyle::Middle }, s)
    }
}

/// A column name masked like a value when it validates as an identifier (any input format).
pub(super) fn masked_name(name: &str) -> Option<String> {
    identifier_kind(name).map(|k| k.mask(name.trim()))
}

fn identifier_kind(cell: &str) -> Option<IdKind> {
    use crate::detect::validators::{find, Ctx};
    let cell = cell.trim();
    if cell.len() < 6 || cell.len() > 64 {
        return None;
    }
    // The loosest "today": a header is judged without the scan date.
    let ctx = Ctx { today: crate::time::Date::new(9999, 12, 31).expect("a valid date") };
    let ok = |v: &str| find(v).is_some_and(|f| f(cell, &ctx));
    if ok("email") {
        Some(IdKind::Email)
    } else if ok("gb11643") || ok("phone_cn") || ok("bank_card") {
        Some(IdKind::Digits)
    } else {
        None
    }
}

/// Whether the first record is data rather than column names: some column's first cell is an
/// identifier and so are most of the cells below it (up to 50 records of the prefix).
fn first_record_is_data(first: &[String], rest: &str, delimiter: u8) -> bool {
    let kinds: Vec<Option<IdKind>> = first.iter().map(|c| identifier_kind(c)).collect();
    if kinds.iter().all(Option::is_none) {
        return false;
    }
    let mut rest = rest.as_bytes();
    let mut agree = vec![0usize; first.len()];
    let mut records = 0usize;
    while records < 50 && !rest.is_empty() {
        let h = header_len_bytes(rest, delimiter);
        if h.open_quote.is_some() || (h.len == rest.len() && records > 0) {
            break; // the last record of the prefix may be cut
        }
        let line = &rest[..h.len];
        rest = &rest[h.len..];
        if line.iter().all(|b| matches!(b, b'\n' | b'\r')) {
            continue;
        }
        let cells = header_fields(line, delimiter);
        records += 1;
        for (i, k) in kinds.iter().enumerate() {
            if let (Some(k), Some(c)) = (k, cells.get(i)) {
                if identifier_kind(c) == Some(*k) {
                    agree[i] += 1;
                }
            }
        }
    }
    // With no record below, a header of identifiers is data too (a one-line export).
    records == 0 || kinds.iter().zip(&agree).any(|(k, &n)| k.is_some() && n * 2 > records)
}

/// The first record of a prefix: its length in bytes with its terminator, and where a quoted
/// field that is not closed opened.
struct HeaderLen {
    len: usize,
    open_quote: Option<usize>,
}

/// Length of the first record (quotes may hide newlines), in csv-core's grammar: a quote opens
/// a quoted field only at the start of a field; anywhere else it is text.
fn header_len(s: &str, delimiter: u8) -> HeaderLen {
    header_len_bytes(s.as_bytes(), delimiter)
}

fn header_len_bytes(b: &[u8], delimiter: u8) -> HeaderLen {
    let mut i = 0;
    let mut at_start = true;
    while i < b.len() {
        match b[i] {
            b'"' if at_start => {
                let open = i;
                i += 1;
                loop {
                    match memchr::memchr(b'"', &b[i..]) {
                        None => return HeaderLen { len: b.len(), open_quote: Some(open) },
                        Some(q) if b.get(i + q + 1) == Some(&b'"') => i += q + 2,
                        Some(q) => {
                            i += q + 1;
                            break;
                        }
                    }
                }
                at_start = false;
                continue;
            }
            b'\n' => return HeaderLen { len: i + 1, open_quote: None },
            b'\r' => {
                let len = if b.get(i + 1) == Some(&b'\n') { i + 2 } else { i + 1 };
                return HeaderLen { len, open_quote: None };
            }
            d if d == delimiter => at_start = true,
            _ => at_start = false,
        }
        i += 1;
    }
    HeaderLen { len: b.len(), open_quote: None }
}

/// Pick the delimiter that splits the first lines into the same, largest number of fields.
pub(crate) fn sniff_delimiter(prefix: &str) -> u8 {
    let lines: Vec<&str> = prefix.lines().filter(|l| !l.trim().is_empty()).take(20).collect();
    // The last line may be cut by the prefix end.
    let lines = if lines.len() > 2 { &lines[..lines.len() - 1] } else { &lines[..] };
    let mut best = (b',', 0usize, 0usize); // delimiter, consistent lines, fields
    for &d in b",\t;|" {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d)).collect();
        let Some(&first) = counts.first() else { continue };
        if first == 0 {
            continue;
        }
        let consistent = counts.iter().filter(|&&c| c == first).count();
        if (consistent, first) > (best.1, best.2) {
            best = (d, consistent, first);
        }
    }
    best.0
}

/// Delimiters outside quoted fields (a quote opens one only at the start of a field).
fn count_outside_quotes(line: &str, d: u8) -> usize {
    let (mut in_q, mut at_start) = (false, true);
    let mut n = 0;
    for &b in line.as_bytes() {
        if in_q {
            in_q = b != b'"';
        } else if b == b'"' && at_start {
            in_q = true;
        } else if b == d {
            n += 1;
            at_start = true;
            continue;
        }
        at_start = false;
    }
    n
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
mod tests {
    use super::*;

    #[test]
    fn find3_is_the_first_of_three_bytes() {
        let mut next = crate::test_util::xorshift(0x9E37_79B9_7F4A_7C15u64);
        for _ in 0..50_000 {
            let n = next() as usize % 80;
            // Mostly bytes next to the searched ones (borrows and carries), some high bytes.
            let h: Vec<u8> = (0..n).map(|_| b",-+\n\x0b\r\x0c\xac\xff\x00a1"[next() as usize % 12]).collect();
            let want = h.iter().position(|&x| x == b',' || x == b'\n' || x == b'\r');
            assert_eq!(find3(b',', b'\n', b'\r', &h), want, "{h:?}");
        }
    }
    use arrow_array::Array;

    #[test]
    fn sniffs_delimiters() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter("a;b;c\n1;2,5;3\n4;5;6\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff_delimiter("a|b|c\n\"x|y\"|2|3\n"), b'|');
    }

    /// Hands out at most `step` bytes per read, so records straddle every refill.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    type Rows = Vec<Vec<Option<String>>>;

    /// Rows of every batch as column values, and the soft errors.
    fn read_all(text: &str, step: usize, batch_size: usize) -> (Rows, Vec<String>) {
        let (rows, errors, hard) = read_limited(text, step, batch_size, 1 << 24);
        assert!(hard.is_empty(), "{hard:?}");
        (rows, errors)
    }

    /// Rows, soft errors and the errors that ended reading, with records limited to `max` bytes.
    fn read_limited(text: &str, step: usize, batch_size: usize, max: u64) -> (Rows, Vec<String>, Vec<String>) {
        let data: &'static [u8] = Box::leak(text.as_bytes().to_vec().into_boxed_slice());
        let utf8 = Utf8Reader::new(Trickle { data, step }, encoding_rs::UTF_8, 1 << 24);
        let soft: Arc<Mutex<Vec<Error>>> = Arc::default();
        let opts = SourceOptions { batch_size, max_line_bytes: max, ..SourceOptions::default() };
        let it = open("t.csv", utf8, text, true, &opts, soft.clone()).unwrap();
        let mut rows = Vec::new();
        let mut hard = Vec::new();
        for b in it {
            let b = match b {
                Ok(b) => b,
                Err(e) => {
                    hard.push(e.to_string());
                    continue;
                }
            };
            rows.extend(batch_rows(&b));
        }
        let errors = soft.lock().unwrap().iter().map(|e| e.to_string()).collect();
        (rows, errors, hard)
    }

    #[test]
    fn an_unclosed_quote_does_not_buffer_the_file() {
        // The quote on line 3 never closes: everything after it would be one field.
        let mut text = String::from("a,b\n1,2\n3,\"x\n");
        for i in 0..200_000 {
            text.push_str(&format!("{i},line\n"));
        }
        let (rows, _, hard) = read_limited(&text, 1 << 16, 8192, 1 << 18);
        assert_eq!(rows, vec![row(&["1", "2"])]);
        assert_eq!(hard.len(), 1, "{hard:?}");
        assert!(hard[0].contains("record from line 3 longer than 1 MiB"), "{}", hard[0]);
        assert!(hard[0].contains("byte offset 8"), "{}", hard[0]);
    }

    /// The same text through arrow-csv (csv-core's grammar), the reader this one replaced.
    fn arrow_rows(text: &str, delimiter: u8) -> Rows {
        let header = header_fields(&text.as_bytes()[..header_len(text, delimiter).len], delimiter);
        let schema = Arc::new(Schema::new(
            (0..header.len()).map(|i| Field::new(format!("c{i}"), DataType::Utf8, true)).collect::<Vec<_>>(),
        ));
        let r = arrow_csv::ReaderBuilder::new(schema)
            .with_header(true)
            .with_delimiter(delimiter)
            .build(std::io::Cursor::new(text.as_bytes().to_vec()))
            .unwrap();
        r.flat_map(|b| batch_rows(&b.unwrap())).collect()
    }

    /// A batch of text columns as rows of values (`None` for null).
    fn batch_rows(b: &RecordBatch) -> Rows {
        (0..b.num_rows())
            .map(|r| {
                b.columns()
                    .iter()
                    .map(|c| {
                        let c = c.as_any().downcast_ref::<StringArray>().unwrap();
                        (!c.is_null(r)).then(|| c.value(r).to_string())
                    })
                    .collect()
            })
            .collect()
    }

    fn row(v: &[&str]) -> Vec<Option<String>> {
        v.iter().map(|s| (!s.is_empty()).then(|| s.to_string())).collect()
    }

    #[test]
    fn quotes_terminators_and_blank_lines() {
        let text = "a,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",3\r\n\r\n\n4,\"multi\nline\",6\rq\"uote,\"ab\"cd,\n,,\n7,8,9";
        for step in [1, 2, 3, 7, 64, 1 << 20] {
            let (rows, errors) = read_all(text, step, 2);
            assert_eq!(
                rows,
                vec![
                    row(&["x,1", "say \"hi\"", "3"]),
                    row(&["4", "multi\nline", "6"]),
                    row(&["q\"uote", "abcd", ""]),
                    row(&["", "", ""]),
                    row(&["7", "8", "9"]),
                ],
                "step {step}"
            );
            assert!(errors.is_empty(), "{errors:?}");
        }
        assert_eq!(read_all(text, 5, 8192).0, arrow_rows(text, b','));
    }

    #[test]
    fn agrees_with_arrow_csv_on_generated_text() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let pieces = ["张三", "1381234", ",", "\"", "\"\"", "\n", "\r\n", " ", "x", "；", "\t"];
        for case in 0..200 {
            let cols = 1 + (next() % 5) as usize;
            let delim = if case % 3 == 0 { "\t" } else { "," };
            let mut text = (0..cols).map(|i| format!("h{i}")).collect::<Vec<_>>().join(delim);
            text.push_str(if case % 2 == 0 { "\n" } else { "\r\n" });
            for _ in 0..(next() % 40) {
                let fields: Vec<String> = (0..cols)
                    .map(|_| {
                        let raw: String =
                            (0..next() % 4).map(|_| pieces[(next() % pieces.len() as u64) as usize]).collect();
                        // Quote a field holding anything special, as a writer would.
                        if raw.contains([',', '"', '\n', '\r', '\t']) || next() % 5 == 0 {
                            format!("\"{}\"", raw.replace('"', "\"\""))
                        } else {
                            raw
                        }
                    })
                    .collect();
                // csv-core reads a lone empty field on its own line as a blank line.
                if cols == 1 && fields[0].is_empty() {
                    continue;
                }
                text.push_str(&fields.join(delim));
                text.push_str(["\n", "\r\n", "\r"][(next() % 3) as usize]);
            }
            let (ours, errors) = read_all(&text, 1 + (next() % 50) as usize, 1 + (next() % 9) as usize);
            assert!(errors.is_empty(), "case {case}: {errors:?}");
            assert_eq!(ours, arrow_rows(&text, delim.as_bytes()[0]), "case {case}: {text:?}");
        }
    }

    #[test]
    fn ragged_and_unclosed_records_are_reported_by_line() {
        let text = "a,b\n1,2\n\"two\nlines\",3,4\n5,6\n\n7,\"open\n8";
        let (rows, errors) = read_all(text, 3, 8192);
        assert_eq!(rows, vec![row(&["1", "2"]), row(&["5", "6"]), row(&["7", "open\n8"])]);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("line 3: 3 fields, expected 2"), "{}", errors[0]);
        assert!(errors[1].contains("opened on line 7") && errors[1].contains("row 4"), "{}", errors[1]);
        // No cell value in a message.
        assert!(!errors.iter().any(|e| e.contains("lines") || e.contains("open\n")), "{errors:?}");
    }

    #[test]
    fn header_length_respects_quotes() {
        assert_eq!(header_len("\"a\nb\",c\n1,2\n", b',').len, 8);
        assert_eq!(header_len("a,b\r\n1,2", b',').len, 5);
        // A quote inside a field is text; one opening a field and never closed is reported.
        assert_eq!(header_len("na\\\"me,phone\n1,2\n", b',').len, 13);
        assert_eq!(header_len("a,\"b\n1,2\n", b',').open_quote, Some(2));
    }
}
