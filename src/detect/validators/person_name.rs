//! Personal names. Chinese: a surname of the common-surname list (single or compound) followed
//! by one or two common given-name characters, 2–4 Han characters in all (`高血压`, `毛巾`,
//! `张家口市` are not names). Both lists come from published frequency lists (see
//! `name_tables.rs`): a given name must use the common characters, so product and place words
//! that start with a surname character (`毛巾`, `钱包`, `高速`, `黄油`) do not pass.
//! Pinyin: two words, one of them a pinyin surname, the other one to three pinyin syllables
//! (`Zhang Wei`, `ZHANG WEI`, `Xiaoming Li`), in Title or upper case.

use super::cjk::{is_han_cp, three_byte, HanSet};
use super::Ctx;

// The tables are generated from published frequency lists (`scripts/gen_name_tables.py`).
use super::name_tables::{COMPOUND, GIVEN, PINYIN_SURNAMES, SURNAMES};

/// [`COMPOUND`] as fixed-size byte strings: compared inline, without a call per surname.
static COMPOUND_BYTES: std::sync::LazyLock<Vec<[u8; 6]>> = std::sync::LazyLock::new(|| {
    COMPOUND.iter().map(|c| c.as_bytes().try_into().expect("compound surnames are two 3-byte characters")).collect()
});

const INITIALS: &[&[u8]] = &[
    b"zh", b"ch", b"sh", b"b", b"p", b"m", b"f", b"d", b"t", b"n", b"l", b"g", b"k", b"h", b"j", b"q", b"x", b"r",
    b"z", b"c", b"s", b"y", b"w",
];
const FINALS: &[&[u8]] = &[
    b"iang", b"iong", b"uang", b"ueng", b"ang", b"eng", b"ian", b"iao", b"ing", b"ong", b"uai", b"uan", b"ai", b"an",
    b"ao", b"ei", b"en", b"er", b"ia", b"ie", b"in", b"iu", b"ou", b"ua", b"ue", b"ui", b"un", b"uo", b"ve", b"a",
    b"e", b"i", b"o", b"u", b"v",
];

static SURNAME_SET: HanSet = HanSet::of(SURNAMES);
static GIVEN_SET: HanSet = HanSet::of(GIVEN);

pub fn person_name(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    if b.len() < 4 || b.len() > 40 {
        return false;
    }
    if b[0] >= 0x80 {
        chinese(s)
    } else {
        // A pinyin name ends with a letter (codes and numbers mostly end with a digit).
        b[b.len() - 1].is_ascii_alphabetic() && pinyin(b)
    }
}

/// 2–4 Han characters: surname + 1–2 given characters.
fn chinese(s: &str) -> bool {
    // Two to four 3-byte characters.
    let b = s.as_bytes();
    if !(6..=12).contains(&b.len()) || b.len() % 3 != 0 {
        return false;
    }
    // `s` is UTF-8: when every third byte starts a three-byte character, those are its
    // characters (every Han character is three bytes long).
    let mut cps = [0u32; 4];
    let n = b.len() / 3;
    for (k, cp) in cps[..n].iter_mut().enumerate() {
        match three_byte(&b[3 * k..]) {
            Some(c) if is_han_cp(c) => *cp = c,
            _ => return false,
        }
    }
    let compound = n >= 3 && {
        let head: &[u8; 6] = b[..6].try_into().expect("two 3-byte characters");
        COMPOUND_BYTES.contains(head)
    };
    let given = if compound {
        &cps[2..n]
    } else if SURNAME_SET.contains(cps[0]) && n <= 3 {
        &cps[1..n]
    } else {
        return false;
    };
    !given.is_empty()
        && given.len() <= 2
        && given.iter().all(|&c| GIVEN_SET.contains(c))
        && !NOT_LAST_SET.contains(cps[n - 1])
}

/// Characters that end place and organisation names (`黄山路`, `金山区`, `东方站`): common in
/// given names elsewhere (路遥), never the last character of a name in a name column's worth of
/// values.
static NOT_LAST: &[char] = &[
    '乡', '区', '厂', '县', '号', '处', '局', '巷', '市', '店', '所', '村', '桥', '楼', '站', '街', '路', '道', '部',
    '镇', '院', '馆', '省', '室',
];
static NOT_LAST_SET: HanSet = HanSet::of(NOT_LAST);

/// Can `w` (lower-case ASCII letters) be split into 1–3 pinyin syllables?
fn syllables(w: &[u8]) -> bool {
    if w.is_empty() || w.len() > 18 {
        return false;
    }
    // reach[i]: the fewest syllables that spell w[..i] (0xff: impossible).
    let mut reach = [0xffu8; 19];
    reach[0] = 0;
    for i in 0..w.len() {
        if reach[i] == 0xff || reach[i] >= 3 {
            continue;
        }
        let rest = &w[i..];
        let mut starts = [0usize; 2];
        let mut k = 1;
        if let Some(init) = INITIALS.iter().find(|p| rest.starts_with(p)) {
            starts[1] = init.len();
            k = 2;
        }
        for &st in &starts[..k] {
            for f in FINALS {
                if rest[st..].starts_with(f) {
                    let j = i + st + f.len();
                    reach[j] = reach[j].min(reach[i] + 1);
                }
            }
        }
    }
    reach[w.len()] != 0xff
}

/// `Zhang Wei`, `ZHANG WEI`, `Wei Zhang`, `Zhang Xiaoming`.
fn pinyin(b: &[u8]) -> bool {
    let Some(sp) = b.iter().position(|&c| c == b' ') else { return false };
    let (w1, w2) = (&b[..sp], &b[sp + 1..]);
    let mut l1 = [0u8; 18];
    let mut l2 = [0u8; 18];
    let (Some(a), Some(c)) = (lower_word(w1, &mut l1), lower_word(w2, &mut l2)) else { return false };
    let surname = |w: &[u8]| PINYIN_SURNAMES.binary_search_by(|p| p.as_bytes().cmp(w)).is_ok();
    (surname(a) && syllables(c)) || (surname(c) && syllables(a))
}

/// A Title-case or upper-case ASCII word, lower-cased into `buf`.
fn lower_word<'a>(w: &[u8], buf: &'a mut [u8; 18]) -> Option<&'a [u8]> {
    if w.len() < 2 || w.len() > 18 || !w[0].is_ascii_uppercase() {
        return None;
    }
    let upper = w[1].is_ascii_uppercase();
    for (i, &c) in w.iter().enumerate() {
        if !c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_uppercase() != upper) {
            return None;
        }
        buf[i] = c.to_ascii_lowercase();
    }
    Some(&buf[..w.len()])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    fn ctx() -> Ctx {
        Ctx { today: Date::new(2026, 11, 28).unwrap() }
    }

    #[test]
    fn tables_sorted() {
        assert!(SURNAMES.windows(2).all(|w| w[0] <= w[1]));
        assert!(GIVEN.windows(2).all(|w| w[0] < w[1]));
        assert!(PINYIN_SURNAMES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn bit_sets_hold_exactly_the_tables() {
        for cp in 0x3000..0xA000u32 {
            let c = char::from_u32(cp).unwrap();
            assert_eq!(SURNAME_SET.contains(cp), SURNAMES.contains(&c), "{c}");
            assert_eq!(GIVEN_SET.contains(cp), GIVEN.contains(&c), "{c}");
        }
    }

    #[test]
    fn names() {
        for ok in [
            "张伟",
            "王小明",
            "欧阳娜娜",
            "司马光",
            "Zhang Wei",
            "ZHANG WEI",
            "Xiaoming Li",
            "Li Na",
            "Ouyang Feng",
            // Faker zh_CN names the hand-written tables missed (issue 14).
            "洪宁",
            "李柳",
            "韦帅",
            "胡坤",
            "银帆",
            "Xiulan Liang",
            "JUN XIANG",
        ] {
            assert!(person_name(ok, &ctx()), "{ok}");
        }
        for bad in [
            "高血压",
            "张家口市",
            "北京",
            "上海",
            "王",
            "张伟伟伟",
            "Tea Set",
            "Long Sleeve",
            "Blue Shirt",
            "zhang wei",
            "Zhang",
            "Li Na Na",
            "糖尿病",
            "佛教",
            "黄山路",
            "Gold Member",
        ] {
            assert!(!person_name(bad, &ctx()), "{bad}");
        }
    }
}
