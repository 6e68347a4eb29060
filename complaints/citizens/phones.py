"""Following one's reports by phone: a reporter who lost their follow codes (a new phone, a
cleared browser) proves the number they left with an SMS code and reads all their reports
from the page. No web imports.

The code is six digits, sent through the SMS template `citizen_code`, good for 10 minutes and
five tries; a new one replaces the old. Sending is limited per number and per address, and
asks the page's challenge, so the page cannot be used to flood someone's phone. Neither the
number nor the code is stored: the number's keyed digest (as complaint callers') and the
code's digest; the text's outbox row carries the number sealed. A proven phone gets a token
(`cps_…`) good for 7 days, whose digest is kept.
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.core.db import utcnow
from backend.core.errors import InvalidInput, Unauthenticated
from backend.core.security import phone_digest, seal
from backend.core.settings import Settings
from backend.notify import texts
from complaints.citizens import codes, service
from complaints.citizens.schemas import ChallengeIn, MyReport
from complaints.enums import Channel, ComplaintState
from complaints.models import (
    CitizenPhoneCode,
    CitizenPhoneSession,
    CitizenReport,
    Complaint,
    ComplaintCaller,
)
from complaints.open311.service import SERVICE_NAMES

CODE_TEMPLATE = "citizen_code"  # a key of FIREGRID_SMS_TEMPLATE_CODES
CODE_MINUTES = 10
CODE_TRIES = 5
SESSION_DAYS = 7
TOKEN_PREFIX = "cps_"  # noqa: S105 - a prefix that says what the token is for, not a secret
MOBILE = re.compile(r"^1[3-9]\d{9}$")


class CodeRefused(InvalidInput):
    slug, title = "phone-code-refused", "The code is wrong or has expired"


def _mobile(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not MOBILE.match(digits):
        raise InvalidInput(
            "give the mainland mobile number the report was made with", field="phone"
        )
    return digits


def send_code(
    session: Session, settings: Settings, phone: str, answer: ChallengeIn, client_address: str
) -> datetime:
    """Text a new code to the number; when it expires."""
    number = _mobile(phone)
    secret = settings.resolved_secret_key
    digest = phone_digest(secret, number)
    service.count_attempt(
        "citizen-code-address",
        settings.citizen_limit_per_address,
        settings,
        client_address,
        "from this address",
        "client",
        codes_asked=True,
    )
    service.count_attempt(
        "citizen-code-phone",
        settings.citizen_limit_per_phone,
        settings,
        digest,
        "for this phone number",
        "phone",
        codes_asked=True,
    )
    service.check_challenge(answer, settings)
    code = f"{secrets.randbelow(1_000_000):06d}"
    expires = utcnow() + timedelta(minutes=CODE_MINUTES)
    session.execute(delete(CitizenPhoneCode).where(CitizenPhoneCode.phone_digest == digest))
    session.add(
        CitizenPhoneCode(
            phone_digest=digest, code_digest=codes.digest(f"{digest}:{code}"), expires_at=expires
        )
    )
    texts.queue_text_to_sealed_phone(
        session,
        service.page_client(session, settings).user_id,
        seal(secret, number),
        CODE_TEMPLATE,
        {"code": code},
        "随手拍 查询验证码",  # the code itself is not in the row's summary
    )
    session.flush()
    return expires


def prove(session: Session, settings: Settings, phone: str, code: str) -> tuple[str, datetime]:
    """A token for the number, if the code is the one sent and still good."""
    digest = phone_digest(settings.resolved_secret_key, _mobile(phone))
    sent = session.get(CitizenPhoneCode, digest)
    if sent is None or sent.expires_at <= utcnow() or sent.attempts >= CODE_TRIES:
        raise CodeRefused("ask for a new code: none is waiting for this number", field="code")
    if not hmac.compare_digest(sent.code_digest, codes.digest(f"{digest}:{code.strip()}")):
        sent.attempts += 1
        session.flush()
        raise CodeRefused(
            f"the code is wrong; {CODE_TRIES - sent.attempts} tries are left", field="code"
        )
    session.delete(sent)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(days=SESSION_DAYS)
    session.add(
        CitizenPhoneSession(
            token_digest=codes.digest(token), phone_digest=digest, expires_at=expires
        )
    )
    session.flush()
    return token, expires


def reports_of(session: Session, settings: Settings, token: str | None) -> list[MyReport]:
    """The reports made from the page with the proven number, newest first."""
    proven = (
        session.get(CitizenPhoneSession, codes.digest(token))
        if token and token.startswith(TOKEN_PREFIX)
        else None
    )
    if proven is None or proven.expires_at <= utcnow():
        raise Unauthenticated("prove your phone number with a code first (it lasts 7 days)")
    names = {c.value: zh for c, (zh, _) in SERVICE_NAMES.items()}
    found = session.execute(
        select(Complaint)
        .join(ComplaintCaller, ComplaintCaller.complaint_id == Complaint.id)
        .join(CitizenReport, CitizenReport.complaint_id == Complaint.id)
        .where(
            ComplaintCaller.phone_digest == proven.phone_digest,
            Complaint.channel == Channel.WEB.value,
        )
        .order_by(Complaint.received_at.desc())
        .limit(100)
    ).scalars()
    secret = settings.resolved_secret_key
    return [
        MyReport(
            follow_code=codes.follow_code(secret, c.id),
            category_name=names.get(c.category or ""),
            state=c.state,
            state_name=service.STATE_NAMES[ComplaintState(c.state)],
            received_at=c.received_at,
        )
        for c in found
    ]
