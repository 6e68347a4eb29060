"""The whole closed loop as a township lives it: a worker reports with a photo, the hazard is
confirmed and ordered, the unit misses its deadline, the hazard climbs the ladder with each new
holder's phone buzzing, the unit rectifies, the worker re-checks and closes it, and the unit's
credit record remembers the missed deadline."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import update

from backend.core.db import utcnow
from backend.core.settings import get_settings
from backend.notify.service import deliver_outbox
from hazards.credit.scheduled import record_overdue_rectifications
from hazards.models import Hazard
from hazards.scheduled import escalate_overdue_hazards
from tests.world import hazard_body, jpeg


def test_report_to_closure_with_escalation_pushes_and_a_credit_entry(
    api, db, premises, grid_worker, grid_leader, station_staff, brigade_staff, officers, fake_fcm
):
    fake_fcm.received.clear()
    phones = [
        (grid_worker, "worker-phone"),
        (grid_leader, "leader-phone"),
        (station_staff, "station-phone"),
        (brigade_staff, "brigade-phone"),
    ]
    for person, token in phones:
        assert (
            api.post(
                "/api/v1/devices",
                json={"token": token, "platform": "android"},
                headers=person.headers(api),
            ).status_code
            == 204
        )

    def act(person, action, **fields):
        answer = api.post(
            f"/api/v1/hazards/{hid}/actions",
            json={"action": action, **fields},
            headers=person.headers(api),
        )
        assert answer.status_code in (200, 202), answer.text
        return answer.json()

    def photo(kind, width):
        answer = api.post(
            f"/api/v1/hazards/{hid}/photos",
            params={"kind": kind},
            content=jpeg(width, 1200),
            headers={**grid_worker.headers(api), "Content-Type": "image/jpeg"},
        )
        assert answer.status_code == 201, answer.text

    def phones_that_buzzed() -> list[str]:
        with db() as session:
            deliver_outbox(session, fake_fcm.settings)
        tokens = [m["token"] for m in fake_fcm.received]
        fake_fcm.received.clear()
        return tokens

    hid = api.post(
        "/api/v1/hazards",
        json=hazard_body(premises_id=premises),
        headers=grid_worker.headers(api),
    ).json()["id"]
    photo("before", 1600)
    act(grid_worker, "confirm")
    act(station_staff, "order_rectification", deadline_working_days=3)
    assert act(officers[0], "order_rectification", deadline_working_days=3)["state"] == (
        "rectification_ordered"
    )
    assert phones_that_buzzed() == ["worker-phone"]  # the order reaches the grid

    # The deadline passes; each worker pass moves the hazard up one level and tells its holders.
    with db() as session:
        past = utcnow() - timedelta(minutes=1)
        session.execute(
            update(Hazard).values(
                rectification_deadline=past, level_due_at=past, credit_overdue_at=past
            )
        )
    buzzed = []
    for _ in range(3):
        with db() as session:
            session.execute(update(Hazard).values(escalate_at=utcnow() - timedelta(minutes=1)))
            escalate_overdue_hazards(session, get_settings())
            record_overdue_rectifications(session, get_settings())
        buzzed += phones_that_buzzed()
    assert buzzed == ["leader-phone", "station-phone", "brigade-phone"]
    hazard = api.get(f"/api/v1/hazards/{hid}", headers=brigade_staff.headers(api)).json()
    assert (hazard["level"], hazard["overdue"]) == (3, True)
    assert hazard["closed_at"] is None

    photo("after", 1700)
    act(grid_worker, "submit_rectification", note="已拆除飞线，改为集中充电")
    assert phones_that_buzzed() == ["brigade-phone"]  # the county holds it now: it re-checks
    before_closing = utcnow()
    closed = act(brigade_staff, "verify")
    assert (closed["state"], closed["is_open"]) == ("verified_closed", False)
    assert before_closing <= datetime.fromisoformat(closed["closed_at"]) <= utcnow()
    assert phones_that_buzzed() == ["worker-phone"]  # the reporter hears it is closed

    # A late photo touches the row, never the moment it closed (what months' counts read).
    with db() as session:
        closed_at = session.get(Hazard, uuid.UUID(hid)).closed_at
    photo("after", 1600)
    with db() as session:
        assert session.get(Hazard, uuid.UUID(hid)).closed_at == closed_at

    credit = api.get(
        f"/api/v1/premises/{premises}/credit", headers=station_staff.headers(api)
    ).json()
    assert [r["kind"] for r in credit["records"]] == ["rectification_overdue", "hazard_confirmed"]
    assert credit["status"] == "watch"
