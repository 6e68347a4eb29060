"""Unified social credit codes (统一社会信用代码, GB 32100-2015): the 18-character identity of every
company, public body and individual business (个体工商户) whose premises a grid worker inspects.

A code reads: registration authority (position 1), entity type (2), the registering office's
administrative division (3-8, digits), the organisation code (9-17) and a check character (18).

Only the check character at position 18 is enforced. It already catches every single mistyped
character and every swap of two neighbours among positions 1-17, so also enforcing position 17,
the organisation code's own GB 11714 check digit, would catch almost nothing more; yet a code the
register really holds but that breaks that older rule would stop a worker from recording the
premises at all.
"""

from __future__ import annotations

import string
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
NEVER_USED = "IOZSV"  # they pass for 1, 0, 2, 5 and U
LENGTH = 18
_DIVISION = range(2, 8)  # positions 3-8, zero-based
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3**i mod 31


def normalise_uscc(text: str) -> str:
    """The code as stored: half-width, upper-case, without spaces, since workers copy codes off
    licence photos and Chinese input methods type full-width characters."""
    half_width = unicodedata.normalize("NFKC", text)
    return "".join(half_width.split()).upper()


def uscc_problem(code: str) -> str | None:
    """Why `code` is not a valid unified social credit code, in words a grid worker can act on,
    or None when it is valid. Expects a normalised code (see `normalise_uscc`)."""
    if len(code) != LENGTH:
        return f"a unified social credit code has {LENGTH} characters, this one has {len(code)}"
    for index, character in enumerate(code):
        position = index + 1
        if index in _DIVISION and character not in string.digits:
            return (
                f"position {position} belongs to the administrative division code and must be "
                f"a digit, not {character!r}"
            )
        if character not in ALPHABET:
            hint = f" (codes never use {', '.join(NEVER_USED)})" if character in NEVER_USED else ""
            return f"character {character!r} is not allowed at position {position}{hint}"
    expected = check_character(code[:-1])
    if code[-1] != expected:
        return f"wrong check character: expected {expected}, found {code[-1]}"
    return None


def check_character(body: str) -> str:
    """GB 32100's check character over the first 17 characters."""
    total = sum(ALPHABET.index(c) * weight for c, weight in zip(body, _WEIGHTS, strict=True))
    return ALPHABET[-total % len(ALPHABET)]  # 31 - (total mod 31), where 31 wraps round to 0


def checked_uscc(value: object) -> str | None:
    """A form's code, for a pydantic validator: empty is None, anything else normalised and
    valid, or a ValueError saying why not."""
    if value in (None, ""):
        return None
    code = normalise_uscc(str(value))
    problem = uscc_problem(code)
    if problem:
        raise ValueError(f"not a valid unified social credit code: {problem}")
    return code
