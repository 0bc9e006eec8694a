#!/usr/bin/env python3
"""Build the outside corpus of tests/accuracy/outside/ (tables/ and labels.json): tables of identifiers and look-alikes that
nobody working on xborder wrote, labelled by an outside oracle, for tests/accuracy.rs.

    PY="$(scripts/venv.sh | tail -n1)"; "$PY" scripts/gen_outside_corpus.py

Where the values come from (tests/accuracy/outside/README.md has the detail):

* the Faker library's zh_CN and en_US providers (names, resident IDs, mobiles, e-mails, addresses,
  licence plates as Faker writes them, card numbers of every network Faker knows, IPs, MACs, job
  titles, companies, EANs, ISBNs, UUIDs, prices, epochs), under a fixed seed;
* python-stdnum's own test vectors (tests/test_cn_uscc.doctest, test_cn_ric.doctest,
  test_imei.doctest, test_mac.doctest) and Microsoft Presidio's recognizer tests (cards, IPs,
  MACs, e-mails), copied as values into sources/vectors.json with the commit they come from;
* payment processors' published test card numbers (Stripe's list);
* numbers made here from a seeded generator only where a class needs volume (18-digit UnionPay
  cards, 15-digit IMEIs whose middle reads as a date, 62… gift-card numbers failing Luhn), each
  labelled by python-stdnum (stdnum.luhn, stdnum.imei, stdnum.cn.ric, stdnum.cn.uscc), never by
  xborder's validators.

Labels: every column of every table, with the categories a correct scanner reports; `decoys`
are columns that must be reported with no category. `persons` (where given) is the exact number of
distinct persons a correct scanner counts in that table alone.

Deterministic: the same Faker version and seed give the same files.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from pathlib import Path

from faker import Faker
from stdnum import imei as std_imei
from stdnum import luhn as std_luhn
from stdnum.cn import ric as std_ric
from stdnum.cn import uscc as std_uscc

ROOT = Path(__file__).resolve().parent.parent / "tests" / "accuracy" / "outside"
TABLES = ROOT / "tables"
SEED = 20261203
N = 200

R = random.Random(SEED)
ZH = Faker("zh_CN")
ZH.seed_instance(SEED)
EN = Faker("en_US")
EN.seed_instance(SEED + 1)
V = json.loads((ROOT / "sources" / "vectors.json").read_text(encoding="utf-8"))

LABELS: dict[str, dict] = {}


def ok(mod, v: str) -> bool:
    try:
        mod.validate(v)
        return True
    except Exception:
        return False


def write_csv(name: str, rows: list[dict], labels: dict[str, list[str]], decoys=(), persons=None, parquet=False):
    with open(TABLES / name, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    entry = {"columns": labels, "decoys": sorted(decoys), "source": SOURCES[name]}
    if persons is not None:
        entry["persons"] = persons
    if parquet:
        entry["as_parquet"] = True
    assert set(labels) == set(rows[0].keys()), (name, set(labels) ^ set(rows[0].keys()))
    LABELS[name] = entry


def write_ndjson(name: str, rows: list[dict], labels: dict[str, list[str]], decoys=()):
    with open(TABLES / name, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    LABELS[name] = {"columns": labels, "decoys": sorted(decoys), "source": SOURCES[name]}


def luhn_complete(body: str) -> str:
    return body + std_luhn.calc_check_digit(body)


def zh_ssn() -> str:
    while True:
        v = ZH.ssn()
        if ok(std_ric, v):
            return v


def vin_ok(v: str) -> bool:
    """ISO 3779 position-9 check (stdnum has no VIN module): transliteration and weights of REGULATION.md §5."""
    t = dict(zip("ABCDEFGHJKLMNPRSTUVWXYZ", [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9]))
    w = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
    if len(v) != 17 or any(c not in t and not c.isdigit() for c in v):
        return False
    s = sum((int(c) if c.isdigit() else t[c]) * x for c, x in zip(v, w)) % 11
    return v[8] == ("X" if s == 10 else str(s))


def spaced_mobile(p: str) -> str:
    return R.choice([p, "+86 " + p, "+86-" + p, p[:3] + " " + p[3:7] + " " + p[7:], p[:3] + "-" + p[3:7] + "-" + p[7:]])


SOURCES = {
    "zh_customers.csv": "Faker zh_CN person/ssn/phone_number/email/address/automotive/job/company/postcode, Chinese headers",
    "zh_customers_neutral.csv": "Faker zh_CN, the same providers under neutral headers (col_1…); also scanned as Parquet",
    "zh_orders.ndjson": "Faker zh_CN, nested NDJSON with a free-text remark (Faker sentences around Faker identifiers)",
    "en_customers.csv": "Faker en_US person/email/phone_number/ssn/credit_card_number/address/ipv4/company/job",
    "pinyin_staff.csv": "Faker zh_CN romanized_name (pinyin) and en_US names under name-like headers",
    "test_cards.csv": "Stripe's and Presidio's published test card numbers (sources/vectors.json), as written there",
    "intl_cards.csv": "Faker en_US credit_card_number for each network Faker knows, neutral and card headers; also as Parquet",
    "unionpay_18.csv": "18-digit UnionPay numbers (IIN 62, seeded generator, Luhn by stdnum.luhn), some of which also pass stdnum.cn.uscc; each row's only key; also as Parquet",
    "uscc_stdnum.csv": "python-stdnum tests/test_cn_uscc.doctest: the valid codes, plain and in the spaced form of the doctest",
    "ric_stdnum.csv": "python-stdnum tests/test_cn_ric.doctest vectors and Faker zh_CN ssn (valid by stdnum.cn.ric); invalid vectors and corrupted copies",
    "imei_devices.csv": "python-stdnum tests/test_imei.doctest vectors and seeded 15-digit IMEIs valid by stdnum.imei, some with a date-like middle, written plain and with the doctest's separators",
    "network_log.csv": "Presidio's IP and MAC recognizer test strings (sources/vectors.json) and Faker ipv4/ipv6/mac_address; malformed tokens from Presidio's and stdnum's negative tests",
    "emails.csv": "Presidio's e-mail recognizer test values and Faker zh_CN/en_US email; Presidio's negatives",
    "jobs.csv": "Faker zh_CN job titles and companies, Faker en_US jobs",
    "lookalikes.csv": "Faker ean13/isbn13/uuid4/unix_time/pricetag/msisdn/aba/bban and seeded 18-digit 62… gift-card numbers failing stdnum.luhn; also as Parquet",
    "zh_notes.csv": "Faker zh_CN sentences with Faker identifiers written with separators (plates with a dash, IMEIs and USCCs as stdnum's doctests write them, spaced mobiles)",
    "vehicles_zh.csv": "Faker zh_CN license_plate and en_US vin (check digit valid), Chinese headers",
}


def main() -> int:
    TABLES.mkdir(parents=True, exist_ok=True)
    for p in TABLES.glob("*.csv"):
        p.unlink()
    for p in TABLES.glob("*.ndjson"):
        p.unlink()

    # Chinese customers, Chinese headers.
    rows = [{"姓名": ZH.name(), "身份证号": zh_ssn(), "手机号": ZH.phone_number(), "电子邮箱": ZH.email(),
             "联系地址": ZH.address(), "车牌号": ZH.license_plate(), "职位": ZH.job(), "公司名称": ZH.company(),
             "邮编": ZH.postcode(), "下单时间": ZH.date_time().strftime("%Y-%m-%d %H:%M:%S")} for _ in range(N)]
    write_csv("zh_customers.csv", rows, {"姓名": ["person_name"], "身份证号": ["resident_id"], "手机号": ["phone"],
                                         "电子邮箱": ["email"], "联系地址": ["address"], "车牌号": ["licence_plate"],
                                         "职位": [], "公司名称": [], "邮编": [], "下单时间": []},
              decoys=["职位", "公司名称", "邮编", "下单时间"])

    # The same providers under neutral headers (the values decide alone).
    rows = [{"col_1": ZH.name(), "col_2": zh_ssn(), "col_3": ZH.phone_number(), "col_4": ZH.email(),
             "col_5": ZH.address(), "col_6": ZH.license_plate(), "col_7": ZH.job(), "col_8": ZH.ean13(),
             "col_9": str(ZH.unix_time() // 1), "col_10": ZH.uuid4()} for _ in range(N)]
    write_csv("zh_customers_neutral.csv", rows,
              {"col_1": ["person_name"], "col_2": ["resident_id"], "col_3": ["phone"], "col_4": ["email"],
               "col_5": ["address"], "col_6": ["licence_plate"], "col_7": [], "col_8": [], "col_9": [], "col_10": []},
              decoys=["col_7", "col_8", "col_9", "col_10"], parquet=True)

    # Nested NDJSON with a free-text remark.
    rows = []
    for _ in range(N):
        phone = ZH.phone_number()
        remark = ZH.sentence()
        if R.random() < 0.5:
            remark += "，联系电话" + spaced_mobile(ZH.phone_number())
        rows.append({"客户": {"姓名": ZH.name(), "证件号码": zh_ssn()}, "contact": {"mobile": spaced_mobile(phone), "email": ZH.email()},
                     "vehicle": {"plate": ZH.license_plate()}, "remark": remark, "order_no": "SO" + ZH.numerify("##############")})
    write_ndjson("zh_orders.ndjson", rows,
                 {"客户.姓名": ["person_name"], "客户.证件号码": ["resident_id"], "contact.mobile": ["phone"], "contact.email": ["email"],
                  "vehicle.plate": ["licence_plate"], "remark": ["phone"], "order_no": []}, decoys=["order_no"])

    # Foreign customers (en_US).
    rows = [{"full_name": EN.name(), "email": EN.email(), "phone_number": EN.phone_number(), "ssn": EN.ssn(),
             "credit_card": EN.credit_card_number(), "address": EN.address().replace("\n", ", "), "ip": EN.ipv4_public(),
             "company": EN.company(), "job": EN.job()} for _ in range(N)]
    write_csv("en_customers.csv", rows, {"full_name": ["person_name"], "email": ["email"], "phone_number": [], "ssn": [],
                                         "credit_card": ["bank_card"], "address": [], "ip": ["ip_address"], "company": [], "job": []},
              decoys=["company", "job"])

    # Pinyin and Latin-script names under name-like headers.
    rows = [{"name_en": ZH.romanized_name(), "员工英文名": ZH.romanized_name().upper(), "customer_name": EN.name(),
             "contact_person": EN.first_name() + " " + R.choice(["", EN.random_uppercase_letter() + ". "]) + EN.last_name(),
             "department": EN.bs()} for _ in range(N)]
    write_csv("pinyin_staff.csv", rows, {"name_en": ["person_name"], "员工英文名": ["person_name"], "customer_name": ["person_name"],
                                         "contact_person": ["person_name"], "department": []}, decoys=["department"])

    # Published test cards, as written by their publishers, and their negatives.
    cards = [c for vs in V["test_cards"]["values"].values() for c in vs] + V["presidio"]["credit_card_valid"]
    cards = [c for c in cards if ok(std_luhn, c.replace(" ", "").replace("-", ""))]
    bad = V["presidio"]["credit_card_invalid"] + [c[:-1] + str((int(c[-1]) + 1) % 10) for c in cards]
    rows = [{"card": cards[i % len(cards)], "pan_rejected": bad[i % len(bad)], "value": cards[(i * 7) % len(cards)]} for i in range(2 * len(cards))]
    write_csv("test_cards.csv", rows, {"card": ["bank_card"], "pan_rejected": [], "value": ["bank_card"]}, decoys=["pan_rejected"])

    # Every network Faker knows.
    kinds = ["amex", "diners", "discover", "jcb15", "jcb16", "maestro", "mastercard", "visa13", "visa16", "visa19"]
    rows = []
    for i in range(N):
        k = kinds[i % len(kinds)]
        rows.append({"network": k, "card_number": EN.credit_card_number(k), "value": EN.credit_card_number(kinds[(i + 3) % len(kinds)]),
                     "expiry": EN.credit_card_expire(), "cvv": EN.credit_card_security_code()})
    write_csv("intl_cards.csv", rows, {"network": [], "card_number": ["bank_card"], "value": ["bank_card"], "expiry": [], "cvv": []},
              decoys=["expiry", "cvv"], parquet=True)

    # 18-digit UnionPay cards, some of which also pass the USCC check: the column decides.
    cards18, both = [], 0
    while len(cards18) < 2000:
        c = luhn_complete("62" + "".join(R.choice("0123456789") for _ in range(15)))
        if ok(std_luhn, c):
            cards18.append(c)
            both += ok(std_uscc, c)
    # The card is each row's only key; a holder pays several times (cards repeat).
    rows = [{"银行卡号": cards18[int(len(cards18) * R.random() ** 2)], "发卡行": R.choice(["中国银行", "工商银行", "建设银行", "农业银行", "招商银行"]),
             "交易金额": "%.2f" % R.uniform(1, 5000)} for _ in range(3000)]
    persons = len({r["银行卡号"] for r in rows})
    write_csv("unionpay_18.csv", rows, {"银行卡号": ["bank_card"], "发卡行": [], "交易金额": []}, persons=persons, parquet=True)
    print(f"unionpay_18.csv: {len(cards18)} cards, {both} also pass stdnum.cn.uscc", file=sys.stderr)

    # USCCs from stdnum's doctest, plain and spaced as the doctest writes one.
    uscc = [u for u in V["stdnum"]["cn_uscc"]["valid"] if ok(std_uscc, u)]
    rows = [{"统一社会信用代码": u, "code": (c := u.replace(" ", ""))[:2] + " " + c[2:8] + " " + c[8:], "企业名称": ZH.company()} for u in uscc]
    write_csv("uscc_stdnum.csv", rows, {"统一社会信用代码": ["organisation_id"], "code": ["organisation_id"], "企业名称": []},
              decoys=["企业名称"])

    # Resident IDs: stdnum's valid vectors and Faker's; invalid ones (stdnum's and corrupted check characters).
    ric = [v.upper() for v in V["stdnum"]["cn_ric"]["valid"] if ok(std_ric, v)] + [zh_ssn() for _ in range(N)]
    bad = [v for v in V["stdnum"]["cn_ric"]["invalid"] if not ok(std_ric, v)]
    for v in ric:
        for c in "0123456789X":
            w = v[:17] + c
            if c != v[17] and not ok(std_ric, w):
                bad.append(w)
                break
    rows = [{"身份证": ric[i % len(ric)], "ref_code": bad[i % len(bad)]} for i in range(len(ric))]
    write_csv("ric_stdnum.csv", rows, {"身份证": ["resident_id"], "ref_code": []}, decoys=["ref_code"])

    # IMEIs: stdnum's vectors (with their separators), and seeded ones whose middle reads as a date.
    imeis = [v for v in V["stdnum"]["imei"]["valid"] if ok(std_imei, v) and len(v.replace("-", "")) in (15, 14)]
    gen, datey = [], 0
    while len(gen) < N:
        tac = R.choice(["35", "86", "01", "49"]) + "".join(R.choice("0123456789") for _ in range(4))
        if R.random() < 0.3:
            # digits 7–12 a YYMMDD date of the 1900s: the shape of a legacy 15-digit resident ID
            mid = "%02d%02d%02d" % (R.randint(50, 99), R.randint(1, 12), R.randint(1, 28))
            datey += 1
        else:
            mid = "".join(R.choice("0123456789") for _ in range(6))
        body = tac + mid + "".join(R.choice("0123456789") for _ in range(2))
        v = luhn_complete(body)
        if ok(std_imei, v):
            gen.append(v)
    written = [R.choice([v, v[:2] + "-" + v[2:8] + "-" + v[8:14] + "-" + v[14:], v[:8] + "-" + v[8:14] + "-" + v[14:]]) for v in gen]
    rows = [{"imei": written[i], "device": gen[(i * 3) % len(gen)]} for i in range(N)]
    for i, v in enumerate(imeis):
        rows[i]["imei"] = v
    write_csv("imei_devices.csv", rows, {"imei": ["device_id"], "device": ["device_id"]})

    # Network logs: free text with IPs and MACs, a column of addresses, and malformed tokens.
    texts = V["presidio"]["ip_in_text"] + V["presidio"]["mac_in_text"]
    malformed = V["presidio"]["ip_invalid"] + V["presidio"]["mac_invalid"] + V["stdnum_mac_invalid"]["values"] + [
        "2001:db8::256.1.1.1", "::ffff:300.1.1.1", "d0:50:99:84:a2:a0:ff:01", "1.2.3.4.5", "999.1.1.1"]
    ips = V["presidio"]["ip_valid"]
    rows = [{"message": texts[i % len(texts)] + " " + ZH.sentence() if i % 3 else texts[i % len(texts)],
             "addr": ips[i % len(ips)] if i % 2 else (EN.ipv6() if i % 4 == 0 else EN.ipv4()),
             "hw": EN.mac_address(), "bogus": malformed[i % len(malformed)]} for i in range(N)]
    write_csv("network_log.csv", rows, {"message": ["ip_address", "device_id"], "addr": ["ip_address"], "hw": ["device_id"], "bogus": []},
              decoys=["bogus"])

    # E-mails.
    good = V["presidio"]["email_valid"]
    rows = [{"email": good[i % len(good)] if i < 20 else (ZH.email() if i % 2 else EN.email()),
             "handle": V["presidio"]["email_invalid"][i % 2] if i % 3 == 0 else EN.user_name()} for i in range(N)]
    write_csv("emails.csv", rows, {"email": ["email"], "handle": []}, decoys=["handle"])

    # Job titles and companies: words, not addresses or names.
    rows = [{"职位名称": ZH.job(), "所属公司": ZH.company(), "job_title": EN.job(), "公司简称": ZH.company_prefix()} for _ in range(150)]
    write_csv("jobs.csv", rows, {"职位名称": [], "所属公司": [], "job_title": [], "公司简称": []},
              decoys=["职位名称", "所属公司", "job_title", "公司简称"])

    # Look-alikes only: nothing personal, nobody counted.
    n = 2000
    gift, by_chance = [], 0
    while len(gift) < n:
        # IIN 62, a store number, the issue date and a serial: the date makes about one in
        # eleven pass the resident-ID check by chance (division 62…, a real date, the check).
        c = "62%04d%s%04d" % (R.randint(0, 9999), ZH.date_between("-10y", "-1y").strftime("%Y%m%d"), R.randint(0, 9999))
        if ok(std_luhn, c):
            continue
        if ok(std_ric, c):
            by_chance += 1
        gift.append(c)
    rows = [{"sku": ZH.ean13(), "batch_code": ZH.bothify("??########").upper(), "gift_card": gift[i],
             "epoch_ms": str(ZH.unix_time() // 1 * 1000 + R.randint(0, 999)), "price": "%.2f" % R.uniform(1, 9999),
             "isbn": EN.isbn13(), "msisdn": EN.msisdn(), "routing": EN.aba(), "sha1": EN.sha1(), "md5": EN.md5(),
             "colour": EN.hex_color(), "url": EN.url(), "path": EN.file_path(), "isbn10": EN.isbn10(),
             "iban": EN.iban(), "created": ZH.date_time().isoformat(), "version": EN.numerify("#.##.###"),
             "ean8": EN.ean8(), "license": EN.bothify("????-####-????").upper()} for i in range(n)]
    write_csv("lookalikes.csv", rows, {k: [] for k in rows[0]}, decoys=list(rows[0].keys()), persons=0, parquet=True)
    print(f"lookalikes.csv: {by_chance} of {n} gift-card numbers pass stdnum.cn.ric by chance", file=sys.stderr)

    # Free-text notes with identifiers written as real systems write them.
    rows = []
    for i in range(N):
        k = i % 4
        if k == 0:
            note = f"{ZH.sentence()}车牌{ZH.license_plate()}已登记"
        elif k == 1:
            v = gen[i % len(gen)]
            note = f"设备IMEI {v[:2]}-{v[2:8]}-{v[8:14]}-{v[14:]}，{ZH.sentence()}"
        elif k == 2:
            u = uscc[i % len(uscc)]
            note = f"开票单位信用代码 {u[:2]} {u[2:8]} {u[8:]}，{ZH.sentence()}"
        else:
            note = f"客户来电 {spaced_mobile(ZH.phone_number())}，{ZH.sentence()}"
        rows.append({"备注": note, "摘要": ZH.sentence()})
    # Organisation codes are not searched in free text (an organisation's code names nobody).
    write_csv("zh_notes.csv", rows, {"备注": ["licence_plate", "device_id", "phone"], "摘要": []}, decoys=["摘要"])

    # Vehicles.
    rows = [{"车牌": ZH.license_plate(), "车架号": EN.vin(), "颜色": ZH.color_name()} for _ in range(N)]
    assert all(vin_ok(r["车架号"]) for r in rows), "Faker wrote a VIN whose check digit fails"
    write_csv("vehicles_zh.csv", rows, {"车牌": ["licence_plate"], "车架号": ["vin"], "颜色": []}, decoys=["颜色"])

    meta = {"as_of": "2026-11-28", "seed": SEED, "faker": __import__("faker").VERSION,
            "stdnum": __import__("stdnum").__version__, "tables": LABELS}
    (ROOT / "labels.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    cols = sum(len(t["columns"]) for t in LABELS.values())
    dec = sum(len(t["decoys"]) for t in LABELS.values())
    print(f"{len(LABELS)} tables, {cols} columns, {dec} decoys", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
