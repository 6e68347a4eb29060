"""Load scenarios: township staff reading their areas, grid workers syncing their phones (pull,
reports with photos, push, tus upload), citizens reporting, next to a bare `/healthz` baseline
measured in the same run.

    firegrid demo load && firegrid serve &          # or `make run` in another terminal
    FIREGRID_LOAD_LOGINS="$(.venv/bin/python load_tests/demo_logins.py)" \
        .venv/bin/locust -f load_tests/locustfile.py --headless -u 40 -r 10 -t 60s \
        --host http://127.0.0.1:8000

Credentials come from FIREGRID_LOAD_LOGINS, a JSON object {username: password}: usernames
starting `worker.` sync as field workers, `citizen.` report as citizens, the others read as
staff (`benchmarks/api_read.py` runs only StaffUser and Baseline). Loopback hosts only.
"""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import json
import os
import random
import time
import uuid
from urllib.parse import urlparse

from locust import HttpUser, between, events, task
from PIL import Image

_all_logins = sorted(json.loads(os.environ.get("FIREGRID_LOAD_LOGINS", "{}")).items())


def _of(kind: str):
    if kind == "worker":
        chosen = [item for item in _all_logins if item[0].startswith("worker.")]
    elif kind == "citizen":
        chosen = [item for item in _all_logins if item[0].startswith("citizen.")]
    else:
        chosen = [item for item in _all_logins if not item[0].startswith(("worker.", "citizen."))]
    return itertools.cycle(chosen or [("nobody", "")])


_logins, _workers, _citizens = _of("staff"), _of("worker"), _of("citizen")
# Points inside the served grids ([lng, lat] in WGS-84), FIREGRID_LOAD_POINTS; without them a
# box around the demo's townships (some of its points fall outside every area: refused, 422).
_points = json.loads(os.environ.get("FIREGRID_LOAD_POINTS", "[]"))


def somewhere() -> dict:
    """Where a citizen or a caller reports a hazard: lng, lat and crs."""
    if _points:
        lng, lat = random.choice(_points)
        return {"lng": lng, "lat": lat, "crs": "wgs84"}
    return {
        "lng": 109.41 + random.uniform(-0.05, 0.05),
        "lat": 24.31 + random.uniform(-0.03, 0.03),
        "crs": "gcj02",
    }


def _photo() -> bytes:
    """A small phone-like JPEG (noise does not compress away)."""
    out = io.BytesIO()
    Image.frombytes("RGB", (640, 480), os.urandom(640 * 480 * 3)).save(out, "JPEG", quality=80)
    return out.getvalue()


def _sign_in(user: HttpUser, username: str, password: str) -> None:
    """Sign in as the app does: a 503 (too many sign-ins at once, decision 0043) is tried
    again after its Retry-After, and counted apart, not as a failure."""
    while True:
        with user.client.post(
            "/api/v1/auth/token",
            data={"username": username, "password": password},
            name="sign in",
            catch_response=True,
        ) as response:
            busy = response.status_code == 503 and "Retry-After" in response.headers
            if busy:
                response.request_meta["name"] = "sign in (busy)"
                response.success()
        if not busy:
            break
        time.sleep(float(response.headers["Retry-After"]))
    response.raise_for_status()
    user.client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"


@events.test_start.add_listener
def _loopback_only(environment, **_kwargs) -> None:
    host = urlparse(environment.host or "").hostname
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit(f"refusing to load-test {host!r}: loopback only")


class StaffUser(HttpUser):
    """Signs in once, then reads what a console or app reads most."""

    wait_time = between(0.05, 0.2)
    weight = 4

    def on_start(self) -> None:
        _sign_in(self, *next(_logins))
        areas = self.client.get("/api/v1/areas", name="GET /api/v1/areas").json()
        self.codes = [a["code"] for a in areas] or ["none"]

    @task(3)
    def list_areas(self) -> None:
        self.client.get("/api/v1/areas", name="GET /api/v1/areas")

    @task(2)
    def one_area(self) -> None:
        self.client.get(
            f"/api/v1/areas/{random.choice(self.codes)}", name="GET /api/v1/areas/{code}"
        )

    @task(1)
    def me(self) -> None:
        self.client.get("/api/v1/me", name="GET /api/v1/me")


class Baseline(HttpUser):
    """The floor: a request that touches no database."""

    wait_time = between(0.05, 0.2)
    weight = 1

    @task
    def healthz(self) -> None:
        self.client.get("/healthz", name="GET /healthz")


class FieldWorker(HttpUser):
    """A grid worker's phone: pulls, reports hazards with a photo, pushes, uploads the photo
    through tus, and pulls again to see what the server made of it."""

    wait_time = between(0.5, 2)
    weight = 2

    def on_start(self) -> None:
        _sign_in(self, *next(_workers))
        self.cursor: int | None = None
        self.grid_point: tuple[float, float] | None = None
        self.pull()

    def pull(self) -> None:
        pull(self)

    @task(3)
    def incremental_pull(self) -> None:
        self.pull()

    @task(1)
    def report_with_photo(self) -> None:
        report_with_photo(self)


def pull(user: HttpUser) -> None:
    """An incremental pull, every page, for a user with `cursor` and `grid_point` (its grid's
    centre, from the grids pulled); the premises and checklists pulled are kept in `known`."""
    known = getattr(user, "known", None) or {"premises": {}, "checklists": {}}
    user.known = known
    while True:
        params = {"last_pulled_at": user.cursor} if user.cursor else {}
        page = user.client.get("/api/v1/sync", params=params, name="GET /api/v1/sync").json()
        user.cursor = page["timestamp"]
        for grid in page["changes"]["grids"]["updated"]:
            ring = json.loads(grid["geometry"])["coordinates"][0][0]
            xs, ys = [p[0] for p in ring], [p[1] for p in ring]
            user.grid_point = (sum(xs) / len(xs), sum(ys) / len(ys))
        for table in known:
            changed = page["changes"].get(table, {})
            for record in changed.get("created", []) + changed.get("updated", []):
                known[table][record["id"]] = record
        if not page.get("has_more"):
            return


def report_with_photo(user: HttpUser) -> None:
    """A patrol's hazard report with a photo, pushed, then the photo's bytes through tus."""
    if user.grid_point is None:
        return
    lng, lat = user.grid_point
    data = _photo()
    sha256 = hashlib.sha256(data).hexdigest()
    hazard_id, photo_id = str(uuid.uuid4()), str(uuid.uuid4())
    changes = {
        "hazard_reports": {
            "created": [
                {
                    "id": hazard_id,
                    "category": random.choice(["ebike_indoor", "exit_blocked", "flammables"]),
                    "severity": "ordinary",
                    "source": "patrol",
                    "description": "压测：巡查发现隐患",
                    "lng": lng + random.uniform(-0.002, 0.002),
                    "lat": lat + random.uniform(-0.002, 0.002),
                    "crs": "wgs84",
                    "device_time": int(time.time() * 1000),
                }
            ]
        },
        "photos": {
            "created": [
                {
                    "id": photo_id,
                    "hazard_id": hazard_id,
                    "kind": "before",
                    "sha256": sha256,
                    "size": len(data),
                }
            ]
        },
    }
    user.client.post(
        "/api/v1/sync",
        params={"last_pulled_at": user.cursor},
        json={"changes": changes},
        name="POST /api/v1/sync",
    )
    meta = f"photo_id {base64.b64encode(photo_id.encode()).decode()},sha256 " + (
        base64.b64encode(sha256.encode()).decode()
    )
    created = user.client.post(
        "/api/v1/uploads/",
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Length": str(len(data)),
            "Upload-Metadata": meta,
        },
        name="POST /api/v1/uploads/",
    )
    if created.status_code != 201:
        return
    user.client.patch(
        urlparse(created.headers["Location"]).path,
        data=data,
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
        },
        name="PATCH /api/v1/uploads/{id}",
    )


class Citizen(HttpUser):
    """A citizen reporting a hazard with a photo through the app (随手拍)."""

    wait_time = between(1, 3)
    weight = 1

    def on_start(self) -> None:
        _sign_in(self, *next(_citizens))

    @task
    def report(self) -> None:
        answer = self.client.post(
            "/api/v1/hazards",
            json={
                "category": "fire_lane_blocked",
                "source": "citizen",
                "description": "压测：消防车通道被占用",
                **somewhere(),
            },
            name="POST /api/v1/hazards (citizen)",
        )
        if answer.status_code == 201:
            self.client.post(
                f"/api/v1/hazards/{answer.json()['id']}/photos",
                params={"kind": "before"},
                data=_photo(),
                headers={"Content-Type": "image/jpeg"},
                name="POST /api/v1/hazards/{id}/photos",
            )
