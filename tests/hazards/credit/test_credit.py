"""A unit's credit record: hazards and missed deadlines enter it, officers add refusals and stop
orders, the rules put it on the blacklist, under watch or on the red list, and a unit that has
put things right gets its record repaired after the waiting time, decided by a second officer."""

import uuid
from datetime import timedelta

from sqlalchemy import select, update

from backend.core.db import utcnow
from backend.core.settings import get_settings
from hazards.credit.models import CreditRecord, CreditStanding
from hazards.credit.scheduled import reassess_due_credit, record_overdue_rectifications
from hazards.models import Hazard
from tests.world import at_once, hazard_body, make_person


def act(api, person, hazard_id, action, **fields):
    return api.post(
        f"/api/v1/hazards/{hazard_id}/actions",
        json={"action": action, **fields},
        headers=person.headers(api),
    )


def credit(api, person, premises_id) -> dict:
    answer = api.get(f"/api/v1/premises/{premises_id}/credit", headers=person.headers(api))
    assert answer.status_code == 200, answer.text
    return answer.json()


def enter(api, officer, premises_id, kind, note="现场检查记录", **extra):
    return api.post(
        f"/api/v1/premises/{premises_id}/credit/records",
        json={"kind": kind, "note": note, **extra},
        headers=officer.headers(api),
    )


def appeal(api, officer, record_id, kind="repair", **extra):
    return api.post(
        "/api/v1/credit/appeals",
        json={"record_id": record_id, "kind": kind, "statement": "单位已整改完毕", **extra},
        headers=officer.headers(api),
    )


def decide(api, officer, appeal_id, decision="approve"):
    return api.post(
        f"/api/v1/credit/appeals/{appeal_id}/decision",
        json={"decision": decision, "note": "材料齐全，经复核"},
        headers=officer.headers(api),
    )


def confirmed_hazard(api, worker, premises_id, **extra) -> str:
    reported = api.post(
        "/api/v1/hazards",
        json=hazard_body(premises_id=premises_id, **extra),
        headers=worker.headers(api),
    )
    assert reported.status_code == 201, reported.text
    hid = reported.json()["id"]
    assert act(api, worker, hid, "confirm").status_code == 200
    return hid


def deadline_passes(db, hazard_id):
    past = utcnow() - timedelta(minutes=1)
    with db() as session:
        session.execute(
            update(Hazard)
            .where(Hazard.id == uuid.UUID(hazard_id))
            .values(rectification_deadline=past, credit_overdue_at=past)
        )


def note_overdue(db) -> int:
    with db() as session:
        return record_overdue_rectifications(session, get_settings())


def years_pass(db, premises_id, days):
    """Time passes for a unit: its records and its next review move `days` into the past."""
    shift, pid = timedelta(days=days), uuid.UUID(premises_id)
    with db() as session:
        for record in session.scalars(select(CreditRecord).where(CreditRecord.premises_id == pid)):
            record.recorded_at -= shift
        standing = session.get(CreditStanding, pid)
        if standing is not None and standing.review_at is not None:
            standing.review_at -= shift


def test_a_confirmed_hazard_and_a_missed_deadline_put_the_unit_under_watch(
    api, db, premises, grid_worker, station_staff, officers
):
    hid = confirmed_hazard(api, grid_worker, premises)
    record = credit(api, station_staff, premises)
    assert [r["kind"] for r in record["records"]] == ["hazard_confirmed"]
    assert record["status"] == "normal"  # one hazard alone is not a pattern

    for officer in (station_staff, officers[0]):
        act(api, officer, hid, "order_rectification", deadline_working_days=5)
    deadline_passes(db, hid)
    assert note_overdue(db) == 1
    assert note_overdue(db) == 0  # each missed deadline is noted once

    record = credit(api, grid_worker, premises)
    assert [r["kind"] for r in record["records"]] == ["rectification_overdue", "hazard_confirmed"]
    assert record["status"] == "watch"
    assert record["reasons"] == [
        "a rectification overdue in the last year (一年内有逾期未整改隐患)"
    ]
    listed = api.get(f"/api/v1/premises/{premises}", headers=station_staff.headers(api)).json()
    assert listed["credit_status"] == "watch"


def test_a_major_hazard_left_unrectified_past_its_listing_deadline_blacklists_the_unit(
    api, db, premises, grid_worker, station_staff, brigade_staff, officers
):
    hid = api.post(
        "/api/v1/hazards",
        json=hazard_body(premises_id=premises, severity="major", category="exit_blocked"),
        headers=grid_worker.headers(api),
    ).json()["id"]
    for officer in (station_staff, brigade_staff, officers[0]):
        act(api, officer, hid, "determine_major", criteria=["GB 35181-2025 4.2.1"])
    assert credit(api, brigade_staff, premises)["status"] == "watch"  # a major hazard on record

    act(api, brigade_staff, hid, "report_to_government")
    without_deadline = act(api, brigade_staff, hid, "list", listing_level="county")
    assert without_deadline.status_code == 422
    assert without_deadline.json()["fields"] == ["deadline_working_days"]
    for officer in (brigade_staff, officers[1]):
        act(api, officer, hid, "list", listing_level="county", deadline_working_days=30)
    deadline_passes(db, hid)
    note_overdue(db)

    record = credit(api, brigade_staff, premises)
    assert record["status"] == "blacklist"
    assert (
        "a major hazard unrectified past its deadline (重大火灾隐患逾期未改)" in record["reasons"]
    )
    overdue = [r for r in record["records"] if r["kind"] == "rectification_overdue"]
    assert [(r["severity"], r["hazard_id"]) for r in overdue] == [("major", hid)]


def test_officers_enter_refusals_and_only_certified_officers_in_scope_may(
    api, db, premises, township, grid_worker, station_staff, other_station_staff
):
    uncertified = make_person(db, "station.trainee", station_staff.role, township, certified=False)
    assert enter(api, grid_worker, premises, "order_refused").status_code == 403
    assert enter(api, uncertified, premises, "order_refused").status_code == 403
    assert enter(api, other_station_staff, premises, "order_refused").status_code == 404
    automatic = enter(api, station_staff, premises, "rectification_overdue")
    assert automatic.status_code == 422 and automatic.json()["field"] == "kind"
    elsewhere = enter(api, station_staff, premises, "order_refused", hazard_id=str(uuid.uuid4()))
    assert elsewhere.status_code == 422 and elsewhere.json()["field"] == "hazard_id"
    assert credit(api, station_staff, premises)["records"] == []  # refusals wrote nothing

    refused = enter(api, station_staff, premises, "order_refused", note="拒不清理疏散通道")
    assert refused.status_code == 201, refused.text
    record = credit(api, station_staff, premises)
    assert (record["status"], record["reasons"]) == ("blacklist", ["refused to rectify (拒不整改)"])
    assert (
        api.get(f"/api/v1/premises/{premises}/credit", headers=other_station_staff.headers(api))
    ).status_code == 404


def test_credit_is_repaired_after_a_year_once_obligations_are_met_by_a_second_officer(
    api, db, premises, station_staff, officers
):
    record_id = enter(api, station_staff, premises, "order_refused").json()["id"]

    too_early = appeal(api, station_staff, record_id, obligations_met=True)
    assert too_early.status_code == 409, too_early.text
    assert too_early.json()["type"].endswith("/credit-repair-not-yet-possible")
    assert too_early.json()["eligible_from"] is not None
    assert too_early.json()["unmet"][0].startswith("may be repaired from")

    years_pass(db, premises, 366)
    unconfirmed = appeal(api, station_staff, record_id)
    assert unconfirmed.status_code == 409
    assert unconfirmed.json()["unmet"] == [
        "the unit's obligations (rectification, fines, orders) are not confirmed met"
    ]
    filed = appeal(api, station_staff, record_id, obligations_met=True)
    assert filed.status_code == 201, filed.text
    assert appeal(api, station_staff, record_id, obligations_met=True).status_code == 409
    pending = api.get(
        "/api/v1/credit/appeals", params={"state": "pending"}, headers=officers[0].headers(api)
    ).json()
    assert [a["id"] for a in pending] == [filed.json()["id"]]

    own = decide(api, station_staff, filed.json()["id"])
    assert own.status_code == 403 and own.json()["type"].endswith("/second-officer-required")
    approved = decide(api, officers[0], filed.json()["id"])
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    assert decide(api, officers[0], filed.json()["id"]).status_code == 409

    record = credit(api, station_staff, premises)
    assert record["status"] == "normal"
    assert [(r["kind"], r["standing"]) for r in record["records"]] == [
        ("order_refused", "repaired")
    ]


def test_a_stop_order_waits_three_years_and_a_newer_record_of_its_kind_blocks_repair(
    api, db, premises, station_staff
):
    stopped = enter(api, station_staff, premises, "business_stopped").json()
    years_pass(db, premises, 400)
    early = appeal(api, station_staff, stopped["id"], obligations_met=True)
    assert early.status_code == 409 and early.json()["unmet"][0].startswith("may be repaired from")
    years_pass(db, premises, 700)
    assert appeal(api, station_staff, stopped["id"], obligations_met=True).status_code == 201

    older = enter(api, station_staff, premises, "order_refused").json()
    years_pass(db, premises, 400)
    enter(api, station_staff, premises, "order_refused")
    blocked = appeal(api, station_staff, older["id"], obligations_met=True)
    assert blocked.status_code == 409
    assert blocked.json()["unmet"][0].startswith("a newer order_refused record exists")


def test_an_upheld_objection_annuls_a_wrong_entry_and_the_red_list_returns(
    api, db, premises, station_staff, officers
):
    enter(api, station_staff, premises, "commendation", note="消防安全标准化管理达标")
    assert credit(api, station_staff, premises)["status"] == "red_list"

    wrong = enter(api, station_staff, premises, "false_commitment").json()
    assert credit(api, station_staff, premises)["status"] == "blacklist"
    objection = appeal(api, station_staff, wrong["id"], kind="objection")
    assert objection.status_code == 201  # an objection does not wait for a year
    decide(api, officers[0], objection.json()["id"])

    record = credit(api, officers[0], premises)
    assert record["status"] == "red_list"
    standing = {r["kind"]: r["standing"] for r in record["records"]}
    assert standing == {"commendation": "active", "false_commitment": "annulled"}
    assert appeal(api, station_staff, wrong["id"], kind="objection").status_code == 409


def test_a_unit_leaves_watch_when_its_records_age_out_of_the_window(
    api, db, premises, grid_worker, station_staff
):
    for category in ("ebike_indoor", "open_flame", "flammables"):
        confirmed_hazard(api, grid_worker, premises, category=category)
    assert credit(api, station_staff, premises)["status"] == "watch"

    with db() as session:
        assert reassess_due_credit(session, get_settings()) == 0  # nothing due yet
    years_pass(db, premises, 366)
    with db() as session:
        assert reassess_due_credit(session, get_settings()) == 1

    assert credit(api, station_staff, premises)["status"] == "normal"
    with db() as session:
        assert reassess_due_credit(session, get_settings()) == 0  # no window left to close


def test_two_workers_noting_the_same_missed_deadline_note_it_once(
    api, db, premises, grid_worker, station_staff, officers
):
    hid = confirmed_hazard(api, grid_worker, premises)
    for officer in (station_staff, officers[0]):
        act(api, officer, hid, "order_rectification", deadline_working_days=5)
    deadline_passes(db, hid)
    results = at_once(lambda: note_overdue(db))
    assert sorted(results) == [0, 1]
    kinds = [r["kind"] for r in credit(api, station_staff, premises)["records"]]
    assert kinds.count("rectification_overdue") == 1


def test_the_answer_says_who_may_record_file_and_decide(
    api, db, premises, township, grid_worker, station_staff, officers
):
    uncertified = make_person(db, "station.trainee", station_staff.role, township, certified=False)
    record_id = enter(api, station_staff, premises, "false_commitment").json()["id"]
    appeal(api, station_staff, record_id, kind="objection")

    def flags(person):
        answer = credit(api, person, premises)
        return answer["may_record"], answer["may_appeal"], answer["appeals"][0]["may_decide"]

    assert flags(station_staff) == (True, True, False)  # the filer may not decide
    assert flags(officers[0]) == (True, True, True)
    assert flags(uncertified) == (False, True, False)
    assert flags(grid_worker) == (False, False, False)
    (listed,) = api.get("/api/v1/credit/appeals", headers=officers[0].headers(api)).json()
    assert listed["may_decide"] is True
    decided = decide(api, officers[0], listed["id"], "reject")
    assert decided.json()["may_decide"] is False
    assert flags(officers[0])[2] is False
