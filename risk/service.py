"""The risk score's rules: recompute every score in one pass (set-based reads, bulk writes),
and read them (one premises with its contributions, lists by score, grids, the yearly hazard
list; the levels and weights patrols' plans and draws use). No web imports."""

from __future__ import annotations

import hashlib
import heapq
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from backend.core import audit, dialect
from backend.core.db import one_at_a_time, utcnow
from backend.core.errors import InvalidInput, NotFound
from backend.core.ids import new_id
from backend.core.settings import Settings
from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from grids.enums import AreaLevel
from grids.models import Area
from grids.premises import service as premises_service
from grids.premises.models import Premises
from grids.scope import area_in_scope, scope_of
from hazards.models import Hazard
from risk import scoring, sources
from risk.models import GridRiskScore, RiskRun, RiskScore
from risk.rules import RuleSet, ruleset

CHUNK = 10_000  # rows written per statement


@dataclass
class RunOutcome:
    run_id: uuid.UUID
    ruleset: str
    premises: int
    grids: int
    seconds: float
    sources: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # sources with no rule in the rule set
    phases: dict[str, float] = field(default_factory=dict)  # seconds by step, for the record
    changed: int = 0  # premises scores written (new or different); the others were left alone


# Two recomputations at once (two workers, a worker and `firegrid risk recompute`) would each
# delete the scores and insert their own: the second's insert meets the first's rows (a
# duplicate key) once the first commits. They take this lock first, one at a time.
RECOMPUTE_LOCK = uuid.UUID("5c0a7e1d-7a3e-4d6b-9b1e-2f0e0c5a4e23")

SCORE_COLUMNS = (
    "premises_id",
    "area_id",
    "area_path",
    "score",
    "level",
    "ruleset",
    "computed_at",
    "contributions",
    "digest",
)


def _digest(row: tuple) -> int:
    """What a score row holds (place, score, level, rule set, contributions as JSON), hashed to
    64 bits: a run that computes the same for a premises leaves its row alone."""
    _, area_id, area_path, score, level, version, _, _, contributions = row
    held = f"{area_id}|{area_path}|{score}|{level}|{version}|".encode() + contributions
    return int.from_bytes(hashlib.md5(held).digest()[:8], "big", signed=True)  # noqa: S324


def recompute(
    session: Session,
    settings: Settings,
    *,
    actor: audit.Actor,
    trigger: str,
    as_of: datetime | None = None,
) -> RunOutcome:
    """Score every live premises and every grid holding premises, replacing the last scores, in
    the caller's transaction: one read of the premises, one query per source, then bulk
    writes (PostgreSQL: COPY). Readers see the previous scores until it commits. A second
    recomputation waits for the first's transaction to end (`RECOMPUTE_LOCK`)."""
    started = time.perf_counter()
    phases: dict[str, float] = {}
    mark = [started]

    def lap(name: str) -> None:
        now = time.perf_counter()
        phases[name] = round(now - mark[0], 3)
        mark[0] = now

    one_at_a_time(session, RECOMPUTE_LOCK)
    lap("lock")
    rules = ruleset(settings.risk_ruleset)
    as_of = as_of or utcnow()
    rows = session.execute(premises_query()).all()
    lap("read_premises")
    used, skipped, facts = [], [], []
    for source in sources.all_sources(rules):
        if source.name not in rules.counts:
            skipped.append(source.name)
            continue
        used.append(source.name)
        facts.append((source.name, source.facts(session, as_of)))
        lap(f"source_{source.name}")
    scorer = scoring.Scorer(rules, as_of)
    scores: list[tuple] = []
    by_grid: dict[uuid.UUID, list[tuple[int, uuid.UUID, str]]] = {}
    version = rules.version
    for row in rows:
        pid = row.id
        total, level, contributions, encoded = scorer.score(
            row, [(name, got[pid]) for name, got in facts if pid in got]
        )
        scores.append(
            (pid, row.area_id, row.area_path, total, level, version, as_of, contributions, encoded)
        )
        if row.area_id is not None:
            by_grid.setdefault(row.area_id, []).append((total, pid, level))
    grids = _grid_rows(session, by_grid, rules, as_of)
    lap("score")
    written = _replace_scores(session, scores, grids)
    lap("write")
    seconds = time.perf_counter() - started
    run = RiskRun(
        id=new_id(),
        ruleset=rules.version,
        computed_at=as_of,
        trigger=trigger,
        premises=len(scores),
        grids=len(grids),
        changed=written,
        seconds=round(seconds, 3),
        sources=used,
    )
    session.add(run)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="risk.recomputed",
        subject_type="risk_run",
        subject_id=run.id,
        after={
            "ruleset": rules.version,
            "trigger": trigger,
            "premises": len(scores),
            "grids": len(grids),
            "changed": written,
            "sources": used,
        },
    )
    lap("run_and_audit")
    return RunOutcome(
        run.id, rules.version, len(scores), len(grids), seconds, used, skipped, phases, written
    )


def premises_query():
    """What the scorer reads of each live premises, in one query (`sources.PremisesRow`)."""
    return select(
        Premises.id,
        Premises.premises_type,
        Premises.supervision_tier,
        Premises.key_unit,
        Premises.credit_status,
        Premises.area_id,
        Premises.area_path,
    ).where(Premises.archived.is_(False))


def _replace_scores(session: Session, scores: list[tuple], grids: list[dict[str, Any]]) -> int:
    """Make the stored scores these: rows whose score, level, rule set, place and contributions
    are unchanged are left alone (their `computed_at` says when they last changed), the others
    deleted and written again, those of premises no longer scored deleted. How many written.

    Each row keeps a digest of what it holds, so the comparison reads two columns. PostgreSQL:
    the rows written through COPY (JSON text encoded by orjson), for 100,000 rows about a third
    of the time of an INSERT … SELECT from one JSON parameter; a night that changes little
    writes little (docs/performance.md, risk_recompute). SQLite: executemany. Never TRUNCATE:
    it would lock readers out until the commit."""
    postgres = session.get_bind().dialect.name == "postgresql"
    memo: dict[tuple, int] = {}  # premises alike in a grid share their digest
    digests = []
    for row in scores:
        key = (row[1], row[2], row[8])  # the score, level and rule set follow the contributions
        digest = memo.get(key)
        if digest is None:
            digest = memo[key] = _digest(row)
        digests.append(digest)
    present = dict(session.execute(select(RiskScore.premises_id, RiskScore.digest)).all())
    wanted = {row[0] for row in scores}
    write = [i for i, row in enumerate(scores) if present.get(row[0]) != digests[i]]
    stale = [pid for pid in present if pid not in wanted]
    stale += [scores[i][0] for i in write if scores[i][0] in present]
    if len(stale) == len(present):
        session.execute(delete(RiskScore))
    else:
        for start in range(0, len(stale), CHUNK):
            session.execute(
                delete(RiskScore).where(RiskScore.premises_id.in_(stale[start : start + CHUNK]))
            )
    if postgres:
        cursor = session.connection().connection.driver_connection.cursor()
        with (
            cursor,
            cursor.copy(
                f"COPY {RiskScore.__tablename__} ({', '.join(SCORE_COLUMNS)}) FROM STDIN"
            ) as copy,
        ):
            for i in write:
                copy.write_row((*scores[i][:7], scores[i][8].decode(), digests[i]))
    else:
        for start in range(0, len(write), CHUNK):
            dialect.insert_rows(
                session,
                RiskScore.__table__,
                [
                    dict(zip(SCORE_COLUMNS, (*scores[i][:8], digests[i]), strict=True))
                    for i in write[start : start + CHUNK]
                ],
            )
    session.execute(delete(GridRiskScore))
    for start in range(0, len(grids), CHUNK):
        dialect.insert_rows(session, GridRiskScore.__table__, grids[start : start + CHUNK])
    if len(write) >= CHUNK:
        dialect.refresh_statistics(session, RiskScore.__table__)
    return len(write)


def _grid_rows(
    session: Session,
    by_grid: dict[uuid.UUID, list[tuple[int, uuid.UUID, str]]],
    rules: RuleSet,
    as_of: datetime,
) -> list[dict[str, Any]]:
    """A grid's score: the mean of its k highest premises scores, rounded half up (a grid with
    one dangerous unit among many quiet ones still shows it; a grid's size does not)."""
    paths = dict(
        session.execute(select(Area.id, Area.path).where(Area.level == AreaLevel.GRID.value)).all()
    )
    out = []
    k = rules.grid_top_k
    for area_id, members in by_grid.items():
        if area_id not in paths:
            continue  # premises placed in a township only: no grid to score
        top = heapq.nsmallest(k, members, key=lambda m: (-m[0], m[1]))  # ids: in text order
        total = sum(m[0] for m in top)
        score = (2 * total + len(top)) // (2 * len(top))
        levels: dict[str, int] = {}
        for _, _, level in members:
            levels[level] = levels.get(level, 0) + 1
        out.append(
            {
                "area_id": area_id,
                "area_path": paths[area_id],
                "score": score,
                "level": rules.level_for(score).value,
                "ruleset": rules.version,
                "computed_at": as_of,
                "facts": {
                    "premises": len(members),
                    "levels": levels,
                    "top": [{"premises_id": str(m[1]), "score": m[0]} for m in top],
                    "explanation": f"网格内 {len(members)} 家单位中风险最高的 {len(top)} 家"
                    f"平均 {score} 分",
                },
            }
        )
    return out


# --- Reads ---------------------------------------------------------------------------------------


def last_run_at(session: Session) -> datetime | None:
    """When scores were last recomputed. A score's own `computed_at` says when it last
    changed (unchanged rows are left alone), so a reader needs both to know it is current."""
    return session.scalar(select(func.max(RiskRun.computed_at)))


def score_of(
    session: Session, principal: Principal, premises_id: uuid.UUID
) -> tuple[Premises, RiskScore | None]:
    """A premises in the caller's scope and its score (None before the first computation)."""
    demand(principal.role, Permission.READ_RISK, "read risk scores")
    premises = premises_service.in_scope(session, principal, premises_id)
    return premises, session.get(RiskScore, premises.id)


def _area_clause(session: Session, principal: Principal, area_code: str | None, column):
    if area_code:
        return column.startswith(area_in_scope(session, principal, area_code).path, autoescape=True)
    return scope_of(session, principal).area_clause_on(column)


def list_scores(
    session: Session,
    principal: Principal,
    *,
    area_code: str | None,
    level: str | None,
    offset: int,
    limit: int,
) -> tuple[int, list[Any]]:
    """Premises by score, highest first, in the caller's scope (under `area_code` if given, of
    `level` if given): (how many in all, the page's rows)."""
    demand(principal.role, Permission.READ_RISK, "read risk scores")
    where = [_area_clause(session, principal, area_code, RiskScore.area_path)]
    if level:
        where.append(RiskScore.level == level)
    total = session.scalar(select(func.count()).select_from(RiskScore).where(*where)) or 0
    rows = session.execute(
        select(
            RiskScore.premises_id,
            Premises.name,
            Premises.address,
            Area.code.label("area_code"),
            RiskScore.score,
            RiskScore.level,
            RiskScore.ruleset,
            RiskScore.computed_at,
            Premises.risk_level,
        )
        .join(Premises, Premises.id == RiskScore.premises_id)
        .outerjoin(Area, Area.id == RiskScore.area_id)
        .where(*where)
        .order_by(RiskScore.score.desc(), RiskScore.premises_id)
        .offset(offset)
        .limit(limit)
    ).all()
    return total, list(rows)


def grid_scores(session: Session, principal: Principal, *, area_code: str | None) -> list[Any]:
    """Every scored grid in the caller's scope (under `area_code` if given), highest first."""
    demand(principal.role, Permission.READ_RISK, "read risk scores")
    return list(
        session.execute(
            select(
                Area.code,
                Area.name,
                GridRiskScore.score,
                GridRiskScore.level,
                GridRiskScore.ruleset,
                GridRiskScore.computed_at,
                GridRiskScore.facts,
            )
            .join(Area, Area.id == GridRiskScore.area_id)
            .where(_area_clause(session, principal, area_code, GridRiskScore.area_path))
            .order_by(GridRiskScore.score.desc(), Area.code)
        ).all()
    )


def computed_levels(session: Session, area_path: str) -> dict[uuid.UUID, str]:
    """The computed level of each scored premises under an area (patrols' monthly plans)."""
    return dict(
        session.execute(
            select(RiskScore.premises_id, RiskScore.level).where(
                RiskScore.area_path.startswith(area_path, autoescape=True)
            )
        ).all()
    )


def draw_weights(session: Session, area_path: str) -> dict[str, Any] | None:
    """What the random draw keeps in its inputs: the rule set's version, when the scores were
    computed, and each scored premises' score and weight (1 + score / divisor). None when no
    premises under the area has a score (the draw weighs by level and credit, as before)."""
    rows = session.execute(
        select(RiskScore.premises_id, RiskScore.score, RiskScore.ruleset, RiskScore.computed_at)
        .where(RiskScore.area_path.startswith(area_path, autoescape=True))
        .order_by(RiskScore.premises_id)
    ).all()
    if not rows:
        return None
    version = rows[0].ruleset
    rules = ruleset(version)
    return {
        "ruleset": version,
        "computed_at": max(r.computed_at for r in rows).isoformat(),
        "scores": {str(r.premises_id): r.score for r in rows},
        "weights": {str(r.premises_id): rules.draw_weight(r.score) for r in rows},
    }


@dataclass(frozen=True)
class ListRow:
    name: str
    address: str
    grid: str
    score: int
    level: str
    factors: str
    open_hazards: int
    year_hazards: int
    ruleset: str


def hazard_list(
    session: Session, principal: Principal, *, township: str, year: int
) -> list[list[ListRow]]:
    """隐患清单: every scored premises of a township, highest score first, with its main factors,
    its open hazards and those reported in `year` (Beijing calendar year, in UTC bounds)."""
    demand(principal.role, Permission.READ_RISK, "read risk scores")
    if not 2000 <= year <= 2100:
        raise InvalidInput("a year between 2000 and 2100", field="year")
    area = area_in_scope(session, principal, township)
    if area.level != AreaLevel.TOWNSHIP.value:
        raise NotFound(f"no township with code {township!r}")
    from backend.core.localtime import LOCAL_TIME

    start = datetime(year, 1, 1, tzinfo=LOCAL_TIME)
    end = datetime(year + 1, 1, 1, tzinfo=LOCAL_TIME)
    under = Premises.area_path.startswith(area.path, autoescape=True)
    open_counts = dict(
        session.execute(
            select(Hazard.premises_id, func.count())
            .join(Premises, Premises.id == Hazard.premises_id)
            .where(under, Hazard.is_open.is_(True))
            .group_by(Hazard.premises_id)
        ).all()
    )
    year_counts = dict(
        session.execute(
            select(Hazard.premises_id, func.count())
            .join(Premises, Premises.id == Hazard.premises_id)
            .where(under, Hazard.reported_at >= start, Hazard.reported_at < end)
            .group_by(Hazard.premises_id)
        ).all()
    )
    rows = session.execute(
        select(
            Premises.id,
            Premises.name,
            Premises.address,
            Area.name.label("grid"),
            RiskScore.score,
            RiskScore.level,
            RiskScore.ruleset,
            RiskScore.contributions,
        )
        .join(RiskScore, RiskScore.premises_id == Premises.id)
        .outerjoin(Area, Area.id == Premises.area_id)
        .where(under, Premises.archived.is_(False))
        .order_by(RiskScore.score.desc(), Premises.name)
    ).all()
    return [
        [
            ListRow(
                r.name,
                r.address,
                r.grid or "",
                r.score,
                scoring.level_zh(r.level),
                main_factors(r.contributions),
                open_counts.get(r.id, 0),
                year_counts.get(r.id, 0),
                r.ruleset,
            )
            for r in rows
        ]
    ]


def main_factors(contributions: list[dict[str, Any]], top: int = 3) -> str:
    """The explanations of the largest contributions, largest first."""
    ranked = sorted(contributions, key=lambda c: -c["points"])[:top]
    return "；".join(c["explanation"] for c in ranked if c["points"] > 0)
