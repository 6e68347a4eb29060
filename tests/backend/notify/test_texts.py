"""Texts from the outbox: a user created with a mobile number (shown only masked) gets the
text on the channel "sms" through Aliyun; without a number, it settles as no_device; a channel
that is off leaves texts waiting."""

import uuid

from sqlalchemy import select

from backend.notify import service
from backend.notify.models import OutboxMessage
from backend.notify.texts import queue_text


def place_worker(api, station_staff, grid, **fields):
    return api.post(
        f"/api/v1/areas/{grid.code}/users",
        json={
            "username": "worker.oncall",
            "password": "a-long-enough-password",
            "role": "grid_worker",
            **fields,
        },
        headers=station_staff.headers(api),
    )


def test_a_phone_given_at_creation_is_shown_masked(api, station_staff, grid):
    created = place_worker(api, station_staff, grid, phone="+86 138-0013-8000")
    assert created.status_code == 201, created.text
    assert created.json()["phone"] == "138****8000"
    listed = api.get(f"/api/v1/areas/{grid.code}/users", headers=station_staff.headers(api))
    assert {u["phone"] for u in listed.json()} <= {None, "138****8000"}


def test_a_number_that_is_not_a_mobile_is_refused(api, station_staff, grid):
    refused = place_worker(api, station_staff, grid, phone="023-6388 1234")
    assert refused.status_code == 422
    assert refused.json()["field"] == "phone"


def test_a_queued_text_reaches_the_users_phone(
    api, db, station_staff, grid, grid_worker, fake_sms, channel_settings
):
    user_id = uuid.UUID(place_worker(api, station_staff, grid, phone="13800138000").json()["id"])
    with db() as session:
        queue_text(session, user_id, "escalation", {"hazard": "安全出口锁闭"}, "隐患逾期")
        queue_text(session, grid_worker.id, "escalation", {"hazard": "x"}, "no phone")

    with db() as session:
        assert service.deliver_outbox(session, channel_settings) == 1
    (sent,) = fake_sms.sent
    assert (sent["PhoneNumbers"], sent["TemplateCode"], sent["params"]) == (
        "13800138000",
        "SMS_470000001",
        {"hazard": "安全出口锁闭"},
    )
    with db() as session:
        statuses = {m.body: (m.channel, m.status) for m in session.scalars(select(OutboxMessage))}
    assert statuses == {"隐患逾期": ("sms", "delivered"), "no phone": ("sms", "no_device")}


def test_without_sms_settings_texts_wait(db, grid_worker, fake_sms, channel_settings):
    with db() as session:
        queue_text(session, grid_worker.id, "escalation", {}, "waits")
    off = channel_settings.model_copy(update={"sms_access_key_id": None})
    with db() as session:
        assert service.deliver_outbox(session, off) == 0
        assert session.scalars(select(OutboxMessage.status)).one() == "pending"


def test_the_audit_log_keeps_the_number_masked(api, db, station_staff, grid):
    from backend.core.audit import AuditEvent

    user_id = place_worker(api, station_staff, grid, phone="13912345678").json()["id"]
    with db() as session:
        created = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "user.created", AuditEvent.subject_id == user_id
            )
        ).one()
    assert created.after["phone"] == "139****5678"
