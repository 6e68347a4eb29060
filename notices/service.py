"""Notices issued, kept, read and served. No web imports.

Issued (`issue`): numbered in its series (the issuing county's kind of notice, per year)
without gaps, drawn as a PDF, kept in the media store by its sha256, recorded with that hash in
the audit log (subject "notice", and on the hazard's timeline). A hazard's steps issue theirs
through the effect `hazards.lifecycle.ISSUE_NOTICE` (`for_hazard_step`, wired in
backend/effects.py), in the step's transaction; an inspection's result through
`for_inspection`.

Served (`serve`): on paper (a photo of the signed receipt) or on site (a signature drawn on the
worker's phone, a PNG); the hazard's deadline then runs from the moment of service, set through
`hazards.acting.run_deadline_from_service`."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.core import audit, fonts, media
from backend.core.audit import Actor
from backend.core.db import utcnow
from backend.core.errors import Conflict, InvalidInput, NotFound, Problem
from backend.core.localtime import LOCAL_TIME
from backend.core.settings import Settings
from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from grids.premises import service as premises_service
from grids.premises.models import Premises
from grids.scope import scope_of
from grids.units import service as units
from grids.units.models import Unit
from hazards import acting
from hazards.enums import HazardAction
from hazards.models import Hazard
from hazards.reading import get_visible as get_visible_hazard
from notices import render, templates
from notices.enums import TRANSITIONS, NoticeKind, NoticeState, NoticeStep, ServiceMethod
from notices.models import Notice, NoticeCounter

PDF_VARIANT = "notice"


class NoticeAlreadyServed(Conflict):
    slug, title = "notice-already-served", "The notice has already been served"


class ServiceMethodNotYet(InvalidInput):
    slug, title = "service-method-not-yet", "This way of serving a notice is not available yet"


class SignatureNotPng(InvalidInput):
    slug, title = "signature-not-png", "A signature drawn on site is a PNG image"


class NoticeFileAltered(Problem):
    status, slug, title = 500, "notice-file-altered", "The notice's file does not match its hash"


# --- Issuing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What a notice is about, as printed."""

    kind: NoticeKind
    area_path: str
    unit_name: str
    unit_address: str
    hazard_id: uuid.UUID | None = None
    assignment_id: uuid.UUID | None = None
    premises_id: uuid.UUID | None = None
    period_days: int | None = None
    period_working: bool = False
    fill: tuple[tuple[str, str], ...] = ()  # further places of the template: (name, text)


def issue(session: Session, settings: Settings, actor: Actor, facts: Facts) -> Notice:
    """Number, draw, keep and record one notice, in the caller's transaction."""
    template = templates.template_for(facts.kind, settings)
    font = fonts.find_font(settings.bulletin_font)  # before a number is taken: say it at once
    now = utcnow()
    local = now.astimezone(LOCAL_TIME)
    series = f"{_county_of(facts.area_path)}/{facts.kind.value}"
    seq = next_number(session, series, local.year)
    number = f"{settings.notice_number_prefix}{template.word}〔{local.year}〕第{seq:04d}号"
    date = f"{local.year}年{local.month}月{local.day}日"
    values = {
        "unit": facts.unit_name,
        "address": facts.unit_address,
        "issuer": settings.notice_issuer,
        "date": date,
        "number": number,
        "legal_basis": template.legal_basis,
        "period": _period_text(facts.period_days, facts.period_working),
        **dict(facts.fill),
    }
    paragraphs = tuple(templates.fill(p, values) for p in template.paragraphs)
    seal = settings.notice_seal_image
    pdf = render.render(
        render.Document(
            issuer=settings.notice_issuer,
            title=template.title,
            number=number,
            paragraphs=paragraphs,
            date=date,
            seal=seal if seal and seal.is_file() else None,
        ),
        font,
    )
    sha = hashlib.sha256(pdf).hexdigest()
    notice = Notice(
        kind=facts.kind.value,
        series=series,
        year=local.year,
        seq=seq,
        number=number,
        state=NoticeState.ISSUED.value,
        hazard_id=facts.hazard_id,
        assignment_id=facts.assignment_id,
        premises_id=facts.premises_id,
        area_path=facts.area_path,
        issuer=settings.notice_issuer,
        unit_name=facts.unit_name[:200],
        unit_address=facts.unit_address[:300],
        period_days=facts.period_days,
        period_working=facts.period_working,
        pdf_sha256=sha,
        pdf_size=len(pdf),
        issued_at=now,
        issued_by=actor.id,
    )
    session.add(notice)
    session.flush()
    recorded = {"notice_id": str(notice.id), "kind": notice.kind, "number": number, "sha256": sha}
    record_step(
        session,
        actor,
        notice,
        ("notice.generated", "hazard.notice_generated"),
        recorded,
        on_notice={**recorded, "size": len(pdf), "hazard_id": _str(facts.hazard_id)},
    )
    # Content-addressed: a retry after a rolled-back transaction finds the file and keeps it.
    store = media.store_for(settings)
    key = media.photo_key(sha, PDF_VARIANT, "pdf")
    if not store.exists(key):
        store.put(key, pdf)
    return notice


def next_number(session: Session, series: str, year: int) -> int:
    """The next number of the series in the year, in the caller's transaction. The UPDATE
    holds the counter's row until the transaction ends (PostgreSQL's row lock; SQLite has one
    writer), so concurrent issues queue and each gets the next number; a rolled-back issue
    rolls its number back with it: no gaps. The first of a year inserts the row (a concurrent
    first insert loses on the primary key and increments the winner's row)."""
    for _ in range(2):
        taken = session.scalar(
            update(NoticeCounter)
            .where(NoticeCounter.series == series, NoticeCounter.year == year)
            .values(last=NoticeCounter.last + 1)
            .returning(NoticeCounter.last)
            .execution_options(synchronize_session=False)
        )
        if taken is not None:
            return int(taken)
        try:
            with session.begin_nested():
                session.execute(insert(NoticeCounter).values(series=series, year=year, last=1))
            return 1
        except IntegrityError:
            continue  # another issue created it meanwhile: increment theirs
    raise RuntimeError(f"notice counter {series} {year} neither updated nor created")


def addressee(session: Session, premises: Premises) -> str:
    """Whom a notice is addressed to: the unit 单位 that answers for the premises, as the law
    serves a notice on the unit, with the premises named when it is not the unit's own name
    (a chain's branch, one of a company's workshops); a premises with no unit yet: its own name."""
    unit = session.get(Unit, premises.unit_id) if premises.unit_id else None
    if unit is None or unit.name == premises.name:
        return premises.name
    return f"{unit.name}（{premises.name}）"


def for_hazard_step(
    session: Session,
    settings: Settings,
    hazard: Hazard,
    action: HazardAction,
    actor: Actor,
    period_days: int | None,
    deadline_working_days: int | None,
    note: str | None,
) -> Notice:
    """The notice a hazard step issues: the order to rectify (责令限期改正通知书) or the
    recheck's result (复查意见书: rectified, or not, with a new period)."""
    premises = session.get(Premises, hazard.premises_id) if hazard.premises_id else None
    unit = addressee(session, premises) if premises else "（未登记单位）"
    address = premises.address if premises else f"东经{hazard.lng:.5f}，北纬{hazard.lat:.5f}"
    days, working = (period_days, False) if period_days else (deadline_working_days, True)
    fill = [
        ("category", templates.CATEGORIES.get(hazard.category, hazard.category)),
        ("description", hazard.description),
    ]
    kind = NoticeKind.RECTIFICATION_ORDER
    if action in (HazardAction.VERIFY, HazardAction.FAIL_VERIFICATION):
        kind = NoticeKind.RECHECK_RESULT
        order = session.scalar(
            select(Notice.number)
            .where(
                Notice.hazard_id == hazard.id,
                Notice.kind == NoticeKind.RECTIFICATION_ORDER.value,
            )
            .order_by(Notice.issued_at.desc())
            .limit(1)
        )
        fill.append(("order_number", order or ""))
        if action is HazardAction.VERIFY:
            days, working = None, False
            fill.append(("outcome", "经复查，上述违法行为（火灾隐患）已改正。"))
        else:
            basis = templates.template_for(kind, settings).legal_basis
            outcome = (
                f"经复查，上述违法行为（火灾隐患）未按期改正（{note or '未说明'}）。"
                f"{basis}，责令你单位（场所）{_period_text(days, working)}。"
            )
            fill.append(("outcome", outcome))
    return issue(
        session,
        settings,
        actor,
        Facts(
            kind=kind,
            area_path=hazard.area_path,
            unit_name=unit,
            unit_address=address,
            hazard_id=hazard.id,
            premises_id=hazard.premises_id,
            period_days=days,
            period_working=working,
            fill=tuple(fill),
        ),
    )


def for_inspection(
    session: Session,
    settings: Settings,
    actor: Actor,
    *,
    assignment_id: uuid.UUID,
    premises_id: uuid.UUID,
    outcome: str,
    hazards_found: int,
    note: str = "",
) -> Notice:
    """The result of an inspection of the random draw told to the unit (检查结果告知书). The
    caller (patrols' wiring, in the composition root) passes the assignment's result: notices
    does not reach into patrols.inspections, which is private to patrols."""
    premises = session.get(Premises, premises_id)
    if premises is None:
        raise NotFound(f"no premises {premises_id}")
    text = {
        "passed": "经检查，未发现消防安全违法行为（火灾隐患）。",
        "failed": f"经检查，发现消防安全违法行为（火灾隐患）{hazards_found}处，将另行依法处理。",
    }.get(outcome, "检查尚未完成。")
    if note:
        text += f"（{note}）"
    return issue(
        session,
        settings,
        actor,
        Facts(
            kind=NoticeKind.INSPECTION_RESULT,
            area_path=premises.area_path or "",
            unit_name=addressee(session, premises),
            unit_address=premises.address,
            assignment_id=assignment_id,
            premises_id=premises.id,
            fill=(("outcome", text),),
        ),
    )


def _county_of(area_path: str) -> str:
    """The issuing county: the first code of the area's path ("/450202/450202001/...")."""
    codes = [code for code in area_path.split("/") if code]
    return codes[0] if codes else "-"


def _period_text(days: int | None, working: bool) -> str:
    if not days:
        return "立即改正"
    return f"自送达之日起{days}{'个工作日' if working else '日'}内改正"


def _str(value: uuid.UUID | None) -> str | None:
    return str(value) if value else None


# --- Reading -----------------------------------------------------------------------------------


def get_visible(session: Session, principal: Principal, notice_id: uuid.UUID) -> Notice:
    """A notice in the caller's area (by its hazard's or premises' area path); one elsewhere
    answers as one that does not exist."""
    demand(principal.role, Permission.READ_NOTICES, "read notices")
    notice = session.get(Notice, notice_id)
    if notice is None or not scope_of(session, principal).covers_path(notice.area_path or "\0"):
        raise NotFound(f"no notice {notice_id} in your area")
    return notice


@dataclass(frozen=True)
class NoticeFilter:
    """The console's lists: the notices to serve (`unserved`: issued, or texted and not yet
    confirmed), a unit's notices (`unit_id`: of the premises it runs), one state."""

    unserved: bool = False
    state: NoticeState | None = None
    unit_id: uuid.UUID | None = None
    premises_id: uuid.UUID | None = None


def query_in_scope(session: Session, principal: Principal, where: NoticeFilter) -> Select:
    """Notices of the caller's area; those still to serve oldest first (the longest waiting
    at the top), any other list newest first. A unit or premises named must be one the caller
    sees (404 otherwise, as a made-up id)."""
    demand(principal.role, Permission.READ_NOTICES, "read notices")
    scope = scope_of(session, principal)
    query = select(Notice)
    if not scope.everywhere:
        query = query.where(scope.area_clause_on(Notice.area_path))
    if where.unserved:
        query = query.where(Notice.state.in_([NoticeState.ISSUED.value, NoticeState.SENT.value]))
    if where.state is not None:
        query = query.where(Notice.state == where.state.value)
    if where.unit_id is not None:
        unit = units.get_visible(session, principal, where.unit_id)
        query = query.where(
            Notice.premises_id.in_(select(Premises.id).where(Premises.unit_id == unit.id))
        )
    if where.premises_id is not None:
        premises = session.get(Premises, where.premises_id)
        if premises is None or not scope.covers_path(premises.area_path or "\0"):
            raise NotFound(f"no premises {where.premises_id} in your area")
        query = query.where(Notice.premises_id == premises.id)
    if where.unserved:
        return query.order_by(Notice.issued_at, Notice.seq, Notice.id)
    return query.order_by(Notice.issued_at.desc(), Notice.seq.desc(), Notice.id)


def count(session: Session, query: Select) -> int:
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def of_hazard(session: Session, principal: Principal, hazard_id: uuid.UUID) -> list[Notice]:
    demand(principal.role, Permission.READ_NOTICES, "read notices")
    hazard = get_visible_hazard(session, principal, hazard_id)
    if not scope_of(session, principal).covers_path(hazard.area_path or "\0"):
        raise NotFound(f"no hazard with id {hazard_id}")
    return list(
        session.scalars(
            select(Notice)
            .where(Notice.hazard_id == hazard.id)
            .order_by(Notice.issued_at, Notice.seq)
        )
    )


def of_premises(session: Session, principal: Principal, premises_id: uuid.UUID) -> list[Notice]:
    """The notices issued to a premises (its hazards' and its inspections'), oldest first."""
    demand(principal.role, Permission.READ_NOTICES, "read notices")
    premises = premises_service.in_scope(session, principal, premises_id)
    return list(
        session.scalars(
            select(Notice)
            .where(Notice.premises_id == premises.id)
            .order_by(Notice.issued_at, Notice.seq)
        )
    )


def pdf_of(
    session: Session, settings: Settings, principal: Principal, notice_id: uuid.UUID
) -> tuple[Notice, bytes]:
    """The PDF's bytes, checked against the hash recorded when it was issued."""
    notice = get_visible(session, principal, notice_id)
    return notice, stored_pdf(settings, notice)


def stored_pdf(settings: Settings, notice: Notice) -> bytes:
    """The notice's PDF as kept, refused if it no longer matches the hash it was issued with."""
    data = media.store_for(settings).read(media.photo_key(notice.pdf_sha256, PDF_VARIANT, "pdf"))
    if hashlib.sha256(data).hexdigest() != notice.pdf_sha256:
        raise NoticeFileAltered(f"the stored file of notice {notice.number} does not match")
    return data


def file_name(notice: Notice) -> str:
    return f"{NoticeKind(notice.kind).label}{notice.number}.pdf"


# --- Serving -----------------------------------------------------------------------------------


def serve(
    session: Session,
    settings: Settings,
    principal: Principal,
    notice_id: uuid.UUID,
    method: ServiceMethod,
    data: bytes,
) -> Notice:
    """Record the notice as served now, by `principal`, with its evidence (checked and kept
    as hazard photos are); the hazard's deadline then runs from now. By SMS link is
    notices.unitlink.service.send_link (served when the person confirms)."""
    demand(principal.role, Permission.SERVE_NOTICES, "serve notices")
    notice = get_visible(session, principal, notice_id)
    if method is ServiceMethod.SMS_LINK:
        raise ServiceMethodNotYet("serving by SMS link sends no evidence", field="method")
    if TRANSITIONS.get((NoticeState(notice.state), NoticeStep.SERVE)) is None:
        raise NoticeAlreadyServed(f"notice {notice.number} was served at {notice.served_at}")
    evidence = check_evidence(settings, method, data)
    mark_served(
        session,
        settings,
        principal.actor,
        notice,
        NoticeStep.SERVE,
        method,
        evidence_sha256=evidence.sha256,
        evidence_mime=evidence.mime,
    )
    media.store_for(settings).put_photo(evidence)  # last: content-addressed, retries harmless
    return notice


def check_evidence(settings: Settings, method: ServiceMethod, data: bytes) -> media.Photo:
    """The receipt's photo or the signature, checked as hazard photos are; a signature drawn
    on site is a PNG."""
    evidence = media.process(
        data, max_bytes=settings.photo_max_bytes, max_pixels=settings.photo_max_pixels
    )
    if method is ServiceMethod.ON_SITE and evidence.mime != "image/png":
        raise SignatureNotPng("the signature drawn on site is sent as a PNG", field="body")
    return evidence


def mark_served(
    session: Session,
    settings: Settings,
    actor: Actor,
    notice: Notice,
    step: NoticeStep,
    method: ServiceMethod,
    *,
    evidence_sha256: str | None = None,
    evidence_mime: str | None = None,
    served_at: datetime | None = None,
    details: dict | None = None,
) -> Notice:
    """The notice served by `step` (`actor` records it: the worker who served it, or the
    unit's link client when its person confirmed receipt), audited on the notice and its
    hazard, whose deadline then runs from the moment of service: now, or `served_at` (a
    signature taken offline: when it was signed, `signed_moment`). `details` join the audit
    step (who signed a signature taken on a phone)."""
    target = TRANSITIONS.get((NoticeState(notice.state), step))
    if target is None:
        raise NoticeAlreadyServed(f"notice {notice.number} was served at {notice.served_at}")
    now = served_at or utcnow()
    changed = session.execute(
        update(Notice)
        .where(Notice.id == notice.id, Notice.state == notice.state)
        .values(
            state=target.value,
            served_at=now,
            served_by=actor.id,
            service_method=method.value,
            evidence_sha256=evidence_sha256,
            evidence_mime=evidence_mime,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise NoticeAlreadyServed(f"notice {notice.number} was served meanwhile")
    before = notice.state
    session.refresh(notice)
    served = {
        "notice_id": str(notice.id),
        "number": notice.number,
        "method": method.value,
        "served_at": now.isoformat(),
        "evidence_sha256": evidence_sha256,
        "sha256": notice.pdf_sha256,
        **(details or {}),
    }
    record_step(
        session,
        actor,
        notice,
        ("notice.served", "hazard.notice_served"),
        served,
        on_notice={"state": target.value, **served},
        before={"state": before},
    )
    if notice.hazard_id is not None:
        if notice.period_days:
            acting.run_deadline_from_service(
                session,
                actor,
                notice.hazard_id,
                now,
                notice.period_days,
                notice.period_working,
                settings,
                notice.number,
            )
    return notice


def served_deadline(session: Session, notice: Notice) -> datetime | None:
    """The hazard's rectification deadline as it stands (set from service once served)."""
    if notice.hazard_id is None:
        return None
    return session.scalar(
        select(Hazard.rectification_deadline).where(Hazard.id == notice.hazard_id)
    )


def deadlines_of(session: Session, notices: list[Notice]) -> dict[uuid.UUID, datetime | None]:
    """The deadlines of the notices' hazards as they stand, in one query for a page."""
    ids = {n.hazard_id for n in notices if n.hazard_id is not None}
    if not ids:
        return {}
    return dict(
        session.execute(
            select(Hazard.id, Hazard.rectification_deadline).where(Hazard.id.in_(ids))
        ).all()
    )


def record_step(
    session: Session,
    actor: Actor,
    notice: Notice,
    actions: tuple[str, str],
    after: dict,
    *,
    on_notice: dict | None = None,
    before: dict | None = None,
) -> None:
    """A step of a notice in the audit log, on the notice and on its hazard's timeline
    (`actions`: the notice's action, the hazard's), with the PDF's hash in `after`."""
    audit.record(
        session,
        actor=actor,
        action=actions[0],
        subject_type="notice",
        subject_id=notice.id,
        before=before,
        after=after if on_notice is None else on_notice,
    )
    if notice.hazard_id is not None:
        audit.record(
            session,
            actor=actor,
            action=actions[1],
            subject_type="hazard",
            subject_id=notice.hazard_id,
            after=after,
        )
