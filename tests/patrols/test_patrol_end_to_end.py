"""A month's patrol, end to end, with the app's real sync client (WatermelonDB in Node): the
township plans, the worker's phone pulls the task, the worker visits offline (check-in at the
door, one item failed, a photo of it), the phone syncs when the network returns, the failed
item is a hazard linked to the visit with its photo, the task is done, and the month's
assessment counts all of it."""

from __future__ import annotations

import hashlib
import io
import json
import time
from datetime import UTC, datetime

from PIL import Image
from tusclient import client as tus

from tests.phones import Phone


def a_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (180, 40, 40)).save(out, "JPEG")
    return out.getvalue()


def test_a_planned_patrol_done_offline_reports_its_failed_item_and_counts_in_the_assessment(
    phones, api, live_server, grid, grid_worker, station_staff, premises
):
    period = datetime.now(UTC).strftime("%Y-%m")  # tasks due within this month
    planned = api.post(
        "/api/v1/patrols/plans",
        json={"area_code": "990101001", "period": period},
        headers=station_staff.headers(api),
    ).json()
    assert planned["created"] == 1

    phone: Phone = phones(grid_worker, "worker's phone")
    phone.sync()
    [task] = phone.all("patrol_tasks")
    assert (task["premises_id"], task["state"]) == (premises, "open")
    checklist = phone.get("checklists", task["checklist_id"])
    items = {item["key"]: item for item in json.loads(checklist["items"])}
    assert items["ebikes"]["hazard_category"] == "ebike_indoor"

    # Offline, at the shop: check in 20 m from its pin, answer, photograph, check out.
    now = int(time.time() * 1000)
    visit = phone.create(
        "visits",
        task_id=task["id"],
        premises_id=premises,
        checked_in_at=now - 600_000,
        lng=109.4002 + 0.0098,  # the premises is at 109.41, 24.35 (WGS-84)
        lat=24.35 + 0.00018,
        crs="wgs84",
        accuracy_m=12,
    )
    passed = phone.create(
        "visit_answers", visit_id=visit, item_key="exits_clear", result="pass", answered_at=now
    )
    failed = phone.create(
        "visit_answers",
        visit_id=visit,
        item_key="ebikes",
        result="fail",
        note="楼道内两辆电动车充电",
        answered_at=now,
    )
    data = a_photo()
    photo = phone.create(
        "photos",
        hazard_id=failed,  # a failed item's id is its hazard's id
        kind="before",
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        taken_at=now,
    )
    phone.update("visits", visit, checked_out_at=now - 60_000)
    for _ in range(30):
        phone.create(
            "track_points", recorded_at=now - 600_000, lng=109.409, lat=24.349, crs="wgs84"
        )

    # The network returns.
    phone.sync()
    phone.sync()  # brings back the server's view of what was pushed
    token = api.post(
        "/api/v1/auth/token",
        data={"username": grid_worker.username, "password": grid_worker.password},
    ).json()["access_token"]
    tus.TusClient(
        f"{live_server}/api/v1/uploads/", headers={"Authorization": f"Bearer {token}"}
    ).uploader(
        file_stream=io.BytesIO(data),
        chunk_size=len(data),
        metadata={"photo_id": photo, "sha256": hashlib.sha256(data).hexdigest()},
    ).upload()
    phone.sync()

    seen = phone.get("visits", visit)
    assert (seen["check_in_valid"], seen["check_in_flag"]) == (True, None)
    assert 15 < seen["distance_m"] < 30
    assert phone.get("visit_answers", passed)["hazard_id"] is None
    assert phone.get("visit_answers", failed)["hazard_id"] == failed
    assert phone.get("patrol_tasks", task["id"])["state"] == "done"
    assert phone.get("photos", photo)["state"] == "stored"

    hazard = api.get(f"/api/v1/hazards/{failed}", headers=station_staff.headers(api)).json()
    assert (hazard["category"], hazard["source"], hazard["premises_id"]) == (
        "ebike_indoor",
        "patrol",
        premises,
    )
    assert "楼道内两辆电动车充电" in hazard["description"]
    photos = api.get(f"/api/v1/hazards/{failed}/photos", headers=station_staff.headers(api))
    assert [p["kind"] for p in photos.json()] == ["before"]

    answer = api.get(
        "/api/v1/patrols/assessment",
        params={"area_code": "990101001", "period": period},
        headers=station_staff.headers(api),
    )
    assert answer.status_code == 200, answer.text
    month = answer.json()
    [worker] = month["workers"]
    assert worker["username"] == grid_worker.username
    assert (
        worker["tasks_due"],
        worker["tasks_done_on_time"],
        worker["visits_with_valid_check_in"],
        worker["hazards_found"],
    ) == (1, 1, 1, 1)
    grid_month = next(a for a in month["areas"] if a["area_code"] == grid.code)
    assert (grid_month["workers"], grid_month["hazards_found"]) == (1, 1)

    csv = api.get(
        "/api/v1/patrols/assessment",
        params={"area_code": "990101001", "period": period, "format": "csv"},
        headers=station_staff.headers(api),
    )
    assert csv.headers["content-type"].startswith("text/csv")
    assert grid_worker.username in csv.text and str(grid_worker.id) not in csv.text
