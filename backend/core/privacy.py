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


# Personal numbers people type into free text (a complaint, a reply, a unit's name): masked
# whenever the text is published, kept as typed where it is stored. Longest first, so that an
# ID card number is not read as a phone number inside it. Licence plates are not personal data
# here (a unit's vehicle blocking a fire lane is the report) and stay.
_ID_CARD_18 = r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
_BANK_CARD = r"\d{4}(?:[ -]?\d{4}){3}(?:[ -]?\d{1,3})?"  # 16 to 19 digits, grouped or not
_ID_CARD_15 = r"[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}"
_MOBILE = r"(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}"
_LANDLINE = r"(?:\(0\d{2,3}\)|0\d{2,3})[ -]?[2-9]\d{6,7}(?:-\d{1,5})?"
_PERSONAL_NUMBER = re.compile(
    rf"(?<![\dA-Za-z])(?:(?P<id18>{_ID_CARD_18})|(?P<bank>{_BANK_CARD})|(?P<id15>{_ID_CARD_15})"
    rf"|(?P<phone>{_MOBILE}|{_LANDLINE}))(?![\dA-Za-z])"
)


def mask_id_number(number: str) -> str:
    """An ID card or bank card number: the first three and last four characters, the rest
    hidden (the birth date and the account are what identify a person)."""
    chars = [c for c in number if c.isalnum()]
    return "".join(chars[:3]) + "*" * (len(chars) - 7) + "".join(chars[-4:])


_AREA_CODE = re.compile(r"^\(?(0(?:10|2\d|[3-9]\d\d))\)?[ -]?")


def _mask_match(match: re.Match[str]) -> str:
    if match.group("phone"):
        area = _AREA_CODE.match(match.group(0))
        if area:  # a landline: the area code says only where, the local number is hidden
            local = match.group(0)[area.end() :].split("-")[0]  # an extension is dropped
            return f"{area.group(1)}-{mask_phone(local)}"
        return mask_phone(match.group(0)) or ""
    return mask_id_number(match.group(0))


def mask_free_text(text: str | None) -> str | None:
    """Free text as it may be published: mainland mobile numbers (`138****1234`), landlines with
    their area code, 18- and 15-digit ID card numbers and 16-19 digit bank card numbers masked;
    everything else as typed."""
    if not text:
        return text
    return _PERSONAL_NUMBER.sub(_mask_match, text)
