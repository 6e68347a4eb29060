"""信用记录台账, the entries of an area's credit records as an Excel workbook: the list's rows
(hazards.credit.service.records_in_scope), in its order, each with its unit's name, credit code,
status and area; codes in Chinese. The writing is backend.core.spreadsheet's."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select
from sqlalchemy.orm import Session
from starlette.responses import StreamingResponse

from backend.core.localtime import today
from backend.core.settings import Settings
from backend.core.spreadsheet import Column, Kind, term, xlsx_response
from backend.identity.service import Principal
from hazards.credit import service
from hazards.credit.models import CreditRecord

BATCH = 1000  # entries read at a time; one batch is held at once


@dataclass(frozen=True)
class RecordRow:
    record: CreditRecord
    premises_name: str
    uscc: str | None
    credit_status: str
    area_code: str | None
    area_name: str | None
    repairable_from: datetime | None


COLUMNS: list[Column[RecordRow]] = [
    Column("记录时间", lambda r: r.record.recorded_at, Kind.DATETIME, 17),
    Column("场所", lambda r: r.premises_name, width=22),
    Column("统一社会信用代码", lambda r: r.uscc, Kind.CODE, 20),
    Column("区域编码", lambda r: r.area_code, Kind.CODE, 16),
    Column("区域", lambda r: r.area_name, width=18),
    Column("记录类型", lambda r: term("credit_kind", r.record.kind), width=16),
    Column("隐患等级", lambda r: term("severity", r.record.severity), width=12),
    Column("说明", lambda r: r.record.note, width=36),
    Column("记录状态", lambda r: term("credit_standing", r.record.standing), width=12),
    Column("可申请信用修复时间", lambda r: r.repairable_from, Kind.DATETIME, 17),
    Column("场所当前信用状态", lambda r: term("credit_status", r.credit_status), width=12),
    Column(
        "关联隐患编号",
        lambda r: str(r.record.hazard_id) if r.record.hazard_id else None,
        Kind.CODE,
        38,
    ),
    Column("记录编号", lambda r: str(r.record.id), Kind.CODE, 38),
]


def records_workbook(
    session: Session, principal: Principal, where: service.RecordFilter, settings: Settings
) -> StreamingResponse:
    query = service.records_in_scope(session, principal, where)  # a bad filter is refused here
    return xlsx_response(
        "信用记录台账", "credit-records", today(), COLUMNS, _rows(session, query, settings)
    )


def _rows(session: Session, query: Select, settings: Settings) -> Iterator[list[RecordRow]]:
    for batch in session.execute(query.execution_options(yield_per=BATCH)).partitions():
        yield [
            RecordRow(*row, repairable_from=service.repairable_from(row[0], settings))
            for row in batch
        ]
        for row in batch:
            session.expunge(row[0])
