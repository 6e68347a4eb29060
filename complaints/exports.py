"""投诉举报台账, the complaints a list shows as an Excel workbook: each row as the list reads it
(complaints.reading.views: the assignee's and the area's names, the caller's phone masked),
codes in Chinese. The writing is backend.core.spreadsheet's."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Select
from sqlalchemy.orm import Session
from starlette.responses import StreamingResponse

from backend.core.localtime import today
from backend.core.spreadsheet import Column, Kind, term, xlsx_response
from backend.identity.service import Principal
from complaints import reading
from complaints.schemas import ComplaintOut

BATCH = 1000  # complaints read and named at a time; one batch is held at once

COLUMNS: list[Column[ComplaintOut]] = [
    Column("受理时间", lambda c: c.received_at, Kind.DATETIME, 17),
    Column("渠道", lambda c: term("complaint_channel", c.channel), width=20),
    Column("工单编号", lambda c: c.external_id, Kind.CODE, 20),
    Column("类型", lambda c: term("complaint_type", c.type), width=8),
    Column("诉求内容", lambda c: c.text, width=40),
    Column("地址", lambda c: c.address, width=28),
    Column("隐患类别", lambda c: term("hazard_category", c.category), width=22),
    Column("紧急", lambda c: c.urgent, Kind.YES_NO, 6),
    Column("匿名", lambda c: c.anonymous, Kind.YES_NO, 6),
    Column("来电人电话", lambda c: c.caller_phone, Kind.CODE, 14),  # masked, as listed
    Column("区域编码", lambda c: c.area_code, Kind.CODE, 16),
    Column("区域", lambda c: c.area_name, width=18),
    Column("状态", lambda c: term("complaint_state", c.state), width=12),
    Column("承办人", lambda c: c.assignee, width=12),
    Column("当前环节", lambda c: term("complaint_stage", c.stage), width=10),
    Column("办理期限", lambda c: c.due_at, Kind.DATETIME, 17),
    Column("是否逾期", lambda c: c.overdue, Kind.YES_NO, 8),
    Column("热线办结时限", lambda c: c.hotline_deadline, Kind.DATETIME, 17),
    Column("核查结果", lambda c: term("finding", c.finding), width=14),
    Column("答复内容", lambda c: c.reply, width=30),
    Column("退单理由", lambda c: c.return_reason, width=20),
    Column("关联隐患编号", lambda c: str(c.hazard_id) if c.hazard_id else None, Kind.CODE, 38),
    Column("投诉编号", lambda c: str(c.id), Kind.CODE, 38),
]


def complaints(
    session: Session, principal: Principal, where: reading.QueueFilter
) -> StreamingResponse:
    query = reading.queue(session, principal, where)  # a bad filter is refused here
    return xlsx_response(
        "投诉举报台账", "complaints", today(), COLUMNS, _rows(session, principal, query)
    )


def _rows(session: Session, principal: Principal, query: Select) -> Iterator[list[ComplaintOut]]:
    for batch in session.scalars(query.execution_options(yield_per=BATCH)).partitions():
        yield reading.views(session, principal, list(batch))
        for complaint in batch:
            session.expunge(complaint)
