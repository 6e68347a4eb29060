"""Demo data, so that a newcomer running `make run` sees a working system.

Real boundaries: Liuzhou's 10 districts and counties (GCJ-02, DataV/AMap extract, see
backend/demo_data/README.md). Below two of them the townships, villages and grids are
SYNTHETIC (名称带"演示"), cut from the district's bounding box. Passwords are generated on the
first load and kept in the data directory, never in the repository.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from shapely.geometry import box
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.audit import Actor
from backend.core.security import hash_password
from backend.core.settings import Settings
from backend.identity import service as identity
from backend.identity.enums import Role
from backend.identity.models import IntegrationKey, User
from grids import service as grids
from grids import workforce
from grids.enums import AreaLevel, Crs
from grids.models import Area
from grids.service import area_shape, as_multipolygon

DISTRICTS_FILE = Path(__file__).parent / "demo_data" / "liuzhou_districts.geojson"
SUBDIVIDED = {"450202": "城中", "450203": "鱼峰"}
DEMO_ACTOR = Actor(id=None, role="demo-loader")


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    area_code: str | None
    display_name: str
    certified: bool = False


DEMO_USERS = [
    DemoUser("admin", Role.ADMIN, None, "系统管理员 (demo)"),
    DemoUser("brigade.chengzhong", Role.BRIGADE_STAFF, "450202", "城中区消防救援大队 (demo)", True),
    DemoUser("brigade.yufeng", Role.BRIGADE_STAFF, "450203", "鱼峰区消防救援大队 (demo)", True),
    DemoUser("dispatch.chengzhong", Role.DISPATCHER, "450202", "城中区调度中心 (demo)"),
    DemoUser("station.cz1", Role.STATION_STAFF, "450202001", "城中演示街道一 消防工作站", True),
    DemoUser("station.cz2", Role.STATION_STAFF, "450202002", "城中演示街道二 消防工作站", True),
    DemoUser("leader.cz1-1", Role.GRID_LEADER, "450202001001", "城中演示社区一 网格长"),
    DemoUser("worker.cz1-1-1", Role.GRID_WORKER, "450202001001-01", "网格员 张 (demo)"),
    DemoUser("worker.cz1-1-2", Role.GRID_WORKER, "450202001001-02", "网格员 李 (demo)"),
    DemoUser("worker.cz2-1-1", Role.GRID_WORKER, "450202002001-01", "网格员 王 (demo)"),
    DemoUser("citizen.demo", Role.CITIZEN, None, "群众 (demo)"),
]
INTEGRATION_USER = DemoUser("hotline.96119", Role.INTEGRATION, "450202", "96119 hotline (demo)")


def _halves(geometry, vertical: bool):
    min_x, min_y, max_x, max_y = geometry.bounds
    if vertical:
        mid = (min_x + max_x) / 2
        boxes = [box(min_x, min_y, mid, max_y), box(mid, min_y, max_x, max_y)]
    else:
        mid = (min_y + max_y) / 2
        boxes = [box(min_x, mid, max_x, max_y), box(min_x, min_y, max_x, mid)]
    return [as_multipolygon(geometry.intersection(b)) for b in boxes]


def _load_areas(session: Session) -> None:
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
    )
    for county in counties:
        short = SUBDIVIDED.get(county.code)
        if short is None:
            continue
        county_shape = area_shape(county)
        for t, t_geom in enumerate(_halves(county_shape, vertical=True), start=1):
            township = grids.create_area(
                session,
                code=f"{county.code}{t:03d}",
                name=f"{short}演示街道{'一二'[t - 1]}",
                level=AreaLevel.TOWNSHIP,
                geometry=t_geom,
                parent=county,
                actor=DEMO_ACTOR,
            )
            for v, v_geom in enumerate(_halves(t_geom, vertical=False), start=1):
                village = grids.create_area(
                    session,
                    code=f"{township.code}{v:03d}",
                    name=f"{township.name}演示社区{'一二'[v - 1]}",
                    level=AreaLevel.VILLAGE,
                    geometry=v_geom,
                    parent=township,
                    actor=DEMO_ACTOR,
                )
                for g, g_geom in enumerate(_halves(v_geom, vertical=True), start=1):
                    grids.create_area(
                        session,
                        code=f"{village.code}-{g:02d}",
                        name=f"{village.name}第{g}网格",
                        level=AreaLevel.GRID,
                        geometry=g_geom,
                        parent=village,
                        actor=DEMO_ACTOR,
                    )


def _credentials_file(settings: Settings) -> Path:
    return settings.data_dir / "demo-logins.json"


def load(session: Session, settings: Settings) -> dict[str, str]:
    """Load the demo once; later calls only make sure the demo logins work. Returns them."""
    if session.scalar(select(Area.id).where(Area.code == "450202")) is None:
        _load_areas(session)
    path = _credentials_file(settings)
    saved: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    logins: dict[str, str] = {}
    for demo in DEMO_USERS:
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
                certificate_number=f"DEMO-{demo.username.upper()}" if demo.certified else None,
                certificate_expires_on=date.today() + timedelta(days=365)
                if demo.certified
                else None,
                actor=DEMO_ACTOR,
            )
        elif demo.username not in saved:
            user.password_hash = hash_password(password)
        logins[demo.username] = password
    _ensure_integration_client(session, settings, logins)
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
        issued = identity.issue_integration_key(session, settings, user, DEMO_ACTOR)
        key_id, secret = issued.key_id, issued.secret
    logins["hotline.96119 key_id"], logins["hotline.96119 secret"] = key_id, secret


def describe(logins: dict[str, str]) -> str:
    lines = ["Demo logins (generated for this install; synthetic townships and grids):"]
    for demo in DEMO_USERS:
        where = demo.area_code or ("everywhere" if demo.role is Role.ADMIN else "-")
        lines.append(
            f"  {demo.username:<22} {logins[demo.username]:<14} {demo.role.value:<14} {where}"
        )
    lines.append(
        f"  integration client {INTEGRATION_USER.username}: key id {logins['hotline.96119 key_id']}"
        f"  secret {logins['hotline.96119 secret']}"
    )
    return "\n".join(lines)
