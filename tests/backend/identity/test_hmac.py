"""Partner systems (96119, 12345) sign each request; anything off is refused before the body
is used."""

import json
import secrets
import time

from backend.core.security import sign

PATH = "/api/v1/integration/ping"


def signed_headers(client, body: bytes, *, path=PATH, timestamp=None, nonce=None, secret=None):
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(16)
    return {
        "Content-Type": "application/json",
        "X-Firegrid-Key-Id": client.key_id,
        "X-Firegrid-Timestamp": timestamp,
        "X-Firegrid-Nonce": nonce,
        "X-Firegrid-Signature": sign(secret or client.secret, "POST", path, timestamp, nonce, body),
    }


BODY = json.dumps({"hello": "96119"}).encode()


def test_a_correctly_signed_request_is_accepted(api, hotline):
    response = api.post(PATH, content=BODY, headers=signed_headers(hotline, BODY))
    assert response.status_code == 200, response.text
    assert response.json()["client"] == hotline.username
    assert response.json()["key_id"] == hotline.key_id


def test_a_bad_signature_is_refused(api, hotline):
    headers = signed_headers(hotline, BODY, secret="not-the-secret")
    response = api.post(PATH, content=BODY, headers=headers)
    assert response.status_code == 401
    assert "signature does not match" in response.json()["detail"]


def test_a_changed_body_breaks_the_signature(api, hotline):
    headers = signed_headers(hotline, BODY)
    response = api.post(PATH, content=BODY.replace(b"96119", b"12345"), headers=headers)
    assert response.status_code == 401


def test_an_old_timestamp_is_refused(api, hotline):
    headers = signed_headers(hotline, BODY, timestamp=int(time.time()) - 301)
    response = api.post(PATH, content=BODY, headers=headers)
    assert response.status_code == 401
    assert "away from server time" in response.json()["detail"]


def test_a_replayed_nonce_is_refused(api, hotline):
    headers = signed_headers(hotline, BODY)
    assert api.post(PATH, content=BODY, headers=headers).status_code == 200

    replay = api.post(PATH, content=BODY, headers=headers)

    assert replay.status_code == 401
    assert "nonce already used" in replay.json()["detail"]


def test_missing_headers_are_named(api, hotline):
    response = api.post(PATH, content=BODY, headers={"X-Firegrid-Key-Id": hotline.key_id})
    assert response.status_code == 401
    detail = response.json()["detail"]
    assert "X-Firegrid-Timestamp" in detail and "X-Firegrid-Signature" in detail


def test_an_unknown_key_is_refused(api, hotline):
    headers = signed_headers(hotline, BODY)
    headers["X-Firegrid-Key-Id"] = "fgk_unknown"
    assert api.post(PATH, content=BODY, headers=headers).status_code == 401


def test_a_bearer_token_is_not_a_signature(api, station_staff):
    response = api.post(PATH, content=BODY, headers=station_staff.headers(api))
    assert response.status_code == 401
