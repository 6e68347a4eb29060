"""The push channel is chosen by name in the settings: a registered channel gets each device's
message (with its platform); a name nobody registered stops the API and the worker at start,
saying which names there are."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.app import create_app
from backend.core.outbox import DELIVERED, Delivery
from backend.core.settings import ConfigurationError, Settings, get_settings
from backend.notify import service
from backend.notify.channels import PUSH_CHANNELS, PushChannel, PushMessage
from backend.notify.models import OutboxMessage

FIREGRID = str(Path(sys.executable).parent / "firegrid")


@PUSH_CHANNELS.register
class RecordingPush(PushChannel):
    """A push channel that takes every message and remembers it."""

    name = "test-recording"
    given: list[PushMessage] = []

    @classmethod
    def configured(cls, settings) -> "RecordingPush":
        return cls()

    def send(self, message: PushMessage) -> Delivery:
        self.given.append(message)
        return DELIVERED


def test_messages_leave_through_the_channel_the_settings_name(api, db, grid_worker):
    RecordingPush.given.clear()
    answer = api.post(
        "/api/v1/devices",
        json={"token": "web-browser", "platform": "web"},
        headers=grid_worker.headers(api),
    )
    assert answer.status_code == 204, answer.text
    with db() as session:
        service.push(session, [grid_worker.id], "测试", "你好", {"kind": "test"})
    settings = get_settings().model_copy(update={"push_channel": "test-recording"})

    with db() as session:
        assert service.deliver_outbox(session, settings) == 1

    assert RecordingPush.given == [
        PushMessage("web-browser", "web", "测试", "你好", {"kind": "test"})
    ]
    with db() as session:
        sent = session.scalars(select(OutboxMessage)).one()
        assert (sent.status, sent.channel) == ("delivered", "test-recording")


def test_an_unknown_push_channel_is_refused_at_start(tmp_path):
    with pytest.raises(ConfigurationError) as refused:
        create_app(Settings(data_dir=tmp_path, push_channel="pushy"))
    assert str(refused.value).startswith(
        "FIREGRID_PUSH_CHANNEL='pushy' names no push channel; known: fcm, jpush"
    )


def test_firegrid_worker_says_why_it_refuses_an_unknown_push_channel():
    env = {**os.environ, "FIREGRID_PUSH_CHANNEL": "pushy"}
    result = subprocess.run(
        [FIREGRID, "worker", "--once"], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode != 0
    assert "refusing to start: FIREGRID_PUSH_CHANNEL='pushy' names no push channel" in (
        result.stderr
    )


def test_an_unknown_sms_channel_is_refused_at_start(tmp_path):
    with pytest.raises(ConfigurationError) as refused:
        create_app(Settings(data_dir=tmp_path, sms_channel="twilio"))
    assert str(refused.value) == "FIREGRID_SMS_CHANNEL='twilio' names no SMS channel; known: aliyun"
