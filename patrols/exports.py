"""巡查任务清单, the patrol tasks a list shows as an Excel workbook, in its order, with the names
the list gives beside the ids (patrols.tasks.names_of: the worker, the premises, the grid).
The writing is backend.core.spreadsheet's."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Select
from sqlalchemy.orm import Session
from starlette.responses import StreamingResponse

from backend.core.localtime import today
from backend.core.spreadsheet import Column, Kind, term, xlsx_response
from backend.identity.service import Principal
from patrols import tasks, visits
from patrols.models import PatrolTask

BATCH = 1000  # tasks read and named at a time; one batch is held at once


@dataclass(frozen=True)
class TaskRow:
    task: PatrolTask
    names: tasks.TaskNames
    visited: bool


COLUMNS: list[Column[TaskRow]] = [
    Column("截止时间", lambda r: r.task.due_at, Kind.DATETIME, 17),
    Column("任务类型", lambda r: term("task_kind", r.task.kind), width=10),
    Column("巡查周期", lambda r: r.task.period, Kind.CODE, 9),
    Column("场所", lambda r: r.names.premises_name, width=22),
    Column("区域编码", lambda r: r.names.grid_code, Kind.CODE, 16),
    Column("区域", lambda r: r.names.grid_name, width=18),
    Column("巡查人", lambda r: r.names.assignee_name, width=12),
    Column("状态", lambda r: term("task_state", r.task.state), width=8),
    Column("完成时间", lambda r: r.task.done_at, Kind.DATETIME, 17),
    Column("有效签到", lambda r: r.visited, Kind.YES_NO, 8),
    Column("逾期责任层级", lambda r: term("task_level", r.task.level), width=12),
    Column("说明", lambda r: r.task.note, width=30),
    Column("任务编号", lambda r: str(r.task.id), Kind.CODE, 38),
]


def tasks_workbook(
    session: Session, principal: Principal, where: tasks.TaskFilter
) -> StreamingResponse:
    query = tasks.task_query(session, principal, where)  # scope and filters refused here
    return xlsx_response("巡查任务清单", "patrol-tasks", today(), COLUMNS, _rows(session, query))


def _rows(session: Session, query: Select) -> Iterator[list[TaskRow]]:
    """Each batch with its names and whether each task was visited with a valid check-in, in
    a fixed number of queries per batch; a written batch is let go of."""
    for batch in session.scalars(query.execution_options(yield_per=BATCH)).partitions():
        names = tasks.names_of(session, list(batch))
        visited = visits.visited_with_valid_check_in(session, [t.id for t in batch])
        yield [TaskRow(t, names[t.id], visited[t.id]) for t in batch]
        for task in batch:
            session.expunge(task)
