//! CSV: delimiter sniffed from the first lines, header names from the first record, every column
//! read as UTF-8 text (type inference would turn `0086…` phones and ID numbers into numbers), then
//! arrow-csv's `Decoder` does the parsing. A ragged record (wrong number of fields) does not end
//! the file: the bytes fed since the last batch are kept, `csv-core` finds the bad record, the
//! rows before it are flushed, the record is reported by line and skipped, and decoding goes on.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;
use arrow_csv::reader::{Decoder, Format};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use super::{map_io, text::Utf8Reader, BatchIter, SourceOptions};
use crate::error::{Error, Place, Result};

/// After this many ragged records the file is given up as not CSV of this shape.
const MAX_RAGGED: usize = 100;

pub(super) fn open<R: Read + Send + 'static>(
    name: &str,
    utf8: Utf8Reader<R>,
    prefix: &str,
    whole: bool,
    opts: &SourceOptions,
    soft: Arc<Mutex<Vec<Error>>>,
) -> Result<BatchIter> {
    let prefix = prefix.trim_start_matches('\u{feff}');
    if !whole && !prefix.contains('\n') && !prefix.contains('\r') {
        return Err(Error::malformed(name, Place::row(0), "header row longer than 1 MiB"));
    }
    let delimiter = sniff_delimiter(prefix);
    let format = Format::default().with_header(true).with_delimiter(delimiter).with_quote(b'"');
    let header_end = header_len(prefix);
    let (schema, _) = format
        .infer_schema(std::io::Cursor::new(&prefix.as_bytes()[..header_end]), Some(0))
        .map_err(|e| Error::malformed(name, Place::row(0), format!("cannot read the header row: {e}")))?;
    let schema = Arc::new(text_schema(&schema));
    let mut reader = BufReader::with_capacity(1 << 20, utf8);
    // Skip the header ourselves so every decoder is headerless and restartable.
    let mut header = vec![0u8; header_end];
    reader.read_exact(&mut header).map_err(|e| map_io(name, e))?;
    let mut it = CsvBatches {
        name: name.to_string(),
        reader,
        schema,
        delimiter,
        batch_size: opts.batch_size.max(1),
        decoder: None,
        retained: Vec::new(),
        replay: VecDeque::new(),
        rows: 0,
        consumed: header_end as u64,
        ragged: 0,
        done: false,
        pending: None,
        soft,
    };
    it.decoder = Some(it.new_decoder());
    Ok(Box::new(it))
}

struct CsvBatches<R> {
    name: String,
    reader: BufReader<R>,
    schema: SchemaRef,
    delimiter: u8,
    batch_size: usize,
    decoder: Option<Decoder>,
    /// Bytes fed to the current decoder since its last flush.
    retained: Vec<u8>,
    /// Bytes to feed before reading on (what followed a skipped record).
    replay: VecDeque<u8>,
    /// Data rows emitted so far.
    rows: u64,
    /// Decoded-stream bytes consumed so far.
    consumed: u64,
    ragged: usize,
    done: bool,
    pending: Option<Error>,
    soft: Arc<Mutex<Vec<Error>>>,
}

impl<R: Read> CsvBatches<R> {
    fn new_decoder(&self) -> Decoder {
        let format = Format::default().with_header(false).with_delimiter(self.delimiter).with_quote(b'"');
        arrow_csv::ReaderBuilder::new(self.schema.clone())
            .with_format(format)
            .with_batch_size(self.batch_size)
            .build_decoder()
    }

    /// Feed bytes until the decoder is full or the input ends.
    fn fill(&mut self) -> std::result::Result<(), Error> {
        let dec = self.decoder.as_mut().expect("decoder");
        loop {
            if !self.replay.is_empty() {
                let (a, _) = self.replay.as_slices();
                let n = dec
                    .decode(a)
                    .map_err(|e| Error::malformed(&self.name, Place::offset(self.consumed), e.to_string()))?;
                self.retained.extend(self.replay.drain(..n));
                self.consumed += n as u64;
                if dec.capacity() == 0 || n == 0 {
                    return Ok(());
                }
                continue;
            }
            let buf = self.reader.fill_buf().map_err(|e| map_io(&self.name, e))?;
            if buf.is_empty() {
                self.done = true;
                // An unterminated last record is still a record.
                dec.decode(&[])
                    .map_err(|e| Error::malformed(&self.name, Place::offset(self.consumed), e.to_string()))?;
                return Ok(());
            }
            let len = buf.len();
            let n = dec
                .decode(buf)
                .map_err(|e| Error::malformed(&self.name, Place::offset(self.consumed), e.to_string()))?;
            self.retained.extend_from_slice(&buf[..n]);
            self.reader.consume(n);
            self.consumed += n as u64;
            if dec.capacity() == 0 || n < len {
                return Ok(());
            }
        }
    }

    /// The decoder failed on a record of the retained bytes plus what it was fed last. Find the
    /// first record with the wrong number of fields, flush the rows before it and skip it.
    fn recover(&mut self, original: Error) -> Option<Result<RecordBatch>> {
        // The failing call's bytes were not added to `retained`; take what the reader still holds.
        let mut bytes = std::mem::take(&mut self.retained);
        let tail_start = bytes.len();
        bytes.extend(self.replay.drain(..));
        let more = self.reader.fill_buf().map(|b| b.to_vec()).unwrap_or_default();
        self.reader.consume(more.len());
        bytes.extend_from_slice(&more);
        let ncols = self.schema.fields().len();
        let Some((k, start, end, fields)) = find_ragged(&bytes, self.delimiter, ncols) else {
            self.done = true;
            return Some(Err(original));
        };
        // Records before the bad one: rows emitted, records skipped earlier, rows in this batch.
        let record = self.rows + self.ragged as u64 + k as u64 + 1;
        self.ragged += 1;
        let line = record + 1; // the header is line 1
        let err = Error::malformed(
            &self.name,
            Place { row: Some(record), ..Place::default() },
            format!("ragged record at line {line}: {fields} fields, expected {ncols}; the record was skipped"),
        );
        // Rows before the bad record, decoded afresh.
        let mut dec = self.new_decoder();
        let mut good = None;
        let mut off = 0;
        while off < start {
            match dec.decode(&bytes[off..start]) {
                Ok(n) => {
                    off += n;
                    if dec.capacity() == 0 || n == 0 {
                        // A batch fills only when `start` spans more rows than a batch holds,
                        // which cannot happen: retained bytes are less than one batch.
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        let _ = dec.decode(&[]);
        if let Ok(Some(b)) = dec.flush() {
            if b.num_rows() > 0 {
                good = Some(b);
            }
        }
        // What followed the bad record is decoded next by a fresh decoder.
        self.consumed = self.consumed - (tail_start as u64) + end as u64;
        let rest: VecDeque<u8> = bytes[end..].iter().copied().collect();
        self.replay = rest;
        self.decoder = Some(self.new_decoder());
        self.done = false;
        if self.ragged > MAX_RAGGED {
            self.done = true;
            self.replay.clear();
            let e = Error::malformed(
                &self.name,
                Place::row(record),
                format!("more than {MAX_RAGGED} ragged records: not read further"),
            );
            self.soft.lock().unwrap().push(err);
            return match good {
                Some(b) => {
                    self.rows += b.num_rows() as u64;
                    self.pending = Some(e);
                    Some(Ok(b))
                }
                None => Some(Err(e)),
            };
        }
        self.soft.lock().unwrap().push(err);
        match good {
            Some(b) => {
                self.rows += b.num_rows() as u64;
                Some(Ok(b))
            }
            None => self.next(),
        }
    }
}

impl<R: Read> Iterator for CsvBatches<R> {
    type Item = Result<RecordBatch>;
    fn next(&mut self) -> Option<Result<RecordBatch>> {
        if let Some(e) = self.pending.take() {
            return Some(Err(e));
        }
        loop {
            let was_done = self.done;
            if let Err(e) = self.fill() {
                if matches!(e, Error::Malformed { ref message, .. } if message.contains("incorrect number of fields")) {
                    return self.recover(e);
                }
                self.done = true;
                self.pending = None;
                return Some(Err(e));
            }
            let dec = self.decoder.as_mut().expect("decoder");
            match dec.flush() {
                Ok(Some(b)) if b.num_rows() > 0 => {
                    self.retained.clear();
                    self.rows += b.num_rows() as u64;
                    return Some(Ok(b));
                }
                Ok(_) => {
                    self.retained.clear();
                    if self.done || was_done {
                        return None;
                    }
                }
                Err(e) => {
                    let e = Error::malformed(&self.name, Place::offset(self.consumed), e.to_string());
                    if e.to_string().contains("incorrect number of fields") {
                        return self.recover(e);
                    }
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// First record (index, start, end, field count) whose field count is not `ncols`.
fn find_ragged(bytes: &[u8], delimiter: u8, ncols: usize) -> Option<(usize, usize, usize, usize)> {
    let mut rdr = csv_core::ReaderBuilder::new().delimiter(delimiter).quote(b'"').build();
    let mut out = vec![0u8; bytes.len() + 1024];
    let mut ends = vec![0usize; 1024];
    let mut pos = 0;
    let mut k = 0;
    loop {
        let start = pos;
        let mut fields = 0;
        let mut out_at = 0;
        loop {
            let (res, nin, nout, nend) = rdr.read_record(&bytes[pos..], &mut out[out_at..], &mut ends[fields..]);
            pos += nin;
            out_at += nout;
            fields += nend;
            match res {
                csv_core::ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2, 0),
                csv_core::ReadRecordResult::OutputFull => out.resize(out.len() * 2, 0),
                csv_core::ReadRecordResult::InputEmpty => {
                    if pos >= bytes.len() {
                        // last record without terminator: finish it
                        let (res2, _, _, nend2) = rdr.read_record(&[], &mut out[out_at..], &mut ends[fields..]);
                        fields += nend2;
                        if matches!(res2, csv_core::ReadRecordResult::Record) && fields != ncols && fields > 0 {
                            return Some((k, start, pos, fields));
                        }
                        return None;
                    }
                }
                csv_core::ReadRecordResult::Record => break,
                csv_core::ReadRecordResult::End => return None,
            }
        }
        // csv-core reports blank lines as no record; arrow skips them too.
        if fields != ncols && !(fields == 1 && bytes[start..pos].iter().all(|b| matches!(b, b'\r' | b'\n'))) {
            return Some((k, start, pos, fields));
        }
        k += 1;
    }
}

/// Every column as nullable UTF-8, with empty and duplicate names made unique.
fn text_schema(schema: &Schema) -> Schema {
    let mut seen = std::collections::HashSet::new();
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let base = f.name().trim().trim_matches('\u{feff}');
            let base = if base.is_empty() { format!("column_{}", i + 1) } else { base.to_string() };
            let mut name = base.clone();
            let mut n = 2;
            while !seen.insert(name.clone()) {
                name = format!("{base} ({n})");
                n += 1;
            }
            Field::new(name, DataType::Utf8, true)
        })
        .collect();
    Schema::new(fields)
}

/// Length in bytes of the first record (quotes may hide newlines), including its terminator.
fn header_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut in_q = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => in_q = !in_q,
            b'\n' if !in_q => return i + 1,
            b'\r' if !in_q => return if b.get(i + 1) == Some(&b'\n') { i + 2 } else { i + 1 },
            _ => {}
        }
        i += 1;
    }
    b.len()
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

fn count_outside_quotes(line: &str, d: u8) -> usize {
    let mut in_q = false;
    let mut n = 0;
    for &b in line.as_bytes() {
        if b == b'"' {
            in_q = !in_q;
        } else if b == d && !in_q {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_delimiters() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter("a;b;c\n1;2,5;3\n4;5;6\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff_delimiter("a|b|c\n\"x|y\"|2|3\n"), b'|');
    }

    #[test]
    fn header_length_respects_quotes() {
        assert_eq!(header_len("\"a\nb\",c\n1,2\n"), 8);
        assert_eq!(header_len("a,b\r\n1,2"), 5);
    }
}
