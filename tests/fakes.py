"""A local stand-in for Google's OAuth token endpoint and FCM's v1 send API, so the real
firebase-admin client can be tested on loopback. It records every message; tokens it was told
are gone answer 404 UNREGISTERED, as FCM does; `flaky` tokens answer 500 (which the SDK
retries by itself for about 7 s before giving up); while `down` is set, every send answers 502
at once (which the SDK does not retry), as when Google's front end is unreachable."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from firebase_admin import messaging

from backend.core.settings import get_settings


class FakeFcm:
    def __init__(self) -> None:
        self.received: list[dict] = []
        self.unregistered: set[str] = set()
        self.flaky: set[str] = set()
        self.down = False
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path == "/token":
                    return self._json(
                        200,
                        {"access_token": "fake-access", "expires_in": 3600, "token_type": "Bearer"},
                    )
                if fake.down:
                    return self._json(
                        502, {"error": {"code": 502, "status": "UNAVAILABLE", "message": "down"}}
                    )
                message = json.loads(body)["message"]
                token = message.get("token")
                if token in fake.unregistered:
                    return self._json(
                        404,
                        {
                            "error": {
                                "code": 404,
                                "status": "NOT_FOUND",
                                "message": "not found",
                                "details": [
                                    {
                                        "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                                        "errorCode": "UNREGISTERED",
                                    }
                                ],
                            }
                        },
                    )
                if token in fake.flaky:
                    return self._json(
                        500, {"error": {"code": 500, "status": "INTERNAL", "message": "try later"}}
                    )
                fake.received.append(message)
                self._json(200, {"name": f"projects/firegrid-test/messages/{len(fake.received)}"})

            def _json(self, status: int, data: dict) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def service_account(self) -> dict:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return {
            "type": "service_account",
            "project_id": "firegrid-test",
            "private_key_id": "fake",
            "private_key": pem,
            "client_email": "push@firegrid-test.iam.gserviceaccount.com",
            "client_id": "1",
            "token_uri": f"{self.url}/token",
        }

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture(scope="session")
def fake_fcm(tmp_path_factory):
    """The fake FCM, with settings (`fake_fcm.settings`) that push through it."""
    fake = FakeFcm()
    original = messaging._MessagingService.FCM_URL
    messaging._MessagingService.FCM_URL = fake.url + "/v1/projects/{0}/messages:send"
    path = tmp_path_factory.mktemp("fcm") / "service-account.json"
    path.write_text(json.dumps(fake.service_account()))
    fake.settings = get_settings().model_copy(
        update={"fcm_credentials_file": path, "push_max_attempts": 3}
    )
    yield fake
    messaging._MessagingService.FCM_URL = original
    fake.close()


class PartnerHotline:
    """A hotline system's callback endpoint on loopback: records every call it accepts (with
    its headers and the raw body); the first `fail_first` calls answer 503, as a partner under
    maintenance does."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.calls = 0
        self.accepted: list[tuple[dict[str, str], bytes, str]] = []  # headers, body, path
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fake.calls += 1
                status = 503 if fake.calls <= fake.fail_first else 200
                if status == 200:
                    fake.accepted.append(
                        ({k.lower(): v for k, v in self.headers.items()}, body, self.path)
                    )
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if status == 200 else b'{"error": "busy"}')

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/callbacks/firegrid?src=fg"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[str]:
        return [json.loads(body)["event"] for _, body, _ in self.accepted]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def partner_hotline():
    hotline = PartnerHotline()
    yield hotline
    hotline.close()
