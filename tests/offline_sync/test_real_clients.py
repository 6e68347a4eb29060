"""The sync protocol and the photo uploads with the real JavaScript clients the app ships, run
in Node against the real server on loopback.

What is proven: WatermelonDB 0.28's own `synchronize()` (LokiJS adapter, in memory; its
schema generated at run time from `GET /api/v1/sync/schema`) works with the server's pull and
push as they are: offline work arrives once and reaches the user's other phone; a server change
between pull and push is a 409 that WatermelonDB's column-wise merge and a second sync resolve;
deletions propagate and do not come back; a replayed push changes nothing; a refused action,
and a report change the server will not make, come back with their reasons; a record the server
will never take is named in a 422, and discarding it unblocks the phone; a grid handed over moves its records between phones; a 20,000-record
first sync comes in pages without gaps. And tus-js-client 4 resumes an interrupted upload from
the server's offset, the photo then showing as stored on the phone, while a forged token writes
nothing.

Each phone is a Node process (tests/clients/device.mjs) holding its own in-memory database,
driven line by line (one JSON command in, one JSON answer out), so a test can change things on
the server between two of its syncs. The clients are installed from the committed lockfile by
scripts/install-js-clients.sh.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import insert, select

from tests.phones import Phone
from tests.world import Person, premises_body

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ROOT / "tests" / "clients"
TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture
def phone(phones, grid, grid_worker) -> Phone:
    """The grid worker's phone."""
    return phones(grid_worker, "worker's phone")


def report_fields(**extra: Any) -> dict[str, Any]:
    """A hazard as the worker reports it in the app."""
    return {
        "category": "ebike_indoor",
        "description": "楼道内电动车飞线充电",
        "lng": 109.41,
        "lat": 24.35,
        "crs": "wgs84",
        "severity": "ordinary",
        "source": "patrol",
        **extra,
    }


def run_script(clients: Path, script: str, person: Person, base_url: str, **env: str) -> dict:
    """Run a one-shot client script; its one JSON line of results."""
    done = subprocess.run(
        ["node", str(clients / script)],
        cwd=clients,
        env={
            **os.environ,
            "BASE_URL": base_url,
            "FG_USERNAME": person.username,
            "FG_PASSWORD": person.password,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"{script} exited with {done.returncode}\n{done.stderr}"
    (line,) = done.stdout.splitlines()
    return json.loads(line)


# --- WatermelonDB -------------------------------------------------------------------------------


def test_watermelondb_accepts_the_servers_schema_as_published(
    js_clients, live_server, grid, grid_worker
):
    checked = run_script(js_clients, "schema.mjs", grid_worker, live_server)

    assert checked["tables"] == [
        "grids",
        "premises",
        "hazards",
        "hazard_reports",
        "actions",
        "photos",
        "checklists",
        "patrol_tasks",
        "visits",
        "visit_answers",
        "track_points",
        "work_prompts",
        "complaints",
        "complaint_actions",
        "notifications",
        "notification_reads",
        "notices_to_serve",
        "notice_signatures",
    ]
    assert checked["accepted"], checked["error"]


def test_a_report_made_and_edited_offline_reaches_the_server_and_the_users_other_phone(
    phones, phone, grid_worker, api, station_staff
):
    phone.sync()
    rid = phone.create("hazard_reports", **report_fields())
    phone.update("hazard_reports", rid, description="楼道内电动车飞线充电，住户不在家")
    assert phone.get("hazard_reports", rid)["_status"] == "created"

    first = phone.sync()

    assert first["pushes"][0]["answer"]["created"] == 1
    assert phone.get("hazard_reports", rid)["_status"] == "synced"
    hazard = api.get(f"/api/v1/hazards/{rid}", headers=station_staff.headers(api))
    assert hazard.status_code == 200, hazard.text
    assert hazard.json()["description"] == "楼道内电动车飞线充电，住户不在家"
    assert (hazard.json()["state"], hazard.json()["area_code"]) == ("reported", "990101001001-01")

    second_phone = phones(grid_worker, "worker's second phone")
    second_phone.sync()
    mirrored = second_phone.get("hazard_reports", rid)
    assert mirrored["description"] == "楼道内电动车飞线充电，住户不在家"
    assert (mirrored["lng"], mirrored["lat"], mirrored["crs"]) == (109.41, 24.35, "wgs84")
    assert second_phone.get("hazards", rid)["state"] == "reported"


def test_a_server_change_between_pull_and_push_is_refused_then_merged_column_wise(
    phone, api, grid_worker
):
    """synchronize() pulls before it pushes, so a conflict needs the server to change the record
    in between: the phone holds its sync at pushChanges while the hazard is confirmed."""
    phone.sync()
    rid = phone.create("hazard_reports", **report_fields(description="楼道飞线充电"))
    phone.sync()
    phone.update("hazard_reports", rid, description="楼道飞线充电，已告知住户")

    held = phone.command("sync", holdBeforePush=True)  # pulled; the push is on its way...
    assert held["held"] and held["changes"]["hazard_reports"]["updated"][0]["id"] == rid
    # ...when, on the web, the hazard is confirmed.
    confirmed = api.post(
        f"/api/v1/hazards/{rid}/actions",
        json={"action": "confirm"},
        headers=grid_worker.headers(api),
    )
    assert confirmed.status_code == 200, confirmed.text
    refused = phone.command("resume")

    assert refused["error"]["status"] == 409  # synchronize() rejected: nothing marked synced
    assert refused["error"]["problem"]["conflicts"] == [rid]
    assert phone.get("hazard_reports", rid)["_status"] == "updated"

    again = phone.sync()  # pull (WatermelonDB merges column-wise), then push

    (merge,) = again["log"]["resolvedConflicts"]
    assert merge["resolved"]["description"] == "楼道飞线充电，已告知住户"  # the phone's edit kept
    assert again["pushes"][0]["answer"]["updated"] == 1
    assert phone.get("hazards", rid)["state"] == "confirmed"  # the server's side pulled in
    assert phone.get("hazard_reports", rid)["_status"] == "synced"
    hazard = api.get(f"/api/v1/hazards/{rid}", headers=grid_worker.headers(api)).json()
    assert (hazard["description"], hazard["state"]) == ("楼道飞线充电，已告知住户", "confirmed")


def test_a_report_deleted_on_one_phone_is_gone_from_both_and_never_comes_back(
    phones, phone, grid_worker
):
    phone.sync()
    rid = phone.create("hazard_reports", **report_fields())
    phone.sync()
    second_phone = phones(grid_worker, "worker's second phone")
    second_phone.sync()
    assert second_phone.get("hazard_reports", rid) is not None

    phone.delete("hazard_reports", rid)
    deleting = phone.sync()
    phone.sync()
    second_phone.sync()

    assert deleting["pushes"][0]["body"]["changes"]["hazard_reports"]["deleted"] == [rid]
    assert deleting["pushes"][0]["answer"]["hidden"] == 1
    assert phone.get("hazard_reports", rid) is None  # not resurrected by the next pull
    assert phone.deletions_to_push("hazard_reports") == []  # purged once pushed
    assert second_phone.get("hazard_reports", rid) is None
    assert phone.get("hazards", rid) is not None  # the hazard itself stays: it was reported
    assert second_phone.get("hazards", rid) is not None


def test_a_push_replayed_after_a_lost_answer_changes_nothing(phone, api, station_staff):
    phone.sync()
    rid = phone.create("hazard_reports", **report_fields())

    lost = phone.try_sync(loseAnswer=True)  # the server applied it; its answer never arrived
    assert lost["error"]["lost"]
    assert phone.get("hazard_reports", rid)["_status"] == "created"  # so WatermelonDB retries

    retried = phone.sync()

    (first,), (second,) = (
        push["body"]["changes"]["hazard_reports"]["created"]
        for push in (lost["pushes"][0], retried["pushes"][0])
    )
    assert second == first  # the same push body, sent again
    answer = retried["pushes"][0]["answer"]
    assert (answer["created"], answer["updated"], answer["unchanged"]) == (0, 0, 1)
    listed = api.get("/api/v1/hazards", headers=station_staff.headers(api)).json()
    assert [h["id"] for h in listed] == [rid]
    assert phone.get("hazard_reports", rid)["_status"] == "synced"


def test_an_action_the_server_refuses_comes_back_refused_with_its_reason(phone):
    phone.sync()
    rid = phone.create("hazard_reports", **report_fields())
    aid = phone.create(
        "actions", hazard_id=rid, action="verify", acted_at=int(time.time() * 1000)
    )  # verify a hazard that was only just reported: too early

    pushed = phone.sync()
    phone.sync()

    assert pushed["pushes"][0]["answer"]["refused_actions"] == [aid]
    refused = phone.get("actions", aid)
    assert refused["status"] == "refused"
    assert "cannot verify a hazard that is reported" in refused["reason"]
    assert phone.get("hazards", rid)["state"] == "reported"


def test_a_report_change_the_server_will_not_make_comes_back_with_its_reason(
    phone, api, station_staff
):
    phone.sync()
    rid = phone.create("hazard_reports", **report_fields())
    phone.sync()
    confirmed = api.post(
        f"/api/v1/hazards/{rid}/actions",
        json={"action": "confirm"},
        headers=station_staff.headers(api),
    )
    assert confirmed.status_code == 200, confirmed.text
    phone.sync()
    phone.update("hazard_reports", rid, category="exit_blocked")  # too late: it was confirmed

    pushed = phone.sync()
    phone.sync()

    answer = pushed["pushes"][0]["answer"]
    assert (answer["updated"], answer["refused_changes"]) == (0, [rid])
    back = phone.get("hazard_reports", rid)
    assert back["category"] == "ebike_indoor"  # the server's copy, not the phone's wish
    assert "category: someone has acted on the hazard" in back["reason"]
    assert back["_status"] == "synced"  # nothing left to push: the phone is not stuck


def test_a_record_the_server_will_never_take_is_named_and_discarding_it_unblocks_the_phone(
    phone, api, station_staff
):
    phone.sync()
    good = phone.create("hazard_reports", **report_fields())
    no_fix = phone.create("hazard_reports", **report_fields(lng=0, lat=0))

    refused = phone.try_sync()

    assert refused["error"]["status"] == 422
    named = {
        (e["table"], e["id"], e["field"].rsplit(".", 1)[1])
        for e in refused["error"]["problem"]["errors"]
    }
    assert named == {("hazard_reports", no_fix, "lng"), ("hazard_reports", no_fix, "lat")}
    assert phone.get("hazard_reports", good)["_status"] == "created"  # kept, to push again
    assert api.get("/api/v1/hazards", headers=station_staff.headers(api)).json() == []

    phone.discard("hazard_reports", no_fix)  # the app shows the worker, who drops it
    pushed = phone.sync()

    assert pushed["pushes"][0]["answer"]["created"] == 1
    listed = api.get("/api/v1/hazards", headers=station_staff.headers(api)).json()
    assert [h["id"] for h in listed] == [good]


def test_a_grid_handed_to_another_worker_moves_its_premises_between_phones(
    phones, phone, api, grid, other_grid, backup_worker, station_staff
):
    for name in ("幸福小吃店", "平安五金店"):
        api.post(
            "/api/v1/premises", json=premises_body(name=name), headers=station_staff.headers(api)
        ).raise_for_status()
    phone.sync()
    newcomer = phones(backup_worker, "backup worker's phone")  # works the neighbouring grid
    newcomer.sync()
    assert newcomer.all("premises") == [] and len(phone.all("premises")) == 2

    handed = api.put(
        f"/api/v1/grids/{grid.code}/team",
        json={"primary": str(backup_worker.id), "backups": []},
        headers=station_staff.headers(api),
    )
    assert handed.status_code == 200, handed.text
    phone.sync()
    newcomer.sync()

    # older than the newcomer's cursor, sent all the same
    assert sorted(p["name"] for p in newcomer.all("premises")) == ["平安五金店", "幸福小吃店"]
    assert sorted(g["code"] for g in newcomer.all("grids")) == [grid.code, other_grid.code]
    assert phone.all("premises") == [] and phone.all("grids") == []


def many_premises(db, api, station_staff, count: int) -> None:
    """`count` premises in the worker's grid: one registered through the API, copied in bulk
    (the CSV import takes 5,000 rows a request and audits each; this is the same data, fast)."""
    from grids.premises.models import Premises

    api.post(
        "/api/v1/premises", json=premises_body(), headers=station_staff.headers(api)
    ).raise_for_status()
    table = Premises.__table__
    with db() as session:
        (template,) = session.execute(select(table)).mappings().all()
        copies = [
            {**template, "id": uuid.uuid4(), "name": f"店{n}", "address": f"柳州市示例路{n}号"}
            for n in range(1, count)
        ]
        session.execute(insert(table), copies)


def test_a_20000_premises_first_sync_comes_in_pages_and_arrives_whole(
    db, api, phone, station_staff
):
    many_premises(db, api, station_staff, 20_000)

    first = phone.sync(pageSize=5_000)

    assert first["pages"] == 5  # 20,001 records (the grid too), 5,000 a page
    assert first["received"]["premises"] == first["pulled"]["premises"] == 20_000  # no repeats
    assert phone.counts()["premises"] == 20_000
    again = phone.sync(pageSize=5_000)
    assert (again["pages"], again["pulled"].get("premises", 0)) == (1, 0)


# --- tus-js-client ------------------------------------------------------------------------------


def noisy_jpeg(width=800, height=600) -> bytes:
    """A photo that does not compress away (a few hundred kB), so it takes several chunks."""
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def photo_file(tmp_path) -> Path:
    path = tmp_path / "hazard.jpg"
    path.write_bytes(noisy_jpeg())
    return path


def declare_photo(phone: Phone, data: bytes) -> tuple[str, str]:
    """A report and its photo's record, made on the phone and synced; the bytes still to come."""
    rid = phone.create("hazard_reports", **report_fields())
    pid = phone.create(
        "photos",
        hazard_id=rid,
        kind="before",
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        taken_at=int(time.time() * 1000),
    )
    phone.sync()
    phone.sync()  # the next sync brings the server's view of what was pushed
    return rid, pid


def test_an_upload_interrupted_midway_resumes_from_the_servers_offset_and_is_stored(
    js_clients, live_server, phone, grid_worker, photo_file
):
    data = photo_file.read_bytes()
    phone.sync()
    rid, pid = declare_photo(phone, data)
    assert phone.get("photos", pid)["state"] == "pending"
    assert json.loads(phone.get("hazards", rid)["missing_photos"]) == [pid]

    sent = run_script(
        js_clients,
        "upload.mjs",
        grid_worker,
        live_server,
        PHOTO_FILE=str(photo_file),
        PHOTO_ID=pid,
        CHUNK_SIZE="100000",
        ABORT_AFTER_CHUNKS="2",
    )

    assert sent["size"] == len(data) > 250_000  # three chunks or more
    assert (sent["first"]["outcome"], sent["first"]["accepted"]) == ("aborted", 200_000)
    assert sent["serverOffsetAfterAbort"] == 200_000  # what arrived is kept
    assert sent["resumed"]["patchOffsets"][0] == 200_000  # resumed there, not from 0
    assert sent["resumed"]["serverOffset"] == len(data)

    phone.sync()
    assert phone.get("photos", pid)["state"] == "stored"
    assert json.loads(phone.get("hazards", rid)["missing_photos"]) == []


def test_a_patch_with_a_forged_token_writes_nothing(
    js_clients, live_server, api, phone, grid_worker, photo_file
):
    data = photo_file.read_bytes()
    phone.sync()
    _rid, pid = declare_photo(phone, data)

    sent = run_script(
        js_clients,
        "upload.mjs",
        grid_worker,
        live_server,
        PHOTO_FILE=str(photo_file),
        PHOTO_ID=pid,
        FORGE_PATCH_TOKEN="1",
    )

    assert sent["uploadUrl"], "created with the real token"
    assert (sent["first"]["outcome"], sent["first"]["status"]) == ("failed", 401)
    assert sent["first"]["patchOffsets"] == [0]
    head = api.head(sent["uploadUrl"], headers={**grid_worker.headers(api), **TUS})
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == "0"
    phone.sync()
    assert phone.get("photos", pid)["state"] == "pending"


def test_a_notice_signed_on_the_phone_offline_is_served_on_site_from_the_signing(
    js_clients,
    live_server,
    db,
    api,
    phone,
    grid_worker,
    premises,
    station_staff,
    officers,
    tmp_path,
):
    """Issue 22: the phone pulls the notice to serve, the unit's 管理人 signs on it with no
    network, and at the next sync the record goes by synchronize() and the PNG by
    tus-js-client: the notice is served on site, with the signature's hash, from the signing."""
    from backend.core.audit import events_for
    from backend.core.calendar import calendar_deadline
    from backend.core.db import utcnow
    from hazards.models import Hazard
    from tests.offline_sync.conftest import issued_days_ago, ordered_notice, png_signature

    hid, notice = ordered_notice(
        api,
        grid_worker,
        grid_worker,
        [station_staff, officers[0]],
        premises,
        deadline_working_days=5,
        period_days=15,
    )
    issued_days_ago(db, notice["id"], 3)
    phone.sync()
    [to_serve] = phone.all("notices_to_serve")
    assert (to_serve["id"], to_serve["number"]) == (notice["id"], notice["number"])

    # At the shop, offline: the manager signs on the phone's pad, saved as a PNG.
    data = png_signature()
    drawn = tmp_path / "signature.png"
    drawn.write_bytes(data)
    sha256 = hashlib.sha256(data).hexdigest()
    signed_at = int(time.time() * 1000) - 2 * 86_400_000  # two days before the phone syncs
    sid = phone.create(
        "notice_signatures",
        notice_id=to_serve["id"],
        signer_name="李四",
        signer_role="manager",
        signed_at=signed_at,
        sha256=sha256,
        size=len(data),
    )

    # Back on a network: the record syncs, then the PNG goes by tus, keyed by its id.
    pushed = phone.sync()
    assert pushed["pushes"][0]["answer"]["created"] == 1
    sent = run_script(
        js_clients, "upload.mjs", grid_worker, live_server, PHOTO_FILE=str(drawn), PHOTO_ID=sid
    )
    assert sent["first"]["outcome"] == "finished", sent
    phone.sync()

    assert phone.get("notice_signatures", sid)["state"] == "served"
    assert phone.all("notices_to_serve") == []
    shown = api.get(f"/api/v1/notices/{notice['id']}", headers=station_staff.headers(api)).json()
    assert (shown["state"], shown["service"]["method"]) == ("served", "on_site")
    served_at = datetime.fromisoformat(shown["service"]["served_at"])
    assert int(served_at.timestamp() * 1000) == signed_at
    with db() as session:
        [served] = [
            e for e in events_for(session, "notice", notice["id"]) if e.action == "notice.served"
        ]
        assert served.after["evidence_sha256"] == sha256
        assert (served.after["signer_name"], served.after["signer_role"]) == ("李四", "manager")
        deadline = session.get(Hazard, uuid.UUID(hid)).rectification_deadline
    assert deadline == calendar_deadline(served_at, 15) < calendar_deadline(utcnow(), 15)
