//! Biometric templates as exported: a feature vector written as text (at least 16 numbers with
//! decimals, comma- or space-separated, optionally in brackets: a face or voiceprint embedding),
//! a base64 template of at least 64 characters (fingerprint minutiae, iris codes), or an image
//! reference (a face photo; see `media_ref`). Only under a column name that says so: any long
//! float list or base64 blob has this shape.

use super::{media_ref, Ctx};

/// Numbers a feature vector needs at least.
const MIN_DIMS: usize = 16;

pub fn biometric_template(s: &str, ctx: &Ctx) -> bool {
    let b = s.as_bytes();
    if b.len() < 64 {
        // Too short for a vector or a template: a face photo's URL at most.
        return media_ref::image_ref(s, ctx);
    }
    if b.len() > media_ref::MAX_LEN {
        return false;
    }
    match b[0] {
        b'[' | b'-' | b'0'..=b'9' => vector(b),
        _ => base64(b) || media_ref::image_ref(s, ctx),
    }
}

fn vector(b: &[u8]) -> bool {
    let b = b.strip_prefix(b"[").unwrap_or(b);
    let b = b.strip_suffix(b"]").unwrap_or(b);
    let mut dims = 0;
    for part in b.split(|&c| c == b',' || c == b' ').filter(|p| !p.is_empty()) {
        let p = part.strip_prefix(b"-").unwrap_or(part);
        let Some(dot) = memchr::memchr(b'.', p) else { return false };
        if dot == 0 || dot + 1 == p.len() || !p.iter().enumerate().all(|(i, c)| i == dot || c.is_ascii_digit()) {
            return false;
        }
        dims += 1;
    }
    dims >= MIN_DIMS
}

fn base64(b: &[u8]) -> bool {
    let body = b.strip_suffix(b"==").or_else(|| b.strip_suffix(b"=")).unwrap_or(b);
    let (mut upper, mut lower, mut digit) = (false, false, false);
    for &c in body {
        match c {
            b'A'..=b'Z' => upper = true,
            b'a'..=b'z' => lower = true,
            b'0'..=b'9' => digit = true,
            b'+' | b'/' => {}
            _ => return false,
        }
    }
    upper && lower && digit
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    #[test]
    fn templates() {
        let ctx = Ctx { today: Date::new(2026, 11, 28).unwrap() };
        let v: Vec<String> = (0..32).map(|i| format!("{:.4}", (i as f64 * 0.37).sin())).collect();
        let vec = format!("[{}]", v.join(", "));
        assert!(biometric_template(&vec, &ctx));
        assert!(biometric_template(&v.join(","), &ctx));
        assert!(biometric_template(
            "Rk1SACAyMAAAAAFiAAABAAGQAMUAxQEAAAAoQ4B9ADgVVUCKAFoTZEBiAGMKX0CfAHQTXUB3AIUSY0CAAJgKYw==",
            &ctx
        ));
        assert!(!biometric_template(&v[..8].join(","), &ctx));
        assert!(!biometric_template(
            "this is a long sentence of ordinary words that is not a template at all, no",
            &ctx
        ));
        assert!(!biometric_template(&"A".repeat(80), &ctx));
    }
}
