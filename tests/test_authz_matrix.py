"""The authorisation matrix: every operation of the app's OpenAPI document, played by every
role, with each id or area code it names (in the path, the query or the body) taken once from
outside the caller's scope and once made up. Outside the scope must never succeed, and must be
answered exactly as the made-up one is (same status, problem type, title and detail, the id
aside), so that no answer tells a caller that a record exists elsewhere.

The table below says, for every operation, how to fill its references. An operation of the
app that is missing from it fails the test: a new endpoint is covered from the day it exists.
See docs/decisions/0018-references-in-scope.md.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests import authz_world
from tests.world import USCC_A, jpeg, signed_headers

# What a made-up reference of each kind looks like: well-formed, never issued.
MADE_UP: dict[str, Callable[[], str]] = {
    "county": lambda: "990109",
    "township": lambda: "990109001",
    "village": lambda: "990109001001",
    "grid": lambda: "990109001001-01",
    "device": lambda: "fcm-token-never-issued",
    "upload": lambda: secrets.token_hex(16),
    "external_id": lambda: "12345-never-issued",
    "partner": lambda: "hotline.never-issued",
}
AREA_KINDS = {"county", "township", "village", "grid"}
MADE_UP["photo"] = lambda: secrets.token_hex(32)
MADE_UP["commitment_file"] = lambda: secrets.token_hex(32)
MADE_UP["fire_alert_photo"] = lambda: secrets.token_hex(32)
NEW_GRID = {
    "type": "Feature",
    "properties": {"adcode": "990101001001-09", "name": "新网格"},
    "geometry": {
        "type": "Polygon",
        "coordinates": [
            [[109.40, 24.30], [109.41, 24.30], [109.41, 24.31], [109.40, 24.31], [109.40, 24.30]]
        ],
    },
}

Ref = Callable[[str, str], str]  # (slot, kind) -> the id to send
PHOTO = jpeg(400, 300)


@dataclass
class Req:
    path: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Op:
    """How the matrix plays one operation. `build` fills a request from `ref(slot, kind)`;
    `filters` are slots that only narrow what the caller may see, or remove what is the
    caller's own, so that a success with nothing in it is the right answer to one outside the
    scope as to one made up (and must be exactly the same); `open_to_all` says why an operation
    names nothing a scope could hide."""

    build: Callable[[Ref], Req] | None = None
    filters: frozenset[str] = frozenset()
    open_to_all: str | None = None


def later(days: int = 5) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def none(reason: str) -> Op:
    return Op(open_to_all=reason)


TABLE: dict[tuple[str, str], Op] = {
    # --- public by design, or about the caller only
    ("GET", "/healthz"): none("public: liveness"),
    ("GET", "/readyz"): none("public: readiness"),
    ("GET", "/metrics"): none("the operators' Prometheus: by network or token, names nothing"),
    ("GET", "/open311/v2/discovery.{fmt}"): none("public: Open311 reads are open to anyone"),
    ("GET", "/open311/v2/services.{fmt}"): none("public: Open311 reads are open to anyone"),
    ("GET", "/open311/v2/services/{service_code}.{fmt}"): none("public: the service list"),
    ("GET", "/open311/v2/requests.{fmt}"): none("public: published citizen reports only"),
    ("GET", "/open311/v2/requests/{service_request_id}.{fmt}"): none(
        "public: published citizen reports only (decision 0015)"
    ),
    ("POST", "/open311/v2/requests.{fmt}"): none("citizen apps post a point; it is routed"),
    ("GET", "/open311/v2/media/{sha256}.jpg"): none(
        "public: the EXIF-free copy of a published report's photo; anything else is 404 alike"
    ),
    ("GET", "/public/inspections"): none("public: 一公开, published plans and results"),
    ("GET", "/public/exposures"): none("public: 曝光 in force, masked, names no reference"),
    ("GET", "/public/fire-incidents"): none(
        "public: published fire incidents, masked; the area code is public geography"
    ),
    ("POST", "/api/v1/auth/token"): none("sign-in names only the caller"),
    ("POST", "/api/v1/auth/refresh"): none("a refresh token is a secret, not a reference"),
    ("POST", "/api/v1/auth/revoke"): none("a refresh token is a secret, not a reference"),
    ("POST", "/api/v1/auth/revoke-all"): none("the caller's own sessions"),
    ("POST", "/api/v1/integration/ping"): none("checks the caller's own signature"),
    ("GET", "/api/v1/me"): none("the caller"),
    ("POST", "/api/v1/me/password"): none("the caller's own password"),
    ("GET", "/api/v1/sync/schema"): none("the device schema"),
    ("GET", "/api/v1/sync"): none("pulls the caller's own scope; no reference"),
    ("POST", "/api/v1/sync"): Op(
        lambda r: Req(
            query={"last_pulled_at": "1"},
            json={
                "changes": {
                    "visits": {
                        "created": [
                            {
                                "id": str(uuid.uuid4()),
                                "premises_id": r("premises_id", "premises"),
                                "checked_in_at": int(datetime.now(UTC).timestamp() * 1000),
                                "lng": 109.41,
                                "lat": 24.35,
                            }
                        ]
                    }
                }
            },
        )
    ),
    ("GET", "/api/v1/credit/rules"): none("the published rules"),
    ("GET", "/api/v1/patrols/checklists"): none("checklists are shared by every area"),
    ("POST", "/api/v1/patrols/checklists"): none("checklists are shared by every area"),
    ("GET", "/api/v1/inspections/items"): none("the item list (抽查事项清单) is shared"),
    ("POST", "/api/v1/inspections/items"): none("the item list (抽查事项清单) is shared"),
    ("GET", "/api/v1/inspections/inspectors"): none("the caller's own area's directory"),
    ("GET", "/api/v1/patrols/prompts"): none("the caller's own prompts"),
    ("GET", "/api/v1/patrols/plans/schedule"): none("a deployment setting"),
    ("GET", "/api/v1/patrols/campaigns"): none("lists the caller's area"),
    ("GET", "/api/v1/complaints/rewards"): none("lists the caller's area"),
    ("POST", "/api/v1/complaints/reward-exclusions"): none("a phone number, not a reference"),
    ("GET", "/api/v1/credit/appeals"): none("lists the caller's area"),
    ("GET", "/api/v1/measures"): none("lists the measures of units the caller sees"),
    ("GET", "/api/v1/hotline/callbacks"): none("lists the caller's area (admins)"),
    ("POST", "/api/v1/hotline/complaints"): none("a partner sends a point; it is routed"),
    ("GET", "/api/v1/hazards/extension-requests"): none(
        "lists the requests on hazards of the caller's own area"
    ),
    ("POST", "/api/v1/alarm-feeds/events"): none("a platform sends its devices' events; routed"),
    ("GET", "/api/v1/alarm-feeds/events"): none("lists the caller's area"),
    ("GET", "/api/v1/alarm-feeds/platforms"): none("lists the platforms serving the caller's area"),
    ("GET", "/api/v1/referrals/departments"): none("the configured departments, the same for all"),
    ("POST", "/api/v1/fire-alerts"): none(
        "the caller's own new alert (its id is theirs); its point is routed, as a hazard's"
    ),
    ("GET", "/api/v1/fire-alerts"): none("the caller's area and the alerts they raised or got"),
    ("PUT", "/api/v1/me/position"): none("the caller's own last position"),
    ("POST", "/api/v1/fire-alerts/sms"): none(
        "the SMS gateway's uplink names a phone, not a record; only the account "
        "FIREGRID_FIRE_ALERT_SMS_GATEWAY names may post it (tests/fires/alerts)"
    ),
    ("GET", "/api/v1/grids/locate"): none("any point; who handles it only within scope"),
    ("POST", "/api/v1/grids/locate"): none("any points; who handles them only within scope"),
    ("GET", "/api/v1/console/config"): none("the server's console settings (basemap)"),
    ("GET", "/api/v1/map/areas"): none("a bbox, answered from the caller's scope"),
    ("GET", "/api/v1/map/premises"): none("a bbox, answered from the caller's scope"),
    ("GET", "/api/v1/map/hazards"): none("a bbox, answered from what the caller may see"),
    ("GET", "/api/v1/risk/map"): none("a bbox, answered from the caller's scope"),
    ("POST", "/api/v1/premises"): none("a point, routed; outside the scope is refused"),
    ("POST", "/api/v1/premises/import"): none("rows of points, routed"),
    ("GET", "/api/v1/premises/import-template.xlsx"): none("the same workbook for everyone"),
    # The citizens' page: no sign-in; a follow code or an upload token is the key to one
    # report (tests/complaints/citizens: another report's code, token or upload is refused).
    ("GET", "/api/v1/citizen/form"): none("public: the citizens' page's form"),
    ("GET", "/api/v1/citizen/areas"): none("public: the townships the page serves"),
    ("POST", "/api/v1/citizen/reports"): none("anyone may report; a challenge and limits"),
    ("GET", "/api/v1/citizen/reports/{code}"): none("the follow code is the key"),
    ("GET", "/api/v1/citizen/reports/{code}/photos/{sha256}.jpg"): none("the follow code"),
    ("POST", "/api/v1/citizen/reports/{code}/not-fixed"): none("the follow code is the key"),
    ("POST", "/api/v1/citizen/phone-codes"): none("texts the number given; a challenge"),
    ("POST", "/api/v1/citizen/phone-sessions"): none("the code texted is the key"),
    ("GET", "/api/v1/citizen/my-reports"): none("the proven phone's own reports"),
    # The unit's link: no sign-in; the link's key (Authorization: Bearer ulk_…) opens one
    # unit's hazards and notices (tests/notices/test_unit_link.py: another unit's hazard or
    # notice answers 404 as a made-up one; a wrong or expired key 401).
    ("GET", "/api/v1/unit-link"): none("the link's key is the key to one unit"),
    ("POST", "/api/v1/unit-link/receipt"): none("the link's key: its own notice"),
    ("GET", "/api/v1/unit-link/notices/{notice_id}/pdf"): none("the link's key: its unit's"),
    ("POST", "/api/v1/unit-link/hazards/{hazard_id}/photos"): none("the link's key: its unit's"),
    ("POST", "/api/v1/unit-link/hazards/{hazard_id}/report"): none("the link's key: its unit's"),
    ("POST", "/api/v1/unit-link/hazards/{hazard_id}/extension-requests"): none(
        "the link's key: its unit's hazards only"
    ),
    ("OPTIONS", "/api/v1/citizen/uploads/"): none("tus discovery"),
    ("POST", "/api/v1/citizen/uploads/"): none("the report's upload token is the key"),
    ("HEAD", "/api/v1/citizen/uploads/{upload_id}"): none("the report's upload token"),
    ("PATCH", "/api/v1/citizen/uploads/{upload_id}"): none("the report's upload token"),
    ("DELETE", "/api/v1/citizen/uploads/{upload_id}"): none("the report's upload token"),
    ("POST", "/api/v1/uploads/"): none("creates the caller's own upload"),
    ("OPTIONS", "/api/v1/uploads/"): none("tus discovery"),
    # --- references
    ("POST", "/api/v1/devices"): none("registers the caller's own token"),
    ("GET", "/api/v1/notifications"): none("the caller's own inbox"),
    ("POST", "/api/v1/notifications/read-all"): none("marks the caller's own inbox"),
    ("POST", "/api/v1/notifications/{notification_id}/read"): Op(
        lambda r: Req(path={"notification_id": r("notification_id", "notification")})
    ),
    ("GET", "/api/v1/notifications/{notification_id}/deliveries"): Op(
        lambda r: Req(path={"notification_id": r("notification_id", "notification")})
    ),
    ("GET", "/api/v1/devices/webpush-key"): none("the server's public VAPID key"),
    ("DELETE", "/api/v1/devices/{token}"): Op(
        lambda r: Req(path={"token": r("token", "device")}),
        filters=frozenset({"token"}),  # retires the caller's own token; another's is left alone
    ),
    ("HEAD", "/api/v1/uploads/{upload_id}"): Op(
        lambda r: Req(
            path={"upload_id": r("upload_id", "upload")}, headers={"Tus-Resumable": "1.0.0"}
        )
    ),
    ("PATCH", "/api/v1/uploads/{upload_id}"): Op(
        lambda r: Req(
            path={"upload_id": r("upload_id", "upload")},
            content=b"0123456789",
            headers={
                "Tus-Resumable": "1.0.0",
                "Upload-Offset": "0",
                "Content-Type": "application/offset+octet-stream",
            },
        )
    ),
    ("DELETE", "/api/v1/uploads/{upload_id}"): Op(
        lambda r: Req(
            path={"upload_id": r("upload_id", "upload")}, headers={"Tus-Resumable": "1.0.0"}
        )
    ),
    ("POST", "/api/v1/referrals"): Op(
        lambda r: Req(
            json={
                "kind": "copy",
                "department": "market",
                "hazard_id": r("hazard_id", "hazard"),
                "complaint_id": r("complaint_id", "complaint"),
                "unit_id": r("unit_id", "unit"),
                "finding": "无照经营",
                "legal_basis": "《消防法》",
                "photo_ids": [r("photo_ids", "photo")],
            }
        )
    ),
    # Alarm feeds 物联网: the platform's partner is named by username, refused alike when it
    # does not exist or does not serve the place.
    ("POST", "/api/v1/alarm-feeds/devices"): Op(
        lambda r: Req(
            json={
                "partner": r("partner", "partner"),
                "external_id": "SD-matrix",
                "kind": "smoke",
                "premises_id": r("premises_id", "premises"),
            }
        )
    ),
    ("GET", "/api/v1/alarm-feeds/devices"): Op(
        lambda r: Req(
            query={"area": r("area", "township"), "premises_id": r("premises_id", "premises")}
        ),
        filters=frozenset({"premises_id"}),
    ),
    ("GET", "/api/v1/alarm-feeds/devices/{device_id}"): Op(
        lambda r: Req(path={"device_id": r("device_id", "alarm_device")})
    ),
    ("GET", "/api/v1/alarm-feeds/devices/{device_id}/events"): Op(
        lambda r: Req(path={"device_id": r("device_id", "alarm_device")})
    ),
    ("POST", "/api/v1/alarm-feeds/devices/{device_id}/retire"): Op(
        lambda r: Req(path={"device_id": r("device_id", "alarm_device")}, json={})
    ),
    ("GET", "/api/v1/referrals/{referral_id}"): Op(
        lambda r: Req(path={"referral_id": r("referral_id", "referral")})
    ),
    ("POST", "/api/v1/referrals/{referral_id}/reply-entered"): Op(
        lambda r: Req(path={"referral_id": r("referral_id", "referral")}, json={"text": "已处理"})
    ),
    ("POST", "/api/v1/referrals/{referral_id}/close"): Op(
        lambda r: Req(path={"referral_id": r("referral_id", "referral")}, json={})
    ),
    # Signed, as the hotline's: the matrix's partner answers for no department, so a referral
    # in its area answers 404 as a made-up one does (see UNREACHED).
    ("POST", "/api/v1/referrals/{referral_id}/reply"): Op(
        lambda r: Req(path={"referral_id": r("referral_id", "referral")}, json={"text": "已处理"})
    ),
    ("GET", "/api/v1/hotline/complaints/{channel}/{external_id}"): Op(
        lambda r: Req(path={"channel": "12345", "external_id": r("external_id", "external_id")})
    ),
    ("POST", "/api/v1/hotline/complaints/{channel}/{external_id}/callback-result"): Op(
        lambda r: Req(
            path={"channel": "12345", "external_id": r("external_id", "external_id")},
            json={"satisfied": True, "note": "满意"},
        )
    ),
    ("PUT", "/api/v1/hotline/partners/{username}/callback"): Op(
        lambda r: Req(
            path={"username": r("username", "partner")},
            json={"callback_url": "https://hotline.example.org/callback"},
        )
    ),
    ("POST", "/api/v1/hotline/partners/{username}/callback/rotate"): Op(
        lambda r: Req(path={"username": r("username", "partner")}, json={"overlap_hours": 24})
    ),
    ("POST", "/api/v1/hotline/callbacks/{callback_id}/replay"): Op(
        lambda r: Req(path={"callback_id": r("callback_id", "callback")})
    ),
    ("GET", "/api/v1/areas"): Op(
        lambda r: Req(query={"parent": r("parent", "township")}), filters=frozenset({"parent"})
    ),
    ("GET", "/api/v1/areas/{code}"): Op(lambda r: Req(path={"code": r("code", "grid")})),
    ("PATCH", "/api/v1/areas/{code}"): Op(
        lambda r: Req(path={"code": r("code", "grid")}, json={"name": "改名", "version": 1})
    ),
    ("GET", "/api/v1/areas/{code}/users"): Op(lambda r: Req(path={"code": r("code", "grid")})),
    ("POST", "/api/v1/areas/{code}/users"): Op(
        lambda r: Req(
            path={"code": r("code", "grid")},
            json={
                "username": f"new.{uuid.uuid4().hex[:8]}",
                "password": "a-long-enough-password",
                "role": "grid_worker",
            },
        )
    ),
    ("GET", "/api/v1/users"): Op(lambda r: Req(query={"area": r("area", "township")})),
    # A roll of people: each line's area code is resolved in scope (one outside it is refused
    # in the words of one never issued); the username is the same on every play.
    ("POST", "/api/v1/users/import"): Op(
        lambda r: Req(
            content=(
                "用户名,姓名,角色,区域编码\n"
                f"matrix.import,矩阵网格员,网格员,{r('area_code', 'grid')}\n"
            ).encode(),
            headers={"Content-Type": "text/csv"},
        )
    ),
    ("GET", "/api/v1/users/import-template.xlsx"): none("the same workbook for everyone"),
    ("POST", "/api/v1/users/{user_id}/revoke-sessions"): Op(
        lambda r: Req(path={"user_id": r("user_id", "worker")})
    ),
    ("POST", "/api/v1/users/{user_id}/password-reset"): Op(
        lambda r: Req(path={"user_id": r("user_id", "worker")})
    ),
    ("POST", "/api/v1/users/{user_id}/deactivate"): Op(
        lambda r: Req(path={"user_id": r("user_id", "worker")})
    ),
    ("POST", "/api/v1/users/{user_id}/activate"): Op(
        lambda r: Req(path={"user_id": r("user_id", "worker")})
    ),
    ("GET", "/api/v1/grids/{code}/team"): Op(lambda r: Req(path={"code": r("code", "grid")})),
    ("PUT", "/api/v1/grids/{code}/team"): Op(
        lambda r: Req(
            path={"code": r("code", "grid")},
            json={"primary": r("primary", "worker"), "backups": [r("backups", "worker")]},
        )
    ),
    ("PUT", "/api/v1/users/{user_id}/duty"): Op(
        lambda r: Req(path={"user_id": r("user_id", "worker")}, json={"status": "on_duty"})
    ),
    ("POST", "/api/v1/areas/import"): Op(
        lambda r: Req(
            query={"level": "grid", "parent": r("parent", "village")},
            json={"type": "FeatureCollection", "features": [NEW_GRID]},
        )
    ),
    ("GET", "/api/v1/areas/{code}/check"): Op(lambda r: Req(path={"code": r("code", "township")})),
    ("POST", "/api/v1/areas/{code}/split"): Op(
        lambda r: Req(
            path={"code": r("code", "township")}, query={"cell_size_m": "500", "preview": "true"}
        )
    ),
    ("GET", "/api/v1/premises"): Op(lambda r: Req(query={"area": r("area", "grid")})),
    ("GET", "/api/v1/premises/{premises_id}"): Op(
        lambda r: Req(path={"premises_id": r("premises_id", "premises")})
    ),
    ("GET", "/api/v1/premises/{premises_id}/history"): Op(
        lambda r: Req(path={"premises_id": r("premises_id", "premises")})
    ),
    ("PATCH", "/api/v1/premises/{premises_id}"): Op(
        lambda r: Req(
            path={"premises_id": r("premises_id", "premises")},
            json={"version": 1, "risk_level": "high"},
        )
    ),
    ("DELETE", "/api/v1/premises/{premises_id}"): Op(
        lambda r: Req(path={"premises_id": r("premises_id", "premises")})
    ),
    ("POST", "/api/v1/units"): Op(
        lambda r: Req(
            json={
                "name": "矩阵公司",
                "uscc": USCC_A,
                "area_code": r("area", "township"),
                "premises_ids": [r("premises_id", "premises")],
            }
        )
    ),
    ("GET", "/api/v1/units"): Op(lambda r: Req(query={"area": r("area", "grid")})),
    ("GET", "/api/v1/units/{unit_id}"): Op(lambda r: Req(path={"unit_id": r("unit_id", "unit")})),
    ("POST", "/api/v1/units/{unit_id}/premises"): Op(
        lambda r: Req(
            path={"unit_id": r("unit_id", "unit")},
            json={"premises_ids": [r("premises_id", "premises")]},
        )
    ),
    ("DELETE", "/api/v1/units/{unit_id}/premises/{premises_id}"): Op(
        lambda r: Req(
            path={"unit_id": r("unit_id", "unit"), "premises_id": r("premises_id", "premises")}
        )
    ),
    ("PUT", "/api/v1/units/{unit_id}/persons/{role}"): Op(
        lambda r: Req(
            path={"unit_id": r("unit_id", "unit"), "role": "manager"},
            json={"name": "矩阵", "phone": "13800001234"},
        )
    ),
    ("POST", "/api/v1/units/{unit_id}/persons/{role}/verify"): Op(
        lambda r: Req(
            path={"unit_id": r("unit_id", "unit"), "role": "responsible"}, json={"code": "123456"}
        )
    ),
    ("POST", "/api/v1/units/{unit_id}/measures"): Op(
        lambda r: Req(
            path={"unit_id": r("unit_id", "unit")},
            json={
                "kind": "interview",
                "held_on": datetime.now(UTC).date().isoformat(),
                "place": "消防工作站",
                "premises_id": r("premises_id", "premises"),
                "findings": "安全出口锁闭",
                "hazard_ids": [r("hazard_ids", "hazard")],
                "second_officer_id": r("second_officer_id", "officer"),
                "follows_id": r("follows_id", "measure"),
            },
        )
    ),
    ("GET", "/api/v1/units/{unit_id}/officers"): Op(
        lambda r: Req(path={"unit_id": r("unit_id", "unit")})
    ),
    ("GET", "/api/v1/units/{unit_id}/measures"): Op(
        lambda r: Req(path={"unit_id": r("unit_id", "unit")})
    ),
    ("GET", "/api/v1/measures/{measure_id}"): Op(
        lambda r: Req(path={"measure_id": r("measure_id", "measure")})
    ),
    ("POST", "/api/v1/measures/{measure_id}/document"): Op(
        lambda r: Req(
            path={"measure_id": r("measure_id", "measure")},
            content=b"%PDF-1.4\n%%EOF\n",
            headers={"Content-Type": "application/pdf"},
        )
    ),
    ("GET", "/api/v1/measures/{measure_id}/document"): Op(
        lambda r: Req(path={"measure_id": r("measure_id", "measure")})
    ),
    ("POST", "/api/v1/measures/{measure_id}/withdraw"): Op(
        lambda r: Req(path={"measure_id": r("measure_id", "measure")}, json={"reason": "已整改"})
    ),
    ("POST", "/api/v1/premises/{premises_id}/commitments"): Op(
        lambda r: Req(
            path={"premises_id": r("premises_id", "venue")},
            json={
                "committed_on": datetime.now(UTC).date().isoformat(),
                "signatory_name": "钱法人",
                "signatory_role": "法定代表人",
                "scope": "全部营业区域",
            },
        )
    ),
    ("GET", "/api/v1/premises/{premises_id}/commitments"): Op(
        lambda r: Req(path={"premises_id": r("premises_id", "venue")})
    ),
    ("GET", "/api/v1/commitments/{commitment_id}"): Op(
        lambda r: Req(path={"commitment_id": r("commitment_id", "commitment")})
    ),
    ("POST", "/api/v1/commitments/{commitment_id}/documents"): Op(
        lambda r: Req(
            path={"commitment_id": r("commitment_id", "commitment")},
            content=b"%PDF-1.4\n%%EOF\n",
            headers={"Content-Type": "application/pdf"},
        )
    ),
    ("GET", "/api/v1/commitments/{commitment_id}/documents/{sha256}"): Op(
        lambda r: Req(
            path={
                "commitment_id": r("commitment_id", "commitment"),
                "sha256": r("sha256", "commitment_file"),
            }
        )
    ),
    ("POST", "/api/v1/commitments/{commitment_id}/result"): Op(
        lambda r: Req(
            path={"commitment_id": r("commitment_id", "commitment")},
            json={"result": "verified", "note": "属实"},
        )
    ),
    ("POST", "/api/v1/commitments/{commitment_id}/withdraw"): Op(
        lambda r: Req(
            path={"commitment_id": r("commitment_id", "commitment")}, json={"reason": "登记有误"}
        )
    ),
    ("POST", "/api/v1/fire-incidents"): Op(
        lambda r: Req(
            json={
                "occurred_at": "2026-11-20T20:00:00+08:00",
                "address": "示例路2号",
                "premises_id": r("premises_id", "premises"),
                "cause": "smoking",
                "place_category": "small_venue",
            }
        )
    ),
    ("GET", "/api/v1/fire-incidents"): Op(
        lambda r: Req(
            query={
                "township": r("township", "township"),
                "grid": r("grid", "grid"),
                "premises_id": r("premises_id", "premises"),
            }
        )
    ),
    ("GET", "/api/v1/fire-incidents/export.xlsx"): Op(
        lambda r: Req(
            query={
                "township": r("township", "township"),
                "grid": r("grid", "grid"),
                "premises_id": r("premises_id", "premises"),
            }
        )
    ),
    ("GET", "/api/v1/fire-incidents/{incident_id}"): Op(
        lambda r: Req(path={"incident_id": r("incident_id", "fire_incident")})
    ),
    ("PATCH", "/api/v1/fire-incidents/{incident_id}"): Op(
        lambda r: Req(
            path={"incident_id": r("incident_id", "fire_incident")},
            json={"version": 1, "injuries": 1},
        )
    ),
    ("POST", "/api/v1/fire-incidents/{incident_id}/confirm"): Op(
        lambda r: Req(path={"incident_id": r("incident_id", "fire_incident")})
    ),
    ("POST", "/api/v1/fire-incidents/{incident_id}/publish"): Op(
        lambda r: Req(path={"incident_id": r("incident_id", "fire_incident")})
    ),
    ("POST", "/api/v1/fire-incidents/{incident_id}/withdraw"): Op(
        lambda r: Req(
            path={"incident_id": r("incident_id", "fire_incident")}, json={"reason": "误报"}
        )
    ),
    ("GET", "/api/v1/premises/{premises_id}/fire-incidents"): Op(
        lambda r: Req(path={"premises_id": r("premises_id", "premises")})
    ),
    ("GET", "/api/v1/premises/{premises_id}/notices"): Op(
        lambda r: Req(path={"premises_id": r("premises_id", "premises")})
    ),
    ("POST", "/api/v1/hazards"): Op(
        lambda r: Req(
            json={
                "category": "electrical",
                "description": "私拉电线",
                "lng": 109.41,
                "lat": 24.35,
                "premises_id": r("premises_id", "premises"),
                "source": "patrol",
            },
        )
    ),
    ("GET", "/api/v1/hazards"): Op(
        lambda r: Req(
            query={"area": r("area", "grid"), "premises_id": r("premises_id", "premises")}
        ),
        filters=frozenset({"premises_id"}),
    ),
    ("GET", "/api/v1/hazards/export.xlsx"): Op(
        lambda r: Req(
            query={"area": r("area", "grid"), "premises_id": r("premises_id", "premises")}
        ),
        filters=frozenset({"premises_id"}),
    ),
    ("GET", "/api/v1/credit/records"): Op(
        lambda r: Req(
            query={"area": r("area", "grid"), "premises_id": r("premises_id", "premises")}
        ),
        filters=frozenset({"premises_id"}),
    ),
    ("GET", "/api/v1/credit/records/export.xlsx"): Op(
        lambda r: Req(
            query={"area": r("area", "grid"), "premises_id": r("premises_id", "premises")}
        ),
        filters=frozenset({"premises_id"}),
    ),
    ("GET", "/api/v1/hazards/counts"): Op(lambda r: Req(query={"area": r("area", "township")})),
    ("GET", "/api/v1/hazards/{hazard_id}"): Op(
        lambda r: Req(path={"hazard_id": r("hazard_id", "hazard")})
    ),
    ("POST", "/api/v1/hazards/{hazard_id}/actions"): Op(
        lambda r: Req(
            path={"hazard_id": r("hazard_id", "hazard")},
            json={"action": "mark_duplicate", "duplicate_of": r("duplicate_of", "earlier_hazard")},
        )
    ),
    ("GET", "/api/v1/hazards/{hazard_id}/timeline"): Op(
        lambda r: Req(path={"hazard_id": r("hazard_id", "hazard")})
    ),
    ("POST", "/api/v1/hazards/{hazard_id}/photos"): Op(
        lambda r: Req(
            path={"hazard_id": r("hazard_id", "hazard")},
            query={"kind": "before"},
            content=PHOTO,
            headers={"Content-Type": "image/jpeg"},
        )
    ),
    ("GET", "/api/v1/hazards/{hazard_id}/photos"): Op(
        lambda r: Req(path={"hazard_id": r("hazard_id", "hazard")})
    ),
    ("GET", "/api/v1/hazards/{hazard_id}/photos/{sha256}/{variant}"): Op(
        lambda r: Req(
            path={
                "hazard_id": r("hazard_id", "hazard"),
                "sha256": r("sha256", "photo"),
                "variant": "thumbnail",
            }
        )
    ),
    ("POST", "/api/v1/complaints/rewards/{reward_id}/decision"): Op(
        lambda r: Req(
            path={"reward_id": r("reward_id", "reward")}, json={"approve": True, "amount_yuan": 100}
        )
    ),
    ("POST", "/api/v1/complaints/rewards/{reward_id}/payment"): Op(
        lambda r: Req(path={"reward_id": r("reward_id", "reward")}, json={"reference": "PAY-1"})
    ),
    ("POST", "/api/v1/complaints/extensions/{extension_id}/decision"): Op(
        lambda r: Req(
            path={"extension_id": r("extension_id", "extension")},
            json={"approve": False, "note": "不同意"},
        )
    ),
    ("GET", "/api/v1/complaints"): Op(lambda r: Req(query={"area": r("area", "grid")})),
    ("GET", "/api/v1/complaints/export.xlsx"): Op(lambda r: Req(query={"area": r("area", "grid")})),
    ("GET", "/api/v1/complaints/{complaint_id}"): Op(
        lambda r: Req(path={"complaint_id": r("complaint_id", "complaint")})
    ),
    ("GET", "/api/v1/complaints/{complaint_id}/candidates"): Op(
        lambda r: Req(path={"complaint_id": r("complaint_id", "complaint")})
    ),
    ("POST", "/api/v1/complaints/{complaint_id}/actions"): Op(
        lambda r: Req(
            path={"complaint_id": r("complaint_id", "complaint")},
            json={"action": "dispatch", "assignee_id": r("assignee_id", "worker")},
        )
    ),
    ("POST", "/api/v1/complaints/{complaint_id}/location"): Op(
        lambda r: Req(
            path={"complaint_id": r("complaint_id", "complaint")},
            json={"location": {"lng": 109.41, "lat": 24.35, "crs": "wgs84"}},
        )
    ),
    ("GET", "/api/v1/complaints/{complaint_id}/address-candidates"): Op(
        lambda r: Req(path={"complaint_id": r("complaint_id", "complaint")})
    ),
    ("GET", "/api/v1/complaints/{complaint_id}/caller"): Op(
        lambda r: Req(path={"complaint_id": r("complaint_id", "complaint")})
    ),
    ("GET", "/api/v1/complaints/{complaint_id}/timeline"): Op(
        lambda r: Req(path={"complaint_id": r("complaint_id", "complaint")})
    ),
    ("POST", "/api/v1/complaints/{complaint_id}/extensions"): Op(
        lambda r: Req(
            path={"complaint_id": r("complaint_id", "complaint")},
            json={"working_days": 1, "reason": "等待"},
        )
    ),
    ("GET", "/api/v1/complaints/{complaint_id}/extensions"): Op(
        lambda r: Req(path={"complaint_id": r("complaint_id", "complaint")})
    ),
    ("POST", "/api/v1/complaints/{complaint_id}/photos"): Op(
        lambda r: Req(
            path={"complaint_id": r("complaint_id", "complaint")},
            content=PHOTO,
            headers={"Content-Type": "image/jpeg"},
        )
    ),
    ("GET", "/api/v1/complaints/{complaint_id}/photos"): Op(
        lambda r: Req(path={"complaint_id": r("complaint_id", "complaint")})
    ),
    ("GET", "/api/v1/risk/premises/{premises_id}"): Op(
        lambda r: Req(path={"premises_id": r("premises_id", "premises")})
    ),
    ("GET", "/api/v1/risk/premises"): Op(lambda r: Req(query={"area": r("area", "grid")})),
    ("GET", "/api/v1/risk/grids"): Op(lambda r: Req(query={"area": r("area", "township")})),
    ("GET", "/api/v1/risk/hazard-list.xlsx"): Op(
        lambda r: Req(query={"township": r("township", "township"), "year": "2026"})
    ),
    ("GET", "/api/v1/premises/{premises_id}/credit"): Op(
        lambda r: Req(path={"premises_id": r("premises_id", "premises")})
    ),
    ("POST", "/api/v1/premises/{premises_id}/credit/records"): Op(
        lambda r: Req(
            path={"premises_id": r("premises_id", "premises")},
            json={
                "kind": "order_refused",
                "note": "拒不整改",
                "hazard_id": r("hazard_id", "hazard"),
            },
        )
    ),
    ("POST", "/api/v1/credit/appeals"): Op(
        lambda r: Req(
            json={
                "record_id": r("record_id", "credit_record"),
                "kind": "objection",
                "statement": "记录有误",
            }
        )
    ),
    ("POST", "/api/v1/credit/appeals/{appeal_id}/decision"): Op(
        lambda r: Req(
            path={"appeal_id": r("appeal_id", "appeal")},
            json={"decision": "reject", "note": "维持"},
        )
    ),
    ("POST", "/api/v1/patrols/plans"): Op(
        lambda r: Req(
            json={"area_code": r("area_code", "township"), "period": "2030-01", "preview": True}
        )
    ),
    ("POST", "/api/v1/patrols/tasks"): Op(
        lambda r: Req(
            json={
                "premises_id": r("premises_id", "premises"),
                "due_at": later(),
                "assignee_id": r("assignee_id", "worker"),
            }
        )
    ),
    ("GET", "/api/v1/patrols/tasks"): Op(
        lambda r: Req(
            query={
                "area_code": r("area_code", "grid"),
                "assignee_id": r("assignee_id", "worker"),
                "campaign_id": r("campaign_id", "campaign"),
            }
        ),
        filters=frozenset({"assignee_id", "campaign_id"}),
    ),
    ("GET", "/api/v1/patrols/tasks/{task_id}/candidates"): Op(
        lambda r: Req(path={"task_id": r("task_id", "task")})
    ),
    ("GET", "/api/v1/patrols/tasks/export.xlsx"): Op(
        lambda r: Req(
            query={"area_code": r("area_code", "grid"), "assignee_id": r("assignee_id", "worker")}
        ),
        filters=frozenset({"assignee_id"}),
    ),
    ("GET", "/api/v1/patrols/tasks/{task_id}"): Op(
        lambda r: Req(path={"task_id": r("task_id", "task")})
    ),
    ("POST", "/api/v1/patrols/tasks/{task_id}/reassign"): Op(
        lambda r: Req(
            path={"task_id": r("task_id", "task")}, json={"assignee_id": r("assignee_id", "worker")}
        )
    ),
    ("POST", "/api/v1/patrols/tasks/{task_id}/cancel"): Op(
        lambda r: Req(path={"task_id": r("task_id", "task")}, json={"note": "取消"})
    ),
    ("GET", "/api/v1/patrols/progress"): Op(
        lambda r: Req(query={"area_code": r("area_code", "township"), "period": "2030-01"})
    ),
    ("GET", "/api/v1/referrals"): Op(lambda r: Req(query={"unit_id": r("unit_id", "unit")})),
    ("GET", "/api/v1/fire-alerts/{alert_id}"): Op(
        lambda r: Req(path={"alert_id": r("alert_id", "fire_alert")})
    ),
    ("POST", "/api/v1/fire-alerts/{alert_id}/ack"): Op(
        lambda r: Req(path={"alert_id": r("alert_id", "fire_alert")}, json={"going": True})
    ),
    ("POST", "/api/v1/fire-alerts/{alert_id}/recipients/{recipient_id}/ack"): Op(
        lambda r: Req(
            path={
                "alert_id": r("alert_id", "fire_alert"),
                "recipient_id": r("recipient_id", "fire_alert_recipient"),
            },
            json={"going": True, "eta_minutes": 5},
        )
    ),
    ("POST", "/api/v1/fire-alerts/{alert_id}/photos"): Op(
        lambda r: Req(
            path={"alert_id": r("alert_id", "fire_alert")},
            content=PHOTO,
            headers={"Content-Type": "image/jpeg"},
        )
    ),
    ("GET", "/api/v1/fire-alerts/{alert_id}/photos/{sha256}/{variant}"): Op(
        lambda r: Req(
            path={
                "alert_id": r("alert_id", "fire_alert"),
                "sha256": r("sha256", "fire_alert_photo"),
                "variant": "thumbnail",
            }
        )
    ),
    ("POST", "/api/v1/fire-alerts/{alert_id}/close"): Op(
        lambda r: Req(path={"alert_id": r("alert_id", "fire_alert")}, json={"outcome": "closed"})
    ),
    ("GET", "/api/v1/fire-stations/micro"): Op(
        lambda r: Req(query={"township": r("township", "township")})
    ),
    ("POST", "/api/v1/fire-stations/micro"): Op(
        lambda r: Req(
            json={
                "name": "新微型消防站",
                "kind": "volunteer",
                "township": r("township", "township"),
                "lng": 109.41,
                "lat": 24.36,
                "contact_name": "王队长",
                "contact_phone": "13812340000",
            }
        )
    ),
    ("GET", "/api/v1/fire-stations/micro/{station_id}"): Op(
        lambda r: Req(path={"station_id": r("station_id", "micro_station")})
    ),
    ("PATCH", "/api/v1/fire-stations/micro/{station_id}"): Op(
        lambda r: Req(
            path={"station_id": r("station_id", "micro_station")},
            json={"version": 1, "members_count": 8},
        )
    ),
    ("DELETE", "/api/v1/fire-stations/micro/{station_id}"): Op(
        lambda r: Req(path={"station_id": r("station_id", "micro_station")})
    ),
    ("PUT", "/api/v1/fire-stations/micro/{station_id}/duty"): Op(
        lambda r: Req(
            path={"station_id": r("station_id", "micro_station")}, json={"on_duty": False}
        )
    ),
    ("GET", "/api/v1/notices"): Op(
        lambda r: Req(
            query={"unit_id": r("unit_id", "unit"), "premises_id": r("premises_id", "premises")}
        )
    ),
    ("GET", "/api/v1/notices/{notice_id}"): Op(
        lambda r: Req(path={"notice_id": r("notice_id", "notice")})
    ),
    ("GET", "/api/v1/notices/{notice_id}/pdf"): Op(
        lambda r: Req(path={"notice_id": r("notice_id", "notice")})
    ),
    ("POST", "/api/v1/notices/{notice_id}/service"): Op(
        lambda r: Req(
            path={"notice_id": r("notice_id", "notice")},
            query={"method": "paper"},
            content=PHOTO,
            headers={"Content-Type": "image/jpeg"},
        )
    ),
    ("GET", "/api/v1/hazards/{hazard_id}/extension-requests"): Op(
        lambda r: Req(path={"hazard_id": r("hazard_id", "ordered_hazard")})
    ),
    ("POST", "/api/v1/hazards/{hazard_id}/extension-requests/decision"): Op(
        lambda r: Req(path={"hazard_id": r("hazard_id", "ordered_hazard")}, json={"grant": False})
    ),
    ("GET", "/api/v1/hazards/{hazard_id}/notices"): Op(
        lambda r: Req(path={"hazard_id": r("hazard_id", "ordered_hazard")})
    ),
    ("POST", "/api/v1/bulletins"): Op(
        lambda r: Req(json={"area": r("area", "township"), "month": "2026-02"})
    ),
    ("GET", "/api/v1/bulletins"): Op(lambda r: Req(query={"area": r("area", "township")})),
    ("GET", "/api/v1/bulletins/{bulletin_id}"): Op(
        lambda r: Req(path={"bulletin_id": r("bulletin_id", "bulletin")})
    ),
    ("GET", "/api/v1/bulletins/{bulletin_id}/pdf"): Op(
        lambda r: Req(path={"bulletin_id": r("bulletin_id", "bulletin")})
    ),
    ("GET", "/api/v1/bulletins/{bulletin_id}/pages/{page}.png"): Op(
        lambda r: Req(path={"bulletin_id": r("bulletin_id", "bulletin"), "page": "1"})
    ),
    ("GET", "/api/v1/patrols/assessment"): Op(
        lambda r: Req(query={"area_code": r("area_code", "township"), "period": "2030-01"})
    ),
    ("POST", "/api/v1/patrols/campaigns"): Op(
        lambda r: Req(
            json={
                "title": "电动车专项",
                "area_code": r("area_code", "grid"),
                "starts_at": later(1),
                "due_at": later(10),
            }
        )
    ),
    ("POST", "/api/v1/patrols/campaigns/preview"): Op(
        lambda r: Req(
            json={
                "title": "电动车专项",
                "area_code": r("area_code", "grid"),
                "starts_at": later(1),
                "due_at": later(10),
            }
        )
    ),
    ("GET", "/api/v1/patrols/campaigns/{campaign_id}"): Op(
        lambda r: Req(path={"campaign_id": r("campaign_id", "campaign")})
    ),
    ("GET", "/api/v1/patrols/campaigns/{campaign_id}/progress"): Op(
        lambda r: Req(path={"campaign_id": r("campaign_id", "campaign")})
    ),
    ("POST", "/api/v1/patrols/campaigns/{campaign_id}/cancel"): Op(
        lambda r: Req(path={"campaign_id": r("campaign_id", "campaign")}, json={"note": "取消"})
    ),
    ("POST", "/api/v1/patrols/prompts"): Op(
        lambda r: Req(json={"area_code": r("area_code", "grid"), "title": "提示", "body": "注意"})
    ),
    ("POST", "/api/v1/patrols/prompts/{prompt_id}/read"): Op(
        lambda r: Req(path={"prompt_id": r("prompt_id", "prompt")})
    ),
    ("GET", "/api/v1/patrols/prompts/{prompt_id}/receipts"): Op(
        lambda r: Req(path={"prompt_id": r("prompt_id", "prompt")})
    ),
    ("GET", "/api/v1/inspections/conflicts"): Op(
        lambda r: Req(query={"user_id": r("user_id", "station_user")})
    ),
    ("POST", "/api/v1/inspections/conflicts"): Op(
        lambda r: Req(
            json={
                "user_id": r("user_id", "station_user"),
                "premises_id": r("premises_id", "premises"),
                "relation": "sibling",
                "note": "亲属经营",
            }
        )
    ),
    ("POST", "/api/v1/inspections/plans"): Op(
        lambda r: Req(
            json={
                "title": "抽查",
                "area_code": r("area_code", "county"),
                "starts_on": f"{authz_world.YEAR}-04-01",
                "ends_on": f"{authz_world.YEAR}-06-30",
                "rates": [{"rate": 0.5}],
                "item_codes": ["exits.c1", "exits.c2"],
            }
        )
    ),
    ("GET", "/api/v1/inspections/plans"): none("lists the plans of the caller's own area"),
    ("POST", "/api/v1/inspections/plans/{plan_id}/draws"): Op(
        lambda r: Req(path={"plan_id": r("plan_id", "plan")}, json={"public_value": "3D 456"})
    ),
    ("GET", "/api/v1/inspections/draws/{draw_id}"): Op(
        lambda r: Req(path={"draw_id": r("draw_id", "draw")})
    ),
    ("GET", "/api/v1/inspections/draws/{draw_id}/verify"): none(
        "public: anyone may recheck a draw, and every draw is published (一公开)"
    ),
    ("POST", "/api/v1/inspections/assignments/{assignment_id}/result"): Op(
        lambda r: Req(
            path={"assignment_id": r("assignment_id", "assignment")}, json={"outcome": "passed"}
        )
    ),
}


def operations() -> list[tuple[str, str]]:
    from backend.app import create_app

    document = create_app().openapi()
    return sorted(
        (method.upper(), path)
        for path, methods in document["paths"].items()
        for method in methods
        if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}
    )


def test_every_operation_of_the_api_is_in_the_matrix():
    """A new endpoint fails here until someone says how its references are scoped."""
    existing = operations()
    missing = [op for op in existing if op not in TABLE]
    stale = [op for op in TABLE if op not in set(existing)]
    assert missing == [], f"operations missing from the authorisation matrix: {missing}"
    assert stale == [], f"the matrix names operations the app does not have: {stale}"


# --- Playing the matrix ------------------------------------------------------------------------


def slots_of(op: Op) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []

    def record(slot: str, kind: str) -> str:
        seen.append((slot, kind))
        return MADE_UP.get(kind, lambda: str(uuid.uuid4()))()

    op.build(record)
    return seen


def value_of(world: authz_world.World, place: str, kind: str) -> str:
    p = world.places[place]
    if kind in AREA_KINDS:
        return getattr(p, kind)
    if kind == "partner":
        return f"hotline.c{place[1]}"
    return p.ids[kind]


def send(api, caller: authz_world.Caller, method: str, template: str, req: Req):
    path = template.format(**req.path)
    url = path
    if req.query:
        from urllib.parse import urlencode

        url = f"{path}?{urlencode(req.query)}"
    body = req.content
    headers = dict(req.headers)
    if req.json is not None:
        body = json.dumps(req.json, ensure_ascii=False).encode()
        headers.setdefault("Content-Type", "application/json")
    if caller.hotline is not None:
        signed = signed_headers(caller.hotline, method, url, body or b"")
        signed.pop("Content-Type")
        headers.update(signed)
    elif caller.token:
        headers["Authorization"] = caller.token
    return api.request(method, url, content=body, headers=headers)


def answer(response, hidden: list[str]) -> tuple[int, str]:
    """What a caller learns from a response, with the ids they sent blanked out."""
    text = response.text
    try:
        doc = response.json()
        if isinstance(doc, dict):
            doc.pop("instance", None)
        text = json.dumps(doc, ensure_ascii=False, sort_keys=True)
    except ValueError:
        pass
    for value in hidden:
        text = text.replace(value, "<ref>")
    return response.status_code, text[:400]


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def own_ids(req: Req) -> list[str]:
    """Ids in the body that the caller made up for records of its own (sync records carry
    them): echoing them back tells the caller nothing."""
    return UUID.findall(json.dumps(req.json)) if req.json is not None else []


def varying(world: authz_world.World, caller: authz_world.Caller, slot: str, variant: str) -> Ref:
    """References from the caller's home, but `slot` from outside the scope or made up."""
    made_up: dict[str, str] = {}

    def ref(s: str, kind: str) -> str:
        if s != slot:
            return value_of(world, caller.home, kind)
        if variant == "outside":
            return value_of(world, caller.outside, kind)
        return made_up.setdefault(kind, MADE_UP.get(kind, lambda: str(uuid.uuid4()))())

    return ref


def test_references_outside_scope_answer_as_made_up_ones(db, api):
    world = authz_world.build(db, api)
    failures: list[str] = []
    played = 0
    for (method, template), op in TABLE.items():
        if op.build is None:
            continue
        slots = slots_of(op)
        for caller in world.callers.values():
            if caller.outside is None:
                continue  # nothing is outside an admin's scope
            for slot, kind in slots:
                answers = {}
                for variant in ("outside", "made_up"):
                    ref = varying(world, caller, slot, variant)
                    sent: list[str] = []

                    def noting(s: str, k: str, ref=ref, sent=sent) -> str:
                        sent.append(ref(s, k))
                        return sent[-1]

                    req = op.build(noting)
                    sent += own_ids(req)  # the caller's own new records (a pushed visit's id)
                    response = send(api, caller, method, template, req)
                    played += 1
                    answers[variant] = answer(response, sent)
                where = f"{method} {template} as {caller.name}, {slot} ({kind})"
                outside, made_up = answers["outside"], answers["made_up"]
                if outside[0] >= 500 or made_up[0] >= 500:
                    failures.append(f"{where}: server error {outside} / {made_up}")
                elif 200 <= outside[0] < 300 and slot not in op.filters:
                    failures.append(f"{where}: outside scope succeeded: {outside}")
                elif outside != made_up:
                    failures.append(f"{where}: outside {outside} != made up {made_up}")
    assert played > 500
    unreached = reach_in_scope(api, world)
    failures += [
        f"{method} {template}: no role succeeded with references in its scope "
        "(the comparison above compares nothing): " + "; ".join(answers)
        for (method, template), answers in unreached.items()
        if (method, template) not in UNREACHED
    ]
    assert failures == [], f"{len(failures)} failures:\n" + "\n".join(failures)


# Operations that no role completes with the world's records, and why the comparison above
# still means something for them.
UNREACHED: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/referrals/{referral_id}/reply"): "only a department's own partner "
    "account answers (FIREGRID_REFERRAL_DEPARTMENTS binds none in the matrix); the referral is "
    "resolved in scope first, and tests/referrals shows the bound partner getting through",
    ("POST", "/api/v1/areas/{code}/split"): "a township is split once, before it has grids; "
    "the world's have theirs (the code is resolved before that is checked)",
    ("POST", "/api/v1/units/{unit_id}/persons/{role}/verify"): "the code is texted to the "
    "person's phone, so the matrix's is wrong (422) or finds no person (404); both come after "
    "the unit was resolved in scope, which the comparison above checks",
}


# Answers that may come before an operation has looked at its references. Anything else (a
# success, a conflict with the record's state, a bad checksum) shows it resolved them.
NOT_THROUGH = {400, 401, 403, 404, 405, 413, 415, 422}


def reach_in_scope(api, world: authz_world.World) -> dict[tuple[str, str], list[str]]:
    """Play every operation with references in the caller's scope until one role gets through
    them: the matrix's requests are well-formed enough that the comparison above compares
    how references are resolved, not how a malformed body is refused. Reads first and
    removals last, as this changes the world."""

    def order(item):
        (method, template), _ = item
        last = method == "DELETE" or template.endswith(
            ("/cancel", "/revoke-sessions", "/password-reset", "/deactivate")
        )
        return (method not in ("GET", "HEAD"), last, template)

    unreached: dict[tuple[str, str], list[str]] = {}
    for (method, template), op in sorted(TABLE.items(), key=order):
        if op.build is None:
            continue
        answers = []
        for caller in world.callers.values():
            home = caller.home

            def ref(slot: str, kind: str, home=home) -> str:
                return value_of(world, home, kind)

            response = send(api, caller, method, template, op.build(ref))
            assert response.status_code < 500, (method, template, caller.name, response.text)
            if response.status_code not in NOT_THROUGH:
                break
            answers.append(f"{caller.name}: {response.status_code} {response.text[:160]}")
        else:
            unreached[(method, template)] = answers
    return unreached


@pytest.mark.parametrize("op", sorted(TABLE), ids=lambda op: f"{op[0]} {op[1]}")
def test_each_operation_is_either_open_or_names_its_references(op):
    entry = TABLE[op]
    assert (entry.build is None) != (entry.open_to_all is None), op
