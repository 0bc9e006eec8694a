//! A batch: its columns cut into slices scanned in parallel, their tallies merged into the
//! input's columns, and the batch routed to the persons once the input's column gates are decided.

use std::sync::Arc;

use arrow_array::RecordBatch;
use rayon::prelude::*;

use super::cell::{ColumnCtx, SliceOut};
use super::flatten::flatten;
use super::session::{ColumnAcc, InputAcc};
use super::tally::ColumnTally;
use super::{classify, Scanner, SLICE, WINDOW_ROWS};
use crate::persons::CATEGORY_BITS;

/// What the slices of one batch found, before it is merged into the persons.
pub(super) struct BatchOut {
    pub(super) rows: usize,
    pub(super) slices: Vec<SliceOut>,
    /// Rows of the input before this batch.
    pub(super) base: u64,
    pub(super) input: u32,
    /// The input's column gates (set when the batch is routed to the persons).
    pub(super) gates: Arc<Vec<u64>>,
}

impl BatchOut {
    /// Is category `bits` of column `col` one the column gives persons?
    #[inline]
    pub(super) fn open(&self, col: u32, bits: u64) -> bool {
        self.gates.get(col as usize).is_some_and(|&g| g & bits & category_mask() != 0)
    }
}

/// The category bits of a flag word (without the minor and owner bits).
#[inline]
pub(super) const fn category_mask() -> u64 {
    (1u64 << CATEGORY_BITS) - 1
}

/// Scan a batch's slices in parallel and merge their tallies into the input's columns.
pub(super) fn scan_slices(scanner: &Scanner, acc: &mut InputAcc, input: u32, batch: &RecordBatch) -> BatchOut {
    let cat = &*scanner.catalogue;
    let leaves = flatten(batch);
    let cols: Vec<usize> = leaves.iter().map(|l| acc.column(&l.path, cat, &scanner.cat_bits)).collect();
    let ctxs: Vec<ColumnCtx> = cols.iter().map(|&c| acc.columns[c].ctx.clone()).collect();
    let base = acc.rows;
    // Tasks never straddle the end of the window: its tallies are exact at any batch size.
    let cut = WINDOW_ROWS.saturating_sub(base).min(u32::MAX as u64) as u32;
    let mut tasks = Vec::new();
    for (li, leaf) in leaves.iter().enumerate() {
        let n = leaf.array.len();
        let split = if cut == 0 {
            0
        } else {
            (0..n).find(|&i| leaf.row_of(i) != u32::MAX && leaf.row_of(i) >= cut).unwrap_or(n)
        };
        for (lo, hi, w) in [(0, split, true), (split, n, false)] {
            let mut s = lo;
            while s < hi {
                let e = (s + SLICE).min(hi);
                tasks.push((li, s, e, w));
                s = e;
            }
        }
    }
    let mut slices: Vec<SliceOut> = scanner.pool.install(|| {
        tasks
            .par_iter()
            .map(|&(li, s, e, w)| {
                // One worker per pool thread for the scanner's life: its regex cache stays warm
                // across batches. The lock is only ever taken by its own thread.
                let slot = rayon::current_thread_index().unwrap_or(0) % scanner.workers.len();
                let mut guard = scanner.workers[slot].lock().unwrap_or_else(|p| p.into_inner());
                let (wk, scratch) = &mut *guard;
                let mut out = scanner.run_slice(wk, scratch, &leaves[li], &ctxs[li], (s, e), base);
                out.in_window = w;
                out
            })
            .collect()
    });
    for (o, &(li, _, _, _)) in slices.iter_mut().zip(&tasks) {
        let c = &mut acc.columns[cols[li]];
        c.tally += &o.tally;
        if o.in_window {
            c.window += &o.tally;
        }
        // The tallies are merged; the persons need only keys and flags.
        o.tally = ColumnTally::default();
    }
    acc.rows += batch.num_rows() as u64;
    BatchOut { rows: batch.num_rows(), slices, base, input, gates: Arc::new(Vec::new()) }
}

/// The category bits of the persons' categories a column's decision (on `tally`) holds.
pub(super) fn column_bits(scanner: &Scanner, input: &str, col: &ColumnAcc, tally: &ColumnTally) -> u64 {
    let view = ColumnAcc {
        path: col.path.clone(),
        header: col.header.clone(),
        ctx: col.ctx.clone(),
        tally: tally.clone(),
        window: ColumnTally::default(),
    };
    let Some(r) = classify::classify(&scanner.catalogue, &scanner.classes, input, &view) else { return 0 };
    r.categories.iter().filter_map(|c| scanner.categories.iter().position(|x| x == c)).fold(0, |m, i| m | 1u64 << i)
}

/// Decide an input's gates on its window's tallies and hand back the batches that waited.
pub(super) fn decide(scanner: &Scanner, acc: &mut InputAcc) -> Vec<BatchOut> {
    let gates: Vec<u64> = acc.columns.iter().map(|c| column_bits(scanner, &acc.name, c, &c.window)).collect();
    let gates = Arc::new(gates);
    acc.gates = Some(gates.clone());
    let mut ready = std::mem::take(&mut acc.pending);
    for o in &mut ready {
        o.gates = gates.clone();
    }
    ready
}

/// A scanned batch on its way to the persons: it waits while the input's gates are undecided;
/// the batch that completes the window decides them and releases every batch waiting.
pub(super) fn route(scanner: &Scanner, acc: &mut InputAcc, mut out: BatchOut) -> Vec<BatchOut> {
    match &acc.gates {
        Some(g) => {
            if g.len() < acc.columns.len() {
                // A column first seen after the decision: decided on what it has shown so far.
                let mut v = (**g).clone();
                for c in &acc.columns[v.len()..] {
                    v.push(column_bits(scanner, &acc.name, c, &c.tally));
                }
                acc.gates = Some(Arc::new(v));
            }
            out.gates = acc.gates.clone().expect("decided");
            vec![out]
        }
        None => {
            acc.pending.push(out);
            if acc.rows >= WINDOW_ROWS {
                decide(scanner, acc)
            } else {
                Vec::new()
            }
        }
    }
}
