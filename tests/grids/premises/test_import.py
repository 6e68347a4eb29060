"""Importing a sheet of premises as offices keep it: a CSV from Chinese Excel (GB18030) or with a
BOM, an xlsx with Chinese headers; a preview first; the same sheet twice creates nothing."""

from __future__ import annotations

import io
import zipfile

import openpyxl

from backend.core import audit
from grids.uscc import check_character

URL = "/api/v1/premises/import"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
HEADER = "外部编号,场所名称,统一社会信用代码,个体工商户,场所类型,风险等级,地址,经度,纬度,联系电话"


def code(n: int) -> str:
    body = f"91450200{n:09d}"
    return body + check_character(body)


def sheet_csv(*lines: str) -> str:
    return "\r\n".join((HEADER, *lines)) + "\r\n"


def three_premises() -> str:
    return sheet_csv(
        f"LZ-1,阳光宾馆,{code(1)},否,公众聚集场所,高,示例路2号,109.41,24.35,0772-1234567",
        "LZ-2,老李修车铺,,是,“三合一”场所,中,示例路3号,109.42,24.36,",
        f"LZ-3,东街网吧,{code(3)},否,public_gathering,low,示例路4号,109.415,24.355,",
    )


def post(api, person, body: bytes, content_type: str = "text/csv", **params):
    return api.post(
        URL,
        content=body,
        params=params,
        headers={**person.headers(api), "Content-Type": content_type},
    )


def listed(api, person) -> dict[str, dict]:
    return {p["name"]: p for p in api.get("/api/v1/premises", headers=person.headers(api)).json()}


def outcomes(report) -> list[tuple[int, str]]:
    return [(line["line"], line["outcome"]) for line in report["lines"]]


def test_a_gb18030_csv_from_chinese_excel_imports_with_chinese_headers_and_values(
    api, station_staff, grid
):
    response = post(api, station_staff, three_premises().encode("gb18030"))

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["created"], report["imported"], report["preview"]) == (3, 3, False)
    premises = listed(api, station_staff)
    assert premises["阳光宾馆"]["premises_type"] == "public_gathering"
    assert premises["阳光宾馆"]["risk_level"] == "high"
    assert premises["阳光宾馆"]["external_ref"] == "LZ-1"
    assert premises["老李修车铺"]["premises_type"] == "living_workshop"
    assert premises["老李修车铺"]["individual_business"] is True
    assert premises["东街网吧"]["uscc"] == code(3)


def test_a_utf8_csv_with_a_bom_imports(api, station_staff, grid):
    response = post(api, station_staff, b"\xef\xbb\xbf" + three_premises().encode())
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 3
    assert set(listed(api, station_staff)) == {"阳光宾馆", "老李修车铺", "东街网吧"}


def test_the_encoding_may_be_named_and_text_in_neither_is_refused(api, station_staff, grid):
    as_gbk = three_premises().encode("gbk")

    named = post(api, station_staff, as_gbk, encoding="gb18030", preview="true")
    by_charset = post(api, station_staff, as_gbk, "text/csv; charset=GBK", preview="true")
    wrong = post(api, station_staff, as_gbk, encoding="utf-8")
    utf16 = post(api, station_staff, three_premises().encode("utf-16"))
    old_xls = post(api, station_staff, b"\xd0\xcf\x11\xe0" + b"\0" * 600)

    assert named.status_code == 200 and named.json()["created"] == 3
    assert by_charset.status_code == 200 and by_charset.json()["created"] == 3
    assert wrong.status_code == 415 and wrong.json()["detail"] == "the file is not utf-8 text"
    assert utf16.status_code == 415 and "UTF-16" in utf16.json()["detail"]
    assert old_xls.status_code == 415 and ".xls" in old_xls.json()["detail"]


def workbook(rows: list[list], header: list[str] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header or HEADER.split(","))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_imports_with_numbers_and_booleans_as_excel_keeps_them(api, station_staff, grid):
    body = workbook(
        [
            ["LZ-1", "阳光宾馆", code(1), False, "公众聚集场所", "高", "示例路2号", 109.41, 24.35],
            [],  # an empty line in the middle is skipped, the numbering goes on
            [7, "老李修车铺", None, True, "九小场所", "中", "示例路3号", 109.42, 24.36, 7721234567],
        ]
    )

    preview = post(api, station_staff, body, XLSX, preview="true")
    response = post(api, station_staff, body, XLSX)

    assert preview.status_code == 200, preview.text
    assert outcomes(preview.json()) == [(2, "created"), (4, "created")]
    assert response.status_code == 200, response.text
    premises = listed(api, station_staff)
    assert premises["老李修车铺"]["external_ref"] == "7"  # a number typed in Excel, kept as text
    assert premises["老李修车铺"]["premises_type"] == "small_venue"
    assert (premises["阳光宾馆"]["lng"], premises["阳光宾馆"]["lat"]) == (109.41, 24.35)


def test_a_preview_writes_nothing_and_the_same_file_twice_creates_nothing(
    api, station_staff, grid, db
):
    body = three_premises().encode("gb18030")

    preview = post(api, station_staff, body, preview="true").json()
    assert listed(api, station_staff) == {}
    first = post(api, station_staff, body).json()
    before = listed(api, station_staff)
    second = post(api, station_staff, body).json()

    assert preview["preview"] is True and preview["imported"] == 0
    assert outcomes(preview) == [(2, "created"), (3, "created"), (4, "created")]
    assert outcomes(first) == outcomes(preview)
    assert outcomes(second) == [(2, "unchanged"), (3, "unchanged"), (4, "unchanged")]
    assert (second["created"], second["updated"], second["imported"]) == (0, 0, 0)
    assert listed(api, station_staff) == before  # same ids, same versions
    ids = {line["premises_id"] for line in second["lines"]}
    assert ids == {p["id"] for p in before.values()}
    with db() as session:
        events = [e for p in ids for e in audit.events_for(session, "premises", p)]
    assert [e.action for e in events] == ["premises.created"] * 3


def test_one_changed_field_is_one_update_and_names_the_field(api, station_staff, grid, db):
    post(api, station_staff, three_premises().encode())
    changed = three_premises().replace("公众聚集场所,高,示例路2号", "公众聚集场所,很高,示例路2号")

    preview = post(api, station_staff, changed.encode(), preview="true").json()
    applied = post(api, station_staff, changed.encode()).json()

    assert outcomes(preview) == [(2, "updated"), (3, "unchanged"), (4, "unchanged")]
    assert preview["lines"][0]["changes"] == [
        {"field": "risk_level", "before": "high", "after": "very_high"}
    ]
    assert (applied["updated"], applied["unchanged"], applied["imported"]) == (1, 2, 1)
    sunshine = listed(api, station_staff)["阳光宾馆"]
    assert (sunshine["risk_level"], sunshine["version"]) == ("very_high", 2)
    with db() as session:
        event = audit.events_for(session, "premises", sunshine["id"])[-1]
    assert event.action == "premises.changed"
    assert (event.before["risk_level"], event.after["risk_level"]) == ("high", "very_high")


def test_a_line_matches_by_code_or_by_external_ref_and_a_moved_point_is_routed_again(
    api, station_staff, grid, other_grid
):
    post(api, station_staff, three_premises().encode())
    renamed_by_ref = three_premises().replace("LZ-3,东街网吧", "LZ-3,东街网咖")
    by_code = sheet_csv(f",阳光宾馆,{code(1)},否,公众聚集场所,高,示例路2号,109.44,24.35,")

    report = post(api, station_staff, renamed_by_ref.encode()).json()
    moved = post(api, station_staff, by_code.encode()).json()

    assert report["lines"][2]["changes"] == [
        {"field": "name", "before": "东街网吧", "after": "东街网咖"}
    ]
    assert [c["field"] for c in moved["lines"][0]["changes"]] == ["lng"]
    premises = listed(api, station_staff)
    assert set(premises) == {"阳光宾馆", "老李修车铺", "东街网咖"}
    assert premises["阳光宾馆"]["area_code"] == other_grid.code


def test_refused_lines_say_why_and_an_import_with_one_writes_nothing(
    api, station_staff, other_station_staff, grid, other_township
):
    theirs = sheet_csv(f"TW-1,河对岸酒楼,{code(9)},否,公众聚集场所,中,对岸路1号,109.48,24.35,")
    assert post(api, other_station_staff, theirs.encode()).status_code == 200
    sheet = sheet_csv(
        f"A-1,好的一家,{code(1)},否,九小场所,低,示例路1号,109.41,24.35,",  # line 2
        "A-2,坏代码,914403001922038217,否,九小场所,低,示例路2号,109.41,24.35,",  # line 3
        f"A-3,,{code(3)},否,九小场所,低,示例路3号,109.41,24.35,",  # line 4: no name
        f",借用代码,{code(9)},否,九小场所,低,示例路4号,109.41,24.35,",  # line 5: theirs
        f"A-5,在外面,{code(5)},否,九小场所,低,示例路5号,109.48,24.35,",  # line 6
        f"A-1,又是好的一家,{code(6)},否,九小场所,低,示例路6号,109.41,24.35,",  # line 7
    )

    preview = post(api, station_staff, sheet.encode(), preview="true")
    applied = post(api, station_staff, sheet.encode())

    assert preview.status_code == 200
    report = preview.json()
    assert outcomes(report)[0] == (2, "created")
    assert [(p["line"], p["field"]) for p in report["problems"]] == [
        (3, "uscc"),
        (4, "name"),
        (5, "uscc"),
        (6, "lng"),
        (7, "external_ref"),
    ]
    messages = {p["line"]: p["message"] for p in report["problems"]}
    assert "check character" in messages[3]
    assert messages[5] == "this code or external reference cannot be used in your area"
    assert messages[7] == "line 2 already names these premises"
    assert applied.status_code == 422
    assert applied.json()["detail"] == "5 problem(s); nothing imported"
    assert applied.json()["refused"] == 5 and applied.json()["imported"] == 0
    assert listed(api, station_staff) == {}
    assert listed(api, other_station_staff)["河对岸酒楼"]["version"] == 1


def test_another_townships_station_cannot_update_this_townships_premises(
    api, station_staff, other_station_staff, grid, other_township
):
    post(api, station_staff, three_premises().encode())
    by_ref = sheet_csv("LZ-1,改名宾馆,,是,公众聚集场所,高,对岸路2号,109.48,24.35,")
    by_code = sheet_csv(f",改名宾馆,{code(1)},否,公众聚集场所,高,对岸路2号,109.48,24.35,")

    refused = [post(api, other_station_staff, body.encode()) for body in (by_ref, by_code)]

    for response in refused:
        assert response.status_code == 422
        (problem,) = response.json()["problems"]
        assert problem["message"] == "this code or external reference cannot be used in your area"
    assert listed(api, station_staff)["阳光宾馆"]["version"] == 1
    assert listed(api, other_station_staff) == {}


def test_reasons_come_in_chinese_for_a_chinese_reader(api, station_staff, grid):
    sheet = sheet_csv("A-1,坏代码,914403001922038217,否,九小场所,低,示例路2号,109.41,24.35,")
    headers = {**station_staff.headers(api), "Content-Type": "text/csv", **ZH}

    preview = api.post(URL, content=sheet.encode(), params={"preview": "true"}, headers=headers)
    refused = api.post(URL, content=sheet.encode(), headers=headers)

    assert preview.json()["lines"][0]["problems"][0]["message"].startswith(
        "不是有效的统一社会信用代码：校验码错误"
    )
    assert refused.json()["detail"] == "发现 1 个问题，未导入任何内容"
    assert refused.json()["lines"][0]["problems"][0]["message"].startswith("不是有效的")
    assert refused.json()["problems"][0]["message"].startswith("不是有效的")


def test_a_damaged_workbook_is_refused_never_a_crash(api, station_staff, grid):
    good = workbook(
        [["LZ-1", "阳光宾馆", code(1), False, "公众聚集场所", "高", "示例路", 109.41, 24.35]]
    )
    truncated = good[: len(good) // 2]
    not_a_workbook = io.BytesIO()
    with zipfile.ZipFile(not_a_workbook, "w") as archive:
        archive.writestr("hello.txt", "不是工作簿")
    garbled = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(garbled, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, data[:40] if item.filename.endswith("sheet1.xml") else data)

    for body in (truncated, not_a_workbook.getvalue(), garbled.getvalue(), b"not a zip"):
        response = post(api, station_staff, body, XLSX)
        assert response.status_code == 422, response.text
        assert response.json()["type"].endswith("/unreadable-workbook")
    assert listed(api, station_staff) == {}


def test_too_many_rows_and_too_large_a_file_are_refused(api, station_staff, grid):
    many = HEADER + "\n" + "x\n" * 20_001
    rows = post(api, station_staff, many.encode())
    large = post(api, station_staff, b"a" * (8 * 1024 * 1024 + 1))

    assert rows.status_code == 422
    assert (
        rows.json()["detail"] == "the sheet has more than 20000 rows; split it into several files"
    )
    assert large.status_code == 413


def test_the_template_has_the_chinese_headers_and_imports_as_it_is(api, station_staff, grid):
    response = api.get("/api/v1/premises/import-template.xlsx", headers=station_staff.headers(api))

    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    header, example = list(book.worksheets[0].iter_rows(max_row=2, values_only=True))
    assert header[:3] == ("外部编号", "场所名称", "统一社会信用代码")
    assert example[1] == "阳光宾馆"
    assert book.sheetnames == ["场所", "填写说明"]
    imported = post(api, station_staff, response.content, XLSX)
    assert imported.status_code == 200, imported.text
    assert outcomes(imported.json()) == [(2, "created")]
    assert listed(api, station_staff)["阳光宾馆"]["supervision_tier"] == "township"


def test_a_reference_tells_apart_two_sites_with_one_credit_code(api, station_staff, grid):
    """A first list had codes only; the next one gives references, and a second site."""
    post(
        api,
        station_staff,
        sheet_csv(f",连锁超市,{code(4)},否,九小场所,低,一店路1号,109.41,24.35,").encode(),
    )
    sites = sheet_csv(
        f"CS-1,连锁超市,{code(4)},否,九小场所,低,一店路1号,109.41,24.35,",
        f"CS-2,连锁超市二店,{code(4)},否,九小场所,低,二店路2号,109.42,24.35,",
    )

    first = post(api, station_staff, sites.encode()).json()
    again = post(api, station_staff, sites.encode()).json()

    assert outcomes(first) == [(2, "updated"), (3, "created")]
    assert first["lines"][0]["changes"] == [
        {"field": "external_ref", "before": None, "after": "CS-1"}
    ]
    assert outcomes(again) == [(2, "unchanged"), (3, "unchanged")]
    premises = listed(api, station_staff)
    assert (premises["连锁超市"]["external_ref"], premises["连锁超市二店"]["external_ref"]) == (
        "CS-1",
        "CS-2",
    )


def test_a_reference_is_one_premises_also_when_registered_one_by_one(api, station_staff, grid):
    headers = station_staff.headers(api)
    body = {
        "name": "阳光宾馆",
        "uscc": code(1),
        "premises_type": "public_gathering",
        "address": "示例路2号",
        "lng": 109.41,
        "lat": 24.35,
        "external_ref": "LZ-1",
    }
    first = api.post("/api/v1/premises", json=body, headers=headers)
    second = api.post("/api/v1/premises", json={**body, "uscc": code(2)}, headers=headers)

    assert first.status_code == 201 and first.json()["external_ref"] == "LZ-1"
    assert second.status_code == 409
    assert second.json()["detail"] == "the external reference is already in use"
    sheet = post(api, station_staff, three_premises().encode()).json()
    assert outcomes(sheet)[0] == (2, "updated")
    assert sheet["lines"][0]["changes"] == [
        {"field": "risk_level", "before": "low", "after": "high"},
        {"field": "contact_phone", "before": None, "after": "077****4567"},
    ]
