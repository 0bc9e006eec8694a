//! A routed batch into the persons: keys of a row are one person, flags go to the row's person,
//! and keys and flags of columns whose decision does not hold them are held back.

use std::collections::HashMap;

use super::batch::BatchOut;
use super::cell::KeyHit;
use super::session::Held;
use crate::persons::{PersonSet, PersonSketch, FALLBACK_RANK, OWNER_BIT};

/// Sketch mode: each row counts once under its strongest own key, with the row's categories and
/// the flags of all its keys; a key in free text counts under itself; rows with personal data and
/// no key are counted exactly as unlinked rows. Keys and flags of columns whose decision does
/// not hold them are held back (see [`release_sketch`]).
pub(super) fn merge_sketch(s: &mut PersonSketch, out: BatchOut, held: &mut Vec<Held>) {
    let n = out.rows;
    let mut row_bits = row_flags(&out, held);
    // Per row: (rank, key) of its strongest own key.
    let mut row_key: Vec<Option<(u8, u128)>> = vec![None; n];
    for o in &out.slices {
        for k in &o.keys {
            if !out.open(k.col, k.flags) {
                held.push(hold_key(&out, k));
                continue;
            }
            if k.own() {
                let r = k.row as usize;
                row_bits[r] |= k.flags;
                if row_key[r].is_none_or(|best| (k.rank, k.hash()) < best) {
                    row_key[r] = Some((k.rank, k.hash()));
                }
            } else {
                s.add(k.hash(), k.flags);
            }
        }
    }
    for r in 0..n {
        match row_key[r] {
            Some((_, key)) => s.add(key, row_bits[r] | OWNER_BIT),
            None if row_bits[r] != 0 => s.add_unlinked(row_bits[r]),
            None => {}
        }
    }
}

/// A held key (anchor and unlinked bits are filled in by the caller where it knows them).
fn hold_key(out: &BatchOut, k: &KeyHit) -> Held {
    Held {
        input: out.input,
        col: k.col,
        row: out.base + k.row as u64,
        key: Some(k.hash()),
        flags: k.flags,
        own: k.own(),
        anchor: None,
        unlinked: 0,
    }
}

/// Sketch mode, at an input's end: held keys and flags whose column the final decision holds are
/// counted as persons of their own. Rows are not linked in a sketch, so this can only count
/// more: the sketch is an upper bound.
pub(super) fn release_sketch(s: &mut PersonSketch, take: Vec<Held>) {
    for h in take {
        match h.key {
            Some(k) => s.add(k, h.flags),
            None => s.add_unlinked(h.flags),
        }
    }
}

/// Per row of a batch: the category bits its values flagged in columns that give persons them
/// (keys carry their own); the others are held back.
fn row_flags(out: &BatchOut, held: &mut Vec<Held>) -> Vec<u64> {
    let mut row_bits = vec![0u64; out.rows];
    for o in &out.slices {
        for f in &o.flags {
            if out.open(f.col, f.bits) {
                row_bits[f.row as usize] |= f.bits;
            } else {
                held.push(Held {
                    input: out.input,
                    col: f.col,
                    row: out.base + f.row as u64,
                    key: None,
                    flags: f.bits,
                    own: true,
                    anchor: None,
                    unlinked: 0,
                });
            }
        }
    }
    row_bits
}

/// Persons: keys of one row are one person; a row's other categories go to that person, or make
/// it an unlinked row when it has no key. Only keys and flags of columns whose decision holds
/// their category count; the others are held back with what the row was counted as, so that the
/// input's final decisions can still take them ([`release_exact`]).
pub(super) fn merge_persons(p: &mut PersonSet, out: BatchOut, held: &mut Vec<Held>) {
    let n = out.rows;
    let first_held = held.len();
    let mut row_bits = row_flags(&out, held);
    let mut row_node = vec![u32::MAX; n];
    // The table is far larger than the caches: the slot of the key a few places on is fetched
    // while this one is looked up, so the misses overlap.
    const AHEAD: usize = 16;
    let mut keys: Vec<&KeyHit> = Vec::with_capacity(out.slices.iter().map(|o| o.keys.len()).sum());
    for k in out.slices.iter().flat_map(|o| &o.keys) {
        if out.open(k.col, k.flags) {
            keys.push(k);
        } else {
            held.push(hold_key(&out, k));
        }
    }
    if keys.iter().any(|k| k.rank == FALLBACK_RANK) {
        // A fallback key (plate, membership number) is a key only in a row without a better one;
        // beside one it is a category of that row's person.
        let mut strong = vec![false; n];
        for k in keys.iter().filter(|k| k.own() && k.rank != FALLBACK_RANK) {
            strong[k.row as usize] = true;
        }
        keys.retain(|k| {
            let drop = k.rank == FALLBACK_RANK && (!k.own() || strong[k.row as usize]);
            if drop && k.own() {
                row_bits[k.row as usize] |= k.flags & !OWNER_BIT;
            }
            !drop
        });
    }
    let mut nodes = Vec::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        if let Some(next) = keys.get(i + AHEAD) {
            p.prefetch_key(next.hash());
        }
        nodes.push(p.node(k.hash()));
    }
    // Per row with held entries: an own key that was merged, to link them to later.
    let anchors: Option<HashMap<u32, u128>> = (held.len() > first_held).then(|| {
        let mut m = HashMap::new();
        for k in keys.iter().filter(|k| k.own()) {
            m.entry(k.row).or_insert(k.hash());
        }
        m
    });
    for (i, k) in keys.iter().enumerate() {
        if let Some(&next) = nodes.get(i + AHEAD) {
            p.prefetch(next);
        }
        let node = nodes[i];
        if k.own() {
            // The row's flags go to its person once, after its keys are linked.
            let r = k.row as usize;
            row_bits[r] |= k.flags;
            row_node[r] = if row_node[r] == u32::MAX { node } else { p.union(row_node[r], node) };
        } else {
            p.add_flags(node, k.flags);
        }
    }
    for r in 0..n {
        if row_bits[r] == 0 {
            continue;
        }
        if row_node[r] != u32::MAX {
            p.add_flags(row_node[r], row_bits[r]);
        } else {
            p.add_unlinked(row_bits[r]);
        }
    }
    if let Some(anchors) = anchors {
        for h in &mut held[first_held..] {
            let r = (h.row - out.base) as u32;
            h.anchor = anchors.get(&r).copied();
            if h.anchor.is_none() {
                h.unlinked = row_bits[r as usize];
            }
        }
    }
}

/// Exact persons, at an input's end: the held keys and flags whose column the final decision
/// holds join the persons as if they had been merged with their rows — linked to the row's
/// merged key, or making a row that was counted without a key (or not at all) a person of its
/// own.
pub(super) fn release_exact(p: &mut PersonSet, mut take: Vec<Held>) {
    take.sort_by_key(|h| (h.input, h.row));
    for group in take.chunk_by(|a, b| (a.input, a.row) == (b.input, b.row)) {
        let mut node = group.iter().find_map(|h| h.anchor).map(|a| p.node(a));
        let mut bits = 0;
        let mut counted_unlinked = 0;
        for h in group {
            if !h.own {
                if let Some(k) = h.key {
                    let n = p.node(k);
                    p.add_flags(n, h.flags);
                }
                continue;
            }
            counted_unlinked |= h.unlinked;
            bits |= h.flags;
            if let Some(k) = h.key {
                let n = p.node(k);
                node = Some(match node {
                    Some(m) => p.union(m, n),
                    None => n,
                });
            }
        }
        let had_anchor = group.iter().any(|h| h.anchor.is_some());
        match node {
            Some(n) => {
                if !had_anchor && counted_unlinked != 0 {
                    // The row was an unlinked row; now it has a key.
                    p.remove_unlinked(counted_unlinked);
                    bits |= counted_unlinked;
                }
                p.add_flags(n, bits);
            }
            None if bits != 0 => {
                if counted_unlinked != 0 {
                    p.remove_unlinked(counted_unlinked);
                }
                p.add_unlinked((bits | counted_unlinked) & !OWNER_BIT);
            }
            None => {}
        }
    }
}
