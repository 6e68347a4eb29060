"""A bulletin's figures on a small world: which hazards a month finds and closes, which were
rectified on time, complaints answered on time, and the month before in the trend
(docs/bulletins.md defines each)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from backend.core.db import utcnow
from backend.core.localtime import LOCAL_TIME
from bulletins.figures import month_bounds
from bulletins.service import current_month
from complaints.models import Complaint
from hazards.models import Hazard
from tests.world import complaint_body, hazard_body, premises_body, send_complaint

MONTH = month_bounds(current_month(utcnow()), -2)[0].strftime("%Y-%m")  # two months ago


def day(n: int, month: str = MONTH, plus: int = 0) -> datetime:
    """Noon, Beijing time, on day `n` of the month."""
    start = month_bounds(month, plus)[0]
    return (start + timedelta(days=n - 1, hours=12)).astimezone(UTC)


def report(api, person, **fields) -> uuid.UUID:
    response = api.post("/api/v1/hazards", json=hazard_body(**fields), headers=person.headers(api))
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"])


def set_hazard(db, hazard_id: uuid.UUID, **values) -> None:
    with db() as session:
        session.execute(update(Hazard).where(Hazard.id == hazard_id).values(**values))


def closed(state: str, at: datetime, **values) -> dict:
    """Closed at `at`, touched since (a late photo): the month counts the closing."""
    return {"state": state, "is_open": False, "closed_at": at, "updated_at": utcnow(), **values}


def test_the_months_hazards_and_complaints_are_counted_as_defined(
    api,
    db,
    county,
    township,
    other_township,
    village,
    grid,
    grid_worker,
    citizen,
    station_staff,
    brigade_staff,
    hotline,
):
    shop = api.post(
        "/api/v1/premises",
        json=premises_body(uscc=None, individual_business=True),
        headers=station_staff.headers(api),
    ).json()["id"]
    on_spot = report(api, grid_worker, source="patrol", category="exit_blocked", premises_id=shop)
    on_time = report(api, grid_worker, source="patrol", category="electrical")
    late = report(api, grid_worker, source="patrol", category="electrical")
    failed_once = report(api, grid_worker, source="patrol", category="electrical")
    still_open = report(api, citizen, source="citizen", severity="major")
    earlier = report(api, grid_worker, source="patrol")
    twice = report(api, grid_worker, source="patrol")
    next_door = report(api, brigade_staff, lng=109.47, category="open_flame")  # other township

    deadline = day(20)
    set_hazard(db, on_spot, reported_at=day(2), **closed("rectified_on_spot", day(3)))
    set_hazard(
        db,
        on_time,
        reported_at=day(2),
        **closed("verified_closed", day(15), rectification_deadline=deadline),
    )
    set_hazard(
        db,
        late,
        reported_at=day(3),
        **closed("verified_closed", day(25), rectification_deadline=deadline),
    )
    set_hazard(
        db,
        failed_once,
        reported_at=day(4),
        **closed("verified_closed", day(10), rectification_deadline=deadline, failed_rechecks=1),
    )
    set_hazard(db, still_open, reported_at=day(5), level=3)
    set_hazard(db, earlier, reported_at=day(28, plus=-1), **closed("rectified_on_spot", day(1)))
    set_hazard(db, twice, reported_at=day(6), **closed("duplicate", day(6)))
    set_hazard(db, next_door, reported_at=day(7))

    for n, (replied, due) in enumerate(((day(10), day(12)), (day(14), day(12)))):
        sent = send_complaint(api, hotline, complaint_body(f"12345-bulletin-{n}"))
        assert sent.status_code in (200, 201), sent.text
        with db() as session:
            session.execute(
                update(Complaint)
                .where(Complaint.external_id == f"12345-bulletin-{n}")
                .values(received_at=day(8), replied_at=replied, reply_due_at=due)
            )

    made = api.post(
        "/api/v1/bulletins",
        json={"area": township.code, "month": MONTH},
        headers=station_staff.headers(api),
    )
    assert made.status_code == 201, made.text
    f = made.json()["figures"]
    h = f["hazards"]
    assert h["found"] == 5  # reported in the month; the duplicate is not a find
    assert h["by_source"] == {"patrol": 4, "citizen": 1}
    assert h["by_category"]["electrical"] == 3
    assert h["by_premises_type"] == {"small_venue": 1, "none": 4}
    assert (h["major"], h["still_open"], h["escalated"]) == (1, 1, 1)
    assert h["by_level"]["county"] == 1
    # Closed in the month: by its closing moment, whenever it was found; not the duplicate.
    assert h["closed"] == 5
    assert h["closed_by_state"] == {"rectified_on_spot": 2, "verified_closed": 3}
    assert (h["rectified_on_time"], h["rectified_late"]) == (1, 2)
    assert h["rectification_on_time_rate"] == round(1 / 3, 4)
    c = f["complaints"]
    assert (c["received"], c["replied"], c["replied_on_time"], c["on_time_rate"]) == (2, 2, 1, 0.5)
    assert len(f["trend"]) == 7 and f["trend"][-1]["month"] == MONTH
    assert (f["trend"][-2]["found"], f["trend"][-1]["found"]) == (1, 5)
    assert f["trend"][-1]["closed"] == 5
    assert f["assessment"]["workers"] == 1
    assert [a["area_code"] for a in f["assessment"]["areas"]] == [village.code]

    whole = api.post(
        "/api/v1/bulletins",
        json={"area": county.code, "month": MONTH},
        headers=brigade_staff.headers(api),
    )
    assert whole.status_code == 201, whole.text
    assert whole.json()["figures"]["hazards"]["found"] == 6  # the other township's too
    assert [a["area_code"] for a in whole.json()["figures"]["assessment"]["areas"]] == [
        township.code,
        other_township.code,
    ]


def test_a_month_is_a_beijing_month():
    start, end = month_bounds("2026-12")
    assert start == datetime(2026, 12, 1, tzinfo=LOCAL_TIME)
    assert start.astimezone(UTC) == datetime(2026, 11, 30, 16, tzinfo=UTC)
    assert end == datetime(2027, 1, 1, tzinfo=LOCAL_TIME)
    assert month_bounds("2027-01", -1)[0] == start
