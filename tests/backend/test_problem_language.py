"""Problem details in Chinese through HTTP (issue 18): a request whose Accept-Language prefers
Chinese reads title, detail and errors[].message in zh-CN, with Content-Language: zh-CN;
without it, everything stays English. type, status, field and the other members never change,
and every problem answer varies on Accept-Language."""

from __future__ import annotations

import uuid
from xml.etree import ElementTree

from tests.world import hazard_body

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}


def _vary(response) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("vary", "").split(",")}


def _in_chinese(response) -> dict:
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["content-language"] == "zh-CN"
    assert "accept-language" in _vary(response)
    return response.json()


def _in_english(response) -> dict:
    assert "content-language" not in response.headers
    assert "accept-language" in _vary(response)
    return response.json()


def test_not_found_in_chinese_when_asked_and_in_english_otherwise(api, grid_worker):
    missing = uuid.uuid4()
    headers = grid_worker.headers(api)
    english = _in_english(api.get(f"/api/v1/hazards/{missing}", headers=headers))
    chinese = _in_chinese(api.get(f"/api/v1/hazards/{missing}", headers={**headers, **ZH}))
    assert english["detail"] == f"no hazard with id {missing}"
    assert english["title"] == "Not found"
    assert chinese["detail"] == f"没有 id 为 {missing} 的隐患"
    assert chinese["title"] == "未找到"
    assert {k: v for k, v in chinese.items() if k not in ("title", "detail")} == {
        k: v for k, v in english.items() if k not in ("title", "detail")
    }


def test_unknown_path_and_missing_token(api):
    nowhere = _in_chinese(api.get("/api/v1/nowhere", headers=ZH))
    assert nowhere["status"] == 404 and nowhere["detail"] == "未找到"
    unauthenticated = api.get("/api/v1/me", headers=ZH)
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["www-authenticate"] == "Bearer"
    body = _in_chinese(unauthenticated)
    assert body["detail"] == "请发送访问令牌：Authorization: Bearer <token>"
    assert body["title"] == "需要登录"
    assert body["type"].endswith("/unauthenticated")


def test_forbidden_names_the_role_as_the_domain_does(api, grid_worker):
    headers = grid_worker.headers(api)
    english = api.get("/api/v1/complaints/rewards", headers=headers)
    assert english.status_code == 403
    assert _in_english(english)["detail"] == "a grid_worker may not see rewards"
    chinese = _in_chinese(api.get("/api/v1/complaints/rewards", headers={**headers, **ZH}))
    assert chinese["detail"] == "网格员无权查看举报奖励"
    assert chinese["title"] == "当前角色无权执行此操作"


def test_a_lifecycle_refusal_names_the_state_and_step(api, grid, grid_worker, station_staff):
    reported = api.post("/api/v1/hazards", json=hazard_body(), headers=grid_worker.headers(api))
    assert reported.status_code == 201, reported.text
    hazard_id = reported.json()["id"]
    path = f"/api/v1/hazards/{hazard_id}/actions"
    staff = station_staff.headers(api)
    english = api.post(path, json={"action": "verify"}, headers=staff)
    assert english.status_code == 409
    body = _in_english(english)
    assert body["detail"] == "cannot verify a hazard that is reported"
    chinese = api.post(path, json={"action": "verify"}, headers={**staff, **ZH})
    zh = _in_chinese(chinese)
    assert zh["detail"] == "隐患处于“已上报”状态，不能“复查合格销号”"
    assert zh["title"] == "隐患当前状态下不能进行此操作"
    # the members a client acts on are as they were
    assert (zh["type"], zh["state"], zh["action"], zh["possible"]) == (
        body["type"],
        body["state"],
        body["action"],
        body["possible"],
    )
    incomplete = api.post(path, json={"action": "reject"}, headers={**staff, **ZH})
    assert incomplete.status_code == 422
    assert _in_chinese(incomplete)["detail"] == "“判定不属实”需要填写：说明"


def test_a_domain_refusal_with_errors_in_chinese(api, grid, grid_worker):
    headers = {**grid_worker.headers(api), **ZH}
    nowhere = api.post("/api/v1/hazards", json=hazard_body(lng=0, lat=0), headers=headers)
    assert nowhere.status_code == 422
    body = _in_chinese(nowhere)
    assert body["title"] == "该位置不在本系统的任何辖区内"
    assert [e["field"] for e in body["errors"]] == ["lng", "lat"]
    assert {e["message"] for e in body["errors"]} == {
        "0,0 是手机未定位时发送的坐标，不是实际位置：请先定位"
    }


def test_a_request_validation_error_by_type(api, grid, grid_worker):
    bad = hazard_body(category="volcano", lng="east", description="x" * 3000)
    headers = grid_worker.headers(api)
    english = _in_english(api.post("/api/v1/hazards", json=bad, headers=headers))
    chinese = _in_chinese(api.post("/api/v1/hazards", json=bad, headers={**headers, **ZH}))
    assert [(e["field"], e["type"]) for e in chinese["errors"]] == [
        (e["field"], e["type"]) for e in english["errors"]
    ]
    by_field = {e["field"]: e["message"] for e in chinese["errors"]}
    assert by_field["body.lng"] == "须为数字"
    assert by_field["body.category"].startswith("须为 'exit_blocked'、")
    assert by_field["body.description"].startswith("最多 ")
    assert english["title"] == "The request is not valid"
    assert chinese["title"] == "请求内容不符合要求"
    assert chinese["detail"].startswith("body.")
    assert "；" in chinese["detail"] and "须为数字" in chinese["detail"]


def test_q_values_decide(api, grid_worker):
    headers = grid_worker.headers(api)
    path = f"/api/v1/hazards/{uuid.uuid4()}"
    for language, expected in [
        ("en,zh;q=0.5", "en"),
        ("zh;q=0.4, en;q=0.6", "en"),
        ("en;q=0.6, zh-Hans;q=0.7", "zh"),
        ("zh", "zh"),
        ("fr", "en"),
    ]:
        answer = api.get(path, headers={**headers, "Accept-Language": language})
        detail = answer.json()["detail"]
        assert detail.startswith("没有" if expected == "zh" else "no hazard"), language


def test_open311_keeps_its_shape_in_chinese(api):
    english = api.get("/open311/v2/services/volcano.json")
    assert english.status_code == 404
    assert english.json() == [{"code": 404, "description": "no service with code 'volcano'"}]
    assert "content-language" not in english.headers
    chinese = api.get("/open311/v2/services/volcano.json", headers=ZH)
    assert chinese.status_code == 404
    assert chinese.json() == [{"code": 404, "description": "没有代码为 'volcano' 的服务"}]
    assert chinese.headers["content-language"] == "zh-CN"
    assert "accept-language" in _vary(chinese)
    as_xml = api.get("/open311/v2/requests.xml", params={"start_date": "yesterday"}, headers=ZH)
    assert as_xml.status_code == 400
    description = ElementTree.fromstring(as_xml.content).findtext("error/description")
    assert description == "start_date 须为 W3C 日期时间，例如 2026-11-24T09:00:00+08:00"
    unknown = api.get("/open311/v2/nowhere.json", headers=ZH)
    assert unknown.json() == [{"code": 404, "description": "未找到"}]


def test_a_refused_import_names_its_rows_in_chinese(api, station_staff, grid):
    csv = (
        "name,uscc,individual_business,premises_type,risk_level,address,lng,lat,contact_phone\n"
        "坏代码,914403001922038217,false,small_venue,low,示例路2号,109.41,24.35,\n"
        "坏类型,,true,spaceport,low,示例路4号,109.41,24.35,\n"
    )
    headers = {**station_staff.headers(api), "Content-Type": "text/csv", **ZH}
    refused = api.post("/api/v1/premises/import", content=csv.encode(), headers=headers)
    assert refused.status_code == 422
    body = _in_chinese(refused)
    assert body["detail"] == "发现 2 个问题，未导入任何内容"
    messages = {p["field"]: p["message"] for p in body["problems"]}
    assert messages["uscc"].startswith("不是有效的统一社会信用代码：校验码错误")
    assert messages["premises_type"].startswith("须为 'public_gathering'、")
