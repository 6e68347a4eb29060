"""The sync protocol as a grid worker's phone lives it, through the reference device (a local
store with WatermelonDB's bookkeeping) against the real server: work offline, sync when the
network returns, and never lose, duplicate or resurrect a record."""

import uuid
from datetime import UTC, datetime

import pytest

from offline_sync.client import Device, SyncConflict
from offline_sync.tables import SCHEMA_VERSION
from tests.offline_sync.conftest import device_report, ordered_notice
from tests.world import complaint_body, hazard_body, premises_body, send_complaint


@pytest.fixture
def phone(live_server, grid, grid_worker):
    device = Device(live_server, grid_worker.username, grid_worker.password)
    yield device
    device.close()


def second_phone(live_server, person) -> Device:
    return Device(live_server, person.username, person.password)


def test_a_first_sync_brings_the_workers_grid_and_nothing_of_the_neighbours(
    api, phone, grid, other_grid, station_staff
):
    mine = api.post(
        "/api/v1/premises", json=premises_body(lng=109.41), headers=station_staff.headers(api)
    ).json()
    api.post(
        "/api/v1/premises",
        json=premises_body(name="隔壁网格小店", lng=109.44),
        headers=station_staff.headers(api),
    )

    phone.sync()

    assert [g["code"] for g in phone.all("grids")] == [grid.code]
    assert (
        '"Polygon"' in phone.all("grids")[0]["geometry"]
        or "MultiPolygon" in phone.all("grids")[0]["geometry"]
    )
    (premises,) = phone.all("premises")
    assert premises["id"] == mine["id"]
    assert premises["contact_phone"] == "138****1234"  # masked on the phone too


def test_a_report_made_offline_arrives_once_and_reaches_the_users_other_phone(
    live_server, phone, grid_worker, api, station_staff
):
    phone.sync()
    rid = phone.create("hazard_reports", device_report())
    first = phone.sync()
    assert first.push_answer["created"] == 1

    hazard = api.get(f"/api/v1/hazards/{rid}", headers=station_staff.headers(api)).json()
    assert (hazard["state"], hazard["area_code"]) == ("reported", "990101001001-01")

    other = second_phone(live_server, grid_worker)
    other.sync()
    assert other.get("hazard_reports", rid)["description"] == device_report()["description"]
    assert other.get("hazards", rid)["state"] == "reported"
    other.close()


def test_a_replayed_push_changes_nothing(phone, api, station_staff):
    phone.sync()
    rid = phone.create("hazard_reports", device_report())
    changes = phone.local_changes()
    phone.sync()
    replay = phone.http.post(
        "/api/v1/sync",
        params={"last_pulled_at": phone.last_pulled_at},
        json={"changes": changes},
        headers=phone.headers,
    )
    assert replay.status_code == 200, replay.text
    assert (replay.json()["created"], replay.json()["unchanged"]) == (0, 1)
    listed = api.get("/api/v1/hazards", headers=station_staff.headers(api)).json()
    assert [h["id"] for h in listed] == [rid]


def test_a_server_change_between_pull_and_push_is_a_conflict_then_merges_column_wise(
    phone, api, grid_worker
):
    phone.sync()
    rid = phone.create("hazard_reports", device_report(description="楼道飞线充电"))
    phone.sync()
    # Meanwhile, on the web, the worker's colleague corrects the category of the same report.
    corrected = api.post(
        f"/api/v1/hazards/{rid}/actions",
        json={"action": "confirm"},
        headers=grid_worker.headers(api),
    )
    assert corrected.status_code == 200
    phone.update("hazard_reports", rid, {"description": "楼道飞线充电，已告知住户"})

    with pytest.raises(SyncConflict) as refused:
        phone.push()
    assert refused.value.args[0]["conflicts"] == [rid]

    phone.sync()  # pull (merge: the local description wins), then push again
    assert phone.get("hazards", rid)["state"] == "confirmed"
    hazard = api.get(f"/api/v1/hazards/{rid}", headers=grid_worker.headers(api)).json()
    assert hazard["description"] == "楼道飞线充电，已告知住户"
    assert hazard["state"] == "confirmed"


def test_a_record_deleted_on_one_phone_is_deleted_on_the_other_and_never_comes_back(
    live_server, phone, grid_worker
):
    phone.sync()
    rid = phone.create("hazard_reports", device_report())
    phone.sync()
    other = second_phone(live_server, grid_worker)
    other.sync()
    assert other.get("hazard_reports", rid) is not None

    phone.delete("hazard_reports", rid)
    phone.sync()
    phone.sync()
    other.sync()

    assert phone.get("hazard_reports", rid) is None  # not resurrected by the next pull
    assert other.get("hazard_reports", rid) is None
    assert other.get("hazards", rid) is not None  # the hazard itself stays: it was reported
    other.close()


def test_a_refused_action_is_kept_and_comes_back_with_its_reason(phone, api, station_staff):
    phone.sync()
    rid = phone.create("hazard_reports", device_report())
    phone.sync()
    aid = phone.create(
        "actions", {"hazard_id": rid, "action": "verify", "acted_at": 1_763_880_100_000}
    )
    confirm = phone.create(
        "actions", {"hazard_id": rid, "action": "confirm", "acted_at": 1_763_880_000_000}
    )

    answer = phone.sync().push_answer
    assert answer["refused_actions"] == [aid]
    phone.sync()

    assert phone.get("actions", confirm)["status"] == "applied"
    refused = phone.get("actions", aid)
    assert refused["status"] == "refused"
    assert "cannot verify a hazard that is confirmed" in refused["reason"]
    assert phone.get("hazards", rid)["state"] == "confirmed"


def test_a_grid_handed_to_another_worker_moves_its_records_between_phones(
    live_server, api, phone, grid, other_grid, backup_worker, station_staff
):
    newcomer = backup_worker  # works the neighbouring grid
    api.post(
        "/api/v1/premises", json=premises_body(), headers=station_staff.headers(api)
    ).raise_for_status()
    phone.sync()
    theirs = second_phone(live_server, newcomer)
    theirs.sync()
    assert theirs.all("premises") == [] and len(phone.all("premises")) == 1

    handed = api.put(
        f"/api/v1/grids/{grid.code}/team",
        json={"primary": str(newcomer.id), "backups": []},
        headers=station_staff.headers(api),
    )
    assert handed.status_code == 200, handed.text
    phone.sync()
    theirs.sync()

    assert len(theirs.all("premises")) == 1  # older than their cursor, sent all the same
    assert sorted(g["code"] for g in theirs.all("grids")) == [grid.code, other_grid.code]
    assert phone.all("premises") == [] and phone.all("grids") == []
    theirs.close()


def test_a_large_first_sync_comes_in_pages_without_gaps_or_repeats(phone, api, station_staff):
    rows = "\n".join(
        f"店{n},,true,small_venue,low,,柳州市示例路{n}号,{109.401 + n * 0.0001:.4f},24.35,,"
        for n in range(120)
    )
    csv = (
        "name,uscc,individual_business,premises_type,risk_level,key_unit,address,lng,lat,contact_name,contact_phone\n"
        + rows
    )
    imported = api.post(
        "/api/v1/premises/import",
        content=csv.encode(),
        headers={**station_staff.headers(api), "Content-Type": "text/csv"},
    )
    assert imported.status_code in (200, 201), imported.text

    report = phone.sync(page_size=50)

    assert report.pages == 3
    assert len(phone.all("premises")) == 120
    assert report.pulled == 121  # 120 premises and the grid, each once


def test_wrong_schema_read_only_tables_and_citizens_are_refused(api, phone, citizen):
    old_app = api.get("/api/v1/sync", params={"schema_version": 99}, headers=phone.headers)
    assert old_app.status_code == 409
    assert old_app.json()["server_schema_version"] == SCHEMA_VERSION
    assert "update the app" in old_app.json()["detail"]

    tampered = api.post(
        "/api/v1/sync",
        json={"changes": {"hazards": {"created": [], "updated": [{"id": str(uuid.uuid4())}]}}},
        headers=phone.headers,
    )
    assert tampered.status_code == 422 and tampered.json()["field"] == "changes.hazards"
    assert api.get("/api/v1/sync", headers=citizen.headers(api)).status_code == 403
    schema = api.get("/api/v1/sync/schema", headers=phone.headers).json()
    owners = {t["name"]: t["owner"] for t in schema["tables"]}
    assert owners == {
        "grids": "server",
        "premises": "server",
        "hazards": "server",
        "hazard_reports": "device",
        "actions": "device",
        "photos": "device",
        "checklists": "server",
        "patrol_tasks": "server",
        "visits": "device",
        "visit_answers": "device",
        "track_points": "device",
        "work_prompts": "server",
        "complaints": "server",
        "complaint_actions": "device",
        "notifications": "server",
        "notification_reads": "device",
        "notices_to_serve": "server",
        "notice_signatures": "device",
    }


def test_malformed_pushes_are_refused_with_where_and_write_nothing(api, phone, station_staff):
    phone.sync()
    good = device_report()
    bad_pushes = [
        (
            {"hazard_reports": {"created": [{**good, "id": str(uuid.uuid4()), "lng": "east"}]}},
            "changes.hazard_reports.created[0].lng",
        ),
        (
            {"hazard_reports": {"created": [{"description": "no id"}]}},
            "changes.hazard_reports.created",
        ),
        (
            {"actions": {"created": [{"id": "not-a-uuid", "hazard_id": str(uuid.uuid4())}]}},
            "changes.actions.created[0].id",
        ),
        (
            {
                "photos": {
                    "created": [
                        {
                            "id": str(uuid.uuid4()),
                            "hazard_id": str(uuid.uuid4()),
                            "kind": "before",
                            "sha256": "beef",
                            "size": 10,
                        }
                    ]
                }
            },
            "changes.photos.created[0].sha256",
        ),
        ({"nonsense": {"created": []}}, "changes.nonsense"),
    ]
    for changes, where in bad_pushes:
        # a valid report rides along in each push: all or nothing means it is not kept either
        changes = {**changes}
        changes.setdefault("hazard_reports", {"created": []})
        changes["hazard_reports"] = {
            "created": [*changes["hazard_reports"]["created"], {**good, "id": str(uuid.uuid4())}]
        }
        answer = api.post("/api/v1/sync", json={"changes": changes}, headers=phone.headers)
        assert answer.status_code == 422, (where, answer.text)
        assert answer.json()["field"] == where
    odd_time = api.post(
        "/api/v1/sync",
        json={
            "changes": {
                "actions": {
                    "created": [
                        {
                            "id": str(uuid.uuid4()),
                            "hazard_id": str(uuid.uuid4()),
                            "action": "confirm",
                            "acted_at": "yesterday",
                        }
                    ]
                }
            }
        },
        headers=phone.headers,
    )
    assert odd_time.status_code == 422 and odd_time.json()["field"].endswith("acted_at")
    assert api.get("/api/v1/hazards", headers=station_staff.headers(api)).json() == []


def test_a_batch_of_reports_is_routed_flagged_audited_and_announced_like_single_ones(
    api, db, phone, grid, grid_worker, backup_worker, station_staff
):
    api.post(
        "/api/v1/devices",
        json={"token": "backup-phone", "platform": "android"},
        headers=backup_worker.headers(api),
    )
    phone.sync()
    first = phone.create("hazard_reports", device_report(lng=109.41, lat=24.35))
    near = phone.create("hazard_reports", device_report(lng=109.41005, lat=24.35))  # ~5 m east
    elsewhere = phone.create("hazard_reports", device_report(lng=109.44, lat=24.35))  # other grid

    assert phone.sync().push_answer["created"] == 3

    seen = {
        h["id"]: h for h in api.get("/api/v1/hazards", headers=station_staff.headers(api)).json()
    }
    assert seen[first]["area_code"] == grid.code and seen[first]["possible_duplicate_of"] is None
    assert seen[near]["possible_duplicate_of"] == first
    assert seen[elsewhere]["area_code"] == "990101001001-02"
    timeline = api.get(
        f"/api/v1/hazards/{near}/timeline", headers=station_staff.headers(api)
    ).json()
    assert [e["action"] for e in timeline] == ["hazard.reported"]
    from sqlalchemy import select

    from backend.notify.models import OutboxMessage

    with db() as session:
        told = session.scalars(
            select(OutboxMessage.user_id).where(
                OutboxMessage.data["hazard_id"].as_string() == elsewhere
            )
        ).all()
    assert told == [backup_worker.id]  # the other grid's worker hears of the report in it
    from backend.core.audit import verify_chain

    with db() as session:
        assert verify_chain(session).sound  # the batch's events hold in the chain


def test_each_report_of_a_push_spread_over_the_grid_is_checked_against_the_hazards_near_it(
    api, phone, grid_worker, station_staff
):
    """A day's reports lie kilometres apart; each is compared with what is open around it."""
    north = api.post(
        "/api/v1/hazards", json=hazard_body(lat=24.39), headers=grid_worker.headers(api)
    ).json()["id"]
    south = api.post(
        "/api/v1/hazards", json=hazard_body(lat=24.31), headers=grid_worker.headers(api)
    ).json()["id"]
    closer_south = api.post(
        "/api/v1/hazards", json=hazard_body(lat=24.3102), headers=grid_worker.headers(api)
    ).json()["id"]  # ~22 m north of `south`
    api.post(
        "/api/v1/hazards",
        json=hazard_body(category="open_flame", lng=109.41, lat=24.3103),
        headers=grid_worker.headers(api),
    )  # nearer still to `by_south` below, but of another category
    phone.sync()
    by_north = phone.create("hazard_reports", device_report(lng=109.4102, lat=24.39))  # ~20 m
    by_south = phone.create("hazard_reports", device_report(lng=109.41, lat=24.3103))
    fire_by_north = phone.create(
        "hazard_reports", device_report(category="open_flame", lng=109.4101, lat=24.39)
    )
    middle = phone.create("hazard_reports", device_report(lat=24.35))
    next_to_middle = phone.create("hazard_reports", device_report(lng=109.41003, lat=24.35))

    assert phone.sync().push_answer["created"] == 5

    seen = {
        h["id"]: h["possible_duplicate_of"]
        for h in api.get("/api/v1/hazards", headers=station_staff.headers(api)).json()
    }
    assert seen[by_north] == north
    assert seen[by_south] == closer_south  # the nearest of two open ones
    assert seen[fire_by_north] is None  # another category
    assert seen[middle] is None  # nothing open within 50 m
    assert seen[next_to_middle] == middle  # an earlier report of the same push
    assert seen[south] is None


def test_a_hundred_reports_pushed_at_once_are_all_kept_and_the_audit_chain_holds(
    api, db, phone, station_staff
):
    phone.sync()
    ids = [
        phone.create("hazard_reports", device_report(lng=109.401 + n * 0.0002, lat=24.35))
        for n in range(100)
    ]
    assert phone.sync().push_answer["created"] == 100
    listed = api.get(
        "/api/v1/hazards", params={"limit": 500}, headers=station_staff.headers(api)
    ).json()
    assert sorted(h["id"] for h in listed) == sorted(ids)
    from geoalchemy2.shape import to_shape
    from sqlalchemy import select

    from backend.core.audit import verify_chain
    from hazards.models import Hazard

    with db() as session:
        assert verify_chain(session).sound
        for lng, lat, location in session.execute(select(Hazard.lng, Hazard.lat, Hazard.location)):
            point = to_shape(location)
            assert (point.x, point.y) == (lng, lat)  # the geometry is the point reported


def test_every_pulled_record_has_exactly_the_columns_the_schema_publishes(
    api, phone, station_staff, hotline, grid_worker, officers
):
    complaint = send_complaint(api, hotline, complaint_body()).json()["id"]
    premises = api.post(
        "/api/v1/premises", json=premises_body(), headers=station_staff.headers(api)
    ).json()["id"]
    _, notice = ordered_notice(
        api,
        grid_worker,
        grid_worker,
        [station_staff, officers[0]],
        premises,
        deadline_working_days=5,
    )
    api.post(
        "/api/v1/patrols/plans",
        json={"area_code": "990101001", "period": datetime.now(UTC).strftime("%Y-%m")},
        headers=station_staff.headers(api),
    ).raise_for_status()
    api.post(
        "/api/v1/patrols/prompts",
        json={"area_code": "990101001", "title": "提示", "body": "注意用电安全"},
        headers=station_staff.headers(api),
    ).raise_for_status()
    phone.sync()
    visit = phone.create(
        "visits",
        {"premises_id": premises, "checked_in_at": 1_763_880_000_000, "lng": 109.41, "lat": 24.35},
    )
    phone.create("visit_answers", {"visit_id": visit, "item_key": "ebikes", "result": "pass"})
    phone.create("track_points", {"recorded_at": 1_763_880_000_000, "lng": 109.41, "lat": 24.35})
    rid = phone.create("hazard_reports", device_report())
    phone.create("actions", {"hazard_id": rid, "action": "confirm", "acted_at": 1_763_880_000_000})
    phone.create(
        "photos",
        {"hazard_id": rid, "kind": "before", "sha256": "a" * 64, "size": 1000, "taken_at": None},
    )
    phone.create(
        "complaint_actions",
        {"complaint_id": complaint, "action": "sign", "acted_at": 1_763_880_000_000},
    )
    (note, *_) = phone.all("notifications")  # the prompt, told to the worker
    phone.create("notification_reads", {"notification_id": note["id"]})
    phone.create(
        "notice_signatures",
        {
            "notice_id": notice["id"],
            "signer_name": "张三",
            "signer_role": "responsible",
            "signed_at": 1_763_880_000_000,
            "sha256": "b" * 64,
            "size": 1000,
        },
    )
    phone.sync()
    fresh = phone.http.get("/api/v1/sync", headers=phone.headers).json()["changes"]
    schema = {
        t["name"]: {c["name"] for c in t["columns"]} | {"id"}
        for t in phone.http.get("/api/v1/sync/schema", headers=phone.headers).json()["tables"]
    }

    assert fresh["track_points"]["updated"] == []  # pushed, never pulled back
    assert fresh["notification_reads"]["updated"] == []  # pushed, never pulled back
    del schema["track_points"], schema["notification_reads"]
    for table, columns in schema.items():
        records = fresh[table]["updated"]
        assert records, f"nothing pulled for {table}"
        assert all(set(r) == columns for r in records), table


def test_a_signed_out_phone_gets_nothing_even_when_nothing_changed(api, phone, grid_worker):
    phone.sync()
    cursor = phone.last_pulled_at
    quiet = api.get("/api/v1/sync", params={"last_pulled_at": cursor}, headers=phone.headers)
    assert quiet.status_code == 200 and quiet.json()["timestamp"] == cursor

    signed_out = api.post("/api/v1/auth/revoke-all", headers=phone.headers)
    assert signed_out.status_code in (200, 204), signed_out.text
    stale = api.get("/api/v1/sync", params={"last_pulled_at": cursor}, headers=phone.headers)
    assert stale.status_code == 401


def test_after_an_app_migration_the_pull_sends_everything_again(api, phone, station_staff):
    api.post(
        "/api/v1/premises", json=premises_body(), headers=station_staff.headers(api)
    ).raise_for_status()
    phone.sync()
    cursor = phone.last_pulled_at
    since = api.get("/api/v1/sync", params={"last_pulled_at": cursor}, headers=phone.headers)
    migrated = api.get(
        "/api/v1/sync",
        params={
            "last_pulled_at": cursor,
            "schema_version": SCHEMA_VERSION,
            "migration": '{"from":0,"tables":[],"columns":[{"table":"premises","columns":["address"]}]}',
        },
        headers=phone.headers,
    )
    assert since.json()["changes"]["premises"]["updated"] == []
    assert len(migrated.json()["changes"]["premises"]["updated"]) == 1


def test_a_duplicate_across_the_grid_edge_is_not_named_to_the_neighbour(
    api, live_server, grid, grid_worker, backup_worker, station_staff
):
    """The worker next door reports what this grid's worker already has, 20 m away over the
    edge: staff see the link; the neighbour, who may not see this grid's hazards, is not told
    of one there, neither in the answer nor on the phone."""
    here = api.post(
        "/api/v1/hazards", json=hazard_body(lng=109.4249), headers=grid_worker.headers(api)
    ).json()["id"]
    over_the_edge = api.post(
        "/api/v1/hazards", json=hazard_body(lng=109.4251), headers=backup_worker.headers(api)
    ).json()
    assert over_the_edge["area_code"] == "990101001001-02"
    assert over_the_edge["possible_duplicate_of"] is None
    staff_view = api.get(
        f"/api/v1/hazards/{over_the_edge['id']}", headers=station_staff.headers(api)
    ).json()
    assert staff_view["possible_duplicate_of"] == here

    neighbour = second_phone(live_server, backup_worker)
    try:
        neighbour.sync()
        assert neighbour.get("hazards", over_the_edge["id"])["possible_duplicate_of"] is None
    finally:
        neighbour.close()
