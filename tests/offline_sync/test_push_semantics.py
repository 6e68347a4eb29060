"""What a phone can rely on when it pushes: every bad field of every record named in one
answer (and nothing kept), a change the server will not make coming back with its reason, an
edit of a record deleted elsewhere meanwhile answered as a conflict, and a report's place
checked like any other report's."""

import uuid

import pytest

from offline_sync.client import Device, SyncConflict
from tests.offline_sync.conftest import device_report


@pytest.fixture
def phone(live_server, grid, grid_worker):
    device = Device(live_server, grid_worker.username, grid_worker.password)
    yield device
    device.close()


def push(phone, changes: dict, last_pulled_at=None):
    params = {"last_pulled_at": last_pulled_at} if last_pulled_at else {}
    return phone.http.post(
        "/api/v1/sync", params=params, json={"changes": changes}, headers=phone.headers
    )


def test_a_push_names_every_bad_field_of_every_record_and_keeps_nothing(phone, api, station_staff):
    phone.sync()
    good, no_fix, far, garbled, major = (str(uuid.uuid4()) for _ in range(5))
    photo, point = str(uuid.uuid4()), str(uuid.uuid4())
    answer = push(
        phone,
        {
            "hazard_reports": {
                "created": [
                    {**device_report(), "id": good},
                    {**device_report(lng=0, lat=0), "id": no_fix},
                    {**device_report(lng=116.39, lat=39.91), "id": far},
                    {**device_report(lng="east"), "category": "unknown", "id": garbled},
                    {**device_report(lng=0, lat=0), "severity": "major", "id": major},
                ]
            },
            "photos": {
                "created": [
                    {"id": photo, "hazard_id": good, "kind": "side", "sha256": "beef", "size": 0}
                ]
            },
            "track_points": {
                "created": [{"id": point, "recorded_at": 1_763_880_000_000, "lng": 200, "lat": 91}]
            },
        },
    )

    assert answer.status_code == 422, answer.text
    problem = answer.json()
    named = {(e["table"], e["id"], e["field"]) for e in problem["errors"]}
    reports = "changes.hazard_reports.created"
    assert named == {
        ("hazard_reports", garbled, f"{reports}[3].category"),
        ("hazard_reports", garbled, f"{reports}[3].lng"),
        ("hazard_reports", no_fix, f"{reports}[1].lng"),
        ("hazard_reports", no_fix, f"{reports}[1].lat"),
        ("hazard_reports", far, f"{reports}[2].lng"),
        ("hazard_reports", far, f"{reports}[2].lat"),
        ("hazard_reports", major, f"{reports}[4].lng"),  # a major one goes its own way
        ("hazard_reports", major, f"{reports}[4].lat"),
        ("photos", photo, "changes.photos.created[0].sha256"),
        ("photos", photo, "changes.photos.created[0].kind"),
        ("photos", photo, "changes.photos.created[0].size"),
        ("track_points", point, "changes.track_points.created[0].lng"),
        ("track_points", point, "changes.track_points.created[0].lat"),
    }
    assert problem["field"] == problem["errors"][0]["field"]
    assert "nothing was stored" in problem["detail"]
    # All or nothing: the good report and its photo were not kept either.
    assert api.get("/api/v1/hazards", headers=station_staff.headers(api)).json() == []
    assert api.get(f"/api/v1/hazards/{good}", headers=station_staff.headers(api)).status_code == 404

    # The phone drops what the server will never take (a record it never synced is simply
    # destroyed locally) and the rest goes through.
    kept = push(phone, {"hazard_reports": {"created": [{**device_report(), "id": good}]}})
    assert kept.status_code == 200 and kept.json()["created"] == 1


def test_a_category_change_after_someone_acted_comes_back_with_its_reason(
    phone, api, station_staff
):
    phone.sync()
    rid = phone.create("hazard_reports", device_report(description="楼道飞线充电"))
    phone.sync()
    confirmed = api.post(
        f"/api/v1/hazards/{rid}/actions",
        json={"action": "confirm"},
        headers=station_staff.headers(api),
    )
    assert confirmed.status_code == 200
    phone.sync()  # the phone sees it confirmed
    assert phone.get("hazards", rid)["state"] == "confirmed"

    phone.update("hazard_reports", rid, {"category": "exit_blocked", "description": "改了类别"})
    answer = phone.sync().push_answer
    assert (answer["updated"], answer["refused_changes"]) == (0, [rid])
    phone.sync()

    back = phone.get("hazard_reports", rid)
    assert back["category"] == "ebike_indoor" and back["description"] == "楼道飞线充电"
    assert "category: someone has acted on the hazard (confirmed)" in back["reason"]
    server = api.get(f"/api/v1/hazards/{rid}", headers=station_staff.headers(api)).json()
    assert (server["category"], server["description"]) == ("ebike_indoor", "楼道飞线充电")
    timeline = api.get(f"/api/v1/hazards/{rid}/timeline", headers=station_staff.headers(api))
    assert "hazard.report_change_refused" in [e["action"] for e in timeline.json()]

    # A change it may still make goes through, and the old reason goes.
    phone.update("hazard_reports", rid, {"description": "已告知住户"})
    assert phone.sync().push_answer["updated"] == 1
    phone.sync()
    assert phone.get("hazard_reports", rid)["reason"] is None
    assert phone.get("hazards", rid)["description"] == "已告知住户"


def test_an_edit_of_a_report_deleted_on_another_phone_since_the_last_pull_is_a_conflict(
    live_server, phone, grid_worker, api, station_staff
):
    phone.sync()
    rid = phone.create("hazard_reports", device_report(description="原来的描述"))
    phone.sync()
    other = Device(live_server, grid_worker.username, grid_worker.password)
    other.sync()
    phone.delete("hazard_reports", rid)
    phone.sync()

    other.update("hazard_reports", rid, {"description": "另一部手机上的修改"})
    with pytest.raises(SyncConflict) as refused:
        other.push()
    assert refused.value.args[0]["conflicts"] == [rid]

    other.sync()  # the pull brings the deletion; nothing of it is pushed again
    assert other.get("hazard_reports", rid) is None
    assert other.sync().push_answer is None
    hazard = api.get(f"/api/v1/hazards/{rid}", headers=station_staff.headers(api)).json()
    assert hazard["description"] == "原来的描述"
    other.close()


def test_a_report_pushed_outside_the_workers_grids_is_flagged_on_the_phone_too(
    phone, other_grid, station_staff, api
):
    phone.sync()
    at_home = phone.create("hazard_reports", device_report())
    next_door = phone.create("hazard_reports", device_report(lng=109.43))
    phone.sync()
    phone.sync()

    assert phone.get("hazards", at_home)["outside_own_grids"] in (False, 0)
    assert phone.get("hazards", next_door)["outside_own_grids"] in (True, 1)
    flagged = api.get(
        "/api/v1/hazards", params={"outside_own_grids": True}, headers=station_staff.headers(api)
    ).json()
    assert [h["id"] for h in flagged] == [next_door]
