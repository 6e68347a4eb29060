"""A world for the authorisation matrix: two counties, each with a township, a village and two
grids, its own workers, leader, station, brigade, dispatcher and hotline; a citizen and an
admin; and of every kind of record one instance in each of three places (county 1 grid a,
county 1 grid b, county 2 grid a), so that each role has a record in its scope and one outside.

Records are made the way users make them (through the API), except the few that only the
worker process makes (reward candidates, hotline callbacks), which are written directly.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from backend.identity.enums import Role
from tests.world import (
    SETUP,
    USCC_B,
    AreaRef,
    IntegrationClient,
    Person,
    complaint_body,
    hazard_body,
    jpeg,
    make_area,
    make_person,
    premises_body,
    send_complaint,
)

YEAR = datetime.now(UTC).year + 1


@dataclass
class Place:
    """One grid and everything in it, as ids a request may name."""

    name: str
    county: str
    township: str
    village: str
    grid: str
    point: tuple[float, float]
    ids: dict[str, str] = field(default_factory=dict)  # kind -> id of that kind here


@dataclass
class Caller:
    """A role as the matrix plays it: who signs in, where they are at home, which place is
    outside their scope (None: nothing is, e.g. an admin)."""

    name: str
    person: Person | None
    home: str
    outside: str | None
    hotline: IntegrationClient | None = None
    token: str | None = None


@dataclass
class World:
    places: dict[str, Place]
    callers: dict[str, Caller]
    staff: dict[str, Person]  # who made the records of each county ("c1", "c2")


def _county(db, n: int, x0: float) -> dict[str, AreaRef]:
    county = make_area(db, f"99010{n}", "county", (x0, 24.30, x0 + 0.10, 24.40), None)
    town = make_area(db, f"99010{n}001", "township", (x0, 24.30, x0 + 0.05, 24.40), county)
    village = make_area(db, f"99010{n}001001", "village", (x0, 24.30, x0 + 0.05, 24.40), town)
    grid_a = make_area(db, f"99010{n}001001-01", "grid", (x0, 24.30, x0 + 0.025, 24.40), village)
    grid_b = make_area(
        db, f"99010{n}001001-02", "grid", (x0 + 0.025, 24.30, x0 + 0.05, 24.40), village
    )
    return {"county": county, "township": town, "village": village, "a": grid_a, "b": grid_b}


def _hotline(db, username: str, county: AreaRef) -> IntegrationClient:
    from backend.core.settings import get_settings
    from backend.identity import partners
    from grids import service, workforce

    with db() as session:
        user = workforce.place_user(
            session,
            area=service.area_by_code(session, county.code),
            username=username,
            password=None,
            role=Role.INTEGRATION,
            display_name=username,
            certificate_number=None,
            certificate_expires_on=None,
            actor=SETUP,
        )
        issued = partners.issue_integration_key(session, get_settings(), user, SETUP)
        return IntegrationClient(user.username, issued.key_id, issued.secret)


def _ok(response: httpx.Response, what: str) -> dict:
    assert response.status_code in (200, 201, 204), f"world: {what}: {response.text}"
    return response.json() if response.content else {}


def build(db, api: httpx.Client) -> World:
    areas = {1: _county(db, 1, 109.40), 2: _county(db, 2, 109.60)}
    people: dict[str, Person] = {}
    hotlines: dict[int, IntegrationClient] = {}
    for n, a in areas.items():
        c = f"c{n}"
        people[f"{c}.station"] = make_person(
            db, f"station.{c}", Role.STATION_STAFF, a["township"], certified=True
        )
        people[f"{c}.brigade"] = make_person(
            db, f"brigade.{c}", Role.BRIGADE_STAFF, a["county"], certified=True
        )
        people[f"{c}.dispatcher"] = make_person(db, f"dispatch.{c}", Role.DISPATCHER, a["county"])
        people[f"{c}.leader"] = make_person(db, f"leader.{c}", Role.GRID_LEADER, a["village"])
        people[f"{c}.worker.a"] = make_person(db, f"worker.{c}a", Role.GRID_WORKER, a["a"])
        people[f"{c}.worker.b"] = make_person(db, f"worker.{c}b", Role.GRID_WORKER, a["b"])
        hotlines[n] = _hotline(db, f"hotline.{c}", a["county"])
    people["citizen"] = make_person(db, "citizen.matrix", Role.CITIZEN, None)
    people["admin"] = make_person(db, "admin.matrix", Role.ADMIN, None)

    places: dict[str, Place] = {}
    for name, n, g, x in (
        ("c1a", 1, "a", 109.41),
        ("c1b", 1, "b", 109.44),
        ("c2a", 2, "a", 109.61),
    ):
        a = areas[n]
        place = Place(
            name, a["county"].code, a["township"].code, a["village"].code, a[g].code, (x, 24.35)
        )
        place.ids["worker"] = str(people[f"c{n}.worker.{g}"].id)
        place.ids["station_user"] = str(people[f"c{n}.station"].id)
        places[name] = place

    headers = {key: person.headers(api) for key, person in people.items()}
    for place in places.values():
        _records(db, api, place, headers, people, hotlines)
    _fires(api, places, headers)
    for n in (1, 2):
        _inspections(api, places, n, headers[f"c{n}.brigade"])

    callers = {
        "station.c1": Caller("station.c1", people["c1.station"], "c1a", "c2a"),
        "station.c2": Caller("station.c2", people["c2.station"], "c2a", "c1a"),
        "worker.c1a": Caller("worker.c1a", people["c1.worker.a"], "c1a", "c1b"),
        "worker.c1b": Caller("worker.c1b", people["c1.worker.b"], "c1b", "c1a"),
        "leader.c1": Caller("leader.c1", people["c1.leader"], "c1a", "c2a"),
        "brigade.c1": Caller("brigade.c1", people["c1.brigade"], "c1a", "c2a"),
        "dispatcher.c1": Caller("dispatcher.c1", people["c1.dispatcher"], "c1a", "c2a"),
        "citizen": Caller("citizen", people["citizen"], "c1a", "c1a"),
        "admin": Caller("admin", people["admin"], "c1a", None),
        "hotline.c1": Caller("hotline.c1", None, "c1a", "c2a", hotline=hotlines[1]),
    }
    for caller in callers.values():
        if caller.person is not None:
            caller.token = headers[_key(people, caller.person)]["Authorization"]
    return World(places, callers, people)


def _key(people: dict[str, Person], person: Person) -> str:
    return next(k for k, p in people.items() if p.id == person.id)


def _records(db, api, place: Place, headers, people, hotlines) -> None:
    """Premises (and the unit that runs them, with a measure against it), hazard (and one
    ordered to be fixed, with its notice), complaint (with an extension, a reward and a
    callback), patrol task, credit record and appeal, work prompt, campaign, device token and
    upload in this place."""
    n = int(place.name[1])
    g = place.name[2]
    station, worker = headers[f"c{n}.station"], headers[f"c{n}.worker.{g}"]
    lng, lat = place.point
    ids = place.ids
    ids["premises"] = _ok(
        api.post(
            "/api/v1/premises",
            json=premises_body(
                name=f"单位{place.name}", lng=lng, lat=lat, uscc=None, individual_business=True
            ),
            headers=station,
        ),
        "premises",
    )["id"]
    ids["unit"] = _ok(
        api.post(
            "/api/v1/units",
            json={"name": f"公司{place.name}", "uscc": USCC_B, "premises_ids": [ids["premises"]]},
            headers=station,
        ),
        "unit",
    )["id"]
    ids["officer"] = str(people[f"c{n}.brigade"].id)  # the second officer of a measure (双人执法)
    ids["venue"] = _ok(  # a public gathering place, open on its 告知承诺 commitment
        api.post(
            "/api/v1/premises",
            json=premises_body(
                name=f"歌厅{place.name}",
                lng=lng,
                lat=lat,
                uscc=None,
                individual_business=True,
                premises_type="public_gathering",
            ),
            headers=station,
        ),
        "venue",
    )["id"]
    ids["alarm_device"] = _ok(  # a smoke detector at the premises, on the county's platform
        api.post(
            "/api/v1/alarm-feeds/devices",
            json={
                "partner": f"hotline.c{n}",
                "external_id": f"SD-{place.name}",
                "kind": "smoke",
                "premises_id": ids["premises"],
            },
            headers=station,
        ),
        "alarm device",
    )["id"]
    ids["commitment"] = _ok(
        api.post(
            f"/api/v1/premises/{ids['venue']}/commitments",
            json={
                "committed_on": datetime.now(UTC).date().isoformat(),
                "signatory_name": "赵法人",
                "signatory_role": "法定代表人",
                "scope": f"歌厅{place.name}全部营业区域",
            },
            headers=station,
        ),
        "commitment",
    )["id"]
    ids["commitment_file"] = _ok(
        api.post(
            f"/api/v1/commitments/{ids['commitment']}/documents",
            content=f"%PDF-1.4\n% {place.name}\n%%EOF\n".encode(),  # a file of its own
            headers={**station, "Content-Type": "application/pdf"},
        ),
        "commitment file",
    )["documents"][0]["sha256"]
    ids["fire_incident"] = _ok(  # 火灾事故 at the premises
        api.post(
            "/api/v1/fire-incidents",
            json={
                "occurred_at": "2026-11-20T12:00:00+08:00",
                "address": f"示例路{place.name}号",
                "premises_id": ids["premises"],
                "cause": "electrical",
                "place_category": "small_venue",
            },
            headers=station,
        ),
        "fire incident",
    )["id"]
    ids["earlier_hazard"] = _ok(
        api.post(
            "/api/v1/hazards",
            json=hazard_body(lng=lng, lat=lat, description=f"先报{place.name}"),
            headers=worker,
        ),
        "earlier hazard",
    )["id"]
    ids["hazard"] = _ok(
        api.post(
            "/api/v1/hazards",
            json=hazard_body(
                lng=lng,
                lat=lat,
                premises_id=ids["premises"],
                description=f"隐患{place.name}",
                category="exit_blocked",
            ),
            headers=worker,
        ),
        "hazard",
    )["id"]
    ids["measure"] = _ok(
        api.post(
            f"/api/v1/units/{ids['unit']}/measures",
            json={
                "kind": "exposure",
                "held_on": datetime.now(UTC).date().isoformat(),
                "place": "消防工作站",
                "premises_id": ids["premises"],
                "findings": f"安全出口锁闭{place.name}",
                "hazard_ids": [ids["hazard"]],
                "second_officer_id": ids["officer"],
            },
            headers=station,
        ),
        "measure",
    )["id"]
    _ok(
        api.post(
            f"/api/v1/measures/{ids['measure']}/document",
            content=b"%PDF-1.4\n%%EOF\n",
            headers={**station, "Content-Type": "application/pdf"},
        ),
        "measure document",
    )
    ids["photo"] = _ok(
        api.post(
            f"/api/v1/hazards/{ids['hazard']}/photos?kind=before",
            content=jpeg(400, 300, gps=place.point),  # a photo of its own
            headers={**worker, "Content-Type": "image/jpeg"},
        ),
        "photo",
    )["sha256"]
    ids["ordered_hazard"] = _ordered_hazard(api, place, headers, n, worker)
    ids["notice"] = _ok(
        api.get(f"/api/v1/hazards/{ids['ordered_hazard']}/notices", headers=station),
        "notice",
    )[0]["id"]
    external_id = f"12345-{place.name}"
    complaint = _ok(
        send_complaint(
            api,
            hotlines[n],
            complaint_body(external_id, location={"lng": lng, "lat": lat, "crs": "wgs84"}),
        ),
        "complaint",
    )
    ids["complaint"] = complaint["id"]
    ids["referral"] = _ok(
        api.post(
            "/api/v1/referrals",
            json={
                "kind": "copy",
                "department": "market",
                "hazard_id": ids["hazard"],
                "finding": f"无照经营{place.name}",
                "legal_basis": "《消防法》",
                "photo_ids": [ids["photo"]],
            },
            headers=station,
        ),
        "referral",
    )["id"]
    ids["channel"], ids["external_id"] = "12345", external_id
    ids["extension"] = _ok(
        api.post(
            f"/api/v1/complaints/{ids['complaint']}/extensions",
            json={"working_days": 2, "reason": "等待业主"},
            headers=worker,
        ),
        "extension",
    )["id"]
    ids["task"] = _ok(
        api.post(
            "/api/v1/patrols/tasks",
            json={
                "premises_id": ids["premises"],
                "due_at": (datetime.now(UTC) + timedelta(days=5)).isoformat(),
                "note": "复查",
            },
            headers=station,
        ),
        "task",
    )["id"]
    ids["credit_record"] = _ok(
        api.post(
            f"/api/v1/premises/{ids['premises']}/credit/records",
            json={"kind": "order_refused", "note": "拒不整改"},
            headers=station,
        ),
        "credit record",
    )["id"]
    ids["appeal"] = _ok(
        api.post(
            "/api/v1/credit/appeals",
            json={"record_id": ids["credit_record"], "kind": "objection", "statement": "有误"},
            headers=station,
        ),
        "appeal",
    )["id"]
    ids["prompt"] = _ok(
        api.post(
            "/api/v1/patrols/prompts",
            json={"area_code": place.grid, "title": "节前提示", "body": "检查电动车充电"},
            headers=headers[f"c{n}.dispatcher"],
        ),
        "prompt",
    )["id"]
    ids["campaign"] = _ok(
        api.post(
            "/api/v1/patrols/campaigns",
            json={
                "title": f"专项{place.name}",
                "area_code": place.grid,
                "starts_at": datetime.now(UTC).isoformat(),
                "due_at": (datetime.now(UTC) + timedelta(days=10)).isoformat(),
            },
            headers=headers[f"c{n}.dispatcher"],
        ),
        "campaign",
    )["id"]
    ids["notification"] = _ok(
        api.get("/api/v1/notifications", params={"kind": "work_prompt"}, headers=worker),
        "notification",
    )["items"][0]["id"]  # the worker's: the prompt reached them
    ids["device"] = f"fcm-token-{place.name}"
    _ok(
        api.post(
            "/api/v1/devices", json={"token": ids["device"], "platform": "android"}, headers=worker
        ),
        "device",
    )
    photo = base64.b64encode(str(uuid.uuid4()).encode()).decode()
    sha = base64.b64encode(("ab" * 32).encode()).decode()
    upload = api.post(
        "/api/v1/uploads/",
        headers={
            **worker,
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "10",
            "Upload-Metadata": f"photo_id {photo},sha256 {sha}",
        },
    )
    assert upload.status_code == 201, f"world: upload: {upload.text}"
    ids["upload"] = upload.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    ids["reward"], ids["callback"] = _reward_and_callback(db, place, people, n)
    ids["bulletin"] = _ok(  # the township's: c1a and c1b share it (made once, then the same)
        api.post(
            "/api/v1/bulletins", json={"area": place.township, "month": "2026-01"}, headers=station
        ),
        "bulletin",
    )["id"]


def _fires(api, places: dict[str, Place], headers) -> None:
    """A micro fire station in each place, and a fire alert (一键报警) raised by each place's
    worker. Each worker's last position is kept far from the other places first (beyond the
    alert radius), so that no worker is alerted to another grid's fire: what a worker sees of
    alerts is what they raised or received."""
    for n in (1, 2):
        for g, lat in (("a", 24.60), ("b", 24.10)):  # 25 km north or south of every place
            far = {"lng": 109.41 if n == 1 else 109.61, "lat": lat}
            _ok(
                api.put("/api/v1/me/position", json=far, headers=headers[f"c{n}.worker.{g}"]),
                "position",
            )
    for place in places.values():
        n, g = place.name[1], place.name[2]
        lng, lat = place.point
        station = headers[f"c{n}.station"]
        place.ids["micro_station"] = _ok(
            api.post(
                "/api/v1/fire-stations/micro",
                json={
                    "name": f"微型消防站{place.name}",
                    "kind": "micro",
                    "township": place.township,
                    "lng": lng,
                    "lat": lat,
                    "contact_name": "李站长",
                    "contact_phone": "13812345678",
                    "duty_phone": "13712345678",
                },
                headers=station,
            ),
            "micro station",
        )["id"]
    for place in places.values():
        n, g = place.name[1], place.name[2]
        lng, lat = place.point
        place.ids["fire_alert"] = _ok(
            api.post(
                "/api/v1/fire-alerts",
                json={"id": str(uuid.uuid4()), "lng": lng, "lat": lat},
                headers=headers[f"c{n}.worker.{g}"],
            ),
            "fire alert",
        )["id"]
        seen = _ok(
            api.get(
                f"/api/v1/fire-alerts/{place.ids['fire_alert']}", headers=headers[f"c{n}.station"]
            ),
            "fire alert read",
        )
        assert not [r for r in seen["recipients"] if r["kind"] == "worker"], seen
        place.ids["fire_alert_photo"] = _ok(
            api.post(
                f"/api/v1/fire-alerts/{place.ids['fire_alert']}/photos",
                content=jpeg(320, 240, gps=place.point),  # a photo of its own
                headers={**headers[f"c{n}.worker.{g}"], "Content-Type": "image/jpeg"},
            ),
            "fire alert photo",
        )["sha256"]
        place.ids["fire_alert_recipient"] = next(
            r["id"] for r in seen["recipients"] if r["kind"] == "micro_station"
        )


def _ordered_hazard(api, place: Place, headers, n: int, worker) -> str:
    """A hazard at the place's premises ordered to be fixed: its notice (执法文书) is issued."""
    lng, lat = place.point
    hid = _ok(
        api.post(
            "/api/v1/hazards",
            json=hazard_body(
                lng=lng,
                lat=lat,
                premises_id=place.ids["premises"],
                description=f"责令整改{place.name}",
                category="electrical",
            ),
            headers=worker,
        ),
        "ordered hazard",
    )["id"]
    steps = [
        (worker, {"action": "confirm"}),
        (headers[f"c{n}.station"], {"action": "order_rectification", "deadline_working_days": 3}),
        (headers[f"c{n}.brigade"], {"action": "order_rectification", "deadline_working_days": 3}),
    ]
    for who, body in steps:  # 202 while the order waits for its second officer
        answer = api.post(f"/api/v1/hazards/{hid}/actions", json=body, headers=who)
        assert answer.status_code in (200, 202), f"world: order: {answer.text}"
    return hid


def _reward_and_callback(db, place: Place, people, n: int) -> tuple[str, str]:
    """What the worker process makes: a reward candidate for the complaint's hazard, and a
    callback to the hotline that died."""
    from sqlalchemy import select

    from backend.identity.models import User
    from complaints.models import Complaint, ComplaintReward, HotlineCallback
    from hazards.models import Hazard

    with db() as session:
        complaint = session.get(Complaint, uuid.UUID(place.ids["complaint"]))
        hazard = session.get(Hazard, uuid.UUID(place.ids["hazard"]))
        partner = session.scalar(select(User.id).where(User.username == f"hotline.c{n}"))
        reward = ComplaintReward(
            complaint_id=complaint.id,
            hazard_id=hazard.id,
            area_path=hazard.area_path,
            state="eligible",
            tier="ordinary",
            amount_yuan=100,
        )
        callback = HotlineCallback(
            partner_id=partner,
            complaint_id=complaint.id,
            seq=90,
            event="received",
            payload={"matrix": True},
            status="dead",
        )
        session.add_all([reward, callback])
        session.flush()
        return str(reward.id), str(callback.id)


def _inspections(api, places: dict[str, Place], n: int, brigade: dict) -> None:
    """An item, a plan over the county, a draw and one of its assignments."""
    code = f"exits.c{n}"
    _ok(
        api.post(
            "/api/v1/inspections/items",
            json={"code": code, "title": "安全出口", "basis": "《消防法》第十六条"},
            headers=brigade,
        ),
        "inspection item",
    )
    plan = _ok(
        api.post(
            "/api/v1/inspections/plans",
            json={
                "title": f"双随机 c{n}",
                "area_code": f"99010{n}",
                "starts_on": f"{YEAR}-01-01",
                "ends_on": f"{YEAR}-03-31",
                "rates": [{"rate": 1.0}],
                "item_codes": [code],
            },
            headers=brigade,
        ),
        "inspection plan",
    )
    draw = _ok(
        api.post(
            f"/api/v1/inspections/plans/{plan['id']}/draws",
            json={"public_value": "福彩3D 123"},
            headers=brigade,
        ),
        "draw",
    )
    rows = _ok(api.get(f"/api/v1/inspections/draws/{draw['id']}", headers=brigade), "draw rows")
    assert rows, "world: the draw drew nobody"
    for place in places.values():
        if place.county == f"99010{n}":
            place.ids["plan"], place.ids["draw"] = plan["id"], draw["id"]
            place.ids["item_code"] = code
            place.ids["assignment"] = rows[0]["id"]
