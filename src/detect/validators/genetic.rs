//! Genetic data: dbSNP reference ids (`rs` + 3–12 digits), HGVS cDNA/genomic substitutions
//! (`c.123A>G`, `g.4567C>T`, `c.76+1G>A`) and raw DNA sequences of at least 20 bases (`ACGT`,
//! upper case; `N` allowed inside). Shorter runs of A/C/G/T occur in codes and words.

use super::Ctx;

/// Longest sequence read whole (bytes); longer ones are found in text.
const MAX_SEQ: usize = 100_000;

pub fn genetic(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || b.len() > MAX_SEQ {
        return false;
    }
    match b[0] {
        b'r' => b[1] == b's' && (5..=14).contains(&b.len()) && b[2..].iter().all(u8::is_ascii_digit),
        b'c' | b'g' | b'm' if b[1] == b'.' => hgvs(&b[2..]),
        b'A' | b'C' | b'G' | b'T' => {
            b.len() >= 20
                && b.iter().all(|c| matches!(c, b'A' | b'C' | b'G' | b'T' | b'N'))
                && b.iter().filter(|&&c| c == b'N').count() * 4 < b.len()
        }
        _ => false,
    }
}

/// `123A>G`, `76+1G>A`, `-14C>T`.
fn hgvs(b: &[u8]) -> bool {
    let n = b.len();
    if !(4..=16).contains(&n) {
        return false;
    }
    let base = |c: u8| matches!(c, b'A' | b'C' | b'G' | b'T');
    if !(base(b[n - 1]) && b[n - 2] == b'>' && base(b[n - 3])) {
        return false;
    }
    let pos = &b[..n - 3];
    let pos = pos.strip_prefix(b"-").unwrap_or(pos);
    let mut parts = pos.splitn(2, |&c| c == b'+' || c == b'-');
    let first = parts.next().unwrap_or(&[]);
    let ok = |p: &[u8]| !p.is_empty() && p.len() <= 7 && p.iter().all(u8::is_ascii_digit);
    ok(first) && parts.next().is_none_or(ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    #[test]
    fn markers() {
        let ctx = Ctx { today: Date::new(2026, 11, 28).unwrap() };
        for ok in ["rs334", "rs1801133", "c.677C>T", "c.76+1G>A", "g.4567C>T", "ACGTACGTACGTACGTACGTAC"] {
            assert!(genetic(ok, &ctx), "{ok}");
        }
        for bad in ["rs12", "RS485", "c.677C", "ACGTACGT", "c.a>T", "rs12a45", "ACGTNNNNNNNNNNNNNNNNNN"] {
            assert!(!genetic(bad, &ctx), "{bad}");
        }
    }
}
