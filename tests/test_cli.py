"""The `firegrid` command as an operator uses it."""

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from backend.identity.models import User
from grids.models import Area

FIREGRID = str(Path(sys.executable).parent / "firegrid")


def firegrid(*args, stdin=None):
    return subprocess.run(
        [FIREGRID, *args], input=stdin, capture_output=True, text=True, env=os.environ, timeout=120
    )


def test_users_create_reads_the_password_from_stdin(api, township):
    result = firegrid(
        "users",
        "create",
        "station.cli",
        "--role",
        "station_staff",
        "--scope",
        township.code,
        "--certificate-number",
        "GX-2026-001",
        "--certificate-expires",
        "2030-01-01",
        stdin="a-password-from-stdin\n",
    )
    assert result.returncode == 0, result.stderr

    token = api.post(
        "/api/v1/auth/token", data={"username": "station.cli", "password": "a-password-from-stdin"}
    )
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert me.json()["scope_area_code"] == township.code
    assert me.json()["certificate"]["number"] == "GX-2026-001"


def test_users_create_keeps_a_mobile_for_texts(db):
    result = firegrid(
        "users",
        "create",
        "oncall.cli",
        "--role",
        "admin",
        "--phone",
        "13800138000",
        stdin="a-password-from-stdin\n",
    )
    assert result.returncode == 0, result.stderr
    assert "13800138000" not in result.stdout + result.stderr
    with db() as session:
        phone = session.scalar(select(User.phone).where(User.username == "oncall.cli"))
    assert phone == "13800138000"

    refused = firegrid(
        "users",
        "create",
        "oncall.two",
        "--role",
        "admin",
        "--phone",
        "110",
        stdin="a-password-from-stdin\n",
    )
    assert refused.returncode == 1 and "mainland mobile number" in refused.stderr


def test_users_create_explains_refusals(township):
    unknown_role = firegrid("users", "create", "x.y", "--role", "chief", stdin="long-enough-pw\n")
    no_scope = firegrid(
        "users", "create", "x.y", "--role", "station_staff", stdin="long-enough-pw\n"
    )
    short = firegrid("users", "create", "x.y", "--role", "citizen", stdin="short\n")

    assert unknown_role.returncode == 2 and "unknown role 'chief'" in unknown_role.stderr
    assert no_scope.returncode == 1 and "needs an area" in no_scope.stderr
    assert short.returncode == 1 and "at least 10 characters" in short.stderr


def test_db_upgrade_is_idempotent():
    assert firegrid("db", "upgrade").returncode == 0
    assert firegrid("db", "upgrade").returncode == 0


def test_demo_load_twice_gives_one_working_demo(api, db):
    first = firegrid("demo", "load")
    second = firegrid("demo", "load")

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    from backend.demo import DEMO_USERS, PREMISES_COUNT
    from grids.premises.models import Premises
    from hazards.models import Hazard

    def count(model, *where):
        return session.scalar(select(func.count()).select_from(model).where(*where))

    with db() as session:
        grids = count(Area, Area.level == "grid")
        assert count(Area, Area.level == "county") == 10
        assert grids >= 40
        # the named demo users, one worker per grid, the hotline and the monitoring platform
        assert count(User) == len(DEMO_USERS) + grids + 2
        assert (
            count(Premises) == count(Premises, Premises.route_status == "inside") == PREMISES_COUNT
        )
        assert count(Hazard, Hazard.state == "reported") > 0
        assert count(Hazard, Hazard.state == "confirmed") > 0
        statuses = set(session.scalars(select(Premises.credit_status)))
        assert {"red_list", "blacklist", "normal"} <= statuses  # the credit views show something
    logins = json.loads((Path(os.environ["FIREGRID_DATA_DIR"]) / "demo-logins.json").read_text())
    line = next(
        line for line in second.stdout.splitlines() if line.strip().startswith("station.cz1")
    )
    password = line.split()[1]
    assert password == logins["station.cz1"]
    token = api.post("/api/v1/auth/token", data={"username": "station.cz1", "password": password})
    assert token.status_code == 200


def test_the_worker_runs_its_jobs_once():
    result = firegrid("worker", "--once")
    assert result.returncode == 0, result.stderr
    assert "forget_old_nonces" in json.loads(result.stdout.strip().splitlines()[-1])


def test_areas_import_is_all_or_nothing(tmp_path, db):
    good = {
        "type": "Feature",
        "properties": {"adcode": "880001", "name": "甲"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[109, 24], [109.1, 24], [109.1, 24.1], [109, 24]]],
        },
    }
    bad = {
        "type": "Feature",
        "properties": {"adcode": "880002", "name": "乙"},
        "geometry": {"type": "Point", "coordinates": [109, 24]},
    }
    path = tmp_path / "two.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [good, bad]}))

    result = firegrid("areas", "import", str(path), "--level", "county", "--crs", "gcj02")

    assert result.returncode == 1
    assert "feature 1 (乙)" in result.stderr and "no polygon" in result.stderr
    with db() as session:
        assert session.scalar(select(Area).where(Area.code == "880001")) is None


def test_a_partner_key_is_rotated_with_key_then_revoke(api, hotline, grid_worker):
    from tests.world import IntegrationClient, complaint_body, send_complaint

    issued = firegrid("integrations", "key", hotline.username)
    assert issued.returncode == 0, issued.stderr
    new = IntegrationClient(**{**hotline.__dict__, **json.loads(issued.stdout)})
    revoked = firegrid("integrations", "revoke", hotline.key_id)
    assert revoked.returncode == 0, revoked.stderr

    assert send_complaint(api, new, complaint_body(external_id="12345-R1")).status_code == 201
    old = send_complaint(api, hotline, complaint_body(external_id="12345-R2"))
    assert old.status_code == 401 and "revoked" in old.json()["detail"]
    assert firegrid("integrations", "revoke", "fgk_nope").returncode == 1


def test_outbox_status_shows_each_channels_backlog_and_dead_letters_replay(db, grid_worker):
    from backend.notify import service
    from backend.notify.models import OutboxMessage

    with db() as session:
        service.push(session, [grid_worker.id, grid_worker.id], "标题", "正文", {})
        service.push(session, [grid_worker.id], "放弃", "正文", {})
    with db() as session:
        given_up = session.scalars(select(OutboxMessage).where(OutboxMessage.title == "放弃")).one()
        given_up.status, given_up.last_error = "dead", "abcdefghijkl…: HTTP 503"
        dead_id = str(given_up.id)

    table = firegrid("outbox", "status")
    assert table.returncode == 0, table.stderr
    header, fcm, *others = table.stdout.splitlines()
    assert header.split() == [
        "channel",
        "pending",
        "due",
        "now",
        "oldest",
        "pending",
        "dead",
        "delivered",
        "24h",
    ]
    assert fcm.split()[:3] == ["fcm", "1", "1"] and fcm.split()[-2:] == ["1", "0"]
    assert [line.split()[0] for line in others] == ["jpush", "webpush", "sms", "hotline_callbacks"]

    machine = json.loads(firegrid("outbox", "status", "--json").stdout)
    channels = {row["channel"]: row for row in machine["channels"]}
    assert channels["fcm"]["pending"] == 1 and channels["fcm"]["dead"] == 1
    assert channels["hotline_callbacks"]["pending"] == 0

    dead = firegrid("outbox", "dead", "--channel", "fcm")
    (line,) = dead.stdout.splitlines()
    assert json.loads(line)["id"] == dead_id
    assert "abcdefghijkl" not in line

    assert firegrid("outbox", "replay", dead_id).returncode == 0
    again = firegrid("outbox", "replay", dead_id)
    assert again.returncode == 1 and "only dead messages are replayed" in again.stderr
    channels = {
        r["channel"]: r
        for r in json.loads(firegrid("outbox", "status", "--json").stdout)["channels"]
    }
    assert (channels["fcm"]["pending"], channels["fcm"]["dead"]) == (2, 0)


def test_users_list_reset_and_deactivate_as_an_operator_does(api, grid_worker, station_staff, grid):
    listed = firegrid("users", "list", "--area", grid.code)
    assert listed.returncode == 0, listed.stderr
    lines = [line.split("\t") for line in listed.stdout.strip().splitlines()]
    assert lines[0] == ["username", "role", "name", "area", "active", "phone"]
    assert ["worker.one", "grid_worker"] == lines[1][:2] and lines[1][3] == grid.code
    assert [row[0] for row in lines[1:]] == ["worker.one"]  # the station sits above the grid

    reset = firegrid("users", "reset", "worker.one")
    assert reset.returncode == 0, reset.stderr
    temporary = reset.stdout.strip().rsplit(": ", 1)[1]
    token = api.post(
        "/api/v1/auth/token", data={"username": "worker.one", "password": temporary}
    ).json()
    assert token["password_change_required"] is True

    closed = firegrid("users", "deactivate", "worker.one")
    assert closed.returncode == 0, closed.stderr
    refused = api.post("/api/v1/auth/token", data={"username": "worker.one", "password": temporary})
    assert refused.status_code == 401
    everyone = firegrid("users", "list", "--role", "grid_worker").stdout
    assert "worker.one\tgrid_worker" in everyone and "\tno\t" in everyone

    unknown = firegrid("users", "reset", "nobody.here")
    assert unknown.returncode == 1 and "no user named" in unknown.stderr
