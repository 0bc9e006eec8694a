//! Nested columns become leaf columns addressed by path (`owner.phone`, `trips[].lat`). A leaf
//! keeps, for each of its values, the row of the batch it belongs to, so values inside lists stay
//! linked to their row's person.

use std::sync::Arc;

use arrow_array::{
    cast::AsArray, make_array, Array, ArrayRef, FixedSizeListArray, GenericListArray, OffsetSizeTrait, RecordBatch,
};
use arrow_buffer::NullBuffer;
use arrow_schema::DataType;

/// One leaf column of a batch.
pub struct Leaf {
    pub path: String,
    pub array: ArrayRef,
    /// Row (in the batch) of each value; `None` when value `i` is row `i`. `u32::MAX` marks values
    /// under a null list, which are skipped.
    pub rows: Option<Arc<Vec<u32>>>,
}

impl Leaf {
    #[inline]
    pub fn row_of(&self, i: usize) -> u32 {
        match &self.rows {
            Some(r) => r[i],
            None => i as u32,
        }
    }
}

pub fn flatten(batch: &RecordBatch) -> Vec<Leaf> {
    let mut out = Vec::new();
    for (field, col) in batch.schema().fields().iter().zip(batch.columns()) {
        walk(field.name().to_string(), col.clone(), None, &mut out);
    }
    out
}

fn with_parent_nulls(child: &ArrayRef, parent: Option<&NullBuffer>) -> ArrayRef {
    match parent {
        Some(p) if p.null_count() > 0 => {
            let nulls = NullBuffer::union(Some(p), child.nulls());
            let data = child.to_data().into_builder().nulls(nulls).build();
            match data {
                Ok(d) => make_array(d),
                Err(_) => child.clone(),
            }
        }
        _ => child.clone(),
    }
}

fn walk(path: String, array: ArrayRef, rows: Option<Arc<Vec<u32>>>, out: &mut Vec<Leaf>) {
    match array.data_type() {
        DataType::Struct(_) => {
            let s = array.as_struct();
            for (f, c) in s.fields().iter().zip(s.columns()) {
                let child = with_parent_nulls(c, s.nulls());
                walk(format!("{path}.{}", f.name()), child, rows.clone(), out);
            }
        }
        DataType::List(_) => list(path, array.as_list::<i32>(), rows, out),
        DataType::LargeList(_) => list(path, array.as_list::<i64>(), rows, out),
        DataType::FixedSizeList(_, _) => fixed_list(path, array.as_fixed_size_list(), rows, out),
        DataType::Map(_, _) => {
            let m = array.as_map();
            let offsets = m.value_offsets();
            let entries: ArrayRef = Arc::new(m.entries().clone());
            let map_rows = child_rows(offsets.iter().map(|&o| o as usize), m.nulls(), rows.as_deref(), m.len());
            let start = offsets.first().copied().unwrap_or(0) as usize;
            let end = offsets.last().copied().unwrap_or(0) as usize;
            walk(format!("{path}{{}}"), entries.slice(start, end - start), Some(Arc::new(map_rows)), out);
        }
        // Dictionary-encoded text stays encoded: each distinct value is judged once (`cell.rs`).
        DataType::Dictionary(k, v) if **k == DataType::Int32 && **v == DataType::Utf8 => {
            out.push(Leaf { path, array, rows })
        }
        DataType::Dictionary(_, _) | DataType::LargeUtf8 | DataType::Utf8View => {
            match arrow_cast::cast(&array, &DataType::Utf8) {
                Ok(a) => out.push(Leaf { path, array: a, rows }),
                Err(_) => out.push(Leaf { path, array, rows }),
            }
        }
        _ => out.push(Leaf { path, array, rows }),
    }
}

fn list<O: OffsetSizeTrait>(path: String, l: &GenericListArray<O>, rows: Option<Arc<Vec<u32>>>, out: &mut Vec<Leaf>) {
    let offsets = l.value_offsets();
    let start = offsets.first().map(|o| o.as_usize()).unwrap_or(0);
    let end = offsets.last().map(|o| o.as_usize()).unwrap_or(0);
    let r = child_rows(offsets.iter().map(|o| o.as_usize()), l.nulls(), rows.as_deref(), l.len());
    walk(format!("{path}[]"), l.values().slice(start, end - start), Some(Arc::new(r)), out);
}

fn fixed_list(path: String, l: &FixedSizeListArray, rows: Option<Arc<Vec<u32>>>, out: &mut Vec<Leaf>) {
    let size = l.value_length() as usize;
    let start = l.offset() * size;
    let offs = (0..=l.len()).map(|i| start + i * size);
    let r = child_rows(offs, l.nulls(), rows.as_deref(), l.len());
    walk(format!("{path}[]"), l.values().slice(start, l.len() * size), Some(Arc::new(r)), out);
}

/// Row of each child value: parent slot `i` covers `offsets[i]..offsets[i+1]`.
fn child_rows(
    offsets: impl Iterator<Item = usize>,
    nulls: Option<&NullBuffer>,
    parent_rows: Option<&Vec<u32>>,
    len: usize,
) -> Vec<u32> {
    let offs: Vec<usize> = offsets.collect();
    let base = offs.first().copied().unwrap_or(0);
    let mut r = vec![u32::MAX; offs.last().copied().unwrap_or(0) - base];
    for i in 0..len {
        if nulls.is_some_and(|n| n.is_null(i)) {
            continue;
        }
        let row = match parent_rows {
            Some(p) => p[i],
            None => i as u32,
        };
        for slot in &mut r[offs[i] - base..offs[i + 1] - base] {
            *slot = row;
        }
    }
    r
}
