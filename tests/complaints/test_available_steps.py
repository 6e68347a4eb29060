"""`next_actions` are this caller's steps: a complaint followed from intake through a reopening,
seen at every state by the station, the worker it is assigned to, another worker of the same
village, a worker and a station of another township, and the hotline that sent it. Every step
predicted is one the API takes; every other step, tried with everything it needs, is refused
and changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from backend.identity.enums import Role
from complaints.enums import ComplaintAction, ComplaintState
from complaints.lifecycle import COMPLAINT_LIFECYCLE
from tests.complaints.conftest import hotline_call
from tests.world import complaint_body, make_area, make_person, send_complaint

EVERY_STEP = [a.value for a in ComplaintAction]


@dataclass
class Caller:
    name: str
    headers: dict[str, str]


def _body(action: str, assignee: str) -> dict:
    """A step with all it could need, so that a refusal is about who and when, not what."""
    return {
        "action": action,
        "assignee_id": assignee,
        "note": "试一试",
        "finding": "rectified_already",
        "reply": "已答复",
        "department": "urban",
    }


def _seen(api, caller: Caller, cid: str) -> dict | None:
    response = api.get(f"/api/v1/complaints/{cid}", headers=caller.headers)
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    return response.json()


def _check(api, cid: str, expected: dict[str, set[str] | None], callers, assignee: str) -> None:
    """Each caller sees exactly the steps expected (None: the complaint is not theirs to see)
    and every other step is refused, leaving the complaint as it was."""
    before = None
    for caller in callers:
        seen = _seen(api, caller, cid)
        want = expected[caller.name]
        if want is None:
            assert seen is None, f"{caller.name} sees {cid}"
        else:
            assert seen is not None, f"{caller.name} does not see {cid}"
            assert set(seen["next_actions"]) == want, (caller.name, seen["state"])
            assert len(seen["next_actions"]) == len(want)
            # Each step comes with what its form must ask, as the lifecycle table says.
            assert list(seen["step_needs"]) == seen["next_actions"]
            for action, needs in seen["step_needs"].items():
                row = COMPLAINT_LIFECYCLE.step(
                    ComplaintState(seen["state"]), ComplaintAction(action)
                )
                assert needs == {"fields": list(row.needs)}, (caller.name, action)
            before = before or seen
        for action in EVERY_STEP:
            if want is not None and action in want:
                continue
            refused = api.post(
                f"/api/v1/complaints/{cid}/actions",
                json=_body(action, assignee),
                headers=caller.headers,
            )
            assert refused.status_code in (403, 404, 409), (caller.name, action, refused.text)
            if want is None:
                assert refused.status_code == 404  # not even named
    after = next(c for c in (_seen(api, caller, cid) for caller in callers) if c is not None)
    assert (after["state"], after["version"]) == (before["state"], before["version"])


def _take(api, caller: Caller, cid: str, action: str, **body) -> dict:
    taken = api.post(
        f"/api/v1/complaints/{cid}/actions", json={"action": action, **body}, headers=caller.headers
    )
    assert taken.status_code == 200, (caller.name, action, taken.text)
    return taken.json()


def test_each_caller_sees_the_steps_they_may_take_and_no_other(
    api, db, hotline, grid_worker, backup_worker, station_staff, other_township, other_station_staff
):
    far_grid = make_area(
        db,
        "990101002001-01",
        "grid",
        (109.45, 24.30, 109.50, 24.40),
        make_area(db, "990101002001", "village", (109.45, 24.30, 109.50, 24.40), other_township),
    )
    far_worker = make_person(db, "worker.far", Role.GRID_WORKER, far_grid)
    station = Caller("station", station_staff.headers(api))
    worker = Caller("worker", grid_worker.headers(api))
    other = Caller("other worker", backup_worker.headers(api))
    far = Caller("far worker", far_worker.headers(api))
    far_station = Caller("far station", other_station_staff.headers(api))
    callers = [station, worker, other, far, far_station]
    strangers = {"other worker": None, "far worker": None, "far station": None}
    to_other = str(backup_worker.id)

    sent = send_complaint(api, hotline, complaint_body())
    assert sent.status_code == 201, sent.text
    complaint = sent.json()
    cid = complaint["id"]
    assert complaint["state"] == "dispatched" and complaint["assignee_id"] == str(grid_worker.id)
    assert complaint["next_actions"] == []  # the hotline's only steps are its 回访

    def check(station_may: set[str], worker_may: set[str] | None) -> None:
        expected = {"station": station_may, "worker": worker_may, **strangers}
        _check(api, cid, expected, callers, to_other)

    check({"dispatch", "sign", "return"}, {"sign", "return"})
    signed = _take(api, worker, cid, "sign")
    assert set(signed["next_actions"]) == {"return", "verify"}
    check({"return", "verify"}, {"return", "verify"})
    _take(api, worker, cid, "verify", finding="rectified_already", note="店主已打开安全出口")
    check({"reply"}, {"reply"})
    replied = _take(api, worker, cid, "reply", reply="已责令店主打开安全出口")
    assert replied["next_actions"] == []  # closing is the station's
    check({"close"}, set())
    _take(api, station, cid, "close")
    check({"callback_satisfied", "callback_unsatisfied"}, set())

    # The hotline sees its own 回访 among the steps, and takes one.
    path = "/api/v1/hotline/complaints/12345/12345-2026-000001"
    assert set(hotline_call(api, hotline, "GET", path).json()["next_actions"]) == {
        "callback_satisfied",
        "callback_unsatisfied",
    }
    unsatisfied = hotline_call(
        api, hotline, "POST", f"{path}/callback-result", {"satisfied": False, "note": "未整改"}
    )
    assert unsatisfied.status_code == 200, unsatisfied.text
    assert unsatisfied.json()["next_actions"] == []  # reopening is the station's

    check({"reopen"}, set())
    _take(api, station, cid, "reopen", note="复核发现未整改，重办")
    check({"dispatch", "sign", "return"}, {"sign", "return"})
    returned = _take(api, worker, cid, "return", note="不属于本网格")
    assert returned["next_actions"] == []  # gone from the worker who returned it

    # Back in triage: only the station acts, and the worker who returned it sees it no more.
    check({"dispatch"}, None)
    _take(api, station, cid, "dispatch", assignee_id=to_other)
    expected = {
        "station": {"dispatch", "sign", "return"},
        "worker": None,
        "other worker": {"sign", "return"},
        "far worker": None,
        "far station": None,
    }
    _check(api, cid, expected, callers, to_other)
    _take(api, other, cid, "sign")


def test_placing_and_extensions_are_offered_to_whoever_may_do_them(
    api, hotline, grid_worker, station_staff, other_station_staff
):
    station = station_staff.headers(api)
    worker = grid_worker.headers(api)

    # Address only: it waits in the township's triage queue, for its station to place.
    body = complaint_body("12345-2026-000002", address="测试township990101001 幸福路12号")
    del body["location"]
    waiting = send_complaint(api, hotline, body).json()
    cid = waiting["id"]
    seen = api.get(f"/api/v1/complaints/{cid}", headers=station).json()
    assert (seen["state"], seen["may_place"], seen["next_actions"]) == (
        "received",
        True,
        ["dispatch"],
    )
    assert seen["may_decide_extensions"] is True
    placed = api.post(
        f"/api/v1/complaints/{cid}/location",
        json={"location": {"lng": 109.41, "lat": 24.35, "crs": "wgs84"}},
        headers=station,
    )
    assert placed.status_code == 200, placed.text
    assert placed.json()["state"] == "dispatched" and placed.json()["may_place"] is False
    again = api.post(
        f"/api/v1/complaints/{cid}/location",
        json={"location": {"lng": 109.41, "lat": 24.35, "crs": "wgs84"}},
        headers=station,
    )
    assert again.status_code == 409, again.text

    # Dispatched to the grid's worker: they and the station may ask for more time, once.
    mine = api.get(f"/api/v1/complaints/{cid}", headers=worker).json()
    assert (mine["may_place"], mine["may_ask_extension"], mine["may_decide_extensions"]) == (
        False,
        True,
        False,
    )
    assert api.get(f"/api/v1/complaints/{cid}", headers=station).json()["may_ask_extension"]
    asked = api.post(
        f"/api/v1/complaints/{cid}/extensions",
        json={"working_days": 2, "reason": "店主外出"},
        headers=worker,
    )
    assert asked.status_code == 201, asked.text
    for headers in (worker, station):
        seen = api.get(f"/api/v1/complaints/{cid}", headers=headers).json()
        assert seen["may_ask_extension"] is False
    refused = api.post(
        f"/api/v1/complaints/{cid}/extensions",
        json={"working_days": 1, "reason": "再延一天"},
        headers=station,
    )
    assert refused.status_code == 409, refused.text

    # Deciding: the station may, the worker may not, a station elsewhere does not see it.
    decision = f"/api/v1/complaints/extensions/{asked.json()['id']}/decision"
    assert api.post(decision, json={"approve": True}, headers=worker).status_code == 403
    assert (
        api.post(decision, json={"approve": True}, headers=other_station_staff.headers(api))
    ).status_code == 404
    decided = api.post(decision, json={"approve": True}, headers=station)
    assert decided.status_code == 200, decided.text
    listed = api.get("/api/v1/complaints", headers=worker).json()
    assert [(c["id"], c["may_ask_extension"]) for c in listed] == [(cid, True)]
