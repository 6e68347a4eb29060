"""Alarm feeds 物联网: a smoke-detector platform signs and posts its events; a repeat is taken
once (also when two copies race); a fault becomes a task for the grid's worker; an alarm an
urgent task pushed to the worker and the station; the third alarm within a day a hazard in the
right grid, exactly one for the burst; an unsigned, stale or replayed request is refused; an
event outside every area the platform serves is kept and flagged; each township sees its own."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from backend.core.audit import AuditEvent
from backend.core.localtime import LOCAL_TIME
from backend.identity.enums import Role
from tests.world import SETUP, IntegrationClient, another_county, at_once, signed_headers

PATH = "/api/v1/alarm-feeds/events"
NOW = datetime.now(UTC).replace(microsecond=0)  # events' times are counted back from here


@pytest.fixture
def platform(db, county) -> IntegrationClient:
    """The county's smoke-detector cloud 独立式感烟探测报警器平台, an integration client."""
    from backend.core.settings import get_settings
    from backend.identity import partners
    from grids import service, workforce

    with db() as session:
        user = workforce.place_user(
            session,
            area=service.area_by_code(session, county.code),
            username="iot.smoke",
            password=None,
            role=Role.INTEGRATION,
            display_name="烟感云平台",
            certificate_number=None,
            certificate_expires_on=None,
            actor=SETUP,
        )
        issued = partners.issue_integration_key(session, get_settings(), user, SETUP)
        return IntegrationClient(user.username, issued.key_id, issued.secret)


def post(api, client: IntegrationClient, events: list[dict], headers: dict | None = None):
    raw = json.dumps({"events": events}, ensure_ascii=False).encode()
    headers = headers or signed_headers(client, "POST", PATH, raw)
    return api.post(PATH, content=raw, headers=headers), headers


def event(event_id: str, kind: str, minutes_ago: float = 0, device: str = "SD-0001", **extra):
    at = NOW - timedelta(minutes=minutes_ago)
    return {
        "event_id": event_id,
        "device_id": device,
        "kind": kind,
        "occurred_at": at.isoformat(timespec="seconds"),
        **extra,
    }


def register(api, staff_headers, premises_id=None, **extra):
    body = {
        "partner": "iot.smoke",
        "external_id": "SD-0001",
        "kind": "smoke",
        "install_place": "后厨吊顶",
        **({"premises_id": premises_id} if premises_id else {}),
        **extra,
    }
    return api.post("/api/v1/alarm-feeds/devices", json=body, headers=staff_headers)


def count_events(db) -> int:
    from alarms.models import AlarmEvent

    with db() as session:
        return session.scalar(select(func.count()).select_from(AlarmEvent))


def test_a_fault_becomes_a_task_and_repeats_are_taken_once(
    api, db, platform, premises, grid_worker, station_staff
):
    station, worker = station_staff.headers(api), grid_worker.headers(api)
    registered = register(api, station, premises)
    assert registered.status_code == 201, registered.text
    device = registered.json()
    assert (
        device["kind_name"] == "独立式感烟探测报警器" and device["grid_code"] == "990101001001-01"
    )
    assert device["premises_name"] == "幸福小吃店" and device["auto_registered"] is False

    sent, _ = post(
        api,
        platform,
        [event("E-1", "fault", 30, reading="电池电压低 2.6V"), event("E-2", "test", 20)],
    )
    assert sent.status_code == 200, sent.text
    fault, test = sent.json()["events"]
    assert fault["outcome"] == "check_task" and fault["task_id"] and not fault["duplicate"]
    assert test["outcome"] == "recorded" and test["task_id"] is None
    assert fault["device_id"] == device["id"]

    # The grid's worker has the task: check the device within three days.
    tasks = api.get("/api/v1/patrols/tasks", headers=worker).json()
    [task] = [t for t in tasks if t["id"] == fault["task_id"]]
    assert task["kind"] == "alarm" and "电池电压低" in task["note"]
    due = datetime.fromisoformat(task["due_at"])
    assert timedelta(days=2, hours=23) < due - datetime.now(UTC) <= timedelta(days=3)

    # Sent again (the platform retries): the same ids, nothing new. The same device, kind and
    # time under another event id is the same event too.
    again, _ = post(api, platform, [event("E-1", "fault", 30)])
    assert again.status_code == 200
    [repeat] = again.json()["events"]
    assert repeat["duplicate"] is True and repeat["id"] == fault["id"]
    assert repeat["task_id"] == fault["task_id"]
    same_time = event("E-1-resent", "test", 20)
    renamed, _ = post(api, platform, [same_time])
    assert renamed.json()["events"][0]["id"] == test["id"]
    assert count_events(db) == 2

    # The feed of the device, newest first, with what each became; the audit holds both.
    feed = api.get(f"/api/v1/alarm-feeds/devices/{device['id']}/events", headers=station)
    assert feed.status_code == 200 and feed.headers["X-Total-Count"] == "2"
    assert [e["event_id"] for e in feed.json()] == ["E-2", "E-1"]
    assert {e["partner"] for e in feed.json()} == {"iot.smoke"}  # to register its device by
    assert feed.json()[1]["task_id"] == fault["task_id"] and feed.json()[1]["kind_name"] == "故障"
    # ... and whether its task is done yet, and by whom.
    assert task["assignee_name"]
    assert (feed.json()[1]["task_state"], feed.json()[1]["task_assignee"]) == (
        "open",
        task["assignee_name"],
    )
    assert feed.json()[0]["task_state"] is None
    with db() as session:
        received = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "alarm.event_received",  # the log is kept across tests
                AuditEvent.subject_id.in_([fault["id"], test["id"]]),
            )
        ).all()
        assert len(received) == 2
        assert {e.after["outcome"] for e in received} == {"check_task", "recorded"}


def test_a_repeated_alarm_becomes_one_hazard_in_the_right_grid(
    api, db, platform, premises, grid_worker, station_staff, other_grid
):
    station, worker = station_staff.headers(api), grid_worker.headers(api)
    device = register(api, station, premises).json()
    # Five alarms in two hours: the first two make an urgent task (one, while it is open),
    # the third within 24 h the hazard, the fourth and fifth belong to the same burst.
    answers = []
    for n, minutes_ago in enumerate((120, 90, 60, 30, 10), start=1):
        sent, _ = post(
            api, platform, [event(f"A-{n}", "alarm", minutes_ago, reading="烟雾浓度 0.12 dB/m")]
        )
        assert sent.status_code == 200, sent.text
        answers.append(sent.json()["events"][0])
    outcomes = [a["outcome"] for a in answers]
    assert outcomes == ["urgent_task", "urgent_task", "hazard", "in_burst", "in_burst"]
    assert len({a["task_id"] for a in answers}) == 1  # one urgent task while it is open
    hazard_ids = {a["hazard_id"] for a in answers if a["hazard_id"]}
    assert len(hazard_ids) == 1
    [hazard_id] = hazard_ids

    hazard = api.get(f"/api/v1/hazards/{hazard_id}", headers=station).json()
    assert hazard["source"] == "monitoring" and hazard["premises_id"] == premises
    assert "SD-0001" in hazard["description"] and "报警3次" in hazard["description"]
    # the last alarm's time as people read it: Beijing time, not an ISO stamp with its offset
    third = (NOW - timedelta(minutes=60)).astimezone(LOCAL_TIME)
    assert f"（最近一次{third:%Y-%m-%d %H:%M}）" in hazard["description"]
    assert hazard["area_code"] == "990101001001-01"

    # The urgent task is due today and was pushed to the worker and the station as urgent.
    task = api.get("/api/v1/patrols/tasks", headers=worker).json()
    assert any(t["id"] == answers[0]["task_id"] and t["kind"] == "alarm" for t in task)
    for who in (worker, station):
        inbox = api.get("/api/v1/notifications", headers=who).json()
        items = inbox["items"] if isinstance(inbox, dict) else inbox
        alarms = [n for n in items if n["kind"] == "alarm_feed"]
        assert alarms and alarms[0]["subject_id"] == answers[0]["task_id"]

    # The feed shows the chain: each alarm with its task and the burst's hazard.
    feed = api.get(f"/api/v1/alarm-feeds/devices/{device['id']}/events", headers=station).json()
    assert [e["event_id"] for e in feed] == ["A-5", "A-4", "A-3", "A-2", "A-1"]
    assert [e["hazard_id"] for e in feed] == [hazard_id] * 3 + [None] * 2


def test_concurrent_repeats_are_one_event(api, db, platform, premises, station_staff):
    register(api, station_staff.headers(api), premises)
    body = [event("C-1", "alarm", 5)]

    def send():
        response, _ = post(api, platform, body)
        assert response.status_code == 200, response.text
        return response.json()["events"][0]

    first, second = at_once(send)
    assert first["id"] == second["id"] and first["task_id"] == second["task_id"]
    assert {first["duplicate"], second["duplicate"]} == {True, False}
    assert count_events(db) == 1


def test_concurrent_alarms_of_a_burst_make_one_hazard(api, db, platform, premises, station_staff):
    register(api, station_staff.headers(api), premises)
    post(api, platform, [event("B-1", "alarm", 50), event("B-2", "alarm", 40)])

    def send(n):
        response, _ = post(api, platform, [event(f"B-{n}", "alarm", 40 - n)])
        assert response.status_code == 200, response.text
        return response.json()["events"][0]

    counter = iter(range(3, 10))
    answers = at_once(lambda: send(next(counter)), times=4)
    assert len({a["hazard_id"] for a in answers}) == 1
    assert sorted(a["outcome"] for a in answers) == ["hazard", "in_burst", "in_burst", "in_burst"]


def test_unsigned_stale_and_replayed_requests_are_refused(
    api, db, platform, premises, station_staff
):
    register(api, station_staff.headers(api), premises)
    body = [event("R-1", "alarm", 1)]
    unsigned = api.post(PATH, json={"events": body})
    assert unsigned.status_code == 401
    sent, headers = post(api, platform, body)
    assert sent.status_code == 200
    replayed, _ = post(api, platform, body, headers)
    assert replayed.status_code == 401 and "replayed" in replayed.json()["detail"]

    raw = json.dumps({"events": [event("R-3", "fault", 1)]}).encode()
    stale = signed_headers(platform, "POST", PATH, raw)
    from backend.core.security import sign

    stale["X-Firegrid-Timestamp"] = str(int(time.time()) - 3600)
    stale["X-Firegrid-Signature"] = sign(
        platform.secret, "POST", PATH, stale["X-Firegrid-Timestamp"], stale["X-Firegrid-Nonce"], raw
    )
    refused = api.post(PATH, content=raw, headers=stale)
    assert refused.status_code == 401 and "server time" in refused.json()["detail"]
    forged = signed_headers(platform, "POST", PATH, raw)
    forged["X-Firegrid-Signature"] = "0" * 64
    assert api.post(PATH, content=raw, headers=forged).status_code == 401
    assert count_events(db) == 1

    # Signed staff may not post; a signed partner may not register devices.
    worker_like = api.post(PATH, json={"events": body}, headers=station_staff.headers(api))
    assert worker_like.status_code == 401


def test_unknown_devices_register_inside_the_served_area_and_the_rest_is_kept_flagged(
    api, db, platform, grid, station_staff, other_station_staff, brigade_staff
):
    station, brigade = station_staff.headers(api), brigade_staff.headers(api)
    inside = event(
        "U-1",
        "fault",
        5,
        device="EL-77",
        device_kind="electrical",
        location={"lng": 109.41, "lat": 24.36},
    )
    nowhere = event("U-2", "alarm", 5, device="EL-99", location={"lng": 110.9, "lat": 25.9})
    silent = event("U-3", "alarm", 5, device="EL-98")
    sent, _ = post(api, platform, [inside, nowhere, silent])
    assert sent.status_code == 200, sent.text
    made, flagged, unplaced = sent.json()["events"]
    assert made["outcome"] == "check_task" and made["device_id"]
    assert flagged["outcome"] == "not_routed" and flagged["device_id"] is None
    assert unplaced["outcome"] == "not_routed"

    device = api.get(f"/api/v1/alarm-feeds/devices/{made['device_id']}", headers=station).json()
    assert device["auto_registered"] is True and device["kind"] == "electrical"
    assert device["grid_code"] == "990101001001-01"

    # Staff say what it is: the same device, updated (200), no longer auto-registered.
    adopted = register(
        api,
        station,
        external_id="EL-77",
        kind="electrical",
        location={"lng": 109.41, "lat": 24.36},
        install_place="配电箱",
    )
    assert adopted.status_code == 200, adopted.text
    assert adopted.json()["id"] == made["device_id"]

    # The flagged events are kept in the platform's own area: the county's brigade sees them,
    # the township's station (and the other one) do not.
    kept = api.get("/api/v1/alarm-feeds/events?not_routed=true", headers=brigade)
    assert kept.status_code == 200
    assert {e["event_id"] for e in kept.json()} == {"U-2", "U-3"}
    assert all(e["not_routed"] for e in kept.json())
    assert api.get("/api/v1/alarm-feeds/events?not_routed=true", headers=station).json() == []
    other = other_station_staff.headers(api)
    assert api.get("/api/v1/alarm-feeds/events", headers=other).json() == []


def test_each_township_sees_its_own_devices(
    api, db, platform, premises, station_staff, other_station_staff, brigade_staff, grid_worker
):
    station = station_staff.headers(api)
    device = register(api, station, premises).json()
    other, brigade = other_station_staff.headers(api), brigade_staff.headers(api)

    listed = api.get("/api/v1/alarm-feeds/devices", headers=station)
    assert [d["id"] for d in listed.json()] == [device["id"]]
    assert listed.headers["X-Total-Count"] == "1"
    assert [d["id"] for d in api.get("/api/v1/alarm-feeds/devices", headers=brigade).json()] == [
        device["id"]
    ]
    assert api.get("/api/v1/alarm-feeds/devices", headers=other).json() == []
    for path in (f"/{device['id']}", f"/{device['id']}/events"):
        assert api.get(f"/api/v1/alarm-feeds/devices{path}", headers=other).status_code == 404
    made_up = api.get(f"/api/v1/alarm-feeds/devices/{uuid.uuid4()}", headers=other)
    assert made_up.status_code == 404
    # A worker has the tasks, not the register; the other station cannot register at our premises.
    assert (
        api.get("/api/v1/alarm-feeds/devices", headers=grid_worker.headers(api)).status_code == 403
    )
    assert register(api, other, premises, external_id="SD-2").status_code == 404
    # A platform that does not serve the place is refused as one that does not exist.
    unknown = register(api, station, premises, partner="iot.nobody", external_id="SD-3")
    assert unknown.status_code == 422 and "iot.nobody" in unknown.json()["detail"]


def test_the_register_offers_the_platforms_serving_ones_area_by_name(
    api, db, platform, premises, station_staff, brigade_staff, grid_worker
):
    """Staff pick the platform from a list instead of typing its account: the county's
    platform is offered to its townships' stations, another county's is not."""
    from grids import service, workforce

    far = another_county(db)
    with db() as session:
        workforce.place_user(
            session,
            area=service.area_by_code(session, far.township.code),
            username="iot.far",
            password=None,
            role=Role.INTEGRATION,
            display_name="邻县电气火灾监控平台",
            certificate_number=None,
            certificate_expires_on=None,
            actor=SETUP,
        )
    station = station_staff.headers(api)

    def offered(headers) -> list[tuple[str, str, int]]:
        answer = api.get("/api/v1/alarm-feeds/platforms", headers=headers)
        assert answer.status_code == 200, answer.text
        return [(p["username"], p["display_name"], p["devices"]) for p in answer.json()]

    assert offered(station) == [("iot.smoke", "烟感云平台", 0)]
    assert register(api, station, premises).status_code == 201
    assert offered(station) == [("iot.smoke", "烟感云平台", 1)]
    assert offered(brigade_staff.headers(api)) == [("iot.smoke", "烟感云平台", 1)]
    assert [p[0] for p in offered(far.station.headers(api))] == ["iot.far"]
    # Only those who register devices are offered the list.
    refused = api.get("/api/v1/alarm-feeds/platforms", headers=grid_worker.headers(api))
    assert refused.status_code == 403


def test_a_retired_device_is_recorded_only_and_counts_per_premises(
    api, db, platform, premises, station_staff
):
    from alarms import service

    station = station_staff.headers(api)
    device = register(api, station, premises).json()
    post(
        api,
        platform,
        [event("P-1", "alarm", 50), event("P-2", "fault", 40), event("P-3", "recovered", 30)],
    )
    retired = api.post(
        f"/api/v1/alarm-feeds/devices/{device['id']}/retire",
        json={"note": "拆除", "version": device["version"]},
        headers=station,
    )
    assert retired.status_code == 200 and retired.json()["status"] == "retired"
    again = api.post(f"/api/v1/alarm-feeds/devices/{device['id']}/retire", json={}, headers=station)
    assert again.status_code == 409
    late, _ = post(api, platform, [event("P-4", "alarm", 5)])
    assert late.json()["events"][0]["outcome"] == "device_retired"
    assert late.json()["events"][0]["task_id"] is None

    with db() as session:
        counts = service.events_by_premises(session, NOW - timedelta(hours=1))
        assert counts == {uuid.UUID(premises): {"alarm": 2, "fault": 1, "recovered": 1, "test": 0}}
        assert service.events_by_premises(session, NOW + timedelta(minutes=1)) == {}
