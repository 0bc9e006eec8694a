//! A check of a Parquet footer before parquet's own reader sees it. The footer is a Thrift
//! (compact protocol) `FileMetaData`; parquet trusts its counts and sizes, so a flipped bit can
//! make it allocate gigabytes (a root claiming 2³⁰ children: `Vec::with_capacity` of 8 GiB) or
//! panic (negative column-chunk sizes). This walker reads the same bytes without allocating by
//! their counts and checks what those allocations and reads depend on, against limits taken from
//! the file's size: every list holds at most as many elements as bytes remain, the schema is a
//! tree of exactly its elements, every size and offset is non-negative and inside the file.
//!
//! Field ids are those of `parquet.thrift` (apache/parquet-format): FileMetaData 2 schema,
//! 3 num_rows, 4 row_groups; SchemaElement 5 num_children; RowGroup 1 columns, 3 num_rows;
//! ColumnChunk 2 file_offset, 3 meta_data, 4–7 offset/column index offset and length;
//! ColumnMetaData 5 num_values, 6 total_uncompressed_size, 7 total_compressed_size,
//! 9 data_page_offset, 10 index_page_offset, 11 dictionary_page_offset.
//!
//! Messages name the limit a value broke, not the value: a footer is the file's content, and a
//! long number read from it has no place in an error.

/// What the footer says, once checked.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Footer {
    /// Leaf columns of the schema.
    pub leaves: usize,
    pub row_groups: usize,
}

/// Compact-protocol type ids.
const STOP: u8 = 0;
const TRUE: u8 = 1;
const FALSE: u8 = 2;
const BYTE: u8 = 3;
const I16: u8 = 4;
const I32: u8 = 5;
const I64: u8 = 6;
const DOUBLE: u8 = 7;
const BINARY: u8 = 8;
const LIST: u8 = 9;
const SET: u8 = 10;
const MAP: u8 = 11;
const STRUCT: u8 = 12;
const UUID: u8 = 13;

/// Structs nested deeper than this are not Parquet metadata (its deepest is about six).
const MAX_DEPTH: usize = 32;

/// Check a whole Parquet file's tail: `tail` is the footer and the 8 bytes after it (length and
/// magic), `file_len` the file's size.
pub(crate) fn check_tail(tail_len_and_magic: [u8; 8], file_len: u64) -> Result<u64, String> {
    if &tail_len_and_magic[4..] == b"PARE" {
        return Err("encrypted Parquet footer (PARE): not supported".into());
    }
    if &tail_len_and_magic[4..] != b"PAR1" {
        return Err("no Parquet magic (PAR1) at the end of the file: truncated?".into());
    }
    let footer = u32::from_le_bytes(tail_len_and_magic[..4].try_into().expect("4 bytes")) as u64;
    if footer + 12 > file_len {
        return Err(format!("footer length {footer} is larger than the file ({file_len} bytes)"));
    }
    Ok(footer)
}

/// Check the footer's `FileMetaData` bytes.
pub(crate) fn check(meta: &[u8], file_len: u64) -> Result<Footer, String> {
    let mut w = Walker { b: meta, pos: 0, file_len, depth: 0 };
    let mut footer = Footer::default();
    let mut children: Vec<i32> = Vec::new();
    w.read_struct(&mut |w, id, ty| match (id, ty) {
        (2, LIST) => {
            let (n, et) = w.list_header()?;
            for _ in 0..n {
                if et != STRUCT {
                    return Err("schema element is not a struct".into());
                }
                let mut nc = 0i32;
                w.read_struct(&mut |w, id, ty| match (id, ty) {
                    (5, I32) => {
                        nc = w.varint_i32()?;
                        Ok(())
                    }
                    _ => w.skip(ty),
                })?;
                children.push(nc);
            }
            Ok(())
        }
        (3, I64) => w.non_negative("num_rows").map(drop),
        (4, LIST) => {
            let (n, et) = w.list_header()?;
            if et != STRUCT {
                return Err("row group is not a struct".into());
            }
            footer.row_groups = n;
            for _ in 0..n {
                w.row_group()?;
            }
            Ok(())
        }
        _ => w.skip(ty),
    })?;
    footer.leaves = schema_leaves(&children)?;
    Ok(footer)
}

/// The schema's elements in depth-first order form one tree with a group at the root; the number
/// of its leaves.
fn schema_leaves(children: &[i32]) -> Result<usize, String> {
    let Some(&root) = children.first() else { return Err("the schema has no element".into()) };
    if root < 0 || root as u64 >= children.len() as u64 {
        return Err(format!("the schema root claims {root} children, {} elements follow", children.len() - 1));
    }
    // Children still expected by each open group.
    let mut open: Vec<u64> = vec![root as u64];
    let mut leaves = 0usize;
    for (i, &n) in children.iter().enumerate().skip(1) {
        let remaining = (children.len() - i) as u64;
        if n < 0 || n as u64 >= remaining {
            return Err(format!("schema element {i} claims {n} children, {} elements follow", remaining - 1));
        }
        while open.last() == Some(&0) {
            open.pop();
        }
        match open.last_mut() {
            Some(top) => *top -= 1,
            None => return Err(format!("schema element {i} is outside the root")),
        }
        if n == 0 {
            leaves += 1;
        } else {
            open.push(n as u64);
        }
    }
    if open.iter().any(|&k| k > 0) {
        return Err(format!("the schema claims more children than its {} elements", children.len()));
    }
    Ok(leaves)
}

struct Walker<'a> {
    b: &'a [u8],
    pos: usize,
    file_len: u64,
    depth: usize,
}

impl Walker<'_> {
    fn remaining(&self) -> usize {
        self.b.len() - self.pos
    }

    fn byte(&mut self) -> Result<u8, String> {
        let b = *self.b.get(self.pos).ok_or_else(|| format!("footer ends inside a value at byte {}", self.pos))?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Result<(), String> {
        if n > self.remaining() {
            return Err(format!("a value is longer than the {} bytes left in the footer", self.remaining()));
        }
        self.pos += n;
        Ok(())
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            if shift == 63 && b > 1 {
                return Err("varint overflows 64 bits".into());
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("varint longer than 10 bytes".into())
    }

    fn varint_i64(&mut self) -> Result<i64, String> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    fn varint_i32(&mut self) -> Result<i32, String> {
        i32::try_from(self.varint_i64()?).map_err(|_| "i32 out of range".to_string())
    }

    fn non_negative(&mut self, what: &str) -> Result<u64, String> {
        let v = self.varint_i64()?;
        u64::try_from(v).map_err(|_| format!("{what} is negative"))
    }

    /// An offset or size that must lie inside the file.
    fn in_file(&mut self, what: &str) -> Result<u64, String> {
        let v = self.non_negative(what)?;
        if v > self.file_len {
            return Err(format!("{what} is beyond the end of the file ({} bytes)", self.file_len));
        }
        Ok(v)
    }

    /// (elements, element type) of a list or set; no more elements than bytes remain (each takes
    /// at least one).
    fn list_header(&mut self) -> Result<(usize, u8), String> {
        let h = self.byte()?;
        let et = h & 0x0f;
        let n = if h >> 4 == 15 { self.varint()? } else { u64::from(h >> 4) };
        if n > self.remaining() as u64 {
            return Err(format!("a list claims more elements than the {} bytes left in the footer", self.remaining()));
        }
        Ok((n as usize, et))
    }

    /// Read a struct, handing each field (id, type) to `f`, which must consume its value.
    fn read_struct(&mut self, f: &mut dyn FnMut(&mut Self, i16, u8) -> Result<(), String>) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("structs nested deeper than {MAX_DEPTH}"));
        }
        let mut last: i16 = 0;
        loop {
            let h = self.byte()?;
            let ty = h & 0x0f;
            if ty == STOP {
                break;
            }
            let delta = h >> 4;
            let id = if delta == 0 {
                i16::try_from(self.varint_i64()?).map_err(|_| "field id out of range".to_string())?
            } else {
                last.checked_add(i16::from(delta)).ok_or("field id out of range")?
            };
            last = id;
            f(self, id, ty)?;
        }
        self.depth -= 1;
        Ok(())
    }

    fn skip(&mut self, ty: u8) -> Result<(), String> {
        match ty {
            TRUE | FALSE => Ok(()),
            BYTE => self.take(1),
            I16 | I32 | I64 => self.varint().map(drop),
            DOUBLE => self.take(8),
            UUID => self.take(16),
            BINARY => {
                let n = self.varint()?;
                self.take(usize::try_from(n).map_err(|_| "binary length out of range".to_string())?)
            }
            LIST | SET => {
                let (n, et) = self.list_header()?;
                for _ in 0..n {
                    self.skip_element(et)?;
                }
                Ok(())
            }
            MAP => {
                let n = self.varint()?;
                if n == 0 {
                    return Ok(());
                }
                if n > self.remaining() as u64 {
                    return Err(format!(
                        "a map claims more entries than the {} bytes left in the footer",
                        self.remaining()
                    ));
                }
                let kv = self.byte()?;
                for _ in 0..n {
                    self.skip_element(kv >> 4)?;
                    self.skip_element(kv & 0x0f)?;
                }
                Ok(())
            }
            STRUCT => self.read_struct(&mut |w, _, ty| w.skip(ty)),
            other => Err(format!("unknown Thrift type {other}")),
        }
    }

    /// A list element: booleans take a byte there.
    fn skip_element(&mut self, ty: u8) -> Result<(), String> {
        match ty {
            TRUE | FALSE => self.take(1),
            _ => self.skip(ty),
        }
    }

    fn row_group(&mut self) -> Result<(), String> {
        self.read_struct(&mut |w, id, ty| match (id, ty) {
            (1, LIST) => {
                let (n, et) = w.list_header()?;
                if et != STRUCT {
                    return Err("column chunk is not a struct".into());
                }
                for _ in 0..n {
                    w.column_chunk()?;
                }
                Ok(())
            }
            (2, I64) => w.non_negative("row group byte size").map(drop),
            (3, I64) => w.non_negative("row group rows").map(drop),
            _ => w.skip(ty),
        })
    }

    fn column_chunk(&mut self) -> Result<(), String> {
        self.read_struct(&mut |w, id, ty| match (id, ty) {
            (2, I64) => w.in_file("column chunk file offset").map(drop),
            (3, STRUCT) => w.column_meta(),
            (4, I64) => w.in_file("offset index offset").map(drop),
            (5, I32) => w.in_file("offset index length").map(drop),
            (6, I64) => w.in_file("column index offset").map(drop),
            (7, I32) => w.in_file("column index length").map(drop),
            _ => w.skip(ty),
        })
    }

    fn column_meta(&mut self) -> Result<(), String> {
        let (mut start, mut size) = (None::<u64>, 0u64);
        self.read_struct(&mut |w, id, ty| {
            match (id, ty) {
                (5, I64) => drop(w.non_negative("column chunk values")?),
                (6, I64) => drop(w.non_negative("column chunk uncompressed size")?),
                (7, I64) => size = w.in_file("column chunk compressed size")?,
                (9, I64) => {
                    let at = w.in_file("data page offset")?;
                    start = Some(start.map_or(at, |s| s.min(at)));
                }
                (10, I64) => drop(w.in_file("index page offset")?),
                (11, I64) => {
                    let at = w.in_file("dictionary page offset")?;
                    start = Some(start.map_or(at, |s| s.min(at)));
                }
                _ => w.skip(ty)?,
            }
            Ok(())
        })?;
        if let Some(s) = start {
            if s.saturating_add(size) > self.file_len {
                return Err(format!(
                    "column chunk at byte {s} of {size} bytes ends beyond the file ({} bytes)",
                    self.file_len
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schema_is_one_tree() {
        // root{a, g{b, c}}: 3 leaves.
        assert_eq!(schema_leaves(&[2, 0, 2, 0, 0]), Ok(3));
        assert_eq!(schema_leaves(&[0]), Ok(0));
        assert!(schema_leaves(&[1 << 30, 0, 0]).is_err());
        assert!(schema_leaves(&[3, 0, 0]).is_err(), "fewer elements than claimed");
        assert!(schema_leaves(&[1, 0, 0]).is_err(), "an element outside the root");
        assert!(schema_leaves(&[1, -1]).is_err());
    }

    #[test]
    fn lists_cannot_claim_more_elements_than_bytes() {
        // FileMetaData { 2: list<struct> of 2^30 elements } and nothing after.
        let meta = [0x29, 0xfc, 0x80, 0x80, 0x80, 0x80, 0x04];
        assert!(check(&meta, 1000).unwrap_err().contains("claims"));
    }
}
