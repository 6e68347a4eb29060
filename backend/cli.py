"""The `firegrid` command. Every subcommand reads FIREGRID_DATABASE_URL (and the other
FIREGRID_* settings)."""

from __future__ import annotations

import getpass
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from backend.core.audit import Actor
from backend.core.errors import Problem
from backend.core.settings import ConfigurationError, get_settings

app = typer.Typer(help="firegrid: grid-based fire-safety patrol backend.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Users and their roles.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
areas_app = typer.Typer(help="The area tree.", no_args_is_help=True)
integrations_app = typer.Typer(help="Partner systems (hotlines).", no_args_is_help=True)
grids_app = typer.Typer(help="Grids: splitting townships.", no_args_is_help=True)
inspections_app = typer.Typer(help="Random inspections (双随机).", no_args_is_help=True)
outbox_app = typer.Typer(
    help="Messages on their way out: push, texts, hotline callbacks.", no_args_is_help=True
)
calendar_app = typer.Typer(
    help="The working-day calendar: public holidays and 调休.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(calendar_app, name="calendar")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(demo_app, name="demo")
app.add_typer(areas_app, name="areas")
app.add_typer(integrations_app, name="integrations")
app.add_typer(grids_app, name="grids")
app.add_typer(inspections_app, name="inspections")
app.add_typer(outbox_app, name="outbox")
risk_app = typer.Typer(help="The explainable risk score.", no_args_is_help=True)
app.add_typer(risk_app, name="risk")
media_app = typer.Typer(help="Photos and other stored files.", no_args_is_help=True)
app.add_typer(media_app, name="media")

CLI_ACTOR = Actor(id=None, role="cli")


def _fail(message: str, code: int = 1) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT", help="Port (or PORT).")] = 8000,
    workers: Annotated[int, typer.Option(help="API processes.")] = 1,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs)."""
    import uvicorn

    from backend.app import check_plugins, proxy_options

    try:
        get_settings().check_for_startup()
        check_plugins(get_settings())
    except ConfigurationError as exc:
        _fail(f"refusing to start: {exc}")

    uvicorn.run(
        "backend.app:served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        server_header=False,  # no banner naming the server and its version
        log_config=None,
        **proxy_options(get_settings()),
    )


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="Run every job once and exit.")] = False,
) -> None:
    """Run the periodic jobs (deadlines, escalation, outbox) until stopped."""
    from backend import worker as worker_loop
    from backend.app import check_plugins
    from backend.core.logging import configure_logging

    settings = get_settings()
    try:
        check_plugins(settings)
    except ConfigurationError as exc:
        _fail(f"refusing to start: {exc}")
    configure_logging(settings.log_level, settings.log_json)
    if once:
        typer.echo(json.dumps(worker_loop.run_once(settings)))
    else:
        worker_loop.run_forever(settings)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the database to the newest schema (idempotent)."""
    from backend.core import migrations

    url = get_settings().resolved_database_url
    migrations.upgrade(url, revision)
    typer.echo(f"database at {revision}")


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Repeat: "):
            _fail("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


@users_app.command("create")
def users_create(
    username: str,
    role: Annotated[
        str,
        typer.Option(
            help="citizen, grid_worker, grid_leader, station_staff, "
            "brigade_staff, dispatcher, admin or integration"
        ),
    ],
    scope: Annotated[
        str | None, typer.Option(help="Area code: the staff's scope, or the grid worker's grid.")
    ] = None,
    display_name: Annotated[str | None, typer.Option()] = None,
    certificate_number: Annotated[str | None, typer.Option(help="执法证 number")] = None,
    certificate_expires: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    phone: Annotated[str | None, typer.Option(help="Mobile number, for texts (SMS)")] = None,
) -> None:
    """Create a user; the password is read from stdin (prompted on a terminal)."""
    from backend.core.db import session_scope
    from backend.identity.enums import Role
    from grids import service as grids
    from grids import workforce

    try:
        role_value = Role(role)
    except ValueError:
        _fail(f"unknown role {role!r}; one of: {', '.join(r.value for r in Role)}", 2)
    password = None if role_value is Role.INTEGRATION else _read_password()
    try:
        expires = date.fromisoformat(certificate_expires) if certificate_expires else None
        with session_scope() as session:
            area = grids.area_by_code(session, scope) if scope else None
            user = workforce.place_user(
                session,
                area=area,
                username=username,
                password=password,
                role=role_value,
                display_name=display_name,
                certificate_number=certificate_number,
                certificate_expires_on=expires,
                phone=phone,
                actor=CLI_ACTOR,
            )
            typer.echo(f"created {user.role} {user.username} ({user.id})")
    except Problem as exc:
        _fail(f"not created: {exc.detail}")
    except ValueError as exc:
        _fail(f"not created: {exc}")


@users_app.command("list")
def users_list(
    area: Annotated[
        str | None, typer.Option(help="Area code: the people placed at it and below.")
    ] = None,
    role: Annotated[str | None, typer.Option(help="Only this role (grid_worker, ...).")] = None,
    q: Annotated[str | None, typer.Option(help="In the username or the name.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 1000,
) -> None:
    """The people placed in areas (staff by their area, grid workers by their grids), one a
    line, tab-separated: username, role, name, area, active, phone (masked)."""
    from backend.core.db import session_scope
    from backend.identity.enums import Role
    from grids import service as grids
    from grids import workforce
    from grids.scope import Scope

    try:
        role_value = Role(role) if role else None
    except ValueError:
        _fail(f"unknown role {role!r}; one of: {', '.join(r.value for r in Role)}", 2)
    try:
        with session_scope(read_only=True) as session:
            where = grids.area_by_code(session, area) if area else None
            people, total = workforce.people_under(
                session, Scope(everywhere=True, paths=()), where, role=role_value, q=q, limit=limit
            )
            typer.echo("username\trole\tname\tarea\tactive\tphone")
            for p in people:
                row = (
                    p.username,
                    p.role,
                    p.display_name,
                    p.area_code or "-",
                    "yes" if p.is_active else "no",
                    p.phone or "-",
                )
                typer.echo("\t".join(row))
    except Problem as exc:
        _fail(f"not listed: {exc.detail}")
    if total > len(people):
        typer.secho(f"{len(people)} of {total} shown; raise --limit for more", err=True)


@users_app.command("reset")
def users_reset(username: str) -> None:
    """Give a user a temporary password (printed once) to change at the next sign-in; they are
    signed out everywhere."""
    from backend.core.db import session_scope
    from backend.identity import accounts
    from grids import people

    try:
        with session_scope() as session:
            user = people.account_named(session, username)
            password = accounts.reset_password(session, user, CLI_ACTOR)
    except Problem as exc:
        _fail(f"not reset: {exc.detail}")
    typer.echo(f"temporary password for {user.username}: {password}")
    typer.echo("it must be changed at the next sign-in", err=True)


@users_app.command("deactivate")
def users_deactivate(username: str) -> None:
    """Close an account (someone who left): signed out everywhere, no sign-in, no new work."""
    _set_active(username, active=False)


@users_app.command("activate")
def users_activate(username: str) -> None:
    """Open a closed account again."""
    _set_active(username, active=True)


def _set_active(username: str, *, active: bool) -> None:
    from backend.core.db import session_scope
    from backend.identity import accounts
    from grids import people

    try:
        with session_scope() as session:
            user = people.account_named(session, username)
            accounts.set_active(session, user, active, CLI_ACTOR)
            typer.echo(f"{user.username} is {'active' if active else 'deactivated'}")
    except Problem as exc:
        _fail(f"not changed: {exc.detail}")


@integrations_app.command("callback")
def integrations_callback(
    username: str,
    url: Annotated[str, typer.Argument(help="Where the partner takes our status callbacks.")],
) -> None:
    """Point a partner's complaint callbacks at a URL. The first time it prints the signing key
    (shown once); a new URL keeps the key (rotate it with `callback-rotate`)."""
    from backend.core.db import session_scope
    from complaints import callbacks

    try:
        with session_scope() as session:
            partner, secret = callbacks.set_partner_callback(
                session, get_settings(), username, url, CLI_ACTOR
            )
            typer.echo(json.dumps({"key_id": partner.key_id, "secret": secret}))
    except Problem as exc:
        _fail(f"not set: {exc.detail}")


@integrations_app.command("callback-rotate")
def integrations_callback_rotate(
    username: str,
    overlap_hours: Annotated[
        int, typer.Option(help="How long callbacks carry the old key's signature as well.")
    ] = 168,
) -> None:
    """A new callback signing key for a partner (shown once). During the overlap callbacks are
    signed with the old key as before and with the new one in X-Firegrid-Next-Signature."""
    from datetime import timedelta

    from backend.core.db import session_scope
    from complaints import callbacks

    try:
        with session_scope() as session:
            partner, secret = callbacks.rotate_partner_key(
                session, get_settings(), username, timedelta(hours=overlap_hours), CLI_ACTOR
            )
            typer.echo(
                json.dumps(
                    {
                        "key_id": partner.key_id,
                        "secret": secret,
                        "previous_key_id": partner.previous_key_id,
                        "previous_until": partner.previous_until.isoformat(),
                    }
                )
            )
    except Problem as exc:
        _fail(f"not rotated: {exc.detail}")


@integrations_app.command("open311-key")
def integrations_open311_key(
    username: str,
    label: Annotated[str, typer.Option(help="Which app holds it, e.g. the WeChat mini program.")],
) -> None:
    """Issue an Open311 api_key for a citizen app's integration client (shown once)."""
    from backend.core.db import session_scope
    from complaints.open311 import service as open311

    try:
        with session_scope() as session:
            typer.echo(
                json.dumps({"api_key": open311.issue_key(session, username, label, CLI_ACTOR)})
            )
    except open311.Open311Error as exc:
        _fail(f"not issued: {exc.description}")


@integrations_app.command("create")
def integrations_create(
    username: str,
    scope: Annotated[str, typer.Option(help="Area code (county or township) it reports for.")],
    display_name: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Register a partner system and print its signing key (shown once)."""
    from backend.core.db import session_scope
    from backend.identity import partners
    from backend.identity.enums import Role
    from grids import service as grids
    from grids import workforce

    try:
        with session_scope() as session:
            user = workforce.place_user(
                session,
                area=grids.area_by_code(session, scope),
                username=username,
                password=None,
                role=Role.INTEGRATION,
                display_name=display_name,
                certificate_number=None,
                certificate_expires_on=None,
                actor=CLI_ACTOR,
            )
            issued = partners.issue_integration_key(session, get_settings(), user, CLI_ACTOR)
            typer.echo(json.dumps({"key_id": issued.key_id, "secret": issued.secret}))
    except Problem as exc:
        _fail(f"not created: {exc.detail}")


@integrations_app.command("key")
def integrations_key(username: str) -> None:
    """Issue another signing key for a partner (to rotate: switch the partner to it, then
    revoke the old one); prints it once."""
    from sqlalchemy import select

    from backend.core.db import session_scope
    from backend.identity import partners
    from backend.identity.models import User

    with session_scope() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            _fail(f"no user {username!r}")
        try:
            issued = partners.issue_integration_key(session, get_settings(), user, CLI_ACTOR)
        except Problem as exc:
            _fail(f"not issued: {exc.detail}")
        typer.echo(json.dumps({"key_id": issued.key_id, "secret": issued.secret}))


@integrations_app.command("revoke")
def integrations_revoke(key_id: str) -> None:
    """Revoke a partner's signing key at once (e.g. a leaked secret); issue a new one with
    `integrations create` for a new client."""
    from backend.core.db import session_scope
    from backend.identity import partners

    try:
        with session_scope() as session:
            partners.revoke_integration_key(session, key_id, CLI_ACTOR)
    except Problem as exc:
        _fail(f"not revoked: {exc.detail}")
    typer.echo(f"revoked {key_id}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the hash chain; exit 1 naming the first broken event."""
    from backend.core.audit import verify_chain
    from backend.core.db import session_scope

    with session_scope(read_only=True) as session:
        report = verify_chain(session)
    if report.sound:
        typer.echo(f"audit chain sound: {report.checked} events")
        return
    where = f"event seq {report.broken_seq}" + (
        f" ({report.broken_event_id})" if report.broken_event_id else ""
    )
    _fail(
        f"audit chain BROKEN at {where}: {report.reason} ({report.checked} events before it are sound)"
    )


@app.command("backup")
def backup_command(
    out_dir: Annotated[Path, typer.Argument(help="A new (or empty) folder for this backup.")],
    with_media: Annotated[
        bool, typer.Option(help="Copy the photo files too, not only their manifest.")
    ] = False,
) -> None:
    """Back up the database (consistent while the service runs) and a manifest of every photo
    it refers to; the secret key is never included (docs/operations.md)."""
    from sqlalchemy.exc import SQLAlchemyError

    from backend import backup

    try:
        info = backup.backup(get_settings(), out_dir, with_media=with_media)
    except backup.BackupError as exc:
        _fail(f"no backup: {exc}")
    except (OSError, SQLAlchemyError) as exc:
        _fail(f"no backup: {exc}")
    media_info = info["media"]
    typer.echo(
        f"backup in {out_dir}: {info['database']['backend']} database at "
        f"{', '.join(info['alembic_revision'])}, {media_info['photos']} photos "
        f"({media_info['files']} files, {'copied' if with_media else 'manifest only'})"
    )
    if media_info["missing_at_backup"]:
        typer.secho(
            f"warning: {len(media_info['missing_at_backup'])} referenced files are not in the "
            "photo store: " + ", ".join(media_info["missing_at_backup"][:5]),
            fg=typer.colors.YELLOW,
            err=True,
        )


@app.command("restore")
def restore_command(
    source: Annotated[Path, typer.Argument(help="A folder written by `firegrid backup`.")],
    check: Annotated[
        bool, typer.Option("--check", help="Only check this deployment against the backup.")
    ] = False,
) -> None:
    """Restore a backup into this deployment (its database must hold no firegrid data), then
    check the schema revision, the audit chain and every photo's hash; exit 1 on a problem."""
    from sqlalchemy.exc import SQLAlchemyError

    from backend import backup

    try:
        report = backup.restore(get_settings(), source, check_only=check)
    except (backup.BackupError, OSError, SQLAlchemyError) as exc:
        _fail(f"check failed: {exc}" if check else f"not restored: {exc}")
    for line in report.restored:
        typer.echo(f"restored {line}")
    for note in report.notes:
        typer.secho(f"note: {note}", err=True)
    if report.problems:
        _fail(
            f"{len(report.problems)} problem(s) after the restore:\n  "
            + "\n  ".join(report.problems[:50])
        )
    typer.echo("checked: schema revision, audit chain, every photo present with its sha256")


HOTLINE_CALLBACKS = "hotline_callbacks"  # the row of `outbox status` for complaints' callbacks


@outbox_app.command("status")
def outbox_status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object, for machines.")] = False,
) -> None:
    """Per channel: the backlog (pending), how many are due now, the oldest pending's age, dead
    letters and deliveries in the last 24 h. Push channels and texts from the outbox, then
    the hotline callbacks of complaints."""
    from backend.core.db import session_scope, utcnow
    from backend.notify import status
    from complaints.models import HotlineCallback

    now = utcnow()
    with session_scope(read_only=True) as session:
        rows = status.outbox_backlog(session, get_settings(), now)
        rows += status.backlog(session, HotlineCallback, now, channel=HOTLINE_CALLBACKS).values()
    if as_json:
        typer.echo(json.dumps({"at": now.isoformat(), "channels": [row.as_json() for row in rows]}))
        return
    header = ("channel", "pending", "due now", "oldest pending", "dead", "delivered 24h")
    lines = [header] + [
        (
            row.channel,
            str(row.pending),
            str(row.due_now),
            _age(row.oldest_pending_seconds),
            str(row.dead),
            str(row.delivered_24h),
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        typer.echo(
            "  ".join(
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(line, widths, strict=True))
            ).rstrip()
        )


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


@outbox_app.command("dead")
def outbox_dead(
    channel: Annotated[str | None, typer.Option(help="Only this channel (fcm, sms, ...).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
) -> None:
    """Dead push messages and texts, oldest first, one JSON object a line (tokens left out).
    Hotline callbacks have their own: GET /api/v1/hotline/callbacks."""
    from backend.core.db import session_scope
    from backend.notify import status

    with session_scope(read_only=True) as session:
        for m in status.dead_letters(session, channel, limit):
            typer.echo(
                json.dumps(
                    {
                        "id": str(m.id),
                        "channel": m.channel,
                        "user_id": str(m.user_id) if m.user_id else None,
                        "notification_id": str(m.notification_id) if m.notification_id else None,
                        "title": m.title,
                        "attempts": m.attempts,
                        "last_error": status.without_tokens(m.last_error),
                        "created_at": m.created_at.isoformat(),
                    },
                    ensure_ascii=False,
                )
            )


@outbox_app.command("replay")
def outbox_replay(
    message_ids: Annotated[list[str], typer.Argument(help="Ids from `firegrid outbox dead`.")],
) -> None:
    """Send dead messages again from scratch at the next worker pass (audited)."""
    import uuid

    from backend.core.db import session_scope
    from backend.notify import status

    try:
        ids = [uuid.UUID(value) for value in message_ids]
    except ValueError as exc:
        _fail(f"not replayed: {exc}")
    try:
        with session_scope() as session:
            for message_id in ids:
                status.replay(session, message_id, CLI_ACTOR)
    except Problem as exc:
        _fail(f"not replayed: {exc.detail}")
    typer.echo(f"replayed {len(ids)}")


@inspections_app.command("verify")
def inspections_verify(draw_id: str) -> None:
    """Recompute a draw from what it kept; exit 1 saying what does not hold."""
    import uuid

    from backend.core.db import session_scope
    from patrols.inspections.service import verify

    try:
        draw = uuid.UUID(draw_id)
    except ValueError:
        _fail(f"{draw_id!r} is not a draw id (a uuid)", 2)
    try:
        with session_scope(read_only=True) as session:
            report = verify(session, draw)
    except Problem as problem:
        _fail(problem.detail, 2)
    if report.sound:
        typer.echo(f"draw {draw_id} holds: recomputed from its inputs, the same result")
        return
    _fail(f"draw {draw_id} does NOT hold:\n  " + "\n  ".join(report.problems))


@risk_app.command("recompute")
def risk_recompute() -> None:
    """Recompute every premises' and grid's risk score now (the worker does it nightly)."""
    from backend.core.db import session_scope
    from backend.core.settings import get_settings
    from risk import service

    try:
        with session_scope() as session:
            outcome = service.recompute(session, get_settings(), actor=CLI_ACTOR, trigger="command")
    except Problem as problem:
        _fail(problem.detail, 2)
    typer.echo(
        f"scored {outcome.premises} premises ({outcome.changed} changed) and {outcome.grids} "
        f"grids by rule set {outcome.ruleset} in {outcome.seconds:.1f} s "
        f"(sources: {', '.join(outcome.sources)})"
        + (f"; no rule for: {', '.join(outcome.skipped)}" if outcome.skipped else "")
    )


@demo_app.command("load")
def demo_load() -> None:
    """Load the demo (Liuzhou districts, synthetic grids, demo users); safe to run again."""
    from backend import demo
    from backend.core.db import session_scope
    from backend.core.settings import Environment

    settings = get_settings()
    if settings.env is Environment.PRODUCTION:
        _fail("refusing to load demo users into a production database")
    with session_scope() as session:
        logins = demo.load(session, settings)
    typer.echo(demo.describe(logins))


def _family_lines(report) -> list[str]:
    if report is None:
        return []
    lines = [f"check of {report.parent}: " + ("ok" if report.ok else "problems found")]
    lines += [f"  invalid polygon {i.code}: {i.reason}" for i in report.invalid]
    lines += [f"  overlap {o.first} / {o.second}: {o.area_m2:,.1f} m²" for o in report.overlaps]
    lines += [f"  outside the parent {o.code}: {o.area_m2:,.1f} m²" for o in report.outside]
    if report.gap_count:
        lines.append(
            f"  gaps not covered by any child: {report.gap_m2:,.1f} m² in {report.gap_count} piece(s)"
        )
    return lines


@areas_app.command("import")
def areas_import(
    file: Path,
    level: Annotated[str, typer.Option(help="county, township, village or grid")],
    crs: Annotated[str, typer.Option(help="wgs84, gcj02 or bd09")] = "wgs84",
    parent: Annotated[str | None, typer.Option(help="Parent area code")] = None,
    code_prop: Annotated[str, typer.Option()] = "adcode",
    name_prop: Annotated[str, typer.Option()] = "name",
    strict: Annotated[
        bool, typer.Option(help="Refuse invalid polygons instead of repairing them.")
    ] = False,
) -> None:
    """Import a GeoJSON FeatureCollection as areas, all or nothing, and check how they fit."""
    from backend.core.db import session_scope
    from grids import flows
    from grids.enums import AreaLevel, Crs

    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        features = data.get("features") if isinstance(data, dict) else None
        if not isinstance(features, list):
            _fail("nothing imported: the file is not a GeoJSON FeatureCollection")
        with session_scope() as session:
            result, moved = flows.import_areas(
                session,
                features,
                level=AreaLevel(level),
                crs=Crs(crs),
                parent_code=parent,
                code_prop=code_prop,
                name_prop=name_prop,
                strict=strict,
                actor=CLI_ACTOR,
            )
        typer.echo(f"imported {len(result.created)} {level} areas; {moved} premises re-routed")
        for code, reason in result.repaired:
            typer.echo(f"  repaired invalid polygon {code}: {reason}")
        for line in _family_lines(result.family):
            typer.echo(line)
    except Problem as exc:
        _fail(f"nothing imported: {exc.detail}")
    except (OSError, ValueError) as exc:
        _fail(f"nothing imported: {exc}")


@areas_app.command("check")
def areas_check(code: str) -> None:
    """Check an area's children: invalid polygons, overlaps, pieces outside it, gaps (m²).
    Exits 1 when there are problems."""
    from backend.core.db import session_scope
    from grids import service as grids

    try:
        with session_scope(read_only=True) as session:
            area = grids.area_by_code(session, code)
            report = grids.check_children(session, area)
    except Problem as exc:
        _fail(exc.detail)
    if report is None:
        typer.echo(f"{code} has no children to check")
        return
    for line in _family_lines(report):
        typer.echo(line)
    if not report.ok:
        raise typer.Exit(1)


@calendar_app.command("status")
def calendar_status() -> None:
    """Say where this and next year's holidays come from; exit 1 when either is unknown
    (deadlines there would count weekends only)."""
    from backend.core import calendar_notices
    from backend.core.db import session_scope

    with session_scope(read_only=True) as session:
        report = calendar_notices.coverage(session, get_settings())
    explained = {
        "loaded": "covered: a notice loaded with `firegrid calendar load`",
        "package": "covered: the chinese-calendar package",
        "overrides": "NOT covered: only FIREGRID_CALENDAR_OVERRIDES' local days",
        "none": "NOT covered: weekends only",
    }
    for entry in report:
        typer.echo(f"{entry.year}: {entry.source.value:9}  {explained[entry.source.value]}")
    warning = calendar_notices.coverage_warning(report)
    if warning:
        _fail(f"warning: {warning}")


@calendar_app.command("load")
def calendar_load(
    file: Annotated[Path, typer.Argument(help="The year's notice as JSON (docs/calendar.md).")],
) -> None:
    """Load the State Council's holiday notice for a year (replaces one loaded before)."""
    from backend.core import calendar_notices
    from backend.core.db import session_scope

    try:
        data = json.loads(file.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        _fail(f"not loaded: cannot read {file}: {exc.strerror}", 2)
    except ValueError as exc:
        _fail(f"not loaded: {file} is not JSON: {exc}", 2)
    try:
        notice = calendar_notices.parse_notice(data)
    except Problem as exc:
        problems = exc.extensions.get("errors", [])
        _fail(
            f"not loaded, {file} has {len(problems)} problem(s):\n"
            + "\n".join(f"  {p['field']}: {p['message']}" for p in problems),
            2,
        )
    with session_scope() as session:
        replaced = calendar_notices.load_notice(session, notice, CLI_ACTOR)
    typer.echo(
        f"{'replaced' if replaced else 'loaded'} {notice.year}: {len(notice.holidays)} days off, "
        f"{len(notice.workdays)} working weekend days ({notice.title}); every process uses it "
        f"within {calendar_notices.CACHE_SECONDS:.0f} s"
    )


def parse_length_m(text: str) -> float:
    """`500m`, `1.5km` or `500` (metres)."""
    value = text.strip().lower()
    factor = 1000.0 if value.endswith("km") else 1.0
    number = value.removesuffix("km").removesuffix("m").strip()
    try:
        metres = float(number) * factor
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a length such as 500m or 1km") from None
    if not 10 <= metres <= 50_000:
        raise typer.BadParameter("cell size must be between 10 m and 50 km")
    return metres


@grids_app.command("split")
def grids_split(
    township_code: str,
    cell_size: Annotated[str | None, typer.Option(help="Square cells, e.g. 500m or 1km.")] = None,
    max_premises: Annotated[
        int | None, typer.Option(help="Quadtree: at most N premises per grid.")
    ] = None,
    preview: Annotated[bool, typer.Option(help="Show the grids without saving them.")] = False,
) -> None:
    """Cut a township's villages/communities into grids (HOT Tasking Manager style)."""
    from backend.core.db import session_scope
    from grids import flows

    if (cell_size is None) == (max_premises is None):
        _fail("give exactly one of --cell-size or --max-premises", 2)
    try:
        with session_scope() as session:
            result = flows.split_township(
                session,
                township_code,
                cell_size_m=parse_length_m(cell_size) if cell_size else None,
                max_premises=max_premises,
                preview=preview,
                actor=CLI_ACTOR,
            )
    except Problem as exc:
        _fail(f"not split: {exc.detail}")
    for grid in result.planned:
        premises = f", {grid.premises} premises" if grid.premises is not None else ""
        typer.echo(f"  {grid.code}  {grid.name}  {grid.area_m2 / 1e6:.3f} km²{premises}")
    verb = "would create" if preview else "created"
    typer.echo(
        f"{verb} {len(result.planned)} grids in {township_code}"
        + ("" if preview else f"; {result.premises_moved} premises re-routed")
    )


def main() -> None:  # pragma: no cover
    os.environ.setdefault("SPATIALITE_LIBRARY_PATH", "mod_spatialite")
    from backend import effects  # loads every domain package: not for --help alone

    effects.install()
    app()


if __name__ == "__main__":  # pragma: no cover
    main()


@media_app.command("migrate")
def media_migrate(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be copied; copy nothing.")
    ] = False,
    quiet: Annotated[bool, typer.Option(help="Only the summary, not a line a file.")] = False,
) -> None:
    """Copy every photo (and bulletin file) from the local folder (FIREGRID_DATA_DIR/media) to
    the store FIREGRID_PHOTO_STORE names. Files already there with the same size are skipped,
    so a run that was stopped is finished by running it again; originals are checked against
    their SHA-256 first. Ends with one JSON summary line; exit 1 if any original is damaged."""
    from backend.core import media
    from backend.core.media_migration import migrate

    settings = get_settings()
    try:
        target = media.store_for(settings)
    except ConfigurationError as exc:
        _fail(str(exc))
    if isinstance(target, media.LocalFolderStore):
        _fail("FIREGRID_PHOTO_STORE is the local folder: set it to the store to copy to (s3)")
    source = media.LocalFolderStore.configured(settings)

    def said(key: str, action: str) -> None:
        if not quiet or action == "damaged":
            typer.echo(f"{action:>10}  {key}", err=action == "damaged")

    summary = migrate(source, target, dry_run=dry_run, progress=said)
    typer.echo(json.dumps({"dry_run": dry_run, **summary.as_json()}))
    if summary.damaged:
        raise typer.Exit(1)
