//! Motor-vehicle licence plates, GA 36-2018 (REGULATION.md §5).
//!
//! A province abbreviation (one of the 31 characters 京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕
//! 吉闽贵粤青藏川宁琼), the issuing authority's letter, an optional `·` (U+00B7, as printed on the
//! plate), then either 5 characters of `A-HJ-NP-Z0-9` (7-character plate) or, for new-energy
//! vehicles, 6: `[DF][A-HJ-NP-Z0-9]` + 4 digits (small cars) or 5 digits + `[DF]` (large
//! vehicles). Letters are upper case. In UTF-8 a plate is 9–12 bytes.
//!
//! Systems store the separator after the letter as they like: `·`, a dash (`湘H-53374`, as
//! vehicle registers and parking systems write it) or a space. One of them is accepted there.

use super::Ctx;

fn province(c: char) -> bool {
    matches!(
        c,
        '京' | '津'
            | '沪'
            | '渝'
            | '冀'
            | '豫'
            | '云'
            | '辽'
            | '黑'
            | '湘'
            | '皖'
            | '鲁'
            | '新'
            | '苏'
            | '浙'
            | '赣'
            | '鄂'
            | '桂'
            | '甘'
            | '晋'
            | '蒙'
            | '陕'
            | '吉'
            | '闽'
            | '贵'
            | '粤'
            | '青'
            | '藏'
            | '川'
            | '宁'
            | '琼'
    )
}

/// `A-HJ-NP-Z0-9`: the serial alphabet (no I, no O).
fn serial(c: u8) -> bool {
    c.is_ascii_digit() || (c.is_ascii_uppercase() && c != b'I' && c != b'O')
}

pub fn licence_plate(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    // Every province character is 3 bytes in UTF-8.
    if !(9..=12).contains(&b.len()) || !s.is_char_boundary(3) || !s[..3].chars().next().is_some_and(province) {
        return false;
    }
    if !b[3].is_ascii_uppercase() {
        return false;
    }
    let rest = match &b[4..] {
        [0xC2, 0xB7, rest @ ..] | [b'-' | b' ', rest @ ..] => rest,
        rest => rest,
    };
    match rest.len() {
        5 => rest.iter().all(|&c| serial(c)),
        6 => {
            (matches!(rest[0], b'D' | b'F') && serial(rest[1]) && rest[2..].iter().all(u8::is_ascii_digit))
                || (rest[..5].iter().all(u8::is_ascii_digit) && matches!(rest[5], b'D' | b'F'))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    fn ctx() -> Ctx {
        Ctx { today: Date::new(2026, 11, 28).unwrap() }
    }

    #[test]
    fn plates() {
        for ok in [
            "京A12345",
            "粤B·8K3J9",
            "沪AD12345",
            "苏E12345F",
            "川AFA1234",
            "浙A·D12345",
            "琼AZZ999",
            "湘H-53374",
            "琼X 41586",
            "粤B-D12345",
        ] {
            assert!(licence_plate(ok, &ctx()), "{ok}");
        }
        for bad in [
            "京A1234",    // short
            "京A123456",  // 6 digits without D/F
            "京a12345",   // lower case
            "京A1234O",   // O is not a serial character
            "北A12345",   // not a province abbreviation
            "沪AD1234F",  // both new-energy forms at once
            "京AA12345",  // 6 characters, first not D/F
            "京A·12345·", // trailing dot
            "京A--12345", // two separators
            "京A-·12345", // two separators
            "京-A12345",  // separator before the letter
            "A12345",
        ] {
            assert!(!licence_plate(bad, &ctx()), "{bad}");
        }
    }
}
