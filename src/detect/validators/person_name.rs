//! Personal names. Chinese: a surname of the common-surname list (single or compound) followed
//! by one or two common given-name characters, 2–4 Han characters in all (`高血压`, `毛巾`,
//! `张家口市` are not names).
//! Pinyin: two words, one of them a pinyin surname, the other one to three pinyin syllables
//! (`Zhang Wei`, `ZHANG WEI`, `Xiaoming Li`), in Title or upper case.

use super::cjk::{is_han_cp, three_byte, HanSet};
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

/// [`COMPOUND`] as fixed-size byte strings: compared inline, without a call per surname.
static COMPOUND_BYTES: std::sync::LazyLock<Vec<[u8; 6]>> = std::sync::LazyLock::new(|| {
    COMPOUND.iter().map(|c| c.as_bytes().try_into().expect("compound surnames are two 3-byte characters")).collect()
});

/// Common given-name characters (sorted). A given name must use them: product and place words
/// that start with a surname character (`毛巾`, `钱包`, `高速`, `黄油`) do not.
static GIVEN: &[char] = &[
    '一', '世', '东', '中', '丹', '丽', '义', '之', '乐', '书', '云', '亚', '亦', '亮', '亿', '仁', '以', '仪', '伊',
    '会', '伟', '伦', '伯', '佩', '佳', '依', '俊', '信', '倩', '健', '儿', '元', '先', '光', '克', '全', '兰', '兴',
    '军', '冠', '冬', '冰', '凝', '凡', '凤', '凯', '刚', '初', '利', '剑', '力', '功', '勇', '勋', '勤', '北', '华',
    '卓', '南', '博', '卿', '厚', '友', '发', '可', '叶', '君', '启', '和', '咏', '哲', '唯', '善', '嘉', '国', '坚',
    '士', '壮', '夏', '天', '奇', '奕', '妍', '妤', '妮', '妹', '姝', '姣', '威', '娅', '娇', '娜', '娟', '娣', '娥',
    '娴', '婉', '婕', '婧', '婵', '婷', '媛', '子', '学', '宁', '宇', '安', '宏', '宗', '宜', '宝', '家', '宸', '容',
    '宽', '富', '寒', '小', '山', '岚', '岩', '岭', '岳', '峰', '嵩', '川', '巧', '希', '平', '广', '庆', '康', '建',
    '弈', '弘', '强', '彤', '彦', '彩', '彪', '彬', '影', '德', '心', '志', '忠', '思', '怡', '恒', '悦', '惠', '慧',
    '成', '才', '承', '振', '政', '敏', '敬', '文', '斌', '新', '旭', '时', '昊', '昌', '明', '星', '春', '昭', '昱',
    '晓', '晗', '晟', '晨', '晴', '晶', '曦', '曼', '月', '有', '朋', '朗', '杉', '杰', '松', '林', '枫', '柏', '柔',
    '栋', '树', '桂', '桐', '桦', '梁', '梅', '梓', '梦', '梧', '棋', '森', '楚', '楠', '楷', '榕', '欢', '欣', '歆',
    '武', '毅', '毓', '民', '永', '江', '沐', '沛', '河', '波', '泰', '泽', '洁', '洋', '洪', '浩', '海', '涌', '涛',
    '涵', '淑', '淳', '淼', '清', '渊', '湘', '湛', '源', '溪', '滢', '潇', '潼', '澄', '澜', '灏', '灵', '炜', '烁',
    '烨', '烽', '焱', '然', '煊', '煜', '熙', '熠', '燕', '爱', '爽', '玉', '玮', '环', '玲', '珈', '珊', '珍', '珏',
    '珑', '珠', '珺', '琛', '琦', '琪', '琬', '琳', '琴', '琼', '瑄', '瑛', '瑜', '瑞', '瑶', '瑷', '瑾', '璇', '璋',
    '璐', '璟', '甜', '生', '画', '畅', '皎', '皓', '盈', '益', '盛', '眉', '真', '睿', '知', '砚', '硕', '磊', '祎',
    '祥', '祺', '福', '禧', '禾', '秀', '秋', '程', '稳', '章', '竣', '竹', '笑', '策', '筠', '筱', '箐', '素', '紫',
    '红', '纯', '绍', '绮', '维', '缘', '美', '群', '羽', '翊', '翔', '翠', '翰', '耀', '聪', '育', '胜', '腾', '致',
    '舒', '舟', '航', '良', '艳', '艺', '芊', '芝', '芬', '芮', '芳', '芷', '芸', '苒', '若', '英', '茂', '茗', '茜',
    '荟', '荣', '荷', '莉', '莎', '莲', '莹', '莺', '菁', '菊', '菡', '菲', '萌', '萍', '萱', '蓉', '蓓', '蔓', '蔚',
    '蕊', '蕾', '薇', '虹', '蝶', '行', '裕', '西', '言', '誉', '诗', '诚', '语', '诺', '谊', '谦', '豪', '豫', '贝',
    '贞', '贤', '贵', '赫', '超', '越', '轩', '辉', '辰', '达', '进', '远', '迪', '逸', '遥', '邦', '金', '鑫', '钦',
    '钧', '钰', '铖', '铭', '铮', '银', '锋', '锐', '锟', '锦', '锴', '阳', '雁', '雄', '雅', '雨', '雪', '雯', '霄',
    '震', '霖', '霞', '露', '青', '静', '韬', '韵', '顺', '颂', '颖', '颜', '风', '飒', '飘', '飞', '香', '馥', '馨',
    '驰', '骁', '骏', '骞', '鸣', '鸿', '鹏', '鹤', '默', '黛', '龙',
];

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
    !given.is_empty() && given.len() <= 2 && given.iter().all(|&c| GIVEN_SET.contains(c))
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
