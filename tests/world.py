"""The world tests run in, built as a chain: county → township → village → grid → people.

Two townships side by side let tests check that one township's staff cannot see the other's.
Geometry is a small synthetic square near Liuzhou, in WGS-84.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
import pytest
from PIL import Image
from shapely.geometry import MultiPolygon, box

from backend.core.audit import Actor
from backend.identity.enums import Role

SETUP = Actor(id=None, role="test-setup")
PASSWORD = "correct-horse-battery-staple"


@dataclass(frozen=True)
class AreaRef:
    id: uuid.UUID
    code: str
    level: str


@dataclass
class Person:
    id: uuid.UUID
    username: str
    role: Role
    password: str = PASSWORD

    def sign_in(self, api: httpx.Client) -> dict:
        response = api.post(
            "/api/v1/auth/token", data={"username": self.username, "password": self.password}
        )
        assert response.status_code == 200, response.text
        return response.json()

    def headers(self, api: httpx.Client) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.sign_in(api)['access_token']}"}


def make_area(db, code: str, level: str, bounds: tuple, parent: AreaRef | None) -> AreaRef:
    from grids import service
    from grids.enums import AreaLevel

    with db() as session:
        parent_area = service.area_by_code(session, parent.code) if parent else None
        area = service.create_area(
            session,
            code=code,
            name=f"测试{level}{code}",
            level=AreaLevel(level),
            geometry=MultiPolygon([box(*bounds)]),
            parent=parent_area,
            actor=SETUP,
        )
        return AreaRef(area.id, area.code, area.level)


def make_person(
    db, username: str, role: Role, area: AreaRef | None, certified: bool = False
) -> Person:
    from grids import service, workforce

    with db() as session:
        user = workforce.place_user(
            session,
            area=service.area_by_code(session, area.code) if area else None,
            username=username,
            password=PASSWORD,
            role=role,
            display_name=None,
            certificate_number=f"CERT-{username}" if certified else None,
            certificate_expires_on=date.today() + timedelta(days=200) if certified else None,
            actor=SETUP,
        )
        return Person(user.id, user.username, role)


@pytest.fixture
def county(db) -> AreaRef:
    return make_area(db, "990101", "county", (109.40, 24.30, 109.50, 24.40), None)


@pytest.fixture
def township(db, county) -> AreaRef:
    return make_area(db, "990101001", "township", (109.40, 24.30, 109.45, 24.40), county)


@pytest.fixture
def other_township(db, county) -> AreaRef:
    return make_area(db, "990101002", "township", (109.45, 24.30, 109.50, 24.40), county)


@pytest.fixture
def village(db, township) -> AreaRef:
    return make_area(db, "990101001001", "village", (109.40, 24.30, 109.45, 24.40), township)


@pytest.fixture
def grid(db, village) -> AreaRef:
    return make_area(db, "990101001001-01", "grid", (109.40, 24.30, 109.425, 24.40), village)


@pytest.fixture
def other_grid(db, village) -> AreaRef:
    return make_area(db, "990101001001-02", "grid", (109.425, 24.30, 109.45, 24.40), village)


@pytest.fixture
def admin(db) -> Person:
    return make_person(db, "root.admin", Role.ADMIN, None)


@pytest.fixture
def brigade_staff(db, county) -> Person:
    return make_person(db, "brigade.one", Role.BRIGADE_STAFF, county, certified=True)


@pytest.fixture
def station_staff(db, township) -> Person:
    return make_person(db, "station.one", Role.STATION_STAFF, township, certified=True)


@pytest.fixture
def other_station_staff(db, other_township) -> Person:
    return make_person(db, "station.two", Role.STATION_STAFF, other_township)


@pytest.fixture
def grid_worker(db, grid) -> Person:
    return make_person(db, "worker.one", Role.GRID_WORKER, grid)


@pytest.fixture
def citizen(db) -> Person:
    return make_person(db, "citizen.one", Role.CITIZEN, None)


@dataclass(frozen=True)
class IntegrationClient:
    username: str
    key_id: str
    secret: str


@pytest.fixture
def hotline(db, county) -> IntegrationClient:
    from backend.core.settings import get_settings
    from backend.identity import partners
    from grids import service, workforce

    with db() as session:
        user = workforce.place_user(
            session,
            area=service.area_by_code(session, county.code),
            username="hotline.12345",
            password=None,
            role=Role.INTEGRATION,
            display_name="12345 hotline",
            certificate_number=None,
            certificate_expires_on=None,
            actor=SETUP,
        )
        issued = partners.issue_integration_key(session, get_settings(), user, SETUP)
        return IntegrationClient(user.username, issued.key_id, issued.secret)


@pytest.fixture
def grid_leader(db, village) -> Person:
    return make_person(db, "leader.one", Role.GRID_LEADER, village)


@pytest.fixture
def backup_worker(db, other_grid) -> Person:
    """A worker of the neighbouring grid, available as a backup."""
    return make_person(db, "worker.two", Role.GRID_WORKER, other_grid)


@dataclass(frozen=True)
class AnotherCounty:
    """County 990202, next to the test county: its township, grid, grid worker and station."""

    township: AreaRef
    grid: AreaRef
    worker: Person
    station: Person


def another_county(db) -> AnotherCounty:
    county = make_area(db, "990202", "county", (109.60, 24.30, 109.70, 24.40), None)
    town = make_area(db, "990202001", "township", (109.60, 24.30, 109.65, 24.40), county)
    village = make_area(db, "990202001001", "village", (109.60, 24.30, 109.65, 24.40), town)
    far_grid = make_area(db, "990202001001-01", "grid", (109.60, 24.30, 109.65, 24.40), village)
    return AnotherCounty(
        town,
        far_grid,
        make_person(db, "worker.far", Role.GRID_WORKER, far_grid),
        make_person(db, "station.far", Role.STATION_STAFF, town),
    )


# A real unified social credit code (Huawei's, public) and a second valid one.
USCC_A = "914403001922038216"
USCC_B = "91440300708461136T"


def premises_body(name="幸福小吃店", lng=109.41, lat=24.35, **extra) -> dict:
    body = {
        "name": name,
        "uscc": USCC_A,
        "premises_type": "small_venue",
        "risk_level": "medium",
        "address": "柳州市城中区示例路1号",
        "lng": lng,
        "lat": lat,
        "contact_name": "王老板",
        "contact_phone": "13812341234",
    }
    body.update(extra)
    return body


@pytest.fixture
def premises(api, grid, station_staff) -> str:
    """A small restaurant in the grid, registered by the township station; its id."""
    created = api.post("/api/v1/premises", json=premises_body(), headers=station_staff.headers(api))
    assert created.status_code == 201, created.text
    return created.json()["id"]


@pytest.fixture
def officers(db, township, county) -> list[Person]:
    """Certified enforcement staff beyond the `station_staff` and `brigade_staff` fixtures."""
    return [
        make_person(db, "station.officer2", Role.STATION_STAFF, township, certified=True),
        make_person(db, "brigade.officer2", Role.BRIGADE_STAFF, county, certified=True),
    ]


def hazard_body(**extra) -> dict:
    body = {
        "category": "ebike_indoor",
        "description": "楼道内电动车飞线充电",
        "lng": 109.41,
        "lat": 24.35,
    }
    body.update(extra)
    return body


def jpeg(
    width=4000, height=3000, *, taken="2026:11:23 09:30:00", gps=(109.41, 24.35), orientation=None
) -> bytes:
    image = Image.new("RGB", (width, height), (180, 90, 40))
    exif = Image.Exif()
    if taken:
        exif.get_ifd(0x8769)[36867] = taken
    if gps:
        lng, lat = gps
        ifd = exif.get_ifd(0x8825)
        ifd[1], ifd[3] = "N", "E"
        ifd[2] = (float(int(lat)), float(int(lat % 1 * 60)), round(lat * 3600 % 60, 4))
        ifd[4] = (float(int(lng)), float(int(lng % 1 * 60)), round(lng * 3600 % 60, 4))
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=85)
    return out.getvalue()


def at_once(action, times: int = 2) -> list:
    """Run `action` in `times` threads at the same moment (two workers, two officers);
    the results, in no particular order. Any exception fails the test."""
    import threading

    results, errors = [], []
    start = threading.Barrier(times)

    def run():
        start.wait()
        try:
            results.append(action())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [], errors
    return results


# --- Complaints -------------------------------------------------------------------------------------


def signed_headers(client: IntegrationClient, method: str, path: str, body: bytes = b"") -> dict:
    """The four headers of docs/integration-auth.md, for one request."""
    import secrets
    import time

    from backend.core.security import sign

    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    return {
        "Content-Type": "application/json",
        "X-Firegrid-Key-Id": client.key_id,
        "X-Firegrid-Timestamp": timestamp,
        "X-Firegrid-Nonce": nonce,
        "X-Firegrid-Signature": sign(client.secret, method, path, timestamp, nonce, body),
    }


def _beijing_now() -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Shanghai")).isoformat(timespec="seconds")


def complaint_body(external_id: str = "12345-2026-000001", **extra) -> dict:
    """A 12345 complaint about a locked exit in the test grid, as the hotline sends it."""
    body = {
        "channel": "12345",
        "external_id": external_id,
        "received_at": _beijing_now(),
        "type": "report",
        "text": "幸福小吃店后门安全出口被锁闭，楼道堆满杂物",
        "address": "测试township990101001 幸福路12号",
        "location": {"lng": 109.41, "lat": 24.35, "crs": "wgs84"},
        "caller": {"name": "张三", "phone": "13812341234"},
        "anonymous": False,
    }
    body.update(extra)
    return body


def send_complaint(api, client: IntegrationClient, body: dict) -> httpx.Response:
    import json

    path = "/api/v1/hotline/complaints"
    raw = json.dumps(body, ensure_ascii=False).encode()
    return api.post(path, content=raw, headers=signed_headers(client, "POST", path, raw))
