//! Small helpers shared by the CJK value-shape validators: the code point of a three-byte
//! character, the CJK Unified Ideographs test, and bit sets of basic-block characters.

/// Is `cp` a CJK Unified Ideograph (the basic block and extension A)?
#[inline]
pub fn is_han_cp(cp: u32) -> bool {
    matches!(cp, 0x4E00..=0x9FFF | 0x3400..=0x4DBF)
}

/// Code points of the basic CJK block (U+4E00–U+9FFF), where the sets below live.
const BASIC: std::ops::RangeInclusive<u32> = 0x4E00..=0x9FFF;

/// A set of characters of the basic CJK block, one bit each (2.6 KB): a membership test is a
/// load, where a binary search over a few hundred characters mispredicted several branches.
pub struct HanSet([u64; WORDS]);

const WORDS: usize = (0x9FFF - 0x4E00 + 1usize).div_ceil(64);

impl HanSet {
    /// The set of `chars`; a character outside the basic block fails the build.
    pub const fn of(chars: &[char]) -> HanSet {
        let mut bits = [0u64; WORDS];
        let mut i = 0;
        while i < chars.len() {
            let cp = chars[i] as u32;
            assert!(cp >= *BASIC.start() && cp <= *BASIC.end(), "HanSet holds the basic CJK block only");
            let k = (cp - *BASIC.start()) as usize;
            bits[k / 64] |= 1 << (k % 64);
            i += 1;
        }
        HanSet(bits)
    }

    #[inline]
    pub fn contains(&self, cp: u32) -> bool {
        let k = cp.wrapping_sub(*BASIC.start()) as usize;
        self.0.get(k / 64).is_some_and(|w| w & (1 << (k % 64)) != 0)
    }
}

/// The code point of the three-byte character starting `b`, when `b` starts with one.
#[inline]
pub const fn three_byte(b: &[u8]) -> Option<u32> {
    match *b {
        [c0, c1, c2, ..] if c0 & 0xF0 == 0xE0 => {
            Some((c0 as u32 & 0x0F) << 12 | (c1 as u32 & 0x3F) << 6 | (c2 as u32 & 0x3F))
        }
        _ => None,
    }
}
