//! E-mail addresses (RFC 5321 mailbox shape, pragmatically): a local part of letters, digits and
//! `._%+-`, one `@`, and a domain of at least two labels whose last label is alphabetic (2–24).

use super::Ctx;

pub fn email(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    if b.len() < 6 || b.len() > 254 {
        return false;
    }
    let Some(at) = b.iter().position(|&c| c == b'@') else { return false };
    let (local, domain) = (&b[..at], &b[at + 1..]);
    // The local part starts with a letter or digit, as the detector's pattern does (the
    // scanner's first-byte table relies on the pattern covering what the validator accepts).
    if local.is_empty() || local.len() > 64 || !local[0].is_ascii_alphanumeric() || local[local.len() - 1] == b'.' {
        return false;
    }
    if !local.iter().all(|&c| c.is_ascii_alphanumeric() || b"._%+-".contains(&c)) {
        return false;
    }
    let mut labels = 0;
    let mut last: &[u8] = &[];
    for label in domain.split(|&c| c == b'.') {
        if label.is_empty() || label.len() > 63 || label[0] == b'-' || label[label.len() - 1] == b'-' {
            return false;
        }
        if !label.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-') {
            return false;
        }
        labels += 1;
        last = label;
    }
    labels >= 2 && (2..=24).contains(&last.len()) && last.iter().all(u8::is_ascii_alphabetic)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    #[test]
    fn emails() {
        let c = Ctx { today: Date::new(2026, 1, 1).unwrap() };
        assert!(email("zhang.wei.12@qq.com", &c));
        assert!(email("10023@163.com", &c));
        assert!(!email("a@b", &c));
        assert!(!email("user@localhost", &c));
        assert!(!email("v1.2.3@build", &c));
        assert!(!email("x@@qq.com", &c));
        assert!(!email("_x@qq.com", &c) && !email("+x@qq.com", &c) && !email(".x@qq.com", &c));
    }
}
