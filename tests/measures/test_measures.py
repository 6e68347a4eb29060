"""A township station's two certified officers summon a unit for a 约谈 and upload the signed
record; the unit's record lists it and its premises' credit record shows the configured entry;
a second officer without a valid certificate is refused; a 曝光 appears on the public page
masked and is gone once withdrawn; another township sees none of it."""

from __future__ import annotations

import hashlib

import pytest

from backend.core import audit
from backend.core.localtime import today
from tests.world import USCC_B, hazard_body, jpeg, make_person

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def unit(api, premises, station_staff) -> str:
    """The company that runs the test premises (a small restaurant), registered by the station."""
    created = api.post(
        "/api/v1/units",
        json={"name": "幸福餐饮有限公司", "uscc": USCC_B, "premises_ids": [premises]},
        headers=station_staff.headers(api),
    )
    assert created.status_code == 201, created.text
    return created.json()["id"]


@pytest.fixture
def hazard(api, premises, grid_worker) -> str:
    """A blocked exit the grid worker found at the premises."""
    found = api.post(
        "/api/v1/hazards",
        json=hazard_body(premises_id=premises, category="exit_blocked", description="后门锁闭"),
        headers=grid_worker.headers(api),
    )
    assert found.status_code == 201, found.text
    return found.json()["id"]


def measure_body(kind: str, second_officer=None, **extra) -> dict:
    body = {
        "kind": kind,
        "held_on": today().isoformat(),
        "place": "乡镇消防工作站会议室",
        "attendees": [{"name": "李四", "role": "法定代表人"}],
        "findings": "后门安全出口锁闭，经提醒仍未整改",
        "outcome": "承诺三日内拆除门锁",
    }
    if second_officer is not None:
        body["second_officer_id"] = str(second_officer.id)
    body.update(extra)
    return body


def test_two_certified_officers_record_an_interview_with_its_signed_record(
    api, db, unit, premises, hazard, station_staff, officers
):
    station = station_staff.headers(api)
    body = measure_body("interview", officers[0], hazard_ids=[hazard])
    recorded = api.post(f"/api/v1/units/{unit}/measures", json=body, headers=station)
    assert recorded.status_code == 201, recorded.text
    measure = recorded.json()
    assert (measure["kind_name"], measure["rank"], measure["state"]) == ("约谈", 2, "recorded")
    assert {o["id"] for o in measure["officers"]} == {str(station_staff.id), str(officers[0].id)}
    assert measure["attendees"] == [{"name": "李四", "role": "法定代表人"}]
    assert measure["hazard_ids"] == [hazard] and measure["document"] is None

    document = f"/api/v1/measures/{measure['id']}/document"
    not_pdf = api.post(
        document, content=b"hello", headers={**station, "Content-Type": "application/pdf"}
    )
    assert not_pdf.status_code == 422 and not_pdf.json()["type"].endswith("document-unreadable")
    text = api.post(document, content=b"hello", headers={**station, "Content-Type": "text/plain"})
    assert text.status_code == 415
    photo = jpeg(1200, 900)
    signed = api.post(
        f"/api/v1/measures/{measure['id']}/document",
        content=photo,
        headers={**station, "Content-Type": "image/jpeg"},
    )
    assert signed.status_code == 201, signed.text
    sha256 = hashlib.sha256(photo).hexdigest()
    assert signed.json()["document"]["sha256"] == sha256
    again = api.post(
        f"/api/v1/measures/{measure['id']}/document",
        content=PDF,
        headers={**station, "Content-Type": "application/pdf"},
    )
    assert again.status_code == 409 and again.json()["type"].endswith("measure-document-present")
    kept = api.get(f"/api/v1/measures/{measure['id']}/document", headers=station)
    assert kept.status_code == 200 and kept.content == photo

    record = api.get(f"/api/v1/units/{unit}/measures", headers=station)
    assert [m["id"] for m in record.json()] == [measure["id"]]
    assert record.json()[0]["document"]["sha256"] == sha256
    queue = api.get("/api/v1/measures", params={"kind": "interview"}, headers=station)
    assert [m["id"] for m in queue.json()] == [measure["id"]]
    assert queue.headers["X-Total-Count"] == "1"
    assert api.get("/api/v1/measures", params={"kind": "warning"}, headers=station).json() == []

    credit = api.get(f"/api/v1/premises/{premises}/credit", headers=station).json()
    (entry,) = [r for r in credit["records"] if r["kind"] == "interviewed"]
    assert entry["note"].startswith("约谈: 后门安全出口锁闭")

    with db() as session:
        on_measure = audit.events_for(session, "measure", measure["id"])
        on_unit = audit.events_for(session, "unit", unit)
    assert [e.action for e in on_measure] == ["measure.recorded", "measure.document_attached"]
    assert on_measure[1].after["sha256"] == sha256
    assert any(
        e.action == "measure.document_attached" and e.after["sha256"] == sha256 for e in on_unit
    )


def test_the_second_officers_offered_are_those_the_record_would_accept(
    api,
    db,
    township,
    unit,
    station_staff,
    brigade_staff,
    officers,
    other_station_staff,
    grid_worker,
):
    """The console's form offers, as second officer, the certified colleagues of the caller's
    own area and of the county's brigade above it, never the caller, nor an uncertified one,
    nor another township's officer; each one offered is accepted by the record."""
    from backend.identity.enums import Role
    from tests.world import make_person

    make_person(db, "station.uncertified", Role.STATION_STAFF, township)
    station = station_staff.headers(api)
    offered = api.get(f"/api/v1/units/{unit}/officers", headers=station)
    assert offered.status_code == 200, offered.text
    assert {o["id"] for o in offered.json()} == {
        str(p.id) for p in (brigade_staff, officers[1], officers[0])
    }
    for officer in offered.json():
        recorded = api.post(
            f"/api/v1/units/{unit}/measures",
            json={**measure_body("interview"), "second_officer_id": officer["id"]},
            headers=station,
        )
        assert recorded.status_code == 201, recorded.text
    other = other_station_staff.headers(api)
    assert api.get(f"/api/v1/units/{unit}/officers", headers=other).status_code == 404
    assert (
        api.get(f"/api/v1/units/{unit}/officers", headers=grid_worker.headers(api)).status_code
        == 403
    )


def test_a_second_officer_without_a_valid_certificate_is_refused(
    api, db, township, unit, station_staff, grid_worker
):
    station = station_staff.headers(api)
    uncertified = make_person(db, "station.uncertified", station_staff.role, township)
    refused = api.post(
        f"/api/v1/units/{unit}/measures",
        json=measure_body("warning", uncertified),
        headers=station,
    )
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["type"].endswith("second-officer-not-certified")
    assert problem["field"] == "second_officer_id" and "certificate" in problem["detail"]

    alone = api.post(
        f"/api/v1/units/{unit}/measures", json=measure_body("warning"), headers=station
    )
    assert alone.status_code == 422 and alone.json()["field"] == "second_officer_id"
    reminder = api.post(
        f"/api/v1/units/{unit}/measures", json=measure_body("reminder"), headers=station
    )
    assert reminder.status_code == 201, reminder.text  # a reminder takes one officer

    worker = api.post(
        f"/api/v1/units/{unit}/measures",
        json=measure_body("reminder"),
        headers=grid_worker.headers(api),
    )
    assert worker.status_code == 403  # grid workers do not record measures
    assert api.get(f"/api/v1/units/{unit}/measures", headers=station).json()[0]["kind"] == (
        "reminder"
    )


def test_an_exposure_is_published_masked_and_gone_once_withdrawn(
    api, unit, premises, station_staff, officers, other_station_staff
):
    station = station_staff.headers(api)
    no_premises = api.post(
        f"/api/v1/units/{unit}/measures",
        json=measure_body("exposure", officers[0]),
        headers=station,
    )
    assert no_premises.status_code == 422 and no_premises.json()["field"] == "premises_id"
    exposed = api.post(
        f"/api/v1/units/{unit}/measures",
        json=measure_body(
            "exposure",
            officers[0],
            premises_id=premises,
            findings="法定代表人李四拒不整改，联系电话13912345678，安全出口长期锁闭",
        ),
        headers=station,
    )
    assert exposed.status_code == 201, exposed.text
    measure = exposed.json()

    public = api.get("/public/exposures")  # no sign-in
    assert public.status_code == 200 and "max-age" in public.headers["Cache-Control"]
    (notice,) = public.json()
    assert notice["unit_name"] == "幸福餐饮有限公司"
    assert notice["address"] == "柳州市城中区示例路1号"
    assert notice["held_on"] == today().isoformat()
    assert "安全出口长期锁闭" in notice["findings"]
    assert "李四" not in public.text and "13912345678" not in public.text
    assert "139****5678" in notice["findings"]

    # Another township's station sees neither the unit's record nor the measure.
    other = other_station_staff.headers(api)
    assert api.get(f"/api/v1/units/{unit}/measures", headers=other).status_code == 404
    assert api.get(f"/api/v1/measures/{measure['id']}", headers=other).status_code == 404
    assert api.get("/api/v1/measures", headers=other).json() == []
    foreign = api.post(
        f"/api/v1/measures/{measure['id']}/withdraw", json={"reason": "误发"}, headers=other
    )
    assert foreign.status_code == 404

    withdrawn = api.post(
        f"/api/v1/measures/{measure['id']}/withdraw",
        json={"reason": "单位已整改，经复查合格"},
        headers=station,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["state"] == "withdrawn" and withdrawn.json()["withdrawn_at"]
    assert api.get("/public/exposures").json() == []
    twice = api.post(
        f"/api/v1/measures/{measure['id']}/withdraw", json={"reason": "再次"}, headers=station
    )
    assert twice.status_code == 409
    kept = api.get(f"/api/v1/measures/{measure['id']}", headers=station).json()
    assert kept["state"] == "withdrawn" and kept["withdrawal_reason"] == "单位已整改，经复查合格"
