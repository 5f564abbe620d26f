"""The desk's phone number: printed only when it is a real one.

A made-up number (03-0000-0000, the old default) would send businesses to nobody, so
DESK_PHONE has no default and a number that cannot be a Japanese phone number counts as
not configured: e-mails then leave the phone out and print batches refuse to build.
"""

import re
import unicodedata

from django.conf import settings

# Placeholders seen in sample settings: never printed.
PLACEHOLDERS = frozenset({"0000000000", "0300000000", "0120000000", "00000000000"})


def is_real_phone(value: str) -> bool:
    """Whether `value` can be a Japanese phone number (10 or 11 digits, a real area code and exchange).

    In Japan the first digit is the trunk prefix 0, the next is never 0 (00 dials abroad),
    and an exchange (市内局番, the middle group of 03-1234-5678) never starts with 0.
    """
    text = unicodedata.normalize("NFKC", value or "").strip()
    if not re.fullmatch(r"0\d{1,4}[-‐−ー ]?\d{1,4}[-‐−ー ]?\d{3,4}", text):
        return False
    digits = re.sub(r"\D", "", text)
    if len(digits) not in (10, 11) or digits[1] == "0" or digits in PLACEHOLDERS:
        return False
    groups = re.split(r"[-‐−ー ]", text)
    if len(groups) == 3 and groups[1].startswith("0"):
        return False
    return set(digits[2:]) != {"0"}


def desk_phone() -> str:
    """The desk's phone number as configured, or '' when DESK_PHONE is unset or not a real number."""
    value = settings.DESK_PHONE.strip()
    return value if is_real_phone(value) else ""
