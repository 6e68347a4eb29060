"""The month's score 考核得分 and ranking, from the assessment's figures (`patrols.assessment`).

A score is 0-100: each metric is a rate between 0 and 1, weighted; the weights are the
deployment's (`FIREGRID_ASSESSMENT_WEIGHTS`, defaults below, docs/patrols.md#score). Two rules
keep it fair to people whose month gave them nothing to do in a metric:

- a metric with nothing to measure for a worker (no complaint held, no visit made, no task due)
  is left out of their score and the other weights are scaled up to 100, so nobody loses marks
  for complaints they never received;
- counts with no natural ceiling (hazards found, ordinary hazards closed in the grid) are read
  against the best worker of the same assessment: the best gets 1, the others their share.

Every score carries its contributions, so that a station can say why a worker ranks where they
do, and an area's score is the mean of its workers' scores.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from backend.core.settings import ConfigurationError, Settings
from patrols.assessment import AreaMonth, WorkerMonth

# Each metric's default weight; the order is the order shown.
DEFAULT_WEIGHTS: dict[str, float] = {
    "tasks_on_time": 40.0,  # 巡查任务按时完成率
    "valid_check_ins": 15.0,  # 到场签到有效率
    "hazards_found": 15.0,  # 发现隐患（与本次考核中最多者相比）
    "complaints_signed_on_time": 10.0,  # 投诉按时签收率
    "complaints_replied_on_time": 15.0,  # 投诉按时答复率
    "closed_in_grid": 5.0,  # 一般隐患网格内闭环（与最多者相比）
}

# A rate for each metric: (numerator, denominator) of one worker; None when there is nothing to
# measure. Relative metrics get their denominator (the best of the assessment) at scoring time.
_RATES: dict[str, Callable[[WorkerMonth], tuple[float, float]]] = {
    "tasks_on_time": lambda w: (w.tasks_done_on_time, w.tasks_due),
    "valid_check_ins": lambda w: (w.visits_with_valid_check_in, w.visits),
    "complaints_signed_on_time": lambda w: (w.complaints_signed_on_time, w.complaints),
    "complaints_replied_on_time": lambda w: (w.complaints_replied_on_time, w.complaints),
}
_RELATIVE: dict[str, Callable[[WorkerMonth], float]] = {
    "hazards_found": lambda w: w.hazards_found,
    "closed_in_grid": lambda w: w.ordinary_closed_in_grid,
}
METRICS = tuple(DEFAULT_WEIGHTS)


class WeightsRefused(ValueError):
    """Weights a deployment cannot mean: unknown metrics, negative ones, or all zero."""


def checked_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    """The weights to score with: the defaults, with a deployment's overrides."""
    merged = dict(DEFAULT_WEIGHTS)
    for metric, weight in (weights or {}).items():
        if metric not in DEFAULT_WEIGHTS:
            raise WeightsRefused(
                f"unknown assessment metric {metric!r}; one of: {', '.join(METRICS)}"
            )
        if weight < 0:
            raise WeightsRefused(f"the weight of {metric} must not be negative")
        merged[metric] = float(weight)
    if not any(merged.values()):
        raise WeightsRefused("at least one assessment weight must be above zero")
    return merged


def check_settings(settings: Settings) -> None:
    """Refuse to start with weights that mean nothing (a typo would silently score by the
    defaults)."""
    try:
        checked_weights(settings.assessment_weights)
    except WeightsRefused as refused:
        raise ConfigurationError(f"FIREGRID_ASSESSMENT_WEIGHTS: {refused}") from refused


@dataclass(frozen=True)
class Contribution:
    metric: str
    rate: float | None  # None: nothing to measure this month, left out
    weight: float  # as configured
    points: float  # what it adds to the score, after the weights are scaled to 100


@dataclass
class Scored:
    score: float
    contributions: list[Contribution]
    rank: int = 0


@dataclass
class Ranking:
    weights: dict[str, float]
    workers: dict[object, Scored] = field(default_factory=dict)  # by user id
    areas: dict[str, Scored] = field(default_factory=dict)  # by area code


def score_month(
    workers: list[WorkerMonth],
    areas: list[AreaMonth],
    weights: Mapping[str, float] | None = None,
) -> Ranking:
    """Every worker's score and rank (1 is best; equal scores share a rank), then each area's:
    the mean of the scores of the workers with a grid in it (a grid code starts with the code
    of every area above it), ranked among the areas of its level."""
    used = checked_weights(weights)
    best = {
        metric: max((read(w) for w in workers), default=0) for metric, read in _RELATIVE.items()
    }
    ranking = Ranking(weights=used)
    for worker in workers:
        rates: dict[str, float | None] = {}
        for metric, read in _RATES.items():
            done, due = read(worker)
            rates[metric] = done / due if due else None
        for metric, read in _RELATIVE.items():
            rates[metric] = read(worker) / best[metric] if best[metric] else None
        counted = sum(used[m] for m, rate in rates.items() if rate is not None)
        contributions = [
            Contribution(
                metric,
                rates[metric],
                used[metric],
                round(100 * used[metric] * rates[metric] / counted, 2)
                if rates[metric] is not None and counted
                else 0.0,
            )
            for metric in METRICS
        ]
        score = round(sum(c.points for c in contributions), 1)
        ranking.workers[worker.user_id] = Scored(score, contributions)
    _rank(list(ranking.workers.values()))

    by_level: dict[str, list[Scored]] = {}
    for area in areas:
        inside = [
            ranking.workers[w.user_id].score
            for w in workers
            if any(code.startswith(area.area_code) for code in w.grids)
        ]
        scored = Scored(round(sum(inside) / len(inside), 1) if inside else 0.0, [])
        ranking.areas[area.area_code] = scored
        by_level.setdefault(area.level, []).append(scored)
    for level in by_level.values():
        _rank(level)
    return ranking


def _rank(scored: list[Scored]) -> None:
    """Competition ranking: 1, 2, 2, 4."""
    ordered = sorted(scored, key=lambda s: -s.score)
    for place, item in enumerate(ordered, start=1):
        previous = ordered[place - 2] if place > 1 else None
        item.rank = previous.rank if previous and previous.score == item.score else place
