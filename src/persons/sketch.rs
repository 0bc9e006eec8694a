//! Sketch mode: distinct persons estimated with HyperLogLog (Apache DataSketches) in a few
//! hundred kilobytes, whatever the data's size. Rows are not linked: each row counts under its
//! strongest key (a resident ID before a phone before an e-mail), so a person whose rows carry
//! different keys counts more than once — an over-count, never an under-count, apart from the
//! sketch's own error, which the report gives.

use std::collections::HashMap;

use datasketches::common::NumStdDev;
use datasketches::hll::{Coupon, HllSketch, HllType};

use super::{PersonCounts, MINOR_BIT, OWNER_BIT};

/// log₂ of the registers per sketch: 65,536 registers, a relative standard error of 0.41%.
const LG_K: u8 = 16;

/// Estimates with their bounds at two standard deviations (about 95%).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Estimate {
    pub estimate: u64,
    pub lower: u64,
    pub upper: u64,
}

/// Approximate counts: the estimates, their 95% bounds, and the relative standard error.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct SketchCounts {
    pub total: Estimate,
    pub owning_rows: Estimate,
    pub sensitive: Estimate,
    pub minors: Estimate,
    /// Rows with personal data and no key: counted exactly, one person each (as in exact mode).
    pub unlinked_rows: u64,
    /// Relative standard error of one sketch in HLL mode (1.04/√k).
    pub relative_error: f64,
}

impl SketchCounts {
    pub fn estimates(&self) -> PersonCounts {
        PersonCounts {
            total: self.total.estimate,
            owning_rows: self.owning_rows.estimate,
            sensitive: self.sensitive.estimate,
            minors: self.minors.estimate,
            unlinked_rows: self.unlinked_rows,
        }
    }
}

fn sketch() -> HllSketch {
    HllSketch::new(LG_K, HllType::Hll8).expect("LG_K is in range")
}

/// A person key's sketch coupon: the key hash is already uniform, so its bytes are fed as they are.
#[inline]
fn coupon(key: u128) -> Coupon {
    Coupon::from_value(key)
}

/// HyperLogLog person counts. The unlinked rows are counted exactly, by their category bits.
pub struct PersonSketch {
    total: HllSketch,
    owning: HllSketch,
    sensitive: HllSketch,
    minors: HllSketch,
    /// Per category bit (bit index → sketch), made on first use.
    by_bit: HashMap<u32, HllSketch>,
    sensitive_mask: u64,
    unlinked: HashMap<u64, u64>,
}

impl PersonSketch {
    /// `sensitive_mask`: the category bits the policy classes as sensitive.
    pub fn new(sensitive_mask: u64) -> Self {
        PersonSketch {
            total: sketch(),
            owning: sketch(),
            sensitive: sketch(),
            minors: sketch(),
            by_bit: HashMap::new(),
            sensitive_mask,
            unlinked: HashMap::new(),
        }
    }

    /// One person seen under `key` with `flags` (category bits, [`OWNER_BIT`], [`MINOR_BIT`]).
    pub fn add(&mut self, key: u128, flags: u64) {
        let c = coupon(key);
        self.total.update_with_coupon(c);
        if flags & OWNER_BIT != 0 {
            self.owning.update_with_coupon(c);
        }
        if flags & (self.sensitive_mask | MINOR_BIT) != 0 {
            self.sensitive.update_with_coupon(c);
        }
        if flags & MINOR_BIT != 0 {
            self.minors.update_with_coupon(c);
        }
        let mut bits = flags & !(OWNER_BIT | MINOR_BIT);
        while bits != 0 {
            let b = bits.trailing_zeros();
            self.by_bit.entry(b).or_insert_with(sketch).update_with_coupon(c);
            bits &= bits - 1;
        }
    }

    /// A row with personal data and no key.
    pub fn add_unlinked(&mut self, bits: u64) {
        *self.unlinked.entry(bits).or_insert(0) += 1;
    }

    fn unlinked_where(&self, pred: impl Fn(u64) -> bool) -> u64 {
        self.unlinked.iter().filter(|(&b, _)| pred(b)).map(|(_, &n)| n).sum()
    }

    pub fn counts(&self) -> SketchCounts {
        let est = |s: &HllSketch, exact: u64| Estimate {
            estimate: s.estimate().round() as u64 + exact,
            lower: s.lower_bound(NumStdDev::Two).floor() as u64 + exact,
            upper: s.upper_bound(NumStdDev::Two).ceil() as u64 + exact,
        };
        let unlinked = self.unlinked_where(|_| true);
        let sensitive = self.sensitive_mask;
        SketchCounts {
            total: est(&self.total, unlinked),
            owning_rows: est(&self.owning, unlinked),
            sensitive: est(&self.sensitive, self.unlinked_where(|b| b & (sensitive | MINOR_BIT) != 0)),
            minors: est(&self.minors, 0),
            unlinked_rows: unlinked,
            relative_error: 1.04 / ((1u64 << LG_K) as f64).sqrt(),
        }
    }

    /// Estimated persons per category bit (upper 95% bounds, for policy lines such as "diagnosis
    /// data of more than 100,000 persons"), and minors under [`MINOR_BIT`]'s index 63.
    pub fn by_bit(&self) -> Vec<(u32, u64)> {
        let mut out: Vec<(u32, u64)> = self
            .by_bit
            .iter()
            .map(|(&b, s)| {
                let exact = self.unlinked_where(|u| u & (1 << b) != 0);
                (b, s.upper_bound(NumStdDev::Two).ceil() as u64 + exact)
            })
            .collect();
        let minors = self.minors.upper_bound(NumStdDev::Two).ceil() as u64;
        if minors > 0 {
            out.push((63, minors));
        }
        out.sort_unstable();
        out
    }

    /// Bytes held by the sketches.
    pub fn approx_bytes(&self) -> usize {
        [&self.total, &self.owning, &self.sensitive, &self.minors]
            .into_iter()
            .chain(self.by_bit.values())
            .map(|s| s.estimated_size())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_within_the_bounds() {
        let mut s = PersonSketch::new(1 << 3);
        // 200,000 persons: each twice (duplicates add nothing), a tenth sensitive, 1% minors.
        for round in 0..2 {
            for i in 0..200_000u128 {
                let key =
                    blake3::hash(&i.to_le_bytes()).as_bytes()[..16].iter().fold(0u128, |a, &b| a << 8 | b as u128);
                let mut flags = OWNER_BIT | 1;
                if i % 10 == 0 {
                    flags |= 1 << 3;
                }
                if i % 100 == 0 && round == 1 {
                    flags |= MINOR_BIT;
                }
                s.add(key, flags);
            }
        }
        s.add_unlinked(1 << 3);
        let c = s.counts();
        for (e, truth) in [(c.total, 200_001), (c.owning_rows, 200_001), (c.sensitive, 20_001), (c.minors, 2_000)] {
            assert!(e.lower <= truth && truth <= e.upper, "{e:?} vs {truth}");
            let err = (e.estimate as f64 - truth as f64).abs() / truth as f64;
            assert!(err < 3.0 * c.relative_error, "{e:?} vs {truth}: {err}");
        }
        assert_eq!(c.unlinked_rows, 1);
        assert!(s.approx_bytes() < 1 << 20, "{}", s.approx_bytes());
        let by = s.by_bit();
        assert_eq!(by.iter().map(|b| b.0).collect::<Vec<_>>(), vec![0, 3, 63]);
    }
}
