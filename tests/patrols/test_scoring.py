"""The month's score 考核得分: rates weighted to 100, metrics with nothing to measure left out
(nobody loses marks for complaints they never received), counts read against the best of the
assessment, equal scores sharing a rank, an area the mean of its workers, and weights a
deployment sets (refused when they mean nothing)."""

from __future__ import annotations

import uuid

import pytest

from patrols.assessment import AreaMonth, WorkerMonth
from patrols.scoring import DEFAULT_WEIGHTS, WeightsRefused, checked_weights, score_month


def worker(name: str, grid: str, **figures) -> WorkerMonth:
    return WorkerMonth(uuid.uuid4(), name, name, [grid], **figures)


def points(scored) -> dict[str, float]:
    return {c.metric: c.points for c in scored.contributions}


def test_a_perfect_month_scores_100_and_an_empty_metric_costs_nothing():
    perfect = worker(
        "wang",
        "G1",
        tasks_due=10,
        tasks_done_on_time=10,
        visits=8,
        visits_with_valid_check_in=8,
        hazards_found=3,
        ordinary_closed_in_grid=2,
        complaints=2,
        complaints_signed_on_time=2,
        complaints_replied_on_time=2,
    )
    # Same work, but no complaint ever reached this grid: still 100.
    no_complaints = worker(
        "li",
        "G2",
        tasks_due=10,
        tasks_done_on_time=10,
        visits=8,
        visits_with_valid_check_in=8,
        hazards_found=3,
        ordinary_closed_in_grid=2,
    )
    ranking = score_month([perfect, no_complaints], [])
    assert ranking.workers[perfect.user_id].score == 100.0
    assert ranking.workers[no_complaints.user_id].score == 100.0
    left_out = {c.metric: c.rate for c in ranking.workers[no_complaints.user_id].contributions}
    assert left_out["complaints_signed_on_time"] is None
    assert ranking.workers[perfect.user_id].rank == ranking.workers[no_complaints.user_id].rank == 1


def test_rates_are_weighted_and_counts_read_against_the_best():
    busy = worker("busy", "G1", tasks_due=10, tasks_done_on_time=10, hazards_found=4)
    late = worker("late", "G2", tasks_due=10, tasks_done_on_time=5, hazards_found=1)
    idle = worker("idle", "G3", tasks_due=10, tasks_done_on_time=0)
    ranking = score_month([busy, late, idle], [])
    # Two metrics measured for all three (tasks 40, hazards found 15): scaled to 55.
    assert points(ranking.workers[busy.user_id])["tasks_on_time"] == round(100 * 40 / 55, 2)
    assert ranking.workers[busy.user_id].score == 100.0
    late_points = points(ranking.workers[late.user_id])
    assert late_points["tasks_on_time"] == round(100 * 40 * 0.5 / 55, 2)
    assert late_points["hazards_found"] == round(100 * 15 * 0.25 / 55, 2)  # 1 of the best's 4
    assert ranking.workers[idle.user_id].score == 0.0
    assert [ranking.workers[w.user_id].rank for w in (busy, late, idle)] == [1, 2, 3]


def test_equal_scores_share_a_rank_and_an_area_is_the_mean_of_its_workers():
    a = worker("a", "V1-01", tasks_due=4, tasks_done_on_time=4)
    b = worker("b", "V1-02", tasks_due=4, tasks_done_on_time=4)
    c = worker("c", "V2-01", tasks_due=4, tasks_done_on_time=2)
    areas = [AreaMonth("V1", "一村", "village"), AreaMonth("V2", "二村", "village")]
    ranking = score_month([a, b, c], areas)
    assert [ranking.workers[w.user_id].rank for w in (a, b, c)] == [1, 1, 3]
    assert ranking.areas["V1"].score == 100.0 and ranking.areas["V1"].rank == 1
    assert ranking.areas["V2"].score == 50.0 and ranking.areas["V2"].rank == 2


def test_a_deployment_sets_its_weights_and_nonsense_is_refused():
    only_tasks = {metric: 0 for metric in DEFAULT_WEIGHTS} | {"tasks_on_time": 1}
    half = worker("half", "G1", tasks_due=2, tasks_done_on_time=1, hazards_found=5)
    assert score_month([half], [], only_tasks).workers[half.user_id].score == 50.0
    assert checked_weights({"hazards_found": 30})["hazards_found"] == 30.0
    with pytest.raises(WeightsRefused, match="unknown assessment metric"):
        checked_weights({"smiles": 10})
    with pytest.raises(WeightsRefused, match="negative"):
        checked_weights({"hazards_found": -1})
    with pytest.raises(WeightsRefused, match="above zero"):
        checked_weights({metric: 0 for metric in DEFAULT_WEIGHTS})


def test_a_misconfigured_deployment_does_not_start():
    from backend.app import create_app
    from backend.core.settings import ConfigurationError, get_settings

    settings = get_settings().model_copy(update={"assessment_weights": {"smiles": 1}})
    with pytest.raises(ConfigurationError, match="FIREGRID_ASSESSMENT_WEIGHTS"):
        create_app(settings)
