"""Backups of a deployment, and restoring one into an empty deployment.

A backup is a folder: the database (SQLite's online backup, or PostgreSQL's `pg_dump
--format=custom`), a manifest of every file in the photo store the database refers to (one
JSON object a line), optionally those files, and `backup.json`, which names the schema
revision, the firegrid version, the time and the sha256 of every other file. It lives in the
composition root because only here are all the tables that refer to stored files known.

The service's secret key is never written: what it sealed (phone numbers, partners' keys)
reads again only where the same FIREGRID_SECRET_KEY is set (docs/operations.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, inspect, select, table, text
from sqlalchemy.engine import make_url

from backend.core import media, migrations
from backend.core.audit import verify_chain
from backend.core.db import build_engine, normalise_url, sqlite_module
from backend.core.settings import Settings

FORMAT = 1
INFO = "backup.json"
MANIFEST = "media-manifest.jsonl"
MEDIA_DIR = "media"
SQLITE_DUMP = "database.sqlite"
POSTGRES_DUMP = "database.pgdump"
ABOUT_THE_KEY = (
    "FIREGRID_SECRET_KEY is not in this backup; sealed data (phone numbers, partners' keys) "
    "reads again only with the same key"
)


class BackupError(Exception):
    """What stops a backup or a restore, said for the operator."""


@dataclass
class RestoreReport:
    restored: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _backend(url: str) -> str:
    return "sqlite" if make_url(normalise_url(url)).get_backend_name() == "sqlite" else "postgresql"


# --- What the database refers to in the photo store ---------------------------------------------


def referenced_files(engine: Engine) -> Iterator[dict[str, Any]]:
    """Every stored file the database refers to, one entry per content hash: the photos of
    hazards, complaints and fire alerts, the receipts and signatures of served notices and the photos sent
    as documents (original, public copy, thumbnail); the notices' PDFs, the documents sent as
    PDFs (measures' signed records, commitments), and the bulletins' PDFs and page images.
    Derived copies are not hashed in the database, so their hash is taken from the store now,
    and checked against it after a restore."""
    from backend.core.documents import PDF_VARIANT as DOCUMENT_VARIANT
    from bulletins.models import Bulletin
    from bulletins.service import PAGE_VARIANT, PDF_VARIANT
    from complaints.models import ComplaintPhoto
    from fires.alerts.models import AlertPhoto
    from grids.commitments.models import CommitmentDocument
    from hazards.models import HazardPhoto
    from measures.models import Measure
    from notices.enums import SignatureState
    from notices.models import Notice, NoticeSignature
    from notices.service import PDF_VARIANT as NOTICE_VARIANT

    photos: dict[str, dict[str, Any]] = {}
    files: dict[str, tuple[str, str, set[str]]] = {}  # sha256 -> (variant, extension, used by)

    def photo(sha: str, mime: str, size: int | None, used_by: str) -> None:
        entry = photos.setdefault(sha, {"sha256": sha, "mime": mime})
        if size is not None:
            entry.setdefault("size", size)
        entry.setdefault("used_by", []).append(used_by)

    def single(sha: str, variant: str, ext: str, used_by: str) -> None:
        files.setdefault(sha, (variant, ext, set()))[2].add(used_by)

    with engine.connect() as conn:
        for model in (HazardPhoto, ComplaintPhoto, AlertPhoto):
            for sha, mime, size in conn.execute(
                select(model.sha256, model.mime, model.size).distinct()
            ):
                photo(sha, mime, size, model.__tablename__)
        for sha, mime in conn.execute(
            select(Notice.evidence_sha256, Notice.evidence_mime).where(
                Notice.evidence_sha256.is_not(None)
            )
        ):
            photo(sha, mime, None, "notices")
        for sha, size in conn.execute(  # kept whether they served the notice or came too late
            select(NoticeSignature.sha256, NoticeSignature.size).where(
                NoticeSignature.state.in_((SignatureState.SERVED, SignatureState.CONFLICT))
            )
        ):
            photo(sha, "image/png", size, "notice_signatures")
        for sha in conn.scalars(select(Notice.pdf_sha256)):
            single(sha, NOTICE_VARIANT, "pdf", "notices")
        for table, rows in (
            (
                "measures",
                conn.execute(
                    select(
                        Measure.document_sha256, Measure.document_mime, Measure.document_size
                    ).where(Measure.document_sha256.is_not(None))
                ),
            ),
            (
                "commitment_documents",
                conn.execute(
                    select(
                        CommitmentDocument.sha256, CommitmentDocument.mime, CommitmentDocument.size
                    )
                ),
            ),
        ):
            for sha, mime, size in rows:
                if mime == "application/pdf":
                    single(sha, DOCUMENT_VARIANT, "pdf", table)
                else:
                    photo(sha, mime, size, table)
        for pdf, pages in conn.execute(select(Bulletin.pdf_sha256, Bulletin.page_sha256s)):
            if pdf:  # empty only inside the transaction that makes a bulletin
                single(pdf, PDF_VARIANT, "pdf", "bulletins")
            for page in pages or []:
                single(page, PAGE_VARIANT, "png", "bulletins")
    for sha in sorted(photos):
        entry = photos[sha]
        entry["used_by"] = sorted(set(entry["used_by"]))
        entry["files"] = [
            {
                "variant": "original",
                "key": media.photo_key(sha, "original", media.EXTENSIONS[entry["mime"]]),
            },
            {"variant": "public", "key": media.photo_key(sha, "public", "jpg")},
            {"variant": "thumbnail", "key": media.photo_key(sha, "thumbnail", "jpg")},
        ]
        yield entry
    for sha in sorted(files):
        variant, ext, used_by = files[sha]
        yield {
            "sha256": sha,
            "mime": "application/pdf" if ext == "pdf" else "image/png",
            "used_by": sorted(used_by),
            "files": [{"variant": variant, "key": media.photo_key(sha, variant, ext)}],
        }


# --- Backing up ---------------------------------------------------------------------------------


def backup(settings: Settings, out_dir: Path, *, with_media: bool) -> dict[str, Any]:
    """Write a backup into `out_dir` (new, or empty) and return its `backup.json`."""
    if out_dir.exists() and any(out_dir.iterdir()):
        raise BackupError(f"{out_dir} is not empty; give a new folder for each backup")
    out_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    kind = _backend(url)
    engine = build_engine(url)
    try:
        revisions = sorted(migrations.current_revisions(engine))
        if not revisions:
            raise BackupError("the database has no schema yet (run `firegrid db upgrade`)")
        # The dump first, the manifest second, read from the live database: a photo stored
        # in between is in the manifest too (one more file is harmless), so every file the
        # dump refers to is in the manifest, and the check after a restore covers them all.
        server_version = None
        if kind == "sqlite":
            dump = out_dir / SQLITE_DUMP
            _sqlite_copy(Path(make_url(normalise_url(url)).database or ""), dump)
        else:
            dump = out_dir / POSTGRES_DUMP
            server_version = _pg_dump(engine, url, dump)
        missing, photo_count, file_count = _write_manifest(
            engine, media.store_for(settings), out_dir, with_media=with_media
        )
    finally:
        engine.dispose()
    files = {
        path.relative_to(out_dir).as_posix(): {
            "sha256": sha256_file(path),
            "size": path.stat().st_size,
        }
        for path in sorted(out_dir.rglob("*"))
        if path.is_file()
    }
    info = {
        "format": FORMAT,
        "firegrid_version": _version(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": {"backend": kind, "server_version": server_version, "dump": dump.name},
        "alembic_revision": revisions,
        "media": {
            "photos": photo_count,
            "files": file_count,
            "missing_at_backup": missing,
            "included": with_media,
            "store": settings.photo_store,
        },
        "secret_key": ABOUT_THE_KEY,
        "files": files,
    }
    (out_dir / INFO).write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    return info


def _version() -> str:
    try:
        return package_metadata.version("firegrid")
    except package_metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        return "unknown"


def _write_manifest(
    engine: Engine, store: media.PhotoStore, out_dir: Path, *, with_media: bool
) -> tuple[list[str], int, int]:
    missing: list[str] = []
    photos = files = 0
    with (out_dir / MANIFEST).open("w", encoding="utf-8") as manifest:
        for entry in referenced_files(engine):
            photos += 1
            for item in entry["files"]:
                files += 1
                try:
                    data = store.read(item["key"])
                except (OSError, KeyError, LookupError):
                    item["missing"] = True
                    missing.append(item["key"])
                    continue
                item["sha256"], item["size"] = hashlib.sha256(data).hexdigest(), len(data)
                if with_media:
                    target = out_dir / MEDIA_DIR / item["key"]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
            manifest.write(json.dumps(entry, sort_keys=True) + "\n")
    return missing, photos, files


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy while the service goes on writing."""
    sqlite = sqlite_module()
    src = sqlite.connect(str(source))
    dst = sqlite.connect(str(target))
    try:
        with dst:
            src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()


def _libpq_env(url: str) -> dict[str, str]:
    """The connection as libpq's environment, so the password is never on a command line."""
    parsed = make_url(normalise_url(url))
    env = dict(os.environ)
    for name, value in (
        ("PGHOST", parsed.host),
        ("PGPORT", parsed.port),
        ("PGUSER", parsed.username),
        ("PGPASSWORD", parsed.password),
        ("PGDATABASE", parsed.database),
    ):
        if value is not None:
            env[name] = str(value)
    for key, value in parsed.query.items():
        if key == "sslmode":
            env["PGSSLMODE"] = str(value)
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client tools (postgresql-client)"
        )
    return found


def _server_major(engine: Engine) -> tuple[int, str]:
    with engine.connect() as conn:
        number = int(conn.execute(text("SHOW server_version_num")).scalar_one())
        version = str(conn.execute(text("SHOW server_version")).scalar_one())
    return number // 10000, version


def check_tool_version(tool: str, engine: Engine) -> str:
    """The client tool's major version must be the server's: an older pg_dump refuses a newer
    server, and a newer one writes archives an older pg_restore cannot read."""
    path = _tool(tool)
    output = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    client = int(match.group(1)) if match else -1
    server, version = _server_major(engine)
    if client != server:
        raise BackupError(
            f"{tool} is version {client} but the server is PostgreSQL {server} ({version}); "
            f"use the client tools of version {server} (Debian: postgresql-client-{server}, "
            f"e.g. /usr/lib/postgresql/{server}/bin/{tool} first on PATH)"
        )
    return version


def _pg_dump(engine: Engine, url: str, dump: Path) -> str:
    version = check_tool_version("pg_dump", engine)
    done = subprocess.run(
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}"],
        env=_libpq_env(url),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return version


# --- Restoring ----------------------------------------------------------------------------------


def read_backup(source: Path) -> dict[str, Any]:
    """`backup.json`, after checking every file it lists against its sha256."""
    info_path = source / INFO
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BackupError(
            f"{source} is not a firegrid backup: cannot read {INFO} ({exc.strerror})"
        ) from None
    except ValueError as exc:
        raise BackupError(f"{info_path} is damaged: {exc}") from None
    if info.get("format") != FORMAT:
        raise BackupError(
            f"{source} has backup format {info.get('format')!r}; this firegrid reads {FORMAT}"
        )
    bad = []
    for name, expected in info["files"].items():
        path = source / name
        if not path.is_file():
            bad.append(f"{name}: missing")
        elif sha256_file(path) != expected["sha256"]:
            bad.append(f"{name}: sha256 differs from backup.json (damaged or changed)")
    if bad:
        raise BackupError("the backup does not match its backup.json:\n  " + "\n  ".join(bad))
    return info


def rows_in(engine: Engine) -> dict[str, int]:
    """firegrid's tables that hold rows (the extensions' own tables, such as PostGIS's
    spatial_ref_sys and SpatiaLite's metadata, do not count)."""
    from backend.models import metadata

    names = set(inspect(engine).get_table_names())
    ours = (set(metadata.tables) | {"alembic_version"}) & names
    counts = {}
    with engine.connect() as conn:
        for name in sorted(ours):
            count = conn.execute(select(func.count()).select_from(table(name))).scalar_one()
            if count:
                counts[name] = count
    return counts


def restore(settings: Settings, source: Path, *, check_only: bool = False) -> RestoreReport:
    """Restore a backup into this deployment's database and photo store, which must hold no
    firegrid data, then check it; `check_only` runs the checks alone."""
    info = read_backup(source)
    report = RestoreReport()
    url = settings.resolved_database_url
    kind = _backend(url)
    if info["database"]["backend"] != kind:
        raise BackupError(
            f"the backup is of a {info['database']['backend']} database; this deployment uses {kind}"
        )
    known = set(_all_revisions())
    unknown = [r for r in info["alembic_revision"] if r not in known]
    if unknown:
        raise BackupError(
            f"the backup's schema revision {', '.join(unknown)} is newer than this firegrid "
            f"knows; restore with firegrid {info['firegrid_version']} or later"
        )
    store = media.store_for(settings)
    manifest = _read_manifest(source)
    if not check_only:
        _restore_database(info, source, url, kind)
        report.restored.append(f"database ({kind})")
        if info["media"]["included"]:
            put, kept = _restore_media(source, store, manifest)
            report.restored.append(f"{put} media files ({kept} already in the store)")
        else:
            report.notes.append(
                "the backup has the media manifest only: restore the photo store by its own "
                "means, then run `firegrid restore --check`"
            )
    report.problems += check(settings, info, manifest, store)
    if sorted(migrations.head_revisions()) != sorted(info["alembic_revision"]):
        report.notes.append("the schema is older than this firegrid's: run `firegrid db upgrade`")
    return report


def _all_revisions() -> Iterator[str]:
    from alembic.script import ScriptDirectory

    for script in ScriptDirectory(str(migrations.MIGRATIONS_DIR)).walk_revisions():
        yield script.revision


def _read_manifest(source: Path) -> list[dict[str, Any]]:
    with (source / MANIFEST).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _restore_database(info: dict[str, Any], source: Path, url: str, kind: str) -> None:
    engine = build_engine(url)
    try:
        occupied = rows_in(engine)
        if occupied:
            listed = ", ".join(f"{name} ({count})" for name, count in list(occupied.items())[:8])
            raise BackupError(
                "refusing to restore: the target database already holds firegrid data in "
                f"{len(occupied)} table(s): {listed}; restore only into an empty database"
            )
        if kind == "postgresql":
            check_tool_version("pg_restore", engine)
            _pg_restore(engine, url, source / info["database"]["dump"])
    finally:
        engine.dispose()
    if kind == "sqlite":
        target = Path(make_url(normalise_url(url)).database or "")
        for suffix in ("-wal", "-shm"):  # left by the empty target's own connections
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        _sqlite_copy(source / info["database"]["dump"], target)


def _pg_restore(engine: Engine, url: str, dump: Path) -> None:
    """Extensions are created first (as `db upgrade` does), so a target that has PostGIS
    already is as good as one without; pg_restore then skips the dump's CREATE EXTENSION."""
    tool, env = _tool("pg_restore"), _libpq_env(url)
    listing = subprocess.run([tool, "--list", str(dump)], capture_output=True, text=True, env=env)
    if listing.returncode != 0:
        raise BackupError(f"pg_restore cannot read {dump.name}: {listing.stderr.strip()}")
    extensions, kept = [], []
    for line in listing.stdout.splitlines():
        found = re.search(r"\bEXTENSION - (\S+)", line)
        if found:
            extensions.append(found.group(1))
            continue
        if " COMMENT - EXTENSION " in line:
            continue
        kept.append(line)
    with engine.begin() as conn:
        for name in extensions:
            conn.execute(text(f'CREATE EXTENSION IF NOT EXISTS "{name}"'))
    with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as handle:
        handle.write("\n".join(kept) + "\n")
    try:
        done = subprocess.run(
            [
                tool,
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--use-list={handle.name}",
                f"--dbname={env.get('PGDATABASE', '')}",
                str(dump),
            ],
            capture_output=True,
            text=True,
            env=env,
        )
    finally:
        os.unlink(handle.name)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed (nothing restored): {done.stderr.strip()}")


def _restore_media(
    source: Path, store: media.PhotoStore, manifest: list[dict[str, Any]]
) -> tuple[int, int]:
    """Files are named by content, so one already in the store is kept when it is the same
    and refused when it differs; nothing is ever overwritten."""
    put = kept = 0
    for entry in manifest:
        for item in entry["files"]:
            if item.get("missing"):
                continue
            path = source / MEDIA_DIR / item["key"]
            if store.exists(item["key"]):
                if hashlib.sha256(store.read(item["key"])).hexdigest() != item["sha256"]:
                    raise BackupError(
                        f"the photo store already holds {item['key']} with other content"
                    )
                kept += 1
                continue
            store.put(item["key"], path.read_bytes())
            put += 1
    return put, kept


def check(
    settings: Settings,
    info: dict[str, Any],
    manifest: list[dict[str, Any]],
    store: media.PhotoStore,
) -> list[str]:
    """After a restore: the schema revision is the backup's, the audit chain holds, and every
    file of the manifest is in the store with its hash. Returns what is wrong."""
    from sqlalchemy.orm import Session

    problems = []
    engine = build_engine(settings.resolved_database_url)
    try:
        current = sorted(migrations.current_revisions(engine))
        if current != sorted(info["alembic_revision"]):
            problems.append(
                f"schema revision is {', '.join(current) or 'none'}, the backup's "
                f"{', '.join(info['alembic_revision'])}"
            )
        with Session(engine) as session:
            chain = verify_chain(session)
        if not chain.sound:
            problems.append(f"audit chain broken at event seq {chain.broken_seq}: {chain.reason}")
    finally:
        engine.dispose()
    for entry in manifest:
        for item in entry["files"]:
            if item.get("missing"):
                problems.append(f"{item['key']}: already missing when the backup was made")
                continue
            try:
                data = store.read(item["key"])
            except (OSError, KeyError, LookupError):
                problems.append(f"{item['key']}: not in the photo store")
                continue
            if hashlib.sha256(data).hexdigest() != item["sha256"]:
                problems.append(f"{item['key']}: content differs from the backup's sha256")
    return problems


def rows_in_target(settings: Settings) -> dict[str, int]:
    """`rows_in` of a deployment's database, by its settings."""
    engine = build_engine(settings.resolved_database_url)
    try:
        return rows_in(engine)
    finally:
        engine.dispose()
