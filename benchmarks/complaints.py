"""Hotline complaint intake under a real server: signed `POST /api/v1/hotline/complaints` from
concurrent clients, each complaint routed to its grid's on-duty worker and stored, against
`/healthz` in the same run.

    make bench B=complaints

Needs PostGIS (FIREGRID_BENCH_DATABASE_URL, as `make bench` provides). The demo's area tree and
workers are loaded: in 城中区 (450202) two townships, four communities and 32 grids of 1 km,
each with one grid worker on duty. A 12345 partner system is registered for the district as
the `hotline` test fixture does it, with a callback address, as a real hotline has, so every
dispatch also queues the hotline's callback. Each complaint carries a point drawn inside one
of the district's grids (at least 20 m from its edges), a named caller and a text from a
realistic mix (the keyword classifier finds most categories it knows, and some texts are no
hazard at all).

`firegrid serve` answers on loopback, first as one process, then as one process per core (the
deployment the targets are for), each on its own port with the client's connections spread
evenly over them, as a reverse proxy balancing connections does. CLIENTS keep-alive
connections (128 unless FIREGRID_BENCH_CLIENTS says otherwise) send requests at once, in
alternating blocks of intake and `/healthz`, so that the machine's drift falls on both. The
client is plain HTTP/1.1 on asyncio streams (uvloop) in one thread: it shares the machine's
2 cores with the server and PostgreSQL, and a thread per connection (http.client) took a
fifth of a core at these rates. Each block's bodies are
built before the block, outside its timing; each request is signed as it is sent, so that its
timestamp is fresh however long the block takes (the server allows 300 s of skew): a new
nonce and an HMAC cost the client about 5 µs, nothing next to a request. Every answer must be
201 (intake) or 200 (`/healthz`); rates are medians over the blocks.

Afterwards the database is checked: every complaint sent is stored, dispatched to the worker
of the grid its point was drawn in, with its caller row, its two audit events (received,
dispatched), the worker's push in the outbox and the hotline's callback queued; and the audit
chain, appended to by concurrent requests, still verifies.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import shapely
import uvloop
from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import Targets, firegrid_servers, using_database  # noqa: E402

DISTRICT = "450202"  # 城中区: the demo's two townships there, 32 grids
PATH = "/api/v1/hotline/complaints"
# Connections sending at once: hotline systems forwarding a surge (or replaying a backlog
# after an outage) in parallel. Group commit shares a transaction among the requests that
# wait together, so throughput grows with them; docs/performance.md gives 8 to 128.
CLIENTS = int(os.environ.get("FIREGRID_BENCH_CLIENTS", "128"))
ROUNDS = 5  # blocks per side and configuration
INTAKE_BLOCK = 1_000  # complaints per block
HEALTH_BLOCK = 2_000  # /healthz requests per block
WARMUP = 200  # complaints per API process before timing (routing index, pools, caches)
MULTI = max(2, os.cpu_count() or 1)  # one API process per core: the deployment targeted
GOAL_RATE = 1_000.0  # complaints/s: the issue's goal on these machines, printed beside the ratio
# The target is intake over /healthz of the same servers, in the same run, blocks interleaved.
# The goal was met with this client in session 5 (2026-11-24, docs/performance.md, runs 1-11)
# with /healthz at 3,750-5,021 req/s, 4,221 the median: 1,000 / 4,221.
HEALTHZ_WHEN_SET = 4_221.0
INTAKE_PER_HEALTHZ = round(GOAL_RATE / HEALTHZ_WHEN_SET, 3)  # 0.237

# What callers tell 12345; the classifier finds a category in all but the last.
TEXTS = [
    "幸福小吃店后门安全出口被锁闭，楼道堆满杂物",
    "小区楼道里好几辆电动车在充电，还有飞线",
    "商场的喷淋系统停用了，烟感也不亮",
    "消防车道被私家车长期占用",
    "五金加工店楼上住人，是三合一场所",
    "路边店铺门口堆放液化气罐",
    "工地夜间电焊，火星溅到旁边的纸箱",
    "出租屋私拉电线，插排串插",
    "饭店里的灭火器都过期了",
    "楼下邻居经常很晚还在装修，噪音很大",
]
TYPES = ["report", "report", "complaint", "help_request"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"


class Grids:
    """The district's grids, each shrunk by ~20 m, for drawing points that route unambiguously."""

    def __init__(self, session) -> None:
        from geoalchemy2.shape import to_shape

        from grids.models import Area

        rows = session.execute(
            select(Area.code, Area.geom).where(
                Area.level == "grid", Area.path.like(f"/{DISTRICT}/%")
            )
        ).all()
        self.shapes = [(code, to_shape(geom).buffer(-0.0002)) for code, geom in rows]
        for _, shape in self.shapes:
            shapely.prepare(shape)

    def point(self, rng: random.Random) -> tuple[str, float, float]:
        code, shape = rng.choice(self.shapes)
        x0, y0, x1, y1 = shape.bounds
        while True:
            x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
            if shapely.contains_xy(shape, x, y):
                return code, round(x, 7), round(y, 7)


class Intake:
    """Builds and signs complaints; remembers the grid each one's point was drawn in."""

    def __init__(self, key_id: str, secret: str, run: str, grids: Grids) -> None:
        self.key_id, self.secret, self.run, self.grids = key_id, secret, run, grids
        self.rng = random.Random(20261124)  # noqa: S311 - reproducible load, not secrets
        self.expected: dict[str, str] = {}  # external id -> grid code

    def requests(self, count: int) -> list[tuple]:
        """`count` new complaints, as (method, path, body, signer, expected status)."""
        made = []
        for _ in range(count):
            n = len(self.expected)
            code, lng, lat = self.grids.point(self.rng)
            external_id = f"{self.run}-{n:07d}"
            self.expected[external_id] = code
            body = json.dumps(
                {
                    "channel": "12345",
                    "external_id": external_id,
                    "received_at": datetime.now(UTC).isoformat(),
                    "type": TYPES[n % len(TYPES)],
                    "text": TEXTS[n % len(TEXTS)],
                    "address": f"柳州市城中区示例路{n % 500 + 1}号",
                    "location": {"lng": lng, "lat": lat, "crs": "wgs84"},
                    "caller": {
                        "name": f"{SURNAMES[n % len(SURNAMES)]}先生",
                        "phone": f"13{n % 10}{n:08d}"[-11:],
                    },
                    "anonymous": False,
                },
                ensure_ascii=False,
            ).encode()
            made.append(("POST", PATH, body, self.signed, 201))
        return made

    def signed(self, body: bytes) -> dict[str, str]:
        """The headers of docs/integration-auth.md: now, a new nonce, the signature."""
        from backend.core.security import sign

        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        return {
            "Content-Type": "application/json",
            "X-Firegrid-Key-Id": self.key_id,
            "X-Firegrid-Timestamp": timestamp,
            "X-Firegrid-Nonce": nonce,
            "X-Firegrid-Signature": sign(self.secret, "POST", PATH, timestamp, nonce, body),
        }


def health_requests(count: int) -> list[tuple]:
    return [("GET", "/healthz", None, None, 200)] * count


def run_block(urls: list[str], requests: list[tuple]) -> float:
    """Send `requests` over CLIENTS keep-alive connections at once, spread evenly over the
    servers at `urls`; the block's wall time. Any unexpected answer fails the benchmark."""
    queue, failures = deque(requests), []

    async def client(url: str) -> None:
        """One connection, one request at a time: plain HTTP/1.1 on asyncio streams, which
        costs the shared cores far less per request than a thread per connection."""
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            while queue:
                method, path, body, signer, expected = queue.popleft()
                head = [f"{method} {path} HTTP/1.1", f"Host: {parts.netloc}"]
                head += [f"{k}: {v}" for k, v in (signer(body) if signer else {}).items()]
                head.append(f"Content-Length: {len(body or b'')}")
                writer.write("\r\n".join(head).encode() + b"\r\n\r\n" + (body or b""))
                status = int((await reader.readline()).split()[1])
                length = None
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length is None:
                    raise RuntimeError(f"{method} {path}: an answer without Content-Length")
                payload = await reader.readexactly(length)
                if status != expected:
                    failures.append(f"{method} {path}: {status} {payload[:500]!r}")
        except Exception as exc:  # noqa: BLE001 - reported below, with the others
            failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            writer.close()

    async def clients() -> None:
        await asyncio.gather(*(client(urls[n % len(urls)]) for n in range(CLIENTS)))

    started = time.perf_counter()
    uvloop.run(clients())
    elapsed = time.perf_counter() - started
    if failures:
        sys.exit(f"{len(failures)} requests failed; the first: {failures[0]}")
    return elapsed


def measure(env: dict[str, str], workers: int, intake: Intake) -> tuple[float, float, list]:
    """Median intake and /healthz rates over alternating blocks, and the intake block rates."""
    with firegrid_servers(env, workers) as urls:
        run_block(urls, intake.requests(WARMUP * workers))
        run_block(urls, health_requests(HEALTH_BLOCK // 4))
        health, complaints = [], []
        for _ in range(ROUNDS):
            health.append(HEALTH_BLOCK / run_block(urls, health_requests(HEALTH_BLOCK)))
            block = intake.requests(INTAKE_BLOCK)  # bodies built outside the timing
            complaints.append(INTAKE_BLOCK / run_block(urls, block))
    return statistics.median(complaints), statistics.median(health), complaints


def verify(session_scope, intake: Intake) -> int:
    """Every complaint sent, stored and dispatched to the worker of its point's grid, with its
    caller, audit events, push and callback; the audit chain sound. The number checked."""
    from backend.core.audit import verify_chain

    prefix = {"prefix": f"{intake.run}-%"}
    with session_scope(read_only=True) as session:
        rows = session.execute(
            text(
                "SELECT c.external_id, c.state, a.code, u.username FROM complaints c "
                "LEFT JOIN areas a ON a.id = c.area_id "
                "LEFT JOIN users u ON u.id = c.assignee_id "
                "WHERE c.external_id LIKE :prefix"
            ),
            prefix,
        ).all()
        stored = {row[0]: row[1:] for row in rows}
        wrong = [
            (external_id, stored.get(external_id), code)
            for external_id, code in intake.expected.items()
            if stored.get(external_id) != ("dispatched", code, f"worker.{code}")
        ]
        assert not wrong, f"{len(wrong)} complaints not dispatched as expected, e.g. {wrong[:3]}"
        assert len(stored) == len(intake.expected), (len(stored), len(intake.expected))
        counts = {
            "callers": "SELECT count(*) FROM complaint_callers x "
            "JOIN complaints c ON c.id = x.complaint_id "
            "WHERE c.external_id LIKE :prefix AND x.sealed_phone IS NOT NULL",
            "audit events": "SELECT count(*) FROM audit_events x "
            "JOIN complaints c ON x.subject_type = 'complaint' "
            "AND x.subject_id = CAST(c.id AS text) "
            "WHERE c.external_id LIKE :prefix "
            "AND x.action IN ('complaint.received', 'complaint.dispatched')",
            "pushes": "SELECT count(*) FROM outbox x "
            "JOIN complaints c ON x.data ->> 'complaint_id' = CAST(c.id AS text) "
            "AND x.user_id = c.assignee_id WHERE c.external_id LIKE :prefix",
            "callbacks": "SELECT count(*) FROM hotline_callbacks x "
            "JOIN complaints c ON c.id = x.complaint_id "
            "WHERE c.external_id LIKE :prefix AND x.event = 'dispatched'",
        }
        per_complaint = {"callers": 1, "audit events": 2, "pushes": 1, "callbacks": 1}
        for name, query in counts.items():
            found = session.scalar(text(query), prefix)
            assert found == per_complaint[name] * len(stored), (name, found, len(stored))
        chain = verify_chain(session)
        assert chain.sound, f"audit chain broken at {chain.broken_seq}: {chain.reason}"
    return len(stored)


def main() -> None:
    url = os.environ.get("FIREGRID_BENCH_DATABASE_URL")
    if not url:
        sys.exit(
            "complaints benchmark needs FIREGRID_BENCH_DATABASE_URL (PostGIS); run `make bench B=complaints`"
        )
    os.environ["FIREGRID_DATA_DIR"] = tempfile.mkdtemp(prefix="firegrid-bench-complaints-")
    targets = Targets()
    with using_database(url):
        from backend import demo
        from backend.core.audit import Actor
        from backend.core.db import session_scope
        from backend.core.settings import get_settings
        from backend.identity import partners
        from backend.identity.enums import Role
        from complaints import callbacks
        from grids import service as grids
        from grids import workforce

        settings = get_settings()
        setup = Actor(id=None, role="bench-setup")
        with session_scope() as session:
            demo.load(session, settings)
            partner = workforce.place_user(
                session,
                area=grids.area_by_code(session, DISTRICT),
                username="hotline.12345",
                password=None,
                role=Role.INTEGRATION,
                display_name="12345 hotline (bench)",
                certificate_number=None,
                certificate_expires_on=None,
                actor=setup,
            )
            key = partners.issue_integration_key(session, settings, partner, setup)
            callbacks.set_partner_callback(
                session, settings, partner.username, "https://hotline.example/firegrid", setup
            )
            place = Grids(session)
        print(
            f"backend: postgis; {len(place.shapes)} grids with an on-duty worker in {DISTRICT}; "
            f"{CLIENTS} client connections, {ROUNDS} blocks of {INTAKE_BLOCK} complaints and "
            f"{HEALTH_BLOCK} /healthz requests per configuration"
        )

        env = {**os.environ, "FIREGRID_LOG_LEVEL": "WARNING"}
        results = {}
        for workers in (1, MULTI):
            intake = Intake(key.key_id, key.secret, f"bench-w{workers}", place)
            rate, health, blocks = measure(env, workers, intake)
            checked = verify(session_scope, intake)
            results[workers] = (rate, health)
            print(
                f"{workers} API process{'es' if workers > 1 else ''}: intake {rate:,.0f} "
                f"complaints/s (blocks {min(blocks):,.0f}-{max(blocks):,.0f}), /healthz "
                f"{health:,.0f} req/s, ratio {rate / health:.3f}; {checked:,} complaints "
                "stored and dispatched to their grid's worker, with caller, 2 audit events, "
                "push and callback; audit chain sound"
            )

    # The target holds for the deployment docs/performance.md describes, one API process per
    # core; one process alone is reported above, for scale.
    rate, health = results[MULTI]
    targets.check(
        "complaints_intake_vs_healthz",
        rate / health,
        INTAKE_PER_HEALTHZ,
        lower_is_better=False,
        beside=(
            f"{MULTI} API processes: intake {rate:,.0f} complaints/s (goal ≥ {GOAL_RATE:,.0f}/s), "
            f"/healthz {health:,.0f} req/s; threshold = {GOAL_RATE:,.0f} / {HEALTHZ_WHEN_SET:,.0f}"
        ),
    )
    targets.exit()


if __name__ == "__main__":
    main()
