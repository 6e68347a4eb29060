"""告知承诺 as a county lives it: a KTV opens on its signed commitment, recorded by the township
station with the signed form; the brigade's random draw takes the committed venues as a group
of their own at their own rate; the drawn KTV is inspected (and told the result in a
检查结果告知书), found to have lied, and the false commitment enters its credit record once.
Another township's staff never learn any of it exists."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from backend.core import audit
from backend.core.ids import new_id
from backend.core.localtime import today
from backend.identity.enums import Role
from grids.models import Area
from grids.premises.models import Premises
from tests.world import make_person, premises_body

YEAR = today().year + 1
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def venue(api, staff, name: str, lng: float = 109.41) -> str:
    created = api.post(
        "/api/v1/premises",
        json=premises_body(
            name=name,
            lng=lng,
            premises_type="public_gathering",
            uscc=None,
            individual_business=True,
        ),
        headers=staff.headers(api),
    )
    assert created.status_code == 201, created.text
    return created.json()["id"]


def commit(api, staff, premises_id: str, **extra):
    return api.post(
        f"/api/v1/premises/{premises_id}/commitments",
        json={
            "committed_on": today().isoformat(),
            "signatory_name": "赵法人",
            "signatory_role": "法定代表人",
            "scope": "一层至二层KTV包房，营业面积800平方米",
            **extra,
        },
        headers=staff.headers(api),
    )


@pytest.fixture
def ktv(api, grid, station_staff) -> str:
    return venue(api, station_staff, "欢乐颂KTV")


def test_a_commitment_is_recorded_with_its_signed_form_and_audited(
    api, db, ktv, station_staff, premises
):
    made = commit(api, station_staff, ktv)
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["state"], body["premises_name"], body["signatory_role"]) == (
        "committed",
        "欢乐颂KTV",
        "法定代表人",
    )
    cid = body["id"]
    for _ in range(2):  # the same file twice is kept once
        uploaded = api.post(
            f"/api/v1/commitments/{cid}/documents",
            content=PDF,
            headers={**station_staff.headers(api), "Content-Type": "application/pdf"},
        )
        assert uploaded.status_code == 201, uploaded.text
    [document] = uploaded.json()["documents"]
    read = api.get(document["url"], headers=station_staff.headers(api))
    assert read.status_code == 200 and read.content == PDF
    refused = api.post(
        f"/api/v1/commitments/{cid}/documents",
        content=b"not a pdf",
        headers={**station_staff.headers(api), "Content-Type": "text/plain"},
    )
    assert refused.status_code == 415

    # One open commitment per premises; only a public gathering place opens on one.
    again = commit(api, station_staff, ktv)
    assert again.status_code == 409 and again.json()["type"].endswith("commitment-open")
    restaurant = commit(api, station_staff, premises)
    assert restaurant.status_code == 422 and restaurant.json()["field"] == "premises_id"
    future = commit(api, station_staff, ktv, committed_on=(today() + timedelta(1)).isoformat())
    assert future.status_code == 422 and future.json()["field"] == "committed_on"

    with db() as session:
        actions = [e.action for e in audit.events_for(session, "commitment", uuid.UUID(cid))]
        on_premises = [e.action for e in audit.events_for(session, "premises", uuid.UUID(ktv))]
        recorded = next(
            e
            for e in audit.events_for(session, "commitment", uuid.UUID(cid))
            if e.action == "commitment.recorded"
        )
        attached = next(
            e
            for e in audit.events_for(session, "commitment", uuid.UUID(cid))
            if e.action == "commitment.document_attached"
        )
    assert actions == ["commitment.recorded", "commitment.document_attached"]
    assert {"commitment.recorded", "commitment.document_attached"} <= set(on_premises)
    assert attached.after["sha256"] == document["sha256"]
    assert "赵法人" not in json.dumps(
        recorded.after, ensure_ascii=False
    )  # the name stays on the commitment

    # Withdrawn, it may be recorded anew.
    withdrawn = api.post(
        f"/api/v1/commitments/{cid}/withdraw",
        json={"reason": "登记有误"},
        headers=station_staff.headers(api),
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    assert commit(api, station_staff, ktv).status_code == 201
    listed = api.get(f"/api/v1/premises/{ktv}/commitments", headers=station_staff.headers(api))
    assert [c["state"] for c in listed.json()] in (
        ["committed", "withdrawn"],
        ["withdrawn", "committed"],
    )


def test_other_townships_and_other_roles_are_refused(
    api, db, ktv, station_staff, other_station_staff, grid_worker, township
):
    cid = commit(api, station_staff, ktv).json()["id"]
    made_up = str(uuid.uuid4())
    for path in ("/api/v1/commitments/{}", "/api/v1/commitments/{}/result"):
        outside = api.request(
            "POST" if path.endswith("result") else "GET",
            path.format(cid),
            json={"result": "verified"} if path.endswith("result") else None,
            headers=other_station_staff.headers(api),
        )
        unknown = api.request(
            "POST" if path.endswith("result") else "GET",
            path.format(made_up),
            json={"result": "verified"} if path.endswith("result") else None,
            headers=other_station_staff.headers(api),
        )
        assert outside.status_code == unknown.status_code == 404
        assert outside.json()["detail"].replace(cid, "…") == unknown.json()["detail"].replace(
            made_up, "…"
        )
    assert (
        api.get(
            f"/api/v1/premises/{ktv}/commitments", headers=other_station_staff.headers(api)
        ).status_code
        == 404
    )
    assert commit(api, grid_worker, ktv).status_code == 403
    # What a spot check found is an enforcement step: a certificate valid today.
    uncertified = make_person(db, "station.nocert", Role.STATION_STAFF, township)
    refused = api.post(
        f"/api/v1/commitments/{cid}/result",
        json={"result": "verified"},
        headers=uncertified.headers(api),
    )
    assert refused.status_code == 403 and refused.json()["type"].endswith("certificate-required")
    # False needs what was found.
    bare = api.post(
        f"/api/v1/commitments/{cid}/result",
        json={"result": "false"},
        headers=station_staff.headers(api),
    )
    assert bare.status_code == 422 and bare.json()["field"] == "note"


@pytest.fixture
def directory(db, township) -> list[str]:
    """Twenty small venues of the township, drawn by the plan's rate rules."""
    with db() as session:
        town = session.scalar(select(Area).where(Area.code == township.code))
        rows = [
            {
                "id": new_id(),
                "name": f"小场所{n:02d}",
                "uscc": None,
                "individual_business": True,
                "premises_type": "small_venue",
                "risk_level": "low",
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
                "credit_status": "normal",
                "archived": False,
                "version": 1,
            }
            for n in range(20)
        ]
        session.execute(insert(Premises), rows)
    return [str(r["id"]) for r in rows]


def organise(api, brigade_staff) -> dict:
    api.post(
        "/api/v1/inspections/items",
        json={"code": "exits", "title": "疏散通道、安全出口", "basis": "《消防法》第十六条"},
        headers=brigade_staff.headers(api),
    )
    plan = api.post(
        "/api/v1/inspections/plans",
        json={
            "title": "告知承诺核查与双随机",
            "area_code": "990101",
            "starts_on": f"{YEAR}-01-01",
            "ends_on": f"{YEAR}-03-31",
            "rates": [{"rate": 0.25}],
            "item_codes": ["exits"],
        },
        headers=brigade_staff.headers(api),
    )
    assert plan.status_code == 201, plan.text
    return plan.json()


def test_committed_venues_are_drawn_as_their_own_group_then_found_false_once(
    api, db, grid, directory, station_staff, brigade_staff, officers
):
    from patrols.inspections.models import InspectionDraw

    venues = [venue(api, station_staff, f"告知承诺场所{n}") for n in range(6)]
    commitments = {v: commit(api, station_staff, v).json()["id"] for v in venues}
    checked = venue(api, station_staff, "已核查场所")
    done = commit(api, station_staff, checked).json()["id"]
    verified = api.post(
        f"/api/v1/commitments/{done}/result",
        json={"result": "verified", "note": "现场与承诺一致"},
        headers=station_staff.headers(api),
    )
    assert verified.status_code == 200 and verified.json()["state"] == "verified"

    plan = organise(api, brigade_staff)
    drawn = api.post(
        f"/api/v1/inspections/plans/{plan['id']}/draws",
        json={"public_value": "2027001期 福彩3D 456", "commitment_rate": 0.5},
        headers=brigade_staff.headers(api),
    )
    assert drawn.status_code == 201, drawn.text
    draw = drawn.json()
    rows = api.get(
        f"/api/v1/inspections/draws/{draw['id']}", headers=brigade_staff.headers(api)
    ).json()
    grouped = [r for r in rows if r["draw_group"] == "commitment"]
    by_rates = [r for r in rows if r["draw_group"] == "rates"]
    # Six committed at 50 %: 3; twenty small venues and the verified one at 25 %: 5.
    assert len(grouped) == 3 and len(by_rates) == 5
    for row in grouped:
        assert commitments[row["premises_id"]] == row["commitment_id"]
    assert not {r["premises_id"] for r in by_rates} & set(venues)
    with db() as session:
        record = session.get(InspectionDraw, uuid.UUID(draw["id"]))
        kept = json.loads(record.inputs)
        logged = next(
            e
            for e in audit.events_for(session, "inspection_draw", record.id)
            if e.action == "inspection.drawn"
        )
    assert kept["commitments"]["rate"] == 0.5 and set(kept["commitments"]["members"]) == set(venues)
    assert logged.after["commitment_rate"] == 0.5
    published = api.get("/public/inspections").json()["plans"][0]["draws"][0]["objects"]
    assert sorted(o["group"] for o in published) == ["commitment"] * 3 + ["rates"] * 5
    assert api.get(f"/api/v1/inspections/draws/{draw['id']}/verify").json()["sound"] is True

    # The drawn KTV is inspected by its two inspectors: the result is told to the unit.
    row = grouped[0]
    people = {str(p.id): p for p in (station_staff, brigade_staff, *officers)}
    inspector = people[row["inspector_ids"][0]]
    recorded = api.post(
        f"/api/v1/inspections/assignments/{row['id']}/result",
        json={"outcome": "failed", "hazards_found": 2, "note": "实际营业面积超出承诺"},
        headers=inspector.headers(api),
    )
    assert recorded.status_code == 200, recorded.text
    notices = api.get(
        f"/api/v1/premises/{row['premises_id']}/notices", headers=station_staff.headers(api)
    )
    assert notices.status_code == 200, notices.text
    [notice] = notices.json()
    assert (notice["kind"], notice["assignment_id"]) == ("inspection_result", row["id"])
    pdf = api.get(notice["pdf_url"], headers=station_staff.headers(api))
    assert pdf.status_code == 200 and pdf.headers["X-Content-SHA256"] == notice["pdf_sha256"]
    with db() as session:
        [generated] = [
            e
            for e in audit.events_for(session, "notice", uuid.UUID(notice["id"]))
            if e.action == "notice.generated"
        ]
    assert generated.after["sha256"] == notice["pdf_sha256"]

    # Found false: the credit record has one 虚假承诺 entry, however often it is tried.
    cid = row["commitment_id"]
    found = api.post(
        f"/api/v1/commitments/{cid}/result",
        json={"result": "false", "note": "实际营业面积1200平方米，超出承诺"},
        headers=station_staff.headers(api),
    )
    assert found.status_code == 200, found.text
    assert found.json()["state"] == "false"
    twice = api.post(
        f"/api/v1/commitments/{cid}/result",
        json={"result": "false", "note": "再次认定"},
        headers=brigade_staff.headers(api),
    )
    assert twice.status_code == 409
    assert twice.json()["type"].endswith("commitment-transition-not-allowed")
    with db() as session:
        from backend.core.settings import get_settings
        from hazards.credit import service as credit

        again = credit.note_false_commitment(
            session,
            get_settings(),
            commitment_id=uuid.UUID(cid),
            premises_id=uuid.UUID(row["premises_id"]),
            note="重试",
            recorded_by=None,
        )
    assert again is None
    standing = api.get(
        f"/api/v1/premises/{row['premises_id']}/credit", headers=station_staff.headers(api)
    ).json()
    assert [r["kind"] for r in standing["records"]] == ["false_commitment"]
    assert standing["status"] == "blacklist"  # the default rules: 承诺严重失实

    # A later draw no longer takes it into the commitment group.
    with db() as session:
        from grids.commitments import service as commitments_service

        still_open = commitments_service.open_in(session, "/")
    assert cid not in {str(c) for c in still_open.values()}


def test_a_tampered_commitment_rate_fails_verification(
    api, db, grid, directory, station_staff, brigade_staff, officers
):
    from patrols.inspections.models import InspectionDraw

    for n in range(4):
        commit(api, station_staff, venue(api, station_staff, f"承诺场所{n}"))
    plan = organise(api, brigade_staff)
    draw = api.post(
        f"/api/v1/inspections/plans/{plan['id']}/draws",
        json={"public_value": "2027002期"},  # the deployment's rate: all of them
        headers=brigade_staff.headers(api),
    ).json()
    rows = api.get(
        f"/api/v1/inspections/draws/{draw['id']}", headers=brigade_staff.headers(api)
    ).json()
    assert sum(r["draw_group"] == "commitment" for r in rows) == 4
    assert api.get(f"/api/v1/inspections/draws/{draw['id']}/verify").json()["sound"] is True
    with db() as session:
        record = session.get(InspectionDraw, uuid.UUID(draw["id"]))
        inputs = json.loads(record.inputs)
        inputs["commitments"]["rate"] = 0.25
        record.inputs = json.dumps(inputs)
    problems = api.get(f"/api/v1/inspections/draws/{draw['id']}/verify").json()["problems"]
    assert any("inputs differs" in p for p in problems)
    assert any("assignment(s) differ" in p for p in problems)


def test_a_unit_not_found_is_told_nothing(api, db, grid, station_staff, brigade_staff, officers):
    target = venue(api, station_staff, "查无下落场所")
    commit(api, station_staff, target)
    plan = organise(api, brigade_staff)
    draw = api.post(
        f"/api/v1/inspections/plans/{plan['id']}/draws",
        json={"public_value": "2027003期"},
        headers=brigade_staff.headers(api),
    ).json()
    [row] = api.get(
        f"/api/v1/inspections/draws/{draw['id']}", headers=brigade_staff.headers(api)
    ).json()
    people = {str(p.id): p for p in (station_staff, brigade_staff, *officers)}
    inspector = people[row["inspector_ids"][0]]
    answer = api.post(
        f"/api/v1/inspections/assignments/{row['id']}/result",
        json={"outcome": "not_found"},
        headers=inspector.headers(api),
    )
    assert answer.status_code == 200, answer.text
    assert (
        api.get(f"/api/v1/premises/{target}/notices", headers=station_staff.headers(api)).json()
        == []
    )
