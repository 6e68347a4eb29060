"""What 全程留痕 costs: a change with its hash-chained audit event, against the same change
without one, on each backend; and verifying the chain against merely reading it.

    make bench B=audit_append
"""

from __future__ import annotations

import os
import sys
import time
import uuid

from sqlalchemy import insert, select

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.common import (
    Targets,
    backends,
    interleaved_medians,
    using_database,
)  # noqa: E402

ROUNDS = 200
CHAIN = 3000


def main() -> None:
    targets = Targets()
    for backend, url in backends():
        with using_database(url):
            from backend.core import audit
            from backend.core.audit import Actor, AuditEvent, verify_chain
            from backend.core.db import session_scope, utcnow
            from backend.identity.models import LoginThrottle

            def plain_change() -> None:
                with session_scope() as session:
                    session.execute(
                        insert(LoginThrottle).values(
                            username=uuid.uuid4().hex, failures=1, last_failed_at=utcnow()
                        )
                    )

            def audited_change() -> None:
                with session_scope() as session:
                    name = uuid.uuid4().hex
                    session.execute(
                        insert(LoginThrottle).values(
                            username=name, failures=1, last_failed_at=utcnow()
                        )
                    )
                    audit.record(
                        session,
                        actor=Actor.system(),
                        action="bench.change",
                        subject_type="bench",
                        subject_id=name,
                        after={"failures": 1},
                    )

            for _ in range(20):  # warm up connections and caches
                plain_change()
                audited_change()
            plain, audited = interleaved_medians(plain_change, audited_change, ROUNDS)
            print(
                f"{backend}: plain change {plain * 1e3:.2f} ms, audited change {audited * 1e3:.2f} ms (median of {ROUNDS})"
            )
            targets.check(f"audit_append_overhead_{backend}", audited / plain, 3.0)

            with session_scope() as session:
                for i in range(CHAIN):
                    audit.record(
                        session,
                        actor=Actor.system(),
                        action="bench.fill",
                        subject_type="bench",
                        subject_id=i,
                        after={"i": i},
                    )

            def read_only() -> None:
                with session_scope(read_only=True) as session:
                    for _ in session.scalars(select(AuditEvent).execution_options(yield_per=2000)):
                        pass

            def verify() -> None:
                with session_scope(read_only=True) as session:
                    assert verify_chain(session).sound

            started = time.perf_counter()
            read, checked = interleaved_medians(read_only, verify, 3)
            print(
                f"{backend}: read chain {read * 1e3:.0f} ms, verify chain {checked * 1e3:.0f} ms "
                f"({CHAIN + 2 * ROUNDS}+ events; {time.perf_counter() - started:.1f} s)"
            )
            targets.check(f"audit_verify_vs_read_{backend}", checked / read, 4.0)
    targets.exit()


if __name__ == "__main__":
    main()
