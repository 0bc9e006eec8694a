//! JSON: newline-delimited objects and top-level arrays of objects, both streamed. A small framing
//! filter (not a parser: it only tracks strings and nesting) turns `[ {…}, {…} ]` into a stream of
//! objects for arrow-json's `Decoder`, and enforces the nesting and record-size limits so hostile
//! input fails with a byte offset instead of exhausting the stack or memory. The schema is inferred
//! from the first records with every scalar read as text; a field first seen later is an error
//! (strict mode), so nothing is skipped silently.

use std::io::{self, BufReader, Read};
use std::sync::Arc;

use arrow_json::reader::Decoder;
use arrow_schema::{ArrowError, DataType, Field, Fields, Schema};

use super::{text::placed, BatchDecoder, BatchIter, DecodeLoop, SourceOptions};
use crate::error::{Error, Place, Result};
use arrow_array::RecordBatch;

impl BatchDecoder for Decoder {
    fn decode(&mut self, buf: &[u8]) -> std::result::Result<usize, ArrowError> {
        Decoder::decode(self, buf)
    }
    fn flush(&mut self) -> std::result::Result<Option<RecordBatch>, ArrowError> {
        Decoder::flush(self)
    }
    fn full(&self) -> bool {
        false
    }
    /// arrow-json's syntax errors carry no place: the buffer it failed on is parsed again with
    /// serde_json, which stops at the first byte that is not JSON.
    fn locate(&self, buf: &[u8]) -> Option<u64> {
        let mut values = serde_json::Deserializer::from_slice(buf).into_iter::<serde::de::IgnoredAny>();
        for v in values.by_ref() {
            if let Err(e) = v {
                if e.is_eof() {
                    return None;
                }
                let line_start = buf
                    .split_inclusive(|&b| b == b'\n')
                    .take(e.line().saturating_sub(1))
                    .map(|l| l.len())
                    .sum::<usize>();
                return Some((line_start + e.column().saturating_sub(1)) as u64);
            }
        }
        None
    }
}

/// Records inspected for the schema.
const INFER_RECORDS: usize = 10_000;

pub(super) fn open<R: Read + Send + 'static>(
    name: &str,
    utf8: R,
    prefix: &str,
    opts: &SourceOptions,
) -> Result<BatchIter> {
    let prefix = prefix.trim_start_matches('\u{feff}');
    let array = prefix.trim_start().starts_with('[');
    let max_record = opts.max_line_bytes;
    // Frame the prefix the same way as the stream, then infer.
    let mut framed = Vec::with_capacity(prefix.len());
    let mut f = Framer::new(prefix.as_bytes(), array, opts.max_json_depth, max_record);
    if let Err(e) = f.read_to_end(&mut framed) {
        return Err(super::map_io(name, e));
    }
    let mut values = Vec::new();
    for v in serde_json::Deserializer::from_slice(&framed).into_iter::<serde_json::Value>() {
        match v {
            Ok(v) => {
                if !v.is_object() {
                    return Err(Error::malformed(
                        name,
                        Place::row(values.len() as u64 + 1),
                        "a top-level JSON value is not an object",
                    ));
                }
                values.push(v);
                if values.len() >= INFER_RECORDS {
                    break;
                }
            }
            // The prefix may end inside a record; a real syntax error is reported by the decoder
            // with its place.
            Err(_) => break,
        }
    }
    let inferred = arrow_json::reader::infer_json_schema_from_iterator(values.iter().map(Ok))
        .map_err(|e| Error::malformed(name, Place::row(1), format!("cannot infer the JSON schema: {e}")))?;
    let schema = Arc::new(Schema::new(text_fields(inferred.fields())));
    let leaves = leaf_count(schema.fields());
    if leaves > opts.max_columns {
        return Err(Error::located(
            name,
            Place::row(1),
            format!(
                "the records have {leaves} columns, more than the limit of {} per input: not read",
                opts.max_columns
            ),
        ));
    }
    let decoder = arrow_json::ReaderBuilder::new(schema)
        .with_batch_size(opts.batch_size.max(1))
        .with_coerce_primitive(true)
        .with_strict_mode(true)
        .build_decoder()
        .map_err(|e| Error::malformed(name, Place::row(1), e.to_string()))?;
    let framer = Framer::new(utf8, array, opts.max_json_depth, max_record);
    Ok(Box::new(DecodeLoop::new(name, BufReader::with_capacity(1 << 20, framer), decoder)))
}

fn leaf_count(fields: &Fields) -> usize {
    fields
        .iter()
        .map(|f| match f.data_type() {
            DataType::Struct(fs) => leaf_count(fs).max(1),
            DataType::List(f) | DataType::LargeList(f) => leaf_count(&Fields::from(vec![f.as_ref().clone()])),
            _ => 1,
        })
        .sum()
}

/// Keep the nesting, read every scalar as text.
fn text_fields(fields: &Fields) -> Vec<Field> {
    fields.iter().map(|f| Field::new(f.name(), text_type(f.data_type()), true)).collect()
}

fn text_type(t: &DataType) -> DataType {
    match t {
        DataType::Struct(fs) => DataType::Struct(text_fields(fs).into()),
        DataType::List(f) => DataType::List(Arc::new(Field::new(f.name(), text_type(f.data_type()), true))),
        DataType::LargeList(f) => DataType::LargeList(Arc::new(Field::new(f.name(), text_type(f.data_type()), true))),
        _ => DataType::Utf8,
    }
}

/// Streams JSON text, replacing the brackets and separating commas of a top-level array with
/// whitespace (same length, so offsets stay true), and checking depth and record size.
pub(crate) struct Framer<R> {
    inner: R,
    array: bool,
    depth: usize,
    max_depth: usize,
    in_string: bool,
    escape: bool,
    offset: u64,
    record_start: u64,
    max_record: u64,
}

impl<R> Framer<R> {
    pub fn new(inner: R, array: bool, max_depth: usize, max_record: u64) -> Self {
        Framer {
            inner,
            array,
            depth: 0,
            max_depth,
            in_string: false,
            escape: false,
            offset: 0,
            record_start: 0,
            max_record,
        }
    }
}

impl<R: Read> Read for Framer<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        // depth of a record's own braces: 1 for the top-level object (2 inside an array)
        let top = usize::from(self.array);
        for (i, b) in buf[..n].iter_mut().enumerate() {
            let pos = self.offset + i as u64;
            if self.in_string {
                if self.escape {
                    self.escape = false;
                } else if *b == b'\\' {
                    self.escape = true;
                } else if *b == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            match *b {
                b'"' => self.in_string = true,
                b'{' | b'[' => {
                    if self.array && self.depth == 0 {
                        if *b != b'[' {
                            return Err(placed(pos, "expected a top-level JSON array"));
                        }
                        *b = b' ';
                    } else if self.depth == top {
                        self.record_start = pos;
                    }
                    self.depth += 1;
                    if self.depth > self.max_depth + top {
                        return Err(placed(pos, format!("JSON nested deeper than {} levels", self.max_depth)));
                    }
                }
                b'}' | b']' => {
                    if self.depth == 0 {
                        return Err(placed(pos, "unbalanced JSON bracket"));
                    }
                    self.depth -= 1;
                    if self.array && self.depth == 0 {
                        *b = b' ';
                    }
                }
                b',' if self.array && self.depth == 1 => *b = b'\n',
                _ => {}
            }
            if self.depth > top && pos - self.record_start > self.max_record {
                return Err(placed(
                    self.record_start,
                    format!("JSON record larger than {} MiB", self.max_record >> 20),
                ));
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(s: &str, array: bool) -> io::Result<String> {
        let mut out = String::new();
        Framer::new(s.as_bytes(), array, 64, 1 << 20).read_to_string(&mut out)?;
        Ok(out)
    }

    #[test]
    fn array_becomes_a_stream_of_objects() {
        let out = frame(r#"[{"a":"x,]"}, {"b":[1,2]}]"#, true).unwrap();
        assert_eq!(out, r#" {"a":"x,]"}\n {"b":[1,2]} "#.replace("\\n", "\n"));
    }

    #[test]
    fn depth_is_limited() {
        let deep = "[".repeat(1000);
        let e = frame(&format!("{{\"a\":{deep}"), false).unwrap_err();
        assert!(e.to_string().contains("nested deeper than 64"), "{e}");
    }
}
