//! Masked examples: enough to recognise the shape of a finding, never enough to recover the value.

/// Mask `s` in the given style.
pub fn mask(style: MaskStyle, s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    match style {
        MaskStyle::Email => match s.find('@') {
            Some(at) => {
                let first = s[..at].chars().next().unwrap_or('*');
                format!("{first}***{}", &s[at..])
            }
            None => mask(MaskStyle::Middle, s),
        },
        MaskStyle::Name => {
            let mut out: String = chars.iter().take(1).collect();
            out.extend(std::iter::repeat_n('*', n.saturating_sub(1).max(1)));
            out
        }
        MaskStyle::Prefix => {
            let keep = (n / 3).min(6);
            let mut out: String = chars.iter().take(keep).collect();
            out.push_str("***");
            out
        }
        MaskStyle::Middle => {
            // 110***********123X, 138****5678: first 3 and last 4 of long identifiers.
            let (head, tail) = if n >= 11 {
                (3, 4)
            } else if n >= 6 {
                (1, 2)
            } else {
                (0, 1.min(n))
            };
            let mut out: String = chars[..head].iter().collect();
            out.extend(std::iter::repeat_n('*', n - head - tail));
            out.extend(&chars[n - tail..]);
            out
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskStyle {
    Middle,
    Email,
    Name,
    Prefix,
}

impl MaskStyle {
    pub fn parse(s: Option<&str>) -> Option<MaskStyle> {
        Some(match s.unwrap_or("middle") {
            "middle" => MaskStyle::Middle,
            "email" => MaskStyle::Email,
            "name" => MaskStyle::Name,
            "prefix" => MaskStyle::Prefix,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask(MaskStyle::Middle, "11010519491231002X"), "110***********002X");
        assert_eq!(mask(MaskStyle::Middle, "13812345678"), "138****5678");
        assert_eq!(mask(MaskStyle::Email, "zhangwei@qq.com"), "z***@qq.com");
        assert_eq!(mask(MaskStyle::Name, "张伟"), "张*");
        assert_eq!(mask(MaskStyle::Prefix, "北京市朝阳区建国路88号"), "北京市朝***");
    }
}
