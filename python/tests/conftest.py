"""Shared fixtures of the package's tests. The tests never skip: a missing dependency (pyspark,
Java) is an error, so a run that could not test something never reports a pass."""

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_data"
AS_OF = "2026-11-28"


def write_csv(path, rows, columns):
    import csv as _csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        w = _csv.writer(f)
        w.writerow(columns)
        for r in rows:
            w.writerow([r[c] or "" for c in columns])
    return path


def cli(*args, env=None):
    """Run the real CLI (XBORDER_BIN, set by tests/python.rs) and return (exit code, JSON report)."""
    binary = os.environ.get("XBORDER_BIN")
    assert binary, "XBORDER_BIN (the CLI binary to compare with) is not set; run through tests/python.rs"
    p = subprocess.run([binary, "scan", "--format", "json", *args], capture_output=True, text=True, env=env)
    assert p.stdout, p.stderr
    return p.returncode, json.loads(p.stdout)


def check_digit(body):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * x for c, x in zip(body, w)) % 11]


def chained_rows(persons, seed, start=0):
    """Rows of persons each linked only through a chain: (ID + phone), (phone + e-mail),
    (e-mail only, with a diagnosis: sensitive). Every fifth person's ID is a minor's; a few rows
    have a diagnosis and no key. Shuffled, so a chain's rows land in different partitions."""
    rng = random.Random(seed)
    rows = []
    for i in range(start, start + persons):
        year = 2015 if i % 5 == 0 else 1960 + i % 40
        body = f"110101{year}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
        pid = body + check_digit(body)
        phone = f"13{800000000 + i * 7919 % 100000000:09d}"
        mail = f"user{i}@example.com"
        rows.append({"id_number": pid, "mobile": phone, "email": None, "diagnosis": None})
        rows.append({"id_number": None, "mobile": phone, "email": mail, "diagnosis": None})
        rows.append({"id_number": None, "mobile": None, "email": mail, "diagnosis": "2型糖尿病" if i % 3 == 0 else None})
    for _ in range(max(1, persons // 20)):
        rows.append({"id_number": None, "mobile": None, "email": None, "diagnosis": "高血压"})
    rng.shuffle(rows)
    return rows


@pytest.fixture(scope="session")
def samples():
    return SAMPLES


@pytest.fixture
def ledger_dir(tmp_path):
    return tmp_path
