"""A notice served by SMS link, and the unit's own page, as a township lives them: a grid worker
finds an e-bike charging in the stairwell of a restaurant whose 消防安全责任人 proved their phone;
two officers order it fixed; the worker serves the order by SMS link; the owner opens the link
on their phone, confirms receipt (the deadline runs from then), sends an after-photo and a
short report; the worker verifies on site and the hazard closes. The owner never learns who
reported it; another unit's hazard and a wrong or expired link get nowhere."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

from backend.core.audit import events_for
from backend.core.calendar import calendar_deadline
from backend.core.db import utcnow
from hazards.models import Hazard
from tests.grids.units.conftest import CODE_TEMPLATE_CODE
from tests.notices.conftest import LINK_TEMPLATE_CODE, PUBLIC_BASE_URL, environment, texted
from tests.world import USCC_B, hazard_body, jpeg, premises_body

PHONE = "13912345678"


def _unit(api, db, settings, sms, staff, premises_ids, name, phone, verify=True) -> str:
    """A unit running the premises, its 消防安全责任人 named (and their phone verified)."""
    headers = staff.headers(api)
    created = api.post(
        "/api/v1/units",
        json={"name": name, "uscc": USCC_B, "premises_ids": premises_ids},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    unit = created.json()["id"]
    named = api.put(
        f"/api/v1/units/{unit}/persons/responsible",
        json={"name": "张三", "phone": phone},
        headers=headers,
    )
    assert named.status_code == 200, named.text
    if verify:
        [params] = texted(db, settings, sms, phone, CODE_TEMPLATE_CODE)
        verified = api.post(
            f"/api/v1/units/{unit}/persons/responsible/verify",
            json={"code": params["code"]},
            headers=headers,
        )
        assert verified.status_code == 200, verified.text
    return unit


def _ordered(api, worker, officers, premises_id, **period) -> tuple[str, dict]:
    """A hazard the worker reports and confirms, two officers order fixed: (its id, notice)."""
    period = {"deadline_working_days": 3, **period}
    hid = api.post(
        "/api/v1/hazards", json=hazard_body(premises_id=premises_id), headers=worker.headers(api)
    ).json()["id"]
    for person, action, fields in (
        (worker, "confirm", {}),
        *((officer, "order_rectification", period) for officer in officers),
    ):
        answer = api.post(
            f"/api/v1/hazards/{hid}/actions",
            json={"action": action, **fields},
            headers=person.headers(api),
        )
        assert answer.status_code in (200, 202), answer.text
    [notice] = api.get(f"/api/v1/hazards/{hid}/notices", headers=worker.headers(api)).json()
    return hid, notice


def _text_link(api, db, settings, sms, worker, notice) -> str:
    """Serve the notice by SMS link; the token texted."""
    sent = api.post(
        f"/api/v1/notices/{notice['id']}/service",
        params={"method": "sms_link"},
        headers=worker.headers(api),
    )
    assert sent.status_code == 200, sent.text
    assert (sent.json()["state"], sent.json()["service"]) == ("sent", None)
    params = texted(db, settings, sms, PHONE, LINK_TEMPLATE_CODE)[-1]
    assert params["number"] == notice["number"]
    assert params["link"].startswith(f"{PUBLIC_BASE_URL}/unit/#ulk_")
    return params["link"].split("#", 1)[1]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_notice_served_by_sms_link_is_confirmed_and_the_unit_fixes_its_hazard(
    api, db, sms_settings, fake_sms, premises, grid_worker, station_staff, officers
):
    _unit(api, db, sms_settings, fake_sms, station_staff, [premises], "幸福餐饮有限公司", PHONE)
    hid, notice = _ordered(
        api,
        grid_worker,
        [station_staff, officers[0]],
        premises,
        deadline_working_days=3,
        period_days=15,
    )
    # The order is addressed to the unit that answers for the restaurant, as the law serves it.
    assert notice["unit_name"] == "幸福餐饮有限公司（幸福小吃店）"
    token = _text_link(api, db, sms_settings, fake_sms, grid_worker, notice)
    with db() as session:
        from notices.unitlink.models import UnitLink
        from notices.unitlink.service import digest

        stored = session.query(UnitLink).one()
        assert stored.token_digest == digest(sms_settings, token) != token  # only its digest

    # The owner opens the link on their phone: their restaurant's hazard and the order.
    page = api.get("/api/v1/unit-link", headers=bearer(token))
    assert page.status_code == 200, page.text
    seen = page.json()
    assert seen["unit_name"] == "幸福餐饮有限公司"
    assert (seen["notice"]["number"], seen["notice"]["state"]) == (notice["number"], "sent")
    assert seen["receipt_confirmed"] is False
    [hazard] = seen["hazards"]
    assert (hazard["id"], hazard["state"], hazard["state_name"]) == (
        hid,
        "rectification_ordered",
        "待整改",
    )
    assert hazard["category_name"] and hazard["description"] == "楼道内电动车飞线充电"
    assert [n["number"] for n in seen["notices"]] == [notice["number"]]

    # Confirming receipt serves the notice now; the deadline runs from that moment.
    before = utcnow()
    confirmed = api.post("/api/v1/unit-link/receipt", headers=bearer(token))
    assert confirmed.status_code == 200, confirmed.text
    served = confirmed.json()["notice"]
    assert (served["state"], served["service_method"]) == ("served", "sms_link")
    served_at = datetime.fromisoformat(served["served_at"])
    assert before <= served_at <= utcnow()
    assert confirmed.json()["receipt_confirmed"] is True
    with db() as session:
        assert session.get(Hazard, uuid.UUID(hid)).rectification_deadline == calendar_deadline(
            served_at, 15
        )
    staff_view = api.get(f"/api/v1/notices/{notice['id']}", headers=station_staff.headers(api))
    assert staff_view.json()["service"]["method"] == "sms_link"
    again = api.post("/api/v1/unit-link/receipt", headers=bearer(token))
    assert again.json()["notice"]["served_at"] == served["served_at"]  # served once

    pdf = api.get(served["pdf_url"], headers=bearer(token))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == notice["pdf_sha256"]

    # The report needs an after-photo first; with one, the rectification is submitted.
    report = f"/api/v1/unit-link/hazards/{hid}/report"
    early = api.post(report, json={"text": "已将电动车移出楼道"}, headers=bearer(token))
    assert (early.status_code, early.json()["type"].rsplit("/", 1)[-1]) == (
        422,
        "action-incomplete",
    )
    photo = api.post(
        f"/api/v1/unit-link/hazards/{hid}/photos",
        content=jpeg(1600, 1200),
        headers={**bearer(token), "Content-Type": "image/jpeg"},
    )
    assert photo.status_code == 201, photo.text
    assert photo.json()["after_photos"] == 1
    long = api.post(report, json={"text": "字" * 2001}, headers=bearer(token))
    assert long.status_code == 422 and "text" in long.text
    submitted = api.post(
        report, json={"text": "已将电动车移出楼道，加装充电柜"}, headers=bearer(token)
    )
    assert submitted.status_code == 200, submitted.text
    assert (submitted.json()["state"], submitted.json()["state_name"]) == (
        "rectification_submitted",
        "已提交整改，待复查",
    )

    # Nothing the unit reads names who reported it or who works on it.
    worker_names = ("worker.one", str(grid_worker.id), "station.one", str(station_staff.id))
    for read in (
        api.get("/api/v1/unit-link", headers=bearer(token)),
        confirmed,
        submitted,
        photo,
    ):
        for name in worker_names:
            assert name not in read.text, name
        assert "reporter" not in read.text

    # The worker verifies on site: closed.
    verified = api.post(
        f"/api/v1/hazards/{hid}/actions",
        json={"action": "verify"},
        headers=grid_worker.headers(api),
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["state"] == "verified_closed"
    assert api.get("/api/v1/unit-link", headers=bearer(token)).json()["hazards"] == []

    # The timeline and the audit log hold every step, and the notice's hash.
    timeline = api.get(f"/api/v1/hazards/{hid}/timeline", headers=station_staff.headers(api))
    actions = [step["action"] for step in timeline.json()]
    steps = [
        "hazard.notice_generated",
        "hazard.notice_texted",
        "hazard.notice_link_opened",
        "hazard.notice_served",
        "hazard.deadline_from_service",
        "hazard.photo_added",
        "hazard.submit_rectification",
        "hazard.notice_generated",  # the recheck's result 复查意见书
        "hazard.verify",
    ]
    assert [a for a in actions if a in steps] == steps
    with db() as session:
        trail = events_for(session, "notice", notice["id"])
        assert [e.action for e in trail] == [
            "notice.generated",
            "notice.link_texted",
            "notice.link_opened",
            "notice.served",
        ]
        assert {e.after["sha256"] for e in trail} == {notice["pdf_sha256"]}
        assert trail[-1].after["method"] == "sms_link"
        assert token not in str([e.after for e in trail])  # the key is never recorded


def test_the_link_reaches_only_its_own_unit_and_asks_for_more_time(
    api,
    db,
    sms_settings,
    fake_sms,
    premises,
    grid_worker,
    station_staff,
    other_station_staff,
    officers,
):
    _unit(api, db, sms_settings, fake_sms, station_staff, [premises], "幸福餐饮有限公司", PHONE)
    hid, notice = _ordered(api, grid_worker, [station_staff, officers[0]], premises, period_days=10)
    # Another unit next door, its person's phone not proven; and a premises with no unit.
    second = api.post(
        "/api/v1/premises",
        json=premises_body(name="平安五金店", lng=109.412, lat=24.351),
        headers=station_staff.headers(api),
    ).json()["id"]
    third = api.post(
        "/api/v1/premises",
        json=premises_body(name="无名小店", lng=109.413, lat=24.352),
        headers=station_staff.headers(api),
    ).json()["id"]
    _unit(
        api, db, sms_settings, fake_sms, station_staff, [second], "平安五金", "13700001111", False
    )
    other_hid, other_notice = _ordered(
        api,
        grid_worker,
        [station_staff, officers[0]],
        second,
        deadline_working_days=3,
        period_days=10,
    )
    _, loose_notice = _ordered(
        api, grid_worker, [station_staff, officers[0]], third, period_days=10
    )
    for refused, slug in (
        (other_notice, "unit-phone-not-verified"),
        (loose_notice, "notice-has-no-unit"),
    ):
        answer = api.post(
            f"/api/v1/notices/{refused['id']}/service",
            params={"method": "sms_link"},
            headers=grid_worker.headers(api),
        )
        assert (answer.status_code, answer.json()["type"].rsplit("/", 1)[-1]) == (422, slug)
        assert answer.json()["field"] == "method"

    # The console's lists: the notices to serve, the unit's own (of the premises it runs).
    station = station_staff.headers(api)
    to_serve = api.get("/api/v1/notices", params={"unserved": "true"}, headers=station)
    assert to_serve.status_code == 200 and to_serve.headers["x-total-count"] == "3"
    assert [n["id"] for n in to_serve.json()] == [
        n["id"] for n in (notice, other_notice, loose_notice)
    ]  # the longest waiting first
    assert to_serve.json()[0]["rectification_deadline"] is not None
    unit_id = api.get("/api/v1/premises/" + premises, headers=station).json()["unit"]["id"]
    of_unit = api.get("/api/v1/notices", params={"unit_id": unit_id}, headers=station).json()
    assert [n["id"] for n in of_unit] == [notice["id"]]
    by_premises = api.get("/api/v1/notices", params={"premises_id": third}, headers=station)
    assert [n["id"] for n in by_premises.json()] == [loose_notice["id"]]
    other = other_station_staff.headers(api)
    assert api.get("/api/v1/notices", params={"unserved": "true"}, headers=other).json() == []
    for query in ({"unit_id": unit_id}, {"unit_id": str(uuid.uuid4())}, {"premises_id": third}):
        assert api.get("/api/v1/notices", params=query, headers=other).status_code == 404

    token = _text_link(api, db, sms_settings, fake_sms, grid_worker, notice)
    texted_one = api.get("/api/v1/notices", params={"unserved": "true"}, headers=station).json()
    assert [n["state"] for n in texted_one] == ["sent", "issued", "issued"]  # still to serve
    # Another unit's hazard and notice: as if they did not exist.
    for method, path in (
        ("POST", f"/api/v1/unit-link/hazards/{other_hid}/report"),
        ("POST", f"/api/v1/unit-link/hazards/{other_hid}/extension-requests"),
        ("GET", f"/api/v1/unit-link/notices/{other_notice['id']}/pdf"),
        ("POST", f"/api/v1/unit-link/hazards/{uuid.uuid4()}/report"),
    ):
        body = {"text": "x"} if path.endswith("report") else {"reason": "x", "days": 5}
        answer = api.request(
            method, path, json=body if method == "POST" else None, headers=bearer(token)
        )
        assert answer.status_code == 404, (path, answer.text)

    # More time, with a reason: one waits at a time; the station grants fewer days.
    with db() as session:
        deadline = session.get(Hazard, uuid.UUID(hid)).rectification_deadline
    ask = f"/api/v1/unit-link/hazards/{hid}/extension-requests"
    asked = api.post(ask, json={"reason": "充电柜到货需要两周", "days": 14}, headers=bearer(token))
    assert asked.status_code == 201, asked.text
    assert asked.json()["state"] == "pending"
    twice = api.post(ask, json={"reason": "再等等", "days": 3}, headers=bearer(token))
    assert (twice.status_code, twice.json()["type"].rsplit("/", 1)[-1]) == (
        409,
        "extension-pending",
    )
    # The station's queue 延期申请 shows it with its hazard; another township's station sees
    # none; a grid worker, who does not decide, may not read the queue.
    queue = "/api/v1/hazards/extension-requests"
    waiting = api.get(queue, params={"state": "pending"}, headers=station)
    assert waiting.status_code == 200 and waiting.headers["x-total-count"] == "1"
    [row] = waiting.json()
    assert (row["hazard_id"], row["days"], row["reason"]) == (hid, 14, "充电柜到货需要两周")
    assert row["hazard"]["premises_id"] == premises and row["hazard"]["premises_name"]
    assert row["hazard"]["state"] == "rectification_ordered"
    assert api.get(queue, params={"state": "pending"}, headers=other).json() == []
    assert api.get(queue, headers=grid_worker.headers(api)).status_code == 403
    decide = f"/api/v1/hazards/{hid}/extension-requests/decision"
    assert (
        api.post(decide, json={"grant": True}, headers=grid_worker.headers(api)).status_code == 403
    )
    assert (
        api.post(decide, json={"grant": True}, headers=other_station_staff.headers(api)).status_code
        == 404
    )
    too_many = api.post(
        decide, json={"grant": True, "days": 20}, headers=station_staff.headers(api)
    )
    assert too_many.status_code == 422 and too_many.json()["field"] == "days"
    granted = api.post(
        decide,
        json={"grant": True, "days": 7, "note": "同意延期7日"},
        headers=station_staff.headers(api),
    )
    assert granted.status_code == 200, granted.text
    assert granted.json()["state"] == "granted" and granted.json()["granted_days"] == 7
    with db() as session:
        moved = session.get(Hazard, uuid.UUID(hid)).rectification_deadline
    # Seven more days: the last day to rectify is seven calendar days later, no more.
    assert moved - deadline == timedelta(days=7)
    assert datetime.fromisoformat(granted.json()["deadline_after"]) == moved
    listed = api.get(
        f"/api/v1/hazards/{hid}/extension-requests", headers=station_staff.headers(api)
    )
    assert [r["state"] for r in listed.json()] == ["granted"]
    assert api.get(queue, params={"state": "pending"}, headers=station).json() == []
    assert [r["state"] for r in api.get(queue, headers=station).json()] == ["granted"]
    page = api.get("/api/v1/unit-link", headers=bearer(token)).json()
    [mine] = page["hazards"]
    assert mine["extension"] == "granted"
    assert datetime.fromisoformat(mine["rectification_deadline"]) == moved
    nothing = api.post(decide, json={"grant": False}, headers=station_staff.headers(api))
    assert (nothing.status_code, nothing.json()["type"].rsplit("/", 1)[-1]) == (
        409,
        "no-extension-pending",
    )
    timeline = api.get(f"/api/v1/hazards/{hid}/timeline", headers=station_staff.headers(api))
    actions = [step["action"] for step in timeline.json()]
    assert actions.index("hazard.extension_requested") < actions.index("hazard.extension_granted")

    # Too many calls with one link: refused for a while, saying how long.
    with environment({"FIREGRID_UNIT_LINK_LIMIT_PER_TOKEN": "2/hour"}):
        answers = [api.get("/api/v1/unit-link", headers=bearer(token)) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert int(answers[-1].headers["Retry-After"]) > 0

    # A wrong key, a made-up one, no key, and an expired link: 401 alike.
    for headers in (bearer(token[:-2] + "xx"), bearer("ulk_" + "a" * 43), bearer("nonsense"), {}):
        answer = api.get("/api/v1/unit-link", headers=headers)
        assert (answer.status_code, answer.json()["type"].rsplit("/", 1)[-1]) == (
            401,
            "unit-link-refused",
        )
    with db() as session:
        from notices.unitlink.models import UnitLink

        session.query(UnitLink).update({"expires_at": utcnow() - timedelta(seconds=1)})
    assert api.get("/api/v1/unit-link", headers=bearer(token)).status_code == 401
    assert api.post("/api/v1/unit-link/receipt", headers=bearer(token)).status_code == 401
