"""The integration client a unit acts as through its link, as the citizens' page has its own
(complaints.citizens.service.page_client). One per county, `unit.link.<county code>`, scoped
to that county, made on first use: the hazard photos, the rectification submitted and the
requests for more time a unit sends through its link are recorded as that client's, so the
hazard's rules (scope, lifecycle, photo checks) apply unchanged and the timeline says
"单位（短信链接）". What the link may reach is narrowed by notices.unitlink.service to the
unit's own hazards and notices before the client acts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.core import audit
from backend.core.errors import NotFound
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.service import Principal
from grids import workforce
from grids.models import Area

CLIENT_PREFIX = "unit.link."
DISPLAY_NAME = "单位（短信链接）"


def county_code(area_path: str) -> str | None:
    codes = [code for code in (area_path or "").split("/") if code]
    return codes[0] if codes else None


def unit_client(session: Session, area_path: str) -> Principal:
    """The client of the county `area_path` lies in."""
    code = county_code(area_path)
    area = session.scalar(select(Area).where(Area.code == code)) if code else None
    if area is None:
        raise NotFound("no such hazard")  # an unrouted hazard: nothing the unit may act on
    username = f"{CLIENT_PREFIX}{area.code}"
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        try:
            with session.begin_nested():  # two first uses at once: one creates it
                user = workforce.place_user(
                    session,
                    area=area,
                    username=username,
                    password=None,
                    role=Role.INTEGRATION,
                    display_name=DISPLAY_NAME,
                    certificate_number=None,
                    certificate_expires_on=None,
                    actor=audit.Actor(id=None, role="system"),
                )
        except IntegrityError:
            user = session.scalar(select(User).where(User.username == username))
            assert user is not None
    return Principal.of(user)
