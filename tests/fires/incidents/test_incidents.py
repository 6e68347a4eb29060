"""火灾事故 as a township lives it: the station records a fire at a small restaurant in its grid,
checks it, publishes it; anyone reads the public list, where the address stops at the street,
the restaurant is 某九小场所, the loss is rounded and nobody is named. The neighbouring
township's station can neither record in this township nor link its premises, nor see the
record. Every step is in the audit log, on the incident and on the premises."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from backend.core import audit
from fires.incidents import service
from tests.world import premises_body

WHEN = datetime(2026, 11, 20, 19, 30, tzinfo=UTC)


def incident_body(**extra) -> dict:
    body = {
        "occurred_at": WHEN.isoformat(),
        "reported_at": (WHEN + timedelta(minutes=3)).isoformat(),
        "lng": 109.41,
        "lat": 24.35,
        "address": "柳州市城中区示例路1号幸福小吃店后厨",
        "cause": "electrical",
        "place_category": "small_venue",
        "deaths": 0,
        "injuries": 1,
        "direct_loss_yuan": 12_345,
        "burned_area_m2": 23.4,
        "summary": "后厨电线短路起火，店主王老板（13812341234）用灭火器扑救",
        "responders": "张三、李四",
        "arrived_at": (WHEN + timedelta(minutes=9)).isoformat(),
        "responding_unit": "示例路微型消防站",
    }
    body.update(extra)
    return body


def record(api, staff, **extra):
    return api.post(
        "/api/v1/fire-incidents", json=incident_body(**extra), headers=staff.headers(api)
    )


def step(api, staff, incident_id: str, action: str, **body):
    return api.post(
        f"/api/v1/fire-incidents/{incident_id}/{action}",
        json=body or None,
        headers=staff.headers(api),
    )


def test_staff_record_confirm_and_publish_and_the_public_sees_it_masked(
    api, db, grid, other_township, station_staff, premises
):
    made = record(api, station_staff, premises_id=premises)
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["state"], body["state_name"], body["source"]) == ("draft", "草稿", "staff")
    assert body["premises_name"] == "幸福小吃店" and body["area_code"] == grid.code
    assert body["grid"]["code"] == grid.code and body["township"]["code"] == "990101001"
    assert body["cause_name"] == "电气火灾" and body["place_name"] == "九小场所"
    assert set(body["actions"]) == {"confirm", "withdraw", "edit"}
    iid = body["id"]

    assert api.get("/public/fire-incidents").json() == []  # a draft is not public
    early = step(api, station_staff, iid, "publish")
    assert early.status_code == 409, early.text
    assert early.json()["type"].endswith("fire-incident-transition-not-allowed")
    assert early.json()["possible"] == ["confirm", "withdraw"]

    assert step(api, station_staff, iid, "confirm").json()["state"] == "confirmed"
    published = step(api, station_staff, iid, "publish")
    assert published.status_code == 200, published.text
    assert published.json()["state"] == "published" and published.json()["actions"] == ["withdraw"]

    public = api.get("/public/fire-incidents", params={"area": "990101001"})
    assert public.status_code == 200, public.text
    assert public.headers["cache-control"] == "public, max-age=60"
    assert public.headers["x-total-count"] == "1"
    [shown] = public.json()
    assert shown["address"] == "柳州市城中区示例路"  # no house number, no shop
    assert shown["premises"] == "某九小场所"
    assert (shown["direct_loss_yuan"], shown["burned_area_m2"]) == (12_000, 20)
    assert (shown["deaths"], shown["injuries"], shown["cause_name"]) == (0, 1, "电气火灾")
    assert shown["occurred_on"] == "2026-11-21"  # 19:30 UTC is the next day in Beijing
    text = json.dumps(shown, ensure_ascii=False)
    for personal in ("王老板", "1381234", "张三", "李四", "幸福小吃店", "后厨"):
        assert personal not in text, personal
    assert api.get("/public/fire-incidents", params={"area": "990101"}).json()[0]["id"] == iid
    assert api.get("/public/fire-incidents", params={"area": "990101002"}).json() == []
    assert api.get("/public/fire-incidents", params={"area": "990101001001"}).status_code == 404

    with db() as session:
        steps = [
            e.action
            for e in session.scalars(
                select(audit.AuditEvent)
                .where(
                    audit.AuditEvent.subject_type == "premises",
                    # this premises' only: the log outlives each test
                    audit.AuditEvent.subject_id == str(uuid.UUID(premises)),
                )
                .order_by(audit.AuditEvent.seq)
            )
            if e.action.startswith("fire_incident.")
        ]
    assert steps == ["fire_incident.recorded", "fire_incident.confirmed", "fire_incident.published"]

    withdrawn = step(api, station_staff, iid, "withdraw", reason="误报，实为烧烤烟雾")
    assert withdrawn.json()["state"] == "withdrawn"
    assert api.get("/public/fire-incidents").json() == []


def test_a_public_gathering_place_is_named_in_public(api, grid, station_staff):
    ktv = api.post(
        "/api/v1/premises",
        json=premises_body(
            name="欢乐颂KTV",
            premises_type="public_gathering",
            uscc=None,
            individual_business=True,
        ),
        headers=station_staff.headers(api),
    ).json()["id"]
    iid = record(
        api,
        station_staff,
        premises_id=ktv,
        lng=None,
        lat=None,
        place_category="crowded_place",
        address="柳州市城中区五星街道文昌社区12栋3楼",
        direct_loss_yuan=456_789,
    ).json()["id"]
    step(api, station_staff, iid, "confirm")
    step(api, station_staff, iid, "publish")
    [shown] = api.get("/public/fire-incidents").json()
    assert shown["premises"] == "欢乐颂KTV"
    assert shown["address"] == "柳州市城中区五星街道文昌社区"
    assert shown["direct_loss_yuan"] == 460_000


def test_a_station_records_only_in_its_own_township(
    api, grid, station_staff, other_station_staff, other_township, premises
):
    there = record(api, other_station_staff, lng=109.41, lat=24.35)  # our grid, their station
    assert there.status_code == 422, there.text
    problem = there.json()
    assert problem["type"].endswith("fire-incident-outside-area")
    assert [e["field"] for e in problem["errors"]] == ["lng", "lat"]
    linked = record(api, other_station_staff, lng=109.46, lat=24.35, premises_id=premises)
    assert linked.status_code == 404 and "premises" in linked.json()["detail"]

    ours = record(api, station_staff).json()["id"]
    for path in (f"/api/v1/fire-incidents/{ours}", f"/api/v1/premises/{premises}/fire-incidents"):
        assert api.get(path, headers=other_station_staff.headers(api)).status_code == 404
    assert step(api, other_station_staff, ours, "confirm").status_code == 404
    listed = api.get("/api/v1/fire-incidents", headers=other_station_staff.headers(api))
    assert listed.json() == [] and listed.headers["x-total-count"] == "0"
    theirs = record(api, other_station_staff, lng=109.46, lat=24.35)
    assert theirs.status_code == 201, theirs.text
    assert theirs.json()["township"]["code"] == other_township.code


def test_grid_workers_read_nothing_and_record_nothing(api, grid, grid_worker, station_staff):
    assert record(api, grid_worker).status_code == 403
    assert api.get("/api/v1/fire-incidents", headers=grid_worker.headers(api)).status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"occurred_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()}, "occurred_at"),
        ({"reported_at": (WHEN - timedelta(minutes=1)).isoformat()}, "reported_at"),
        ({"arrived_at": (WHEN - timedelta(minutes=1)).isoformat()}, "arrived_at"),
        ({"lng": None, "lat": None}, "lng"),
        ({"lat": None}, "lat"),
        ({"deaths": -1}, "deaths"),
        ({"direct_loss_yuan": 10**13}, "direct_loss_yuan"),
        ({"cause": "aliens"}, "cause"),
        ({"address": ""}, "address"),
        ({"lng": 0, "lat": 0}, "lng"),
        ({"occurred_at": "2026-11-20T19:30:00"}, "occurred_at"),  # no time zone
    ],
)
def test_invalid_input_is_refused_saying_where_and_writes_nothing(
    api, db, grid, station_staff, change, field
):
    refused = record(api, station_staff, **change)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    # the framework names a body field as `body.<name>`, the rules by its name alone
    assert field in [e["field"].removeprefix("body.") for e in problem["errors"]], problem
    listed = api.get("/api/v1/fire-incidents", headers=station_staff.headers(api))
    assert listed.json() == []


def test_editing_keeps_to_draft_and_confirmed_on_the_version_read(
    api, grid, other_grid, station_staff, premises
):
    made = record(api, station_staff).json()
    url = f"/api/v1/fire-incidents/{made['id']}"
    station = station_staff.headers(api)
    moved = api.patch(
        url, json={"version": 1, "lng": 109.43, "deaths": 1, "lat": 24.36}, headers=station
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["grid"]["code"], moved.json()["deaths"]) == (other_grid.code, 1)
    stale = api.patch(url, json={"version": 1, "injuries": 2}, headers=station)
    assert stale.status_code == 409 and stale.json()["field"] == "version"
    linked = api.patch(url, json={"version": 2, "premises_id": premises}, headers=station)
    assert linked.json()["premises_id"] == premises and linked.json()["grid"]["code"] == grid.code
    emptied = api.patch(url, json={"version": 3, "cause": None}, headers=station)
    assert emptied.status_code == 422 and emptied.json()["field"] == "cause"
    step(api, station_staff, made["id"], "confirm")
    step(api, station_staff, made["id"], "publish")
    frozen = api.patch(url, json={"version": 5, "injuries": 2}, headers=station)
    assert frozen.status_code == 409
    assert frozen.json()["type"].endswith("fire-incident-not-editable")
    no_reason = step(api, station_staff, made["id"], "withdraw")
    assert no_reason.status_code == 422


def test_the_register_lists_by_filter_and_page_and_exports_xlsx(
    api, grid, other_grid, other_township, brigade_staff, station_staff, premises
):
    record(api, station_staff, premises_id=premises)
    record(api, station_staff, lng=109.43, cause="smoking", occurred_at="2026-10-01T02:00:00Z")
    by_brigade = record(api, brigade_staff, lng=109.47, cause="arson")  # the other township
    assert by_brigade.status_code == 201, by_brigade.text
    brigade = brigade_staff.headers(api)

    def listed(**params):
        answer = api.get("/api/v1/fire-incidents", params=params, headers=brigade)
        assert answer.status_code == 200, answer.text
        return answer

    everything = listed()
    assert everything.headers["x-total-count"] == "3"
    assert [i["cause"] for i in listed(township="990101001").json()] == ["electrical", "smoking"]
    assert [i["cause"] for i in listed(grid=other_grid.code).json()] == ["smoking"]
    assert [i["cause"] for i in listed(premises_id=premises).json()] == ["electrical"]
    assert [i["cause"] for i in listed(cause="arson").json()] == ["arson"]
    october = listed(occurred_from="2026-10-01", occurred_to="2026-10-31").json()
    assert [i["cause"] for i in october] == ["smoking"]
    page = listed(limit=1, offset=1)
    assert len(page.json()) == 1 and page.headers["x-total-count"] == "3"
    missing = api.get("/api/v1/fire-incidents", params={"township": "990109001"}, headers=brigade)
    assert missing.status_code == 404

    of_premises = api.get(f"/api/v1/premises/{premises}/fire-incidents", headers=brigade)
    assert [i["cause"] for i in of_premises.json()] == ["electrical"]

    sheet = api.get(
        "/api/v1/fire-incidents/export.xlsx", params={"township": "990101001"}, headers=brigade
    )
    assert sheet.status_code == 200, sheet.text
    assert "attachment" in sheet.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(sheet.content)) as book:
        strings = (
            book.read("xl/sharedStrings.xml").decode()
            if "xl/sharedStrings.xml" in (book.namelist())
            else ""
        )
        sheet_xml = book.read("xl/worksheets/sheet1.xml").decode()
    content = strings + sheet_xml
    for header in ("起火时间", "火灾原因", "直接经济损失(元)", "幸福小吃店", "电气火灾", "吸烟"):
        assert header in content, header
    assert "放火" not in content  # the other township's


def test_an_alert_becomes_one_incident(api, grid, grid_worker, station_staff, other_station_staff):
    import uuid

    from tests.fires.conftest import FIRE, alert_body

    pressed = api.post(
        "/api/v1/fire-alerts", json=alert_body(FIRE), headers=grid_worker.headers(api)
    )
    assert pressed.status_code == 201, pressed.text
    alert = pressed.json()["id"]
    first = record(api, station_staff, alert_id=alert)
    assert first.status_code == 201 and first.json()["source"] == "alert"
    again = record(api, station_staff, alert_id=alert)
    assert again.status_code == 409 and again.json()["field"] == "alert_id"
    # An alert of another township, or none at all, is not one to record from.
    made_up = record(api, station_staff, alert_id=str(uuid.uuid4()))
    assert made_up.status_code == 404 and made_up.json()["field"] == "alert_id"
    elsewhere = record(api, other_station_staff, alert_id=alert, lng=109.43)
    assert elsewhere.status_code == 404 and elsewhere.json()["field"] == "alert_id"


def test_incidents_by_premises_and_grid_tally_a_period_in_one_query(
    api, db, grid, other_grid, station_staff, premises
):
    record(api, station_staff, premises_id=premises, deaths=1, direct_loss_yuan=1000)
    record(api, station_staff, premises_id=premises, occurred_at="2026-11-01T00:00:00Z")
    old = record(api, station_staff, premises_id=premises, occurred_at="2025-01-01T00:00:00Z")
    gone = record(api, station_staff, premises_id=premises).json()["id"]
    step(api, station_staff, gone, "withdraw", reason="重复登记")
    record(api, station_staff, lng=109.43)  # no premises, the other grid
    assert old.status_code == 201
    since = datetime(2026, 1, 1, tzinfo=UTC)
    with db() as session:
        by_premises = service.incidents_by_premises(session, since)
        by_grid = service.incidents_by_grid(session, since)
        asked = service.incidents_by_premises(session, since, premises_ids=[grid.id])
    [(pid, tally)] = by_premises.items()
    assert str(pid) == premises
    assert (tally.count, tally.deaths, tally.direct_loss_yuan) == (2, 1, 13_345)
    assert tally.latest == WHEN
    assert {k: v.count for k, v in by_grid.items()} == {grid.id: 2, other_grid.id: 1}
    assert asked == {}


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("柳州市城中区示例路1号", "柳州市城中区示例路"),
        ("柳江区拉堡镇新兴村3组12号", "柳江区拉堡镇新兴村"),
        ("城中区五星街中山路口东侧", "城中区五星街中山路"),
        ("鱼峰区荣军路街道静兰社区二栋", "鱼峰区荣军路街道静兰社区"),
        ("后山", "测试township"),
        ("联系13812341234", "测试township"),
    ],
)
def test_an_address_is_cut_to_the_street_or_village(address, public):
    assert service.public_address(address, "测试township") == public


def test_losses_and_areas_are_rounded_and_never_shown_as_none():
    assert [service.public_loss(y) for y in (0, 1, 499, 1_500, 99_499, 123_456)] == [
        0,
        1_000,
        1_000,
        2_000,
        99_000,
        120_000,
    ]
    assert [service.public_area(a) for a in (0, 0.5, 14.9, 15, 1234.5)] == [0, 10, 10, 20, 1230]
