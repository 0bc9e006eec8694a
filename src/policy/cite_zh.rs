//! Citations in Chinese for reports in Chinese: the document's Chinese title (the part of its
//! `title` before " — ") in 《》 and the article as Chinese law cites it — `Art. 7(2)` becomes
//! 第七条第（二）项. An article written otherwise ("automotive, important data item 1") is kept
//! after the title; a document without a Chinese title keeps its short name.

/// `title`, `short` and `article` of a policy's citation → the Chinese citation.
pub fn cite_zh(title: &str, short: &str, article: Option<&str>) -> String {
    let zh = title.split(" — ").next().unwrap_or("").trim();
    let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let name = if !cjk(zh) {
        short.to_string()
    } else if zh.starts_with("GB") {
        // A standard: its number, then its title (GB/T 43697-2024《数据安全技术 数据分类分级规则》).
        let at = zh.char_indices().find(|(_, c)| cjk(&c.to_string())).map_or(zh.len(), |(i, _)| i);
        format!("{}《{}》", zh[..at].trim(), zh[at..].trim())
    } else {
        format!("《{zh}》")
    };
    match article {
        None => name,
        Some(a) => match article_zh(a) {
            Some(z) => format!("{name}{z}"),
            None => format!("{name} {a}"),
        },
    }
}

/// `Art. 7`, `Art. 7(2)` → 第七条, 第七条第（二）项.
fn article_zh(a: &str) -> Option<String> {
    let rest = a.strip_prefix("Art. ")?;
    let (num, item) = match rest.split_once('(') {
        Some((n, i)) => (n, Some(i.strip_suffix(')')?)),
        None => (rest, None),
    };
    let n: u32 = num.parse().ok()?;
    let mut s = format!("第{}条", numeral(n)?);
    if let Some(i) = item {
        s.push_str(&format!("第（{}）项", numeral(i.parse().ok()?)?));
    }
    Some(s)
}

/// 1–99 in Chinese numerals (十一, 二十, 九十九).
fn numeral(n: u32) -> Option<String> {
    const D: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    Some(match n {
        1..=9 => D[n as usize].to_string(),
        10..=19 => format!("十{}", D[(n % 10) as usize]),
        20..=99 => format!("{}十{}", D[(n / 10) as usize], D[(n % 10) as usize]),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_and_titles() {
        let t = "促进和规范数据跨境流动规定 — Provisions on Promoting and Regulating Cross-Border Data Flows";
        assert_eq!(cite_zh(t, "Provisions", Some("Art. 7(2)")), "《促进和规范数据跨境流动规定》第七条第（二）项");
        assert_eq!(cite_zh(t, "Provisions", Some("Art. 8")), "《促进和规范数据跨境流动规定》第八条");
        assert_eq!(cite_zh(t, "Provisions", Some("Art. 12")), "《促进和规范数据跨境流动规定》第十二条");
        assert_eq!(cite_zh(t, "Provisions", Some("Art. 21")), "《促进和规范数据跨境流动规定》第二十一条");
        let g = "GB/T 43697-2024 数据安全技术 数据分类分级规则 — Data security technology";
        assert_eq!(cite_zh(g, "GB/T 43697-2024", None), "GB/T 43697-2024《数据安全技术 数据分类分级规则》");
        assert_eq!(cite_zh("Some English title", "X", Some("item 1")), "X item 1");
        let b = "中国（北京）自由贸易试验区数据出境负面清单管理办法（试行）及负面清单（2024版） — Beijing";
        assert_eq!(
            cite_zh(b, "Beijing list", Some("automotive, important data item 1")),
            "《中国（北京）自由贸易试验区数据出境负面清单管理办法（试行）及负面清单（2024版）》 automotive, important data item 1"
        );
    }
}
