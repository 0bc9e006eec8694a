//! CSV: delimiter sniffed from the first lines, header names from the first record, every column
//! read as UTF-8 text (type inference would turn `0086…` phones and ID numbers into numbers), then
//! arrow-csv's `Decoder` does the parsing.

use std::io::{BufReader, Read};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_csv::reader::{Decoder, Format};
use arrow_schema::{ArrowError, DataType, Field, Schema};

use super::{text::Utf8Reader, BatchDecoder, BatchIter, DecodeLoop, SourceOptions};
use crate::error::{Error, Place, Result};

impl BatchDecoder for Decoder {
    fn decode(&mut self, buf: &[u8]) -> std::result::Result<usize, ArrowError> {
        Decoder::decode(self, buf)
    }
    fn flush(&mut self) -> std::result::Result<Option<RecordBatch>, ArrowError> {
        Decoder::flush(self)
    }
    fn full(&self) -> bool {
        self.capacity() == 0
    }
}

pub(super) fn open<R: Read + Send + 'static>(
    name: &str,
    utf8: Utf8Reader<R>,
    prefix: &str,
    whole: bool,
    opts: &SourceOptions,
) -> Result<BatchIter> {
    let prefix = prefix.trim_start_matches('\u{feff}');
    if !whole && !prefix.contains('\n') && !prefix.contains('\r') {
        return Err(Error::malformed(name, Place::row(0), "header row longer than 1 MiB"));
    }
    let delimiter = sniff_delimiter(prefix);
    let format = Format::default().with_header(true).with_delimiter(delimiter).with_quote(b'"');
    // Only the header is needed; restrict inference to the header line so that a malformed first
    // data record is reported by the decoder with its line number, not here.
    let header_end = header_len(prefix);
    let (schema, _) = format
        .infer_schema(std::io::Cursor::new(&prefix.as_bytes()[..header_end]), Some(0))
        .map_err(|e| Error::malformed(name, Place::row(0), format!("cannot read the header row: {e}")))?;
    let schema = Arc::new(text_schema(&schema));
    let decoder = arrow_csv::ReaderBuilder::new(schema)
        .with_format(format)
        .with_batch_size(opts.batch_size.max(1))
        .build_decoder();
    Ok(Box::new(DecodeLoop::new(name, BufReader::with_capacity(1 << 20, utf8), decoder)))
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
    for &d in &[b',', b'\t', b';', b'|'] {
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
