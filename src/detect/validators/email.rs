//! E-mail addresses (RFC 5321 mailbox shape, pragmatically): a local part of letters, digits and
//! `._%+-`, one `@`, and a domain of at least two labels whose last label is alphabetic (2–24).

use super::Ctx;

/// Bytes of a local part: letters, digits and `._%+-`.
static LOCAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = (c as u8).is_ascii_alphanumeric() || matches!(c as u8, b'.' | b'_' | b'%' | b'+' | b'-');
        c += 1;
    }
    t
};

pub fn email(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    // The last label is letters: most values that are not addresses (numbers, dates, IPs) end
    // with a digit and are turned away before they are read.
    if b.len() < 6 || b.len() > 254 || !b[b.len() - 1].is_ascii_alphabetic() {
        return false;
    }
    // One pass: the local part up to the first `@` (no `@` in it), then the domain label by
    // label.
    let mut at = 0;
    while b[at] != b'@' {
        if !LOCAL[b[at] as usize] {
            return false;
        }
        at += 1;
        if at == b.len() {
            return false;
        }
    }
    let local = &b[..at];
    // The local part starts with a letter or digit, as the detector's pattern does (the
    // scanner's first-byte table relies on the pattern covering what the validator accepts).
    if local.is_empty() || local.len() > 64 || !local[0].is_ascii_alphanumeric() || local[local.len() - 1] == b'.' {
        return false;
    }
    // Labels of letters, digits and inner dashes; the last one 2-24 letters.
    let (mut labels, mut start, mut alpha) = (0, at + 1, true);
    for i in at + 1..=b.len() {
        let c = b.get(i).copied().unwrap_or(b'.');
        if c == b'.' {
            let n = i - start;
            if n == 0 || n > 63 || b[start] == b'-' || b[i - 1] == b'-' {
                return false;
            }
            labels += 1;
            if i == b.len() {
                return labels >= 2 && (2..=24).contains(&n) && alpha;
            }
            start = i + 1;
            alpha = true;
        } else if c.is_ascii_digit() || c == b'-' {
            alpha = false;
        } else if !c.is_ascii_alphabetic() {
            return false;
        }
    }
    unreachable!("the loop ends at the end of the value")
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

    #[test]
    fn one_pass_agrees_with_parts() {
        let alphabet = b"ab1Z.-_%+@@..q";
        let mut next = crate::test_util::xorshift(0x2545_F491_4F6C_DD1Du64);
        let c = Ctx { today: Date::new(2026, 1, 1).unwrap() };
        let mut accepted = 0;
        for _ in 0..200_000 {
            let n = next() as usize % 30;
            let mut v: String = (0..n).map(|_| alphabet[next() as usize % alphabet.len()] as char).collect();
            if next() % 2 == 0 {
                v = format!("{v}@qq.{}", ["com", "c0m", "c", "com-", "x.y"][next() as usize % 5]);
            }
            assert_eq!(email(&v, &c), by_parts(&v), "{v}");
            accepted += email(&v, &c) as u32;
        }
        assert!(accepted > 1000, "{accepted}");
    }

    /// The validator as first written (slices and splits): the one pass must agree.
    fn by_parts(s: &str) -> bool {
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
}
