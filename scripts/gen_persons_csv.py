#!/usr/bin/env python3
"""Distinct persons for the person-set memory measurement (issue 4: bytes per key at 5 M persons).

Writes N rows, one person each, with four keys: a valid resident ID, a mobile number, an e-mail
and a Luhn-valid card number, all distinct. Usage: gen_persons_csv.py N OUT.csv
"""
import sys
from checkdigits import luhn_check_digit, ric_check_char

AREAS = ["110101", "310115", "440305", "330106", "510104", "420102", "320102", "370102"]


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    with open(out, "w", encoding="utf-8") as f:
        f.write("id_number,mobile,email,bank_card\n")
        for i in range(n):
            # Distinct IDs: area × birth date × sequence cover 8 × 18,250 (336 a year) × 1,000 values.
            area = AREAS[i % 8]
            j = i // 8
            day, seq = j % 18250, j // 18250
            y, rem = 1950 + day // 336, day % 336
            m, d = 1 + rem // 28, 1 + rem % 28
            body = f"{area}{y:04d}{m:02d}{d:02d}{seq:03d}"
            f.write(f"{body}{ric_check_char(body)},1{3 + i % 7}{i:09d},u{i}@example.cn,622848{i:012d}{luhn_check_digit(f'622848{i:012d}')}\n")


if __name__ == "__main__":
    main()
