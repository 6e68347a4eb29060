"""Risk scores over HTTP. Thin: the rules live in risk.service."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response, StreamingResponse

from backend.core.types import Text
from backend.core.web import Offset
from backend.identity.dependencies import ReplicaSessionDep, SessionDep, require
from backend.identity.permissions import Permission
from backend.identity.service import Principal
from grids.enums import Crs
from grids.premises.enums import RiskLevel
from hazards.map_api import GEOJSON, BBoxParam, GeoJSONResponse, bbox_in_wgs84
from risk import exports, mapping, service
from risk.rules import higher
from risk.schemas import GridRiskOut, PremisesRiskOut, RiskPageOut, RiskRowOut
from risk.scoring import level_zh

Reader = Annotated[Principal, Depends(require(Permission.READ_RISK))]
router = APIRouter(prefix="/api/v1/risk", tags=["risk"])
_NOT_FOUND = {404: {"description": "Not found in your area"}}
AreaCode = Annotated[
    Text | None, Query(max_length=32, description="a township, village or grid in your area")
]


@router.get("/premises/{premises_id}", response_model=PremisesRiskOut, responses=_NOT_FOUND)
def premises_risk(
    premises_id: uuid.UUID, principal: Reader, session: SessionDep
) -> PremisesRiskOut:
    """Why is this unit red: its score, level and each factor's points, which sum to it."""
    premises, score = service.score_of(session, principal, premises_id)
    return PremisesRiskOut(
        premises_id=premises.id,
        name=premises.name,
        score=score.score if score else None,
        level=score.level if score else None,
        level_zh=level_zh(score.level) if score else None,
        typed_level=premises.risk_level,
        patrol_level=higher(premises.risk_level, score.level if score else None),
        ruleset=score.ruleset if score else None,
        computed_at=score.computed_at if score else None,
        checked_at=service.last_run_at(session),
        contributions=score.contributions if score else [],
    )


@router.get("/premises", response_model=RiskPageOut, responses=_NOT_FOUND)
def premises_by_score(
    principal: Reader,
    session: SessionDep,
    area: AreaCode = None,
    level: RiskLevel | None = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> RiskPageOut:
    """Premises by score, highest first, in your area (under `area`, of `level` if given)."""
    total, rows = service.list_scores(
        session, principal, area_code=area, level=level, offset=offset, limit=limit
    )
    return RiskPageOut(
        total=total,
        checked_at=service.last_run_at(session),
        items=[
            RiskRowOut(
                premises_id=r.premises_id,
                name=r.name,
                address=r.address,
                area_code=r.area_code,
                score=r.score,
                level=r.level,
                level_zh=level_zh(r.level),
                typed_level=r.risk_level,
                ruleset=r.ruleset,
                computed_at=r.computed_at,
            )
            for r in rows
        ],
    )


@router.get("/grids", response_model=list[GridRiskOut], responses=_NOT_FOUND)
def grids_by_score(principal: Reader, session: SessionDep, area: AreaCode = None) -> list:
    """Grids' scores for a risk map, highest first (join them to the grids layer by code)."""
    return [
        GridRiskOut(
            area_code=r.code,
            name=r.name,
            score=r.score,
            level=r.level,
            level_zh=level_zh(r.level),
            ruleset=r.ruleset,
            computed_at=r.computed_at,
            facts=r.facts,
        )
        for r in service.grid_scores(session, principal, area_code=area)
    ]


@router.get("/map", response_class=GeoJSONResponse, responses={**_NOT_FOUND, **GEOJSON})
def risk_map(
    principal: Reader,
    session: ReplicaSessionDep,
    bbox: BBoxParam = None,
    level: RiskLevel | None = None,
    crs: Crs = Crs.WGS84,
    limit: Annotated[int, Query(ge=1, le=5000)] = 2000,
    offset: Offset = 0,
) -> Response:
    """Scored premises in your area inside the box, highest score first, as GeoJSON points
    with `name`, `score`, `level`, `level_zh`, `key_unit` and `area_code` (paged: follow
    `next_offset`)."""
    page = mapping.scores_page(
        session,
        principal,
        bbox=bbox_in_wgs84(bbox, crs),
        level=level.value if level else None,
        crs=crs,
        limit=limit,
        offset=offset,
    )
    return GeoJSONResponse(page.as_json())


@router.get(
    "/hazard-list.xlsx",
    response_class=StreamingResponse,
    responses={
        **_NOT_FOUND,
        200: {
            "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}},
            "description": "隐患清单",
        },
    },
)
def hazard_list(
    principal: Reader,
    session: SessionDep,
    township: Annotated[Text, Query(max_length=32, description="a township's code")],
    year: Annotated[int, Query(ge=2000, le=2100)],
) -> StreamingResponse:
    """隐患清单: the township's scored premises, highest first, with their main factors and
    hazards (open now, and reported in `year`)."""
    return exports.hazard_list(session, principal, township=township, year=year)
