//! One component of a feature vector exported as a list of numbers (`face_embedding: [0.0123,
//! -0.4561, …]`), which a columnar reader splits into one value per component: a decimal with at
//! least three decimals and an absolute value below 100. Only under a column name that names a
//! biometric vector: any measurement has this shape.

use super::Ctx;

pub fn vector_component(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || b.len() > 24 {
        return false;
    }
    let d = b.strip_prefix(b"-").unwrap_or(b);
    let Some(dot) = memchr::memchr(b'.', d) else { return false };
    let (int, frac) = (&d[..dot], &d[dot + 1..]);
    (1..=2).contains(&int.len())
        && frac.len() >= 3
        && int.iter().chain(frac).all(u8::is_ascii_digit)
        && !frac.contains(&b'e')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components() {
        let ctx = Ctx { today: crate::time::Date::new(2026, 11, 28).unwrap() };
        for ok in ["0.0123", "-0.4561", "12.345", "0.12345678901234"] {
            assert!(vector_component(ok, &ctx), "{ok}");
        }
        for bad in ["0.12", "123.456", "1e-5", "abc", "0.1.2"] {
            assert!(!vector_component(bad, &ctx), "{bad}");
        }
    }
}
