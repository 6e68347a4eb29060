"""Seeing delivery: a person (or an admin) sees what became of one notification on each channel
it went out on, and whether it was read; an operator sees each channel's backlog."""

from datetime import timedelta

from sqlalchemy import select, update

from backend.core.db import utcnow
from backend.core.settings import get_settings
from backend.identity.enums import Role
from backend.notify import service, status
from backend.notify.models import Notification, OutboxMessage
from tests.backend.notify.test_jpush import register_jpush
from tests.world import make_person


def deliver(db, settings):
    with db() as session:
        return service.deliver_outbox(session, settings)


def make_due(db):
    with db() as session:
        session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(1)))


def only_notification(db):
    with db() as session:
        return session.scalars(select(Notification.id)).one()


def test_a_person_follows_their_notification_from_failure_to_delivery_and_reading(
    api, db, grid_worker, fake_jpush, channel_settings
):
    register_jpush(api, grid_worker, "170976fa8a8620ca-secret-part")
    with db() as session:
        service.push(session, [grid_worker.id], "隐患待核查", "请前往核查", {"hazard_id": "h-1"})
    notification_id = only_notification(db)
    url = f"/api/v1/notifications/{notification_id}/deliveries"

    fake_jpush.down = True
    assert deliver(db, channel_settings) == 0
    seen = api.get(url, headers=grid_worker.headers(api))
    assert seen.status_code == 200, seen.text
    (jpush,) = seen.json()["deliveries"]
    assert (jpush["channel"], jpush["status"], jpush["attempts"]) == ("jpush", "pending", 1)
    assert jpush["delivered_at"] is None and jpush["next_attempt_at"] is not None
    assert jpush["last_error"].startswith("a device: ")
    assert "170976fa8a86" not in seen.text  # no part of the device's token
    assert seen.json()["read_at"] is None

    fake_jpush.down = False
    make_due(db)
    assert deliver(db, channel_settings) == 1
    api.post(f"/api/v1/notifications/{notification_id}/read", headers=grid_worker.headers(api))
    seen = api.get(url, headers=grid_worker.headers(api)).json()
    (jpush,) = seen["deliveries"]
    assert (jpush["status"], jpush["attempts"], jpush["last_error"]) == ("delivered", 2, None)
    assert jpush["delivered_at"] is not None and jpush["next_attempt_at"] is None
    assert seen["read_at"] is not None


def test_someone_elses_notification_is_not_found_but_an_admin_sees_it(
    api, db, grid_worker, backup_worker, admin, township
):
    with db() as session:
        service.push(session, [grid_worker.id], "标题", "正文", {})
    url = f"/api/v1/notifications/{only_notification(db)}/deliveries"

    assert api.get(url, headers=backup_worker.headers(api)).status_code == 404
    township_admin = make_person(db, "township.admin", Role.ADMIN, township)
    assert api.get(url, headers=township_admin.headers(api)).status_code == 404
    seen = api.get(url, headers=admin.headers(api))
    assert seen.status_code == 200, seen.text
    assert seen.json()["user_id"] == str(grid_worker.id)
    assert [d["status"] for d in seen.json()["deliveries"]] == ["pending"]


def test_the_backlog_counts_waiting_due_dead_and_delivered_per_channel(db, grid_worker):
    with db() as session:
        for title in ("old", "dead", "later"):
            service.push(session, [grid_worker.id], title, "-", {})
    now = utcnow()
    with db() as session:
        by_title = {m.title: m for m in session.scalars(select(OutboxMessage))}
        by_title["old"].created_at = now - timedelta(hours=2)
        by_title["dead"].status = "dead"
        by_title["later"].next_attempt_at = now + timedelta(minutes=5)
    with db() as session:
        backlog = {row.channel: row for row in status.outbox_backlog(session, get_settings(), now)}

    assert list(backlog) == ["fcm", "jpush", "webpush", "sms"]
    fcm = backlog["fcm"]
    assert (fcm.pending, fcm.due_now, fcm.dead, fcm.delivered_24h) == (2, 1, 1, 0)
    assert 7190 <= fcm.oldest_pending_seconds <= 7210
    assert backlog["sms"] == status.empty("sms")


def test_a_token_never_shows_in_an_error():
    assert status.without_tokens("dGhpc2lzYW5…: HTTP 503; YW5vdGhlcn…: timeout") == (
        "a device: HTTP 503; a device: timeout"
    )
