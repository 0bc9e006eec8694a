//! Coarse location: a province, a prefecture-level city or a "province city" pair
//! (`广东省深圳市`, `广东 深圳`), in Chinese (with or without 省/市/自治区) or pinyin. Only under
//! a column name that says so: a region name is also a store, a warehouse or a sales area.

use super::Ctx;

/// Provinces and major cities without their suffix, sorted (a test keeps it sorted).
static PLACES: &[&str] = &[
    "三亚",
    "上海",
    "东莞",
    "中山",
    "临沂",
    "乌鲁木齐",
    "保定",
    "内蒙古",
    "北京",
    "南京",
    "南宁",
    "南昌",
    "南通",
    "厦门",
    "台州",
    "台湾",
    "合肥",
    "吉林",
    "呼和浩特",
    "哈尔滨",
    "唐山",
    "嘉兴",
    "四川",
    "大连",
    "天津",
    "太原",
    "宁夏",
    "宁波",
    "安徽",
    "宜昌",
    "山东",
    "山西",
    "广东",
    "广州",
    "广西",
    "新疆",
    "无锡",
    "昆明",
    "杭州",
    "江苏",
    "江西",
    "沈阳",
    "河北",
    "河南",
    "洛阳",
    "济南",
    "海南",
    "海口",
    "深圳",
    "温州",
    "湖北",
    "湖南",
    "潍坊",
    "澳门",
    "烟台",
    "珠海",
    "甘肃",
    "福州",
    "福建",
    "西宁",
    "西安",
    "西藏",
    "贵州",
    "贵阳",
    "辽宁",
    "重庆",
    "金华",
    "银川",
    "长春",
    "长沙",
    "陕西",
    "青岛",
    "青海",
    "香港",
    "黑龙江",
];

static PINYIN: &[&str] = &[
    "anhui",
    "beijing",
    "changsha",
    "chengdu",
    "chongqing",
    "dalian",
    "dongguan",
    "fujian",
    "fuzhou",
    "guangdong",
    "guangzhou",
    "guizhou",
    "hangzhou",
    "harbin",
    "hebei",
    "henan",
    "hubei",
    "hunan",
    "jiangsu",
    "jiangxi",
    "jinan",
    "kunming",
    "nanjing",
    "ningbo",
    "qingdao",
    "shaanxi",
    "shandong",
    "shanghai",
    "shanxi",
    "shenyang",
    "shenzhen",
    "sichuan",
    "suzhou",
    "tianjin",
    "wuhan",
    "xiamen",
    "xian",
    "yunnan",
    "zhejiang",
    "zhengzhou",
];

/// Names whose short form is a common word, and places not in the table above.
static EXTRA: &[&str] = &["云南", "成都", "武汉", "浙江", "苏州", "郑州"];

fn place(p: &str) -> bool {
    let p = p
        .strip_suffix("特别行政区")
        .or_else(|| p.strip_suffix("自治区"))
        .or_else(|| p.strip_suffix('省'))
        .or_else(|| p.strip_suffix('市'))
        .unwrap_or(p);
    !p.is_empty() && (PLACES.binary_search(&p).is_ok() || EXTRA.contains(&p))
}

pub fn cn_region(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    if b.len() < 4 || b.len() > 48 {
        return false;
    }
    if b[0] < 0x80 {
        if b.len() > 12 || !b.iter().all(u8::is_ascii_alphabetic) {
            return false;
        }
        let mut buf = [0u8; 12];
        for (i, c) in b.iter().enumerate() {
            buf[i] = c.to_ascii_lowercase();
        }
        return PINYIN.binary_search_by(|p| p.as_bytes().cmp(&buf[..b.len()])).is_ok();
    }
    if place(s) {
        return true;
    }
    // "广东 深圳", "广东省深圳市", "广东省 深圳市 南山区" (district names are not listed: the
    // first two parts decide).
    if let Some((a, rest)) = s.split_once(' ') {
        let c = rest.split(' ').next().unwrap_or(rest);
        return place(a) && place(c);
    }
    for suffix in ["省", "自治区"] {
        if let Some(i) = s.find(suffix) {
            let (a, c) = s.split_at(i + suffix.len());
            return place(a) && (c.is_empty() || place(c));
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Date;

    #[test]
    fn regions() {
        let ctx = Ctx { today: Date::new(2026, 11, 28).unwrap() };
        assert!(PLACES.windows(2).all(|w| w[0] < w[1]));
        assert!(PINYIN.windows(2).all(|w| w[0] < w[1]));
        for ok in ["北京", "北京市", "广东省", "广东省深圳市", "广东 深圳", "Shanghai", "SHENZHEN", "新疆", "成都市"]
        {
            assert!(cn_region(ok, &ctx), "{ok}");
        }
        for bad in ["北", "华东", "张伟", "广东省深圳市南山区科技园南路18号", "Paris", "京"] {
            assert!(!cn_region(bad, &ctx), "{bad}");
        }
    }
}
