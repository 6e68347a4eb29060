"""An explainable risk score: a home with a fire and two complaints about it rises from 低 to
高, every point explained; a shop whose smoke detector alarms again and again rises too; next month's plan patrols it monthly instead of quarterly;
the random draw weighs units by their scores and still verifies; the township's 隐患清单
lists it first."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import select

from backend.core import audit
from backend.core.settings import get_settings
from grids.models import Area
from patrols.plans import plan_area
from risk import service, sources
from risk.rules import ruleset
from risk.scheduled import recompute_nightly
from tests.alarms.test_alarm_feeds import event, platform, post, register  # noqa: F401 - a fixture
from tests.patrols.inspections.test_random_inspections import organise, run_draw
from tests.world import complaint_body, premises_body, send_complaint


@pytest.fixture
def fire_at(api, station_staff):
    """A fire recorded at the premises by the station, someone hurt (fires.incidents)."""

    def record(premises_id: str) -> None:
        recorded = api.post(
            "/api/v1/fire-incidents",
            json={
                "occurred_at": (datetime.now(UTC) - timedelta(days=3)).isoformat(),
                "premises_id": premises_id,
                "address": "示例路1号",
                "cause": "electrical",
                "place_category": "residential",
                "injuries": 1,
            },
            headers=station_staff.headers(api),
        )
        assert recorded.status_code == 201, recorded.text

    return record


def recompute(db) -> service.RunOutcome:
    with db() as session:
        return service.recompute(
            session, get_settings(), actor=audit.Actor.system(), trigger="test"
        )


@pytest.fixture
def house(api, grid, station_staff) -> str:
    """A low-risk home, patrolled every three months."""
    created = api.post(
        "/api/v1/premises",
        json=premises_body(
            name="临街住宅",
            premises_type="residential",
            risk_level="low",
            uscc=None,
            individual_business=True,
        ),
        headers=station_staff.headers(api),
    )
    assert created.status_code == 201, created.text
    return created.json()["id"]


def risk_of(api, staff, premises_id: str) -> dict:
    answer = api.get(f"/api/v1/risk/premises/{premises_id}", headers=staff.headers(api))
    assert answer.status_code == 200, answer.text
    return answer.json()


def planned_this_month(db, township, premises_id: str, period: str) -> bool:
    with db() as session:
        area = session.scalar(select(Area).where(Area.code == township.code))
        outcome = plan_area(
            session,
            get_settings(),
            area,
            period,
            actor=audit.Actor.system(),
            created_by=None,
            preview=True,
        )
    return outcome.created == 1


def test_a_fire_and_two_complaints_raise_a_home_and_its_patrols(
    api, db, township, grid, station_staff, hotline, house, fire_at
):
    assert risk_of(api, station_staff, house)["score"] is None  # not computed yet
    recompute(db)
    before = risk_of(api, station_staff, house)
    assert before["level"] == "low" and before["level_zh"] == "低"
    assert before["score"] == sum(c["points"] for c in before["contributions"])
    assert before["contributions"][0]["explanation"] == "场所类型：住宅，计 5 分"
    period = "2027-02"  # not a quarter's first month: a quarterly home is not due
    assert not planned_this_month(db, township, house, period)

    fire_at(house)
    for n in (1, 2):
        sent = send_complaint(api, hotline, complaint_body(external_id=f"12345-risk-{n}"))
        assert sent.status_code in (200, 201), sent.text
    outcome = recompute(db)
    assert "fire_incidents" in outcome.sources and "complaints" in outcome.sources

    after = risk_of(api, station_staff, house)
    assert after["score"] == sum(c["points"] for c in after["contributions"])
    assert after["score"] > before["score"]
    assert after["level"] in ("high", "very_high") and after["level_zh"] in ("高", "很高")
    assert after["typed_level"] == "low" and after["patrol_level"] == after["level"]
    factors = {c["factor"]: c for c in after["contributions"]}
    assert factors["complaints"]["facts"] == {"complaint": 2}
    assert factors["complaints"]["points"] == 12
    assert factors["fire_incidents"]["points"] == 30
    assert "近12个月火灾" in factors["fire_incidents"]["explanation"]
    assert after["ruleset"] == "2026-1"
    # The next monthly plan patrols it: high risk is monthly.
    assert planned_this_month(db, township, house, period)

    # The grid's score is its premises' top mean; lists show the home first.
    grids = api.get("/api/v1/risk/grids", headers=station_staff.headers(api)).json()
    assert grids[0]["area_code"] == grid.code and grids[0]["score"] == after["score"]
    listed = api.get(
        "/api/v1/risk/premises",
        params={"area": grid.code, "level": after["level"]},
        headers=station_staff.headers(api),
    ).json()
    assert listed["total"] == 1 and listed["items"][0]["premises_id"] == house


def test_every_score_is_the_exact_sum_of_its_contributions(db, api, units):
    recompute(db)
    with db() as session:
        from risk.models import RiskScore

        rows = session.scalars(select(RiskScore)).all()
    assert len(rows) == 60
    for row in rows:
        assert row.score == sum(c["points"] for c in row.contributions)
        assert all(c["explanation"] for c in row.contributions)
        assert row.level == ruleset(row.ruleset).level_for(row.score)


def test_the_registry_takes_sources_and_refuses_what_is_not_one():
    class NotASource:
        name = "nothing"

    with pytest.raises(TypeError):
        sources.register(NotASource())
    names = [s.name for s in sources.all_sources(ruleset())]
    # Built in, then the alarm feeds' (handed in by backend.effects.install): each one once.
    assert names == ["open_hazards", "past_hazards", "complaints", "fire_incidents", "alarm_events"]


def test_a_draw_weighs_units_by_their_scores_and_a_tampered_weight_fails(
    api, db, units, inspectors, brigade_staff
):
    from patrols.inspections.models import InspectionDraw

    recompute(db)
    plan = organise(api, brigade_staff)
    draw, _rows = run_draw(api, brigade_staff, plan)
    with db() as session:
        record = session.get(InspectionDraw, uuid.UUID(draw["id"]))
        inputs = json.loads(record.inputs)
    kept = inputs["risk"]
    assert kept["ruleset"] == "2026-1" and len(kept["weights"]) == 60
    rules = ruleset(kept["ruleset"])
    assert all(kept["weights"][p] == rules.draw_weight(s) for p, s in kept["scores"].items())
    blacklisted = [c[0] for c in inputs["candidates"] if c[4] == "blacklist"]
    red_listed = [c[0] for c in inputs["candidates"] if c[4] == "red_list"]
    assert kept["weights"][blacklisted[0]] > kept["weights"][red_listed[0]]
    verified = api.get(f"/api/v1/inspections/draws/{draw['id']}/verify").json()
    assert verified["sound"] is True, verified

    with db() as session:  # someone makes one unit weigh more after the draw
        record = session.get(InspectionDraw, uuid.UUID(draw["id"]))
        inputs = json.loads(record.inputs)
        first = sorted(inputs["risk"]["weights"])[0]
        inputs["risk"]["weights"][first] = 50.0
        record.inputs = json.dumps(inputs)
    caught = api.get(f"/api/v1/inspections/draws/{draw['id']}/verify").json()
    assert caught["sound"] is False
    assert "inputs differs" in " ".join(caught["problems"])


def test_the_hazard_list_opens_in_excel_with_the_township_s_units(
    api, db, township, station_staff, house, premises
):
    hazard = api.post(
        "/api/v1/hazards",
        json={
            "category": "ebike_indoor",
            "description": "楼道内电动车飞线充电",
            "lng": 109.41,
            "lat": 24.35,
            "premises_id": premises,
        },
        headers=station_staff.headers(api),
    )
    assert hazard.status_code in (200, 201), hazard.text
    recompute(db)
    year = datetime.now(UTC).year
    answer = api.get(
        "/api/v1/risk/hazard-list.xlsx",
        params={"township": township.code, "year": year},
        headers=station_staff.headers(api),
    )
    assert answer.status_code == 200, answer.text
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:7] == (
        "单位",
        "地址",
        "网格",
        "风险分值",
        "风险等级",
        "主要风险因素",
        "未整改隐患",
    )
    assert {r[0] for r in rows[1:]} == {"临街住宅", "幸福小吃店"}
    shop = next(r for r in rows[1:] if r[0] == "幸福小吃店")
    assert shop[6] == 1 and shop[7] == 1 and "未整改隐患" in shop[5]
    assert rows[1][3] >= rows[2][3]  # highest first


def test_staff_see_scores_of_their_own_township_only(
    api, db, township, other_township, station_staff, other_station_staff, house
):
    recompute(db)
    outside = api.get(f"/api/v1/risk/premises/{house}", headers=other_station_staff.headers(api))
    made_up = api.get(
        f"/api/v1/risk/premises/{uuid.uuid4()}", headers=other_station_staff.headers(api)
    )
    assert outside.status_code == made_up.status_code == 404
    listed = api.get("/api/v1/risk/premises", headers=other_station_staff.headers(api)).json()
    assert (listed["total"], listed["items"]) == (0, [])
    assert api.get("/api/v1/risk/grids", headers=other_station_staff.headers(api)).json() == []
    refused = api.get(
        "/api/v1/risk/hazard-list.xlsx",
        params={"township": township.code, "year": 2026},
        headers=other_station_staff.headers(api),
    )
    assert refused.status_code == 404
    assert api.get("/api/v1/risk/premises", headers=station_staff.headers(api)).json()["total"] == 1


def test_the_worker_recomputes_once_a_night(db, house):
    settings = get_settings()
    night = datetime(2027, 1, 10, 1, 0, tzinfo=UTC)  # 09:00 Beijing
    with db() as session:
        assert recompute_nightly(session, settings, now=night) == 1
    with db() as session:
        assert recompute_nightly(session, settings, now=night + timedelta(hours=1)) == 0
    with db() as session:
        assert recompute_nightly(session, settings, now=night + timedelta(days=1)) == 1


def test_a_smoke_detector_alarming_again_and_again_raises_its_premises(
    api,
    db,
    premises,
    station_staff,
    platform,  # noqa: F811 - the fixture imported above
):
    """The alarm feeds' source (handed in by the composition root): three alarms of one
    detector within the hour, the third a repeated alarm reported as a hazard, count in the
    premises' score with the hazard they made."""
    recompute(db)
    before = risk_of(api, station_staff, premises)
    assert "alarm_events" not in {c["factor"] for c in before["contributions"]}
    register(api, station_staff.headers(api), premises)
    sent, _ = post(api, platform, [event(f"R-{n}", "alarm", 50 - 20 * n) for n in range(3)])
    assert sent.status_code == 200, sent.text
    recompute(db)

    after = risk_of(api, station_staff, premises)
    assert after["score"] == sum(c["points"] for c in after["contributions"])
    factors = {c["factor"]: c for c in after["contributions"]}
    assert factors["alarm_events"]["facts"] == {"alarm": 3, "repeated": 1}
    assert factors["alarm_events"]["points"] == 3 * 3 + 6
    assert "近12个月物联网报警" in factors["alarm_events"]["explanation"]
    # The burst's hazard is an open hazard of the premises too.
    assert factors["open_hazards"]["facts"]
    assert after["score"] > before["score"]
