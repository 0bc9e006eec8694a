//! A batch's persons as the ledger sees them: each person's key hashes, flags and categories.

use std::collections::BTreeMap;

use crate::persons::{PersonSet, CATEGORY_BITS, MINOR_BIT};

/// One person of a batch, as the ledger sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchPerson {
    /// The person's key hashes.
    pub keys: Vec<u128>,
    pub sensitive: bool,
    pub minor: bool,
    /// Bits into [`BatchPersons::categories`]: the categories the person's data carries.
    pub categories: u64,
}

/// The persons of one batch, as the ledger sees them: key hashes, two flags and category bits,
/// nothing else.
#[derive(Debug, Clone, Default)]
pub struct BatchPersons {
    pub persons: Vec<BatchPerson>,
    /// Category names by bit of [`BatchPerson::categories`].
    pub categories: Vec<String>,
    /// Rows with personal data but no key: one person each.
    pub unlinked: u64,
    pub unlinked_sensitive: u64,
    /// Keyless rows per category.
    pub unlinked_categories: BTreeMap<String, u64>,
}

impl BatchPersons {
    /// From a scan's person set; `sensitive_mask` is `Scanner::sensitive_mask` (minors are
    /// sensitive too) and `categories` the scanner's category names by bit
    /// (`Scanner::category_names`).
    pub fn from_set(set: &mut PersonSet, sensitive_mask: u64, categories: &[String]) -> BatchPersons {
        let counts = set.counts(sensitive_mask);
        let bits = categories.len().min(CATEGORY_BITS);
        let mask = (1u64 << bits) - 1;
        let persons: Vec<BatchPerson> = set
            .persons()
            .into_iter()
            .map(|(keys, f)| BatchPerson {
                keys,
                sensitive: f & (sensitive_mask | MINOR_BIT) != 0,
                minor: f & MINOR_BIT != 0,
                categories: f & mask,
            })
            .collect();
        let keyed_sensitive = persons.iter().filter(|p| p.sensitive).count() as u64;
        // Keyless rows per category: every person's profile less the keyed persons'.
        let mut per_bit = [0i64; CATEGORY_BITS];
        for (flags, n) in set.profiles() {
            for (b, c) in per_bit.iter_mut().enumerate().take(bits) {
                if flags & mask & (1 << b) != 0 {
                    *c += n as i64;
                }
            }
        }
        for p in &persons {
            for (b, c) in per_bit.iter_mut().enumerate().take(bits) {
                if p.categories & (1 << b) != 0 {
                    *c -= 1;
                }
            }
        }
        let unlinked_categories = per_bit
            .iter()
            .enumerate()
            .take(bits)
            .filter(|(_, &n)| n > 0)
            .map(|(b, &n)| (categories[b].clone(), n as u64))
            .collect();
        BatchPersons {
            persons,
            categories: categories[..bits].to_vec(),
            unlinked: counts.unlinked_rows,
            unlinked_sensitive: counts.sensitive.saturating_sub(keyed_sensitive),
            unlinked_categories,
        }
    }

    pub fn total(&self) -> u64 {
        self.persons.len() as u64 + self.unlinked
    }

    pub fn sensitive(&self) -> u64 {
        self.persons.iter().filter(|p| p.sensitive).count() as u64 + self.unlinked_sensitive
    }

    /// Persons of this batch per category (keyless rows included).
    pub fn category_counts(&self) -> BTreeMap<String, u64> {
        let mut out = self.unlinked_categories.clone();
        for p in &self.persons {
            for (b, name) in self.categories.iter().enumerate() {
                if p.categories & (1 << b) != 0 {
                    *out.entry(name.clone()).or_insert(0) += 1;
                }
            }
        }
        out
    }
}
