"""A responsible person's phone, proven by an SMS code. No web imports.

The shape of complaints/citizens/phones.py (grids is below complaints, so nothing is shared
but the kernel's helpers): the code is six digits, texted through the SMS template
`responsible_code` (variable `code`), good for 10 minutes and five tries; a new one replaces
the old. Neither the number nor the code is stored in the clear: the number sealed
(backend.core.security.seal) with its keyed digest, the code as a keyed digest bound to the
person; the text's outbox row carries the number sealed. On site, the person reads the code
off their phone to the grid worker, who submits it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta

from backend.core.db import utcnow
from backend.core.errors import InvalidInput, TooManyRequests
from backend.core.privacy import mask_phone
from backend.core.security import phone_digest, seal, unseal
from backend.core.settings import Settings
from backend.identity.service import normalise_mobile
from backend.notify import texts
from grids.units.enums import ROLE_NAMES, PersonRole
from grids.units.models import UnitPerson

CODE_TEMPLATE = "responsible_code"  # a key of FIREGRID_SMS_TEMPLATE_CODES
CODE_MINUTES = 10
CODE_TRIES = 5
RESEND_SECONDS = 60  # a new code for the same person no sooner than this


class PersonCodeRefused(InvalidInput):
    slug, title = "phone-code-refused", "The code is wrong or has expired"


def mobile(phone: str) -> str:
    """The mainland mobile number as its 11 digits (texts reach nothing else)."""
    number = normalise_mobile(phone)
    if number is None:
        raise InvalidInput("phone must be a mainland mobile number (11 digits)", field="phone")
    return number


def sealed_number(settings: Settings, number: str) -> tuple[str, str]:
    """(sealed, keyed digest) of a number as normalised by `mobile`."""
    secret = settings.resolved_secret_key
    return seal(secret, number), phone_digest(secret, number)


def masked(settings: Settings, person: UnitPerson) -> str | None:
    return mask_phone(unseal(settings.resolved_secret_key, person.phone_sealed))


def _code_digest(settings: Settings, person_id: uuid.UUID, code: str) -> str:
    message = f"unit-person-code:{person_id}:{code}".encode()
    return hmac.new(settings.resolved_secret_key.encode(), message, hashlib.sha256).hexdigest()


def send_code(
    session, settings: Settings, person: UnitPerson, sender_id: uuid.UUID, *, fresh: bool
) -> datetime:
    """Text a new code to the person's phone (in the caller's transaction); when it expires.
    `fresh`: the person was just added or their phone changed, so no earlier code counts."""
    now = utcnow()
    if (
        not fresh
        and person.code_expires_at is not None
        and person.code_expires_at - timedelta(minutes=CODE_MINUTES)
        > now - timedelta(seconds=RESEND_SECONDS)
    ):
        raise TooManyRequests(
            "a code was sent less than a minute ago; wait before asking for another",
            retry_after_seconds=RESEND_SECONDS,
        )
    code = f"{secrets.randbelow(1_000_000):06d}"
    person.code_digest = _code_digest(settings, person.id, code)
    person.code_expires_at = now + timedelta(minutes=CODE_MINUTES)
    person.code_attempts = 0
    texts.queue_text_to_sealed_phone(
        session,
        sender_id,
        person.phone_sealed,
        CODE_TEMPLATE,
        {"code": code},
        f"{ROLE_NAMES[PersonRole(person.role)]} 手机验证码",  # the code itself is not in the summary
    )
    return person.code_expires_at


def check_code(settings: Settings, person: UnitPerson, code: str) -> None:
    """Accept the code texted to the person (and spend it), or count a wrong try and refuse.
    The caller commits a refusal's count (a rolled-back try would not count)."""
    if (
        person.code_digest is None
        or person.code_expires_at is None
        or person.code_expires_at <= utcnow()
        or person.code_attempts >= CODE_TRIES
    ):
        raise PersonCodeRefused("ask for a new code: none is waiting for this person", field="code")
    if not hmac.compare_digest(person.code_digest, _code_digest(settings, person.id, code.strip())):
        person.code_attempts += 1
        raise PersonCodeRefused(
            f"the code is wrong; {CODE_TRIES - person.code_attempts} tries are left", field="code"
        )
    person.code_digest = None
    person.code_expires_at = None
    person.code_attempts = 0
    person.phone_verified_at = utcnow()
