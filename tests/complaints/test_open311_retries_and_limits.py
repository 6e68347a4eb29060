"""Open311 reports from apps on flaky networks and from abusers: a retry under the same
Idempotency-Key takes no second report; too many reports from one address or one api_key are
refused with 429 and Retry-After, in Open311's error shape."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from xml.etree import ElementTree

import httpx
from limits import parse_many
from sqlalchemy import func, select, update

from backend.core.db import utcnow
from backend.core.settings import get_settings
from complaints.models import Complaint, Open311Idempotency
from complaints.open311 import service as open311
from tests.complaints.conftest import CitizenApp
from tests.complaints.test_open311 import BASE
from tests.world import SETUP


def complaints_stored(db) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(Complaint))


def from_address(live_server, address):
    """A client whose connections come from `address` (any 127.x.y.z is this machine)."""
    return httpx.Client(
        base_url=live_server, timeout=30, transport=httpx.HTTPTransport(local_address=address)
    )


def first_limit(setting: str) -> int:
    return parse_many(getattr(get_settings(), setting))[0].amount


def test_a_report_retried_with_the_same_idempotency_key_is_taken_once(
    api, citizen_app, grid_worker, db
):
    key = {"Idempotency-Key": "6f1c2a0e-8d4b-4b8e-9a57-0d1f3c2b7e10"}
    first = api.post(f"{BASE}/requests.json", data=_form(citizen_app), headers=key)
    retried = api.post(f"{BASE}/requests.json", data=_form(citizen_app), headers=key)

    assert first.status_code == retried.status_code == 201, retried.text
    assert retried.json() == first.json()
    assert retried.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert complaints_stored(db) == 1
    # The key may come quoted, as a structured-field string; it is the same key.
    quoted = {"Idempotency-Key": f'"{key["Idempotency-Key"]}"'}
    as_xml = api.post(f"{BASE}/requests.xml", data=_form(citizen_app), headers=quoted)
    assert as_xml.status_code == 201
    assert (
        ElementTree.fromstring(as_xml.content).findtext("request/service_request_id")
        == first.json()[0]["service_request_id"]
    )
    assert complaints_stored(db) == 1


def test_the_same_key_with_another_report_is_refused_and_stores_nothing(
    api, citizen_app, grid_worker, db
):
    key = {"Idempotency-Key": "report-1"}
    assert (
        api.post(f"{BASE}/requests.json", data=_form(citizen_app), headers=key).status_code == 201
    )

    other = _form(citizen_app, description="另一处：消防通道被货车堵住")
    refused = api.post(f"{BASE}/requests.json", data=other, headers=key)
    as_xml = api.post(f"{BASE}/requests.xml", data=other, headers=key)

    assert refused.status_code == 422
    [error] = refused.json()
    assert error["code"] == 422 and "Idempotency-Key" in error["description"]
    assert as_xml.status_code == 422
    assert ElementTree.fromstring(as_xml.content).findtext("error/code") == "422"
    assert complaints_stored(db) == 1


def test_keys_belong_to_one_api_key(api, citizen_app, grid_worker, db):
    with db() as session:
        other_app = CitizenApp(
            citizen_app.username,
            open311.issue_key(session, citizen_app.username, "another app", SETUP),
        )
    key = {"Idempotency-Key": "report-1"}

    mine = api.post(f"{BASE}/requests.json", data=_form(citizen_app), headers=key)
    theirs = api.post(f"{BASE}/requests.json", data=_form(other_app), headers=key)

    assert mine.status_code == theirs.status_code == 201
    assert mine.json()[0]["service_request_id"] != theirs.json()[0]["service_request_id"]
    assert complaints_stored(db) == 2


def test_identical_reports_at_once_are_taken_once(api, citizen_app, grid_worker, db):
    key = {"Idempotency-Key": "sent-twice-by-a-flaky-app"}
    start = threading.Barrier(5)

    def one_try(_):
        start.wait()
        return api.post(f"{BASE}/requests.json", data=_form(citizen_app), headers=key)

    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(one_try, range(5)))

    assert [a.status_code for a in answers] == [201] * 5, [a.text for a in answers]
    assert len({a.json()[0]["service_request_id"] for a in answers}) == 1
    assert complaints_stored(db) == 1


def test_a_refused_report_does_not_use_up_its_key(api, citizen_app, grid_worker, db):
    key = {"Idempotency-Key": "report-1"}
    bad = api.post(f"{BASE}/requests.json", data=_form(citizen_app, description=""), headers=key)
    assert bad.status_code == 400

    fixed = api.post(f"{BASE}/requests.json", data=_form(citizen_app), headers=key)

    assert fixed.status_code == 201
    assert "idempotent-replayed" not in fixed.headers
    assert complaints_stored(db) == 1


def test_a_malformed_key_is_refused_in_open311s_shape(api, citizen_app, db):
    for malformed in ("", "with space", "x" * 256, "中文"):
        refused = api.post(
            f"{BASE}/requests.json",
            data=_form(citizen_app),
            headers={"Idempotency-Key": malformed.encode()},
        )
        assert refused.status_code == 400, malformed
        assert "Idempotency-Key" in refused.json()[0]["description"]
    assert complaints_stored(db) == 0


def test_keys_are_kept_for_the_documented_time_then_forgotten(api, citizen_app, grid_worker, db):
    key = {"Idempotency-Key": "report-1"}
    first = api.post(f"{BASE}/requests.json", data=_form(citizen_app), headers=key).json()
    hours = get_settings().open311_idempotency_hours
    with db() as session:
        session.execute(
            update(Open311Idempotency).values(
                created_at=utcnow() - timedelta(hours=hours, minutes=1)
            )
        )

    # Not yet removed by the worker: a retry this late is a new report all the same.
    late = api.post(f"{BASE}/requests.json", data=_form(citizen_app), headers=key)
    assert late.status_code == 201
    assert late.json()[0]["service_request_id"] != first[0]["service_request_id"]
    assert complaints_stored(db) == 2

    with db() as session:
        session.execute(
            update(Open311Idempotency).values(
                created_at=utcnow() - timedelta(hours=hours, minutes=1)
            )
        )
        assert open311.forget_idempotency_keys(session, get_settings()) == 1
        assert session.scalar(select(func.count()).select_from(Open311Idempotency)) == 0


def test_too_many_reports_from_one_address_are_refused_whatever_the_key(
    live_server, citizen_app, grid_worker, db
):
    with from_address(live_server, "127.0.0.21") as abuser:
        for n in range(first_limit("open311_limit_per_address")):
            wrong = abuser.post(
                f"{BASE}/requests.json", data=_form(citizen_app, api_key=f"o311_{n}")
            )
            assert wrong.status_code == 403

        refused = abuser.post(f"{BASE}/requests.json", data=_form(citizen_app))
        as_xml = abuser.post(f"{BASE}/requests.xml", data=_form(citizen_app))

    assert refused.status_code == 429
    [error] = refused.json()
    assert error["code"] == 429 and "this address" in error["description"]
    assert 1 <= int(refused.headers["retry-after"]) <= 24 * 3600
    assert as_xml.status_code == 429
    assert ElementTree.fromstring(as_xml.content).findtext("error/code") == "429"
    assert "retry-after" in as_xml.headers
    assert complaints_stored(db) == 0
    with from_address(live_server, "127.0.0.22") as neighbour:
        assert neighbour.post(f"{BASE}/requests.json", data=_form(citizen_app)).status_code == 201


def test_too_many_reports_with_one_api_key_are_refused_from_any_address(
    live_server, citizen_app, grid_worker, db
):
    per_address = first_limit("open311_limit_per_address")
    sent = 0
    address = 0
    while sent < first_limit("open311_limit_per_key"):
        address += 1
        with from_address(live_server, f"127.0.3.{address}") as phone:
            for _ in range(min(per_address, first_limit("open311_limit_per_key") - sent)):
                # Refused as incomplete after the key was counted: cheap to send many.
                incomplete = phone.post(
                    f"{BASE}/requests.json", data=_form(citizen_app, description="")
                )
                assert incomplete.status_code == 400, incomplete.text
                sent += 1

    with from_address(live_server, "127.0.4.1") as phone:
        refused = phone.post(f"{BASE}/requests.json", data=_form(citizen_app))
        assert refused.status_code == 429
        assert "api_key" in refused.json()[0]["description"]
        assert int(refused.headers["retry-after"]) >= 1
        with db() as session:
            other_app = CitizenApp(
                citizen_app.username,
                open311.issue_key(session, citizen_app.username, "another app", SETUP),
            )
        assert phone.post(f"{BASE}/requests.json", data=_form(other_app)).status_code == 201
    assert complaints_stored(db) == 1


def _form(app: CitizenApp, **changes) -> dict:
    form = {
        "api_key": app.api_key,
        "service_code": "ebike_indoor",
        "lat": "24.35",
        "long": "109.41",
        "address_string": "幸福路12号楼道",
        "description": "一楼楼道里每天晚上有电动车充电，电线从窗户拉出来",
        "phone": "13700001234",
    }
    return {**form, **changes}
