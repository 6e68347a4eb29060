"""隐患清单: the yearly hazard list of a township as a spreadsheet."""

from __future__ import annotations

from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from backend.core.localtime import today
from backend.core.spreadsheet import Column, Kind, xlsx_response
from backend.identity.service import Principal
from risk import service
from risk.service import ListRow

COLUMNS: list[Column[ListRow]] = [
    Column("单位", lambda r: r.name, width=28),
    Column("地址", lambda r: r.address, width=32),
    Column("网格", lambda r: r.grid, width=16),
    Column("风险分值", lambda r: r.score, Kind.NUMBER, width=10),
    Column("风险等级", lambda r: r.level, width=10),
    Column("主要风险因素", lambda r: r.factors, width=60),
    Column("未整改隐患", lambda r: r.open_hazards, Kind.NUMBER, width=12),
    Column("本年度隐患", lambda r: r.year_hazards, Kind.NUMBER, width=12),
    Column("评分规则版本", lambda r: r.ruleset, width=12),
]


def hazard_list(
    session: Session, principal: Principal, *, township: str, year: int
) -> StreamingResponse:
    batches = service.hazard_list(session, principal, township=township, year=year)
    return xlsx_response(
        f"隐患清单_{township}_{year}", f"hazard-list-{township}-{year}", today(), COLUMNS, batches
    )
