"""Open311 GeoReport v2 for citizen apps: services, reports in, reports out, in JSON and XML."""

from __future__ import annotations

from xml.etree import ElementTree

from tests.world import complaint_body, send_complaint

BASE = "/open311/v2"


def report(api, citizen_app, fmt="json", **extra):
    form = {
        "api_key": citizen_app.api_key,
        "service_code": "ebike_indoor",
        "lat": "24.35",
        "long": "109.41",
        "address_string": "幸福路12号楼道",
        "description": "一楼楼道里每天晚上有电动车充电，电线从窗户拉出来",
        "first_name": "小明",
        "last_name": "王",
        "phone": "13700001234",
        "email": "wang@example.com",
        **extra,
    }
    return api.post(f"{BASE}/requests.{fmt}", data=form)


def test_the_services_are_the_hazard_categories_in_json_and_xml(api):
    services = api.get(f"{BASE}/services.json")
    assert services.status_code == 200
    codes = [s["service_code"] for s in services.json()]
    assert "exit_blocked" in codes and "ebike_indoor" in codes
    assert all(s["type"] == "realtime" and s["metadata"] is False for s in services.json())
    as_xml = api.get(f"{BASE}/services.xml")
    assert as_xml.headers["content-type"].startswith("text/xml")
    assert as_xml.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ElementTree.fromstring(as_xml.content)
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root] == codes
    definition = api.get(f"{BASE}/services/exit_blocked.json").json()
    assert definition == {"service_code": "exit_blocked", "attributes": []}
    unknown = api.get(f"{BASE}/services/volcano.xml")
    assert unknown.status_code == 404
    assert ElementTree.fromstring(unknown.content).find("error/code").text == "404"
    discovery = api.get(f"{BASE}/discovery.json").json()
    assert discovery["endpoints"][0]["url"].endswith("/open311/v2/")
    assert api.get(f"{BASE}/services.csv").status_code == 404


def test_a_report_round_trips_in_json_and_never_shows_who_sent_it(
    api, citizen_app, grid_worker, station_staff
):
    posted = report(api, citizen_app)
    assert posted.status_code == 201, posted.text
    [created] = posted.json()
    request_id = created["service_request_id"]
    assert "+08:00" in created["service_notice"]

    [found] = api.get(f"{BASE}/requests/{request_id}.json").json()
    assert found["service_code"] == "ebike_indoor"
    assert found["status"] == "open"
    assert found["description"].startswith("一楼楼道里")
    assert found["lat"] == 24.35 and found["long"] == 109.41
    assert found["requested_datetime"].endswith("+08:00")
    assert found["expected_datetime"].endswith("+08:00")
    assert found["agency_responsible"] == "测试township990101001消防工作站"
    for private in ("13700001234", "小明", "wang@example.com", "worker.one", str(grid_worker.id)):
        assert private not in str(found)

    # Behind the interface it is a complaint like any other, on the worker's list.
    worker = grid_worker.headers(api)
    [mine] = api.get("/api/v1/complaints", headers=worker).json()
    assert (mine["id"], mine["channel"], mine["caller_phone"]) == (request_id, "app", "137****1234")
    api.post(f"/api/v1/complaints/{request_id}/actions", json={"action": "sign"}, headers=worker)
    [signed] = api.get(f"{BASE}/requests/{request_id}.json").json()
    assert signed["status_notes"].startswith("网格员已签收")


def test_a_report_round_trips_in_xml(api, citizen_app, grid_worker):
    posted = report(api, citizen_app, fmt="xml", service_code="exit_blocked")
    assert posted.status_code == 201, posted.text
    root = ElementTree.fromstring(posted.content)
    assert root.tag == "service_requests"
    request_id = root.findtext("request/service_request_id")
    listed = api.get(f"{BASE}/requests.xml", params={"service_request_id": request_id})
    [request] = ElementTree.fromstring(listed.content).findall("request")
    assert request.findtext("service_request_id") == request_id
    assert request.findtext("service_code") == "exit_blocked"
    assert request.findtext("status") == "open"
    assert request.findtext("expected_datetime").endswith("+08:00")
    assert request.find("media_url") is not None and request.findtext("media_url") == ""
    assert "13700001234" not in listed.text


def test_requests_are_filtered_by_code_status_and_dates(api, citizen_app, hotline, grid_worker):
    report(api, citizen_app, service_code="ebike_indoor")
    report(api, citizen_app, service_code="flammables", description="楼下仓库堆放油漆")
    send_complaint(api, hotline, complaint_body())  # from 12345: not published here

    everything = api.get(f"{BASE}/requests.json").json()
    assert sorted(r["service_code"] for r in everything) == ["ebike_indoor", "flammables"]
    by_code = api.get(f"{BASE}/requests.json", params={"service_code": "flammables"}).json()
    assert [r["service_code"] for r in by_code] == ["flammables"]
    assert api.get(f"{BASE}/requests.json", params={"status": "closed"}).json() == []
    assert len(api.get(f"{BASE}/requests.json", params={"status": "open"}).json()) == 2
    past = api.get(
        f"{BASE}/requests.json",
        params={"start_date": "2020-01-01T00:00:00+08:00", "end_date": "2020-12-31T00:00:00+08:00"},
    )
    assert past.json() == []
    bad_date = api.get(f"{BASE}/requests.json", params={"start_date": "yesterday"})
    assert bad_date.status_code == 400 and "start_date" in bad_date.json()[0]["description"]


def test_bad_reports_get_open311_errors_and_store_nothing(
    api, citizen_app, grid_worker, station_staff
):
    wrong_key = report(api, citizen_app, api_key="o311_nope")
    assert wrong_key.status_code == 403
    assert wrong_key.json() == [{"code": 403, "description": "api_key is not valid"}]
    no_code = report(api, citizen_app, service_code="")
    assert no_code.status_code == 400 and "service_code" in no_code.json()[0]["description"]
    nowhere = report(api, citizen_app, lat="", long="", address_string="")
    assert nowhere.status_code == 400
    half = report(api, citizen_app, long="")
    assert half.status_code == 400 and "together" in half.json()[0]["description"]
    not_a_number = report(api, citizen_app, lat="north")
    assert not_a_number.status_code == 400 and "lat" in not_a_number.json()[0]["description"]
    bad_phone = report(api, citizen_app, fmt="xml", phone="call me")
    assert bad_phone.status_code == 400
    assert "phone" in ElementTree.fromstring(bad_phone.content).findtext("error/description")
    assert api.get("/api/v1/complaints", headers=station_staff.headers(api)).json() == []


def test_an_anonymous_report_is_taken(api, citizen_app, grid_worker, station_staff):
    posted = report(api, citizen_app, first_name="", last_name="", phone="", email="")
    assert posted.status_code == 201
    [complaint] = api.get("/api/v1/complaints", headers=station_staff.headers(api)).json()
    assert complaint["anonymous"] is True and complaint["caller_phone"] is None
