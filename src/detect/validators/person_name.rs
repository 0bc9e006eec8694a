//! Personal names. Chinese: a surname of the common-surname list (single or compound) followed
//! by one or two given-name characters, 2–4 Han characters in all, none of them a character that
//! marks a place, an illness or an organisation (`高血压`, `张家口市`, `李宁店` are not names).
//! Pinyin: two words, one of them a pinyin surname, the other one to three pinyin syllables
//! (`Zhang Wei`, `ZHANG WEI`, `Xiaoming Li`), in Title or upper case.

use super::cjk::is_han;
use super::Ctx;

/// Common single-character surnames (《百家姓》 and the 2020 census top list), sorted.
static SURNAMES: &[char] = &{
    let mut a = [
        '王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '高',
        '林', '罗', '郑', '梁', '谢', '宋', '唐', '许', '韩', '冯', '邓', '曹', '彭', '曾', '肖', '田', '董', '袁',
        '潘', '于', '蒋', '蔡', '余', '杜', '叶', '程', '苏', '魏', '吕', '丁', '任', '沈', '姚', '卢', '姜', '崔',
        '钟', '谭', '陆', '汪', '范', '金', '石', '廖', '贾', '夏', '韦', '付', '方', '白', '邹', '孟', '熊', '秦',
        '邱', '江', '尹', '薛', '闫', '段', '雷', '侯', '龙', '史', '陶', '黎', '贺', '顾', '毛', '郝', '龚', '邵',
        '万', '钱', '严', '覃', '武', '戴', '莫', '孔', '向', '汤', '常', '温', '康', '施', '文', '牛', '樊', '葛',
        '邢', '安', '齐', '易', '乔', '伍', '庞', '颜', '倪', '庄', '聂', '章', '鲁', '岳', '翟', '殷', '詹', '申',
        '欧', '耿', '关', '兰', '焦', '俞', '左', '柳', '甘', '祝', '包', '宁', '尚', '符', '舒', '阮', '柯', '纪',
        '梅', '童', '凌', '毕', '单', '季', '裴', '霍', '涂', '成', '苗', '谷', '盛', '曲', '翁', '冉', '骆', '蓝',
        '路', '游', '辛', '靳', '管', '柴', '蒙', '鲍', '华', '喻', '祁', '蒲', '房', '滕', '屈', '饶', '解', '牟',
        '艾', '尤', '阳', '时', '穆', '农', '司', '卓', '古', '吉', '缪', '简', '车', '项', '连', '芦', '麦', '褚',
        '娄', '窦', '戚', '岑', '景', '党', '宫', '费', '卜', '冷', '晏', '席', '卫', '米', '柏', '宗', '瞿', '桂',
        '全', '佟', '应', '臧', '闵', '苟', '邬', '边', '卞', '姬', '师', '和', '仇', '栾', '隋', '商', '刁', '沙',
        '荣', '巫', '寇', '桑', '郎', '甄', '丛', '仲', '虞', '敖', '巩', '明', '佘', '池', '查', '麻', '苑', '迟',
        '邝', '官', '封', '谈', '匡', '鞠', '惠', '荆', '乐', '冀', '郁', '胥', '南', '班', '储', '原', '栗', '燕',
        '楚', '鄢', '劳', '谌', '奚', '皮', '粟', '冼', '蔺', '楼', '盘', '满', '闻', '位', '厉', '伊', '仝', '区',
        '郜', '海', '阚', '花', '权', '强', '帅', '屠', '豆', '朴', '盖', '练', '廉', '禹', '井', '祖', '漆', '巴',
        '丰', '支', '卿', '国', '狄', '平', '计', '索', '宣', '晋', '相', '初', '门', '云', '容', '敬', '来', '扈',
        '晁', '芮', '都', '普', '阙', '浦', '戈', '伏', '鹿', '薄', '邸', '雍', '辜', '羊', '阿', '乌', '母', '裘',
        '亓', '修', '邰', '赫', '杭', '况', '那', '宿', '鲜', '印', '逯', '隆', '茹', '诸', '战', '慕', '危', '玉',
        '银', '亢', '嵇', '公', '哈', '湛', '宾', '戎', '勾', '茅', '利', '于', '呼', '居', '揭', '干', '但', '尉',
        '冶', '斯', '元', '束', '檀', '衣', '信', '展', '阴', '昝', '智', '幸', '奉', '植', '衡', '富', '尧', '闭',
        '由',
    ];
    // Sorted at compile time so the table can be written in frequency order.
    let mut i = 1;
    while i < a.len() {
        let mut j = i;
        while j > 0 && (a[j - 1] as u32) > (a[j] as u32) {
            let t = a[j];
            a[j] = a[j - 1];
            a[j - 1] = t;
            j -= 1;
        }
        i += 1;
    }
    a
};

/// Compound surnames (two characters).
static COMPOUND: &[&str] = &[
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容", "尉迟", "公孙", "长孙", "宇文", "夏侯", "端木",
    "司徒", "西门", "独孤", "南宫", "轩辕", "呼延", "申屠", "澹台", "太史", "万俟", "闻人",
];

/// Characters that end or fill places, illnesses, shops and organisations, never given names
/// in practice; a 2–4 character word holding one is not read as a name.
static NOT_GIVEN: &[char] = &{
    let mut a = [
        '省', '市', '区', '县', '镇', '乡', '村', '路', '街', '号', '楼', '室', '栋', '病', '症', '炎', '癌', '店',
        '司', '部', '院', '厂', '局', '科', '教', '馆', '站', '所', '处', '行', '业', '品', '类', '型', '级', '卡',
        '元', '期', '会', '团', '队', '组', '学', '校', '园', '场', '中', '心', '厅', '库', '门', '道', '巷', '弄',
        '湾', '岛', '港', '口', '州', '庄', '屯', '矿', '压', '糖', '血', '疾', '药', '酸', '痛', '伤', '肿', '瘤',
        '残', '障', '佛', '督', '兰', '密', '信', '贷', '款', '的', '了', '是', '在', '有', '不', '我', '你', '他',
        '她', '们', '个', '这', '那', '和', '与', '或', '及', '等', '年', '月', '日', '时', '分', '秒', '第',
    ];
    let mut i = 1;
    while i < a.len() {
        let mut j = i;
        while j > 0 && (a[j - 1] as u32) > (a[j] as u32) {
            let t = a[j];
            a[j] = a[j - 1];
            a[j - 1] = t;
            j -= 1;
        }
        i += 1;
    }
    a
};

/// Pinyin surnames, lower case, sorted.
static PINYIN_SURNAMES: &[&str] = &[
    "bai", "cai", "cao", "chen", "cheng", "cui", "dai", "deng", "ding", "dong", "du", "duan", "fan", "fang", "feng",
    "fu", "gao", "gong", "gu", "guo", "han", "hao", "he", "hou", "hu", "huang", "jia", "jiang", "jin", "kong", "lai",
    "lei", "li", "liang", "liao", "lin", "liu", "lu", "luo", "lv", "ma", "mao", "meng", "mo", "ouyang", "pan", "peng",
    "qian", "qin", "qiu", "ren", "shao", "shen", "shi", "song", "su", "sun", "tan", "tang", "tao", "tian", "wan",
    "wang", "wei", "wen", "wu", "xia", "xiao", "xie", "xiong", "xu", "xue", "yan", "yang", "yao", "ye", "yin", "yu",
    "yuan", "zeng", "zhang", "zhao", "zheng", "zhong", "zhou", "zhu", "zou",
];

const INITIALS: &[&[u8]] = &[
    b"zh", b"ch", b"sh", b"b", b"p", b"m", b"f", b"d", b"t", b"n", b"l", b"g", b"k", b"h", b"j", b"q", b"x", b"r",
    b"z", b"c", b"s", b"y", b"w",
];
const FINALS: &[&[u8]] = &[
    b"iang", b"iong", b"uang", b"ueng", b"ang", b"eng", b"ian", b"iao", b"ing", b"ong", b"uai", b"uan", b"ai", b"an",
    b"ao", b"ei", b"en", b"er", b"ia", b"ie", b"in", b"iu", b"ou", b"ua", b"ue", b"ui", b"un", b"uo", b"ve", b"a",
    b"e", b"i", b"o", b"u", b"v",
];

fn in_sorted(table: &[char], c: char) -> bool {
    table.binary_search(&c).is_ok()
}

pub fn person_name(s: &str, _: &Ctx) -> bool {
    let b = s.as_bytes();
    if b.len() < 4 || b.len() > 40 {
        return false;
    }
    if b[0] >= 0x80 {
        chinese(s)
    } else {
        pinyin(b)
    }
}

/// 2–4 Han characters: surname + 1–2 given characters.
fn chinese(s: &str) -> bool {
    // Two to four 3-byte characters.
    if !(6..=12).contains(&s.len()) || s.len() % 3 != 0 {
        return false;
    }
    let mut chars = [' '; 4];
    let mut n = 0;
    for c in s.chars() {
        if n == 4 || !is_han(c) {
            return false;
        }
        chars[n] = c;
        n += 1;
    }
    let compound = n >= 3 && COMPOUND.iter().any(|c| s.starts_with(c));
    let given = if compound {
        &chars[2..n]
    } else if in_sorted(SURNAMES, chars[0]) && n <= 3 {
        &chars[1..n]
    } else {
        return false;
    };
    !given.is_empty() && given.len() <= 2 && !given.iter().any(|&c| in_sorted(NOT_GIVEN, c))
}

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
    let Some(sp) = memchr::memchr(b' ', b) else { return false };
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
        assert!(NOT_GIVEN.windows(2).all(|w| w[0] <= w[1]));
        assert!(PINYIN_SURNAMES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn names() {
        for ok in
            ["张伟", "王小明", "欧阳娜娜", "司马光", "Zhang Wei", "ZHANG WEI", "Xiaoming Li", "Li Na", "Ouyang Feng"]
        {
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
