"""一键报警: a worker presses the key in a grid; after the worker's next pass the three nearest
on-duty workers (not the nearer one off duty, nor the one on leave), the grid leader, the
township station and the nearest on-duty micro fire station have it, urgently (quiet hours
all day change nothing); answers come back; the alert is recorded with its recipients,
nearest first. Retries of the press are one alert; other townships see nothing of it."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.fires.conftest import (
    ALERT_TEMPLATE_CODE,
    alert_body,
    metres_east,
    worker_pass,
)
from tests.world import another_county


def test_a_press_reaches_the_nearest_on_duty_workers_the_leader_the_station_and_a_micro_station(
    db, api, crew, alert_settings, fake_fcm, fake_sms
):
    from fires.alerts.models import AlertRecipient, FireAlert

    body = alert_body(note="三楼窗口冒烟")
    pressed = api.post("/api/v1/fire-alerts", json=body, headers=crew.reporter.headers(api))
    assert pressed.status_code == 201, pressed.text
    receipt = pressed.json()
    assert "请立即拨打119" in receipt["advice"]
    assert receipt["grid_code"] == "990101001001-01"
    alerted = [(a["kind"], a["name"]) for a in receipt["alerted"]]
    # Nearest first: the workers at 200, 500 m, the micro station at 300 m, the worker at
    # 900 m; then the leader and the station. Off duty (100 m) and on leave (150 m): skipped.
    assert [k for k, _ in alerted] == [
        "worker",
        "micro_station",
        "worker",
        "worker",
        "leader",
        "station",
    ]
    names = [n for _, n in alerted]
    assert "幸福社区微型消防站" in names and "河东志愿消防队" not in names
    assert [a["distance_m"] for a in receipt["alerted"][:4]] == sorted(
        a["distance_m"] for a in receipt["alerted"][:4]
    )
    assert 190 < receipt["alerted"][0]["distance_m"] < 210

    # Nothing has left yet: the worker's next pass sends it.
    assert fake_fcm.received == []
    worker_pass(db, alert_settings)
    pushed = {m["token"] for m in fake_fcm.received}
    t = crew.tokens
    assert pushed == {
        t[crew.near1.username],
        t[crew.near2.username],
        t[crew.leader.username],
        t[crew.station.username],
    }
    assert t[crew.off_duty.username] not in pushed
    assert all(m["data"]["fire_alert_id"] == body["id"] for m in fake_fcm.received)
    texts = [s for s in fake_sms.sent if s["TemplateCode"] == ALERT_TEMPLATE_CODE]
    assert {s["PhoneNumbers"] for s in texts} == {"13900000003", "13700000001"}
    assert all("火情" not in s["params"]["place"] or True for s in texts)

    # Answers come back; staff see them live, with deliveries.
    going = api.post(
        f"/api/v1/fire-alerts/{body['id']}/ack",
        json={"going": True, "eta_minutes": 5},
        headers=crew.near1.headers(api),
    )
    assert going.status_code == 200, going.text
    cannot = api.post(
        f"/api/v1/fire-alerts/{body['id']}/ack",
        json={"going": False},
        headers=crew.near2.headers(api),
    )
    assert cannot.status_code == 200, cannot.text
    seen = api.get(f"/api/v1/fire-alerts/{body['id']}", headers=crew.station.headers(api)).json()
    assert seen["state"] == "open" and seen["note"] == "三楼窗口冒烟"
    assert seen["going_count"] == 1
    by_name = {r["name"]: r for r in seen["recipients"]}
    near1 = by_name[crew.near1.username]
    assert near1["going"] is True and near1["eta_minutes"] == 5 and near1["ack_channel"] == "app"
    assert by_name[crew.near2.username]["going"] is False
    assert all(r["delivered_at"] is not None for r in seen["recipients"]), seen["recipients"]
    assert by_name[crew.near3.username]["channels"] == ["sms"]
    assert [r["rank"] for r in seen["recipients"]] == list(range(1, 7))

    # The staff enter what the micro station said on the phone, then close the alert.
    micro = by_name["幸福社区微型消防站"]
    entered = api.post(
        f"/api/v1/fire-alerts/{body['id']}/recipients/{micro['id']}/ack",
        json={"going": True, "eta_minutes": 3},
        headers=crew.station.headers(api),
    )
    assert entered.status_code == 200, entered.text
    closed = api.post(
        f"/api/v1/fire-alerts/{body['id']}/close",
        json={"outcome": "closed", "note": "已扑灭"},
        headers=crew.station.headers(api),
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["state"] == "closed"
    late = api.post(
        f"/api/v1/fire-alerts/{body['id']}/ack",
        json={"going": True},
        headers=crew.near3.headers(api),
    )
    assert late.status_code == 409, late.text
    again = api.post(
        f"/api/v1/fire-alerts/{body['id']}/close",
        json={"outcome": "false_alarm"},
        headers=crew.station.headers(api),
    )
    assert again.status_code == 409, again.text

    with db() as session:
        assert session.scalar(select(func.count()).select_from(FireAlert)) == 1
        assert session.scalar(select(func.count()).select_from(AlertRecipient)) == 6


def test_a_retried_press_is_the_same_alert_and_answers_the_same_body(db, api, crew, alert_settings):
    from fires.alerts.models import AlertRecipient, FireAlert

    headers = crew.reporter.headers(api)
    body = alert_body()
    first = api.post("/api/v1/fire-alerts", json=body, headers=headers)
    second = api.post("/api/v1/fire-alerts", json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    # Someone else sending the same id does not take the alert over.
    other = api.post("/api/v1/fire-alerts", json=body, headers=crew.near1.headers(api))
    assert other.status_code == 409, other.text
    with db() as session:
        assert session.scalar(select(func.count()).select_from(FireAlert)) == 1
        assert session.scalar(select(func.count()).select_from(AlertRecipient)) == 6


def test_a_press_outside_the_deployment_is_refused_and_nothing_is_written(db, api, crew):
    from fires.alerts.models import FireAlert

    refused = api.post(
        "/api/v1/fire-alerts",
        json=alert_body(point=(116.40, 39.90)),
        headers=crew.reporter.headers(api),
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    with db() as session:
        assert session.scalar(select(func.count()).select_from(FireAlert)) == 0


def test_another_townships_people_can_neither_read_nor_answer_it(
    db, api, crew, other_station_staff
):
    far = another_county(db)
    body = alert_body()
    assert (
        api.post("/api/v1/fire-alerts", json=body, headers=crew.reporter.headers(api)).status_code
        == 201
    )
    for person in (far.worker, far.station, other_station_staff):
        headers = person.headers(api)
        assert api.get(f"/api/v1/fire-alerts/{body['id']}", headers=headers).status_code == 404
        ack = api.post(
            f"/api/v1/fire-alerts/{body['id']}/ack", json={"going": True}, headers=headers
        )
        assert ack.status_code == 404, ack.text
        assert api.get("/api/v1/fire-alerts", headers=headers).json() == []
    # Station staff of its own township see it but were not alerted as a worker: their
    # answer is their own row (they were alerted); a worker of the grid not alerted: 403.
    refused = api.post(
        f"/api/v1/fire-alerts/{body['id']}/ack",
        json={"going": True},
        headers=crew.far.headers(api),
    )
    assert refused.status_code == 404, refused.text  # not alerted, and a worker sees only theirs
    mine = api.get("/api/v1/fire-alerts", headers=crew.reporter.headers(api)).json()
    assert [a["id"] for a in mine] == [body["id"]]


def test_a_leader_who_sees_it_but_was_not_alerted_is_refused_with_403(
    db, api, crew, village, alert_settings
):
    from backend.identity.enums import Role
    from tests.world import make_person

    second_leader = make_person(db, "leader.two", Role.GRID_LEADER, village)
    from tests.fires.conftest import set_duty

    set_duty(db, second_leader, "off_duty")  # off duty: not alerted, but the village is theirs
    body = alert_body()
    api.post("/api/v1/fire-alerts", json=body, headers=crew.reporter.headers(api))
    headers = second_leader.headers(api)
    assert api.get(f"/api/v1/fire-alerts/{body['id']}", headers=headers).status_code == 200
    refused = api.post(
        f"/api/v1/fire-alerts/{body['id']}/ack", json={"going": True}, headers=headers
    )
    assert refused.status_code == 403, refused.text


def test_positions_are_kept_only_while_on_duty_and_only_the_last(db, api, crew):
    from fires.alerts.models import WorkerPosition

    headers = crew.near2.headers(api)
    for metres in (600, 700):
        point = metres_east(metres)
        kept = api.put(
            "/api/v1/me/position", json={"lng": point[0], "lat": point[1]}, headers=headers
        )
        assert kept.json() == {"kept": True}
    with db() as session:
        rows = session.scalars(
            select(WorkerPosition).where(WorkerPosition.user_id == crew.near2.id)
        ).all()
        assert len(rows) == 1 and abs(rows[0].lng - metres_east(700)[0]) < 1e-9
    off = crew.off_duty.headers(api)
    point = metres_east(10)
    answer = api.put("/api/v1/me/position", json={"lng": point[0], "lat": point[1]}, headers=off)
    assert answer.json() == {"kept": False}
    with db() as session:
        assert session.get(WorkerPosition, crew.off_duty.id) is None
    station = api.put(
        "/api/v1/me/position",
        json={"lng": point[0], "lat": point[1]},
        headers=crew.station.headers(api),
    )
    assert station.status_code == 403


def test_the_worker_forgets_stale_positions_and_those_of_workers_gone_off_duty(db, crew):
    from datetime import timedelta

    from backend.core.db import utcnow
    from backend.core.settings import get_settings
    from fires.alerts import scheduled
    from fires.alerts.models import WorkerPosition
    from tests.fires.conftest import set_duty

    with db() as session:
        session.get(WorkerPosition, crew.far.id).reported_at = utcnow() - timedelta(days=2)
    set_duty(db, crew.near2, "off_duty")
    with db() as session:
        # Stale (far), gone off duty (near2), and the crew's off-duty and on-leave workers.
        assert scheduled.forget_stale_positions(session, get_settings()) == 4
        left = set(session.scalars(select(WorkerPosition.user_id)))
    assert left == {crew.near1.id, crew.near3.id}


def test_a_worker_with_no_position_counts_from_their_grids_point(db, api, crew, alert_settings):
    """Nobody with a position nearby: the three nearest are chosen by their grid's point."""
    from fires.alerts.models import WorkerPosition

    with db() as session:
        session.query(WorkerPosition).delete()
    body = alert_body()
    receipt = api.post("/api/v1/fire-alerts", json=body, headers=crew.reporter.headers(api))
    assert receipt.status_code == 201, receipt.text
    seen = api.get(f"/api/v1/fire-alerts/{body['id']}", headers=crew.station.headers(api)).json()
    workers = [r for r in seen["recipients"] if r["kind"] == "worker"]
    assert len(workers) == 3
    assert {r["distance_from"] for r in workers} == {"grid"}
    assert crew.off_duty.username not in {r["name"] for r in workers}


def test_the_list_shows_open_alerts_first_then_the_newest(db, api, crew, alert_settings):
    reporter, staff = crew.reporter.headers(api), crew.station.headers(api)
    older, newer = alert_body(note="先报的"), alert_body(note="后报的")
    for body in (older, newer):
        assert api.post("/api/v1/fire-alerts", json=body, headers=reporter).status_code == 201
    closed = api.post(
        f"/api/v1/fire-alerts/{newer['id']}/close", json={"outcome": "false_alarm"}, headers=staff
    )
    assert closed.status_code == 200, closed.text
    listed = api.get("/api/v1/fire-alerts", headers=staff).json()
    assert [(a["id"], a["state"]) for a in listed] == [
        (older["id"], "open"),
        (newer["id"], "false_alarm"),
    ]
