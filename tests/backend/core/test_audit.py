"""全程留痕: every change leaves a hash-chained event that cannot be edited unseen."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text

from backend.core import audit
from backend.core.audit import Actor, AuditEvent, verify_chain
from backend.core.dialect import append_only_triggers, drop_append_only_triggers

FIREGRID = str(Path(sys.executable).parent / "firegrid")


def run_cli(*args):
    return subprocess.run([FIREGRID, *args], capture_output=True, text=True, env=os.environ)


def record_some(db, n, subject="probe"):
    with db() as session:
        for i in range(n):
            audit.record(
                session,
                actor=Actor.system(),
                action="test.probe",
                subject_type=subject,
                subject_id=i,
                after={"n": i, "名": "测试"},
            )


def test_the_chain_verifies_after_real_activity(api, station_staff, village, db):
    api.patch(
        f"/api/v1/areas/{village.code}", json={"name": "新名"}, headers=station_staff.headers(api)
    )

    with db() as session:
        report = verify_chain(session)
        timeline = audit.events_for(session, "area", village.id)

    assert report.sound, report
    assert [e.action for e in timeline] == ["area.created", "area.renamed"]
    assert timeline[1].request_id  # tied to the HTTP request that made it


def test_a_batch_hashes_exactly_as_verify_recomputes_it_whatever_its_values(db):
    """A batch is hashed from texts prepared before the head row's lock (each event's
    canonical JSON on either side of its seq); verification recomputes every hash from the
    stored row, so the two must agree for any value an event can hold."""
    awkward = {
        "seq": 7,  # a key named like the chain's own fields, one level down
        "subject_id": "not this one",
        "名称": "消防通道\u2028堵塞",
        "z": [1, 2.5, None, {"b": True, "a": '"quoted"'}],
        "a": -0.0,
    }
    entries = [
        audit.Entry(Actor.system(), "test.values", "thing", n, before, after, where)
        for n, (before, after, where) in enumerate(
            [
                (None, awkward, None),
                (awkward, {"n": 1}, (109.41, 24.35)),
                ({}, None, (-179.999999, -89.5)),
            ]
        )
    ]
    with db() as session:
        written = audit.record_many(session, entries)
    assert [row["hash"] for row in written] == [
        audit.compute_hash(row["prev_hash"], row) for row in written
    ]
    assert [row["prev_hash"] for row in written[1:]] == [row["hash"] for row in written[:-1]]
    with db() as session:
        assert verify_chain(session).sound


def test_the_clients_gps_is_kept_as_evidence(api, station_staff, village, db):
    api.patch(
        f"/api/v1/areas/{village.code}",
        json={"name": "现场改名"},
        headers={**station_staff.headers(api), "X-Client-Location": "109.4123,24.3456"},
    )

    with db() as session:
        renamed = audit.events_for(session, "area", village.id)[-1]
    assert (renamed.client_lng, renamed.client_lat) == (109.4123, 24.3456)


def test_a_change_and_its_audit_event_commit_or_fail_together(db, village):
    from grids import service

    with pytest.raises(RuntimeError), db() as session:
        area = service.area_by_code(session, village.code)
        service.rename_area(session, area, "半途而废", None, Actor.system())
        raise RuntimeError("crash before commit")

    with db() as session:
        assert service.area_by_code(session, village.code).name != "半途而废"
        assert [e.action for e in audit.events_for(session, "area", village.id)] == ["area.created"]
        assert verify_chain(session).sound


def test_the_database_refuses_to_edit_or_delete_events(db, engine):
    record_some(db, 1)
    for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))


class Tamper:
    """Someone with DBA rights: lifts the append-only triggers, changes rows, then puts things
    back so the rest of the run keeps a sound chain."""

    def __init__(self, engine):
        self.engine = engine
        self.dialect = engine.dialect.name

    def __enter__(self):
        with self.engine.begin() as conn:
            for statement in drop_append_only_triggers(self.dialect, "audit_events"):
                conn.execute(text(statement))
        return self

    def row(self, seq):
        table = AuditEvent.__table__
        with self.engine.begin() as conn:
            return dict(conn.execute(select(table).where(table.c.seq == seq)).mappings().one())

    def put_back(self, row):
        with self.engine.begin() as conn:
            conn.execute(AuditEvent.__table__.insert().values(**row))

    def verify_without(self, db, seq):
        """The chain's verdict while event `seq` is deleted; the event is put back after."""
        original = self.row(seq)
        self.execute("DELETE FROM audit_events WHERE seq = :s", s=seq)
        try:
            with db() as session:
                return verify_chain(session)
        finally:
            self.put_back(original)

    def execute(self, sql, **params):
        with self.engine.begin() as conn:
            return conn.execute(text(sql), params)

    def __exit__(self, *exc):
        with self.engine.begin() as conn:
            for statement in append_only_triggers(self.dialect, "audit_events"):
                conn.execute(text(statement))


def last_probe_seqs(db, n):
    with db() as session:
        return list(
            reversed(
                session.scalars(
                    select(AuditEvent.seq)
                    .where(AuditEvent.action == "test.probe")
                    .order_by(AuditEvent.seq.desc())
                    .limit(n)
                ).all()
            )
        )


def test_an_edited_event_is_named_by_verify(db, engine):
    record_some(db, 3)
    first, middle, last = last_probe_seqs(db, 3)

    with Tamper(engine) as tamper:
        original = tamper.row(middle)
        tamper.execute(
            "UPDATE audit_events SET after = :a WHERE seq = :s", a='{"n": 999}', s=middle
        )
        try:
            with db() as session:
                report = verify_chain(session)
            cli = run_cli("audit", "verify")
        finally:
            tamper.execute("DELETE FROM audit_events WHERE seq = :s", s=middle)
            tamper.put_back(original)

    assert report.broken_seq == middle
    assert "edited" in report.reason
    assert cli.returncode != 0
    assert f"event seq {middle}" in cli.stderr
    with db() as session:
        assert verify_chain(session).sound


def test_a_deleted_event_is_named_by_verify(db, engine):
    record_some(db, 3)
    first, middle, last = last_probe_seqs(db, 3)

    with Tamper(engine) as tamper:
        report = tamper.verify_without(db, middle)

    assert report.broken_seq == last
    assert f"event {middle} is missing" in report.reason


def test_cutting_off_the_newest_events_is_caught(db, engine):
    record_some(db, 2)
    seq = last_probe_seqs(db, 1)[0]

    with Tamper(engine) as tamper:
        report = tamper.verify_without(db, seq)

    assert not report.sound
    assert "removed" in report.reason


def test_verify_passes_on_a_sound_chain_from_the_command_line(db):
    record_some(db, 2)
    result = run_cli("audit", "verify")
    assert result.returncode == 0, result.stderr
    assert "audit chain sound" in result.stdout


def test_concurrent_writers_keep_one_linear_chain(db):
    errors = []

    def writer(k):
        try:
            record_some(db, 10, subject=f"writer-{k}")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    with db() as session:
        assert verify_chain(session).sound
        for k in range(4):
            assert len(audit.events_for(session, f"writer-{k}", 0)) == 1
