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


def open311_errors(response) -> list[tuple[int, str]]:
    """The errors of an Open311 answer, read as an Open311 client reads them (XML or JSON)."""
    if response.headers["content-type"].startswith("text/xml"):
        root = ElementTree.fromstring(response.content)
        assert root.tag == "errors"
        return [(int(e.findtext("code")), e.findtext("description")) for e in root]
    assert response.headers["content-type"].startswith("application/json")
    return [(e["code"], e["description"]) for e in response.json()]


def test_every_open311_error_comes_in_open311s_shape(api, citizen_app):
    unknown_xml = api.get(f"{BASE}/nothing-here.xml")
    assert unknown_xml.status_code == 404
    assert [code for code, _ in open311_errors(unknown_xml)] == [404]
    for path in (f"{BASE}/nothing-here.json", "/open311/v3/services.json", f"{BASE}/requests"):
        answer = api.get(path)
        assert answer.status_code == 404 and open311_errors(answer)[0][0] == 404, path
    wrong_method = api.delete(f"{BASE}/services.xml")
    assert wrong_method.status_code == 405 and open311_errors(wrong_method)[0][0] == 405
    huge = "火" * (1024 * 1024)
    too_large = api.post(
        f"{BASE}/requests.xml", data={"api_key": citizen_app.api_key, "description": huge}
    )
    assert too_large.status_code == 413
    [(code, description)] = open311_errors(too_large)
    assert code == 413 and "larger" in description
    # Elsewhere problem+json stays.
    assert api.get("/api/v1/nothing-here").headers["content-type"] == "application/problem+json"


def test_control_characters_are_refused_and_the_xml_stays_well_formed(
    api, citizen_app, grid_worker, station_staff
):
    for field, value in (("description", "楼道\x00堵塞"), ("address_string", "幸福路\x1b[31m12号")):
        refused = report(api, citizen_app, fmt="xml", **{field: value})
        assert refused.status_code == 400
        [(code, description)] = open311_errors(refused)
        assert code == 400 and field in description and "control character" in description
    assert api.get("/api/v1/complaints", headers=station_staff.headers(api)).json() == []

    posted = report(api, citizen_app, description="楼道堵塞\n两辆电动车\t在充电")
    assert posted.status_code == 201, posted.text
    request_id = posted.json()[0]["service_request_id"]
    worker = grid_worker.headers(api)
    for step in (
        {"action": "sign"},
        {"action": "verify", "finding": "hazard_found", "note": "属实"},
        {"action": "reply", "reply": "已\x0b处理\x1f完毕"},  # staff typed (or pasted) control codes
    ):
        answer = api.post(f"/api/v1/complaints/{request_id}/actions", json=step, headers=worker)
        assert answer.status_code == 200, answer.text
    listed = api.get(f"{BASE}/requests.xml", params={"service_request_id": request_id})
    [request] = ElementTree.fromstring(listed.content).findall("request")  # well-formed
    assert request.findtext("status_notes") == "已处理完毕"
    assert request.findtext("description") == "楼道堵塞\n两辆电动车\t在充电"


def test_numbers_typed_into_a_report_are_masked_when_it_is_published(
    api, citizen_app, grid_worker, station_staff
):
    typed = "楼下小卖部老板13812345678（身份证450202199001011234）把电动车推进楼道充电"
    posted = report(
        api, citizen_app, description=typed, address_string="幸福路12号 电话0772-2881234"
    )
    assert posted.status_code == 201, posted.text
    request_id = posted.json()[0]["service_request_id"]
    worker = grid_worker.headers(api)
    api.post(f"/api/v1/complaints/{request_id}/actions", json={"action": "sign"}, headers=worker)
    api.post(
        f"/api/v1/complaints/{request_id}/actions",
        json={"action": "verify", "finding": "hazard_found", "note": "属实"},
        headers=worker,
    )
    api.post(
        f"/api/v1/complaints/{request_id}/actions",
        json={"action": "reply", "reply": "已联系店主 13900001111 整改"},
        headers=worker,
    )
    for fmt in ("json", "xml"):
        published = api.get(f"{BASE}/requests/{request_id}.{fmt}").text
        published += api.get(f"{BASE}/requests.{fmt}").text
        for number in ("13812345678", "450202199001011234", "2881234", "13900001111"):
            assert number not in published, (fmt, number)
        assert "138****5678" in published and "450***********1234" in published
        assert "0772-***1234" in published and "139****1111" in published
    # Inside, the text stays as typed: the worker must be able to call back.
    [mine] = api.get("/api/v1/complaints", headers=worker).json()
    assert mine["text"] == typed
