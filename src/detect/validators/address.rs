//! Postal addresses in Chinese: Han text with an administrative marker (省 市 区 县 镇 乡 …)
//! and a street marker (路 街 道 巷 弄 胡同 村), or a street marker followed by a house number
//! (`建国路88号`). Digits, Latin letters and the separators `-#()（）·` may appear (building
//! names, `3栋1205室`); sentence punctuation may not, so a sentence that merely mentions a city
//! is not an address. A city or province alone is `coarse_location`.

use super::cjk::three_byte;
use super::Ctx;

/// Longest whole value read as an address (bytes): a full address with a building name.
const MAX_LEN: usize = 240;

const ADMIN: u8 = 1;
const STREET: u8 = 2;
const NUMBERED: u8 = 3;

/// The marker kind of every character of the basic CJK block (U+4E00–U+9FFF), 0 for none.
static MARKER: [u8; 0x9FFF - 0x4E00 + 1] = {
    let mut t = [0u8; 0x9FFF - 0x4E00 + 1];
    let kinds: [(&str, u8); 3] = [("省市区县镇乡旗", ADMIN), ("路街道巷弄村胡", STREET), ("号栋幢室楼单", NUMBERED)];
    let mut k = 0;
    while k < kinds.len() {
        let (chars, kind) = kinds[k];
        let mut b = chars.as_bytes();
        while let Some(cp) = three_byte(b) {
            t[cp as usize - 0x4E00] = kind;
            b = b.split_at(3).1;
        }
        k += 1;
    }
    t
};

pub fn address(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    // At least four Han characters, and the first byte starts one.
    if b.len() < 12 || b.len() > MAX_LEN || b[0] < 0xE3 {
        return false;
    }
    let (mut han, mut admin, mut street, mut numbered) = (0u32, false, false, false);
    let mut prev_digit = false;
    let mut after_street_digit = false;
    // Read byte by byte: every Han character and every marker is three bytes long, so the few
    // other characters allowed are told apart without decoding the rest.
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c < 0x80 {
            i += 1;
            match c {
                b'0'..=b'9' => {
                    prev_digit = true;
                    after_street_digit |= street;
                    continue;
                }
                b'A'..=b'Z' | b'a'..=b'z' | b'-' | b'#' | b'(' | b')' | b' ' => {}
                _ => return false,
            }
        } else if c & 0xF0 == 0xE0 {
            // `s` is UTF-8: a three-byte lead has its two continuation bytes. (Decoded inline:
            // `three_byte`'s slice checks cost 8 % on an address column.)
            let cp = (c as u32 & 0x0F) << 12 | (b[i + 1] as u32 & 0x3F) << 6 | (b[i + 2] as u32 & 0x3F);
            i += 3;
            if let Some(&m) = MARKER.get((cp as usize).wrapping_sub(0x4E00)) {
                // A table, not a `match`: its branches were mispredicted on every character.
                han += 1;
                admin |= m == ADMIN;
                street |= m == STREET;
                numbered |= m == NUMBERED && prev_digit;
            } else if matches!(cp, 0x3400..=0x4DBF) {
                han += 1;
            } else if !matches!(cp, 0xFF08 | 0xFF09) {
                // Only the full-width brackets `（` `）` besides Han characters.
                return false;
            }
        } else if c == 0xC2 && b[i + 1] == 0xB7 {
            // `·`, the one two-byte character allowed.
            i += 2;
        } else {
            return false;
        }
        prev_digit = false;
    }
    // A house number makes four characters enough (`建国路88号`); without one, six (`城市道路` is
    // a road class, `北京市朝阳区建国路` an address).
    street && ((han >= 4 && numbered && after_street_digit) || (han >= 6 && admin))
}

#[cfg(test)]
mod tests {
    use super::super::cjk::is_han_cp;
    use super::*;
    use crate::time::Date;

    fn ctx() -> Ctx {
        Ctx { today: Date::new(2026, 11, 28).unwrap() }
    }

    #[test]
    fn addresses() {
        for ok in [
            "北京市朝阳区建国路88号",
            "广东省深圳市南山区科技园南路18号3栋1205室",
            "建国路88号",
            "浙江省杭州市西湖区文三路90号东部软件园A座",
            "上海市浦东新区张江镇祖冲之路899弄2号",
            "四川省成都市武侯区人民南路四段12号",
        ] {
            assert!(address(ok, &ctx()), "{ok}");
        }
        for bad in [
            "城市道路",
            "北京市",
            "广东省深圳市",
            "我们在北京市见面，然后去建国路。",
            "高血压",
            "Beijing Road 88",
            "建国路",
        ] {
            assert!(!address(bad, &ctx()), "{bad}");
        }
    }

    #[test]
    fn bytes_agree_with_chars() {
        // Random strings over markers, other Han, digits, letters, allowed and refused
        // punctuation, and characters of every UTF-8 length.
        let alphabet: Vec<char> =
            "省市区县路街道号栋室楼单巷弄村胡建国中山和平人民0123456789AbZ-#() （）·，。:@é€𠀀々".chars().collect();
        let mut next = crate::test_util::xorshift(0x2545_F491_4F6C_DD1Du64);
        let mut accepted = 0;
        for _ in 0..200_000 {
            let n = 4 + next() as usize % 20;
            let mut v: String = (0..n).map(|_| alphabet[next() as usize % alphabet.len()]).collect();
            if next() % 2 == 0 {
                v = format!("北京市朝阳区{v}");
            }
            assert_eq!(address(&v, &ctx()), by_chars(&v), "{v}");
            accepted += address(&v, &ctx()) as u32;
        }
        assert!(accepted > 1000, "{accepted}");
    }

    /// The validator as first written, a character at a time: the byte reading must agree.
    fn by_chars(s: &str) -> bool {
        let b = s.as_bytes();
        // At least four Han characters, and the first byte starts one.
        if b.len() < 12 || b.len() > MAX_LEN || b[0] < 0xE3 {
            return false;
        }
        let (mut han, mut admin, mut street, mut numbered) = (0u32, false, false, false);
        let mut prev_digit = false;
        let mut after_street_digit = false;
        for c in s.chars() {
            if c.is_ascii() {
                match c {
                    '0'..='9' => {
                        prev_digit = true;
                        after_street_digit |= street;
                        continue;
                    }
                    'A'..='Z' | 'a'..='z' | '-' | '#' | '(' | ')' | ' ' => {}
                    _ => return false,
                }
            } else if is_han_cp(c as u32) {
                // The markers are all Han characters.
                han += 1;
                match c {
                    '省' | '市' | '区' | '县' | '镇' | '乡' | '旗' => admin = true,
                    '路' | '街' | '道' | '巷' | '弄' | '村' | '胡' => street = true,
                    '号' | '栋' | '幢' | '室' | '楼' | '单' => numbered |= prev_digit,
                    _ => {}
                }
            } else if !matches!(c, '（' | '）' | '·') {
                return false;
            }
            prev_digit = false;
        }
        // A house number makes four characters enough (`建国路88号`); without one, six (`城市道路` is
        // a road class, `北京市朝阳区建国路` an address).
        street && ((han >= 4 && numbered && after_street_digit) || (han >= 6 && admin))
    }
}
