"""The fires' world: around a fire at (109.41, 24.35) in the test grid, grid workers at known
distances (some off duty or on leave), the grid leader, the township station, micro fire
stations; pushes through the local FCM, texts through the local Aliyun SMS."""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest

from backend.identity.enums import Role
from tests.backend.notify.conftest import (  # noqa: F401 - fixtures used by the tests here
    CHANNEL_ENV,
    environment,
    fake_services,
    fake_sms,
)
from tests.world import SETUP, IntegrationClient, Person, make_person, signed_headers

FIRE = (109.41, 24.35)
ALERT_TEMPLATE_CODE = "SMS_470000055"
GATEWAY = "sms.gateway"


def metres_east(metres: float, north: float = 0.0) -> tuple[float, float]:
    """A point this many metres east (and north) of the fire."""
    import math

    lng, lat = FIRE
    return (
        lng + metres / (111_320.0 * math.cos(math.radians(lat))),
        lat + north / 111_320.0,
    )


def give_phone(db, person: Person, phone: str) -> None:
    from backend.identity.models import User

    with db() as session:
        session.get(User, person.id).phone = phone


def give_device(db, person: Person) -> str:
    from backend.notify import service as notify

    token = f"fcm-{person.username}-{secrets.token_hex(4)}"
    with db() as session:
        notify.register_device(session, person.id, token, "android")
    return token


def place_at(db, person: Person, point: tuple[float, float]) -> None:
    from fires.alerts import positions
    from grids.enums import Crs

    with db() as session:
        positions.keep(session, person.id, point[0], point[1], 10.0, Crs.WGS84)


def set_duty(db, person: Person, status: str = "on_duty", leave: bool = False) -> None:
    from backend.core.localtime import today
    from backend.identity.models import User
    from grids import workforce
    from grids.enums import DutyStatus

    with db() as session:
        user = session.get(User, person.id)
        day = today()
        duty = workforce.Duty(
            DutyStatus(status),
            day - timedelta(days=1) if leave else None,
            day + timedelta(days=1) if leave else None,
        )
        workforce.set_duty(session, user, duty, SETUP)


@dataclass
class Crew:
    """Who is around the fire, and how each is reached."""

    reporter: Person
    near1: Person  # 200 m, phone app (push)
    near2: Person  # 500 m, phone app (push)
    near3: Person  # 900 m, no device: texted
    off_duty: Person  # 100 m, off duty: skipped
    on_leave: Person  # 150 m, on leave today: skipped
    far: Person  # 3 km: beyond the three nearest
    leader: Person
    station: Person
    tokens: dict[str, str]  # username -> FCM token
    micro_station: dict  # the micro station 300 m away, with a duty phone
    resting_station: dict  # an off-duty one, 50 m away: skipped


@pytest.fixture
def alert_settings(fake_fcm, fake_sms):  # noqa: F811 - the imported fixture
    """The server's and the worker's settings: FCM and SMS against the fakes, the alert's
    template approved, quiet hours all day (an alert ignores them), the SMS gateway named."""
    from backend.core.settings import get_settings

    fake_sms.templates = {*type(fake_sms).templates, ALERT_TEMPLATE_CODE}
    fake_fcm.received.clear()
    with environment(
        {
            **CHANNEL_ENV,
            "FIREGRID_SMS_BASE_URL": fake_sms.origin,
            "FIREGRID_SMS_TEMPLATE_CODES": json.dumps(
                {"escalation": "SMS_470000001", "fire_alert": ALERT_TEMPLATE_CODE}
            ),
            "FIREGRID_NOTIFY_POLICY": json.dumps(
                {"quiet_hours": {"start": "00:00", "end": "23:59:59"}}
            ),
            "FIREGRID_FIRE_ALERT_SMS_GATEWAY": GATEWAY,
        }
    ):
        yield get_settings().model_copy(
            update={
                "fcm_credentials_file": fake_fcm.settings.fcm_credentials_file,
                "push_max_attempts": 3,
            }
        )
    del fake_sms.templates


@pytest.fixture
def crew(db, api, grid, other_grid, township, grid_leader, station_staff) -> Crew:
    people = {
        name: make_person(db, f"fw.{name}", Role.GRID_WORKER, grid)
        for name in ("reporter", "near1", "near2", "near3", "off", "leave", "far")
    }
    for name, metres in (
        ("near1", 200),
        ("near2", 500),
        ("near3", 900),
        ("off", 100),
        ("leave", 150),
        ("far", 3000),
    ):
        place_at(db, people[name], metres_east(metres))
    set_duty(db, people["off"], "off_duty")
    set_duty(db, people["leave"], leave=True)
    tokens = {
        p.username: give_device(db, p)
        for p in (people["near1"], people["near2"], people["off"], grid_leader, station_staff)
    }
    give_phone(db, people["near3"], "13900000003")
    give_phone(db, people["near1"], "13900000001")
    give_phone(db, people["reporter"], "13900000009")
    staff = station_staff.headers(api)
    micro = api.post(
        "/api/v1/fire-stations/micro",
        json=station_body(
            "幸福社区微型消防站", metres_east(300), duty_phone="13700000001", township=township.code
        ),
        headers=staff,
    )
    assert micro.status_code == 201, micro.text
    resting = api.post(
        "/api/v1/fire-stations/micro",
        json=station_body(
            "河东志愿消防队",
            metres_east(50),
            duty_phone="13700000002",
            township=township.code,
            kind="volunteer",
            on_duty=False,
        ),
        headers=staff,
    )
    assert resting.status_code == 201, resting.text
    return Crew(
        people["reporter"],
        people["near1"],
        people["near2"],
        people["near3"],
        people["off"],
        people["leave"],
        people["far"],
        grid_leader,
        station_staff,
        tokens,
        micro.json(),
        resting.json(),
    )


def station_body(name, point, *, township="990101001", **extra) -> dict:
    body = {
        "name": name,
        "kind": "micro",
        "township": township,
        "lng": point[0],
        "lat": point[1],
        "contact_name": "李站长",
        "contact_phone": "13812345678",
        "members_count": 6,
    }
    body.update(extra)
    return body


def alert_body(point=FIRE, **extra) -> dict:
    body = {"id": str(uuid.uuid4()), "lng": point[0], "lat": point[1], "accuracy_m": 12.0}
    body.update(extra)
    return body


@pytest.fixture
def gateway(db, county) -> IntegrationClient:
    """The SMS gateway's partner account (FIREGRID_FIRE_ALERT_SMS_GATEWAY names it)."""
    from backend.core.settings import get_settings
    from backend.identity import partners
    from grids import service, workforce

    with db() as session:
        user = workforce.place_user(
            session,
            area=service.area_by_code(session, county.code),
            username=GATEWAY,
            password=None,
            role=Role.INTEGRATION,
            display_name="短信网关",
            certificate_number=None,
            certificate_expires_on=None,
            actor=SETUP,
        )
        issued = partners.issue_integration_key(session, get_settings(), user, SETUP)
        return IntegrationClient(user.username, issued.key_id, issued.secret)


def uplink(api, client: IntegrationClient, sender: str, text: str, message_id=None, headers=None):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    path = "/api/v1/fire-alerts/sms"
    raw = json.dumps(
        {
            "message_id": message_id or secrets.token_hex(8),
            "sender": sender,
            "text": text,
            "received_at": datetime.now(ZoneInfo("Asia/Shanghai")).isoformat(),
        },
        ensure_ascii=False,
    ).encode()
    headers = headers or signed_headers(client, "POST", path, raw)
    return api.post(path, content=raw, headers=headers), raw, headers


def worker_pass(db, settings) -> int:
    """What the worker's next pass does for these messages: the outbox delivery."""
    from backend.notify import service as notify

    with db() as session:
        return notify.deliver_outbox(session, settings)
