"""A citizen reports from the page with a photo, follows the report by its code through the
grid worker's check, the reply and the station's closing, and says "not fixed": the report is
redone and whoever closed it hears of it. What the citizen reads never names a person."""

from __future__ import annotations

import base64
import hashlib
import io

from PIL import Image
from sqlalchemy import select
from tusclient import client as tus

from backend.core import media
from complaints.citizens import codes
from complaints.models import CitizenReport, Complaint, ComplaintCaller
from tests.complaints.citizens.conftest import (
    CODE_TEMPLATE_CODE,
    STAGE_TEMPLATE_CODE,
    answered,
    declared,
    photo_bytes,
    report_body,
    wrongly_answered,
)


def file_report(api, **fields) -> dict:
    answer = api.post("/api/v1/citizen/reports", json=report_body(api, **fields))
    assert answer.status_code == 201, answer.text
    return answer.json()


def upload(live_server, taken: dict, photo: dict, data: bytes) -> None:
    client = tus.TusClient(
        live_server + taken["upload"]["endpoint"],
        headers={"Authorization": f"Bearer {taken['upload']['token']}"},
    )
    client.uploader(
        file_stream=io.BytesIO(data),
        chunk_size=64_000,
        metadata={"photo_id": photo["id"], "sha256": photo["sha256"]},
    ).upload()


def complaint_of(db, code: str) -> Complaint:
    with db() as session:
        report = session.scalar(
            select(CitizenReport).where(
                CitizenReport.follow_digest == codes.digest(codes.normalised(code))
            )
        )
        return session.get(Complaint, report.complaint_id)


def act(api, person, cid, **body) -> dict:
    answer = api.post(f"/api/v1/complaints/{cid}/actions", json=body, headers=person.headers(api))
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_form_is_closed_until_the_deployment_opens_it(api):
    assert api.get("/api/v1/citizen/form").json() == {
        "enabled": False,
        "area_name": None,
        "categories": [],
        "stages": [],
        "challenge": None,
        "limits": None,
        "dispute_days": 0,
        "map": None,
        "public_map": False,
    }
    closed = api.get("/api/v1/citizen/areas")
    assert (closed.status_code, closed.json()["title"]) == (
        404,
        "The citizens' page is not open here",
    )


def test_the_form_says_what_to_choose_and_where(api, page_open, township):
    form = api.get("/api/v1/citizen/form").json()
    assert form["enabled"] and form["area_name"] == f"测试township{township.code}"
    assert {"code": "ebike_indoor", "name": "电动自行车室内停放充电、飞线充电"} in form[
        "categories"
    ]
    assert [s["code"] for s in form["stages"]] == ["dispatched", "verified", "replied", "closed"]
    west, south, east, north = form["map"]["bbox"]
    assert west <= form["map"]["center"][0] <= east and south <= form["map"]["center"][1] <= north
    shapes = api.get(form["map"]["areas_url"]).json()
    assert [f["properties"]["code"] for f in shapes["features"]] == [township.code]


def test_report_follow_close_and_say_not_fixed(
    api, db, live_server, page_open, grid, grid_worker, station_staff, photo_store
):
    data = photo_bytes()
    photo = declared(data)
    taken = file_report(api, photos=[photo], phone="13912345678", wants=["replied", "closed"])
    code = taken["follow_code"]
    assert len(code) == 14 and code.count("-") == 2

    seen = api.get(f"/api/v1/citizen/reports/{code.lower().replace('-', ' ')}").json()
    assert seen["state"] == "dispatched" and seen["photos_waiting"] == 1  # routed to its worker
    upload(live_server, taken, photo, data)
    seen = api.get(f"/api/v1/citizen/reports/{code}").json()
    assert seen["photos_waiting"] == 0 and [p["kind"] for p in seen["photos"]] == ["report"]
    public = api.get(seen["photos"][0]["url"])
    assert public.headers["content-type"] == "image/jpeg"
    assert not Image.open(io.BytesIO(public.content)).getexif()  # no EXIF, no GPS, no time
    assert public.content == photo_store.read(media.photo_key(photo["sha256"], "public", "jpg"))

    complaint = complaint_of(db, code)
    assert (complaint.channel, complaint.area_id) == ("web", grid.id)
    cid = str(complaint.id)
    act(api, grid_worker, cid, action="sign")
    act(api, grid_worker, cid, action="verify", finding="rectified_already", note="已清理")
    act(api, grid_worker, cid, action="reply", reply="已责令拆除飞线，电动车移出楼道")
    act(api, station_staff, cid, action="close")

    seen = api.get(f"/api/v1/citizen/reports/{code}").json()
    assert seen["state"] == "closed" and seen["state_name"] == "已办结"
    assert [s["code"] for s in seen["stages"] if s["at"]] == [
        "received",
        "dispatched",
        "verified",
        "replied",
        "closed",
    ]
    assert seen["reply"] == "已责令拆除飞线，电动车移出楼道"
    assert seen["may_dispute"] and seen["dispute_until"]

    again = photo_bytes(900, 1200)
    second = declared(again)
    disputed = api.post(
        f"/api/v1/citizen/reports/{code}/not-fixed",
        json={"note": "晚上还是在楼道充电", "photos": [second], "challenge": answered(api)},
    )
    assert disputed.status_code == 200, disputed.text
    upload(live_server, {"upload": disputed.json()["upload"]}, second, again)
    seen = api.get(f"/api/v1/citizen/reports/{code}").json()
    assert seen["state"] == "reopened" and not seen["may_dispute"]
    assert seen["stages"][-1]["code"] == "reopened"
    assert all(stage["at"] for stage in seen["stages"])  # closed then, reopened now
    assert [p["kind"] for p in seen["photos"]] == ["report", "dispute"]
    staff_view = api.get(f"/api/v1/complaints/{cid}", headers=station_staff.headers(api)).json()
    assert staff_view["state"] == "reopened"
    inbox = api.get("/api/v1/notifications", headers=station_staff.headers(api)).json()
    assert any("群众反馈未整改" in item["title"] for item in inbox["items"])
    twice = api.post(
        f"/api/v1/citizen/reports/{code}/not-fixed",
        json={"note": "还是没改", "photos": [declared(again)], "challenge": answered(api)},
    )
    assert twice.status_code == 409

    # Never published: the phone, the worker, the station.
    text = api.get(f"/api/v1/citizen/reports/{code}").text
    for secret in (
        "13912345678",
        grid_worker.username,
        station_staff.username,
        str(grid_worker.id),
    ):
        assert secret not in text
    with db() as session:
        caller = session.scalar(
            select(ComplaintCaller).where(ComplaintCaller.complaint_id == complaint.id)
        )
        assert caller.masked_phone == "139****5678" and "13912345678" not in caller.sealed_phone


def test_a_retried_report_is_taken_once(api, db, page_open):
    body = report_body(api)
    headers = {"Idempotency-Key": "7f1b0c9e-retry-on-3g"}
    first = api.post("/api/v1/citizen/reports", json=body, headers=headers)
    again = api.post("/api/v1/citizen/reports", json=body, headers=headers)
    other = api.post(
        "/api/v1/citizen/reports", json={**body, "description": "另一件事"}, headers=headers
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["follow_code"] == first.json()["follow_code"]
    assert other.status_code == 422 and other.json()["field"] == "Idempotency-Key"
    with db() as session:
        assert len(session.scalars(select(Complaint).where(Complaint.channel == "web")).all()) == 1


def test_what_a_report_must_carry_is_checked_before_anything_is_written(
    api, db, page_open, monkeypatch
):
    from backend.core.settings import get_settings

    monkeypatch.setenv("FIREGRID_CITIZEN_LIMIT_PER_ADDRESS", "100/minute")
    get_settings.cache_clear()

    def refused(body: dict) -> dict:
        answer = api.post("/api/v1/citizen/reports", json=body)
        assert 400 <= answer.status_code < 500, answer.text
        return answer.json()

    spent = answered(api)
    assert (
        api.post("/api/v1/citizen/reports", json=report_body(api, challenge=spent)).status_code
        == 201
    )
    assert refused(report_body(api, challenge=spent))["detail"].endswith("answered already")
    wrong = wrongly_answered(api)
    assert refused(report_body(api, challenge=wrong))["field"] == "challenge.nonce"
    forged = {"token": "6.9999999999.00.forged", "nonce": "1"}
    assert refused(report_body(api, challenge=forged))["field"] == "challenge"
    too_many = [declared(photo_bytes(100 + i, 100)) for i in range(5)]
    assert refused(report_body(api, photos=too_many))["field"] == "photos"
    assert refused(report_body(api, wants=["closed"]))["field"] == "phone"
    outside = refused(report_body(api, lng=116.39, lat=39.9))  # Beijing: not served here
    assert outside["status"] == 422
    with db() as session:
        assert len(session.scalars(select(Complaint).where(Complaint.channel == "web")).all()) == 1


def test_reports_from_one_address_are_limited(api, page_open, monkeypatch):
    from backend.core.settings import get_settings

    monkeypatch.setenv("FIREGRID_CITIZEN_LIMIT_PER_ADDRESS", "2/minute")
    get_settings.cache_clear()
    for _ in range(2):
        file_report(api)
    third = api.post("/api/v1/citizen/reports", json=report_body(api))
    assert third.status_code == 429 and int(third.headers["Retry-After"]) >= 1


def test_photos_come_only_as_declared_and_only_with_their_reports_token(
    api, live_server, page_open
):
    data = photo_bytes()
    photo = declared(data)
    mine = file_report(api, photos=[photo])
    theirs = file_report(api)
    tus_headers = {"Tus-Resumable": "1.0.0", "Upload-Length": str(len(data))}

    def start(taken: dict, photo_id: str, sha256: str):
        metadata = ",".join(
            f"{k} {base64.b64encode(v.encode()).decode()}"
            for k, v in (("photo_id", photo_id), ("sha256", sha256))
        )
        return api.post(
            "/api/v1/citizen/uploads/",
            headers={
                **tus_headers,
                "Upload-Metadata": metadata,
                "Authorization": f"Bearer {taken['upload']['token']}",
            },
        )

    assert start(theirs, photo["id"], photo["sha256"]).status_code == 404  # not their photo
    other_bytes = hashlib.sha256(b"other").hexdigest()
    assert start(mine, photo["id"], other_bytes).status_code == 422
    no_token = api.post("/api/v1/citizen/uploads/", headers=tus_headers)
    assert no_token.status_code == 401
    assert start(mine, photo["id"], photo["sha256"]).status_code == 201


def test_a_reporter_who_left_a_phone_is_rewarded_as_a_hotline_caller_is(
    api, db, page_open, grid_worker, station_staff
):
    named = file_report(api, phone="13912345678")
    anonymous = file_report(api, lng=109.412, category="exit_blocked")
    for taken in (named, anonymous):
        cid = str(complaint_of(db, taken["follow_code"]).id)
        act(api, grid_worker, cid, action="sign")
        act(api, grid_worker, cid, action="verify", finding="hazard_found", note="属实")

    rewards = api.get("/api/v1/complaints/rewards", headers=station_staff.headers(api)).json()

    assert [(r["complaint_id"], r["state"]) for r in rewards] == [
        (str(complaint_of(db, named["follow_code"]).id), "eligible")
    ]
    assert rewards[0]["caller_phone"] == "139****5678"


def test_a_reporter_is_texted_the_stages_they_asked_for_and_no_other(
    api, db, sms_settings, fake_sms, grid_worker, station_staff
):
    from backend.notify import service as notify

    told = file_report(api, phone="13912345678", wants=["verified", "closed"])
    silent = file_report(api, lng=109.412, category="exit_blocked")  # no phone, nothing asked
    for taken in (told, silent):
        cid = str(complaint_of(db, taken["follow_code"]).id)
        act(api, grid_worker, cid, action="sign")
        act(api, grid_worker, cid, action="verify", finding="rectified_already", note="已清理")
        act(api, grid_worker, cid, action="reply", reply="已处理")
        act(api, station_staff, cid, action="close")

    with db() as session:
        notify.deliver_outbox(session, sms_settings)

    assert [(t["PhoneNumbers"], t["TemplateCode"], t["params"]) for t in fake_sms.sent] == [
        ("13912345678", STAGE_TEMPLATE_CODE, {"code": told["follow_code"], "stage": stage})
        for stage in ("已现场核查", "已办结")
    ]


def test_a_reporter_without_codes_follows_their_reports_by_phone(api, db, sms_settings, fake_sms):
    from backend.notify import service as notify

    first = file_report(api, phone="13912345678")
    second = file_report(api, phone="+86 139-1234-5678", lng=109.412)
    file_report(api, phone="13700000000", lng=109.413)  # someone else's
    sent = api.post(
        "/api/v1/citizen/phone-codes",
        json={"phone": "13912345678", "challenge": answered(api)},
    )
    assert sent.status_code == 202, sent.text
    with db() as session:
        notify.deliver_outbox(session, sms_settings)
    (text,) = [t for t in fake_sms.sent if t["TemplateCode"] == CODE_TEMPLATE_CODE]
    code = text["params"]["code"]
    assert text["PhoneNumbers"] == "13912345678" and len(code) == 6

    wrong = "000000" if code != "000000" else "111111"
    refused = api.post(
        "/api/v1/citizen/phone-sessions", json={"phone": "13912345678", "code": wrong}
    )
    assert refused.status_code == 422 and refused.json()["detail"].endswith("4 tries are left")
    again_wrong = api.post(
        "/api/v1/citizen/phone-sessions", json={"phone": "13912345678", "code": wrong}
    )
    assert again_wrong.json()["detail"].endswith("3 tries are left")  # the first one counted
    proven = api.post(
        "/api/v1/citizen/phone-sessions", json={"phone": "139 1234 5678", "code": code}
    )
    assert proven.status_code == 201, proven.text
    mine = api.get(
        "/api/v1/citizen/my-reports",
        headers={"Authorization": f"Bearer {proven.json()['token']}"},
    )
    assert [r["follow_code"] for r in mine.json()] == [
        second["follow_code"],
        first["follow_code"],
    ]
    again = api.post("/api/v1/citizen/phone-sessions", json={"phone": "13912345678", "code": code})
    assert again.status_code == 422  # a code is good once
    assert api.get("/api/v1/citizen/my-reports").status_code == 401


def test_a_small_photo_goes_up_with_the_request_that_creates_its_upload(api, page_open):
    data = photo_bytes(1280, 960)
    photo = declared(data)
    taken = file_report(api, photos=[photo])
    metadata = ",".join(
        f"{k} {base64.b64encode(v.encode()).decode()}"
        for k, v in (("photo_id", photo["id"]), ("sha256", photo["sha256"]))
    )

    created = api.post(
        taken["upload"]["endpoint"],
        content=data,
        headers={
            "Authorization": f"Bearer {taken['upload']['token']}",
            "Tus-Resumable": "1.0.0",
            "Upload-Length": str(len(data)),
            "Upload-Metadata": metadata,
            "Content-Type": "application/offset+octet-stream",
        },
    )

    assert created.status_code == 201, created.text
    assert created.headers["Upload-Offset"] == str(len(data))
    seen = api.get(f"/api/v1/citizen/reports/{taken['follow_code']}").json()
    assert seen["photos_waiting"] == 0 and len(seen["photos"]) == 1
    assert (
        "creation-with-upload" in api.options("/api/v1/citizen/uploads/").headers["Tus-Extension"]
    )


def test_codes_texted_to_one_number_are_limited(api, page_open, monkeypatch):
    from backend.core.settings import get_settings

    monkeypatch.setenv("FIREGRID_CITIZEN_LIMIT_PER_PHONE", "1/minute")
    get_settings.cache_clear()

    def ask():
        return api.post(
            "/api/v1/citizen/phone-codes",
            json={"phone": "13912345678", "challenge": answered(api)},
            headers={"Accept-Language": "zh-CN"},
        )

    assert ask().status_code == 202
    refused = ask()
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["detail"].startswith("该手机号码获取验证码过于频繁")
