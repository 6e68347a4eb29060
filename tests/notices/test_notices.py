"""Notices 执法文书 as a township lives them: a worker reports a hazard at a small restaurant,
two officers order it fixed, and the order is issued as a numbered PDF kept with its hash; the
worker serves it on paper and the deadline runs from that moment. Another township's staff
never learn it exists."""

import hashlib
import io
import uuid
from datetime import datetime

from pypdf import PdfReader

from backend.core.audit import events_for
from backend.core.calendar import calendar_deadline
from backend.core.db import utcnow
from backend.core.localtime import LOCAL_TIME
from hazards.models import Hazard
from tests.world import hazard_body, jpeg, premises_body


def _order(api, reporter, confirmer, officers, premises_id, **period) -> str:
    """A hazard reported at the premises, confirmed and ordered to be fixed; its id."""
    hid = api.post(
        "/api/v1/hazards",
        json=hazard_body(premises_id=premises_id),
        headers=reporter.headers(api),
    ).json()["id"]

    def act(person, action, **fields):
        answer = api.post(
            f"/api/v1/hazards/{hid}/actions",
            json={"action": action, **fields},
            headers=person.headers(api),
        )
        assert answer.status_code in (200, 202), answer.text

    act(confirmer, "confirm")
    for officer in officers:
        act(officer, "order_rectification", **period)
    return hid


def _png_signature() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (600, 200), (255, 255, 255)).save(out, "PNG")
    return out.getvalue()


def test_an_order_is_issued_as_a_numbered_pdf_kept_with_its_hash_and_served_on_paper(
    api, db, premises, grid_worker, station_staff, officers, other_station_staff
):
    staff = station_staff.headers(api)
    hid = _order(
        api,
        grid_worker,
        grid_worker,
        [station_staff, officers[0]],
        premises,
        deadline_working_days=3,
        period_days=15,
    )

    listed = api.get(f"/api/v1/hazards/{hid}/notices", headers=staff)
    assert listed.status_code == 200, listed.text
    [notice] = listed.json()
    year = datetime.now(LOCAL_TIME).year
    assert notice["title"] == "责令限期改正通知书"
    assert notice["number"] == f"消限字〔{year}〕第0001号"
    assert (notice["state"], notice["service"]) == ("issued", None)
    assert notice["unit_name"] == "幸福小吃店"

    pdf = api.get(notice["pdf_url"], headers=grid_worker.headers(api))
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    text = text.replace(" ", "").replace("\n", "")
    for printed in ("幸福小吃店", notice["number"], "自送达之日起15日内改正", "第六十条"):
        assert printed in text, printed
    for page in PdfReader(io.BytesIO(pdf.content)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "/DescendantFonts" in font:
                font = font["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in font["/FontDescriptor"].get_object()  # embedded, no Helvetica
    sha = hashlib.sha256(pdf.content).hexdigest()
    assert sha == notice["pdf_sha256"]
    with db() as session:
        [generated] = [
            e for e in events_for(session, "notice", notice["id"]) if e.action == "notice.generated"
        ]
        assert generated.after["sha256"] == sha
        assert generated.after["number"] == notice["number"]

    # Served on paper: the receipt's photo, uploaded as hazard photos are.
    before_service = utcnow()
    served = api.post(
        f"/api/v1/notices/{notice['id']}/service",
        params={"method": "paper"},
        content=jpeg(1600, 1200),
        headers={**grid_worker.headers(api), "Content-Type": "image/jpeg"},
    )
    assert served.status_code == 200, served.text
    service = served.json()["service"]
    assert (service["method"], service["served_by"]) == ("paper", str(grid_worker.id))
    served_at = datetime.fromisoformat(service["served_at"])
    assert before_service <= served_at <= utcnow()
    expected = calendar_deadline(served_at, 15)
    assert datetime.fromisoformat(served.json()["rectification_deadline"]) == expected
    with db() as session:
        assert session.get(Hazard, uuid.UUID(hid)).rectification_deadline == expected

    timeline = api.get(f"/api/v1/hazards/{hid}/timeline", headers=staff).json()
    actions = [step["action"] for step in timeline]
    assert actions.index("hazard.notice_generated") < actions.index("hazard.notice_served")
    assert actions.index("hazard.notice_served") < actions.index("hazard.deadline_from_service")

    # Served once; a second service is refused.
    again = api.post(
        f"/api/v1/notices/{notice['id']}/service",
        params={"method": "paper"},
        content=jpeg(800, 600),
        headers={**grid_worker.headers(api), "Content-Type": "image/jpeg"},
    )
    assert (again.status_code, again.json()["type"].rsplit("/", 1)[-1]) == (
        409,
        "notice-already-served",
    )

    # Another township's staff: as if it did not exist, on every path.
    other = other_station_staff.headers(api)
    for path in (f"/api/v1/notices/{notice['id']}", notice["pdf_url"]):
        assert api.get(path, headers=other).status_code == 404
    assert api.get(f"/api/v1/hazards/{hid}/notices", headers=other).status_code == 404
    assert (
        api.post(
            f"/api/v1/notices/{notice['id']}/service",
            params={"method": "paper"},
            content=jpeg(800, 600),
            headers={**other, "Content-Type": "image/jpeg"},
        ).status_code
        == 404
    )


def test_two_orders_are_numbered_one_after_the_other_and_served_on_site(
    api, db, premises, grid_worker, station_staff, officers
):
    second = api.post(
        "/api/v1/premises",
        json=premises_body(
            name="平安五金店", lng=109.412, lat=24.351, uscc=None, individual_business=True
        ),
        headers=station_staff.headers(api),
    )
    assert second.status_code == 201, second.text
    numbers = []
    hazards = []
    for premises_id in (premises, second.json()["id"]):
        hid = _order(
            api,
            grid_worker,
            grid_worker,
            [station_staff, officers[0]],
            premises_id,
            deadline_working_days=5,
        )
        hazards.append(hid)
        [notice] = api.get(
            f"/api/v1/hazards/{hid}/notices", headers=station_staff.headers(api)
        ).json()
        numbers.append(notice["number"])
    year = datetime.now(LOCAL_TIME).year
    assert numbers == [f"消限字〔{year}〕第0001号", f"消限字〔{year}〕第0002号"]
    assert notice["unit_name"] == "平安五金店"
    assert (notice["period_days"], notice["period_working"]) == (5, True)

    worker = grid_worker.headers(api)
    url = f"/api/v1/notices/{notice['id']}/service"
    sms = api.post(
        url,
        params={"method": "sms_link"},
        content=_png_signature(),
        headers={**worker, "Content-Type": "image/png"},
    )
    assert (sms.status_code, sms.json()["type"].rsplit("/", 1)[-1]) == (
        422,
        "notice-has-no-unit",  # by SMS link: tests/notices/test_unit_link.py
    )
    photo = api.post(
        url,
        params={"method": "on_site"},
        content=jpeg(800, 600),
        headers={**worker, "Content-Type": "image/jpeg"},
    )
    assert (photo.status_code, photo.json()["type"].rsplit("/", 1)[-1]) == (
        422,
        "signature-not-png",
    )
    signed = api.post(
        url,
        params={"method": "on_site"},
        content=_png_signature(),
        headers={**worker, "Content-Type": "image/png"},
    )
    assert signed.status_code == 200, signed.text
    assert signed.json()["service"]["method"] == "on_site"
    with db() as session:
        hazard = session.get(Hazard, uuid.UUID(hazards[1]))
        served_at = datetime.fromisoformat(signed.json()["service"]["served_at"])
        from backend.core.settings import get_settings
        from hazards.deadlines import working_calendar

        assert hazard.rectification_deadline == working_calendar(get_settings()).deadline(
            served_at, 5
        )
        served = [e for e in events_for(session, "notice", notice["id"])]
        assert [(e.action, e.after.get("method")) for e in served] == [
            ("notice.generated", None),
            ("notice.served", "on_site"),
        ]


def test_a_recheck_that_fails_issues_its_own_numbered_opinion(
    api, premises, grid_worker, station_staff, officers
):
    hid = _order(
        api,
        grid_worker,
        grid_worker,
        [station_staff, officers[0]],
        premises,
        deadline_working_days=3,
    )
    worker = grid_worker.headers(api)
    assert (
        api.post(
            f"/api/v1/hazards/{hid}/photos",
            params={"kind": "after"},
            content=jpeg(1600, 1200),
            headers={**worker, "Content-Type": "image/jpeg"},
        ).status_code
        == 201
    )
    for action, fields in (
        ("submit_rectification", {"note": "已清理"}),
        ("fail_verification", {"note": "仍有杂物", "deadline_working_days": 2}),
    ):
        answer = api.post(
            f"/api/v1/hazards/{hid}/actions", json={"action": action, **fields}, headers=worker
        )
        assert answer.status_code == 200, answer.text
    notices = api.get(f"/api/v1/hazards/{hid}/notices", headers=worker).json()
    year = datetime.now(LOCAL_TIME).year
    assert [(n["title"], n["number"]) for n in notices] == [
        ("责令限期改正通知书", f"消限字〔{year}〕第0001号"),
        ("复查意见书", f"消复字〔{year}〕第0001号"),
    ]


def test_numbers_taken_at_once_are_consecutive_and_a_rolled_back_one_is_given_again(db):
    from notices.service import next_number
    from tests.world import at_once

    def take() -> int:
        with db() as session:
            return next_number(session, "990101/rectification_order", 2031)

    assert sorted(at_once(take, times=4)) == [1, 2, 3, 4]
    try:
        with db() as session:
            assert next_number(session, "990101/rectification_order", 2031) == 5
            raise RuntimeError("the order failed after its number was taken")
    except RuntimeError:
        pass
    assert take() == 5  # no gap
    with db() as session:
        assert next_number(session, "990102/rectification_order", 2031) == 1  # its own series
