"""Personal data shown to people: masked, minimised."""

import re

_DIGITS = re.compile(r"\d")


def mask_phone(phone: str | None) -> str | None:
    """`13812341234` -> `138****1234`; landlines keep their area code and last four digits."""
    if not phone:
        return None
    digits = "".join(_DIGITS.findall(phone))
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]  # +86 138...: the country code is not part of the number
    if len(digits) <= 4:
        return "*" * len(digits)
    keep_head = 3 if len(digits) >= 11 else max(0, len(digits) - 8)
    return digits[:keep_head] + "*" * (len(digits) - keep_head - 4) + digits[-4:]
