//! Normalising and hashing person keys. Normal forms (DESIGN.md): phone without `+86` and
//! separators, resident ID upper-cased and the 15-digit form upgraded to 18, e-mail lower-cased,
//! card numbers as bare digits. Only the keyed hash leaves this module.

use crate::detect::validators::{self, normalise_mobile};

/// Keyed hasher shared (read-only) by all workers.
///
/// A ledger's key hashes with keyed BLAKE3: those hashes are stored and must agree across runs
/// and machines. A run without a ledger ([`KeyHasher::random`]) keeps its hashes in memory only,
/// for as long as the run lasts; there two foldhash functions with independent random seeds
/// give the 96 bits at a fraction of the cost (hashing was a tenth of a one-thread scan).
#[derive(Clone)]
pub struct KeyHasher {
    key: [u8; 32],
    in_memory: Option<(foldhash::quality::FixedState, foldhash::quality::FixedState)>,
}

impl std::fmt::Debug for KeyHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyHasher(<secret>)")
    }
}

impl KeyHasher {
    pub fn new(key: [u8; 32]) -> Self {
        KeyHasher { key, in_memory: None }
    }

    /// A fresh random key (dry runs without a ledger: hashes only need to agree within the run,
    /// and never leave it).
    pub fn random() -> Self {
        Self::ephemeral(random_key())
    }

    /// The in-memory hasher of [`KeyHasher::random`] under a given key: processes that must
    /// agree on their hashes without a ledger (Spark executors, keyed by the driver) build it
    /// from one key. Its hashes must not be stored: they are not the ledger's keyed BLAKE3.
    pub fn ephemeral(key: [u8; 32]) -> Self {
        let seed = |i: usize| u64::from_le_bytes(key[i..i + 8].try_into().expect("8 bytes"));
        let in_memory = Some((
            foldhash::quality::FixedState::with_seed(seed(0)),
            foldhash::quality::FixedState::with_seed(seed(8)),
        ));
        KeyHasher { key, in_memory }
    }

    /// Fingerprint of the key, safe to store: it identifies the key without revealing it.
    pub fn fingerprint(&self) -> String {
        let h = blake3::keyed_hash(&self.key, b"xborder key fingerprint v1");
        h.to_hex()[..16].to_string()
    }

    pub fn key_bytes(&self) -> &[u8; 32] {
        &self.key
    }

    /// Hash of a normalised key tagged with its category.
    pub fn hash(&self, category: &str, normalised: &[u8]) -> u128 {
        self.category(category).hash(normalised)
    }

    /// The hasher of one category's keys, set up once (a scanner keeps one per detector).
    pub fn category(&self, category: &str) -> CategoryHasher {
        let in_memory = self.in_memory.as_ref().map(|(a, b)| {
            // The category picks the seeds of both functions: the tag costs nothing per key.
            use std::hash::BuildHasher;
            (
                foldhash::quality::FixedState::with_seed(a.hash_one(category)),
                foldhash::quality::FixedState::with_seed(b.hash_one(category)),
            )
        });
        CategoryHasher { key: self.key, category: category.into(), in_memory }
    }
}

/// [`KeyHasher`] for the keys of one category.
#[derive(Clone)]
pub struct CategoryHasher {
    key: [u8; 32],
    category: Box<str>,
    in_memory: Option<(foldhash::quality::FixedState, foldhash::quality::FixedState)>,
}

impl std::fmt::Debug for CategoryHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CategoryHasher({}, <secret>)", self.category)
    }
}

impl CategoryHasher {
    /// Hash of a normalised key of this category: keyed BLAKE3 of the tagged key (ledger runs),
    /// or two foldhash functions seeded by the run's random key and the category (in memory).
    #[inline]
    pub fn hash(&self, normalised: &[u8]) -> u128 {
        match &self.in_memory {
            None => hash_key(&self.key, &self.category, normalised),
            Some((a, b)) => {
                use std::hash::{BuildHasher, Hasher};
                let (mut ha, mut hb) = (a.build_hasher(), b.build_hasher());
                ha.write(normalised);
                hb.write(normalised);
                low96((hb.finish() as u128) << 64 | ha.finish() as u128)
            }
        }
    }
}

pub fn random_key() -> [u8; 32] {
    use std::io::Read;
    let mut key = [0u8; 32];
    if std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut key)).is_ok() {
        return key;
    }
    // No /dev/urandom: derive from the clock, the process id and address-space randomness.
    let seed = format!("{:?}{:p}{}", std::time::SystemTime::now(), &key, std::process::id());
    *blake3::hash(seed.as_bytes()).as_bytes()
}

/// Keyed BLAKE3 of `category NUL normalised`, truncated to 96 bits. One `keyed_hash` call on a
/// stack buffer: the incremental hasher's set-up cost showed in profiles for these short inputs.
#[inline]
pub fn hash_key(key: &[u8; 32], category: &str, normalised: &[u8]) -> u128 {
    let mut buf = [0u8; TAGGED_MAX];
    let out = match tagged(&mut buf, category, normalised) {
        Some(t) => blake3::keyed_hash(key, t),
        None => {
            let mut h = blake3::Hasher::new_keyed(key);
            h.update(category.as_bytes());
            h.update(&[0]);
            h.update(normalised);
            h.finalize()
        }
    };
    low96(u128::from_le_bytes(out.as_bytes()[..16].try_into().unwrap()))
}

/// Longest tagged key hashed from a stack buffer.
const TAGGED_MAX: usize = 128;

/// `category`, a zero byte and `normalised` in `buf`: the bytes hashed. `None` when too long.
fn tagged<'b>(buf: &'b mut [u8; TAGGED_MAX], category: &str, normalised: &[u8]) -> Option<&'b [u8]> {
    let n = category.len() + 1 + normalised.len();
    if n > TAGGED_MAX {
        return None;
    }
    buf[..category.len()].copy_from_slice(category.as_bytes());
    buf[category.len()] = 0;
    buf[category.len() + 1..n].copy_from_slice(normalised);
    Some(&buf[..n])
}

/// 96 bits: what the person set keeps (see `Key96`), so every hash compares equal everywhere.
#[inline]
fn low96(h: u128) -> u128 {
    h & ((1u128 << 96) - 1)
}

/// How a category's keys are normalised (decided once per detector, not per key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Phone,
    /// Resident ID or residence permit: GB 11643 forms (a birth date inside).
    ResidentId,
    Email,
    Card,
    Other,
}

impl KeyKind {
    /// A detector file's `key_form` (`None`: the value as it is).
    pub fn parse(form: Option<&str>) -> Option<KeyKind> {
        Some(match form {
            None => KeyKind::Other,
            Some("phone") => KeyKind::Phone,
            Some("resident_id") => KeyKind::ResidentId,
            Some("email") => KeyKind::Email,
            Some("card") => KeyKind::Card,
            Some(_) => return None,
        })
    }
}

/// The normal form of `s` as a key of kind `kind`, as [`normalise_as`] gives it: `s` itself when
/// it is in normal form already (most keys are: no copy), else written into `out`. `None` when
/// the value has none.
#[inline]
pub fn normal_form<'a>(kind: KeyKind, s: &'a str, out: &'a mut Vec<u8>) -> Option<&'a [u8]> {
    let b = s.as_bytes();
    let same = match kind {
        KeyKind::Phone => {
            b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit)
        }
        KeyKind::ResidentId => b.len() == 18 && !b.iter().any(u8::is_ascii_lowercase),
        KeyKind::Email => !b.iter().any(u8::is_ascii_uppercase) && s.trim().len() == b.len(),
        KeyKind::Card => !b.is_empty() && b.iter().all(u8::is_ascii_digit),
        KeyKind::Other => {
            !b.is_empty() && !b.iter().any(|&c| matches!(c, b' ' | b'-' | b'\t') || c.is_ascii_lowercase())
        }
    };
    if same {
        Some(b)
    } else if normalise_as(kind, s, out) {
        Some(out)
    } else {
        None
    }
}

/// Write the normal form of `s` as a key of kind `kind` into `out`; false when it has none.
pub fn normalise_as(kind: KeyKind, s: &str, out: &mut Vec<u8>) -> bool {
    out.clear();
    match kind {
        KeyKind::Phone => match normalise_mobile(s) {
            Some((digits, n)) => {
                out.extend_from_slice(&digits[..n]);
                true
            }
            None => false,
        },
        KeyKind::ResidentId => {
            let b = s.as_bytes();
            if b.len() == 15 {
                // GB 11643-1999: the 15-digit form lacks the century and the check character.
                out.extend_from_slice(&b[..6]);
                out.extend_from_slice(b"19");
                out.extend_from_slice(&b[6..]);
                match validators::gb11643_check_char(out) {
                    Some(c) => out.push(c),
                    None => return false,
                }
            } else {
                out.extend_from_slice(b);
                out.make_ascii_uppercase();
            }
            true
        }
        KeyKind::Email => {
            out.extend_from_slice(s.trim().as_bytes());
            out.make_ascii_lowercase();
            true
        }
        KeyKind::Card => {
            out.extend(s.bytes().filter(u8::is_ascii_digit));
            !out.is_empty()
        }
        KeyKind::Other => {
            out.extend(s.bytes().filter(|c| !matches!(c, b' ' | b'-' | b'\t')).map(|c| c.to_ascii_uppercase()));
            !out.is_empty()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ledger_hashes_are_keyed_blake3_of_the_tagged_key() {
        // The ledger stores these: their bytes may never change.
        let h = KeyHasher::new([1; 32]).hash("phone", b"13812345678");
        let want = blake3::keyed_hash(&[1; 32], b"phone\x0013812345678");
        assert_eq!(h, u128::from_le_bytes(want.as_bytes()[..16].try_into().unwrap()) & ((1 << 96) - 1));
        // A key too long for the stack buffer hashes the same bytes.
        let long = vec![b'7'; 200];
        let mut tagged = b"other\0".to_vec();
        tagged.extend_from_slice(&long);
        let want = blake3::keyed_hash(&[1; 32], &tagged);
        assert_eq!(
            KeyHasher::new([1; 32]).hash("other", &long),
            u128::from_le_bytes(want.as_bytes()[..16].try_into().unwrap()) & ((1 << 96) - 1)
        );
    }

    #[test]
    fn in_memory_hashes_agree_within_a_run_and_tell_categories_apart() {
        let h = KeyHasher::random();
        let copy = h.clone();
        assert_eq!(h.hash("phone", b"13812345678"), copy.hash("phone", b"13812345678"));
        assert_ne!(h.hash("phone", b"13812345678"), h.hash("bank_card", b"13812345678"));
        assert_ne!(h.hash("phone", b"13812345678"), KeyHasher::random().hash("phone", b"13812345678"));
        assert!(h.hash("phone", b"13812345678") < 1 << 96);
    }

    #[test]
    fn normal_form_is_normalise_as() {
        // Values of every kind's shapes and near misses: the shortcut must agree exactly.
        let mut next = crate::test_util::xorshift(0x9E37_79B9_7F4A_7C15u64);
        let alphabet = b"0123456789013xX aA-\t@.+";
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for kind in [KeyKind::Phone, KeyKind::ResidentId, KeyKind::Email, KeyKind::Card, KeyKind::Other] {
            for _ in 0..20_000 {
                let len = [0, 1, 11, 13, 15, 18, 19][next() as usize % 7];
                let mut v: Vec<u8> = (0..len).map(|_| alphabet[next() as usize % alphabet.len()]).collect();
                if next() % 2 == 0 && len >= 2 {
                    // Mostly digits after a mobile prefix: the shapes the shortcut takes.
                    v = (0..len).map(|i| if i == 0 { b'1' } else { b'0' + (next() % 10) as u8 }).collect();
                    if next() % 3 == 0 {
                        v[len - 1] = [b'x', b'X', b' '][next() as usize % 3];
                    }
                }
                let s = String::from_utf8(v).unwrap();
                let want = normalise_as(kind, &s, &mut a).then(|| a.clone());
                assert_eq!(normal_form(kind, &s, &mut b).map(<[u8]>::to_vec), want, "{kind:?} {s:?}");
            }
        }
    }

    #[test]
    fn same_person_same_hash() {
        let k = KeyHasher::new([7; 32]);
        let mut a = Vec::new();
        let mut b = Vec::new();
        assert!(normalise_as(KeyKind::Phone, "+86 138-1234-5678", &mut a));
        assert!(normalise_as(KeyKind::Phone, "13812345678", &mut b));
        assert_eq!(k.hash("phone", &a), k.hash("phone", &b));
        assert!(normalise_as(KeyKind::ResidentId, "11010519491231002x", &mut a));
        assert_eq!(a, b"11010519491231002X");
        // 15-digit legacy form upgraded to 18 with its check character
        assert!(normalise_as(KeyKind::ResidentId, "110105491231002", &mut a));
        assert_eq!(a, b"11010519491231002X");
        assert!(normalise_as(KeyKind::Email, "Zhang.Wei@QQ.com", &mut a));
        assert_eq!(a, b"zhang.wei@qq.com");
        // a phone and an e-mail never collide: the category is part of the hash
        assert_ne!(k.hash("phone", b"x"), k.hash("email", b"x"));
    }
}
