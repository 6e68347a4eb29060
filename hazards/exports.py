"""隐患台账, the hazard ledger as an Excel workbook: the hazards a list shows for the same filters,
in its order, with the names beside the ids that the list gives (hazards.reading.labels_for,
masked as it masks them), codes in Chinese. The writing is backend.core.spreadsheet's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session
from starlette.responses import StreamingResponse

from backend.core.db import utcnow
from backend.core.localtime import today
from backend.core.spreadsheet import Column, Kind, term, xlsx_response
from backend.identity.service import Principal
from hazards import reading
from hazards.models import Hazard

# Rows read and labelled at a time: the labels of a batch cost a fixed number of queries, and
# only one batch of hazards is held at once.
BATCH = 1000

# A hazard's columns (_LOADED, by name), its labels, the time of the export.
Row = tuple[Any, reading.Labels, datetime]


def _overdue(row: Row) -> bool:
    hazard, _, now = row
    return bool(hazard.is_open and hazard.level_due_at and hazard.level_due_at <= now)


COLUMNS: list[Column[Row]] = [
    Column("上报时间", lambda r: r[0].reported_at, Kind.DATETIME, 17),
    Column("区域编码", lambda r: r[1].area_code, Kind.CODE, 16),
    Column("区域", lambda r: r[1].area_name, width=18),
    Column("场所", lambda r: r[1].premises_name, width=20),
    Column("隐患类别", lambda r: term("hazard_category", r[0].category), width=22),
    Column("隐患等级", lambda r: term("severity", r[0].severity), width=12),
    Column("隐患描述", lambda r: r[0].description, width=40),
    Column("来源", lambda r: term("hazard_source", r[0].source), width=8),
    Column("状态", lambda r: term("hazard_state", r[0].state), width=16),
    Column("当前层级", lambda r: term("escalation_level", r[0].level), width=12),
    Column("当前责任人", lambda r: r[1].holder.display_name if r[1].holder else None, width=18),
    Column("本级处理期限", lambda r: r[0].level_due_at, Kind.DATETIME, 17),
    Column("是否逾期", _overdue, Kind.YES_NO, 8),
    Column("整改期限", lambda r: r[0].rectification_deadline, Kind.DATETIME, 17),
    Column("办结时间", lambda r: r[0].closed_at, Kind.DATETIME, 17),
    Column("复查不合格次数", lambda r: r[0].failed_rechecks, Kind.NUMBER, 8),
    Column("挂牌级别", lambda r: term("listing_level", r[0].listing_level), width=8),
    Column("上报人", lambda r: r[1].reporter, width=10),
    Column("隐患编号", lambda r: str(r[0].id), Kind.CODE, 38),
]


def ledger(
    session: Session,
    principal: Principal,
    where: reading.QueueFilter,
    sort: reading.QueueSort,
) -> StreamingResponse:
    query = reading.queue(session, principal, where, sort)  # a bad filter is refused here
    return xlsx_response("隐患台账", "hazards", today(), COLUMNS, _rows(session, principal, query))


def _rows(session: Session, principal: Principal, query: Select) -> Iterator[list[Row]]:
    """The queue's rows a batch at a time, each batch labelled in a few queries. Only the
    columns the ledger shows are read, as plain rows (no ORM objects, no geometry), and
    nothing holds a written batch, so memory stays flat however many hazards match."""
    now = utcnow()
    rows = query.with_only_columns(*_LOADED).execution_options(yield_per=BATCH)
    for batch in session.execute(rows).partitions():
        labels = reading.labels_for(session, batch, principal)
        yield [(hazard, labels[hazard.id], now) for hazard in batch]


_LOADED = (
    Hazard.id,
    Hazard.reported_at,
    Hazard.category,
    Hazard.severity,
    Hazard.description,
    Hazard.source,
    Hazard.state,
    Hazard.is_open,
    Hazard.closed_at,
    Hazard.area_path,
    Hazard.level,
    Hazard.level_due_at,
    Hazard.rectification_deadline,
    Hazard.failed_rechecks,
    Hazard.listing_level,
)
