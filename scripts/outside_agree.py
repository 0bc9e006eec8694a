#!/usr/bin/env python3
"""Value-level agreement of xborder's validators with python-stdnum on the outside corpus.

    PY="$(scripts/venv.sh | tail -n1)"; "$PY" scripts/outside_agree.py target/debug/xborder

For every column of tests/accuracy/outside/ labelled with a validated category, each distinct
value is judged by xborder (`xborder detectors validate NAME`) and by python-stdnum:

    resident_id ← gb11643 vs stdnum.cn.ric     organisation_id ← uscc vs stdnum.cn.uscc
    bank_card ← bank_card vs stdnum.luhn       device_id (IMEI columns) ← imei vs stdnum.imei

Differences that REGULATION.md or a validator's documentation explains are counted under their
reason (a card number with a valid Luhn digit but no card network's prefix and length; a
division code stdnum's table lacks for the birth year; a bare 14- or 16-digit IMEI, which carries
no check). Anything else is a failure: the script prints the values (all synthetic or published
test values) and exits 1.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from stdnum import imei as std_imei
from stdnum import luhn as std_luhn
from stdnum.cn import ric as std_ric
from stdnum.cn import uscc as std_uscc

ROOT = Path(__file__).resolve().parent.parent / "tests" / "accuracy" / "outside"
AS_OF = "2026-11-28"


def std_ok(mod, v: str) -> bool:
    try:
        mod.validate(v)
        return True
    except Exception:
        return False


def digits(v: str) -> str:
    return v.replace(" ", "").replace("-", "")


def ric_place_only(v: str) -> bool:
    """stdnum rejects only because its division table lacks the code for the birth year."""
    try:
        std_ric.validate(v)
        return False
    except Exception as e:
        return type(e).__name__ == "InvalidComponent" and std_luhn is not None


TYPES = {
    # category: (xborder validator, stdnum judge, explained(value, xborder, stdnum) -> reason or None)
    "resident_id": ("gb11643", lambda v: std_ok(std_ric, v),
                    lambda v, x, s: "division not in stdnum's table for the birth year" if x and not s and ric_place_only(v) else None),
    "organisation_id": ("uscc", lambda v: std_ok(std_uscc, v), lambda v, x, s: None),
    "bank_card": ("bank_card", lambda v: std_ok(std_luhn, digits(v)),
                  lambda v, x, s: "Luhn-valid, but no card network's prefix and length (ISO/IEC 7812)" if s and not x else None),
    "device_id": ("imei", lambda v: std_ok(std_imei, v),
                  lambda v, x, s: "bare 14 or 16 digits: no check digit, taken only in an IMEI's groups" if s and not x and digits(v) == v and len(v) in (14, 16) else None),
}


def values_of(table: Path, column: str) -> list[str]:
    if table.suffix == ".csv":
        with table.open(encoding="utf-8", newline="") as f:
            return [r[column] for r in csv.DictReader(f) if r[column]]
    out = []
    for line in table.open(encoding="utf-8"):
        v = json.loads(line)
        for part in column.split("."):
            v = v.get(part) if isinstance(v, dict) else None
        if isinstance(v, str) and v:
            out.append(v)
    return out


def main() -> int:
    return check(sys.argv[1])


def check(binary: str) -> int:
    labels = json.loads((ROOT / "labels.json").read_text(encoding="utf-8"))["tables"]
    by_type: dict[str, set[str]] = {t: set() for t in TYPES}
    for name, t in labels.items():
        for col, cats in t["columns"].items():
            for c in cats:
                if c not in TYPES:
                    continue
                vals = values_of(ROOT / "tables" / name, col)
                if c == "device_id" and not any(digits(v).isdigit() for v in vals):
                    continue  # MAC columns: no check digit to compare
                by_type[c].update(v for v in vals if c != "device_id" or digits(v).isdigit())
    failed = False
    for c, (validator, judge, explain) in TYPES.items():
        vals = sorted(by_type[c])
        proc = subprocess.run([binary, "detectors", "validate", validator, "--as-of", AS_OF],
                              input="\n".join(vals) + "\n", capture_output=True, text=True, check=True)
        ours = [line.strip() == "1" for line in proc.stdout.splitlines()]
        assert len(ours) == len(vals), (c, len(ours), len(vals))
        agree, explained, bad = 0, Counter(), []
        for v, x in zip(vals, ours):
            s = judge(v)
            if x == s:
                agree += 1
            elif (why := explain(v, x, s)) is not None:
                explained[why] += 1
            else:
                bad.append((v, x, s))
        n = len(vals)
        print(f"{c} ({validator} vs stdnum): {n} distinct values, {agree} agree ({100.0 * agree / max(n, 1):.1f} %), "
              f"{sum(explained.values())} explained, {len(bad)} unexplained")
        for why, k in explained.items():
            print(f"  explained: {k} — {why}")
        for v, x, s in bad[:10]:
            print(f"  UNEXPLAINED: {v!r} xborder={x} stdnum={s}")
        failed |= bool(bad)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
