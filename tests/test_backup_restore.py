"""The restore drill, as an operator does it each quarter: back up a running demo with the real
`firegrid backup`, restore it into a fresh database and a fresh photo folder with `firegrid
restore`, and find the audit chain sound, every photo there with its hash and the same
counts. A target that holds data, and a damaged backup, are refused."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from backend import backup
from tests.world import jpeg

FIREGRID = str(Path(sys.executable).parent / "firegrid")


def firegrid(*args, env=None):
    return subprocess.run(
        [FIREGRID, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


@pytest.fixture
def target(tmp_path, request):
    """A fresh deployment: an empty database (PostGIS: a new database with the extension, as
    an operator would create it) and an empty data folder; as environment variables."""
    data_dir = tmp_path / "restored"
    data_dir.mkdir()
    if request.config.firegrid_backend == "spatialite":
        url = f"sqlite:///{data_dir}/firegrid.sqlite"
    else:
        import psycopg

        source = make_url(os.environ["FIREGRID_DATABASE_URL"])
        name = f"firegrid_restore_{secrets.token_hex(4)}"
        admin = source.set(drivername="postgresql", database="postgres")
        admin_dsn = admin.render_as_string(hide_password=False)
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

        def drop():
            with psycopg.connect(admin_dsn, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        request.addfinalizer(drop)
        url = source.set(database=name).render_as_string(hide_password=False)
        with psycopg.connect(
            source.set(drivername="postgresql", database=name).render_as_string(
                hide_password=False
            ),
            autocommit=True,
        ) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return {"FIREGRID_DATABASE_URL": url, "FIREGRID_DATA_DIR": str(data_dir)}


def settings_of(env: dict[str, str]):
    """The target deployment's settings, for the checks run in this process."""
    from backend.core.settings import get_settings

    return get_settings().model_copy(
        update={
            "database_url": env["FIREGRID_DATABASE_URL"],
            "data_dir": Path(env["FIREGRID_DATA_DIR"]),
        }
    )


def counts(engine) -> dict[str, int]:
    from backend.core.audit import AuditEvent
    from backend.identity.models import User
    from complaints.models import Complaint
    from grids.models import Area
    from grids.premises.models import Premises
    from hazards.models import Hazard, HazardPhoto

    with engine.connect() as conn:
        return {
            model.__name__: conn.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (Area, User, Premises, Hazard, HazardPhoto, Complaint, AuditEvent)
        }


def load_demo_with_photos(api, db) -> list[str]:
    """The demo, and three photos (JPEG and PNG) sent by a demo worker through the API."""
    import io

    from PIL import Image

    from backend import demo
    from backend.core.settings import get_settings
    from backend.identity.models import User
    from hazards.models import Hazard

    with db() as session:
        logins = demo.load(session, get_settings())
        hazard_id, username = session.execute(
            select(Hazard.id, User.username)
            .join(User, User.id == Hazard.reporter_id)
            .where(User.role == "grid_worker")
            .limit(1)
        ).one()
    token = api.post(
        "/api/v1/auth/token", data={"username": username, "password": logins[demo.WORKER_LOGIN]}
    ).json()["access_token"]
    png = io.BytesIO()
    Image.new("RGB", (640, 480), (20, 120, 200)).save(png, "PNG")
    sent = []
    for data, mime in (
        (jpeg(), "image/jpeg"),
        (jpeg(1600, 1200, gps=None), "image/jpeg"),
        (png.getvalue(), "image/png"),
    ):
        answer = api.post(
            f"/api/v1/hazards/{hazard_id}/photos",
            params={"kind": "before"},
            content=data,
            headers={"Authorization": f"Bearer {token}", "Content-Type": mime},
        )
        assert answer.status_code == 201, answer.text
        sent.append(hashlib.sha256(data).hexdigest())
    return sent


def test_the_restore_drill(api, db, engine, target, tmp_path):
    from backend.core.db import build_engine
    from notices.models import Notice

    sent = load_demo_with_photos(api, db)
    before = counts(engine)
    out = tmp_path / "backup"

    made = firegrid("backup", str(out), "--with-media")

    assert made.returncode == 0, made.stderr
    info = json.loads((out / "backup.json").read_text())
    assert info["alembic_revision"] and info["files"]["media-manifest.jsonl"]["sha256"]
    assert os.environ["FIREGRID_SECRET_KEY"] not in (out / "backup.json").read_text()
    manifest = [
        json.loads(line) for line in (out / "media-manifest.jsonl").read_text().splitlines()
    ]
    assert set(sent) <= {entry["sha256"] for entry in manifest}
    with db() as session:  # the demo's order to rectify, issued as a PDF
        notice_pdfs = set(session.scalars(select(Notice.pdf_sha256)))
    assert notice_pdfs and notice_pdfs <= {
        entry["sha256"] for entry in manifest if entry["used_by"] == ["notices"]
    }

    restored = firegrid("restore", str(out), env=target)

    assert restored.returncode == 0, restored.stdout + restored.stderr
    verified = firegrid("audit", "verify", env=target)
    assert verified.returncode == 0, verified.stderr
    assert "audit chain sound" in verified.stdout
    media_root = Path(target["FIREGRID_DATA_DIR"]) / "media"
    for entry in manifest:
        for item in entry["files"]:
            data = (media_root / item["key"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == item["sha256"]
            if item["variant"] == "original":
                assert item["sha256"] == entry["sha256"]
    target_engine = build_engine(target["FIREGRID_DATABASE_URL"])
    try:
        assert counts(target_engine) == before
    finally:
        target_engine.dispose()
    target_settings = settings_of(target)
    assert backup.restore(target_settings, out, check_only=True).problems == []

    with pytest.raises(backup.BackupError, match="already holds firegrid data"):
        backup.restore(target_settings, out)  # the target now holds data

    (media_root / manifest[0]["files"][1]["key"]).write_bytes(b"not the photo")
    problems = backup.restore(target_settings, out, check_only=True).problems
    assert problems == [
        f"{manifest[0]['files'][1]['key']}: content differs from the backup's sha256"
    ]


def test_a_damaged_backup_is_refused_by_its_hash(db, target, tmp_path):
    from backend.core.settings import get_settings

    out = tmp_path / "backup"
    backup.backup(get_settings(), out, with_media=False)
    dump = next(out.glob("database.*"))
    with dump.open("r+b") as handle:
        handle.seek(dump.stat().st_size // 2)
        byte = handle.read(1)
        handle.seek(-1, os.SEEK_CUR)
        handle.write(bytes([byte[0] ^ 0xFF]))

    with pytest.raises(backup.BackupError, match=f"{dump.name}: sha256 differs"):
        backup.restore(settings_of(target), out)
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.backup(get_settings(), out, with_media=False)  # never into a used folder
    assert backup.rows_in_target(settings_of(target)) == {}  # nothing was restored


@pytest.mark.postgresql_only
def test_client_tools_of_another_major_version_are_refused(engine, tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "pg_dump"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 99.1'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")

    with pytest.raises(backup.BackupError, match=r"pg_dump is version 99 but the server is"):
        backup.check_tool_version("pg_dump", engine)


def test_the_manifest_lists_what_units_were_served_and_sent(db, engine, township, grid_worker):
    """A notice's PDF and its signed receipt, a measure's signed record sent as a PDF: files a
    restore without them would leave a notice that cannot be shown."""
    from backend.core import media
    from grids.units.models import Unit
    from measures.models import Measure
    from notices.models import Notice, NoticeSignature

    pdf, receipt = hashlib.sha256(b"notice").hexdigest(), hashlib.sha256(b"receipt").hexdigest()
    record = hashlib.sha256(b"record").hexdigest()
    with db() as session:
        unit = Unit(
            name="演示单位", uscc="91450202MA5L000000", area_id=township.id, area_path=township.code
        )
        session.add(unit)
        session.flush()
        notice = Notice(
            kind="rectification_order",
            series="消限字",
            year=2026,
            seq=99,
            number="消限字〔2026〕第0099号",
            area_path=township.code,
            issuer="演示消防救援大队",
            unit_name="演示单位",
            unit_address="演示路1号",
            pdf_sha256=pdf,
            pdf_size=6,
            state="served",
            evidence_sha256=receipt,
            evidence_mime="image/jpeg",
        )
        session.add(notice)
        session.flush()
        late = hashlib.sha256(b"signed on site, after the paper receipt").hexdigest()
        session.add(  # a signature that came after the paper receipt: kept all the same
            NoticeSignature(
                id=uuid.uuid4(),
                user_id=grid_worker.id,
                notice_id=notice.id,
                signer_name="张三",
                signer_role="responsible",
                signed_at=datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
                sha256=late,
                size=9,
                state="conflict",
            )
        )
        session.add(
            Measure(
                unit_id=unit.id,
                kind="reminder",
                state="recorded",
                held_on=date(2026, 12, 1),
                place="演示",
                attendees=[],
                findings="演示",
                outcome="",
                hazard_ids=[],
                document_sha256=record,
                document_mime="application/pdf",
                document_size=6,
            )
        )

    listed = {entry["sha256"]: entry for entry in backup.referenced_files(engine)}

    assert [f["key"] for f in listed[pdf]["files"]] == [media.photo_key(pdf, "notice", "pdf")]
    assert [f["variant"] for f in listed[receipt]["files"]] == ["original", "public", "thumbnail"]
    assert [f["key"] for f in listed[record]["files"]] == [
        media.photo_key(record, "document", "pdf")
    ]
    assert (listed[pdf]["used_by"], listed[record]["used_by"]) == (["notices"], ["measures"])
    assert listed[late]["used_by"] == ["notice_signatures"]
    assert [f["key"] for f in listed[late]["files"]][0] == media.photo_key(late, "original", "png")


def test_the_manifest_lists_bulletins_files(db, engine, township):
    from bulletins.models import Bulletin

    pdf, page = hashlib.sha256(b"pdf").hexdigest(), hashlib.sha256(b"page").hexdigest()
    with db() as session:
        session.add(
            Bulletin(
                area_id=township.id,
                area_code=township.code,
                area_name="演示镇",
                area_level="township",
                area_path=township.code,
                month="2026-11",
                figures={},
                pdf_sha256=pdf,
                pdf_size=3,
                page_sha256s=[page],
            )
        )

    listed = {entry["sha256"]: entry for entry in backup.referenced_files(engine)}

    assert [f["key"] for f in listed[pdf]["files"]] == [f"bulletin/{pdf[:2]}/{pdf}.pdf"]
    assert [f["key"] for f in listed[page]["files"]] == [f"bulletin-page/{page[:2]}/{page}.png"]
