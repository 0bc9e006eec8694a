//! State-secret classification markings (GB/T 7156 / 保密法: 绝密 / 机密 / 秘密). The bare words
//! are ordinary prose (`这是我们的小秘密`), so only marking forms count: the level followed by ★
//! and optionally a period (`机密★10年`, `绝密★长期`, `秘密★`), a `密级：机密` field, or the
//! level in square brackets at the head of a document (`【绝密】`, `[机密]`).

use super::Ctx;

const LEVELS: &[&str] = &["绝密", "机密", "秘密"];

fn strip_level(s: &str) -> Option<&str> {
    LEVELS.iter().find_map(|l| s.strip_prefix(l))
}

pub fn classified_marking(s: &str, _: &Ctx) -> bool {
    marking(s)
}

fn marking(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 6 || b.len() > 40 {
        return false;
    }
    if let Some(rest) = strip_level(s) {
        // `机密★`, `机密★10年`, `机密★长期`
        let Some(p) = rest.strip_prefix('★') else { return false };
        if p.is_empty() || p == "长期" {
            return true;
        }
        let Some(n) = p.strip_suffix('年') else { return false };
        return (1..=2).contains(&n.len()) && n.bytes().all(|c| c.is_ascii_digit());
    }
    if let Some(rest) = s.strip_prefix("密级") {
        let rest = rest.trim_start_matches([':', '：', ' ']);
        return strip_level(rest).is_some_and(|r| r.is_empty() || marking(rest));
    }
    for (open, close) in [("【", "】"), ("[", "]")] {
        if let Some(rest) = s.strip_prefix(open).and_then(|r| r.strip_suffix(close)) {
            return strip_level(rest) == Some("");
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markings() {
        let ctx = Ctx { today: crate::time::Date::new(2026, 11, 28).unwrap() };
        for ok in ["机密★10年", "绝密★长期", "秘密★", "密级：机密", "密级: 绝密★20年", "【绝密】", "[机密]"]
        {
            assert!(classified_marking(ok, &ctx), "{ok}");
        }
        for bad in ["秘密", "机密", "这是我们的小秘密", "机密文件", "机密★abc", "★★★", "密级：普通"]
        {
            assert!(!classified_marking(bad, &ctx), "{bad}");
        }
    }
}
