"""A citizen app's point must be somewhere the deployment serves; a hotline's unusable point
still reaches triage, since a person on the phone gave it and someone must call back."""

from tests.complaints.test_open311 import report
from tests.world import complaint_body, send_complaint


def test_a_citizen_apps_report_at_0_0_or_far_away_is_refused_naming_lat_and_long(
    api, citizen_app, grid_worker, station_staff, brigade_staff
):
    for lat, long in (("0", "0"), ("39.91", "116.39")):
        refused = report(api, citizen_app, lat=lat, long=long)
        assert refused.status_code == 422, refused.text
        (error,) = refused.json()
        assert error["code"] == 422 and error["description"].startswith("lat, long:")
    assert api.get("/api/v1/complaints", headers=brigade_staff.headers(api)).json() == []

    taken = report(api, citizen_app)  # in the test grid
    assert taken.status_code == 201, taken.text


def test_a_hotline_complaint_at_0_0_is_kept_and_waits_in_triage(api, hotline, brigade_staff):
    nowhere = complaint_body(location={"lng": 0, "lat": 0, "crs": "wgs84"}, address="")
    complaint = send_complaint(api, hotline, nowhere)
    assert complaint.status_code == 201, complaint.text
    queue = api.get(
        "/api/v1/complaints", params={"triage": True}, headers=brigade_staff.headers(api)
    )
    assert [c["id"] for c in queue.json()] == [complaint.json()["id"]]
