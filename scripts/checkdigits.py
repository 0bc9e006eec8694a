"""Check characters shared by the Python test helpers (generators and oracles).

GB 11643-1999 resident IDs (ISO 7064 MOD 11-2) and Luhn (ISO/IEC 7812-1 Annex B). The product's
own validators are in src/detect/validators/; these are the helpers' independent copies.
"""

RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RIC_CHECK = "10X98765432"


def ric_check_char(body17: str) -> str:
    """The 18th character of a resident ID whose first 17 digits are `body17`."""
    return RIC_CHECK[sum(int(c) * w for c, w in zip(body17, RIC_WEIGHTS)) % 11]


def luhn_check_digit(payload: str) -> str:
    """The Luhn digit to append to `payload`."""
    total = 0
    for i, c in enumerate(reversed(payload)):
        d = int(c)
        if i % 2 == 0:  # doubled: these become the odd positions once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_valid(s: str) -> bool:
    return s.isdigit() and len(s) >= 2 and luhn_check_digit(s[:-1]) == s[-1]
