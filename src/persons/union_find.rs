//! The person set: a map from key hash to node, a union-find forest over nodes, and per-root flags
//! (category bits and the minor bit). About 40 bytes per distinct key.

use std::collections::HashMap;

use super::{MINOR_BIT, OWNER_BIT};

/// 96 bits of a key hash. Among 20 million keys a collision has odds of about 10⁻¹⁵.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key96([u32; 3]);

impl Key96 {
    #[inline]
    fn of(h: u128) -> Self {
        Key96([h as u32, (h >> 32) as u32, (h >> 64) as u32])
    }

    fn wide(self) -> u128 {
        (self.0[2] as u128) << 64 | (self.0[1] as u128) << 32 | self.0[0] as u128
    }

    /// Key hashes are uniformly random already: their low bits place them.
    #[inline]
    fn home(self, mask: usize) -> usize {
        (((self.0[1] as u64) << 32 | self.0[0] as u64) as usize) & mask
    }
}

/// Ask the CPU to bring the cache line of `x` in (a hint; no effect on results).
#[inline(always)]
fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint that never faults; the pointer comes from a reference anyway.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(x as *const T as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// A slot of the key table: a key and its node, 16 bytes, four to a cache line.
#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct Slot {
    key: Key96,
    node: u32,
}

const EMPTY: u32 = u32::MAX;

/// Key → node, open addressing with linear probing. Written for the merge's access pattern: a
/// batch's keys are known ahead, so the slot of a key a few places on can be fetched into the
/// cache while this one is probed (a general-purpose map hides where a key lives). Grows at 70 %
/// full, so at 20 million keys it holds about 27 bytes per key.
#[derive(Default)]
struct KeyTable {
    slots: Vec<Slot>,
    len: usize,
}

impl KeyTable {
    #[inline]
    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    /// The slot holding `key`, or the empty slot where it would go. The table is never full.
    #[inline]
    fn probe(&self, key: Key96) -> usize {
        let mask = self.mask();
        let mut i = key.home(mask);
        while self.slots[i].node != EMPTY && self.slots[i].key != key {
            i = (i + 1) & mask;
        }
        i
    }

    /// The node of `key`, or `new` stored for it.
    #[inline]
    fn get_or_insert(&mut self, key: Key96, new: u32) -> u32 {
        if (self.len + 1) * 10 > self.slots.len() * 7 {
            self.grow();
        }
        let i = self.probe(key);
        let s = &mut self.slots[i];
        if s.node == EMPTY {
            *s = Slot { key, node: new };
            self.len += 1;
        }
        s.node
    }

    fn grow(&mut self) {
        let cap = (self.slots.len() * 2).max(1024);
        let old = std::mem::replace(&mut self.slots, vec![Slot { key: Key96([0; 3]), node: EMPTY }; cap]);
        for s in old.into_iter().filter(|s| s.node != EMPTY) {
            let i = self.probe(s.key);
            self.slots[i] = s;
        }
    }

    /// Ask the CPU for the cache line `key` would be found in (a hint; no effect on results).
    #[inline]
    fn prefetch(&self, key: Key96) {
        if let Some(s) = self.slots.get(key.home(self.mask())) {
            prefetch(s);
        }
    }

    fn iter(&self) -> impl Iterator<Item = (Key96, u32)> + '_ {
        self.slots.iter().filter(|s| s.node != EMPTY).map(|s| (s.key, s.node))
    }

    fn bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Slot>()
    }
}

/// A node of the forest: its parent and, at a root, its person's flags. Kept together (12
/// bytes) so that linking a key touches one cache line, not one in each of two arrays.
#[derive(Clone, Copy)]
#[repr(C)]
struct Node {
    parent: u32,
    flags: [u32; 2],
}

impl Node {
    #[inline]
    fn flags(&self) -> u64 {
        (self.flags[1] as u64) << 32 | self.flags[0] as u64
    }

    #[inline]
    fn add(&mut self, bits: u64) {
        self.flags[0] |= bits as u32;
        self.flags[1] |= (bits >> 32) as u32;
    }
}

#[derive(Default)]
pub struct PersonSet {
    index: KeyTable,
    nodes: Vec<Node>,
    unions: u64,
    /// Rows with personal data but no key, by their category bits.
    unlinked: HashMap<u64, u64>,
}

/// Counts derived from a person set under a policy's sensitive categories.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct PersonCounts {
    pub total: u64,
    /// Persons owning at least one row (the rest are only named in free text).
    pub owning_rows: u64,
    pub sensitive: u64,
    pub minors: u64,
    pub unlinked_rows: u64,
}

impl PersonSet {
    pub fn new() -> Self {
        PersonSet::default()
    }

    /// Node of a key, created when new.
    #[inline]
    pub fn node(&mut self, key: u128) -> u32 {
        let next = self.nodes.len() as u32;
        let n = self.index.get_or_insert(Key96::of(key), next);
        if n == next {
            // Grow by a quarter, not double: at millions of keys the slack is most of the cost.
            if self.nodes.len() == self.nodes.capacity() {
                self.nodes.reserve_exact((self.nodes.len() / 4).max(1024));
            }
            self.nodes.push(Node { parent: next, flags: [0; 2] });
        }
        n
    }

    /// Ask the CPU to bring the table slot of `key` into the cache (a hint; no effect on results).
    #[inline]
    pub fn prefetch_key(&self, key: u128) {
        self.index.prefetch(Key96::of(key));
    }

    /// Ask the CPU to bring node `n` into the cache (a hint; no effect on results).
    #[inline]
    pub fn prefetch(&self, n: u32) {
        if let Some(p) = self.nodes.get(n as usize) {
            prefetch(p);
        }
    }

    #[inline]
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.nodes[x as usize].parent != x {
            let p = self.nodes[x as usize].parent;
            self.nodes[x as usize].parent = self.nodes[p as usize].parent;
            x = p;
        }
        x
    }

    /// Link two nodes; the smaller root id wins so the forest is the same whatever the order.
    pub fn union(&mut self, a: u32, b: u32) -> u32 {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return ra;
        }
        let (root, child) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.nodes[child as usize].parent = root;
        let f = self.nodes[child as usize].flags();
        self.nodes[root as usize].add(f);
        self.unions += 1;
        root
    }

    /// OR `bits` into the person of node `n`.
    #[inline]
    pub fn add_flags(&mut self, n: u32, bits: u64) {
        let r = self.find(n);
        self.nodes[r as usize].add(bits);
    }

    pub fn add_unlinked(&mut self, bits: u64) {
        *self.unlinked.entry(bits).or_insert(0) += 1;
    }

    /// Take back one row counted by [`PersonSet::add_unlinked`] with `bits` (it turned out to
    /// have a key).
    pub fn remove_unlinked(&mut self, bits: u64) {
        if let Some(n) = self.unlinked.get_mut(&bits) {
            *n -= 1;
            if *n == 0 {
                self.unlinked.remove(&bits);
            }
        }
    }

    /// Distinct keys held.
    pub fn keys(&self) -> usize {
        self.nodes.len()
    }

    /// Bytes held: the key table and the forest with its flags.
    pub fn approx_bytes(&self) -> usize {
        self.index.bytes() + self.nodes.capacity() * std::mem::size_of::<Node>()
    }

    /// Count persons; `sensitive` is the set of category bits the policy classes as sensitive.
    pub fn counts(&mut self, sensitive: u64) -> PersonCounts {
        let mut c = PersonCounts::default();
        for i in 0..self.nodes.len() as u32 {
            if self.find(i) != i {
                continue;
            }
            let f = self.nodes[i as usize].flags();
            c.total += 1;
            if f & OWNER_BIT != 0 {
                c.owning_rows += 1;
            }
            if f & MINOR_BIT != 0 {
                c.minors += 1;
            }
            if f & (sensitive | MINOR_BIT) != 0 {
                c.sensitive += 1;
            }
        }
        for (&bits, &n) in &self.unlinked {
            c.unlinked_rows += n;
            c.total += n;
            c.owning_rows += n;
            if bits & (sensitive | MINOR_BIT) != 0 {
                c.sensitive += n;
            }
        }
        c
    }

    /// Persons by their flags (category bits and the minor bit): how many persons carry exactly
    /// each combination. Unlinked rows count as one person each, as in [`PersonSet::counts`].
    pub fn profiles(&mut self) -> HashMap<u64, u64> {
        let mut out: HashMap<u64, u64> = HashMap::new();
        for i in 0..self.nodes.len() as u32 {
            if self.find(i) == i {
                *out.entry(self.nodes[i as usize].flags()).or_insert(0) += 1;
            }
        }
        for (&bits, &n) in &self.unlinked {
            *out.entry(bits).or_insert(0) += n;
        }
        out
    }

    /// Add `other`'s persons: keys of one of its persons stay one person here, and persons of
    /// both sets sharing a key become one (the same partition as one set fed both inputs).
    pub fn merge(&mut self, other: &mut PersonSet) {
        for (keys, flags) in other.persons() {
            let first = self.node(keys[0]);
            for &k in &keys[1..] {
                let n = self.node(k);
                self.union(first, n);
            }
            self.add_flags(first, flags);
        }
        for (&bits, &n) in &other.unlinked {
            *self.unlinked.entry(bits).or_insert(0) += n;
        }
    }

    /// Every person as (its key hashes, flags) — for the ledger.
    pub fn persons(&mut self) -> Vec<(Vec<u128>, u64)> {
        let mut groups: HashMap<u32, Vec<u128>> = HashMap::new();
        let keys: Vec<(u128, u32)> = self.index.iter().map(|(k, n)| (k.wide(), n)).collect();
        for (k, n) in keys {
            let r = self.find(n);
            groups.entry(r).or_default().push(k);
        }
        let mut out: Vec<(Vec<u128>, u64)> = groups
            .into_iter()
            .map(|(r, mut ks)| {
                ks.sort_unstable();
                (ks, self.nodes[r as usize].flags())
            })
            .collect();
        out.sort_unstable();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_counts() {
        let mut p = PersonSet::new();
        let a = p.node(1);
        let b = p.node(2);
        let c = p.node(3);
        p.union(a, b);
        p.add_flags(c, 1 << 4);
        p.add_flags(a, MINOR_BIT);
        p.add_unlinked(1 << 4);
        let n = p.counts(1 << 4);
        assert_eq!(n, PersonCounts { total: 3, owning_rows: 1, sensitive: 3, minors: 1, unlinked_rows: 1 });
        assert_eq!(p.node(2), b);
        let profiles = p.profiles();
        assert_eq!(profiles.get(&MINOR_BIT), Some(&1));
        assert_eq!(profiles.get(&(1 << 4)), Some(&2));
        assert_eq!(profiles.values().sum::<u64>(), n.total);
    }

    #[test]
    fn key_table_keeps_every_key_across_growth() {
        // 50,000 keys cross six doublings; pairs of keys share their low 64 bits (one home).
        let mut p = PersonSet::new();
        let key = |i: u128| ((i / 2).wrapping_mul(0x9E37_79B9_7F4A_7C15) as u64 as u128) | (i << 64);
        let nodes: Vec<u32> = (0..50_000u128).map(|i| p.node(key(i))).collect();
        assert_eq!(nodes, (0..50_000u32).collect::<Vec<_>>());
        assert_eq!(p.keys(), 50_000);
        for i in (0..50_000u128).step_by(7) {
            assert_eq!(p.node(key(i)), i as u32);
        }
        assert_eq!(p.keys(), 50_000);
        assert!(p.index.len * 10 <= p.index.slots.len() * 7);
    }

    /// Merging two sets gives the partition one set fed both would have.
    #[test]
    fn merge_is_one_set() {
        let feed = |p: &mut PersonSet, links: &[(u128, u128, u64)]| {
            for &(a, b, f) in links {
                let (na, nb) = (p.node(a), p.node(b));
                let r = p.union(na, nb);
                p.add_flags(r, f);
            }
        };
        let left = [(1, 2, OWNER_BIT), (3, 4, 1 << 2)];
        let right = [(4, 5, MINOR_BIT), (6, 7, OWNER_BIT), (2, 8, 0)];
        let mut one = PersonSet::new();
        feed(&mut one, &left);
        feed(&mut one, &right);
        one.add_unlinked(1 << 2);
        one.add_unlinked(1 << 2);
        let (mut a, mut b) = (PersonSet::new(), PersonSet::new());
        feed(&mut a, &left);
        feed(&mut b, &right);
        a.add_unlinked(1 << 2);
        b.add_unlinked(1 << 2);
        a.merge(&mut b);
        assert_eq!(a.counts(1 << 2), one.counts(1 << 2));
        assert_eq!(a.counts(1 << 2).total, 5);
        assert_eq!(a.profiles(), one.profiles());
        assert_eq!(a.persons(), one.persons());
    }
}
