"""Several hosts, as deploy/ sets them up: Debian's nginx with the shipped site config in front of
two `firegrid serve` processes, and two `firegrid worker` processes on one PostgreSQL.

Through nginx a grid worker signs in, reports a hazard with a photo and uploads one by tus; the
requests reach both processes; the app sees the client's own address, and a client cannot
name another; with one process killed, requests keep succeeding. Two workers running at once
escalate each overdue hazard once, remind of each overdue complaint once, and deliver each push
and each hotline callback exactly once, none lost, while the API keeps adding callbacks.

PostgreSQL only (several processes on one database is what PostgreSQL is for here; SQLite lets
one writer in at a time): collected in the PostGIS run.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import time
import uuid
from collections import Counter
from datetime import timedelta

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select, update

from backend.core.audit import AuditEvent
from backend.core.db import utcnow
from backend.notify import service as notify
from backend.notify.models import OutboxMessage
from complaints.models import Complaint, HotlineCallback
from hazards.models import Hazard
from tests.backend.notify.conftest import CHANNEL_ENV
from tests.backend.notify.fakes import FakeJPush
from tests.cluster import running_cluster
from tests.complaints.conftest import callbacks_to
from tests.fakes import PartnerHotline
from tests.world import complaint_body, hazard_body, send_complaint

pytestmark = pytest.mark.postgresql_only

TUS = {"Tus-Resumable": "1.0.0"}


def served_env() -> dict[str, str]:
    """This test run's settings (database, secret key, data folder) for the processes."""
    return {**os.environ, "FIREGRID_LOG_LEVEL": "INFO"}


def noisy_jpeg(width=600, height=400) -> bytes:
    """A photo that does not compress away (some 100 kB): more than nginx keeps in memory."""
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "JPEG")
    return out.getvalue()


def requests_counted(url: str) -> int:
    """Requests this one process answered, from its own /metrics (asked directly)."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return int(
        sum(float(v) for v in re.findall(r"^http_requests_total\{[^}]*\} (\S+)$", text, re.M))
    )


def from_address(address: str) -> httpx.Client:
    """A client whose connections come from `address` (any of 127.0.0.0/8 is this machine)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=30)


def test_nginx_spreads_a_workers_day_over_two_processes_and_survives_losing_one(
    tmp_path, grid, grid_worker
):
    with running_cluster(served_env(), api_processes=2, tmp_dir=tmp_path) as cluster:
        before = [requests_counted(url) for url in cluster.api_urls]
        with httpx.Client(base_url=cluster.url, timeout=30) as web:
            signed = web.post(
                "/api/v1/auth/token",
                data={"username": grid_worker.username, "password": grid_worker.password},
            )
            assert signed.status_code == 200, cluster.logs()
            headers = {"Authorization": f"Bearer {signed.json()['access_token']}"}

            reported = web.post("/api/v1/hazards", json=hazard_body(), headers=headers)
            assert reported.status_code == 201, reported.text
            hazard_id = reported.json()["id"]
            photo = noisy_jpeg()
            attached = web.post(
                f"/api/v1/hazards/{hazard_id}/photos",
                content=photo,
                headers={**headers, "Content-Type": "image/jpeg"},
            )
            assert attached.status_code == 201, attached.text
            listed = web.get(f"/api/v1/hazards/{hazard_id}/photos", headers=headers).json()
            original = web.get(listed[0]["original_url"], headers=headers)
            assert original.content == photo  # whole, through nginx's temporary files

            # A phone's photo by tus, in two PATCHes streamed through nginx.
            upload = noisy_jpeg()
            metadata = (
                f"photo_id {base64.b64encode(str(uuid.uuid4()).encode()).decode()},"
                f"sha256 {base64.b64encode(hashlib.sha256(upload).hexdigest().encode()).decode()}"
            )
            created = web.post(
                "/api/v1/uploads/",
                headers={
                    **headers,
                    **TUS,
                    "Upload-Length": str(len(upload)),
                    "Upload-Metadata": metadata,
                },
            )
            assert created.status_code == 201, created.text
            where = created.headers["Location"]
            half = len(upload) // 2
            for offset, part in ((0, upload[:half]), (half, upload[half:])):
                patched = web.patch(
                    where,
                    content=part,
                    headers={
                        **headers,
                        **TUS,
                        "Upload-Offset": str(offset),
                        "Content-Type": "application/offset+octet-stream",
                    },
                )
                assert patched.status_code == 204, patched.text
            head = web.head(where, headers={**headers, **TUS})
            assert head.headers["Upload-Offset"] == str(len(upload))

            for _ in range(10):
                assert web.get("/api/v1/hazards?queue=true", headers=headers).status_code == 200
            gzipped = web.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
            assert gzipped.headers.get("content-encoding") == "gzip"

            after = [requests_counted(url) for url in cluster.api_urls]
            served = [a - b for a, b in zip(after, before, strict=True)]
            assert all(n >= 3 for n in served), served  # both processes took their share

            # Killed (a crash, the OOM killer): nginx passes requests, writes too, to the other.
            cluster.stop_api(0)
            for i in range(6):
                assert web.get("/api/v1/me", headers=headers).status_code == 200
                again = web.post(
                    "/api/v1/hazards", json=hazard_body(description=f"楼道堆物{i}"), headers=headers
                )
                assert again.status_code == 201, (again.status_code, again.text)


def test_the_app_sees_the_clients_address_through_nginx_and_no_forged_one(tmp_path):
    """/metrics answers only clients in FIREGRID_METRICS_ALLOW (here 127.0.0.1): through nginx
    the app judges the address nginx saw, whatever the client writes in X-Forwarded-For, and a
    client that is not nginx cannot name an address at all."""
    with running_cluster(served_env(), api_processes=2, tmp_dir=tmp_path) as cluster:
        forged = {"X-Forwarded-For": "127.0.0.1"}
        with from_address("127.0.0.1") as local, from_address("127.0.0.2") as other:
            assert local.get(f"{cluster.url}/metrics").status_code == 200
            for client, headers in ((other, {}), (other, forged)):
                refused = client.get(f"{cluster.url}/metrics", headers=headers)
                assert refused.status_code == 403
                # firegrid's refusal, not nginx's: nginx let the monitoring network through
                assert refused.headers["content-type"] == "application/problem+json"
            direct = cluster.api_urls[1]
            assert other.get(f"{direct}/metrics", headers=forged).status_code == 403
            proxied_for_other = {"X-Forwarded-For": "127.0.0.2"}
            assert local.get(f"{direct}/metrics", headers=proxied_for_other).status_code == 403


class SlowJPush(FakeJPush):
    """JPush taking 20 ms a push, so that two workers' passes overlap for real."""

    def handle(self, request, body):
        time.sleep(0.02)
        return super().handle(request, body)


def register_jpush(api, person, token: str) -> None:
    answer = api.post(
        "/api/v1/devices",
        json={"provider": "jpush", "token": token, "platform": "android"},
        headers=person.headers(api),
    )
    assert answer.status_code == 204, answer.text


def actions_per_subject(db, action: str, subjects: list) -> Counter:
    with db() as session:
        found = session.scalars(
            select(AuditEvent.subject_id).where(
                AuditEvent.action == action,
                AuditEvent.subject_id.in_([str(s) for s in subjects]),
            )
        ).all()
    return Counter(found)


HAZARDS, COMPLAINTS, PUSHES = 12, 8, 30


def test_two_workers_do_each_job_once_and_lose_none(
    tmp_path, api, db, hotline, grid_worker, grid_leader, station_staff
):
    jpush, partner = SlowJPush(), PartnerHotline()
    try:
        callbacks_to(db, hotline, partner.url)
        for person, token in ((grid_worker, "reg-worker"), (grid_leader, "reg-leader")):
            register_jpush(api, person, token)
        worker_headers = grid_worker.headers(api)
        hazard_ids = [
            api.post(
                "/api/v1/hazards",
                json=hazard_body(description=f"楼道堆物{i}"),
                headers=worker_headers,
            ).json()["id"]
            for i in range(HAZARDS)
        ]
        complaint_ids = []
        for i in range(COMPLAINTS):
            sent = send_complaint(api, hotline, complaint_body(f"12345-2026-{i:06d}"))
            assert sent.status_code in (200, 201), sent.text
            complaint_ids.append(sent.json()["id"])
        past = utcnow() - timedelta(minutes=1)
        with db() as session:
            session.execute(update(Hazard).values(escalate_at=past))
            session.execute(update(Complaint).values(alarm_at=past))
            for i in range(PUSHES):
                notify.push(session, [grid_worker.id], "巡查提醒", f"第{i}条", {"n": str(i)})
        jpush_before = len(jpush.received)

        env = {
            **served_env(),
            **CHANNEL_ENV,
            "FIREGRID_PUSH_CHANNEL": "jpush",
            "FIREGRID_JPUSH_BASE_URL": jpush.url,
        }
        with running_cluster(
            env, api_processes=2, workers=2, worker_interval_seconds=0.3, tmp_dir=tmp_path
        ) as cluster:
            # Meanwhile the worker signs half the complaints: new callbacks while both deliver.
            with httpx.Client(base_url=cluster.url, timeout=30) as web:
                token = web.post(
                    "/api/v1/auth/token",
                    data={"username": grid_worker.username, "password": grid_worker.password},
                ).json()["access_token"]
                for cid in complaint_ids[::2]:
                    signed = web.post(
                        f"/api/v1/complaints/{cid}/actions",
                        json={"action": "sign"},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    assert signed.status_code == 200, signed.text
            deadline = time.monotonic() + 45
            while not all_done(db):
                assert time.monotonic() < deadline, cluster.logs()
                time.sleep(0.3)
            time.sleep(1)  # a pass or two more each: nothing may go out again
            logs = cluster.logs()
        assert "job failed" not in logs, logs
    finally:
        jpush.close()
        partner.close()

    escalated = actions_per_subject(db, "hazard.escalated", hazard_ids)
    assert escalated == Counter({h: 1 for h in hazard_ids})
    reminded = actions_per_subject(db, "complaint.reminded", complaint_ids)
    assert reminded == Counter({c: 1 for c in complaint_ids})
    with db() as session:
        assert set(session.scalars(select(Hazard.level).where(Hazard.id.in_(hazard_ids)))) == {1}

    # Every push reached JPush once: the worker's 30, each escalation's to the village's grid
    # leader, each complaint's reminder to its worker.
    pushed = Counter(
        (
            tuple(p["audience"]["registration_id"]),
            tuple(sorted(p["notification"]["android"]["extras"].items())),
        )
        for p in jpush.received[jpush_before:]
    )
    assert max(pushed.values()) == 1, [k for k, n in pushed.items() if n > 1]
    extras = [dict(k[1]) for k in pushed]
    assert sorted(int(e["n"]) for e in extras if "n" in e) == list(range(PUSHES))
    assert sorted(e["hazard_id"] for e in extras if e.get("kind") == "hazard.escalated") == sorted(
        hazard_ids
    )
    assert sorted(
        e["complaint_id"] for e in extras if e.get("kind") == "complaint.reminded"
    ) == sorted(complaint_ids)

    # Every callback reached the hotline once, and each complaint's in order.
    deliveries = Counter(headers["x-firegrid-delivery"] for headers, _, _ in partner.accepted)
    assert max(deliveries.values()) == 1
    with db() as session:
        callback_ids = {str(i) for i in session.scalars(select(HotlineCallback.id))}
    assert set(deliveries) == callback_ids
    sequences: dict[str, list[int]] = {}
    for _, body, _ in partner.accepted:
        payload = json.loads(body)
        sequences.setdefault(payload["complaint_id"], []).append(payload["sequence"])
    signed_ones = set(complaint_ids[::2])
    assert sequences == {c: [1, 2] if c in signed_ones else [1] for c in complaint_ids}


def all_done(db) -> bool:
    """Nothing due is left: no pending push or callback, no overdue hazard or complaint."""
    now = utcnow()
    with db() as session:
        return not any(
            session.scalar(select(func.count()).select_from(model).where(*where))
            for model, where in (
                (OutboxMessage, [OutboxMessage.status == "pending"]),
                (HotlineCallback, [HotlineCallback.status == "pending"]),
                (Hazard, [Hazard.escalate_at <= now]),
                (Complaint, [Complaint.alarm_at <= now]),
            )
        )
