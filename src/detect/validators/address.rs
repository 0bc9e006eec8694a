//! Postal addresses in Chinese: Han text with an administrative marker (省 市 区 县 镇 乡 …)
//! and a street marker (路 街 道 巷 弄 胡同 村), or a street marker followed by a house number
//! (`建国路88号`). Digits, Latin letters and the separators `-#()（）·` may appear (building
//! names, `3栋1205室`); sentence punctuation may not, so a sentence that merely mentions a city
//! is not an address. A city or province alone is `coarse_location`.

use super::cjk::is_han;
use super::Ctx;

/// Longest whole value read as an address (bytes): a full address with a building name.
const MAX_LEN: usize = 240;

pub fn address(s: &str, _: &Ctx) -> bool {
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
        } else if is_han(c) {
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

#[cfg(test)]
mod tests {
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
}
