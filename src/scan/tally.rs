//! Per-column counts. Each worker fills its own [`ColumnTally`] for a slice of a column; slices
//! are merged with `+=`, so the result does not depend on threads or batch sizes.

use std::ops::AddAssign;

/// Up to this many masked examples per detector and column.
pub const MAX_EXAMPLES: usize = 5;

/// Sort key of an example: (row in the input, value index) — the earliest values are kept.
pub type Order = (u64, u64);

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ColumnTally {
    /// Non-null, non-empty values inspected.
    pub values: u64,
    /// Values that read as free text (spaces, CJK or long) and matched nothing whole.
    pub text_values: u64,
    /// Values of a numeric/temporal/binary type that no detector applies to.
    pub skipped: u64,
    /// Per detector: values that validated as a whole.
    pub exact: Vec<u64>,
    /// Per detector: identifiers found inside free text.
    pub text: Vec<u64>,
    /// Per person-key detector: values that validated first as a detector giving no key (an
    /// organisation code) and also as this one (an 18-digit UnionPay card passes the USCC check
    /// one time in 31). The column's other values decide which they are.
    pub alt: Vec<u64>,
    /// Per detector: masked examples with their order.
    pub examples: Vec<Vec<(Order, String)>>,
}

impl ColumnTally {
    pub fn new(detectors: usize) -> Self {
        ColumnTally {
            exact: vec![0; detectors],
            text: vec![0; detectors],
            alt: vec![0; detectors],
            examples: vec![Vec::new(); detectors],
            ..ColumnTally::default()
        }
    }

    /// Keep an example if it is among the earliest; `make` (masking) runs only then.
    #[inline]
    pub fn example(&mut self, d: usize, order: Order, make: impl FnOnce() -> String) {
        let ex = &mut self.examples[d];
        if ex.len() < MAX_EXAMPLES {
            let s = make();
            if !ex.iter().any(|(_, e)| *e == s) {
                ex.push((order, s));
            }
        }
    }
}

impl AddAssign<&ColumnTally> for ColumnTally {
    fn add_assign(&mut self, o: &ColumnTally) {
        if self.exact.len() < o.exact.len() {
            self.exact.resize(o.exact.len(), 0);
            self.text.resize(o.text.len(), 0);
            self.alt.resize(o.alt.len(), 0);
            self.examples.resize(o.examples.len(), Vec::new());
        }
        self.values += o.values;
        self.text_values += o.text_values;
        self.skipped += o.skipped;
        for (a, b) in self.exact.iter_mut().zip(&o.exact) {
            *a += b;
        }
        for (a, b) in self.text.iter_mut().zip(&o.text) {
            *a += b;
        }
        for (a, b) in self.alt.iter_mut().zip(&o.alt) {
            *a += b;
        }
        for (a, b) in self.examples.iter_mut().zip(&o.examples) {
            if b.is_empty() {
                continue;
            }
            a.extend(b.iter().cloned());
            a.sort();
            let mut seen = std::collections::HashSet::new();
            a.retain(|(_, s)| seen.insert(s.clone()));
            a.truncate(MAX_EXAMPLES);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_earliest_examples() {
        let mut a = ColumnTally::new(1);
        let mut b = ColumnTally::new(1);
        for i in 0..5 {
            a.example(0, (10 + i, 0), || format!("a{i}"));
            b.example(0, (i, 0), || format!("b{i}"));
        }
        a.values = 5;
        b.values = 5;
        let mut m1 = a.clone();
        m1 += &b;
        let mut m2 = b.clone();
        m2 += &a;
        assert_eq!(m1.examples, m2.examples);
        assert_eq!(m1.examples[0][0].1, "b0");
        assert_eq!(m1.values, 10);
    }
}
