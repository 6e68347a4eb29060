"""Local stand-ins for JPush, a Web Push push service and Aliyun SMS, on loopback, each checking
what the real service checks, so that the real SDKs are tested end to end:

- JPush v3 (`POST /v3/push`): HTTP Basic auth with the app key and master secret (401, code
  1004, otherwise); a payload with `platform`, `audience.registration_id` and a `notification`
  or `message` (400, code 1003, otherwise); a registration id it was told is gone answers 400
  with code 1011 "cannot find user by this audience", as JPush does.
- A Web Push service (RFC 8030): a VAPID JWT (RFC 8292) signed with the key in `k`, for this
  origin, not expired, with the key the subscription was made with (403 otherwise);
  `Content-Encoding: aes128gcm` and a `TTL`; 201 when accepted; an unknown endpoint answers
  404, one it was told is gone (unsubscribed) 410. It keeps the encrypted bodies: the tests
  decrypt them with the subscription's private key, as a phone or browser would.
- Aliyun SMS (`SendSms`, API version 2017-05-25): the ACS3-HMAC-SHA256 signature over the
  canonical request, with the access key secret; the signature name and template code it
  knows, JSON template parameters; a malformed number answers `isv.MOBILE_NUMBER_ILLEGAL`.

While `down` is set, each answers 503 at once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class _Server:
    """A threading HTTP server on loopback whose handler calls `self.handle`."""

    def __init__(self) -> None:
        self.down = False
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if fake.down:
                    status, answer = 503, {"error": "down"}
                else:
                    status, answer = fake.handle(self, body)
                raw = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def handle(self, request: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict]:
        raise NotImplementedError

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeJPush(_Server):
    app_key = "fake-app-key-0123456789ab"
    master_secret = "fake-master-secret-0123456"

    def __init__(self) -> None:
        super().__init__()
        self.url = self.origin + "/v3/"
        self.received: list[dict] = []
        self.gone: set[str] = set()

    def handle(self, request, body):
        expected = base64.b64encode(f"{self.app_key}:{self.master_secret}".encode()).decode()
        if request.path != "/v3/push":
            return 404, {"error": {"code": 1000, "message": "no such API"}}
        if request.headers.get("Authorization") != f"Basic {expected}":
            return 401, {"error": {"code": 1004, "message": "Authen failed"}}
        try:
            payload = json.loads(body)
        except ValueError:
            return 400, {"error": {"code": 1003, "message": "Invalid json"}}
        problem = self._payload_problem(payload)
        if problem:
            return 400, {"error": {"code": 1003, "message": problem}}
        ids = payload["audience"]["registration_id"]
        if all(rid in self.gone for rid in ids):
            return 400, {"error": {"code": 1011, "message": "cannot find user by this audience"}}
        self.received.append(payload)
        return 200, {"sendno": "0", "msg_id": str(len(self.received))}

    @staticmethod
    def _payload_problem(payload) -> str | None:
        platform = payload.get("platform")
        if platform != "all" and (
            not isinstance(platform, list)
            or not platform
            or not set(platform) <= {"android", "ios", "hmos", "quickapp", "winphone"}
        ):
            return "platform must be 'all' or a list of platforms"
        audience = payload.get("audience")
        ids = audience.get("registration_id") if isinstance(audience, dict) else None
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            return "audience.registration_id must be a non-empty list of ids"
        if "notification" not in payload and "message" not in payload:
            return "notification or message is required"
        notification = payload.get("notification", {})
        android = notification.get("android")
        if android is not None and not android.get("alert"):
            return "notification.android.alert is required"
        return None


class FakeWebPushService(_Server):
    """Subscriptions live at /push/<id>; the tests make them with `subscribe`."""

    def __init__(self) -> None:
        super().__init__()
        self.received: list[tuple[str, dict[str, str], bytes]] = []  # path, headers, body
        self.gone: set[str] = set()  # endpoints unsubscribed
        self.server_keys: dict[str, str] = {}  # endpoint -> the applicationServerKey it took

    def subscribe(
        self, application_server_key: str
    ) -> tuple[dict, ec.EllipticCurvePrivateKey, bytes]:
        """What a browser or UnifiedPush distributor does: a new endpoint bound to the
        application server's key, and the receiver's key pair and auth secret (RFC 8291) that
        the subscription carries. Returns the subscription JSON and the receiver's secrets."""
        receiver = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        endpoint = f"{self.origin}/push/{secrets.token_urlsafe(24)}"
        self.server_keys[endpoint] = application_server_key
        public = receiver.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        subscription = {
            "endpoint": endpoint,
            "keys": {"p256dh": b64url(public), "auth": b64url(auth)},
        }
        return subscription, receiver, auth

    def handle(self, request, body):
        endpoint = self.origin + request.path
        if not request.path.startswith("/push/"):
            return 404, {"error": "no such subscription"}
        problem = self._vapid_problem(request.headers.get("Authorization", ""))
        if problem:
            return 401, {"error": problem}
        key = request.headers["Authorization"].rsplit("k=", 1)[1]
        if endpoint not in self.server_keys:
            return 404, {"error": "no such subscription"}
        if self.server_keys[endpoint] != key:
            return 403, {"error": "not the key this subscription was made with"}  # RFC 8292 §4.2
        if request.headers.get("Content-Encoding") != "aes128gcm":
            return 415, {"error": "Content-Encoding must be aes128gcm"}
        ttl = request.headers.get("TTL")
        if ttl is None or not ttl.isdigit():
            return 400, {"error": "TTL is required"}
        if endpoint in self.gone:
            return 410, {"error": "subscription expired or unsubscribed"}
        self.received.append(
            (request.path, {k.lower(): v for k, v in request.headers.items()}, body)
        )
        return 201, {}

    def _vapid_problem(self, authorization: str) -> str | None:
        match = re.fullmatch(r"vapid t=([\w.-]+),\s*k=([\w-]+)", authorization)
        if not match:
            return "Authorization must be 'vapid t=<jwt>, k=<key>'"
        token, key = match.groups()
        try:
            header_b64, claims_b64, signature_b64 = token.split(".")
            header = json.loads(b64url_decode(header_b64))
            claims = json.loads(b64url_decode(claims_b64))
            public = ec.EllipticCurvePublicKey.from_encoded_point(
                ec.SECP256R1(), b64url_decode(key)
            )
            raw = b64url_decode(signature_b64)
        except ValueError:
            return "malformed VAPID token or key"
        if header.get("alg") != "ES256" or len(raw) != 64:
            return "the VAPID token must be ES256"
        signature = encode_dss_signature(
            int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
        )
        try:
            public.verify(
                signature, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256())
            )
        except InvalidSignature:
            return "the VAPID signature does not match the key"
        if claims.get("aud") != self.origin:
            return "the VAPID audience is not this push service"
        if not time.time() < claims.get("exp", 0) <= time.time() + 24 * 3600:
            return "the VAPID token expired or lives longer than 24 hours"
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            return "the VAPID subject must be a mailto: or https: contact"
        return None


class FakeAliyunSms(_Server):
    access_key_id = "LTAI-fake-access-key"
    access_key_secret = "fake-access-key-secret"
    sign_name = "消防网格"
    templates = {"SMS_470000001"}

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[dict[str, str]] = []

    def handle(self, request, body):
        url = urlsplit(request.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        headers = {k.lower(): v.strip() for k, v in request.headers.items()}
        problem = self._signature_problem(request.command, url.path, query, headers, body)
        if problem:
            return 400, {"Code": problem[0], "Message": problem[1], "RequestId": "fake"}
        if (headers.get("x-acs-action"), headers.get("x-acs-version")) != ("SendSms", "2017-05-25"):
            return 404, {"Code": "InvalidAction.NotFound", "Message": "no such action"}
        if query.get("SignName") != self.sign_name:
            return 200, {"Code": "isv.SMS_SIGNATURE_ILLEGAL", "Message": "签名不合法"}
        if query.get("TemplateCode") not in self.templates:
            return 200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不合法"}
        try:
            params = json.loads(query.get("TemplateParam") or "{}")
        except ValueError:
            return 200, {"Code": "isv.INVALID_JSON_PARAM", "Message": "JSON参数不合法"}
        if not re.fullmatch(r"(\+?86)?1\d{10}", query.get("PhoneNumbers", "")):
            return 200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}
        self.sent.append({**query, "params": params})
        return 200, {"Code": "OK", "Message": "OK", "BizId": str(len(self.sent)), "RequestId": "f"}

    def _signature_problem(self, method, path, query, headers, body) -> tuple[str, str] | None:
        """Aliyun's V3 request signature (ACS3-HMAC-SHA256), checked as the gateway does."""
        match = re.fullmatch(
            r"ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})",
            headers.get("authorization", ""),
        )
        if not match:
            return "IncompleteSignature", "the Authorization header is not ACS3-HMAC-SHA256"
        credential, signed, signature = match.groups()
        if credential != self.access_key_id:
            return "InvalidAccessKeyId.NotFound", "Specified access key is not found."
        names = signed.split(";")
        required = {
            "host",
            "x-acs-action",
            "x-acs-version",
            "x-acs-date",
            "x-acs-signature-nonce",
            "x-acs-content-sha256",
        }
        if not required <= set(names) or names != sorted(names):
            return "IncompleteSignature", "the signed headers are incomplete"
        if headers["x-acs-content-sha256"] != hashlib.sha256(body).hexdigest():
            return "IncompleteSignature", "x-acs-content-sha256 is not the body's hash"
        canonical_query = "&".join(
            f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(query.items())
        )
        canonical_headers = "".join(f"{name}:{headers.get(name, '')}\n" for name in names)
        canonical = "\n".join(
            [
                method,
                path or "/",
                canonical_query,
                canonical_headers,
                signed,
                headers["x-acs-content-sha256"],
            ]
        )
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        expected = hmac.new(self.access_key_secret.encode(), to_sign.encode(), hashlib.sha256)
        if not hmac.compare_digest(expected.hexdigest(), signature):
            return "SignatureDoesNotMatch", "Specified signature does not match our calculation."
        return None


class FakeProxy(_Server):
    """An office's HTTP proxy: takes requests in absolute form (as a client sends them to a
    proxy), remembers where they were going and forwards them."""

    def __init__(self) -> None:
        super().__init__()
        self.forwarded: list[str] = []

    def handle(self, request, body):
        target = urlsplit(request.path)
        if not target.scheme:
            return 400, {"error": "a proxy takes absolute URLs"}
        self.forwarded.append(request.path)
        upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
        try:
            headers = {k: v for k, v in request.headers.items() if k.lower() != "proxy-connection"}
            upstream.request("POST", target.path, body=body, headers=headers)
            answer = upstream.getresponse()
            return answer.status, json.loads(answer.read())
        finally:
            upstream.close()
