#!/usr/bin/env python3
"""Deterministic generator of the labelled accuracy corpus (tests/accuracy.rs reads it).

python3 tests/accuracy/gen_corpus.py  # rewrites tests/accuracy/corpus/ and labels.json

Python stdlib only. Tables are CSV and NDJSON (the Rust test converts some CSVs to Parquet).
labels.json: {"tables": {file: {"columns": {path: [categories]}, "decoys": [paths]}}}. A column
path is the report's (`owner.phone`, `points[].lat`). Every column of every table is labelled;
`[]` means no personal data. Decoys are columns built to look like identifiers (order numbers,
ID-shaped batch codes with a wrong check character, Luhn-failing card-length numbers, epoch
milliseconds, SKUs, GUIDs, prices, tracking numbers, versions, phone-like numbers under a
non-personal name): the scanner must report no category for them.
"""
import csv
import json
import os
import random
import shutil

ROOT = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(ROOT, "corpus")
R = random.Random(20261128)

# ---------------------------------------------------------------- valid identifiers
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_check(body):
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, W)) % 11]


AREAS = ["110101", "110105", "310115", "440305", "330106", "510104", "420102", "320102", "370202", "610113"]


def resident_id(minor=False):
    y = R.randint(2014, 2020) if minor else R.randint(1950, 2005)
    body = "%s%04d%02d%02d%03d" % (R.choice(AREAS), y, R.randint(1, 12), R.randint(1, 28), R.randint(0, 999))
    return body + id_check(body)


def bad_batch_code():
    """ID-shaped 18 digits whose check character is wrong."""
    body = "%s%04d%02d%02d%03d" % (R.choice(AREAS), R.randint(1990, 2024), R.randint(1, 12), R.randint(1, 28), R.randint(0, 999))
    good = id_check(body)
    wrong = R.choice([c for c in "0123456789" if c != good])
    return body + wrong


def luhn_digit(body):
    s = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        s += d
    return str((10 - s % 10) % 10)


def bank_card():
    n = R.choice([16, 19])
    body = "62" + "".join(R.choice("0123456789") for _ in range(n - 3))
    return body + luhn_digit(body)


def luhn_failing(n):
    body = "62" + "".join(R.choice("0123456789") for _ in range(n - 3))
    good = luhn_digit(body)
    return body + R.choice([c for c in "0123456789" if c != good])


def phone():
    return R.choice(["13", "15", "17", "18", "19"]) + str(R.randint(0, 9)) + "%08d" % R.randint(0, 99999999)


def imei():
    body = "35" + "".join(R.choice("0123456789") for _ in range(12))
    return body + luhn_digit(body)


VIN_T = {**{str(i): i for i in range(10)}, **dict(zip("ABCDEFGH", range(1, 9))), **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10)))}
VIN_W = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
VIN_A = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def vin():
    v = ["L"] + [R.choice(VIN_A) for _ in range(16)]
    s = sum(VIN_T[c] * w for c, w in zip(v, VIN_W)) % 11
    v[8] = "X" if s == 10 else str(s)
    return "".join(v)


USCC_A = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc():
    body = "91" + R.choice(AREAS) + "".join(R.choice(USCC_A[:10] + "ABCDEFGH") for _ in range(9))
    s = sum(USCC_A.index(c) * w for c, w in zip(body, USCC_W))
    return body + USCC_A[(31 - s % 31) % 31]


PROV = "京沪粤浙苏川鄂鲁陕"
PLATE_A = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"


def plate():
    return R.choice(PROV) + R.choice("ABCDE") + "".join(R.choice(PLATE_A) for _ in range(5))


def mac():
    return ":".join("%02X" % R.randint(0, 255) for _ in range(6))


def ipv4():
    return "%d.%d.%d.%d" % (R.choice([36, 58, 101, 113, 183, 223]), R.randint(0, 255), R.randint(0, 255), R.randint(1, 254))


def ipv6():
    return "2409:8a%02x:%x:%x::%x" % (R.randint(0, 255), R.randint(1, 65535), R.randint(1, 65535), R.randint(1, 65535))


def residence_permit():
    body = "%s%04d%02d%02d%03d" % (R.choice(["810000", "820000", "830000"]), R.randint(1960, 2000), R.randint(1, 12), R.randint(1, 28), R.randint(0, 999))
    return body + id_check(body)


def foreign_pr():
    body = "9" + "".join(R.choice("0123456789") for _ in range(16))
    return body + id_check(body)


def guid():
    h = "0123456789abcdef"
    return "-".join("".join(R.choice(h) for _ in range(n)) for n in (8, 4, 4, 4, 12))


# ---------------------------------------------------------------- names, places, text
SURN = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万钱严赖覃洪武莫孔"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红玲建国辉鹏飞宇浩然子轩梓涵一诺欣怡雨泽思远晨曦佳琪博文俊杰"
PINYIN_S = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "Lin", "Luo", "Zheng", "Liang"]
PINYIN_G = ["Wei", "Fang", "Na", "Min", "Jing", "Li", "Qiang", "Lei", "Jun", "Yang", "Xiaoming", "Yuxuan", "Zihan", "Haoran", "Jiahui", "Tao", "Ming", "Chao", "Xia", "Ping"]


RARE_GIVEN = "骁珂瀚芃禾昕玥璟琨翊岑霁铎澈沅珩笙湉"
COMPOUND = ["欧阳", "司马", "诸葛", "上官", "司徒"]


def cn_name():
    """Mostly common given-name characters, some rare ones (a real column has both)."""
    pool = RARE_GIVEN if R.random() < 0.12 else GIVEN
    g = R.choice(pool) + (R.choice(GIVEN) if R.random() < 0.6 else "")
    surname = R.choice(COMPOUND) if R.random() < 0.03 else R.choice(SURN)
    return surname + g


def py_name():
    s, g = R.choice(PINYIN_S), R.choice(PINYIN_G)
    n = "%s %s" % (s, g) if R.random() < 0.7 else "%s %s" % (g, s)
    return n.upper() if R.random() < 0.3 else n


CITIES = [("北京市", "北京", "朝阳区"), ("上海市", "上海", "浦东新区"), ("广东省", "深圳", "南山区"), ("广东省", "广州", "天河区"), ("浙江省", "杭州", "西湖区"),
          ("四川省", "成都", "武侯区"), ("湖北省", "武汉", "洪山区"), ("江苏省", "南京", "鼓楼区"), ("山东省", "青岛", "市南区"), ("陕西省", "西安", "雁塔区")]
ROADS = ["建国路", "人民南路", "科技园南路", "文三路", "中山北路", "解放大道", "长安街", "祖冲之路", "珞喻路", "香港中路"]


EXTRA_ADDR = ["北京市海淀区中关村大街27号", "江苏省苏州市工业园区星湖街328号", "杭州市余杭区五常街道文一西路969号", "上海市徐汇区漕溪北路595号A座",
              "深圳市福田区福华三路88号", "广州市越秀区北京路步行街12号之一", "成都市高新区天府大道北段1700号", "湖南省长沙市岳麓区麓山南路2号",
              "天津市和平区南京路189号", "重庆市渝中区解放碑八一路177号"]


def address():
    if R.random() < 0.2:
        return R.choice(EXTRA_ADDR)
    prov, city, dist = R.choice(CITIES)
    road = R.choice(ROADS)
    head = prov if prov.endswith("市") else prov + city + "市"
    s = "%s%s%s%d号" % (head, dist, road, R.randint(1, 999))
    if R.random() < 0.6:
        s += "%d栋%d室" % (R.randint(1, 30), R.randint(101, 2805))
    return s


def city():
    return R.choice([c[1] for c in CITIES] + ["北京市", "广东省深圳市", "成都市", "Shanghai", "Hangzhou"])


def email(name_hint=None):
    return "%s%d@%s" % (R.choice(["user", "li.na", "wz", "chen_j", "hello"]), R.randint(1, 99999), R.choice(["qq.com", "163.com", "example.com", "gmail.com"]))


def birth():
    return "%04d-%02d-%02d" % (R.randint(1950, 2005), R.randint(1, 12), R.randint(1, 28))


def latlon():
    return R.uniform(22.4, 40.1), R.uniform(104.0, 121.6)


DIAG = ["2型糖尿病", "高血压", "冠心病", "支气管哮喘", "社区获得性肺炎", "慢性乙肝", "抑郁症", "急性阑尾炎", "胆结石", "腰椎间盘突出", "类风湿关节炎", "乳腺癌术后", "青霉素过敏", "痛风", "甲减"]
ICD = ["E11.9", "I10.x00", "I25.1", "J45.901", "J18.9", "B18.1", "F32.9", "K35.8", "K80.2", "M51.2", "M06.9", "C50.9", "Z88.0", "M10.9", "E03.9"]
ALLERGY = ["青霉素过敏", "花粉过敏", "头孢过敏", "无药物过敏", "海鲜过敏", "penicillin allergy"]
COMPLAINT = ["反复头晕三天，既往高血压病史", "咳嗽咳痰一周，伴发热", "多饮多尿半年，诊断为糖尿病", "右下腹痛12小时", "胸闷气短，冠心病复诊", "皮疹瘙痒，花粉过敏"]
RELIGION = ["佛教", "基督教", "伊斯兰教", "天主教", "道教", "无宗教信仰", "Buddhism", "Christianity"]
DISAB = ["视力残疾二级", "肢体残疾三级", "听力残疾四级", "低保户", "退役军人", "智力残疾一级", "特困供养人员"]
CRIME = ["无犯罪记录", "有期徒刑三年，已刑满释放", "2019年因危险驾驶罪被判处拘役两个月", "缓刑一年", "无犯罪记录", "盗窃罪，有期徒刑一年"]
CREDIT = ["征信良好", "信用卡逾期2次", "贷款逾期90天", "失信被执行人", "征信报告无异常", "呆账1笔", "无逾期记录"]
REVIEWS = ["质量很好，物流很快，下次还会买", "颜色和图片一样，尺码偏大", "敏感肌用了也不过敏，很温和", "给家里老人买的血压计，操作简单", "包装破损了，客服处理很及时", "性价比高，推荐购买", "发货慢了两天，其他都满意",
           "第二次购买了，一如既往的好", "这是我给老婆的小秘密礼物，她很喜欢", "Great value, fast delivery", "味道不错，孩子很爱吃", "5星好评！"]
PRODUCTS = ["蓝牙耳机", "保温杯", "毛巾", "钱包", "马克杯", "牛奶", "黄油", "高跟鞋", "方便面", "白酒", "金项链", "龙井茶", "石榴", "花瓶", "Long Sleeve Tee", "Tea Set", "充电宝", "运动鞋", "洗发水", "王老吉凉茶", "布洛芬缓释胶囊", "非处方药 感冒灵颗粒", "近视眼镜框", "防过敏护手霜", "手术刀片", "医用口罩"]
SECRET_TITLES = ["关于某型号装备试验安排的通知 机密★10年", "绝密★长期 年度部署纲要", "会议纪要（秘密★5年）", "密级：机密 项目进展报告", "【绝密】作战计划附件"]
PLAIN_TITLES = ["关于2024年春节放假安排的通知", "季度销售会议纪要", "新员工入职培训材料", "项目周报：本周进展顺利", "保密意识培训：不要泄露商业秘密"]


def sku():
    return "SKU-%04d-%s-%s" % (R.randint(1, 9999), R.choice(["BL", "RD", "WH", "BK"]), R.choice(["S", "M", "L", "XL"]))


def price():
    return "%.2f" % R.uniform(5, 3000)


def epoch_ms():
    return R.randint(1672531200000, 1798761600000)


def tracking():
    return R.choice(["SF", "YT", "JD", "ZTO"]) + "".join(R.choice("0123456789") for _ in range(13))


def order_no():
    return "2024%02d%02d%010d" % (R.randint(1, 12), R.randint(1, 28), R.randint(0, 9999999999))


def version():
    return "%d.%d.%d" % (R.randint(1, 9), R.randint(0, 30), R.randint(0, 200))


def vector(n=64):
    return ",".join("%.4f" % R.uniform(-1, 1) for _ in range(n))


def b64(n):
    a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    s = "Rk1SACAy" + "".join(R.choice(a) for _ in range(n))
    return s + "=="


def img_url(kind, ext="jpg"):
    return "https://oss.example-cdn.com/%s/%04d/%s.%s" % (kind, R.randint(2019, 2025), guid()[:13], ext)


def dna(n=30):
    return "".join(R.choice("ACGT") for _ in range(n))


def pnr():
    a = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "".join(R.choice(a) for _ in range(2)) + "".join(R.choice(a + "23456789") for _ in range(4))


def noisy(f, p=0.08):
    """A real column: mostly values, some empties and placeholders."""
    def g():
        x = R.random()
        if x < p / 2:
            return ""
        if x < p:
            return R.choice(["未知", "-", "N/A", "无"])
        return f()
    return g


# ---------------------------------------------------------------- tables
LABELS = {}


def table(name, rows, labels, decoys=()):
    """rows: list of dicts (nested for NDJSON). labels: path → categories."""
    path = os.path.join(OUT, name)
    if name.endswith(".csv"):
        cols = list(rows[0].keys())
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(cols)
            for r in rows:
                w.writerow([r[c] for c in cols])
    else:
        with open(path, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    for d in decoys:
        assert labels.get(d, []) == [], d
    LABELS[name] = {"columns": {k: sorted(v) for k, v in labels.items()}, "decoys": sorted(decoys)}


def maybe(p, f, other=""):
    return f() if R.random() < p else other


def notes(mix):
    """Free text mentioning some categories; returns (text, set of categories)."""
    parts, cats = [], set()
    for cat, p, make in mix:
        if R.random() < p:
            parts.append(make())
            cats.add(cat)
    if not parts:
        parts.append(R.choice(["客户来电咨询", "已处理", "无特殊情况", "按流程办理", "待回访"]))
    return "，".join(parts), cats


def with_notes(rows, key, mix):
    seen = set()
    for r in rows:
        t, c = notes(mix)
        r[key] = t
        seen |= c
    return sorted(seen)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    N = 200

    # 1 customers (Chinese headers)
    rows = [{"客户编号": "C%07d" % i, "姓名": noisy(cn_name)(), "身份证号": noisy(resident_id)(), "手机号": noisy(phone)(), "邮箱": noisy(email)(), "出生日期": birth(),
             "收货地址": noisy(address)(), "城市": noisy(city)(), "注册时间": "2024-%02d-%02d 10:%02d:00" % (R.randint(1, 12), R.randint(1, 28), R.randint(0, 59))} for i in range(N)]
    table("customers.csv", rows, {"客户编号": [], "姓名": ["person_name"], "身份证号": ["resident_id"], "手机号": ["phone"], "邮箱": ["email"],
                                 "出生日期": ["birth_date"], "收货地址": ["address"], "城市": ["coarse_location"], "注册时间": []})

    # 2 customers, English, nested
    rows = [{"customer_id": "U%06d" % i, "full_name": py_name(), "id_number": resident_id(), "mobile": "+86 " + phone(), "email": email(),
             "address": {"province": R.choice(["广东省", "浙江省", "四川省", "江苏省"]), "city": R.choice(["深圳", "杭州", "成都", "南京"]),
                         "street": "%s%s%d号" % (R.choice(["南山区", "西湖区", "武侯区"]), R.choice(ROADS), R.randint(1, 500))},
             "signup_ts": epoch_ms()} for i in range(N)]
    table("customers_en.ndjson", rows, {"customer_id": [], "full_name": ["person_name"], "id_number": ["resident_id"], "mobile": ["phone"], "email": ["email"],
                                        "address.province": ["coarse_location"], "address.city": ["coarse_location"], "address.street": ["address"], "signup_ts": []},
          decoys=["signup_ts"])

    # 3 orders
    rows = [{"order_no": order_no(), "sku": sku(), "price": price(), "qty": R.randint(1, 5), "收件人": cn_name(), "收件电话": phone(), "收货地址": address(),
             "tracking_no": tracking(), "created_at": epoch_ms()} for _ in range(N)]
    nc = with_notes(rows, "备注", [("phone", 0.15, lambda: "改用备用手机" + phone()), ("address", 0.1, lambda: "改寄到" + address())])
    table("orders.csv", rows, {"order_no": [], "sku": [], "price": [], "qty": [], "收件人": ["person_name"], "收件电话": ["phone"], "收货地址": ["address"],
                               "tracking_no": [], "created_at": [], "备注": nc}, decoys=["order_no", "sku", "price", "tracking_no", "created_at"])

    # 4 payments
    rows = [{"txn_id": guid(), "持卡人": cn_name(), "银行卡号": bank_card(), "amount": price(), "ref_no": luhn_failing(R.choice([16, 17, 18, 19])), "currency": "CNY"} for _ in range(N)]
    table("payments.csv", rows, {"txn_id": [], "持卡人": ["person_name"], "银行卡号": ["bank_card"], "amount": [], "ref_no": [], "currency": []},
          decoys=["txn_id", "amount", "ref_no"])

    # 5 securities
    rows = [{"客户姓名": cn_name(), "证券账户": R.choice(["A", "B", "0"]) + "%09d" % R.randint(1, 999999999), "资金账号": "%012d" % R.randint(1, 10**12 - 1),
             "基金账户": "F%011d" % R.randint(1, 10**11 - 1), "开户日期": "2021-%02d-%02d" % (R.randint(1, 12), R.randint(1, 28))} for _ in range(N)]
    table("securities_accounts.csv", rows, {"客户姓名": ["person_name"], "证券账户": ["financial_account"], "资金账号": ["financial_account"], "基金账户": ["financial_account"], "开户日期": []})

    # 6 insurance (nested)
    rows = [{"policy_no": "P%d-%010d" % (R.randint(2018, 2025), R.randint(1, 10**10 - 1)), "holder": {"name": cn_name(), "id_card": resident_id()},
             "premium": float(price()), "既往病史": R.choice(DIAG)} for _ in range(N)]
    table("insurance_policies.ndjson", rows, {"policy_no": ["financial_account"], "holder.name": ["person_name"], "holder.id_card": ["resident_id"], "premium": [],
                                              "既往病史": ["medical_health"]}, decoys=["premium"])

    # 7 medical records
    rows = []
    for _ in range(N):
        k = R.randrange(len(DIAG))
        rows.append({"患者姓名": cn_name(), "身份证号": resident_id(), "诊断": R.choice([DIAG[k], ICD[k]]), "诊断编码": ICD[k], "过敏史": R.choice(ALLERGY),
                     "主诉": R.choice(COMPLAINT), "就诊日期": "2025-%02d-%02d" % (R.randint(1, 12), R.randint(1, 28))})
    table("medical_records.csv", rows, {"患者姓名": ["person_name"], "身份证号": ["resident_id"], "诊断": ["medical_health"], "诊断编码": ["medical_health"],
                                        "过敏史": ["medical_health"], "主诉": ["medical_health"], "就诊日期": []})

    # 8 clinical trial
    rows = [{"受试者编号": "S-%04d" % i, "trial_arm": R.choice(["A", "B", "placebo"]), "genotype": R.choice(["rs1801133", "rs4680", "rs1799853", "rs1057910"]),
             "adverse_event": R.choice(["轻度头痛", "恶心，已对症处理", "无", "皮疹，考虑药物过敏", "肝功能异常，住院观察"])} for i in range(N)]
    table("clinical_trial.ndjson", rows, {"受试者编号": ["important:pharma:clinical_group"], "trial_arm": ["important:pharma:clinical_group"],
                                          "genotype": ["genetic", "important:pharma:genetic"], "adverse_event": ["medical_health"]})

    # 9 genomics
    rows = [{"sample_code": "SMP%05d" % i, "snp": "rs%d" % R.randint(1000, 99999999), "hgvs": "c.%d%s>%s" % (R.randint(10, 9000), R.choice("ACGT"), R.choice("ACGT")),
             "dna_sequence": dna(R.randint(24, 60)), "gene": R.choice(["MTHFR", "BRCA1", "CYP2C19", "APOE"])} for i in range(N)]
    table("genomics.csv", rows, {"sample_code": [], "snp": ["genetic"], "hgvs": ["genetic"], "dna_sequence": ["genetic"], "gene": []})

    # 10 face features
    rows = [{"user_id": "%08d" % R.randint(1, 10**8 - 1), "face_embedding": vector(), "face_photo": img_url("face"), "enrolled_at": epoch_ms()} for _ in range(N)]
    table("face_features.csv", rows, {"user_id": [], "face_embedding": ["biometric"], "face_photo": ["biometric"], "enrolled_at": []}, decoys=["enrolled_at"])

    # 11 fingerprints (nested)
    rows = [{"employee_no": "E%05d" % i, "bio": {"fingerprint": b64(120), "voiceprint": "[" + vector(32) + "]"}} for i in range(N)]
    table("fingerprints.ndjson", rows, {"employee_no": [], "bio.fingerprint": ["biometric"], "bio.voiceprint": ["biometric"]})

    # 11b embeddings as JSON number lists (one value per component after reading), and sensor
    # readings as lists that are not biometric
    rows = [{"user_id": "u%05d" % i, "face_embedding": [round(R.uniform(-1, 1), 6) for _ in range(32)],
             "sensor_readings": [round(R.uniform(-1, 1), 4) for _ in range(8)], "face_score": round(R.uniform(0.5, 1), 4)} for i in range(100)]
    table("face_vectors.ndjson", rows, {"user_id": [], "face_embedding[]": ["biometric"], "sensor_readings[]": [], "face_score": []},
          decoys=["sensor_readings[]", "face_score"])

    # 12 KYC images
    rows = [{"姓名": cn_name(), "身份证正面": img_url("idcard"), "身份证反面": img_url("idcard", "png"), "人脸照片": img_url("selfie")} for _ in range(N)]
    table("kyc_images.csv", rows, {"姓名": ["person_name"], "身份证正面": ["id_card_image"], "身份证反面": ["id_card_image"], "人脸照片": ["biometric"]})

    # 13 HR
    rows = [{"工号": "HR%05d" % i, "姓名": cn_name(), "宗教信仰": R.choice(RELIGION), "残疾类型": R.choice(DISAB), "犯罪记录": R.choice(CRIME),
             "籍贯": city(), "紧急联系人电话": phone()} for i in range(N)]
    table("hr_employees.csv", rows, {"工号": [], "姓名": ["person_name"], "宗教信仰": ["religion"], "残疾类型": ["specific_identity"], "犯罪记录": ["criminal_record"],
                                     "籍贯": ["coarse_location"], "紧急联系人电话": ["phone"]})

    # 14 loans
    rows = [{"applicant": cn_name(), "身份证号": resident_id(), "征信记录": R.choice(CREDIT), "monthly_income": R.randint(3000, 60000)} for _ in range(N)]
    nc = with_notes(rows, "审批意见", [("credit_record", 0.4, lambda: R.choice(["征信报告显示信用卡逾期", "申请人为失信被执行人，拒绝", "征信正常"])),
                                     ("phone", 0.1, lambda: "联系电话" + phone())])
    table("loan_applications.csv", rows, {"applicant": ["person_name"], "身份证号": ["resident_id"], "征信记录": ["credit_record"], "monthly_income": [], "审批意见": nc})

    # 15 background checks (nested)
    rows = []
    for _ in range(N):
        t, c = notes([("criminal_record", 0.3, lambda: R.choice(["本人有前科", "曾服刑两年", "convicted of fraud in 2015"])), ("phone", 0.2, lambda: "推荐人电话" + phone())])
        rows.append({"candidate": {"name": py_name(), "passport": "E%08d" % R.randint(0, 10**8 - 1)}, "criminal_record": R.choice(CRIME), "notes": t, "_c": c})
    nc = sorted(set().union(*[r.pop("_c") for r in rows]))
    table("background_checks.ndjson", rows, {"candidate.name": ["person_name"], "candidate.passport": ["passport"], "criminal_record": ["criminal_record"], "notes": nc})

    # 16 vehicles
    rows = [{"VIN": vin(), "车牌号": plate(), "owner_phone": phone(), "外部摄像头": img_url("cam", R.choice(["mp4", "jpg", "h264"])), "firmware_version": version()} for _ in range(N)]
    table("vehicles.csv", rows, {"VIN": ["vin"], "车牌号": ["licence_plate"], "owner_phone": ["phone"], "外部摄像头": ["important:automotive:exterior_camera"], "firmware_version": []},
          decoys=["firmware_version"])

    # 16b exterior-camera export named by its file; product images with the same shape (decoy)
    rows = [{"vin": vin(), "frame_url": img_url("frames", R.choice(["jpg", "mp4"])), "captured_ms": epoch_ms()} for _ in range(100)]
    table("exterior_camera_frames.csv", rows, {"vin": ["vin"], "frame_url": ["important:automotive:exterior_camera"], "captured_ms": []}, decoys=["captured_ms"])
    rows = [{"sku": sku(), "image_url": img_url("products"), "video_url": img_url("products", "mp4")} for _ in range(100)]
    table("product_media.csv", rows, {"sku": [], "image_url": [], "video_url": []}, decoys=["sku", "image_url", "video_url"])

    # 17 vehicle trips: list of points
    rows = []
    for _ in range(120):
        pts = []
        for _ in range(R.randint(3, 8)):
            la, lo = latlon()
            pts.append({"lat": round(la, 6), "lon": round(lo, 6), "ts": epoch_ms()})
        rows.append({"vin": vin(), "points": pts, "distance_km": round(R.uniform(1, 300), 1)})
    table("vehicle_trips.ndjson", rows, {"vin": ["vin"], "points[].lat": ["precise_location", "trajectory"], "points[].lon": ["precise_location", "trajectory"],
                                         "points[].ts": [], "distance_km": []}, decoys=["points[].ts"])

    # 18 delivery tracks: list of "lat,lon" strings, and separate lat/lon columns
    rows = []
    for _ in range(150):
        la, lo = latlon()
        rows.append({"courier": cn_name(), "track": ["%.6f,%.6f" % latlon() for _ in range(R.randint(2, 6))], "lat": round(la, 6), "lng": round(lo, 6)})
    table("delivery_tracks.ndjson", rows, {"courier": ["person_name"], "track[]": ["precise_location", "trajectory"], "lat": ["precise_location"], "lng": ["precise_location"]})

    # 19 charging
    rows = [{"充电桩编号": "CP%08d" % R.randint(1, 10**8 - 1), "充电站": R.choice(["深圳湾充电站", "西湖充电站", "望京充电站"]), "kwh": round(R.uniform(5, 80), 2),
             "start_ts": epoch_ms(), "车牌": plate()} for _ in range(N)]
    table("charging_sessions.csv", rows, {"充电桩编号": ["important:automotive:charging_network"], "充电站": ["important:automotive:charging_network"], "kwh": [],
                                          "start_ts": [], "车牌": ["licence_plate"]}, decoys=["start_ts"])

    # 20 traffic flow
    rows = [{"路口": R.choice(["深南大道与科苑路口", "长安街与东单路口", "延安高架下匝道"]), "车流量": R.randint(100, 9000), "统计日期": "2025-06-%02d" % R.randint(1, 30)} for _ in range(N)]
    table("traffic_flow.csv", rows, {"路口": [], "车流量": ["important:automotive:vehicle_flow"], "统计日期": []})

    # 21 OTA
    rows = [{"vin": vin(), "ota_package": "https://ota.example.com/pkg/%s.bin" % guid()[:8], "version": version(), "sha256": "".join(R.choice("0123456789abcdef") for _ in range(64))} for _ in range(N)]
    table("ota_updates.ndjson", rows, {"vin": ["vin"], "ota_package": ["important:automotive:ota"], "version": [], "sha256": []}, decoys=["version", "sha256"])

    # 22 HD map survey
    rows = [{"测绘坐标": "%.7f,%.7f" % latlon(), "elevation_m": round(R.uniform(0, 3000), 2), "road_class": R.choice(["高速", "国道", "城市道路"])} for _ in range(N)]
    table("hd_map_survey.csv", rows, {"测绘坐标": ["precise_location", "important:automotive:survey_coordinates"], "elevation_m": [], "road_class": []})

    # 23 AI training data
    rows = [{"prompt": R.choice(["写一首关于秋天的诗", "Summarise this article", "把下面的句子翻译成英文"]), "completion": R.choice(["秋风起，落叶黄……", "The article says…", "OK"]),
             "source_code": R.choice(["def f(x):\n    return x * 2", "fn main() { println!(\"hi\"); }"]), "label": R.choice(["good", "bad"])} for _ in range(N)]
    table("ai_training.ndjson", rows, {"prompt": ["important:ai:training_data"], "completion": ["important:ai:training_data"], "source_code": ["important:ai:source_code"], "label": []})

    # 24 model registry
    rows = [{"model_name": R.choice(["qwen-7b-ft", "ocr-v3", "asr-small"]), "model_checkpoint": "s3://models/%s/ckpt-%d.safetensors" % (guid()[:8], R.randint(1000, 9000)),
             "params_count": R.randint(10**6, 10**9), "build": version()} for _ in range(100)]
    table("model_registry.csv", rows, {"model_name": [], "model_checkpoint": ["important:ai:model_weights"], "params_count": [], "build": []}, decoys=["build"])

    # 25 flight PNRs
    rows = [{"pnr": pnr(), "乘客姓名": py_name(), "护照号": "E%08d" % R.randint(0, 10**8 - 1), "flight_no": R.choice(["CA", "MU", "CZ", "HU"]) + "%04d" % R.randint(100, 9999),
             "seat": "%d%s" % (R.randint(1, 60), R.choice("ABCDEF"))} for _ in range(N)]
    table("flight_pnr.csv", rows, {"pnr": ["important:aviation:pnr"], "乘客姓名": ["person_name"], "护照号": ["passport"], "flight_no": [], "seat": []}, decoys=["flight_no"])

    # 26 flight ops
    rows = [{"flight_no": "CA%04d" % R.randint(100, 9999), "qar": "qar_%s.dat" % guid()[:8], "altitude_ft": R.randint(0, 41000), "fuel_kg": round(R.uniform(1000, 90000), 1)} for _ in range(N)]
    table("flight_ops.csv", rows, {"flight_no": [], "qar": ["important:aviation:flight_ops"], "altitude_ft": [], "fuel_kg": []}, decoys=["flight_no"])

    # 27 membership
    rows = [{"member_id": "VIP%08d" % R.randint(1, 10**8 - 1), "会员等级": R.choice(["金卡", "银卡", "钻石卡", "普通"]), "积分": R.randint(0, 90000), "phone": phone(),
             "work_tel": phone() + "-" + str(R.randint(1, 99)) if R.random() < 0.5 else phone()} for _ in range(N)]
    # A membership number is personal information (a key when nothing better is in the row), not
    # an important-data marker; a level or a points balance names nobody.
    table("membership.csv", rows, {"member_id": ["membership_id"], "会员等级": [], "积分": [], "phone": ["phone"],
                                   "work_tel": ["phone"]})

    # 28 devices
    rows = [{"imei": imei(), "mac": mac(), "login_ip": ipv4(), "ipv6": ipv6(), "device_model": R.choice(["iPhone15,2", "HUAWEI P60", "Xiaomi 14", "OPPO Find X7"])} for _ in range(N)]
    table("devices.csv", rows, {"imei": ["device_id"], "mac": ["device_id"], "login_ip": ["ip_address"], "ipv6": ["ip_address"], "device_model": []})

    # 29 travel documents
    rows = [{"护照号码": "E%08d" % R.randint(0, 10**8 - 1), "回乡证号": "H%08d" % R.randint(0, 10**8 - 1), "台胞证号": "%08d" % R.randint(1, 10**8 - 1),
             "居住证号": residence_permit(), "永居证号": foreign_pr(), "往来港澳通行证": "C%08d" % R.randint(1, 10**8 - 1)} for _ in range(N)]
    table("travel_docs.csv", rows, {"护照号码": ["passport"], "回乡证号": ["hk_macau_permit"], "台胞证号": ["taiwan_permit"], "居住证号": ["residence_permit_id"],
                                    "永居证号": ["foreign_permanent_resident_id"], "往来港澳通行证": ["mainland_travel_permit"]})

    # 30 companies
    rows = [{"统一社会信用代码": uscc(), "企业名称": R.choice(["深圳市某某科技有限公司", "杭州某某网络有限公司", "北京某某贸易有限公司"]), "法定代表人": cn_name(), "注册地址": address()} for _ in range(N)]
    table("companies.csv", rows, {"统一社会信用代码": ["organisation_id"], "企业名称": [], "法定代表人": ["person_name"], "注册地址": ["address"]})

    # 31 documents with classification markings, and plain ones
    rows = [{"doc_id": "DOC-%05d" % i, "标题": R.choice(SECRET_TITLES) if R.random() < 0.3 else R.choice(PLAIN_TITLES), "正文摘要": R.choice(PLAIN_TITLES + REVIEWS[:3])} for i in range(N)]
    table("documents.csv", rows, {"doc_id": [], "标题": ["core:classified_marking"], "正文摘要": []}, decoys=["正文摘要"])

    # 32 product catalogue: decoys only
    rows = [{"sku": sku(), "product_name": R.choice(PRODUCTS), "price": price(), "batch_code": bad_batch_code(), "barcode": "69%011d" % R.randint(0, 10**11 - 1),
             "warehouse": R.choice(["北京", "上海", "深圳", "成都"]), "launch_ts": epoch_ms(), "ref_card_no": luhn_failing(R.choice([16, 19]))} for _ in range(N)]
    table("products.csv", rows, {k: [] for k in rows[0]}, decoys=list(rows[0].keys()))

    # 33 logistics: phone-shaped numbers under non-personal names, nested
    rows = [{"运单号": phone(), "tracking": {"no": tracking(), "carrier": R.choice(["顺丰", "圆通", "京东"])}, "batch_no": bad_batch_code(), "weight_kg": round(R.uniform(0.1, 30), 2),
             "shipment_guid": guid()} for _ in range(N)]
    table("logistics.ndjson", rows, {"运单号": [], "tracking.no": [], "tracking.carrier": [], "batch_no": [], "weight_kg": [], "shipment_guid": []},
          decoys=["运单号", "tracking.no", "batch_no", "weight_kg", "shipment_guid"])

    # 34 app events
    rows = [{"event_id": guid(), "app_version": version(), "event_ts": epoch_ms(), "client_ip": ipv4(), "session_id": guid(), "screen": R.choice(["home", "cart", "pay"])} for _ in range(N)]
    table("app_events.csv", rows, {"event_id": [], "app_version": [], "event_ts": [], "client_ip": ["ip_address"], "session_id": [], "screen": []},
          decoys=["event_id", "app_version", "event_ts", "session_id"])

    # 35 reviews: free text without personal data
    rows = [{"review": R.choice(REVIEWS), "rating": R.randint(1, 5), "product_name": R.choice(PRODUCTS), "sku": sku()} for _ in range(N)]
    table("reviews.csv", rows, {"review": [], "rating": [], "product_name": [], "sku": []}, decoys=["review", "product_name", "sku"])

    # 36b GBK-encoded export with status words, departments and store names (decoys)
    rows = [{"员工姓名": noisy(cn_name)(), "部门": R.choice(["市场部", "技术部", "财务部", "人力资源部", "客服中心"]), "门店": R.choice(["王府井店", "万达广场店", "高新店", "龙华店", "金沙店"]),
             "状态": R.choice(["已发货", "待付款", "已完成", "退款中", "普通"]), "工作城市": city(), "手机": phone()} for _ in range(N)]
    path = os.path.join(OUT, "staff_gbk.csv")
    with open(path, "w", newline="", encoding="gbk") as f:
        w = csv.writer(f)
        w.writerow(list(rows[0].keys()))
        for r in rows:
            w.writerow(list(r.values()))
    LABELS["staff_gbk.csv"] = {"columns": {"员工姓名": ["person_name"], "部门": [], "门店": [], "状态": [], "工作城市": ["coarse_location"], "手机": ["phone"]},
                               "decoys": ["部门", "门店", "状态"]}

    # 36c top-level JSON array with English prose decoys and measures
    rows = [{"product": R.choice(PRODUCTS), "description": R.choice(["Hypoallergenic cotton, machine washable", "Settings defaulted to factory mode", "Fault diagnosis tool for cars", "Keep this secret recipe tea sealed", "Long sleeve tee for daily wear",
                                                                     "请勿泄露公司机密信息", "Version 2.1.3 firmware, build 20240105"]),
             "temperature_c": round(R.uniform(-10, 40), 4), "score": round(R.uniform(0, 1), 6), "lat_approx": round(R.uniform(22, 40), 2)} for _ in range(N)]
    with open(os.path.join(OUT, "catalogue_array.json"), "w", encoding="utf-8") as f:
        json.dump(rows, f, ensure_ascii=False)
    LABELS["catalogue_array.json"] = {"columns": {k: [] for k in rows[0]}, "decoys": ["product", "description", "temperature_c", "score"]}

    # 36d device specifications: serial ports, model numbers, hex ids (decoys for genetic and ICD codes)
    rows = [{"model": R.choice(["T10.5", "X200", "GW-3000"]), "spec": R.choice(["接口：rs232/rs485，波特率9600", "支持RS485总线，最大功耗12.5W", "工作温度-20~70℃，IP65防护",
                                                                              "固件v3.2.1，芯片ESP32-C3", "尺寸120x80x25mm，重量0.35kg"]),
             "firmware_hash": "".join(R.choice("0123456789ABCDEF") for _ in range(40)), "gene_panel_price": price()} for _ in range(N)]
    table("device_specs.csv", rows, {"model": [], "spec": [], "firmware_hash": [], "gene_panel_price": []}, decoys=["model", "spec", "firmware_hash", "gene_panel_price"])

    # 36 customer service log: free text with several categories
    rows = [{"ticket": "T%06d" % i} for i in range(N)]
    nc = with_notes(rows, "对话记录", [("phone", 0.2, lambda: "客户留了手机" + phone()), ("resident_id", 0.1, lambda: "身份证" + resident_id()),
                                     ("email", 0.1, lambda: "邮箱" + email()), ("medical_health", 0.1, lambda: "客户称有" + R.choice(["糖尿病", "高血压", "哮喘"])),
                                     ("bank_card", 0.05, lambda: "退款到卡" + bank_card()),
                                     ("genetic", 0.03, lambda: "基因报告提示rs1801133位点突变")])
    table("service_log.csv", rows, {"ticket": [], "对话记录": nc})

    with open(os.path.join(ROOT, "labels.json"), "w", encoding="utf-8") as f:
        json.dump({"as_of": "2026-11-28", "tables": LABELS}, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
