//! Byte classes: what kinds of bytes a value holds (digits, letters, non-ASCII, a space, an `@`),
//! tested before any detector is asked. (Not the policy's classes of personal information.)

/// A set of byte classes, a bit per class: what a value holds.
pub type ByteClasses = u8;

/// The byte classes the cell loop tests.
pub mod class {
    use super::ByteClasses;
    pub const DIGIT: ByteClasses = 1 << 0;
    pub const UPPER: ByteClasses = 1 << 1;
    pub const LOWER: ByteClasses = 1 << 2;
    pub const NON_ASCII: ByteClasses = 1 << 3;
    pub const SPACE: ByteClasses = 1 << 4;
    pub const AT: ByteClasses = 1 << 5;
    pub const OTHER: ByteClasses = 1 << 6;
}

/// The class bit of every byte.
static CLASS_OF: [ByteClasses; 256] = {
    let mut t = [class::OTHER; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = match b as u8 {
            b'0'..=b'9' => class::DIGIT,
            b'A'..=b'Z' => class::UPPER,
            b'a'..=b'z' => class::LOWER,
            0x80..=0xFF => class::NON_ASCII,
            b' ' => class::SPACE,
            b'@' => class::AT,
            _ => class::OTHER,
        };
        b += 1;
    }
    t
};

/// Classes of the bytes of `s`.
#[inline]
pub fn byte_classes(s: &[u8]) -> ByteClasses {
    s.iter().fold(0, |m, &b| m | CLASS_OF[b as usize])
}
