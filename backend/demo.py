"""Demo data, so that a newcomer running `make run` sees a working system.

Real boundaries: Liuzhou's 10 districts and counties (GCJ-02, DataV/AMap extract, see
backend/demo_data/README.md). Inside 城中区 and 鱼峰区, SYNTHETIC townships, communities,
1 km grids, one worker per grid and 300 premises (all named 演示). Passwords are generated on
the first load and kept in the data directory, never in the repository.
"""

from __future__ import annotations

import json
import math
import random
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from shapely.geometry import Point, box
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alarms import service as alarm_feeds
from alarms.enums import DeviceKind, EventKind
from alarms.models import AlarmDevice
from alarms.schemas import DeviceIn, EventIn
from backend import effects
from backend import models as _every_table  # noqa: F401 - notices name tables of other packages
from backend.core.audit import Actor
from backend.core.localtime import LOCAL_TIME
from backend.core.security import hash_password
from backend.core.settings import Settings
from backend.identity import partners
from backend.identity.enums import Role
from backend.identity.models import IntegrationKey, User
from backend.identity.service import Principal
from complaints import intake
from complaints.enums import Channel, ComplaintType
from complaints.models import Complaint
from complaints.schemas import ComplaintIntake
from fires.alerts import service as fire_alerts
from fires.alerts.enums import AlertState
from fires.alerts.schemas import AlertIn
from fires.incidents import service as fire_incidents
from fires.incidents.enums import FireCause, IncidentAction, PlaceCategory
from fires.incidents.models import FireIncident
from fires.incidents.schemas import IncidentIn
from fires.stations import service as micro_stations
from fires.stations.enums import StationKind
from fires.stations.schemas import StationIn
from grids import service as grids
from grids import uscc, workforce
from grids.enums import AreaLevel, Crs
from grids.models import Area, GridAssignment
from grids.premises import service as premises_service
from grids.premises.enums import PremisesType, RiskLevel
from grids.premises.models import Premises
from grids.premises.schemas import PremisesFields
from grids.service import area_shape, as_multipolygon
from grids.units import service as units
from grids.units.models import Unit
from grids.units.schemas import UnitIn
from hazards import acting, reporting
from hazards.credit import service as credit
from hazards.credit.enums import CreditRecordKind
from hazards.credit.schemas import RecordIn
from hazards.enums import HazardAction, HazardCategory
from hazards.models import Hazard
from hazards.schemas import ActionIn, HazardReport
from measures import service as measures
from measures.enums import MeasureKind
from measures.schemas import MeasureIn
from patrols import plans as patrol_plans
from patrols.models import PatrolTask
from referrals import service as referrals
from referrals.enums import ReferralKind
from referrals.schemas import ReferralIn
from risk import service as risk
from risk.models import RiskRun

DISTRICTS_FILE = Path(__file__).parent / "demo_data" / "liuzhou_districts.geojson"
SUBDIVIDED = {"450202": 2, "450203": 1}  # synthetic townships per district
WORKER_LOGIN = "worker.<grid code>"
DEMO_ACTOR = Actor(id=None, role="demo-loader")


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    area_code: str | None
    display_name: str
    certified: bool = False


DEMO_USERS = [
    DemoUser("admin", Role.ADMIN, None, "系统管理员（演示）"),
    DemoUser(
        "brigade.chengzhong", Role.BRIGADE_STAFF, "450202", "城中区消防救援大队（演示）", True
    ),
    DemoUser("brigade.yufeng", Role.BRIGADE_STAFF, "450203", "鱼峰区消防救援大队（演示）", True),
    DemoUser("dispatch.chengzhong", Role.DISPATCHER, "450202", "城中区调度中心（演示）"),
    DemoUser("station.cz1", Role.STATION_STAFF, "450202901", "城中演示街道一 消防工作站", True),
    DemoUser("station.cz2", Role.STATION_STAFF, "450202902", "城中演示街道二 消防工作站", True),
    DemoUser("station.yf1", Role.STATION_STAFF, "450203901", "鱼峰演示街道一 消防工作站", True),
    DemoUser("leader.cz1-1", Role.GRID_LEADER, "450202901001", "城中演示街道一演示社区一 网格长"),
    DemoUser("citizen.demo", Role.CITIZEN, None, "群众（演示）"),
]
INTEGRATION_USER = DemoUser("hotline.96119", Role.INTEGRATION, "450202", "96119火警热线（演示）")
# A monitoring platform 物联网平台 posting its devices' events (signed as the hotline is).
ALARM_PLATFORM = DemoUser("iot.demo", Role.INTEGRATION, "450202", "智慧消防物联网平台（演示）")
TOWNSHIP_SIDE_KM = 4.0
GRID_CELL_M = 1000.0
PREMISES_COUNT = 300
# Realistic mix of a city district's registry (weights), with a name pattern for each.
PREMISES_MIX = [
    (PremisesType.SMALL_VENUE, 40, "{}便利店"),
    (PremisesType.LIVING_WORKSHOP, 15, "{}五金加工"),
    (PremisesType.RESIDENTIAL, 12, "{}小区"),
    (PremisesType.PUBLIC_GATHERING, 8, "{}网吧"),
    (PremisesType.FARM_STAY, 5, "{}民宿"),
    (PremisesType.HIGH_RISE, 5, "{}大厦"),
    (PremisesType.LABOUR_INTENSIVE, 4, "{}制衣厂"),
    (PremisesType.ELDERLY_CARE, 3, "{}养老院"),
    (PremisesType.SCHOOL, 3, "{}小学"),
    (PremisesType.CHILD_VENUE, 2, "{}幼儿园"),
    (PremisesType.UNDERGROUND, 1, "{}地下商场"),
    (PremisesType.FLAMMABLE_EXPLOSIVE, 1, "{}加油站"),
    (PremisesType.HOSPITAL, 1, "{}卫生院"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
# Given names for the demo's grid workers: a person's name, as a real register holds it (a
# name like 网格员王（…第1网格） repeated the grid in every table and cut each column short).
GIVEN_NAMES = [
    "建华", "秀英", "志强", "桂兰", "海燕", "国平", "丽娟", "文军", "春梅", "德明", "晓燕", "永红",
    "振华", "玉兰", "立新", "雪梅", "建军", "淑芬", "长青", "红霞", "伟东", "小琴", "宏亮", "金凤",
    "家豪", "美玲", "俊杰", "翠萍", "明辉", "凤英", "光荣", "巧云",
]  # fmt: skip


def worker_name(n: int) -> str:
    """The n-th demo grid worker's name, different for each of the first 640 (then numbered)."""
    surname = SURNAMES[n % len(SURNAMES)]
    given = GIVEN_NAMES[(n // len(SURNAMES) + n) % len(GIVEN_NAMES)]  # 21 and 32: coprime
    rounds = n // (len(SURNAMES) * len(GIVEN_NAMES))
    return f"{surname}{given}" + (str(rounds + 1) if rounds else "")


def _square_km(center_x: float, center_y: float, side_km: float):
    half_lat = side_km / 2 / 111.32
    half_lng = half_lat / math.cos(math.radians(center_y))
    return box(center_x - half_lng, center_y - half_lat, center_x + half_lng, center_y + half_lat)


def _load_areas(session: Session) -> None:
    """Liuzhou's real districts; inside 城中区 and 鱼峰区 synthetic 4 km townships (two and one),
    each with two communities, split into 1 km grids."""
    features = json.loads(DISTRICTS_FILE.read_text(encoding="utf-8"))["features"]
    counties = grids.import_features(
        session,
        features,
        level=AreaLevel.COUNTY,
        crs=Crs.GCJ02,
        parent=None,
        code_prop="adcode",
        name_prop="name",
        actor=DEMO_ACTOR,
    ).created
    for county in counties:
        townships = SUBDIVIDED.get(county.code)
        if not townships:
            continue
        county_shape = area_shape(county)
        centre = county_shape.representative_point()
        for number in range(1, townships + 1):
            offset_lng = (
                (number - (townships + 1) / 2)
                * TOWNSHIP_SIDE_KM
                / 111.32
                / math.cos(math.radians(centre.y))
            )
            square = _square_km(centre.x + offset_lng, centre.y, TOWNSHIP_SIDE_KM)
            short = county.name.removesuffix("区")
            township = grids.create_area(
                session,
                code=f"{county.code}{900 + number}",
                name=f"{short}演示街道{'一二三'[number - 1]}",
                level=AreaLevel.TOWNSHIP,
                geometry=as_multipolygon(square.intersection(county_shape)),
                parent=county,
                actor=DEMO_ACTOR,
            )
            town_shape = area_shape(township)
            min_x, min_y, max_x, max_y = town_shape.bounds
            halves = [
                box(min_x, (min_y + max_y) / 2, max_x, max_y),
                box(min_x, min_y, max_x, (min_y + max_y) / 2),
            ]
            for v, half in enumerate(halves, start=1):
                grids.create_area(
                    session,
                    code=f"{township.code}{v:03d}",
                    name=f"{township.name}演示社区{'一二'[v - 1]}",
                    level=AreaLevel.VILLAGE,
                    geometry=as_multipolygon(half.intersection(town_shape)),
                    parent=township,
                    actor=DEMO_ACTOR,
                )
            grids.save_grids(
                session, grids.plan_grids(session, township, cell_size_m=GRID_CELL_M), DEMO_ACTOR
            )


def _load_workers(session: Session, password: str, reset: bool) -> int:
    """One grid worker per grid, all with the same demo password."""
    created = 0
    if reset:  # the saved logins were lost: give the existing demo workers the new password
        shared = hash_password(password)
        for worker in session.scalars(select(User).where(User.username.startswith("worker."))):
            worker.password_hash = shared
    for grid in session.scalars(
        select(Area).where(Area.level == AreaLevel.GRID.value).order_by(Area.code)
    ):
        username = f"worker.{grid.code}"
        if session.scalar(select(User.id).where(User.username == username)) is None:
            workforce.place_user(
                session,
                area=grid,
                username=username,
                password=password,
                role=Role.GRID_WORKER,
                display_name=worker_name(created),
                certificate_number=None,
                certificate_expires_on=None,
                actor=DEMO_ACTOR,
            )
            created += 1
    return created


def _demo_uscc(rng: random.Random) -> str:
    body = "91" + "450202" + "".join(rng.choice(uscc.ALPHABET) for _ in range(9))
    return body + uscc.check_character(body)


def _load_premises(session: Session) -> None:
    admin = Principal.of(session.scalar(select(User).where(User.username == "admin")))
    rng = random.Random(20261123)  # noqa: S311 - reproducible demo data, not secrets
    towns = list(
        session.scalars(
            select(Area).where(Area.level == AreaLevel.TOWNSHIP.value).order_by(Area.code)
        )
    )
    kinds = [kind for kind, weight, _ in PREMISES_MIX for _ in range(weight)]
    patterns = {kind: pattern for kind, _, pattern in PREMISES_MIX}
    for number in range(PREMISES_COUNT):
        town = area_shape(towns[number % len(towns)])
        min_x, min_y, max_x, max_y = town.bounds
        while True:
            x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
            if town.contains(Point(x, y)):
                break
        kind = rng.choice(kinds)
        individual = (
            kind in (PremisesType.SMALL_VENUE, PremisesType.LIVING_WORKSHOP) and rng.random() < 0.6
        )
        surname = SURNAMES[rng.randrange(len(SURNAMES))]
        premises_service.create(
            session,
            admin,
            PremisesFields(
                name="演示" + patterns[kind].format(f"{surname}记{number + 1}号"),
                uscc=None if individual else _demo_uscc(rng),
                individual_business=individual,
                premises_type=kind,
                risk_level=rng.choice(list(RiskLevel)),
                key_unit=kind
                in (
                    PremisesType.HIGH_RISE,
                    PremisesType.UNDERGROUND,
                    PremisesType.FLAMMABLE_EXPLOSIVE,
                ),
                address=f"演示路{number + 1}号",
                lng=x,
                lat=y,
                crs=Crs.WGS84,
                contact_name=f"{surname}先生",
                contact_phone=f"138{rng.randrange(10**8):08d}",
            ),
        )


def _load_hazards(session: Session, settings: Settings) -> None:
    """A few synthetic hazards reported by the workers at premises of their grids, some
    confirmed, so that queues, counts and timelines have something to show."""
    rng = random.Random(7)  # noqa: S311 - reproducible demo data, not secrets
    categories = list(HazardCategory)
    rows = session.execute(
        select(Premises.id, Premises.lng, Premises.lat, Premises.area_id)
        .order_by(Premises.name)
        .limit(40)
    ).all()
    for number, (premises_id, lng, lat, grid_id) in enumerate(rows[::3]):
        worker = session.scalar(
            select(User)
            .join(GridAssignment, GridAssignment.user_id == User.id)
            .where(GridAssignment.area_id == grid_id)
        )
        if worker is None:
            continue
        reporter = Principal.of(worker)
        hazard, _ = reporting.report(
            session,
            reporter,
            HazardReport(
                category=rng.choice(categories),
                description=f"演示隐患{number + 1}：巡查发现",
                lng=lng,
                lat=lat,
                premises_id=premises_id,
            ),
            settings,
        )
        if number % 2 == 0:
            acting.act(
                session, reporter, hazard.id, ActionIn(action=HazardAction.CONFIRM), settings
            )


def _load_credit(session: Session, settings: Settings) -> None:
    """One unit commended (red list) and one that refused to rectify (blacklist), entered by
    the first township's station, so the credit views have something to show."""
    station = session.scalar(select(User).where(User.username == "station.cz1"))
    township = session.scalar(select(Area.path).where(Area.code == "450202901"))
    units = session.scalars(
        select(Premises.id)
        .where(
            Premises.area_path.startswith(township),
            Premises.id.not_in(select(Hazard.premises_id).where(Hazard.premises_id.is_not(None))),
        )
        .order_by(Premises.name)
        .limit(2)
    ).all()
    officer = Principal.of(station)
    for premises_id, kind, note in zip(
        units,
        (CreditRecordKind.COMMENDATION, CreditRecordKind.ORDER_REFUSED),
        ("消防安全标准化管理达标（演示）", "拒不清理疏散通道杂物（演示）"),
        strict=False,
    ):
        credit.record_by_officer(
            session, officer, premises_id, RecordIn(kind=kind, note=note), settings
        )


def _load_units(session: Session, settings: Settings) -> None:
    """A company running two premises of the first township, with a confirmed hazard that two
    certified officers order fixed (its 责令限期改正通知书 waits to be served), a 提醒 on
    record and the hazard copied to market regulation (抄告), so the unit's record, the
    notices to serve and the queues have something to show. No responsible person: naming one
    texts them a code, and the demo texts no one."""
    station = Principal.of(session.scalar(select(User).where(User.username == "station.cz1")))
    brigade = Principal.of(
        session.scalar(select(User).where(User.username == "brigade.chengzhong"))
    )
    township = session.scalar(select(Area.path).where(Area.code == "450202901"))
    hazard = session.scalar(
        select(Hazard)
        .where(
            Hazard.area_path.startswith(township),
            Hazard.premises_id.is_not(None),
            Hazard.state == "confirmed",
        )
        .order_by(Hazard.description)
        .limit(1)
    )
    if hazard is None:
        return
    neighbour = session.scalar(
        select(Premises.id)
        .where(
            Premises.area_path.startswith(township),
            Premises.id != hazard.premises_id,
            Premises.unit_id.is_(None),
        )
        .order_by(Premises.name)
        .limit(1)
    )
    unit = units.create(
        session,
        station,
        UnitIn(
            name="演示餐饮管理有限公司",
            uscc=_demo_uscc(random.Random(22)),  # noqa: S311 - reproducible demo data
            premises_ids=[p for p in (hazard.premises_id, neighbour) if p],
        ),
    )
    for officer in (station, brigade):  # 双人执法: the second officer's order issues the notice
        acting.act(
            session,
            officer,
            hazard.id,
            ActionIn(
                action=HazardAction.ORDER_RECTIFICATION,
                deadline_working_days=5,
                period_days=15,
            ),
            settings,
        )
    measures.record(
        session,
        settings,
        station,
        unit.id,
        MeasureIn(
            kind=MeasureKind.REMINDER,
            held_on=datetime.now(LOCAL_TIME).date(),
            place="演示餐饮管理有限公司门店",
            premises_id=hazard.premises_id,
            findings="提醒单位落实消防安全主体责任，按期整改（演示）",
        ),
    )
    referrals.send(
        session,
        station,
        ReferralIn(
            kind=ReferralKind.COPY,
            department="market",
            hazard_id=hazard.id,
            unit_id=unit.id,
            finding="门店未办理营业执照即对外经营（演示）",
            legal_basis="《无证无照经营查处办法》第五条",
        ),
        settings,
    )


def _load_patrol_plan(session: Session, settings: Settings) -> None:
    """This month's patrol tasks in the first township, as its station would make them, so a
    worker's phone has tasks on its first sync."""
    station = Principal.of(session.scalar(select(User).where(User.username == "station.cz1")))
    patrol_plans.generate_plan_tasks(
        session,
        station,
        settings,
        area_code="450202901",
        period=datetime.now(LOCAL_TIME).strftime("%Y-%m"),
    )


def _load_complaints(session: Session, settings: Settings) -> None:
    """Three 96119 complaints: one at a premises (routed to its grid's worker), one with an
    address only (waiting in the township's triage queue), one anonymous."""
    partner = Principal.of(session.scalar(select(User).where(User.username == "hotline.96119")))
    township = session.scalar(select(Area).where(Area.code == "450202901"))
    shops = session.execute(
        select(Premises.name, Premises.lng, Premises.lat)
        .where(Premises.area_path.startswith(township.path))
        .order_by(Premises.name)
        .limit(2)
    ).all()
    now = datetime.now(LOCAL_TIME)
    bodies = [
        {
            "text": f"{shops[0].name}后门安全出口被锁闭",
            "address": f"{township.name} {shops[0].name}",
            "location": {"lng": shops[0].lng, "lat": shops[0].lat, "crs": "wgs84"},
            "caller": {"name": "演示来电人", "phone": "13800000001"},
        },
        {
            "text": "小区楼道有人给电动车飞线充电",
            "address": f"{township.name}某小区3栋",
            "caller": {"name": "演示来电人二", "phone": "13800000002"},
        },
        {
            "text": f"{shops[-1].name}门口堆放大量纸箱",
            "address": f"{township.name} {shops[-1].name}",
            "location": {"lng": shops[-1].lng, "lat": shops[-1].lat, "crs": "wgs84"},
            "anonymous": True,
        },
    ]
    for number, body in enumerate(bodies, start=1):
        intake.receive(
            session,
            partner,
            ComplaintIntake(
                channel=Channel.FIRE_HOTLINE,
                external_id=f"96119-DEMO-{number:04d}",
                received_at=now,
                type=ComplaintType.REPORT,
                **body,
            ),
            settings,
        )


def _load_fires(session: Session, settings: Settings) -> None:
    """Two micro fire stations of the first township; a 一键报警 a grid worker pressed at a
    premises, answered, recorded as a fire incident 火灾事故 (published, so the public list
    shows it masked) and closed."""
    station = Principal.of(session.scalar(select(User).where(User.username == "station.cz1")))
    township = session.scalar(select(Area).where(Area.code == "450202901"))
    shops = session.execute(
        select(Premises.id, Premises.name, Premises.lng, Premises.lat, Premises.address)
        .where(Premises.area_path.startswith(township.path))
        .order_by(Premises.name)
        .limit(3)
    ).all()
    for name, kind, shop in (
        ("城中演示街道一 微型消防站", StationKind.MICRO, shops[0]),
        ("城中演示社区 志愿消防队", StationKind.VOLUNTEER, shops[1]),
    ):
        micro_stations.create(
            session,
            station,
            StationIn(
                name=name,
                kind=kind,
                township=township.code,
                lng=shop.lng,
                lat=shop.lat,
                contact_name="演示站长",
                contact_phone="13800000010",
                members_count=6,
            ),
        )
    burning = shops[2]
    reporter = session.scalar(
        select(User)
        .join(GridAssignment, GridAssignment.user_id == User.id)
        .join(Area, Area.id == GridAssignment.area_id)
        .where(Area.path.startswith(township.path), User.role == Role.GRID_WORKER.value)
        .order_by(User.username)
        .limit(1)
    )
    alert, _ = fire_alerts.raise_alert(
        session,
        Principal.of(reporter),
        AlertIn(
            id=uuid.uuid5(uuid.NAMESPACE_URL, "firegrid-demo-alert"),
            lng=burning.lng,
            lat=burning.lat,
            accuracy_m=15,
            note="后厨冒烟，已疏散顾客（演示）",
        ),
        settings,
    )
    now = datetime.now(LOCAL_TIME)
    incident = fire_incidents.record(
        session,
        settings,
        station,
        IncidentIn(
            occurred_at=now - timedelta(hours=2),
            reported_at=now - timedelta(hours=2) + timedelta(minutes=3),
            premises_id=burning.id,
            address=burning.address or burning.name,
            cause=FireCause.ELECTRICAL,
            place_category=PlaceCategory.SMALL_VENUE,
            direct_loss_yuan=12_800,
            burned_area_m2=6,
            summary="后厨排油烟机线路老化短路起火，微型消防站到场扑灭（演示）",
            responding_unit="城中演示街道一 微型消防站",
            alert_id=alert.id,
        ),
    )
    for step in (IncidentAction.CONFIRM, IncidentAction.PUBLISH):
        fire_incidents.take_step(session, station, incident.id, step)
    fire_alerts.close(session, station, alert.id, AlertState.CLOSED, "明火已扑灭（演示）", None)


def _load_alarm_feed(session: Session, settings: Settings) -> None:
    """A monitoring platform's smoke detector at a premises of the first township, registered
    by the station, alarming three times within an hour: an urgent task, then a hazard."""
    platform = session.scalar(select(User).where(User.username == ALARM_PLATFORM.username))
    station = Principal.of(session.scalar(select(User).where(User.username == "station.cz1")))
    township = session.scalar(select(Area.path).where(Area.code == "450202901"))
    shop = session.execute(
        select(Premises.id, Premises.name)
        .where(Premises.area_path.startswith(township))
        .order_by(Premises.name.desc())
        .limit(1)
    ).one()
    alarm_feeds.register_device(
        session,
        station,
        DeviceIn(
            partner=ALARM_PLATFORM.username,
            external_id="SD-DEMO-0001",
            kind=DeviceKind.SMOKE,
            premises_id=shop.id,
            install_place="二楼仓库吊顶",
        ),
        settings,
    )
    now = datetime.now(LOCAL_TIME)
    alarm_feeds.receive(
        session,
        Principal.of(platform),
        [
            EventIn(
                event_id=f"DEMO-EVT-{n}",
                device_id="SD-DEMO-0001",
                kind=EventKind.ALARM,
                occurred_at=now - timedelta(minutes=50 - 20 * n),
                reading="烟雾浓度超限（演示）",
            )
            for n in range(3)
        ],
        settings,
    )


def _credentials_file(settings: Settings) -> Path:
    return settings.data_dir / "demo-logins.json"


def load(session: Session, settings: Settings) -> dict[str, str]:
    """Load the demo once; later calls only make sure the demo logins work. Returns them."""
    effects.install()  # the demo's hazards take steps, which have effects
    if session.scalar(select(Area.id).where(Area.code == "450202")) is None:
        _load_areas(session)
    path = _credentials_file(settings)
    saved: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    logins: dict[str, str] = {}
    for number, demo in enumerate(DEMO_USERS, start=1):
        password = saved.get(demo.username) or secrets.token_urlsafe(9)
        user = session.scalar(select(User).where(User.username == demo.username))
        if user is None:
            area = grids.area_by_code(session, demo.area_code) if demo.area_code else None
            workforce.place_user(
                session,
                area=area,
                username=demo.username,
                password=password,
                role=demo.role,
                display_name=demo.display_name,
                # a 执法证's number as people read it (演示执法证002), not DEMO-BRIGADE.CHENGZHONG
                certificate_number=f"演示执法证{number:03d}" if demo.certified else None,
                certificate_expires_on=date.today() + timedelta(days=365)
                if demo.certified
                else None,
                actor=DEMO_ACTOR,
            )
        elif demo.username not in saved:
            user.password_hash = hash_password(password)
        logins[demo.username] = password
    worker_password = saved.get(WORKER_LOGIN) or secrets.token_urlsafe(9)
    _load_workers(session, worker_password, reset=WORKER_LOGIN not in saved)
    logins[WORKER_LOGIN] = worker_password
    if session.scalar(select(func.count()).select_from(Premises)) == 0:
        _load_premises(session)
    if session.scalar(select(func.count()).select_from(Hazard)) == 0:
        _load_hazards(session, settings)
        _load_credit(session, settings)
    if session.scalar(select(func.count()).select_from(Unit)) == 0:
        _load_units(session, settings)
    if session.scalar(select(func.count()).select_from(PatrolTask)) == 0:
        _load_patrol_plan(session, settings)
    _ensure_integration_client(session, settings, logins)
    if session.scalar(select(func.count()).select_from(Complaint)) == 0:
        _load_complaints(session, settings)
    if session.scalar(select(func.count()).select_from(FireIncident)) == 0:
        _load_fires(session, settings)
    _ensure_alarm_platform(session)
    if session.scalar(select(func.count()).select_from(AlarmDevice)) == 0:
        _load_alarm_feed(session, settings)
    if session.scalar(select(func.count()).select_from(RiskRun)) == 0:
        # The scores the worker's nightly pass would compute, so the console shows them now.
        risk.recompute(session, settings, actor=DEMO_ACTOR, trigger="demo")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps(logins, ensure_ascii=False, indent=2))
    return logins


def _ensure_integration_client(
    session: Session, settings: Settings, logins: dict[str, str]
) -> None:
    demo = INTEGRATION_USER
    saved = (
        json.loads(_credentials_file(settings).read_text())
        if _credentials_file(settings).exists()
        else {}
    )
    user = session.scalar(select(User).where(User.username == demo.username))
    if user is None:
        user = workforce.place_user(
            session,
            area=grids.area_by_code(session, demo.area_code or ""),
            username=demo.username,
            password=None,
            role=demo.role,
            display_name=demo.display_name,
            certificate_number=None,
            certificate_expires_on=None,
            actor=DEMO_ACTOR,
        )
    key_id, secret = saved.get("hotline.96119 key_id"), saved.get("hotline.96119 secret")
    if not (key_id and secret and session.get(IntegrationKey, key_id)):
        issued = partners.issue_integration_key(session, settings, user, DEMO_ACTOR)
        key_id, secret = issued.key_id, issued.secret
    logins["hotline.96119 key_id"], logins["hotline.96119 secret"] = key_id, secret


def _ensure_alarm_platform(session: Session) -> None:
    """The demo's monitoring platform: an integration client with no key (its events are
    loaded in process; `firegrid integrations key iot.demo` gives it one to post more)."""
    if session.scalar(select(User.id).where(User.username == ALARM_PLATFORM.username)):
        return
    workforce.place_user(
        session,
        area=grids.area_by_code(session, ALARM_PLATFORM.area_code or ""),
        username=ALARM_PLATFORM.username,
        password=None,
        role=ALARM_PLATFORM.role,
        display_name=ALARM_PLATFORM.display_name,
        certificate_number=None,
        certificate_expires_on=None,
        actor=DEMO_ACTOR,
    )


def describe(logins: dict[str, str]) -> str:
    lines = ["Demo logins (generated for this install; synthetic townships and grids):"]
    for demo in DEMO_USERS:
        where = demo.area_code or ("everywhere" if demo.role is Role.ADMIN else "-")
        lines.append(
            f"  {demo.username:<22} {logins[demo.username]:<14} {demo.role.value:<14} {where}"
        )
    lines.append(
        f"  {WORKER_LOGIN:<22} {logins[WORKER_LOGIN]:<14} {'grid_worker':<14} one per grid, e.g. worker.450202901001-001"
    )
    lines.append(
        f"  integration client {INTEGRATION_USER.username}: key id {logins['hotline.96119 key_id']}"
        f"  secret {logins['hotline.96119 secret']}"
    )
    return "\n".join(lines)
