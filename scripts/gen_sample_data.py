#!/usr/bin/env python3
"""Deterministic generator of xborder's synthetic sample data (sample_data/).

Every value is synthetic: names, identifiers and addresses come from a fixed-seed
``random.Random`` and small built-in word lists (no Faker), so the CSV and JSON files never change
with library versions. pyarrow is needed only for trips.parquet and zstandard only for
events.csv.zst; run it with the venv's python:

    PY="$(scripts/venv.sh | tail -n1)"
    "$PY" scripts/gen_sample_data.py            # writes sample_data/ next to scripts/
    "$PY" scripts/gen_sample_data.py --out DIR

The ground truth (tests/sample_data_truth.json) is computed here from the generated records, never by running
xborder. Its "rules" key spells out how persons are counted. After writing, the script re-reads
every file and checks it against the records (and against python-stdnum's validators when that
package is importable); it exits non-zero if anything disagrees.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import io
import json
import re
import sys
from pathlib import Path
import random
from checkdigits import luhn_check_digit, luhn_valid, ric_check_char

SEED = 20261128
AS_OF = dt.date(2026, 11, 28)
MINOR_AGE = 14

# ---------------------------------------------------------------------------------------------
# Word lists (all characters are in GBK)
# ---------------------------------------------------------------------------------------------

SURNAMES = [
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("高", "gao"),
    ("林", "lin"), ("罗", "luo"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
    ("唐", "tang"), ("许", "xu"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"),
    ("彭", "peng"), ("曾", "zeng"), ("肖", "xiao"), ("田", "tian"), ("董", "dong"), ("袁", "yuan"),
    ("潘", "pan"), ("于", "yu"), ("蒋", "jiang"), ("蔡", "cai"), ("余", "yu"), ("杜", "du"),
    ("叶", "ye"), ("程", "cheng"), ("苏", "su"), ("魏", "wei"), ("吕", "lv"), ("丁", "ding"),
    ("任", "ren"), ("沈", "shen"),
]
GIVEN = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("秀英", "xiuying"), ("敏", "min"), ("静", "jing"),
    ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"),
    ("艳", "yan"), ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"),
    ("秀兰", "xiulan"), ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("桂英", "guiying"),
    ("建华", "jianhua"), ("文", "wen"), ("华", "hua"), ("红", "hong"), ("玉兰", "yulan"),
    ("欣怡", "xinyi"), ("子涵", "zihan"), ("浩然", "haoran"), ("宇轩", "yuxuan"), ("梓萱", "zixuan"),
    ("一诺", "yinuo"), ("思远", "siyuan"), ("雨桐", "yutong"), ("俊杰", "junjie"), ("晨曦", "chenxi"),
    ("婷", "ting"), ("鹏", "peng"), ("辉", "hui"), ("斌", "bin"), ("亮", "liang"), ("琳", "lin"),
    ("倩", "qian"), ("颖", "ying"), ("佳", "jia"), ("博", "bo"), ("凯", "kai"), ("瑶", "yao"),
]
# (division code, place name, latitude, longitude)
DIVISIONS = [
    ("110105", "北京市朝阳区", 39.921, 116.443), ("110108", "北京市海淀区", 39.960, 116.298),
    ("310104", "上海市徐汇区", 31.188, 121.437), ("310115", "上海市浦东新区", 31.221, 121.544),
    ("440106", "广东省广州市天河区", 23.125, 113.361), ("440305", "广东省深圳市南山区", 22.533, 113.930),
    ("330106", "浙江省杭州市西湖区", 30.259, 120.130), ("320102", "江苏省南京市玄武区", 32.049, 118.797),
    ("510107", "四川省成都市武侯区", 30.642, 104.043), ("420106", "湖北省武汉市武昌区", 30.553, 114.316),
    ("610113", "陕西省西安市雁塔区", 34.213, 108.948), ("370202", "山东省青岛市市南区", 36.066, 120.382),
    ("500103", "重庆市渝中区", 29.556, 106.568), ("120101", "天津市和平区", 39.117, 117.195),
    ("350203", "福建省厦门市思明区", 24.445, 118.082), ("430104", "湖南省长沙市岳麓区", 28.235, 112.931),
    ("410105", "河南省郑州市金水区", 34.800, 113.660), ("210102", "辽宁省沈阳市和平区", 41.789, 123.401),
    ("230103", "黑龙江省哈尔滨市南岗区", 45.760, 126.669), ("530102", "云南省昆明市五华区", 25.043, 102.705),
]
STREETS = ["建国路", "人民路", "中山路", "解放路", "和平街", "文化路", "长江路", "科技园路", "学院路",
           "滨江大道", "花园街", "新华路", "光明路", "东风路", "青年路"]
MOBILE_PREFIXES = ["130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151",
                   "152", "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177",
                   "178", "180", "181", "182", "183", "184", "185", "186", "187", "188", "189", "191",
                   "198", "199"]
EMAIL_DOMAINS = ["qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "gmail.com", "outlook.com",
                 "139.com", "aliyun.com", "example.com.cn"]
# UnionPay IINs (6-digit BINs of large issuers); all start with 62.
UNIONPAY_BINS = ["622202", "622848", "621700", "622588", "621483", "622262", "621661", "622700",
                 "623668", "621226", "622609", "625965"]
PRODUCTS = [("SKU-1001-BLK", "蓝牙耳机"), ("SKU-2040-WHT", "保温杯"), ("SKU-3317-M", "纯棉T恤"),
            ("SKU-4420", "手机壳"), ("SKU-5108-XL", "羽绒服"), ("SKU-6001", "绿茶礼盒"),
            ("SKU-7250-RED", "运动鞋"), ("SKU-8893", "充电宝"), ("SKU-9012-S", "瑜伽垫"),
            ("SKU-1150-GRY", "双肩包")]
RELATIONS = ["emergency", "spouse", "parent", "friend"]
EVENTS = ["login", "logout", "view_item", "add_to_cart", "pay", "refund_request"]
# Chinese manufacturer WMIs (VIN positions 1-3); all start with L.
WMIS = ["LSV", "LFV", "LBV", "LGB", "LHG", "LVS", "LSG", "LGX", "LRW", "LFP"]
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"

PLAIN_NOTES = [
    "请尽快发货", "周末不在家，请放门卫", "开具增值税普通发票，抬头见订单", "已电话确认收货地址",
    "订单{order}已合并发货", "优惠券已使用，满300减30", "客户为老会员，赠送小样", "退货已入库，批次号{batch}",
    "包裹尺寸 30x20x15cm, 重量2.5kg", "VIP等级3, 积分12850", "上午送货\n下午不在家",
]
# Free-text notes that name ANOTHER person; {v} is that person's identifier.
MENTION_NOTES = {
    "phone": ["客户要求改用备用手机{v}联系", "如联系不上请拨打家属电话{v}", "紧急联系人：{name}，手机 {v}",
              "收货人改为{name}, 电话{v}, 周末送货", "第一次配送失败\n改由{name}代收，电话{v}"],
    "email": ["发票请发送至{v}", "抄送邮箱{v}, 谢谢", "电子合同已发给{name}（{v}）"],
    "resident_id": ["代收人{name}身份证号{v}，凭证件取件", "实际使用人身份证：{v}"],
}

# ---------------------------------------------------------------------------------------------
# Identifier rules (REGULATION.md §5), written out independently of xborder
# ---------------------------------------------------------------------------------------------




def ric_birth(s: str) -> dt.date | None:
    try:
        return dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return None


def ric_valid(s: str) -> bool:
    if not re.fullmatch(r"[1-8][0-9]{16}[0-9Xx]", s):
        return False
    birth = ric_birth(s)
    if birth is None or birth > AS_OF:
        return False
    return ric_check_char(s[:17]) == s[17].upper()


def card_valid(s: str) -> bool:
    """UnionPay-style bank card: 16-19 digits, IIN 62, Luhn."""
    return bool(re.fullmatch(r"62[0-9]{14,17}", s)) and luhn_valid(s)


def phone_norm(s: str) -> str | None:
    d = re.sub(r"[ -]", "", s)
    for prefix in ("+86", "0086"):
        if d.startswith(prefix):
            d = d[len(prefix):]
    return d if re.fullmatch(r"1[3-9][0-9]{9}", d) else None


EMAIL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}")


def email_valid(s: str) -> bool:
    return bool(EMAIL_RE.fullmatch(s))


def vin_check_char(vin17: str) -> str:
    translit = {**{str(d): d for d in range(10)},
                **dict(zip("ABCDEFGH", range(1, 9))), **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9,
                **dict(zip("STUVWXYZ", range(2, 10)))}
    weights = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
    r = sum(translit[c] * w for c, w in zip(vin17, weights)) % 11
    return "X" if r == 10 else str(r)


def is_minor(birth: dt.date) -> bool:
    """Under 14 on AS_OF: the 14th birthday falls after AS_OF (born on AS_OF minus 14 years = 14 today)."""
    return birth > dt.date(AS_OF.year - MINOR_AGE, AS_OF.month, AS_OF.day)


def key_of(category: str, raw: str):
    """(category, normal form) when `raw` is a valid person key, else None."""
    if not raw:
        return None
    if category == "resident_id":
        return ("resident_id", raw.upper()) if ric_valid(raw) else None
    if category == "phone":
        n = phone_norm(raw)
        return ("phone", n) if n else None
    if category == "email":
        return ("email", raw.lower()) if email_valid(raw) else None
    if category == "bank_card":
        return ("bank_card", raw) if card_valid(raw) else None
    raise ValueError(category)


# ---------------------------------------------------------------------------------------------
# Synthetic persons
# ---------------------------------------------------------------------------------------------


class Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.used: set[str] = set()  # membership only (never iterated: str hashing is randomised)
        self.serial = 0

    def unique(self, make):
        for _ in range(1000):
            v = make()
            if v not in self.used:
                self.used.add(v)
                return v
        raise RuntimeError("could not draw a unique value")

    def date_between(self, a: dt.date, b: dt.date) -> dt.date:
        return a + dt.timedelta(days=self.rng.randint(0, (b - a).days))

    def resident_id(self, birth: dt.date, valid: bool = True) -> str:
        rng = self.rng

        def make():
            body = rng.choice(DIVISIONS)[0] + birth.strftime("%Y%m%d") + f"{rng.randint(1, 999):03d}"
            check = ric_check_char(body)
            if not valid:
                check = rng.choice([c for c in "0123456789X" if c != check])
            return body + check

        return self.unique(make)

    def phone(self) -> str:
        rng = self.rng
        return self.unique(lambda: rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99999999):08d}")

    def card(self, valid: bool = True) -> str:
        rng = self.rng

        def make():
            length = rng.choice([16, 19, 19])
            payload = rng.choice(UNIONPAY_BINS) + "".join(str(rng.randint(0, 9)) for _ in range(length - 7))
            check = luhn_check_digit(payload)
            if not valid:
                check = str((int(check) + rng.randint(1, 9)) % 10)
            return payload + check

        return self.unique(make)

    def email(self, sur_py: str, given_py: str) -> str:
        rng = self.rng

        def make():
            style = rng.randint(0, 4)
            if style == 0:
                local = f"{sur_py}{given_py}{rng.randint(1, 99)}"
            elif style == 1:
                local = f"{given_py}.{sur_py}"
            elif style == 2:
                local = f"{sur_py}_{given_py}{rng.randint(60, 99)}"
            elif style == 3:
                local = str(rng.randint(10000, 2999999999))  # QQ number
                return f"{local}@qq.com"
            else:
                local = f"{given_py[0]}{sur_py}{rng.randint(100, 9999)}"
            return f"{local}@{rng.choice(EMAIL_DOMAINS)}"

        return self.unique(make)

    def name(self):
        rng = self.rng
        sur, sur_py = rng.choice(SURNAMES)
        parts = [rng.choice(GIVEN)]
        if len(parts[0][0]) == 1 and rng.random() < 0.4:
            parts.append(rng.choice([g for g in GIVEN if len(g[0]) == 1]))
        given = "".join(p[0] for p in parts)
        given_py = "".join(p[1] for p in parts)
        return sur + given, sur_py, given_py

    def address(self) -> str:
        rng = self.rng
        place = rng.choice(DIVISIONS)[1]
        return (f"{place}{rng.choice(STREETS)}{rng.randint(1, 399)}号{rng.randint(1, 30)}栋"
                f"{rng.randint(1, 6)}单元{rng.randint(1, 33)}{rng.randint(1, 4):02d}室")

    def person(self, pool: str, *, birth: dt.date | None = None, id_valid: bool = True,
               card: str = "valid", email: bool = True) -> dict:
        self.serial += 1
        name, sur_py, given_py = self.name()
        if birth is None:
            birth = self.date_between(dt.date(1950, 1, 1), dt.date(2010, 12, 31))
        return {
            "pid": f"{pool}-{self.serial:04d}",
            "pool": pool,
            "name": name,
            "birth": birth,
            "id": self.resident_id(birth, id_valid),
            "phone": self.phone(),
            "email": self.email(sur_py, given_py) if email else "",
            "card": "" if card == "none" else self.card(card == "valid"),
            "address": self.address(),
        }

    # -- formatting variants of one person's identifiers --------------------------------------

    def fmt_phone(self, p: str, share: float = 0.10) -> str:
        r = self.rng.random()
        if r < share / 2:
            return f"+86 {p[:3]} {p[3:7]} {p[7:]}"
        if r < share:
            return f"{p[:3]}-{p[3:7]}-{p[7:]}"
        return p

    def fmt_email(self, e: str) -> str:
        if e and self.rng.random() < 0.05:
            local, domain = e.split("@")
            return f"{local[:1].upper()}{local[1:]}@{domain.upper()}"
        return e

    def fmt_id(self, i: str) -> str:
        if i.endswith("X") and self.rng.random() < 0.3:
            return i[:-1] + "x"
        return i

    def ts(self, a: dt.datetime, b: dt.datetime) -> dt.datetime:
        return a + dt.timedelta(seconds=self.rng.randint(0, int((b - a).total_seconds())))


def rows_for(g: Gen, people: list, n: int) -> list:
    """n owners drawn from `people`, each at least once, so persons repeat across rows."""
    owners = list(people) + [g.rng.choice(people) for _ in range(n - len(people))]
    g.rng.shuffle(owners)
    return owners


# ---------------------------------------------------------------------------------------------
# Ground-truth bookkeeping
# ---------------------------------------------------------------------------------------------


class Truth:
    """Per data row: the owner's raw identifiers and the identifiers only mentioned in it."""

    def __init__(self):
        self.rows: dict[str, list] = {}

    def add(self, file: str, owner: list[tuple[str, str]], mentions: list[tuple[str, str, str]],
            trajectory: bool = False):
        # owner: [(category, raw)], mentions: [(category, raw, column)]
        self.rows.setdefault(file, []).append((owner, mentions, trajectory))

    def persons(self, files: list[str]) -> dict:
        parent: dict = {}

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        def node(k):
            parent.setdefault(k, k)
            return k

        owner_nodes, sensitive_nodes, unlinked = [], [], 0
        for f in files:
            for owner, mentions, trajectory in self.rows[f]:
                keys = [k for k in (key_of(c, v) for c, v in owner) if k]
                if not keys and owner:
                    unlinked += 1
                for k in keys:
                    node(k)
                    owner_nodes.append(k)
                if keys and (trajectory or any(c == "bank_card" for c, _ in keys)):
                    sensitive_nodes.append(keys[0])
                for a, b in zip(keys, keys[1:]):
                    ra, rb = find(a), find(b)
                    if ra != rb:
                        parent[ra] = rb
                for c, v, _col in mentions:
                    k = key_of(c, v)
                    if k:
                        node(k)
        roots = {}
        for k in parent:  # insertion-ordered dict: deterministic
            roots.setdefault(find(k), []).append(k)
        owned = {find(k) for k in owner_nodes}
        minors = set()
        for r, keys in roots.items():
            for c, v in keys:
                if c == "resident_id" and is_minor(ric_birth(v)):
                    minors.add(r)
        sensitive = minors | {find(k) for k in sensitive_nodes}
        return {
            "roots": roots,
            "owned": owned,
            "owners": len(owned),
            "named_only_in_free_text": len(roots) - len(owned),
            "unlinked_rows": unlinked,
            "total": len(roots) + unlinked,
            "minors": len(minors),
            "sensitive": len(sensitive),
        }


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def mention(g: Gen, owner: dict, same_pool: list, third: list, kinds=("phone", "email", "resident_id")):
    """An identifier of ANOTHER person for a note: 60 % someone who owns no row anywhere (a third
    party, always named by the same one identifier), 40 % another owner of the same file."""
    rng = g.rng
    if rng.random() < 0.6:
        t = rng.choice([t for t in third if t["kind"] in kinds])
        kind, value, name = t["kind"], t["value"], t["name"]
    else:
        other = rng.choice([p for p in same_pool if p["pid"] != owner["pid"]])
        kind = rng.choice(kinds)
        if kind == "resident_id" and not ric_valid(other["id"]):
            kind = "phone"
        if kind == "email" and not other["email"]:
            kind = "phone"
        value = {"phone": other["phone"], "email": other["email"], "resident_id": other["id"]}[kind]
        name = other["name"]
    shown = g.fmt_phone(value, 0.3) if kind == "phone" else value
    return kind, shown, name


def note_text(g: Gen, owner, same_pool, third, share=0.30, empty=0.35):
    """(text, [(category, raw)]) for a free-text note."""
    rng = g.rng
    r = rng.random()
    if r < share:
        kind, shown, name = mention(g, owner, same_pool, third)
        tpl = rng.choice(MENTION_NOTES[kind])
        return tpl.format(v=shown, name=name), [(kind, shown)]
    if r < share + empty:
        return "", []
    tpl = rng.choice(PLAIN_NOTES)
    return tpl.format(order=order_no(g, "SO", dt.datetime(2025, 6, 1)), batch=batch_code(g)), []


def order_no(g: Gen, prefix: str, when: dt.datetime) -> str:
    return g.unique(lambda: f"{prefix}{when:%Y%m%d}{g.rng.randint(1, 999999):06d}")


def batch_code(g: Gen) -> str:
    """18 digits shaped like a resident ID (division, real date, sequence) with a WRONG check char."""
    rng = g.rng
    day = g.date_between(dt.date(2019, 1, 1), dt.date(2026, 10, 31))
    body = rng.choice(DIVISIONS)[0] + day.strftime("%Y%m%d") + f"{rng.randint(1, 999):03d}"
    right = ric_check_char(body)
    return body + rng.choice([c for c in "0123456789" if c != right])


def write_text(path: Path, text: str, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))


def csv_text(header, rows, delimiter=",", lineterminator="\n") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator, quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def gen_customers(g: Gen, truth: Truth, pool, third, out: Path):
    rng = g.rng
    header = ["customer_name", "id_number", "mobile", "email", "bank_card", "address", "note", "order_no",
              "amount", "created_at"]
    rows = []
    for p in rows_for(g, pool, 300):
        created = g.ts(dt.datetime(2024, 1, 1), dt.datetime(2026, 11, 27, 23, 59, 59))
        note, mentions = note_text(g, p, pool, third)
        rows.append([p["name"], g.fmt_id(p["id"]), g.fmt_phone(p["phone"]), g.fmt_email(p["email"]), p["card"],
                     p["address"], note, order_no(g, "SO", created), f"{rng.randint(100, 500000) / 100:.2f}",
                     f"{created:%Y-%m-%d %H:%M:%S}"])
        truth.add("customers.csv", [("resident_id", rows[-1][1]), ("phone", rows[-1][2]), ("email", rows[-1][3]),
                                    ("bank_card", rows[-1][4])], [(c, v, "note") for c, v in mentions])
    write_text(out / "customers.csv", csv_text(header, rows))
    return rows


def gen_customers_gbk(g: Gen, truth: Truth, pool, third, out: Path):
    header = ["姓名", "身份证号", "手机号", "电子邮箱", "银行卡号", "住址", "备注"]
    rows = []
    for p in rows_for(g, pool, 120):
        note, mentions = note_text(g, p, pool, third)
        rows.append([p["name"], g.fmt_id(p["id"]), g.fmt_phone(p["phone"]), g.fmt_email(p["email"]), p["card"],
                     p["address"], note])
        truth.add("customers_gbk.csv", [("resident_id", rows[-1][1]), ("phone", rows[-1][2]),
                                        ("email", rows[-1][3]), ("bank_card", rows[-1][4])],
                  [(c, v, "备注") for c, v in mentions])
    write_text(out / "customers_gbk.csv", csv_text(header, rows, ";", "\r\n"), "gbk")
    return rows


def order_record(g: Gen, file: str, truth: Truth, p, owners, third) -> dict:
    rng = g.rng
    created = g.ts(dt.datetime(2025, 1, 1), dt.datetime(2026, 11, 27, 23, 59, 59))
    owner = {"name": p["name"], "phone": g.fmt_phone(p["phone"])}
    r = rng.random()
    if r < 0.75:
        owner["id_card"] = g.fmt_id(p["id"])
    elif r < 0.90:
        owner["id_card"] = None
    # else: key absent
    items = []
    for _ in range(rng.randint(1, 3)):
        sku, pname = rng.choice(PRODUCTS)
        items.append({"sku": sku, "name": pname, "price": rng.randint(50, 99900) / 10, "qty": rng.randint(1, 4)})
    rec = {"order_id": order_no(g, "OD", created), "created_at": f"{created:%Y-%m-%dT%H:%M:%S}+08:00",
           "owner": owner, "items": items}
    mentions = []
    r = rng.random()
    if r < 0.6:
        contacts = []
        for _ in range(rng.randint(1, 2)):
            if rng.random() < 0.8:
                t = rng.choice([t for t in third if t["kind"] == "phone"])
                phone = t["value"]
            else:
                phone = rng.choice([o for o in owners if o["pid"] != p["pid"]])["phone"]
            shown = g.fmt_phone(phone, 0.2)
            contacts.append({"relation": rng.choice(RELATIONS), "phone": shown})
            mentions.append(("phone", shown, "contacts[].phone"))
        rec["contacts"] = contacts
    elif r < 0.9:
        rec["contacts"] = []
    # else: key absent
    rec["ship_to"] = {"address": p["address"], "receiver": p["name"]}
    note, note_mentions = note_text(g, p, owners, third, share=0.25, empty=0.25)
    rec["note"] = note if note else rng.choice([None, ""])
    mentions += [(c, v, "note") for c, v in note_mentions]
    rec["paid"] = rng.random() < 0.85
    truth.add(file, [("resident_id", owner.get("id_card") or ""), ("phone", owner["phone"])], mentions)
    return rec


def gen_orders(g: Gen, truth: Truth, nd_owners, arr_owners, third, out: Path):
    recs = [order_record(g, "orders.ndjson", truth, p, nd_owners, third) for p in rows_for(g, nd_owners, 150)]
    write_text(out / "orders.ndjson",
               "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in recs))
    arr = [order_record(g, "orders_array.json", truth, p, arr_owners, third) for p in rows_for(g, arr_owners, 50)]
    write_text(out / "orders_array.json", json.dumps(arr, ensure_ascii=False, indent=2) + "\n")
    return recs, arr


def gen_trips(g: Gen, truth: Truth, owners, out: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = g.rng
    vehicles = []
    for p in owners:
        def make_vin():
            body = rng.choice(WMIS) + "".join(rng.choice(VIN_CHARS) for _ in range(5))
            tail = rng.choice("LMNPRST") + rng.choice(VIN_CHARS) + f"{rng.randint(0, 999999):06d}"
            return body + vin_check_char(body + "0" + tail) + tail
        city = rng.choice(DIVISIONS)
        vehicles.append({"vin": g.unique(make_vin), "owner": p, "lat": city[2], "lon": city[3]})
    vins, owner_col, points_col = [], [], []
    epoch = dt.datetime(2026, 9, 1)
    for i, v in enumerate(rows_for(g, vehicles, 80)):
        p = v["owner"]
        vins.append(v["vin"])
        owner_col.append({"name": p["name"], "phone": g.fmt_phone(p["phone"], 0.1)})
        if i == 17:
            points = []  # an empty trajectory
        elif i == 42:
            points = None  # a null list
        else:
            lat = v["lat"] + rng.uniform(-0.05, 0.05)
            lon = v["lon"] + rng.uniform(-0.05, 0.05)
            t = g.ts(epoch, dt.datetime(2026, 11, 27))
            points = []
            for _ in range(rng.randint(5, 16)):
                lat += rng.uniform(-0.002, 0.002)
                lon += rng.uniform(-0.002, 0.002)
                t += dt.timedelta(seconds=rng.randint(15, 60))
                points.append({"lat": round(lat, 6), "lon": round(lon, 6), "ts": t})
        points_col.append(points)
        truth.add("trips.parquet", [("phone", owner_col[-1]["phone"])], [], trajectory=bool(points))
    schema = pa.schema([
        ("vin", pa.string()),
        ("owner", pa.struct([("name", pa.string()), ("phone", pa.string())])),
        ("points", pa.list_(pa.struct([("lat", pa.float64()), ("lon", pa.float64()), ("ts", pa.timestamp("s"))]))),
    ])
    table = pa.Table.from_pydict({"vin": vins, "owner": owner_col, "points": points_col}, schema=schema)
    pq.write_table(table, out / "trips.parquet", row_group_size=32, compression="snappy")
    return table


def gen_events(g: Gen, truth: Truth, users, out: Path):
    import zstandard

    rng = g.rng
    rows = []
    for p in rows_for(g, users, 200):
        if rng.random() < 0.1:
            ip = f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        else:
            ip = f"{rng.choice([36, 58, 101, 112, 114, 116, 120, 183, 202, 223])}.{rng.randint(0, 255)}." \
                 f"{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        when = g.ts(dt.datetime(2026, 11, 1), dt.datetime(2026, 11, 27, 23, 59, 59))
        rows.append([g.fmt_phone(p["phone"]), ip, rng.choice(EVENTS), f"{when:%Y-%m-%dT%H:%M:%S}+08:00"])
    rows.sort(key=lambda r: r[3])
    for r in rows:
        for f in ("events.csv.gz", "events.csv.zst"):
            truth.add(f, [("phone", r[0])], [])
    data = csv_text(["user_phone", "login_ip", "event", "ts"], rows).encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(data)
    (out / "events.csv.gz").write_bytes(buf.getvalue())
    zc = zstandard.ZstdCompressor(level=19, write_content_size=True, write_checksum=True)
    (out / "events.csv.zst").write_bytes(zc.compress(data))
    return data


def gen_decoys(g: Gen, truth: Truth, out: Path):
    rng = g.rng
    header = ["order_id", "order_no", "batch_code", "serial_no", "created_ms", "sku", "guid", "price",
              "tracking_no", "version"]
    rows = []
    for _ in range(200):
        # 11 digits exactly like a mobile number, but the column is an order id.
        oid = g.unique(lambda: rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99999999):08d}")
        when = g.ts(dt.datetime(2024, 1, 1), dt.datetime(2026, 11, 27))
        while True:  # 16-19 digits failing Luhn (and, at 18 digits, no valid resident ID by chance)
            length = rng.choice([16, 17, 18, 19])
            payload = rng.choice(["62", "60", "35", "45", "51"]) + "".join(
                str(rng.randint(0, 9)) for _ in range(length - 3))
            serial = payload + str((int(luhn_check_digit(payload)) + rng.randint(1, 9)) % 10)
            if not ric_valid(serial):
                break
        created_ms = int((when - dt.datetime(1970, 1, 1)).total_seconds() * 1000) - 8 * 3600 * 1000 \
            + rng.randint(0, 999)
        guid = "-".join(f"{rng.getrandbits(b * 4):0{b}x}" for b in (8, 4, 4, 4, 12))
        carrier = rng.randint(0, 3)
        if carrier == 0:
            tracking = f"SF{rng.randint(0, 10**12 - 1):012d}"
        elif carrier == 1:
            tracking = f"YT{rng.randint(0, 10**13 - 1):013d}"
        elif carrier == 2:
            tracking = f"JDVA{rng.randint(0, 10**11 - 1):011d}"
        else:
            tracking = f"75{rng.randint(0, 10**10 - 1):010d}"
        version = rng.choice([f"v{rng.randint(0, 3)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
                              f"{rng.randint(1, 4)}.{rng.randint(0, 12)}.{rng.randint(0, 30)}-rc.{rng.randint(1, 5)}",
                              f"{rng.randint(1, 2)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}@build"])
        rows.append([oid, order_no(g, "SO", when), batch_code(g), serial, str(created_ms),
                     f"SKU-{rng.randint(1000, 9999)}-{rng.choice(['BLK', 'WHT', 'RED', 'XL', 'M'])}", guid,
                     f"{rng.randint(100, 99999) / 100:.2f}", tracking, version])
        truth.add("decoys.csv", [], [])
    write_text(out / "decoys.csv", csv_text(header, rows))
    return rows


# ---------------------------------------------------------------------------------------------
# Expected results
# ---------------------------------------------------------------------------------------------

RULES = [
    "as_of = 2026-11-28 (Asia/Shanghai); a person is a minor when a resident ID linked to them gives a birth "
    "date less than 14 years before as_of (born after 2012-11-28; born on 2012-11-28 is 14 that day, not a minor).",
    "Person keys are resident ID, mobile phone, e-mail and bank card. Only values that VALIDATE are keys: "
    "resident ID = 18 chars, first digit 1-8, real birth date not after as_of, GB 11643 MOD 11-2 check char "
    "(weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, check = '10X98765432'[sum mod 11], 'x' accepted as 'X'); "
    "phone = 1[3-9] + 9 digits after stripping +86 / 0086, spaces and dashes; e-mail = a local part, an '@', "
    "then a domain of dot-separated labels ending in a 2-24 letter TLD; "
    "bank card = IIN 62, 16-19 digits, valid Luhn. An ID with a wrong check char or a card failing Luhn is no key.",
    "Normal forms: phone = 11 bare digits, resident ID upper-cased, e-mail lower-cased, card = bare digits.",
    "Owner keys are the key columns of a row (customers*.csv: id/mobile/email/card; orders: owner.id_card and "
    "owner.phone; trips.parquet: owner.phone; events: user_phone). All valid owner keys of one row belong to "
    "one person; rows sharing any key are one person (union-find across columns, rows and, for 'overall', files).",
    "Keys inside free text (customers.csv note, customers_gbk.csv 备注, orders note) and in orders "
    "contacts[].phone name a person — the same person wherever that key appears (so a note naming another "
    "customer's phone is that customer) — but never link to the row's owner.",
    "persons.total = owners (components holding an owner key) + named_only_in_free_text (components holding "
    "only keys from notes/contacts) + unlinked_rows (rows with personal data but no valid key; 0 here: every "
    "owner row has a valid phone).",
    "trips.parquet: every row has a valid owner.phone, so the VIN (a key only when nothing better is in the row) "
    "adds no person; one VIN always has the same owner.",
    "decoys.csv holds no personal data: its order_id column is 11 digits shaped like mobiles, but the header says "
    "order id, and every other column fails its validator (wrong ID check char, failing Luhn, 13-digit "
    "epoch ms, ...). A correct scanner reports no column and 0 persons.",
    "events.csv.gz and events.csv.zst decompress to identical bytes, so 'overall' counts their persons once.",
    "'overall' covers the eight data files, which are all a scan of the directory reads (a directory walk skips "
    "README.md; this ground truth lives in tests/sample_data_truth.json, outside the data). It still holds no "
    "identifier that validates (these rules quote none: no e-mail, phone, ID or card example).",
    "Free-text columns ('free_text': true) list under 'identifiers' the occurrences of validated identifiers "
    "per category in that column. Batch numbers in notes ('批次号…') are 18-digit ID-shaped codes with a wrong "
    "check char; those that pass Luhn by chance are listed under 'luhn_valid_non_cards' and are no card (no IIN 62).",
    "persons.sensitive (GB/T 45574-2025 reading): a person is sensitive when they are a minor, or any row they own "
    "carries a valid bank card (financial account) or a non-empty trips.parquet points list (trajectory). Keys "
    "only named in free text make nobody sensitive here (no card numbers are named in notes).",
]


def expected(truth: Truth, meta: dict) -> dict:
    files = list(meta)
    out = {"rules": RULES, "as_of": AS_OF.isoformat(), "seed": SEED, "files": {}, "overall": {}}
    per_roots = {}
    for f in files:
        res = truth.persons([f])
        per_roots[f] = res
        cols = meta[f]["columns"]
        info = {k: v for k, v in meta[f].items() if k != "columns"}
        info["rows"] = len(truth.rows[f])
        info["persons"] = {k: res[k] for k in ("total", "owners", "named_only_in_free_text", "unlinked_rows",
                                                "minors", "sensitive")}
        info["columns"] = cols
        out["files"][f] = info
    allres = truth.persons(files)
    # map every key to its overall component, to say which persons files share
    key_root = {}
    for r, keys in allres["roots"].items():
        for k in keys:
            key_root[k] = r
    owned_by_file = {}
    for f in files:
        owned_by_file[f] = {key_root[k] for r in per_roots[f]["owned"] for k in per_roots[f]["roots"][r]}
    overlap = {}
    for i, a in enumerate(files):
        for b in files[i + 1:]:
            n = len(owned_by_file[a] & owned_by_file[b])
            if n:
                overlap[f"{a} & {b}"] = n
    out["overall"] = {
        "rows": sum(len(truth.rows[f]) for f in files),
        "persons": {k: allres[k] for k in ("total", "owners", "named_only_in_free_text", "unlinked_rows",
                                            "minors", "sensitive")},
        "owners_shared_between_files": overlap,
    }
    return out


def column_facts(values, category=None):
    """{'inspected': non-empty values, 'valid': values that validate as `category`}."""
    vals = [v for v in values if v not in (None, "")]
    facts = {"inspected": len(vals)}
    if category:
        facts["valid"] = sum(1 for v in vals if key_of(category, v))
    return facts


def free_text_facts(truth: Truth, file: str, column: str, cells: list) -> dict:
    counts = {}
    for _owner, mentions, _t in truth.rows[file]:
        for c, v, col in mentions:
            if col == column and key_of(c, v):
                counts[c] = counts.get(c, 0) + 1
    facts = {"categories": sorted(counts), "free_text": True, "inspected": sum(1 for c in cells if c),
             "identifiers": dict(sorted(counts.items()))}
    lookalikes = luhn_lookalikes(cells)
    if lookalikes:
        facts["luhn_valid_non_cards"] = {"count": len(lookalikes), "prefixes": lookalikes,
                                         "note": "batch numbers (批次号), not bank cards: no UnionPay IIN 62"}
    return facts


def luhn_lookalikes(cells) -> list:
    """First two digits of each 16-19 digit run in `cells` that passes Luhn but is neither a card by these
    rules nor a valid resident ID."""
    out = []
    for c in cells:
        for m in re.finditer(r"(?<![0-9])[0-9]{16,19}(?![0-9])", c or ""):
            if luhn_valid(m.group()) and not card_valid(m.group()) and not ric_valid(m.group()):
                out.append(m.group()[:2])
    return out


# ---------------------------------------------------------------------------------------------
# Self-check: re-read the files, scan notes with an independent extractor
# ---------------------------------------------------------------------------------------------

FREE_TEXT_RE = re.compile(
    r"(?P<phone>(?:\+86[- ]?)?(?<![0-9A-Za-z])1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9A-Za-z]))"
    r"|(?P<rid>(?<![0-9A-Za-z])[1-8][0-9]{16}[0-9Xx](?![0-9A-Za-z]))"
    r"|(?P<email>" + EMAIL_RE.pattern + r")")


def extract(text: str) -> list:
    found = []
    for m in FREE_TEXT_RE.finditer(text or ""):
        if m.group("phone") and key_of("phone", m.group("phone")):
            found.append(("phone", m.group("phone")))
        elif m.group("rid") and key_of("resident_id", m.group("rid")):
            found.append(("resident_id", m.group("rid")))
        elif m.group("email") and key_of("email", m.group("email")):
            found.append(("email", m.group("email")))
    return found


def self_check(out: Path, truth: Truth, cust_rows, gbk_rows, nd, arr, events_csv, decoys):
    problems = []

    def check(cond, msg):
        if not cond:
            problems.append(msg)

    with open(out / "customers.csv", newline="", encoding="utf-8") as f:
        check(list(csv.reader(f))[1:] == cust_rows, "customers.csv does not round-trip")
    with open(out / "customers_gbk.csv", newline="", encoding="gbk") as f:
        check(list(csv.reader(f, delimiter=";"))[1:] == gbk_rows, "customers_gbk.csv does not round-trip")
    raw = (out / "customers_gbk.csv").read_bytes()
    check(raw.split(b"\n", 1)[0].endswith(b"\r") and raw.endswith(b"\r\n"), "customers_gbk.csv: not CRLF")
    check([json.loads(line) for line in (out / "orders.ndjson").read_text("utf-8").splitlines()] == nd,
          "orders.ndjson does not round-trip")
    check(json.loads((out / "orders_array.json").read_text("utf-8")) == arr, "orders_array.json does not round-trip")
    check(gzip.decompress((out / "events.csv.gz").read_bytes()) == events_csv, "events.csv.gz differs")
    try:
        import zstandard
        check(zstandard.ZstdDecompressor().decompress((out / "events.csv.zst").read_bytes()) == events_csv,
              "events.csv.zst differs")
    except ImportError:
        pass
    import pyarrow.parquet as pq
    pf = pq.ParquetFile(out / "trips.parquet")
    check(pf.metadata.num_rows == 80 and pf.metadata.num_row_groups == 3, "trips.parquet shape")

    # Notes hold exactly the identifiers the generator put there (no accidental keys).
    for file, rows, col_idx, col in (("customers.csv", cust_rows, 6, "note"), ("customers_gbk.csv", gbk_rows, 6, "备注")):
        for row, (_o, mentions, _t) in zip(rows, truth.rows[file]):
            want = [(c, v) for c, v, _ in mentions if key_of(c, v)]
            check(extract(row[col_idx]) == want, f"{file}: note {row[col_idx]!r} holds {extract(row[col_idx])}")
    for file, recs in (("orders.ndjson", nd), ("orders_array.json", arr)):
        for rec, (_o, mentions, _t) in zip(recs, truth.rows[file]):
            want = [(c, v) for c, v, col in mentions if col == "note"]
            check(extract(rec["note"]) == want, f"{file}: note {rec['note']!r}")
            for c in rec.get("contacts", []):
                check(key_of("phone", c["phone"]) is not None, f"{file}: contact phone {c['phone']}")
            check(not extract(rec["order_id"]) and not extract(rec["ship_to"]["address"]), f"{file}: stray key")
    # Decoys: nothing validates, apart from the phone-shaped order_id column (by design).
    for row in decoys:
        for v in row[1:]:
            check(not extract(v) and not card_valid(v) and not ric_valid(v), f"decoys.csv: {v} validates")
        check(phone_norm(row[0]) is not None, "decoys.csv: order_id should look like a mobile")

    # The ground truth is kept out of the data, and must name nobody all the same.
    def strings(v):
        if isinstance(v, dict):
            for k, x in v.items():
                yield k
                yield from strings(x)
        elif isinstance(v, list):
            for x in v:
                yield from strings(x)
        elif isinstance(v, str):
            yield v

    for s in strings(json.loads(truth_path(out).read_text("utf-8"))):
        check(not extract(s), f"expected.json: {s[:60]!r}... holds {extract(s)}")
        for m in re.finditer(r"(?<![0-9])[0-9]{15,19}(?![0-9])", s):
            check(not luhn_valid(m.group()), f"expected.json: Luhn-valid digits {m.group()}")

    # Cross-check the validators with python-stdnum when it is installed.
    try:
        from stdnum.cn import ric
        from stdnum import luhn
    except ImportError:
        ric = luhn = None
    if ric is not None:
        for file, rows in truth.rows.items():
            for owner, mentions, _t in rows:
                for c, v in list(owner) + [(c, v) for c, v, _ in mentions]:
                    if c == "resident_id" and v:
                        check(stdnum_ric_ok(ric, v) == ric_valid(v), f"stdnum disagrees on ID {v}")
                    if c == "bank_card" and v:
                        check(luhn.is_valid(v) == luhn_valid(v), f"stdnum disagrees on card {v}")
        for row in decoys:
            check(not stdnum_ric_ok(ric, row[2]) and not luhn.is_valid(row[3]), f"stdnum validates decoy {row[2:4]}")
    return problems


def stdnum_ric_ok(ric, v: str) -> bool:
    """stdnum.cn.ric without its birth-place lookup (which rejects division codes that did not exist in
    the birth year; xborder, like these rules, does not check division history)."""
    v = v.upper()
    try:
        return len(v) == 18 and ric.calc_check_digit(v) == v[17] and ric.get_birth_date(v) <= AS_OF
    except Exception:
        return False


# ---------------------------------------------------------------------------------------------


README = """\
# Sample data

Synthetic, deterministic data for trying and testing xborder. Every name, identifier and address is
made up by `scripts/gen_sample_data.py` (fixed seed {seed}; Python's `random`, no Faker); regenerate with

    PY="$(scripts/venv.sh | tail -n1)"
    "$PY" scripts/gen_sample_data.py        # byte-identical output on every run

Do not edit these files by hand. The ground truth is `tests/sample_data_truth.json`, computed by the generator from the
records it wrote (not by running xborder); its `rules` key states how persons, keys and minors are counted.
Scan with `--as-of 2026-11-28`, the date the minors and `tests/sample_data_truth.json` are judged on.

| file | format | rows | what a scanner should find |
|---|---|---|---|
| `customers.csv` | CSV, UTF-8 (no BOM), comma, LF; a few quoted multi-line notes | {customers.csv[rows]} | `customer_name` person_name, `id_number` resident_id, `mobile` phone, `email` email, `bank_card` bank_card, `address` address; `note` is free text naming other people by phone / e-mail / ID; `order_no`, `amount`, `created_at` are not personal. {customers.csv[persons][total]} persons ({customers.csv[persons][owners]} owners + {customers.csv[persons][named_only_in_free_text]} only named in notes), {customers.csv[persons][minors]} minors |
| `customers_gbk.csv` | CSV, **GBK**, **semicolon**, **CRLF**, Chinese headers (姓名;身份证号;手机号;电子邮箱;银行卡号;住址;备注); some notes contain ASCII commas | {customers_gbk.csv[rows]} | same categories as customers.csv; its owners are a different pool (no overlap with customers.csv). {customers_gbk.csv[persons][total]} persons ({customers_gbk.csv[persons][owners]} + {customers_gbk.csv[persons][named_only_in_free_text]} named in notes) |
| `orders.ndjson` | newline-delimited JSON, UTF-8, nested | {orders.ndjson[rows]} | `owner.name` person_name, `owner.phone` phone, `owner.id_card` resident_id (null or absent in ~25 %), `ship_to.address` address, `ship_to.receiver` person_name, `contacts[].phone` phone of OTHER people (emergency contacts, never linked to the owner), `note` free text; `items[].*`, `order_id`, `created_at`, `paid` not personal. {orders.ndjson[persons][total]} persons ({orders.ndjson[persons][owners]} owners + {orders.ndjson[persons][named_only_in_free_text]} only named in contacts/notes), {orders.ndjson[persons][minors]} minor(s) |
| `orders_array.json` | one top-level JSON array, pretty-printed (indent 2) — a stream of rows, not one row | {orders_array.json[rows]} | same shape and categories as orders.ndjson. {orders_array.json[persons][total]} persons ({orders_array.json[persons][owners]} + {orders_array.json[persons][named_only_in_free_text]}) |
| `trips.parquet` | Parquet (pyarrow, snappy), 3 row groups of ≤32 rows; `vin` string, `owner` struct<name, phone>, `points` list<struct<lat double, lon double, ts timestamp[s]>>; one row has an empty list, one a null list | {trips.parquet[rows]} | `vin` vin, `owner.name` person_name, `owner.phone` phone, `points[].lat`/`points[].lon` precise_location + trajectory (sensitive: whereabouts). {trips.parquet[persons][total]} persons |
| `events.csv.gz`, `events.csv.zst` | the same UTF-8 CSV (`user_phone,login_ip,event,ts`), gzip (mtime 0) and zstd (level 19, content size + checksum) | {events.csv.gz[rows]} | `user_phone` phone, `login_ip` ip_address; {events.csv.gz[persons][total]} persons |
| `decoys.csv` | CSV, UTF-8, comma | {decoys.csv[rows]} | **nothing**: phone-shaped 11-digit `order_id`, `SO…` order numbers, 18-digit ID-shaped `batch_code` with a wrong check char, 16–19 digit `serial_no` failing Luhn (some start 62), 13-digit epoch-ms `created_ms`, SKUs, GUIDs, prices, tracking numbers, version strings. 0 columns, 0 persons |

Expected counts per file (each file scanned on its own; rules in `tests/sample_data_truth.json`):

{counts_table}

## Persons across files

Person pools: customers.csv has {n_cust} owners (3 minors born after 2013-01-01; one person born
2012-11-28, exactly 14 on the as-of date and so NOT a minor; 3 with a wrong ID check character; 3 with a card
failing Luhn; a few without e-mail or card). customers_gbk.csv has {n_gbk} owners of its own. Orders
(ndjson and array) are placed by 40 + 8 customers.csv owners, 6 customers_gbk.csv owners and 30 order-only
persons (ndjson uses 20 of them, the array 15, 5 in both); trips.parquet cars belong to 10 customers.csv
owners, 3 order-only persons and 13 trip-only persons; events users are 15 customers.csv owners, 5
customers_gbk.csv owners and 20 event-only persons. {n_third} third parties own no row anywhere and are named
only in notes or `contacts[].phone`, always by one identifier each. Owners shared between files (linked by
phone or resident ID):

{overlap}

Across all files: **{overall[persons][total]} distinct persons** = {overall[persons][owners]} owners +
{overall[persons][named_only_in_free_text]} named only in free text / contacts; {overall[persons][minors]} minors;
{overall[persons][sensitive]} sensitive.

Notes also carry non-personal look-alikes: order numbers (`SO…`) and batch numbers (`批次号…`, 18-digit
ID-shaped codes with a wrong check character). {lookalikes}

Formatting that normalisation must see through: ~10 % of phones written `+86 138 1234 5678` or
`138-1234-5678` (notes and contacts: more), ~5 % of e-mails with upper-case letters, IDs ending in `X`
sometimes written with `x` — the same person in every spelling.
"""


def truth_path(out: Path) -> Path:
    """The ground truth, beside the tests rather than in the data (a directory scan must read only data)."""
    return out.resolve().parent / "tests" / "sample_data_truth.json"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "sample_data",
                    help="output directory (default: sample_data next to scripts/)")
    args = ap.parse_args(argv)
    try:
        import pyarrow  # noqa: F401  (trips.parquet)
        import zstandard  # noqa: F401  (events.csv.zst)
    except ImportError as e:
        print(f"gen_sample_data.py: {e.name} is missing; run it with the venv's python: "
              '"$(scripts/venv.sh | tail -n1)" scripts/gen_sample_data.py', file=sys.stderr)
        return 2
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    g = Gen(SEED)
    rng = g.rng
    # customers.csv pool: 150 persons incl. 3 minors, one 14-today boundary person, 3 wrong ID check
    # chars, 3 Luhn-failing cards, 5 without e-mail, 7 (+ the minors) without card.
    cust = []
    for i in range(150):
        kw = {}
        if i < 3:
            kw = {"birth": g.date_between(dt.date(2013, 1, 2), dt.date(2020, 12, 31)), "card": "none"}
        elif i == 3:
            kw = {"birth": dt.date(AS_OF.year - MINOR_AGE, AS_OF.month, AS_OF.day)}
        elif i < 7:
            kw = {"id_valid": False}
        elif i < 10:
            kw = {"card": "invalid"}
        elif i < 15:
            kw = {"email": False}
        elif i < 22:
            kw = {"card": "none"}
        cust.append(g.person("cust", **kw))
    rng.shuffle(cust)
    gbk = []
    for i in range(60):
        kw = {"id_valid": False} if i == 0 else {"card": "invalid"} if i == 1 else {}
        gbk.append(g.person("gbk", **kw))
    rng.shuffle(gbk)
    order_only = [g.person("order") for _ in range(30)]
    trip_only = [g.person("trip") for _ in range(13)]
    event_only = [g.person("event") for _ in range(20)]
    third = []
    for i in range(60):
        t = g.person("third")
        kind = "phone" if i % 4 in (0, 1) else "email" if i % 4 == 2 else "resident_id"
        third.append({"pid": t["pid"], "name": t["name"], "kind": kind,
                      "value": {"phone": t["phone"], "email": t["email"], "resident_id": t["id"]}[kind]})

    adults_cust = [p for p in cust if not is_minor(p["birth"]) and p["birth"].year < 2011]
    nd_owners = rng.sample(cust, 40) + order_only[:20]
    arr_owners = rng.sample(cust, 8) + rng.sample(gbk, 6) + order_only[15:30]
    trip_owners = rng.sample(adults_cust, 10) + order_only[20:23] + trip_only
    event_users = rng.sample(cust, 15) + rng.sample(gbk, 5) + event_only

    truth = Truth()
    cust_rows = gen_customers(g, truth, cust, third, out)
    gbk_rows = gen_customers_gbk(g, truth, gbk, third, out)
    nd, arr = gen_orders(g, truth, nd_owners, arr_owners, third, out)
    table = gen_trips(g, truth, trip_owners, out)
    events_csv = gen_events(g, truth, event_users, out)
    decoys = gen_decoys(g, truth, out)

    def col(rows, i):
        return [r[i] for r in rows]

    def nested(recs, path):
        vals = []
        for r in recs:
            parts = path.split(".")
            if parts[0] == "contacts[]":
                vals += [c.get(parts[1]) for c in r.get("contacts", [])]
            else:
                v = r
                for p in parts:
                    v = v.get(p) if isinstance(v, dict) else None
                vals.append(v)
        return vals

    def cust_cols(rows, names):
        n_name, n_id, n_mob, n_mail, n_card, n_addr, n_note = names
        return {
            n_name: {"categories": ["person_name"], **column_facts(col(rows, 0))},
            n_id: {"categories": ["resident_id"], **column_facts(col(rows, 1), "resident_id")},
            n_mob: {"categories": ["phone"], **column_facts(col(rows, 2), "phone")},
            n_mail: {"categories": ["email"], **column_facts(col(rows, 3), "email")},
            n_card: {"categories": ["bank_card"], **column_facts(col(rows, 4), "bank_card")},
            n_addr: {"categories": ["address"], **column_facts(col(rows, 5))},
        }

    def order_cols(file, recs):
        return {
            "owner.name": {"categories": ["person_name"], **column_facts(nested(recs, "owner.name"))},
            "owner.phone": {"categories": ["phone"], **column_facts(nested(recs, "owner.phone"), "phone")},
            "owner.id_card": {"categories": ["resident_id"],
                              **column_facts(nested(recs, "owner.id_card"), "resident_id")},
            "contacts[].phone": {"categories": ["phone"], "note": "other people; never linked to the owner",
                                 **column_facts(nested(recs, "contacts[].phone"), "phone")},
            "ship_to.address": {"categories": ["address"], **column_facts(nested(recs, "ship_to.address"))},
            "ship_to.receiver": {"categories": ["person_name"], **column_facts(nested(recs, "ship_to.receiver"))},
            "note": free_text_facts(truth, file, "note", nested(recs, "note")),
        }

    events_rows = list(csv.reader(io.StringIO(events_csv.decode("utf-8"))))[1:]
    events_cols = {
        "user_phone": {"categories": ["phone"], **column_facts(col(events_rows, 0), "phone")},
        "login_ip": {"categories": ["ip_address"], **column_facts(col(events_rows, 1))},
    }
    order_not_personal = ["order_id", "created_at", "items[].sku", "items[].name", "items[].price",
                          "items[].qty", "contacts[].relation", "paid"]
    n_points = sum(len(p or []) for p in table.column("points").to_pylist())
    meta = {
        "customers.csv": {"format": "csv", "encoding": "utf-8", "delimiter": ",", "columns": {
            **cust_cols(cust_rows, ["customer_name", "id_number", "mobile", "email", "bank_card", "address", "note"]),
            "note": free_text_facts(truth, "customers.csv", "note", col(cust_rows, 6))},
            "not_personal": ["order_no", "amount", "created_at"]},
        "customers_gbk.csv": {"format": "csv", "encoding": "gbk", "delimiter": ";", "line_ending": "CRLF",
                              "columns": {
            **cust_cols(gbk_rows, ["姓名", "身份证号", "手机号", "电子邮箱", "银行卡号", "住址", "备注"]),
            "备注": free_text_facts(truth, "customers_gbk.csv", "备注", col(gbk_rows, 6))},
            "not_personal": []},
        "orders.ndjson": {"format": "json", "encoding": "utf-8", "layout": "ndjson",
                          "columns": order_cols("orders.ndjson", nd), "not_personal": order_not_personal},
        "orders_array.json": {"format": "json", "encoding": "utf-8", "layout": "top-level array",
                              "columns": order_cols("orders_array.json", arr), "not_personal": order_not_personal},
        "trips.parquet": {"format": "parquet", "row_groups": 3, "columns": {
            "vin": {"categories": ["vin"], "inspected": 80},
            "owner.name": {"categories": ["person_name"], "inspected": 80},
            "owner.phone": {"categories": ["phone"], **column_facts(table.column("owner").combine_chunks()
                                                                     .field("phone").to_pylist(), "phone")},
            "points[].lat": {"categories": ["precise_location", "trajectory"], "inspected": n_points},
            "points[].lon": {"categories": ["precise_location", "trajectory"], "inspected": n_points}},
            "not_personal": ["points[].ts"]},
        "events.csv.gz": {"format": "csv", "encoding": "utf-8", "compression": "gzip", "columns": events_cols,
                          "not_personal": ["event", "ts"]},
        "events.csv.zst": {"format": "csv", "encoding": "utf-8", "compression": "zstd", "columns": events_cols,
                           "not_personal": ["event", "ts"]},
        "decoys.csv": {"format": "csv", "encoding": "utf-8", "delimiter": ",", "columns": {},
                       "not_personal": ["order_id", "order_no", "batch_code", "serial_no", "created_ms", "sku",
                                        "guid", "price", "tracking_no", "version"]},
    }
    exp = expected(truth, meta)
    truth_path(out).write_text(json.dumps(exp, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    overlap = "\n".join(f"- {k}: {v}" for k, v in exp["overall"]["owners_shared_between_files"].items())
    readme = README
    for f in exp["files"]:  # str.format cannot take field names containing dots
        readme = readme.replace("{" + f + "[", "{" + f.replace(".", "_") + "[")
    counts_table = "\n".join(
        ["| file | rows | persons.total | owners | only named in notes/contacts | minors | sensitive |",
         "|---|---|---|---|---|---|---|"]
        + [f"| `{f}` | {v['rows']} | {v['persons']['total']} | {v['persons']['owners']} | "
           f"{v['persons']['named_only_in_free_text']} | {v['persons']['minors']} | {v['persons']['sensitive']} |"
           for f, v in exp["files"].items()])
    looks = [(f, c, p) for f, v in exp["files"].items() for c, cv in v["columns"].items()
             for p in cv.get("luhn_valid_non_cards", {}).get("prefixes", [])]
    lookalikes = ("Batch numbers that pass Luhn by chance (still no card: no UnionPay IIN 62): "
                  + ", ".join(f"`{f}` {c} (starts `{p}`)" for f, c, p in looks) + ".") if looks else ""
    text = readme.format(seed=SEED, counts_table=counts_table, lookalikes=lookalikes, n_cust=len(cust), n_gbk=len(gbk), n_third=len(third), overlap=overlap,
                         overall=exp["overall"], **{f.replace(".", "_"): v for f, v in exp["files"].items()})
    (out / "README.md").write_text(text, encoding="utf-8")

    problems = self_check(out, truth, cust_rows, gbk_rows, nd, arr, events_csv, decoys)
    for p in problems[:50]:
        print("self-check:", p, file=sys.stderr)
    big = [p.name for p in sorted(out.iterdir()) if p.stat().st_size >= 200 * 1024]
    if big:
        print("too large (>= 200 KB):", ", ".join(big), file=sys.stderr)
    if problems or big:
        return 1
    for p in sorted(out.iterdir()):
        print(f"{p.stat().st_size:>8}  {p}")
    o = exp["overall"]["persons"]
    print(f"overall: {o['total']} persons ({o['owners']} owners + {o['named_only_in_free_text']} only named), "
          f"{o['minors']} minors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
