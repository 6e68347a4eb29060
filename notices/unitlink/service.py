"""Serving a notice by SMS link, and what the unit sees and does through the link. No web
imports (docs/unit-page.md, decision 0051).

Texted (`send_link`): the notice's premises names its unit; the unit's 消防安全责任人 is texted
if their phone is verified, else its 管理人 (grids.units.service.verified_phone_of); neither:
refused, saying so. The link carries a fresh token (`ulk_` and 43 random characters) that is
kept only as its keyed digest and is good for FIREGRID_UNIT_LINK_DAYS; a new link for the same
notice ends the earlier ones. The notice is then sent, not yet served.

Served (`confirm`): when the person opens the link and confirms receipt, the notice is served
then, by sms_link (notices.service.mark_served: the hazard's deadline runs from that moment).

Through the link (`resolve` checks the token; a wrong or expired one is 401) the unit reads its
open hazards and its notices (never who reported a hazard or who works on it), and for its own
hazards sends after-photos, a report that submits the rectification, and requests for more
time. It acts as its county's unit client (notices.unitlink.client); another unit's hazard, or
one not yet told to the unit, answers 404 as a made-up one does.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backend.core.db import utcnow
from backend.core.errors import Conflict, InvalidInput, NotFound, TooManyRequests, Unauthenticated
from backend.core.rate_limits import Limit
from backend.core.settings import Settings
from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from backend.notify import texts
from grids.premises.models import Premises
from grids.units import service as units
from grids.units.enums import ROLE_NAMES, PersonRole
from grids.units.models import Unit
from hazards import acting, extensions, photos
from hazards.enums import HazardAction, HazardState
from hazards.models import Hazard, HazardExtensionRequest, HazardPhoto
from hazards.schemas import ActionIn
from notices import service as notices
from notices import templates
from notices.enums import TRANSITIONS, NoticeKind, NoticeState, NoticeStep, ServiceMethod
from notices.models import Notice
from notices.unitlink.client import unit_client
from notices.unitlink.models import UnitLink
from notices.unitlink.schemas import UnitHazardOut, UnitNoticeOut, UnitView

TOKEN_PREFIX = "ulk_"  # noqa: S105 - the prefix of every link key, not a secret
TEMPLATE = "notice_link"  # a key of FIREGRID_SMS_TEMPLATE_CODES: params unit, number, link
PAGE_PATH = "/unit/#"  # the token in the fragment: never sent to a server, never in a log

# States in which a hazard has been told to the unit (ordered, submitted, failed, major ...),
# with their plain words; a hazard only reported or confirmed is not shown yet.
STATE_NAMES = {
    HazardState.RECTIFICATION_ORDERED: "待整改",
    HazardState.RECTIFICATION_SUBMITTED: "已提交整改，待复查",
    HazardState.RECTIFICATION_FAILED: "复查不合格，待整改",
    HazardState.DETERMINED_MAJOR: "重大火灾隐患",
    HazardState.REPORTED_TO_GOVERNMENT: "重大火灾隐患，已报告政府",
    HazardState.LISTED: "挂牌督办",
    HazardState.RECTIFYING: "挂牌督办，整改中",
    HazardState.REINSPECTED: "挂牌督办，已复查",
}
WAITING_ON_UNIT = frozenset({HazardState.RECTIFICATION_ORDERED, HazardState.RECTIFICATION_FAILED})
SHOWN_NOTICE_STATES = (NoticeState.SENT.value, NoticeState.SERVED.value)


class NoticeHasNoUnit(InvalidInput):
    slug, title = "notice-has-no-unit", "The notice's premises belongs to no registered unit"


class NoVerifiedPhone(InvalidInput):
    slug, title = "unit-phone-not-verified", "No person of the unit has a verified phone"


class NoPublicAddress(InvalidInput):
    slug, title = "public-base-url-unset", "No public address is set for the unit's link"


class LinkRefused(Unauthenticated):
    slug, title = "unit-link-refused", "The link is wrong or has expired"


class NotWaitingOnUnit(Conflict):
    slug, title = "hazard-not-waiting-on-unit", "The hazard is not waiting for the unit's fix"


# --- Texting the link ------------------------------------------------------------------------


def digest(settings: Settings, token: str) -> str:
    message = f"unit-link:{token}".encode()
    return hmac.new(settings.resolved_secret_key.encode(), message, hashlib.sha256).hexdigest()


def send_link(
    session: Session, settings: Settings, principal: Principal, notice_id: uuid.UUID
) -> Notice:
    """Text the unit's person a link to the notice; it is sent, served once they confirm."""
    demand(principal.role, Permission.SERVE_NOTICES, "serve notices")
    notice = notices.get_visible(session, principal, notice_id)
    target = TRANSITIONS.get((NoticeState(notice.state), NoticeStep.SEND_LINK))
    if target is None:
        raise notices.NoticeAlreadyServed(
            f"notice {notice.number} was served at {notice.served_at}"
        )
    premises = session.get(Premises, notice.premises_id) if notice.premises_id else None
    unit = session.get(Unit, premises.unit_id) if premises and premises.unit_id else None
    if unit is None:
        raise NoticeHasNoUnit(
            "the notice's premises belongs to no registered unit: register the unit and its "
            "消防安全责任人 first, or serve the notice on paper or on site",
            field="method",
        )
    role, sealed = PersonRole.RESPONSIBLE, None
    for role in (PersonRole.RESPONSIBLE, PersonRole.MANAGER):
        sealed = units.verified_phone_of(session, unit.id, role)
        if sealed:
            break
    if not sealed:
        raise NoVerifiedPhone(
            f"neither the 消防安全责任人 nor the 消防安全管理人 of {unit.name} has a verified "
            "phone: verify one, or serve the notice on paper or on site",
            field="method",
        )
    if not settings.public_base_url:
        raise NoPublicAddress(
            "FIREGRID_PUBLIC_BASE_URL is not set: there is no address to text", field="method"
        )
    now = utcnow()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.execute(  # a newer link ends the earlier ones of this notice
        update(UnitLink)
        .where(UnitLink.notice_id == notice.id, UnitLink.expires_at > now)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    link = UnitLink(
        token_digest=digest(settings, token),
        unit_id=unit.id,
        notice_id=notice.id,
        person_role=role.value,
        created_by=principal.user_id,
        expires_at=now + timedelta(days=settings.unit_link_days),
    )
    session.add(link)
    changed = session.execute(
        update(Notice)
        .where(Notice.id == notice.id, Notice.state == notice.state)
        .values(state=target.value)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise notices.NoticeAlreadyServed(f"notice {notice.number} was served meanwhile")
    session.flush()
    session.refresh(notice)
    texts.queue_text_to_sealed_phone(
        session,
        principal.user_id,
        sealed,
        TEMPLATE,
        {
            "unit": unit.name,
            "number": notice.number,
            "link": settings.public_base_url.rstrip("/") + PAGE_PATH + token,
        },
        f"{NoticeKind(notice.kind).label}{notice.number} 送达短信",  # no link in the summary
    )
    texted = {
        "notice_id": str(notice.id),
        "number": notice.number,
        "sha256": notice.pdf_sha256,
        "link_id": str(link.id),
        "to": ROLE_NAMES[role],
        "expires_at": link.expires_at.isoformat(),
    }
    notices.record_step(
        session, principal.actor, notice, ("notice.link_texted", "hazard.notice_texted"), texted
    )
    return notice


# --- The link's key --------------------------------------------------------------------------


def resolve(session: Session, settings: Settings, token: str | None, address: str) -> UnitLink:
    """The link whose token this is, still good; each request counts against the limits per
    address (guessing) and per link (401 for any wrong or expired token, alike)."""
    storage = settings.rate_limit_storage
    wait = Limit("unit-link-address", settings.unit_link_limit_per_address, storage).hit(address)
    if wait is not None:
        raise TooManyRequests(f"too many requests; try again in {wait} s", wait)
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        raise LinkRefused("send the link's key: Authorization: Bearer ulk_…")
    key = digest(settings, token)
    link = session.scalar(select(UnitLink).where(UnitLink.token_digest == key))
    if link is None or link.expires_at <= utcnow():
        raise LinkRefused("the link is wrong or has expired: ask the fire station for a new one")
    wait = Limit("unit-link-token", settings.unit_link_limit_per_token, storage).hit(key)
    if wait is not None:
        raise TooManyRequests(f"too many requests; try again in {wait} s", wait)
    return link


# --- What the unit sees ----------------------------------------------------------------------


def view(session: Session, settings: Settings, link: UnitLink) -> UnitView:
    """The unit's page. The first view records the link opened."""
    if link.opened_at is None:
        _opened(session, link)
    unit = session.get(Unit, link.unit_id)
    notice = session.get(Notice, link.notice_id)
    assert unit is not None and notice is not None  # both cascade to the link
    hazards = list(
        session.scalars(
            select(Hazard)
            .join(Premises, Premises.id == Hazard.premises_id)
            .where(
                Premises.unit_id == unit.id,
                Hazard.is_open.is_(True),
                Hazard.state.in_([s.value for s in STATE_NAMES]),
            )
            .order_by(Hazard.rectification_deadline.asc().nulls_last(), Hazard.reported_at)
        )
    )
    return UnitView(
        unit_name=unit.name,
        notice=_notice_out(notice),
        receipt_confirmed=link.confirmed_at is not None,
        link_expires_at=link.expires_at,
        hazards=_hazards_out(session, hazards),
        notices=[_notice_out(n) for n in _notices_of(session, unit.id)],
        photo_max_bytes=settings.photo_max_bytes,
    )


def _opened(session: Session, link: UnitLink) -> None:
    link.opened_at = utcnow()
    notice = session.get(Notice, link.notice_id)
    assert notice is not None
    client = unit_client(session, notice.area_path)
    opened = {
        "notice_id": str(notice.id),
        "number": notice.number,
        "sha256": notice.pdf_sha256,
        "link_id": str(link.id),
        "opened_at": link.opened_at.isoformat(),
    }
    notices.record_step(
        session, client.actor, notice, ("notice.link_opened", "hazard.notice_link_opened"), opened
    )
    session.flush()


def _notices_of(session: Session, unit_id: uuid.UUID) -> list[Notice]:
    return list(
        session.scalars(
            select(Notice)
            .join(Premises, Premises.id == Notice.premises_id)
            .where(Premises.unit_id == unit_id, Notice.state.in_(SHOWN_NOTICE_STATES))
            .order_by(Notice.issued_at.desc(), Notice.seq.desc())
        )
    )


def _notice_out(notice: Notice) -> UnitNoticeOut:
    return UnitNoticeOut(
        id=notice.id,
        kind=NoticeKind(notice.kind),
        title=NoticeKind(notice.kind).label,
        number=notice.number,
        state=NoticeState(notice.state),
        hazard_id=notice.hazard_id,
        issued_at=notice.issued_at,
        served_at=notice.served_at,
        service_method=ServiceMethod(notice.service_method) if notice.service_method else None,
        pdf_sha256=notice.pdf_sha256,
        pdf_url=f"/api/v1/unit-link/notices/{notice.id}/pdf",
    )


def _hazards_out(session: Session, hazards: list[Hazard]) -> list[UnitHazardOut]:
    ids = [h.id for h in hazards]
    names = dict(
        session.execute(
            select(Premises.id, Premises.name).where(
                Premises.id.in_({h.premises_id for h in hazards})
            )
        ).all()
    )
    after = dict(
        session.execute(
            select(HazardPhoto.hazard_id, func.count())
            .where(HazardPhoto.hazard_id.in_(ids), HazardPhoto.kind == photos.PhotoKind.AFTER)
            .group_by(HazardPhoto.hazard_id)
        ).all()
    )
    latest: dict[uuid.UUID, str] = {}
    for hazard_id, state in session.execute(
        select(HazardExtensionRequest.hazard_id, HazardExtensionRequest.state)
        .where(HazardExtensionRequest.hazard_id.in_(ids))
        .order_by(HazardExtensionRequest.requested_at)
    ).all():
        latest[hazard_id] = state
    return [
        UnitHazardOut(
            id=h.id,
            premises_name=names.get(h.premises_id, ""),
            category=h.category,
            category_name=templates.CATEGORIES.get(h.category, h.category),
            description=h.description,
            state=HazardState(h.state),
            state_name=STATE_NAMES[HazardState(h.state)],
            rectification_deadline=h.rectification_deadline,
            after_photos=after.get(h.id, 0),
            may_submit=HazardState(h.state) in WAITING_ON_UNIT and after.get(h.id, 0) > 0,
            extension=latest.get(h.id),
        )
        for h in hazards
    ]


def notice_pdf(
    session: Session, settings: Settings, link: UnitLink, notice_id: uuid.UUID
) -> tuple[Notice, bytes]:
    """One of the unit's notices (texted or served), as issued."""
    notice = next((n for n in _notices_of(session, link.unit_id) if n.id == notice_id), None)
    if notice is None:
        raise NotFound(f"no notice {notice_id} of your unit")
    return notice, notices.stored_pdf(settings, notice)


# --- What the unit does ----------------------------------------------------------------------


def confirm(session: Session, settings: Settings, link: UnitLink) -> UnitView:
    """The person confirms receipt: the link's notice is served now, by sms_link (again: as
    it was)."""
    if link.confirmed_at is None:
        if link.opened_at is None:
            _opened(session, link)
        notice = session.get(Notice, link.notice_id)
        assert notice is not None
        client = unit_client(session, notice.area_path)
        notices.mark_served(
            session,
            settings,
            client.actor,
            notice,
            NoticeStep.CONFIRM_RECEIPT,
            ServiceMethod.SMS_LINK,
        )
        link.confirmed_at = notice.served_at
        session.flush()
    return view(session, settings, link)


def _unit_hazard(session: Session, link: UnitLink, hazard_id: uuid.UUID) -> Hazard:
    """One of the unit's hazards waiting for its fix; any other answers as a made-up id."""
    hazard = session.scalar(
        select(Hazard)
        .join(Premises, Premises.id == Hazard.premises_id)
        .where(
            Hazard.id == hazard_id,
            Premises.unit_id == link.unit_id,
            Hazard.is_open.is_(True),
            Hazard.state.in_([s.value for s in STATE_NAMES]),
        )
    )
    if hazard is None:
        raise NotFound(f"no hazard {hazard_id} of your unit")
    if HazardState(hazard.state) not in WAITING_ON_UNIT:
        raise NotWaitingOnUnit(f"the hazard is {STATE_NAMES[HazardState(hazard.state)]}")
    return hazard


def add_photo(
    session: Session, settings: Settings, link: UnitLink, hazard_id: uuid.UUID, data: bytes
) -> tuple[HazardPhoto, int]:
    """An after-photo, checked and kept as any hazard photo is; (it, the after-photos now)."""
    hazard = _unit_hazard(session, link, hazard_id)
    client = unit_client(session, hazard.area_path)
    record = photos.attach(session, client, hazard.id, data, photos.PhotoKind.AFTER, settings)
    count = session.scalar(
        select(func.count()).where(
            HazardPhoto.hazard_id == hazard.id, HazardPhoto.kind == photos.PhotoKind.AFTER
        )
    )
    return record, int(count or 0)


def submit_report(
    session: Session, settings: Settings, link: UnitLink, hazard_id: uuid.UUID, text: str
) -> Hazard:
    """The unit's 整改报告: submits the rectification (an after-photo must be there), for the
    worker to verify on site."""
    hazard = _unit_hazard(session, link, hazard_id)
    client = unit_client(session, hazard.area_path)
    body = ActionIn(action=HazardAction.SUBMIT_RECTIFICATION, note=text)
    return acting.act(session, client, hazard.id, body, settings, for_unit=True).hazard


def ask_extension(
    session: Session, link: UnitLink, hazard_id: uuid.UUID, reason: str, days: int
) -> HazardExtensionRequest:
    hazard = _unit_hazard(session, link, hazard_id)
    client = unit_client(session, hazard.area_path)
    return extensions.ask(session, client, hazard, reason, days)
