"""Notifications: one campaign's fan-out to 5,000 workers, and the worker's delivery rate to a
local push service, each against a baseline measured in the same run.

    make bench B=notify

On SpatiaLite and, when FIREGRID_BENCH_DATABASE_URL is given (as `make bench` provides), on
PostGIS.

1. Fan-out. 5,000 grid workers, each with one JPush registration, are inserted with multi-row
   inserts (untimed). A campaign-like `push_many` to all of them (5,000 inbox rows, the
   lookup of their devices' channels, 5,000 outbox rows, in one transaction) is timed against
   a plain multi-row insert of 5,000 outbox rows with the same columns, rounds alternating.
   Goal (issue 17): the fan-out enqueues in <= 2 s.
2. Delivery. DELIVER pending messages are delivered by the worker's `deliver_outbox` (one
   process, one pass; the real JPush SDK) to the local fake JPush of the tests (a threading
   HTTP server on loopback, in this process), against the same number of bare HTTP POSTs of
   the same kind of payload to the same fake from this process (`requests`, the library the
   JPush SDK sends with, one session), rounds alternating. Goal (issue 17): >= 500 messages/s.

Both goals were set with this benchmark (issue 17, 2026-12-05); the thresholds are each goal
divided by its baseline as measured on PostGIS in the run that set it (docs/performance.md).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import (  # noqa: E402
    Targets,
    backends,
    round_robin_medians,
    using_database,
)

WORKERS = 5_000
DELIVER = 1_000  # messages per delivery round
ROUNDS = 3

FANOUT_GOAL_S = 2.0
# The plain insert of 5,000 outbox rows when the goal was set (PostGIS, the run recorded in
# docs/performance.md): the fan-out may take FANOUT_GOAL_S / this many times as long.
FANOUT_BASELINE_S = 0.275
FANOUT_RATIO = round(FANOUT_GOAL_S / FANOUT_BASELINE_S, 1)

DELIVERY_GOAL_PER_S = 500.0
# Bare POSTs per second to the fake when the goal was set (same run): delivery must reach at
# least DELIVERY_GOAL_PER_S / this of the bare POSTs' rate.
DELIVERY_BASELINE_PER_S = 677.0
DELIVERY_RATIO = round(DELIVERY_GOAL_PER_S / DELIVERY_BASELINE_PER_S, 3)


def main() -> None:
    targets = Targets()
    for name, url in backends():
        print(f"--- {name}")
        with using_database(url):
            run(name, targets)
    targets.exit()


def run(backend: str, targets: Targets) -> None:
    import requests
    from pydantic import SecretStr
    from sqlalchemy import delete, select, update

    from backend.core import dialect
    from backend.core.db import session_scope, utcnow
    from backend.core.ids import new_ids
    from backend.core.settings import get_settings
    from backend.identity.models import User
    from backend.notify import service
    from backend.notify.enums import NotificationKind, PushStatus
    from backend.notify.models import Device, Notification, OutboxMessage
    from tests.backend.notify.fakes import FakeJPush

    fake = FakeJPush()
    # Keep-alive, as JPush's own servers keep connections: the SDK and the bare POSTs alike
    # reuse theirs, so neither measures TCP handshakes on loopback; without Nagle, as the
    # handler writes its headers and body apart and a kept connection would otherwise wait for
    # the delayed ACK (40 ms) on each answer.
    fake.server.RequestHandlerClass.protocol_version = "HTTP/1.1"
    fake.server.RequestHandlerClass.disable_nagle_algorithm = True
    settings = get_settings().model_copy(
        update={
            "jpush_app_key": FakeJPush.app_key,
            "jpush_master_secret": SecretStr(FakeJPush.master_secret),
            "jpush_base_url": fake.url,
            "push_pass_seconds": 3600.0,
        }
    )
    now = utcnow()
    user_ids = new_ids(WORKERS)
    with session_scope() as session:
        session.execute(delete(OutboxMessage))
        session.execute(delete(Notification))
        session.execute(delete(Device))
        session.execute(delete(User).where(User.username.like("bench.notify.%")))
        dialect.insert_rows(
            session,
            User.__table__,
            [
                {
                    "id": user_id,
                    "username": f"bench.notify.{n}",
                    "display_name": f"网格员 {n}",
                    "role": "grid_worker",
                    "scope_area_id": None,
                    "password_hash": None,
                    "is_active": True,
                    "session_version": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for n, user_id in enumerate(user_ids)
            ],
        )
        dialect.insert_rows(
            session,
            Device.__table__,
            [
                {
                    "token": f"jpush-reg-{n:06d}",
                    "user_id": user_id,
                    "platform": "android",
                    "provider": "jpush",
                    "subscription": None,
                    "registered_at": now,
                    "retired_at": None,
                }
                for n, user_id in enumerate(user_ids)
            ],
        )
    data = {"kind": NotificationKind.CAMPAIGN.value, "campaign_id": "bench"}
    messages = [
        (user_id, "专项整治：电动车充电", "请在本周内完成辖区检查", data) for user_id in user_ids
    ]

    # --- 1. Fan-out
    def fan_out() -> None:
        with session_scope() as session:
            assert service.push_many(session, messages, kind=NotificationKind.CAMPAIGN) == WORKERS

    def plain_insert() -> None:
        stamp = utcnow()
        with session_scope() as session:
            dialect.insert_rows(
                session,
                OutboxMessage.__table__,
                [
                    {
                        "id": message_id,
                        "channel": "jpush",
                        "user_id": user_id,
                        "notification_id": None,
                        "title": title,
                        "body": body,
                        "data": payload,
                        "status": PushStatus.PENDING.value,
                        "attempts": 0,
                        "next_attempt_at": stamp,
                        "last_error": None,
                        "created_at": stamp,
                        "delivered_at": None,
                    }
                    for (user_id, title, body, payload), message_id in zip(
                        messages, new_ids(WORKERS), strict=True
                    )
                ],
            )

    fan_s, insert_s = round_robin_medians([fan_out, plain_insert], ROUNDS)
    targets.check(
        f"notify_fanout_5k_vs_insert_{backend}",
        fan_s / insert_s,
        FANOUT_RATIO,
        beside=(
            f"fan-out to {WORKERS:,}: {fan_s:.3f} s (goal <= {FANOUT_GOAL_S} s); plain insert of "
            f"{WORKERS:,} outbox rows {insert_s:.3f} s; threshold {FANOUT_GOAL_S} s / "
            f"{FANOUT_BASELINE_S} s"
        ),
    )

    # --- 2. Delivery: DELIVER pending messages at a time, the rest held back
    with session_scope() as session:
        session.execute(delete(OutboxMessage))
    with session_scope() as session:
        service.push_many(session, messages[:DELIVER], kind=NotificationKind.CAMPAIGN)

    def make_pending() -> None:
        with session_scope() as session:
            session.execute(
                update(OutboxMessage).values(
                    status=PushStatus.PENDING.value,
                    attempts=0,
                    next_attempt_at=utcnow(),
                    delivered_at=None,
                )
            )

    delivered: list[int] = []

    def deliver() -> None:
        with session_scope() as session:
            delivered.append(service.deliver_outbox(session, settings, batch=DELIVER))

    body = json.dumps(
        {
            "platform": ["android"],
            "audience": {"registration_id": ["jpush-reg-000000"]},
            "notification": {
                "alert": messages[0][2],
                "android": {"alert": messages[0][2], "title": messages[0][1], "extras": data},
            },
        },
        ensure_ascii=False,
    ).encode()
    http = requests.Session()
    http.auth = (FakeJPush.app_key, FakeJPush.master_secret)

    def bare_posts() -> None:
        for _ in range(DELIVER):
            answer = http.post(
                fake.url + "push", data=body, headers={"Content-Type": "application/json"}
            )
            assert answer.status_code == 200, answer.text

    rounds: list[tuple[float, float]] = []
    for _ in range(ROUNDS):
        make_pending()
        deliver_s, posts_s = round_robin_medians([deliver, bare_posts], 1)
        rounds.append((deliver_s, posts_s))
    assert delivered == [DELIVER] * ROUNDS, delivered
    with session_scope() as session:
        left = session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.status != PushStatus.DELIVERED.value)
        )
    assert left is None
    deliver_s = sorted(r[0] for r in rounds)[ROUNDS // 2]
    posts_s = sorted(r[1] for r in rounds)[ROUNDS // 2]
    rate, bare_rate = DELIVER / deliver_s, DELIVER / posts_s
    targets.check(
        f"notify_delivery_vs_bare_posts_{backend}",
        rate / bare_rate,
        DELIVERY_RATIO,
        lower_is_better=False,
        beside=(
            f"delivery {rate:,.0f} messages/s (goal >= {DELIVERY_GOAL_PER_S:,.0f}/s); bare POSTs "
            f"to the same fake {bare_rate:,.0f}/s; threshold {DELIVERY_GOAL_PER_S:,.0f} / "
            f"{DELIVERY_BASELINE_PER_S:,.0f}"
        ),
    )
    http.close()
    fake.close()


if __name__ == "__main__":
    main()
