"""Load scenario: township staff and grid workers reading their areas, next to a bare
`/healthz` baseline measured in the same run.

    locust -f load_tests/locustfile.py --host http://127.0.0.1:8000

Credentials come from FIREGRID_LOAD_LOGINS, a JSON object {username: password}
(`benchmarks/api_read.py` passes the demo logins); only loopback hosts are allowed.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from urllib.parse import urlparse

from locust import HttpUser, between, events, task

_logins = itertools.cycle(sorted(json.loads(os.environ.get("FIREGRID_LOAD_LOGINS", "{}")).items()))


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
        username, password = next(_logins)
        response = self.client.post(
            "/api/v1/auth/token", data={"username": username, "password": password}, name="sign in"
        )
        response.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
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
