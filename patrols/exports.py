"""Patrols as Excel workbooks: 巡查任务清单, the tasks a list shows, in its order, with the names
the list gives beside the ids (patrols.tasks.names_of: the worker, the premises, the grid); and
考核表, a month's assessment, a row per worker with their score and rank. The writing is
backend.core.spreadsheet's."""

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
from patrols.assessment import WorkerMonth
from patrols.models import PatrolTask
from patrols.scoring import Ranking

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


@dataclass(frozen=True)
class AssessedRow:
    worker: WorkerMonth
    score: float
    rank: int


ASSESSMENT_COLUMNS: list[Column[AssessedRow]] = [
    Column("排名", lambda r: r.rank, Kind.NUMBER, 6),
    Column("网格员", lambda r: r.worker.display_name, width=22),
    Column("用户名", lambda r: r.worker.username, Kind.CODE, 18),
    Column("网格", lambda r: " ".join(r.worker.grids), Kind.CODE, 20),
    Column("得分", lambda r: r.score, Kind.NUMBER, 8),
    Column("应巡任务", lambda r: r.worker.tasks_due, Kind.NUMBER, 9),
    Column("按时完成", lambda r: r.worker.tasks_done_on_time, Kind.NUMBER, 9),
    Column("走访次数", lambda r: r.worker.visits, Kind.NUMBER, 9),
    Column("有效签到", lambda r: r.worker.visits_with_valid_check_in, Kind.NUMBER, 9),
    Column("走访场所数", lambda r: r.worker.premises_visited, Kind.NUMBER, 10),
    Column("发现隐患", lambda r: r.worker.hazards_found, Kind.NUMBER, 9),
    Column("网格内闭环", lambda r: r.worker.ordinary_closed_in_grid, Kind.NUMBER, 10),
    Column("巡查里程（公里）", lambda r: r.worker.distance_km, Kind.NUMBER, 14),
    Column("承办投诉", lambda r: r.worker.complaints, Kind.NUMBER, 9),
    Column("按时签收", lambda r: r.worker.complaints_signed_on_time, Kind.NUMBER, 9),
    Column("按时答复", lambda r: r.worker.complaints_replied_on_time, Kind.NUMBER, 9),
]


def assessment_workbook(
    workers: list[WorkerMonth], ranking: Ranking, area_code: str, period: str
) -> StreamingResponse:
    """考核表_<area>_<month>: the workers by rank (the month's numbers are already counted)."""
    rows = sorted(
        (
            AssessedRow(w, ranking.workers[w.user_id].score, ranking.workers[w.user_id].rank)
            for w in workers
        ),
        key=lambda r: (r.rank, r.worker.username),
    )
    return xlsx_response(
        f"考核表_{area_code}_{period}",
        f"assessment-{area_code}-{period}",
        today(),
        ASSESSMENT_COLUMNS,
        [rows],
    )
