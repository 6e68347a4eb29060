"""Escalation by channel: with no FCM credentials at all, a hazard escalated by the worker
reaches the station's inbox, a JPush phone and a Web Push subscription at once, and a text
when nobody read it within the policy's delay; quiet hours hold back what can wait; the policy
is one JSON setting, checked at start."""

import json
from datetime import datetime, time, timedelta

import http_ece
import pytest
from sqlalchemy import select, update

from backend.app import create_app
from backend.core.db import utcnow
from backend.core.localtime import LOCAL_TIME
from backend.core.settings import ConfigurationError, Settings
from backend.identity.models import User
from backend.notify import inbox, service
from backend.notify.models import Notification, OutboxMessage
from backend.notify.policy import Hours, NotifyPolicy
from backend.notify.scheduled import text_unread_notifications
from tests.backend.notify.conftest import environment
from tests.backend.notify.test_jpush import register_jpush
from tests.backend.notify.test_webpush import subscribe
from tests.world import hazard_body


def deliver(db, settings) -> int:
    with db() as session:
        return service.deliver_outbox(session, settings)


def text_unread(db, settings, now) -> int:
    with db() as session:
        return text_unread_notifications(session, settings, now=now)


@pytest.fixture
def reachable_station(api, db, station_staff, fake_jpush, fake_webpush, channel_settings):
    """Station staff with a JPush phone, a Web Push subscription and a mobile number."""
    register_jpush(api, station_staff, "1a0018970a8f5c3e")
    _, receiver, auth = subscribe(api, station_staff, fake_webpush, channel_settings)
    with db() as session:
        session.execute(update(User).where(User.id == station_staff.id).values(phone="13800138000"))
    return station_staff, receiver, auth


def escalate_to_the_township(db, api, grid_worker, settings) -> str:
    """A report left at grid level until overdue; the sweep moves it to the village, then,
    overdue again, to the township."""
    from hazards.models import Hazard
    from hazards.scheduled import escalate_overdue_hazards

    hazard_id = api.post(
        "/api/v1/hazards", json=hazard_body(), headers=grid_worker.headers(api)
    ).json()["id"]
    for _level in ("village", "township"):
        with db() as session:
            session.execute(update(Hazard).values(escalate_at=utcnow() - timedelta(minutes=1)))
            assert escalate_overdue_hazards(session, settings) == 1
    return hazard_id


def station_inbox(db, station_staff) -> list[Notification]:
    with db() as session:
        return list(
            session.scalars(select(Notification).where(Notification.user_id == station_staff.id))
        )


def test_an_overdue_hazard_reaches_the_station_on_every_channel_and_then_by_text(
    api, db, grid_worker, reachable_station, fake_jpush, fake_webpush, fake_sms, channel_settings
):
    station_staff, receiver, auth = reachable_station
    assert channel_settings.fcm_credentials_file is None  # no FCM at all

    hazard_id = escalate_to_the_township(db, api, grid_worker, channel_settings)
    deliver(db, channel_settings)

    (escalated,) = station_inbox(db, station_staff)
    assert (escalated.kind, escalated.urgent, escalated.read_at) == ("hazard_escalated", True, None)
    (jpush_payload,) = fake_jpush.received
    assert jpush_payload["audience"] == {"registration_id": ["1a0018970a8f5c3e"]}
    assert jpush_payload["notification"]["android"]["extras"]["hazard_id"] == hazard_id
    ((_, _, body),) = fake_webpush.received
    plain = json.loads(
        http_ece.decrypt(body, private_key=receiver, auth_secret=auth, version="aes128gcm")
    )
    assert plain["data"]["hazard_id"] == hazard_id
    assert fake_sms.sent == []  # not yet: the text waits for 30 minutes unread

    assert text_unread(db, channel_settings, utcnow() + timedelta(minutes=29)) == 0
    assert text_unread(db, channel_settings, utcnow() + timedelta(minutes=31)) == 1
    assert deliver(db, channel_settings) == 1
    (text,) = fake_sms.sent
    assert (text["PhoneNumbers"], text["TemplateCode"]) == ("13800138000", "SMS_470000001")

    # never two texts for one notification
    assert text_unread(db, channel_settings, utcnow() + timedelta(hours=2)) == 0
    with db() as session:
        texts = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")).all()
    assert [t.notification_id for t in texts] == [escalated.id]


def test_reading_the_escalation_in_time_means_no_text(
    api, db, grid_worker, reachable_station, fake_sms, channel_settings
):
    station_staff, _, _ = reachable_station
    escalate_to_the_township(db, api, grid_worker, channel_settings)
    (escalated,) = station_inbox(db, station_staff)
    read = api.post(
        f"/api/v1/notifications/{escalated.id}/read", headers=station_staff.headers(api)
    )
    assert read.status_code < 300, read.text

    assert text_unread(db, channel_settings, utcnow() + timedelta(minutes=31)) == 0
    deliver(db, channel_settings)
    assert fake_sms.sent == []
    (read_row,) = station_inbox(db, station_staff)
    assert read_row.sms_due_at is None  # found read: no longer waiting to be texted


def quiet_around_now() -> str:
    """A policy whose quiet hours are the two hours around this moment (Beijing time)."""
    local = datetime.now(LOCAL_TIME)
    return NotifyPolicy(
        quiet_hours=Hours(
            start=(local - timedelta(hours=1)).time().replace(second=0, microsecond=0),
            end=(local + timedelta(hours=1)).time().replace(second=0, microsecond=0),
        )
    ).model_dump_json()


def test_in_quiet_hours_a_push_that_can_wait_waits_and_an_urgent_one_does_not(
    api, db, grid_worker, fake_jpush, channel_settings
):
    register_jpush(api, grid_worker, "0c1d5e9f33aa71b2")
    with environment({"FIREGRID_NOTIFY_POLICY": quiet_around_now()}):
        with db() as session:
            service.push(
                session, [grid_worker.id], "新隐患", "网格内有新报告", {"kind": "hazard.reported"}
            )
            service.push(
                session,
                [grid_worker.id],
                "任务逾期",
                "请尽快巡查",
                {"kind": "x"},
                kind=inbox.NotificationKind.TASK_OVERDUE,
            )

    with db() as session:
        rows = {n.title: n for n in session.scalars(select(Notification))}
        waiting = {
            m.title: m.next_attempt_at - utcnow() for m in session.scalars(select(OutboxMessage))
        }
    assert set(rows) == {"新隐患", "任务逾期"}  # both in the inbox at once
    assert timedelta(minutes=55) < waiting["新隐患"] <= timedelta(hours=1)  # the end of quiet hours
    assert waiting["任务逾期"] <= timedelta(0)

    assert deliver(db, channel_settings) == 1
    (sent,) = fake_jpush.received
    assert sent["notification"]["android"]["title"] == "任务逾期"


def test_a_kind_can_be_kept_to_the_inbox_and_chosen_push_services(
    api, db, grid_worker, fake_jpush, fake_webpush, channel_settings
):
    register_jpush(api, grid_worker, "55aa1d5e9f33aa71")
    subscribe(api, grid_worker, fake_webpush, channel_settings)
    policy = {
        "quiet_hours": None,
        "rules": [
            {"kind": "campaign", "push": []},
            {"kind": "hazard_reported", "push": ["webpush"]},
        ],
    }
    with environment({"FIREGRID_NOTIFY_POLICY": json.dumps(policy)}):
        with db() as session:
            service.push(
                session,
                [grid_worker.id],
                "专项整治",
                "b",
                {"campaign_id": "c"},
                kind=inbox.NotificationKind.CAMPAIGN,
            )
            service.push(session, [grid_worker.id], "新隐患", "b", {"kind": "hazard.reported"})

    with db() as session:
        assert session.scalar(select(Notification).where(Notification.title == "专项整治"))
        outbox = sorted((m.title, m.channel) for m in session.scalars(select(OutboxMessage)))
    assert outbox == [("新隐患", "webpush")]


def test_a_role_rule_overrides_the_kinds_delay(db, grid_worker, station_staff, channel_settings):
    policy = {
        "rules": [
            {"kind": "task_overdue", "sms_after_minutes": 30},
            {"kind": "task_overdue", "roles": ["station_staff"], "sms_after_minutes": 10},
        ]
    }
    with environment({"FIREGRID_NOTIFY_POLICY": json.dumps(policy)}):
        with db() as session:
            service.push(
                session,
                [grid_worker.id, station_staff.id],
                "t",
                "b",
                {},
                kind=inbox.NotificationKind.TASK_OVERDUE,
            )
    with db() as session:
        delays = {
            n.user_id: round((n.sms_due_at - n.created_at).total_seconds() / 60)
            for n in session.scalars(select(Notification))
        }
    assert delays == {grid_worker.id: 30, station_staff.id: 10}


def test_outside_working_hours_a_text_waits_for_the_next_working_period(
    api, db, grid_worker, reachable_station, fake_sms, channel_settings
):
    station_staff, _, _ = reachable_station
    policy = json.dumps({"quiet_hours": None, "working_hours": {"start": "08:30", "end": "17:30"}})
    with environment({"FIREGRID_NOTIFY_POLICY": policy}):
        from backend.core.settings import get_settings

        settings = get_settings()
        with db() as session:
            service.push(session, [station_staff.id], "隐患逾期", "b", {"kind": "hazard.escalated"})
            session.execute(
                update(Notification).values(
                    sms_due_at=datetime(2026, 12, 5, 0, 0, tzinfo=LOCAL_TIME)
                )
            )
        sunday_noon = datetime(2026, 12, 6, 12, 0, tzinfo=LOCAL_TIME)
        monday_evening = datetime(2026, 12, 7, 19, 0, tzinfo=LOCAL_TIME)
        monday_morning = datetime(2026, 12, 7, 9, 0, tzinfo=LOCAL_TIME)
        assert text_unread(db, settings, sunday_noon) == 0
        assert text_unread(db, settings, monday_evening) == 0
        assert text_unread(db, settings, monday_morning) == 1


def test_working_hours_past_midnight_belong_to_the_day_they_start():
    night = NotifyPolicy(working_hours=Hours(start=time(20), end=time(2)))
    from backend.core.calendar import WorkingCalendar

    calendar = WorkingCalendar()
    friday_late = datetime(2026, 12, 5, 1, 0, tzinfo=LOCAL_TIME)  # Saturday 01:00: Friday's
    saturday_late = datetime(2026, 12, 6, 1, 0, tzinfo=LOCAL_TIME)  # Sunday 01:00: Saturday's
    assert night.may_text(friday_late, calendar)
    assert not night.may_text(saturday_late, calendar)


def test_a_policy_that_does_not_parse_is_refused_at_start(tmp_path):
    bad = '{"rules": [{"kind": "hazard_escalated", "sms_after_minutes": -5}]}'
    with pytest.raises(ConfigurationError) as refused:
        create_app(Settings(data_dir=tmp_path, notify_policy=bad))
    assert str(refused.value).startswith(
        "FIREGRID_NOTIFY_POLICY is not a valid policy: rules.0.sms_after_minutes:"
    )
    with pytest.raises(ConfigurationError, match="quiet_hours"):
        create_app(Settings(data_dir=tmp_path, notify_policy='{"quiet_hours": {"start": "7:00"}}'))
