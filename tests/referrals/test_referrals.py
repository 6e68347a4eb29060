"""Referrals 抄告/移送: a station refers a hazard to market regulation, the department answers
through its signed partner account, the hazard's timeline shows both; the worker marks a late
one overdue once; a complaint found not fire-related is transferred; other townships see none."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from backend.core.audit import AuditEvent
from backend.core.calendar_notices import working_calendar
from backend.core.db import utcnow
from backend.core.settings import get_settings
from backend.identity.enums import Role
from tests.world import (
    SETUP,
    IntegrationClient,
    at_once,
    complaint_body,
    hazard_body,
    jpeg,
    send_complaint,
    signed_headers,
)


@pytest.fixture
def market(db, county, monkeypatch) -> IntegrationClient:
    """The county's market regulation bureau 市场监管, answering through a partner account."""
    from backend.identity import partners
    from grids import service, workforce

    monkeypatch.setenv(
        "FIREGRID_REFERRAL_DEPARTMENTS",
        "market:市场监管@dept.market,housing:住建,police:公安,urban:城管,emergency:应急管理",
    )
    get_settings.cache_clear()
    with db() as session:
        user = workforce.place_user(
            session,
            area=service.area_by_code(session, county.code),
            username="dept.market",
            password=None,
            role=Role.INTEGRATION,
            display_name="市场监管局",
            certificate_number=None,
            certificate_expires_on=None,
            actor=SETUP,
        )
        issued = partners.issue_integration_key(session, get_settings(), user, SETUP)
        client = IntegrationClient(user.username, issued.key_id, issued.secret)
    yield client
    monkeypatch.delenv("FIREGRID_REFERRAL_DEPARTMENTS")
    get_settings.cache_clear()


def reported_hazard_with_photos(api, worker, shift: float = 0.0) -> tuple[str, list[str]]:
    hazard = api.post("/api/v1/hazards", json=hazard_body(), headers=worker)
    assert hazard.status_code == 201, hazard.text
    hid = hazard.json()["id"]
    shas = []
    for gps in ((109.41 + shift, 24.35), (109.4101 + shift, 24.3501), (109.4102 + shift, 24.35)):
        photo = api.post(
            f"/api/v1/hazards/{hid}/photos?kind=before",
            content=jpeg(400, 300, gps=gps),
            headers={**worker, "Content-Type": "image/jpeg"},
        )
        assert photo.status_code == 201, photo.text
        shas.append(photo.json()["sha256"])
    return hid, shas


def refer(api, headers, **body):
    return api.post("/api/v1/referrals", json=body, headers=headers)


def signed_reply(api, client, referral_id, body: dict, headers: dict | None = None):
    path = f"/api/v1/referrals/{referral_id}/reply"
    raw = json.dumps(body, ensure_ascii=False).encode()
    headers = headers or signed_headers(client, "POST", path, raw)
    return api.post(path, content=raw, headers=headers), headers


def test_a_hazard_referred_to_market_regulation_is_answered_by_its_signed_partner(
    api, db, grid_worker, station_staff, other_station_staff, market
):
    worker, station = grid_worker.headers(api), station_staff.headers(api)
    hid, shas = reported_hazard_with_photos(api, worker)

    sent = refer(
        api,
        station,
        kind="copy",
        department="market",
        hazard_id=hid,
        finding="无证经营的小餐馆在楼道内给电动车充电",
        legal_basis="《中华人民共和国消防法》第六条",
        photo_ids=shas[:2],
        reply_working_days=5,
    )
    assert sent.status_code == 201, sent.text
    referral = sent.json()
    assert referral["state"] == "sent" and referral["department_name"] == "市场监管"
    assert referral["kind_name"] == "抄告" and referral["photo_ids"] == shas[:2]

    sent_at = datetime.fromisoformat(referral["sent_at"])
    due = working_calendar(get_settings()).deadline(sent_at, 5)
    assert datetime.fromisoformat(referral["due_at"]) == due

    # Unsigned, it is refused; signed, it is the reply; sent again as it was, refused.
    path = f"/api/v1/referrals/{referral['id']}/reply"
    body = {
        "text": "已立案查处，责令停止违规充电",
        "replied_by": "王科长",
        "replied_on": "2026-12-07",
    }
    unsigned = api.post(path, json=body)
    assert unsigned.status_code == 401
    answered, headers = signed_reply(api, market, referral["id"], body)
    assert answered.status_code == 200, answered.text
    assert answered.json()["state"] == "replied"
    assert answered.json()["reply"]["text"] == body["text"]
    assert answered.json()["reply"]["entered"] is False
    replayed, _ = signed_reply(api, market, referral["id"], body, headers)
    assert replayed.status_code == 401 and "replayed" in replayed.json()["detail"]

    timeline = api.get(f"/api/v1/hazards/{hid}/timeline", headers=station).json()
    steps = [step["action"] for step in timeline]
    assert "hazard.referral_sent" in steps and "hazard.referral_replied" in steps
    assert steps.count("hazard.referral_replied") == 1

    # The other township's station sees none of it, exactly as if it did not exist.
    other = other_station_staff.headers(api)
    assert api.get(f"/api/v1/referrals/{referral['id']}", headers=other).status_code == 404
    assert api.get("/api/v1/referrals", headers=other).json() == []
    assert (
        refer(
            api,
            other,
            kind="copy",
            department="market",
            hazard_id=hid,
            finding="x",
            legal_basis="y",
        ).status_code
        == 404
    )

    closed = api.post(f"/api/v1/referrals/{referral['id']}/close", json={}, headers=station)
    assert closed.status_code == 200 and closed.json()["state"] == "closed"


def test_photos_of_another_hazard_and_unknown_departments_are_refused(
    api, grid_worker, station_staff
):
    worker, station = grid_worker.headers(api), station_staff.headers(api)
    hid, _ = reported_hazard_with_photos(api, worker)
    other_hid, other_shas = reported_hazard_with_photos(api, worker, shift=0.001)
    wrong_photo = refer(
        api,
        station,
        kind="copy",
        department="market",
        hazard_id=hid,
        finding="x",
        legal_basis="y",
        photo_ids=other_shas[:1],
    )
    assert wrong_photo.status_code == 404
    unknown = refer(
        api, station, kind="copy", department="tax", hazard_id=hid, finding="x", legal_basis="y"
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "department"
    assert (
        refer(
            api,
            worker,
            kind="copy",
            department="market",
            hazard_id=hid,
            finding="x",
            legal_basis="y",
        ).status_code
        == 403
    )


def test_a_referral_past_its_deadline_is_marked_overdue_once(api, db, grid_worker, station_staff):
    from referrals.models import Referral
    from referrals.scheduled import mark_overdue_referrals

    hid, _ = reported_hazard_with_photos(api, grid_worker.headers(api))
    station = station_staff.headers(api)
    referral = refer(
        api,
        station,
        kind="transfer",
        department="housing",
        hazard_id=hid,
        finding="违章搭建阻塞消防通道",
        legal_basis="《建筑法》",
        reply_working_days=1,
    ).json()
    with db() as session:
        assert mark_overdue_referrals(session, get_settings()) == 0  # not due yet
    later = utcnow() + timedelta(days=10)

    def worker_pass() -> int:
        with db() as session:
            return mark_overdue_referrals(session, get_settings(), now=later)

    assert sorted(at_once(worker_pass)) == [0, 1]  # two workers at once: marked once
    assert worker_pass() == 0
    with db() as session:
        row = session.get(Referral, uuid.UUID(referral["id"]))
        assert row.state == "overdue"
        marks = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "referral.overdue", AuditEvent.subject_id == referral["id"])
        )
        assert marks == 1
    overdue = api.get("/api/v1/referrals?state=overdue", headers=station).json()
    assert [r["id"] for r in overdue] == [referral["id"]]
    # A paper reply that comes late is still entered.
    entered = api.post(
        f"/api/v1/referrals/{referral['id']}/reply-entered",
        json={"text": "已责令拆除", "replied_on": "2026-12-20"},
        headers=station,
    )
    assert entered.status_code == 200, entered.text
    assert entered.json()["state"] == "replied" and entered.json()["reply"]["entered"] is True


def test_a_complaint_found_not_fire_related_is_transferred(
    api, hotline, grid_worker, station_staff
):
    complaint = send_complaint(
        api, hotline, complaint_body(text="小区门口占道经营，噪音扰民")
    ).json()
    cid, worker, station = complaint["id"], grid_worker.headers(api), station_staff.headers(api)

    def act(headers, **body):
        response = api.post(f"/api/v1/complaints/{cid}/actions", json=body, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    act(worker, action="sign")
    early = api.post(
        f"/api/v1/complaints/{cid}/actions",
        json={"action": "refer", "department": "urban"},
        headers=station,
    )
    assert early.status_code == 409  # not verified yet: nothing says it is not ours
    act(worker, action="verify", finding="not_fire_related", note="占道经营，属城管职责")
    seen = api.get(f"/api/v1/complaints/{cid}", headers=station).json()
    assert "refer" in seen.get("next_actions", ["refer"])
    replied = act(station, action="refer", department="urban")
    assert replied["state"] == "replied" and "城管" in replied["reply"]

    transfers = api.get("/api/v1/referrals?department=urban", headers=station).json()
    assert len(transfers) == 1
    assert transfers[0]["kind"] == "transfer" and transfers[0]["complaint_id"] == cid
    timeline = api.get(f"/api/v1/complaints/{cid}/timeline", headers=station).json()
    assert "complaint.referral_sent" in [step["action"] for step in timeline]
    assert act(station, action="close")["state"] == "closed"


def test_departments_are_a_simple_list_or_json_and_bad_ones_are_refused():
    from pydantic import ValidationError

    from backend.core.settings import Settings

    simple = Settings(referral_departments="market:市场监管@dept.market, police:公安")
    assert [(d.key, d.name, d.partner) for d in simple.referral_departments] == [
        ("market", "市场监管", "dept.market"),
        ("police", "公安", None),
    ]
    as_json = Settings(referral_departments='[{"key": "urban", "name": "城管"}]')
    assert as_json.referral_department("urban").name == "城管"
    assert [d.name for d in Settings(referral_departments="").referral_departments] == [
        "市场监管",
        "住建",
        "公安",
        "城管",
        "应急管理",
    ]
    for bad in ("market", "market:市场监管,market:工商", "Market!:市场监管"):
        with pytest.raises(ValidationError):
            Settings(referral_departments=bad)


def test_the_referrals_of_a_unit_are_listed_for_its_record(
    api, premises, grid_worker, station_staff, other_station_staff
):
    """The console's unit record lists the referrals naming the unit; a unit the caller does
    not see answers 404 as a made-up one."""
    from tests.world import USCC_B

    station, worker = station_staff.headers(api), grid_worker.headers(api)
    unit = api.post(
        "/api/v1/units",
        json={"name": "幸福餐饮有限公司", "uscc": USCC_B, "premises_ids": [premises]},
        headers=station,
    ).json()["id"]
    hid, _ = reported_hazard_with_photos(api, worker)
    named = refer(
        api,
        station,
        kind="transfer",
        department="market",
        hazard_id=hid,
        unit_id=unit,
        finding="无照经营",
        legal_basis="《无证无照经营查处办法》",
    )
    assert named.status_code == 201, named.text
    assert (
        refer(
            api,
            station,
            kind="copy",
            department="urban",
            hazard_id=hid,
            finding="x",
            legal_basis="y",
        ).status_code
        == 201
    )
    assert len(api.get("/api/v1/referrals", headers=station).json()) == 2
    of_unit = api.get("/api/v1/referrals", params={"unit_id": unit}, headers=station)
    assert of_unit.headers["x-total-count"] == "1"
    assert [r["id"] for r in of_unit.json()] == [named.json()["id"]]
    for unit_id in (unit, str(uuid.uuid4())):
        answer = api.get(
            "/api/v1/referrals",
            params={"unit_id": unit_id},
            headers=other_station_staff.headers(api),
        )
        assert answer.status_code == 404, answer.text
