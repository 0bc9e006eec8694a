//! Small helpers shared by the CJK value-shape validators: decode a char from UTF-8 bytes
//! without allocating, and the CJK Unified Ideographs test.

/// Is `c` a CJK Unified Ideograph (the basic block and extension A)?
#[inline]
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF)
}
