"""FCM through firebase-admin, the push channel "fcm". Configured by
FIREGRID_FCM_CREDENTIALS_FILE (a service-account JSON, never in the repository); without it,
push is off and messages wait in the outbox."""

from __future__ import annotations

import json
import threading
import warnings
from pathlib import Path

import firebase_admin
from firebase_admin import credentials, messaging

from backend.core.outbox import DELIVERED, GONE, Delivery
from backend.core.settings import Settings
from backend.notify.channels import PUSH_CHANNELS, PushChannel, PushMessage

APP_NAME = "firegrid"
_lock = threading.Lock()


@PUSH_CHANNELS.register
class FcmChannel(PushChannel):
    name = "fcm"

    def __init__(self, app: firebase_admin.App) -> None:
        self.app = app

    @classmethod
    def configured(cls, settings: Settings) -> FcmChannel | None:
        if settings.fcm_credentials_file is None:
            return None
        with _lock:
            try:
                app = firebase_admin.get_app(APP_NAME)
            except ValueError:
                info = json.loads(Path(settings.fcm_credentials_file).read_text())
                app = firebase_admin.initialize_app(credentials.Certificate(info), name=APP_NAME)
        return cls(app)

    def send(self, message: PushMessage) -> Delivery:
        with warnings.catch_warnings():
            # firebase-admin 7.7 marks `token` deprecated in favour of `fid`; `token` is still
            # the FCM v1 field for a registration token, which is what the apps send us.
            warnings.simplefilter("ignore", DeprecationWarning)
            fcm_message = messaging.Message(
                token=message.token,
                notification=messaging.Notification(title=message.title, body=message.body),
                data={k: str(v) for k, v in message.data.items()},
            )
        try:
            messaging.send(fcm_message, app=self.app)
            return DELIVERED
        except messaging.UnregisteredError:
            return GONE  # the app was uninstalled or the token expired: retire it
        except (firebase_admin.exceptions.FirebaseError, ValueError):
            return Delivery.failed("failed")  # try again later
