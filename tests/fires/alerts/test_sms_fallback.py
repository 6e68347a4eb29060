"""The SMS fallback: a worker without data texts 火警 to the platform's number; the SMS
gateway relays it, signed as the hotline signs; the alert reaches the same people after the
worker's next pass; replies 1 and 2 are answers (a micro station's duty phone too). A
replayed or unsigned relay is refused and stores nothing; a relayed retry is one text; an
unknown sender is recorded and refused politely."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.fires.conftest import ALERT_TEMPLATE_CODE, uplink, worker_pass
from tests.world import signed_headers


def test_a_texted_fire_is_an_alert_and_replies_are_answers(
    db, api, crew, gateway, alert_settings, fake_fcm, fake_sms
):
    from fires.alerts.models import FireAlert, SmsUplink

    sent, _, _ = uplink(api, gateway, "13900000009", "火警 109.41,24.35 仓库冒烟")
    assert sent.status_code == 200, sent.text
    answer = sent.json()
    assert answer["outcome"] == "alert" and "119" in answer["reply"]
    alert_id = answer["alert_id"]

    worker_pass(db, alert_settings)
    t = crew.tokens
    assert {m["token"] for m in fake_fcm.received} == {
        t[crew.near1.username],
        t[crew.near2.username],
        t[crew.leader.username],
        t[crew.station.username],
    }
    texted = {s["PhoneNumbers"] for s in fake_sms.sent if s["TemplateCode"] == ALERT_TEMPLATE_CODE}
    assert texted == {"13900000003", "13700000001"}

    # near1 has no data either: replies 1 (going, in 8 minutes); the micro station replies ２.
    assert uplink(api, gateway, "13900000001", "1 8")[0].json()["outcome"] == "ack"
    assert uplink(api, gateway, "13700000001", "２")[0].json()["outcome"] == "ack"
    seen = api.get(f"/api/v1/fire-alerts/{alert_id}", headers=crew.station.headers(api)).json()
    assert seen["channel"] == "sms" and seen["note"] == "仓库冒烟"
    assert seen["reporter_id"] == str(crew.reporter.id)
    by_name = {r["name"]: r for r in seen["recipients"]}
    near1 = by_name[crew.near1.username]
    assert (near1["going"], near1["eta_minutes"], near1["ack_channel"]) == (True, 8, "sms")
    micro = by_name["幸福社区微型消防站"]
    assert (micro["going"], micro["ack_channel"]) == (False, "sms")
    with db() as session:
        assert session.scalar(select(func.count()).select_from(FireAlert)) == 1
        assert session.scalar(select(func.count()).select_from(SmsUplink)) == 3


def test_a_texted_fire_without_a_point_is_placed_by_the_worker_s_last_position_or_grid(
    db, api, crew, gateway, alert_settings
):
    from tests.fires.conftest import metres_east, place_at

    place_at(db, crew.reporter, metres_east(40))
    answer = uplink(api, gateway, "13900000009", "着火了")[0].json()
    assert answer["outcome"] == "alert", answer
    seen = api.get(
        f"/api/v1/fire-alerts/{answer['alert_id']}", headers=crew.station.headers(api)
    ).json()
    assert seen["place_source"] == "position"
    by_grid = uplink(api, gateway, "13900000009", "火情 990101001001-02")[0].json()
    seen = api.get(
        f"/api/v1/fire-alerts/{by_grid['alert_id']}", headers=crew.station.headers(api)
    ).json()
    assert seen["place_source"] == "grid" and seen["grid_code"] == "990101001001-02"


def test_a_relayed_retry_is_one_text_and_one_alert(db, api, crew, gateway, alert_settings):
    from fires.alerts.models import FireAlert

    first = uplink(api, gateway, "13900000009", "火警 109.41,24.35", message_id="gw-1")[0]
    again = uplink(api, gateway, "13900000009", "火警 109.41,24.35", message_id="gw-1")[0]
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    with db() as session:
        assert session.scalar(select(func.count()).select_from(FireAlert)) == 1


def test_replayed_unsigned_and_foreign_relays_are_refused_and_store_nothing(
    db, api, crew, gateway, hotline, alert_settings
):
    from fires.alerts.models import FireAlert, SmsUplink

    sent, raw, headers = uplink(api, gateway, "13900000009", "火警 109.41,24.35")
    assert sent.status_code == 200
    replayed = api.post("/api/v1/fire-alerts/sms", content=raw, headers=headers)
    assert replayed.status_code == 401, replayed.text
    unsigned = api.post(
        "/api/v1/fire-alerts/sms", content=raw, headers={"Content-Type": "application/json"}
    )
    assert unsigned.status_code == 401, unsigned.text
    # A hotline's partner account signs well, but is not the SMS gateway.
    path = "/api/v1/fire-alerts/sms"
    other = json.loads(raw)
    other["message_id"] = "hotline-1"
    raw2 = json.dumps(other, ensure_ascii=False).encode()
    foreign = api.post(path, content=raw2, headers=signed_headers(hotline, "POST", path, raw2))
    assert foreign.status_code == 403, foreign.text
    with db() as session:
        assert session.scalar(select(func.count()).select_from(FireAlert)) == 1
        assert session.scalar(select(func.count()).select_from(SmsUplink)) == 1


@pytest.mark.parametrize(
    ("sender", "text", "outcome"),
    [
        ("13600000000", "火警 109.41,24.35", "unknown_sender"),
        ("13900000009", "你好", "not_understood"),
        ("13900000009", "1", "no_open_alert"),
        ("not-a-phone", "火警", "unknown_sender"),
    ],
)
def test_texts_that_raise_nothing_are_recorded_and_answered_politely(
    db, api, crew, gateway, alert_settings, sender, text, outcome
):
    from fires.alerts.models import FireAlert, SmsUplink

    answer = uplink(api, gateway, sender, text)[0]
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == outcome
    assert "119" in answer.json()["reply"]
    with db() as session:
        assert session.scalar(select(func.count()).select_from(FireAlert)) == 0
        kept = session.scalars(select(SmsUplink)).one()
        assert kept.outcome == outcome and "0000" not in kept.sender_masked[3:7]


def test_the_text_grammar():
    from fires.alerts.sms import parse

    assert parse("1").going is True and parse("2").going is False
    assert parse("１，１５").eta_minutes == 15
    fire = parse("火警：24.35，109.41 三楼")
    assert fire.kind == "fire" and fire.point == (109.41, 24.35) and fire.note == "三楼"
    assert parse("起火 450202901001-001").grid_code == "450202901001-001"
    assert parse("3").kind == "unknown"
