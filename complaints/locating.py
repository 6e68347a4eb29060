"""Where an address-only complaint may be: candidates for staff to choose from in triage.

A hotline complaint often comes with a spoken address and no point ("公园街道文惠社区3栋楼下").
No online geocoder is reachable from a government intranet, so the candidates come from what
firegrid itself knows: the areas (township, village or community, grid) whose names the address
contains, and the premises whose name and address look most like it. Staff choose one and the
complaint is placed at its point through `dispatch.place`, the same as a point picked on the map.

Likeness is the share of the address's character pairs (bigrams) that a premises' name and
address also contain: Chinese addresses have no spaces to split on, and a pair of characters is
what distinguishes "文惠" from "文笔". Premises are scored in the narrowest area the address
names (or the complaint's own area), so a county's 100,000 premises are never all read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from complaints.reading import get_visible
from grids.enums import AreaLevel
from grids.models import Area
from grids.premises.models import Premises
from grids.scope import scope_of

NAMED_LEVELS = (AreaLevel.TOWNSHIP, AreaLevel.VILLAGE, AreaLevel.GRID)
MIN_LIKENESS = 0.25  # below this a premises shares little more than "柳州市" with the address
PREMISES_READ_AT_MOST = 20_000  # premises scored for one complaint; an area larger is narrowed
DEFAULT_COUNT = 8


class CandidateKind(StrEnum):
    AREA = "area"
    PREMISES = "premises"


@dataclass(frozen=True)
class AddressCandidate:
    kind: CandidateKind
    id: uuid.UUID
    name: str
    address: str | None  # the premises' address; None for an area
    area_code: str
    area_name: str
    lng: float  # WGS-84: a premises' location, an area's point on its surface
    lat: float
    likeness: float  # 1.0 for an area whose full name the address contains


def bigrams(text: str) -> set[str]:
    chars = [c for c in text if not c.isspace()]
    return {a + b for a, b in zip(chars, chars[1:], strict=False)}


def likeness(address_pairs: set[str], text: str) -> float:
    """The share of the address's character pairs that `text` has too."""
    if not address_pairs:
        return 0.0
    return len(address_pairs & bigrams(text)) / len(address_pairs)


def address_candidates(
    session: Session, principal: Principal, complaint_id: uuid.UUID, count: int = DEFAULT_COUNT
) -> list[AddressCandidate]:
    """The areas the complaint's address names, deepest first, then the premises most like it;
    all within the caller's scope. Empty when nothing looks like the address."""
    demand(principal.role, Permission.MANAGE_COMPLAINTS, "do this")
    complaint = get_visible(session, principal, complaint_id)
    address = (complaint.address or "").strip()
    if not address:
        return []
    scope = scope_of(session, principal)
    named = [
        area
        for area in session.scalars(
            select(Area).where(
                Area.level.in_([level.value for level in NAMED_LEVELS]), scope.area_clause()
            )
        )
        if len(area.name) >= 2 and area.name in address
    ]
    named.sort(key=lambda area: (-area.path.count("/"), area.code))
    areas = [_area_candidate(area) for area in named[:count]]

    within = named[0].path if named else complaint.area_path
    remainder = address
    for area in named:  # what is left once the area names are taken out is what identifies
        remainder = remainder.replace(area.name, " ")
    pairs = bigrams(remainder) or bigrams(address)
    premises = _premises_like(session, scope, within, pairs, count)
    return areas + premises


def _area_candidate(area: Area) -> AddressCandidate:
    point = to_shape(area.geom).point_on_surface()
    return AddressCandidate(
        kind=CandidateKind.AREA,
        id=area.id,
        name=area.name,
        address=None,
        area_code=area.code,
        area_name=area.name,
        lng=point.x,
        lat=point.y,
        likeness=1.0,
    )


def _premises_like(
    session: Session, scope, within: str | None, pairs: set[str], count: int
) -> list[AddressCandidate]:
    query = (
        select(Premises.id, Premises.name, Premises.address, Premises.lng, Premises.lat, Area)
        .join(Area, Area.id == Premises.area_id)
        .where(scope.area_clause_on(Premises.area_path))
        .limit(PREMISES_READ_AT_MOST)
    )
    if within:
        query = query.where(Premises.area_path.startswith(within, autoescape=True))
    scored = []
    for row in session.execute(query):
        score = likeness(pairs, f"{row.name}{row.address}")
        if score >= MIN_LIKENESS:
            scored.append((score, row))
    scored.sort(key=lambda item: (-item[0], item[1].name))
    return [
        AddressCandidate(
            kind=CandidateKind.PREMISES,
            id=row.id,
            name=row.name,
            address=row.address,
            area_code=row.Area.code,
            area_name=row.Area.name,
            lng=row.lng,
            lat=row.lat,
            likeness=round(score, 3),
        )
        for score, row in scored[:count]
    ]
