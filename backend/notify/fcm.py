"""FCM through firebase-admin. Configured by FIREGRID_FCM_CREDENTIALS_FILE (a service-account
JSON, never in the repository); without it, push is off and messages wait in the outbox."""

from __future__ import annotations

import json
import threading
import warnings
from enum import StrEnum
from pathlib import Path

import firebase_admin
from firebase_admin import credentials, messaging

from backend.core.settings import Settings

APP_NAME = "firegrid"
_lock = threading.Lock()


class Outcome(StrEnum):
    SENT = "sent"
    UNREGISTERED = "unregistered"  # the app was uninstalled or the token expired: retire it
    FAILED = "failed"  # try again later


class FcmSender:
    def __init__(self, app: firebase_admin.App) -> None:
        self.app = app

    def send(self, token: str, title: str, body: str, data: dict[str, str]) -> Outcome:
        with warnings.catch_warnings():
            # firebase-admin 7.7 marks `token` deprecated in favour of `fid`; `token` is still
            # the FCM v1 field for a registration token, which is what the apps send us.
            warnings.simplefilter("ignore", DeprecationWarning)
            message = messaging.Message(
                token=token,
                notification=messaging.Notification(title=title, body=body),
                data={k: str(v) for k, v in data.items()},
            )
        try:
            messaging.send(message, app=self.app)
            return Outcome.SENT
        except messaging.UnregisteredError:
            return Outcome.UNREGISTERED
        except (firebase_admin.exceptions.FirebaseError, ValueError):
            return Outcome.FAILED


def sender(settings: Settings) -> FcmSender | None:
    if settings.fcm_credentials_file is None:
        return None
    with _lock:
        try:
            app = firebase_admin.get_app(APP_NAME)
        except ValueError:
            info = json.loads(Path(settings.fcm_credentials_file).read_text())
            app = firebase_admin.initialize_app(credentials.Certificate(info), name=APP_NAME)
    return FcmSender(app)
