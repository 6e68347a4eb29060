"""双随机、一公开: a county brigade draws units and inspector pairs at random, reproducibly,
fairly (risk and credit weigh, nobody more than twice a year, no conflicted inspector), and
publishes plans, draws and results without personal data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from backend.core.ids import new_id
from backend.identity.enums import Role
from grids.models import Area
from grids.premises.models import Premises
from patrols.inspections.models import InspectionAssignment
from tests.patrols.conftest import register_shop
from tests.world import USCC_B, another_county, make_person

FIREGRID = str(Path(sys.executable).parent / "firegrid")
YEAR = 2027


@pytest.fixture
def units(db, township) -> list[str]:
    """Sixty units in the township: a third high risk, some blacklisted, some red-listed."""
    with db() as session:
        town = session.scalar(select(Area).where(Area.code == township.code))
        rows = [
            {
                "id": new_id(),
                "name": f"抽查单位{n:02d}",
                "uscc": None,
                "individual_business": True,
                "premises_type": "small_venue",
                "risk_level": "high" if n % 3 == 0 else "low",
                "supervision_tier": "township",
                "key_unit": False,
                "address": f"示例路{n}号",
                "lng": 109.41,
                "lat": 24.35,
                "location": "SRID=4326;POINT(109.41 24.35)",
                "raw_lng": 109.41,
                "raw_lat": 24.35,
                "raw_crs": "wgs84",
                "area_id": town.id,
                "area_path": town.path,
                "route_status": "inside",
                "contact_name": "李四",
                "contact_phone": "13900001111",
                "credit_status": ["normal", "blacklist", "red_list", "normal"][n % 4],
                "archived": False,
                "version": 1,
            }
            for n in range(60)
        ]
        session.execute(insert(Premises), rows)
    return [str(r["id"]) for r in rows]


@pytest.fixture
def inspectors(db, township, county, brigade_staff, station_staff) -> list:
    """Five certified inspectors (the brigade officer, the station officer and three more) and
    one whose certificate is missing."""
    more = [
        make_person(db, f"inspector.{n}", Role.STATION_STAFF, township, certified=True)
        for n in range(3)
    ]
    make_person(db, "uncertified.one", Role.STATION_STAFF, township)
    return [brigade_staff, station_staff, *more]


def organise(api, brigade_staff, *, rate=0.5, title="2027年第一季度双随机抽查") -> dict:
    api.post(
        "/api/v1/inspections/items",
        json={"code": "exits", "title": "疏散通道、安全出口", "basis": "《消防法》第十六条"},
        headers=brigade_staff.headers(api),
    )
    plan = api.post(
        "/api/v1/inspections/plans",
        json={
            "title": title,
            "area_code": "990101",
            "starts_on": f"{YEAR}-01-01",
            "ends_on": f"{YEAR}-03-31",
            "rates": [{"risk": "high", "rate": rate}, {"rate": rate / 2}],
            "item_codes": ["exits"],
        },
        headers=brigade_staff.headers(api),
    )
    assert plan.status_code == 201, plan.text
    return plan.json()


def run_draw(api, brigade_staff, plan, value="2027001期 福彩3D 123"):
    drawn = api.post(
        f"/api/v1/inspections/plans/{plan['id']}/draws",
        json={"public_value": value},
        headers=brigade_staff.headers(api),
    )
    assert drawn.status_code == 201, drawn.text
    draw = drawn.json()
    rows = api.get(
        f"/api/v1/inspections/draws/{draw['id']}", headers=brigade_staff.headers(api)
    ).json()
    return draw, rows


def test_a_draw_is_weighted_fair_reproducible_and_free_of_conflicts(
    api, db, units, inspectors, brigade_staff
):
    conflicted = inspectors[2]
    refused = api.post(
        "/api/v1/inspections/conflicts",
        json={"user_id": str(conflicted.id), "premises_id": units[0], "relation": "spouse"},
        headers=conflicted.headers(api),
    )
    assert refused.status_code == 201, refused.text
    directory = api.get("/api/v1/inspections/inspectors", headers=brigade_staff.headers(api))
    assert directory.status_code == 200, directory.text
    listed = {e["user_id"]: e for e in directory.json()}
    assert set(listed) == {str(p.id) for p in inspectors}  # not the uncertified one
    assert (listed[str(conflicted.id)]["conflicts"], listed[str(conflicted.id)]["unit"]) == (
        1,
        "990101001",
    )
    plan = organise(api, brigade_staff)
    draw, rows = run_draw(api, brigade_staff, plan)

    # 20 high risk at 50 %, 40 low at 25 %: 10 + 10.
    assert draw["drawn"] == len(rows) == 20
    certified = {str(p.id) for p in inspectors}
    for row in rows:
        pair = set(row["inspector_ids"])
        assert len(pair) == 2 and pair <= certified
        if row["premises_id"] == units[0]:
            assert str(conflicted.id) not in pair

    # The same plan and public value give the same result: a second plan with the same
    # inputs is drawn alike but for its own fingerprint, so recompute through verify.
    verified = api.get(f"/api/v1/inspections/draws/{draw['id']}/verify").json()
    assert verified == {"draw_id": draw["id"], "sound": True, "problems": []}


def test_blacklisted_units_are_drawn_about_four_times_as_often_as_red_listed_ones():
    """Weights 2 and 0.5 (risk alike); a fixed seed, so the counts are the same every run."""
    from patrols.inspections import draw as lottery

    units = [
        lottery.Candidate(f"{credit}-{n:04d}", None, "township", "low", credit, 0, ())
        for credit in ("blacklist", "red_list")
        for n in range(1000)
    ]
    drawn = lottery.draw(
        lottery.seed_for("plan", "public value"),
        units,
        [lottery.Inspector("a", ()), lottery.Inspector("b", ())],
        [lottery.RateRule(None, None, 0.1)],
        max_per_year=2,
    )
    blacklisted = sum(d.premises_id.startswith("blacklist") for d in drawn)
    assert len(drawn) == 200
    assert 140 <= blacklisted <= 185  # about 4 in 5; uniform sampling would give 100


def test_the_same_seed_gives_the_same_draw_and_a_tampered_draw_is_caught(
    api, db, units, inspectors, brigade_staff
):
    from patrols.inspections import draw as lottery
    from patrols.inspections.models import InspectionDraw
    from patrols.inspections.service import _compute

    plan = organise(api, brigade_staff)
    draw, rows = run_draw(api, brigade_staff, plan)
    with db() as session:
        record = session.get(InspectionDraw, uuid.UUID(draw["id"]))
        inputs = json.loads(record.inputs)
        again = _compute(record.seed, inputs, record.max_per_year)
        twice = _compute(record.seed, inputs, record.max_per_year)
        other = _compute(lottery.seed_for("x", "another value"), inputs, 2)
    assert again == twice
    assert [d.premises_id for d in again] == [r["premises_id"] for r in rows]
    assert [d.premises_id for d in other] != [d.premises_id for d in again]

    outside = subprocess.run(
        [FIREGRID, "inspections", "verify", draw["id"]],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=120,
    )
    assert outside.returncode == 0, outside.stderr

    # Someone swaps an inspector in the database after the draw.
    with db() as session:
        first = session.scalar(
            select(InspectionAssignment).where(
                InspectionAssignment.draw_id == uuid.UUID(draw["id"]),
                InspectionAssignment.position == 0,
            )
        )
        session.execute(
            update(InspectionAssignment)
            .where(InspectionAssignment.id == first.id)
            .values(inspector_ids=[str(uuid.uuid4()), first.inspector_ids[1]])
        )
    caught = api.get(f"/api/v1/inspections/draws/{draw['id']}/verify").json()
    assert caught["sound"] is False
    assert caught["problems"] == ["1 assignment(s) differ from the recomputed draw"]
    cli = subprocess.run(
        [FIREGRID, "inspections", "verify", draw["id"]],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=120,
    )
    assert cli.returncode == 1 and "differ" in cli.stderr

    # Or edits what the draw kept of its inputs, so that the result would follow.
    with db() as session:
        record = session.get(InspectionDraw, uuid.UUID(draw["id"]))
        inputs = json.loads(record.inputs)
        inputs["inspectors"] = inputs["inspectors"][:2]
        record.inputs = json.dumps(inputs)
    assert "inputs differs" in " ".join(
        api.get(f"/api/v1/inspections/draws/{draw['id']}/verify").json()["problems"]
    )


def test_no_unit_is_drawn_more_than_twice_a_year(api, units, inspectors, brigade_staff):
    counts: dict[str, int] = {}
    last_pair: dict[str, set] = {}
    for n in range(3):
        plan = organise(api, brigade_staff, rate=1.0, title=f"第{n + 1}批")
        draw, rows = run_draw(api, brigade_staff, plan, value=f"value {n}")
        for row in rows:
            unit, pair = row["premises_id"], set(row["inspector_ids"])
            counts[unit] = counts.get(unit, 0) + 1
            assert not pair & last_pair.get(unit, set())  # nobody inspects it twice in a row
            last_pair[unit] = pair
    assert max(counts.values()) == 2
    high_risk = {u for n, u in enumerate(units) if n % 3 == 0}
    assert not high_risk & {r["premises_id"] for r in rows}  # all drawn twice already


def test_inspectors_record_results_which_are_published_without_personal_data(
    api, units, inspectors, brigade_staff, station_staff, grid_worker
):
    plan = organise(api, brigade_staff)
    draw, rows = run_draw(api, brigade_staff, plan)
    mine = next(r for r in rows if str(station_staff.id) in r["inspector_ids"])
    not_mine = next(r for r in rows if str(station_staff.id) not in r["inspector_ids"])
    recorded = api.post(
        f"/api/v1/inspections/assignments/{mine['id']}/result",
        json={"outcome": "failed", "hazards_found": 2, "note": "安全出口锁闭"},
        headers=station_staff.headers(api),
    )
    assert recorded.status_code == 200, recorded.text
    assert (
        api.post(
            f"/api/v1/inspections/assignments/{not_mine['id']}/result",
            json={"outcome": "passed"},
            headers=station_staff.headers(api),
        ).status_code
        == 404
    )
    bad = api.post(
        f"/api/v1/inspections/assignments/{mine['id']}/result",
        json={"outcome": "failed", "hazards_found": 0},
        headers=station_staff.headers(api),
    )
    assert bad.status_code == 422 and bad.json()["field"] == "hazards_found"
    assert (
        api.post(
            f"/api/v1/inspections/plans/{plan['id']}/draws",
            json={"public_value": "again"},
            headers=brigade_staff.headers(api),
        ).status_code
        == 409
    )
    assert (
        api.post(
            f"/api/v1/inspections/plans/{plan['id']}/draws",
            json={"public_value": "again"},
            headers=grid_worker.headers(api),
        ).status_code
        == 403
    )

    public = api.get("/public/inspections")
    assert public.status_code == 200
    text = public.text
    [published] = public.json()["plans"]
    [published_draw] = published["draws"]
    assert published["items"] == [{"code": "exits", "title": "疏散通道、安全出口"}]
    assert published_draw["seed"] == draw["seed"] and len(published_draw["objects"]) == 20
    failed = [o for o in published_draw["objects"] if o["outcome"] == "failed"]
    assert [(o["hazards_found"], o["area_code"]) for o in failed] == [(2, "990101001")]
    for personal in ("李四", "13900001111", "1111", str(station_staff.id), station_staff.username):
        assert personal not in text


def test_conflicts_name_inspectors_and_units_of_the_organisers_county_only(
    api, db, brigade_staff, station_staff, premises
):
    """An organiser cannot record a conflict for an inspector of another county, nor about a
    premises there (such a unit is named by its uscc): both are answered as ids that do not
    exist, and nothing is written."""
    far = another_county(db)
    far_premises_id = register_shop(api, far.station, "外县单位", lng=109.61, lat=24.35)
    headers = brigade_staff.headers(api)

    def record(**body) -> dict:
        response = api.post(
            "/api/v1/inspections/conflicts",
            json={"relation": "sibling", "note": "亲属经营", **body},
            headers=headers,
        )
        assert response.status_code == 404, response.text
        return response.json()

    made_up = str(uuid.uuid4())
    for field, elsewhere in (("user_id", str(far.worker.id)), ("premises_id", far_premises_id)):
        body = {"user_id": str(station_staff.id), "premises_id": premises}
        outside = record(**{**body, field: elsewhere})
        unknown = record(**{**body, field: made_up})
        assert outside["field"] == unknown["field"] == field
        assert outside["detail"].replace(elsewhere, "…") == unknown["detail"].replace(made_up, "…")
    listed = api.get("/api/v1/inspections/inspectors", headers=headers).json()
    assert all(entry["conflicts"] == 0 for entry in listed)


def test_an_inspector_reads_their_conflicts_and_an_organiser_those_of_their_inspectors(
    api, units, inspectors, brigade_staff
):
    inspector, other = inspectors[0], inspectors[1]
    api.post(
        "/api/v1/inspections/conflicts",
        json={"user_id": str(inspector.id), "premises_id": units[3], "relation": "self"},
        headers=inspector.headers(api),
    )
    api.post(
        "/api/v1/inspections/conflicts",
        json={
            "user_id": str(inspector.id),
            "uscc": USCC_B,
            "relation": "former_employer",
            "note": "2024年前任职",
        },
        headers=brigade_staff.headers(api),
    )

    def conflicts(person, of):
        return api.get(
            "/api/v1/inspections/conflicts",
            params={"user_id": str(of.id)},
            headers=person.headers(api),
        )

    own = conflicts(inspector, inspector)
    assert own.status_code == 200, own.text
    assert [(c["relation"], c["premises_id"], c["uscc"]) for c in own.json()] == [
        ("self", units[3], None),
        ("former_employer", None, USCC_B),
    ]
    assert own.json()[0]["premises_name"] and own.json()[1]["note"] == "2024年前任职"
    assert conflicts(brigade_staff, inspector).json() == own.json()
    # Another inspector is no organiser: another's register is not theirs to read.
    assert conflicts(other, inspector).status_code == 403


def test_numbers_typed_into_published_names_and_titles_are_masked(
    api, db, units, inspectors, brigade_staff
):
    with db() as session:
        session.execute(
            update(Premises)
            .where(Premises.id == uuid.UUID(units[0]))
            .values(name="张记小卖部 13812345678")
        )
    plan = organise(api, brigade_staff, rate=1.0, title="抽查（举报人身份证450202199001011234）")
    run_draw(api, brigade_staff, plan)

    public = api.get("/public/inspections")
    assert public.status_code == 200
    assert "13812345678" not in public.text and "450202199001011234" not in public.text
    [published] = public.json()["plans"]
    assert published["title"] == "抽查（举报人身份证450***********1234）"
    units_named = {o["unit"] for o in published["draws"][0]["objects"]}
    assert "张记小卖部 138****5678" in units_named
    # Inside, the registry keeps the name as typed.
    inside = api.get(f"/api/v1/premises/{units[0]}", headers=brigade_staff.headers(api)).json()
    assert inside["name"] == "张记小卖部 13812345678"


def test_organisers_follow_their_plans_and_draws_by_name(
    api, units, inspectors, brigade_staff, other_station_staff
):
    plan = organise(api, brigade_staff)
    listed = api.get("/api/v1/inspections/plans", headers=brigade_staff.headers(api))
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "1"
    [before] = listed.json()
    assert (before["id"], before["area_code"], before["draw"]) == (plan["id"], "990101", None)
    draw, rows = run_draw(api, brigade_staff, plan)

    [after] = api.get("/api/v1/inspections/plans", headers=brigade_staff.headers(api)).json()
    assert after["draw"]["seed"] == draw["seed"] and (after["drawn"], after["recorded"]) == (20, 0)
    names = {str(p.id): p.username for p in inspectors}
    for row in rows:
        assert row["premises_name"] and row["area_code"]
        assert len(row["inspector_names"]) == 2 and all(row["inspector_names"])
        assert set(row["inspector_ids"]) <= set(names)
    # Another township's station reads plans of its own area only: none here.
    elsewhere = api.get("/api/v1/inspections/plans", headers=other_station_staff.headers(api))
    assert elsewhere.json() == [] and elsewhere.headers["X-Total-Count"] == "0"
