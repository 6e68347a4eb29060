"""火灾事故登记表, the register as an Excel workbook: the incidents the list shows for the same
filters, in its order, with area and premises names and codes in Chinese. Internal (staff
of the area): names of responders and the full address are in it, as in the list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session
from starlette.responses import StreamingResponse

from backend.core.localtime import today
from backend.core.spreadsheet import Column, Kind, xlsx_response
from fires.incidents import service
from fires.incidents.enums import (
    CAUSE_NAMES,
    PLACE_NAMES,
    SOURCE_NAMES,
    STATE_NAMES,
    FireCause,
    IncidentSource,
    IncidentState,
    PlaceCategory,
)

BATCH = 1000
Row = tuple[Any, service.Labels]


def _area(row: Row, depth: int) -> str | None:
    codes = service.path_codes(row[0].area_path)
    if len(codes) <= depth:
        return None
    return row[1].areas.get(codes[depth], ("", codes[depth]))[1]


def _premises(row: Row) -> str | None:
    found = row[1].premises.get(row[0].premises_id) if row[0].premises_id else None
    return found[0] if found else None


COLUMNS: list[Column[Row]] = [
    Column("起火时间", lambda r: r[0].occurred_at, Kind.DATETIME, 17),
    Column("报警时间", lambda r: r[0].reported_at, Kind.DATETIME, 17),
    Column("县/区", lambda r: _area(r, 0), width=14),
    Column("乡镇/街道", lambda r: _area(r, 1), width=14),
    Column("网格", lambda r: _area(r, 3), width=16),
    Column("区域编码", lambda r: (service.path_codes(r[0].area_path) or [None])[-1], Kind.CODE),
    Column("起火地址", lambda r: r[0].address, width=30),
    Column("场所", _premises, width=20),
    Column("起火场所类别", lambda r: PLACE_NAMES[PlaceCategory(r[0].place_category)], width=12),
    Column("火灾原因", lambda r: CAUSE_NAMES[FireCause(r[0].cause)], width=10),
    Column("死亡人数", lambda r: r[0].deaths, Kind.NUMBER, 8),
    Column("受伤人数", lambda r: r[0].injuries, Kind.NUMBER, 8),
    Column("直接经济损失(元)", lambda r: r[0].direct_loss_yuan, Kind.NUMBER, 14),
    Column("过火面积(平方米)", lambda r: r[0].burned_area_m2, Kind.NUMBER, 12),
    Column("出动力量", lambda r: r[0].responding_unit, width=18),
    Column("到场时间", lambda r: r[0].arrived_at, Kind.DATETIME, 17),
    Column("处置人员", lambda r: r[0].responders, width=18),
    Column("简要经过", lambda r: r[0].summary, width=40),
    Column("来源", lambda r: SOURCE_NAMES[IncidentSource(r[0].source)], width=10),
    Column("状态", lambda r: STATE_NAMES[IncidentState(r[0].state)], width=8),
    Column("公开时间", lambda r: r[0].published_at, Kind.DATETIME, 17),
    Column("事故编号", lambda r: str(r[0].id), Kind.CODE, 38),
]


def register(session: Session, query: Select) -> StreamingResponse:
    return xlsx_response(
        "火灾事故登记表", "fire-incidents", today(), COLUMNS, _rows(session, query)
    )


def _rows(session: Session, query: Select) -> Iterator[list[Row]]:
    found = session.scalars(query.execution_options(yield_per=BATCH))
    for batch in found.partitions():
        labels = service.labels_for(session, batch)
        yield [(incident, labels) for incident in batch]
