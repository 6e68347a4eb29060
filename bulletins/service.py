"""Bulletins made, kept and read: one per area (a township or a county) and month, made on
request or by the worker after the month, and made again on request. No web imports."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from pathlib import Path

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.core import audit, fonts, media
from backend.core.db import utcnow
from backend.core.errors import InvalidInput, NotFound
from backend.core.localtime import LOCAL_TIME
from backend.core.settings import Settings
from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from bulletins import figures, render
from bulletins.enums import BulletinLevel
from bulletins.models import Bulletin
from grids.models import Area
from grids.scope import area_in_scope, scope_of

PDF_VARIANT, PAGE_VARIANT = "bulletin", "bulletin-page"
LEVELS = [level.value for level in BulletinLevel]


def current_month(now: datetime) -> str:
    return figures.month_name(now.astimezone(LOCAL_TIME))


def previous_month(now: datetime) -> str:
    return figures.month_name(figures.month_bounds(current_month(now), -1)[0])


def generate(
    session: Session,
    settings: Settings,
    principal: Principal,
    area_code: str,
    month: str,
    regenerate: bool = False,
) -> tuple[Bulletin, bool]:
    """The area's bulletin of the month, made now unless it exists (or `regenerate`); whether
    it was made by this call. The running month may be asked for (figures so far), a later one
    not."""
    demand(principal.role, Permission.READ_BULLETINS, "make bulletins")
    area = area_in_scope(session, principal, area_code)
    if area.level not in LEVELS:
        raise InvalidInput("bulletins are made for townships and counties", field="area")
    now = utcnow()
    if month > current_month(now):
        raise InvalidInput("the month has not begun", field="month")
    bulletin, claimed = _claim(session, area, month)
    if claimed or regenerate:
        _fill(session, settings, bulletin, area, principal.user_id, now)
        audit.record(
            session,
            actor=principal.actor,
            action="bulletin.generated",
            subject_type="bulletin",
            subject_id=bulletin.id,
            after={"area": area.code, "month": month, "version": bulletin.version},
        )
        return bulletin, True
    return bulletin, False


def make_due(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """The worker's part: once a month has ended (Beijing time), the bulletin of that month for
    every township and county that has none, at most `settings.bulletins_per_pass` a pass.
    A pass with nothing to do is one indexed query. Several workers: each bulletin is claimed
    by inserting its row (unique per area and month); a second worker's insert waits for the
    first one's commit, then finds it taken and moves on."""
    now = now or utcnow()
    month = previous_month(now)
    made = 0
    due = session.scalars(
        select(Area)
        .where(
            Area.level.in_(LEVELS),
            ~exists().where(Bulletin.area_id == Area.id, Bulletin.month == month),
        )
        .order_by(Area.path)
        .limit(settings.bulletins_per_pass)
    ).all()
    for area in due:
        bulletin, claimed = _claim(session, area, month)
        if not claimed:
            continue
        _fill(session, settings, bulletin, area, None, now)
        audit.record(
            session,
            actor=audit.Actor.system(),
            action="bulletin.generated",
            subject_type="bulletin",
            subject_id=bulletin.id,
            after={"area": area.code, "month": month, "version": bulletin.version},
        )
        made += 1
    return made


def _claim(session: Session, area: Area, month: str) -> tuple[Bulletin, bool]:
    """The row of this area's month, locked for this transaction; inserted if it was not
    there (True), which is what makes generation happen once."""
    found = select(Bulletin).where(Bulletin.area_id == area.id, Bulletin.month == month)
    existing = session.scalar(found.with_for_update())
    if existing is not None:
        return existing, False
    row = Bulletin(
        area_id=area.id,
        area_code=area.code,
        area_name=area.name,
        area_level=area.level,
        area_path=area.path,
        month=month,
        figures={},
        pdf_sha256="",
        pdf_size=0,
        page_sha256s=[],
        version=0,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # another transaction made it meanwhile: theirs stands
        return session.scalar(found), False
    return row, True


def _fill(
    session: Session,
    settings: Settings,
    bulletin: Bulletin,
    area: Area,
    by: uuid.UUID | None,
    now: datetime,
) -> None:
    font = fonts.find_font(settings.bulletin_font)  # before any counting: say it at once
    counted = figures.compute(session, area, bulletin.month, now)
    rendered = render.render(counted, font)
    store = media.store_for(settings)
    pdf_sha = _put(store, rendered.pdf, PDF_VARIANT, "pdf")
    bulletin.figures = counted
    bulletin.pdf_sha256, bulletin.pdf_size = pdf_sha, len(rendered.pdf)
    bulletin.page_sha256s = [_put(store, page, PAGE_VARIANT, "png") for page in rendered.pages]
    bulletin.area_name, bulletin.area_path = area.name, area.path
    bulletin.generated_at, bulletin.generated_by = now, by
    bulletin.version += 1
    session.flush()


def _put(store: media.PhotoStore, data: bytes, variant: str, ext: str) -> str:
    """Kept by content hash, as photos are; a bulletin made again leaves its old files (the
    store's keys never change content)."""
    sha = hashlib.sha256(data).hexdigest()
    key = media.photo_key(sha, variant, ext)
    if not store.exists(key):
        store.put(key, data)
    return sha


# --- Reading -------------------------------------------------------------------------------------


def get_visible(session: Session, principal: Principal, bulletin_id: uuid.UUID) -> Bulletin:
    demand(principal.role, Permission.READ_BULLETINS, "read bulletins")
    bulletin = session.get(Bulletin, bulletin_id)
    if bulletin is None or not scope_of(session, principal).covers_path(bulletin.area_path):
        raise NotFound(f"no bulletin {bulletin_id} in your area")
    return bulletin


def listing(
    session: Session,
    principal: Principal,
    area_code: str | None,
    month: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Bulletin], int]:
    """Bulletins of the area and below (default: everything in the caller's scope), newest
    month first; and how many there are."""
    demand(principal.role, Permission.READ_BULLETINS, "read bulletins")
    if area_code:
        area = area_in_scope(session, principal, area_code)
        where = [Bulletin.area_path.startswith(area.path, autoescape=True)]
    else:
        where = [scope_of(session, principal).area_clause_on(Bulletin.area_path)]
    if month:
        where.append(Bulletin.month == month)
    where.append(Bulletin.version > 0)
    total = session.scalar(select(func.count()).select_from(Bulletin).where(*where)) or 0
    rows = session.scalars(
        select(Bulletin)
        .where(*where)
        .order_by(Bulletin.month.desc(), Bulletin.area_path, Bulletin.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), total


def pdf_of(
    session: Session, settings: Settings, principal: Principal, bulletin_id: uuid.UUID
) -> tuple[Bulletin, Path | str]:
    bulletin = get_visible(session, principal, bulletin_id)
    key = media.photo_key(bulletin.pdf_sha256, PDF_VARIANT, "pdf")
    return bulletin, media.store_for(settings).locate(key)


def page_of(
    session: Session,
    settings: Settings,
    principal: Principal,
    bulletin_id: uuid.UUID,
    page: int,
) -> Path | str:
    bulletin = get_visible(session, principal, bulletin_id)
    if not 1 <= page <= len(bulletin.page_sha256s):
        raise NotFound(f"no page {page} in bulletin {bulletin_id}")
    key = media.photo_key(bulletin.page_sha256s[page - 1], PAGE_VARIANT, "png")
    return media.store_for(settings).locate(key)


def file_name(bulletin: Bulletin) -> str:
    """The download's name as people read it: 城中区2026年12月消防安全简报.pdf."""
    year, month = bulletin.month.split("-")
    return f"{bulletin.area_name}{year}年{int(month)}月消防安全简报.pdf"
