"""Notices served on site through sync (issue 22, parts 2 and 7): the worker's phone pulls the
notices it has to serve, the unit's person signs on the phone, maybe with no network, and the
signature travels as a record and a PNG (tus, as a hazard photo does). The notice is then served
on site as over HTTP, from the moment it was signed; never twice, and the signature is never
lost, even when the notice was served another way first."""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlparse

import pytest

from backend.core import media
from backend.core.audit import events_for
from backend.core.calendar import calendar_deadline
from backend.core.db import utcnow
from backend.core.settings import get_settings
from hazards.models import Hazard
from notices.models import Notice
from offline_sync.client import Device
from tests.offline_sync.conftest import issued_days_ago, ordered_notice, png_signature
from tests.world import jpeg

TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture
def phone(live_server, grid, grid_worker):
    device = Device(live_server, grid_worker.username, grid_worker.password)
    yield device
    device.close()


@pytest.fixture
def order(api, premises, grid_worker, station_staff, officers):
    """`order(**period)`: a hazard at the premises ordered fixed; (hazard id, notice)."""

    def make(**period):
        period = period or {"deadline_working_days": 5, "period_days": 15}
        return ordered_notice(
            api, grid_worker, grid_worker, [station_staff, officers[0]], premises, **period
        )

    return make


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def upload(api, headers: dict, key: str, data: bytes) -> None:
    """The PNG through tus, keyed by the signature record's id, as a photo's bytes are."""
    created = api.post(
        "/api/v1/uploads/",
        headers={
            **headers,
            **TUS,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": f"photo_id {b64(key)},sha256 {b64(hashlib.sha256(data).hexdigest())}",
        },
    )
    assert created.status_code == 201, created.text
    done = api.patch(
        urlparse(created.headers["Location"]).path,
        content=data,
        headers={
            **headers,
            **TUS,
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert done.status_code == 204, done.text


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def signature(notice_id: str, data: bytes, signed_at: datetime, **extra) -> dict:
    return {
        "notice_id": notice_id,
        "signer_name": "张三",
        "signer_role": "responsible",
        "signed_at": ms(signed_at),
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        **extra,
    }


def steps(db, subject_type: str, subject_id: str, prefix: str = "") -> list:
    with db() as session:
        return [
            e for e in events_for(session, subject_type, subject_id) if e.action.startswith(prefix)
        ]


def test_a_worker_pulls_the_notices_to_serve_in_their_grids_and_served_ones_leave(
    api, db, phone, order, grid, backup_worker, station_staff, live_server
):
    _, first = order()
    _, second = order()
    phone.sync()

    pulled = {n["id"]: n for n in phone.all("notices_to_serve")}
    assert set(pulled) == {first["id"], second["id"]}
    shown = pulled[first["id"]]
    assert (shown["title"], shown["number"], shown["state"]) == (
        "责令限期改正通知书",
        first["number"],
        "issued",
    )
    assert (shown["unit_name"], shown["hazard_id"]) == ("幸福小吃店", first["hazard_id"])
    assert (shown["period_days"], shown["pdf_sha256"]) == (15, first["pdf_sha256"])
    pdf = phone.http.get(shown["pdf_url"], headers=phone.headers)  # to show or print it
    assert pdf.status_code == 200, pdf.text
    assert hashlib.sha256(pdf.content).hexdigest() == shown["pdf_sha256"]
    assert len(pdf.content) == shown["pdf_size"]

    neighbour = Device(live_server, backup_worker.username, backup_worker.password)
    neighbour.sync()
    assert neighbour.all("notices_to_serve") == []  # another grid's

    # Served on paper: gone from the phone at its next pull, and never sent to a new phone.
    served = api.post(
        f"/api/v1/notices/{first['id']}/service",
        params={"method": "paper"},
        content=jpeg(800, 600),
        headers={**station_staff.headers(api), "Content-Type": "image/jpeg"},
    )
    assert served.status_code == 200, served.text
    phone.sync()
    assert [n["id"] for n in phone.all("notices_to_serve")] == [second["id"]]
    fresh = phone.http.get("/api/v1/sync", headers=phone.headers).json()["changes"]
    assert fresh["notices_to_serve"]["deleted"] == []
    assert [n["id"] for n in fresh["notices_to_serve"]["updated"]] == [second["id"]]

    # The grid handed to the neighbour: the notice moves with it.
    handed = api.put(
        f"/api/v1/grids/{grid.code}/team",
        json={"primary": str(backup_worker.id), "backups": []},
        headers=station_staff.headers(api),
    )
    assert handed.status_code == 200, handed.text
    phone.sync()
    neighbour.sync()
    assert phone.all("notices_to_serve") == []
    assert [n["id"] for n in neighbour.all("notices_to_serve")] == [second["id"]]
    neighbour.close()


def test_a_signature_taken_offline_serves_the_notice_from_the_moment_it_was_signed(
    api, db, phone, order, station_staff
):
    hid, notice = order()
    issued_days_ago(db, notice["id"], 3)
    phone.sync()
    data = png_signature()
    signed_at = utcnow() - timedelta(days=2)  # signed at the shop; the phone offline since
    sid = phone.create("notice_signatures", signature(notice["id"], data, signed_at))

    pushed = phone.sync()

    assert pushed.push_answer["created"] == 1 and pushed.push_answer["refused_actions"] == []
    waiting = api.get(f"/api/v1/notices/{notice['id']}", headers=station_staff.headers(api))
    assert waiting.json()["state"] == "issued"  # the record alone serves nothing
    phone.sync()
    assert phone.get("notice_signatures", sid)["state"] == "pending"

    upload(api, phone.headers, sid, data)

    shown = api.get(f"/api/v1/notices/{notice['id']}", headers=station_staff.headers(api)).json()
    service = shown["service"]
    assert (shown["state"], service["method"]) == ("served", "on_site")
    assert service["evidence_sha256"] == hashlib.sha256(data).hexdigest()
    assert service["evidence_mime"] == "image/png"
    served_at = datetime.fromisoformat(service["served_at"])
    assert abs(served_at - signed_at) < timedelta(milliseconds=1)  # the phone's moment
    expected = calendar_deadline(served_at, 15)  # 自送达之日起15日, from the signing
    assert expected < calendar_deadline(utcnow(), 15)  # not from when the phone synced
    assert datetime.fromisoformat(shown["rectification_deadline"]) == expected
    with db() as session:
        assert session.get(Hazard, uuid.UUID(hid)).rectification_deadline == expected
    [served] = steps(db, "notice", notice["id"], "notice.served")
    assert served.after["evidence_sha256"] == hashlib.sha256(data).hexdigest()
    assert (served.after["signer_name"], served.after["signer_role"]) == ("张三", "responsible")
    assert served.after["signature_id"] == sid
    assert [e.action for e in steps(db, "hazard", hid, "hazard.notice_served")] == [
        "hazard.notice_served"
    ]
    assert len(steps(db, "hazard", hid, "hazard.deadline_from_service")) == 1
    assert (
        media.store_for(get_settings()).read(
            media.photo_key(hashlib.sha256(data).hexdigest(), "original", "png")
        )
        == data
    )

    phone.sync()
    assert phone.get("notice_signatures", sid)["state"] == "served"
    assert phone.all("notices_to_serve") == []  # served: gone

    # The same record pushed again, and its PNG sent again: nothing is served twice.
    again = phone.http.post(
        "/api/v1/sync",
        params={"last_pulled_at": phone.last_pulled_at},
        json={
            "changes": {
                "notice_signatures": {
                    "created": [{"id": sid, **signature(notice["id"], data, signed_at)}],
                    "updated": [],
                    "deleted": [],
                }
            }
        },
        headers=phone.headers,
    )
    assert again.status_code == 200, again.text
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 1)
    upload(api, phone.headers, sid, data)
    assert len(steps(db, "notice", notice["id"], "notice.served")) == 1
    assert len(steps(db, "hazard", hid, "hazard.deadline_from_service")) == 1


def test_a_png_that_comes_first_waits_and_a_phone_clock_is_kept_within_issue_and_now(
    api, db, phone, order, station_staff
):
    _, early = order()
    _, late = order()
    phone.sync()
    with db() as session:
        issued_at = session.get(Notice, uuid.UUID(early["id"])).issued_at
    data = png_signature(640, 200)
    other = png_signature(700, 220)
    behind = phone.create(  # a clock a day behind: not before the notice existed
        "notice_signatures", signature(early["id"], data, issued_at - timedelta(days=1))
    )
    ahead = phone.create(  # a clock a day ahead: not after now
        "notice_signatures",
        signature(late["id"], other, utcnow() + timedelta(days=1), signer_role="manager"),
    )
    upload(api, phone.headers, behind, data)  # the bytes first: they wait for their record
    upload(api, phone.headers, ahead, other)
    assert (
        api.get(f"/api/v1/notices/{early['id']}", headers=station_staff.headers(api)).json()[
            "state"
        ]
        == "issued"
    )

    before_push = utcnow()
    pushed = phone.sync()

    assert pushed.push_answer["created"] == 2 and pushed.push_answer["refused_actions"] == []
    staff = station_staff.headers(api)
    first = api.get(f"/api/v1/notices/{early['id']}", headers=staff).json()["service"]
    second = api.get(f"/api/v1/notices/{late['id']}", headers=staff).json()["service"]
    assert datetime.fromisoformat(first["served_at"]) == issued_at
    assert before_push <= datetime.fromisoformat(second["served_at"]) <= utcnow()
    [served] = steps(db, "notice", late["id"], "notice.served")
    assert served.after["signer_role"] == "manager"


def test_a_notice_served_on_paper_first_keeps_its_service_and_the_signature_is_kept(
    api, db, phone, order, station_staff
):
    hid, notice = order()
    phone.sync()
    data = png_signature()
    sid = phone.create(
        "notice_signatures", signature(notice["id"], data, utcnow() - timedelta(minutes=30))
    )
    upload(api, phone.headers, sid, data)
    paper = api.post(  # meanwhile, at the station, the receipt the unit signed
        f"/api/v1/notices/{notice['id']}/service",
        params={"method": "paper"},
        content=jpeg(800, 600),
        headers={**station_staff.headers(api), "Content-Type": "image/jpeg"},
    )
    assert paper.status_code == 200, paper.text

    pushed = phone.sync()  # accepted: the phone is not blocked

    assert pushed.push_answer["created"] == 1
    assert pushed.push_answer["refused_actions"] == [sid]
    shown = api.get(f"/api/v1/notices/{notice['id']}", headers=station_staff.headers(api)).json()
    assert shown["service"]["method"] == "paper"  # the first service stands
    assert len(steps(db, "notice", notice["id"], "notice.served")) == 1
    [conflict] = steps(db, "notice", notice["id"], "notice.signature_conflict")
    assert conflict.after["evidence_sha256"] == hashlib.sha256(data).hexdigest()
    assert conflict.after["served_by_method"] == "paper"
    assert [e.action for e in steps(db, "hazard", hid, "hazard.notice_signature_conflict")] == [
        "hazard.notice_signature_conflict"
    ]
    assert (
        media.store_for(get_settings()).read(  # the signature is not lost
            media.photo_key(hashlib.sha256(data).hexdigest(), "original", "png")
        )
        == data
    )
    phone.sync()
    kept = phone.get("notice_signatures", sid)
    assert kept["state"] == "conflict"
    assert "had been served (paper)" in kept["reason"]


def test_a_signature_for_a_notice_elsewhere_or_not_a_png_is_refused_and_kept(
    api, db, live_server, phone, order, backup_worker, station_staff
):
    _, notice = order()
    neighbour = Device(live_server, backup_worker.username, backup_worker.password)
    neighbour.sync()
    data = png_signature()
    elsewhere = neighbour.create("notice_signatures", signature(notice["id"], data, utcnow()))
    pushed = neighbour.sync()
    assert pushed.push_answer["refused_actions"] == [elsewhere]
    upload(api, neighbour.headers, elsewhere, data)
    neighbour.sync()
    refused = neighbour.get("notice_signatures", elsewhere)
    assert refused["state"] == "refused" and "in your area" in refused["reason"]
    neighbour.close()

    photo = jpeg(800, 600)
    phone.sync()
    not_png = phone.create("notice_signatures", signature(notice["id"], photo, utcnow()))
    phone.sync()
    upload(api, phone.headers, not_png, photo)
    phone.sync()
    refused = phone.get("notice_signatures", not_png)
    assert refused["state"] == "refused" and "PNG" in refused["reason"]
    assert (
        api.get(f"/api/v1/notices/{notice['id']}", headers=station_staff.headers(api)).json()[
            "state"
        ]
        == "issued"
    )
    assert steps(db, "notice", notice["id"], "notice.served") == []


def test_a_signature_record_with_bad_fields_is_named_field_by_field(phone, order):
    _, notice = order()
    phone.sync()
    bad = signature(notice["id"], png_signature(), utcnow(), signer_role="boss", signer_name="")
    del bad["signed_at"]
    phone.create("notice_signatures", {**bad, "size": 0})

    answer = phone.http.post(
        "/api/v1/sync",
        params={"last_pulled_at": phone.last_pulled_at},
        json={"changes": phone.local_changes()},
        headers=phone.headers,
    )

    assert answer.status_code == 422, answer.text
    fields = sorted(e["field"].rsplit(".", 1)[-1] for e in answer.json()["errors"])
    assert fields == ["signed_at", "signer_name", "signer_role", "size"]
    assert (
        phone.http.get(f"/api/v1/notices/{notice['id']}", headers=phone.headers).json()["state"]
        == "issued"
    )
