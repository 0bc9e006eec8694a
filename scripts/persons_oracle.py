#!/usr/bin/env python3
"""Independent count of distinct persons in a gen_pii_csv.py CSV, with the rules of DESIGN.md
("Persons and the ledger"): valid keys of one row (resident ID with a correct check character,
mobile without +86 and separators, e-mail lower-cased, card with a network prefix and Luhn) are one person; rows
sharing a key are one person; keys found in the free-text note name a person but are never
linked to the row's owner.

Prints persons owning rows, persons including those only mentioned, and the number of mentioned
persons the generator's manifest counts once but that no data can link (an unseen person
mentioned by two different keys in two notes is two persons to any scanner).

usage: persons_oracle.py FILE.csv
"""
import csv, json, re, sys
from checkdigits import luhn_valid, ric_check_char

csv.field_size_limit(1 << 30)


def ric_ok(s):
    if len(s) != 18 or not s[:17].isdigit():
        return False
    return ric_check_char(s[:17]) == s[17].upper()


def card_ok(s):
    """Card network prefix and length (ISO/IEC 7812 IINs) and Luhn, as src/detect/validators/luhn.rs."""
    n = len(s)
    if n < 16 or n > 19:
        return False
    p2, p4 = int(s[:2]), int(s[:4])
    net = ((s[0] == "6" and p2 in (60, 62, 64, 65)) or (s[0] == "4" and n in (16, 19))
           or (s[0] == "5" and n == 16 and 51 <= p2 <= 55) or (s[0] == "2" and n == 16 and 2221 <= p4 <= 2720)
           or (s[0] == "3" and p2 == 35))
    return net and len(set(s)) > 1 and luhn_valid(s)


def phone(s):
    d = re.sub(r"[ -]", "", s)
    d = d[3:] if d.startswith("+86") else d
    return d if re.fullmatch(r"1[3-9][0-9]{9}", d) else None


parent = {}


def find(x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def node(k):
    parent.setdefault(k, k)
    return k


def union(a, b):
    ra, rb = find(a), find(b)
    if ra != rb:
        parent[rb] = ra


PH = re.compile(r"(?<![0-9])(?:\+86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9])")
EM = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
ID = re.compile(r"(?<![0-9])[1-8][0-9]{16}[0-9Xx](?![0-9])")
CARD = re.compile(r"(?<![0-9])[2-6][0-9]{15,18}(?![0-9Xx])")

own = set()
mentions = set()
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        keys = []
        if row["id_number"] and ric_ok(row["id_number"]):
            keys.append("i" + row["id_number"].upper())
        p = phone(row["mobile"])
        if p:
            keys.append("p" + p)
        if row["email"]:
            keys.append("e" + row["email"].lower())
        if row["bank_card"] and card_ok(row["bank_card"]):
            keys.append("c" + row["bank_card"])
        for k in keys:
            node(k)
            own.add(k)
        for k in keys[1:]:
            union(keys[0], k)
        note = row["note"]
        for m in PH.finditer(note):
            p = phone(m.group())
            if p:
                mentions.add("p" + p)
        for m in EM.finditer(note):
            mentions.add("e" + m.group().lower())
        for m in ID.finditer(note):
            if ric_ok(m.group()):
                mentions.add("i" + m.group().upper())
        for m in CARD.finditer(note):
            # a valid 18-digit resident ID is not also a bank card (DESIGN.md overlap rule)
            if card_ok(m.group()) and not ric_ok(m.group()):
                mentions.add("c" + m.group())

in_rows = len({find(k) for k in own})
for k in mentions:
    node(k)
with_mentions = len({find(k) for k in parent})
print(json.dumps({"distinct_persons_in_rows": in_rows, "distinct_persons_with_mentions": with_mentions}))
