"""A township station registers a unit 单位 for two of its premises, names its 消防安全责任人 with
a phone, the person reads back the texted code and the phone counts as verified; a grid worker
adds the 管理人 on site; another township sees none of it."""

from __future__ import annotations

import uuid

from backend.core import audit
from backend.core.security import unseal
from tests.grids.units.conftest import texted_code
from tests.world import USCC_A, USCC_B, premises_body

PHONE = "13912345678"


def register(api, person, **body) -> str:
    answer = api.post("/api/v1/premises", json=premises_body(**body), headers=person.headers(api))
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_a_station_registers_a_unit_and_verifies_its_responsible_person(
    api, db, sms_settings, fake_sms, grid, other_grid, station_staff, grid_worker
):
    from grids.units import service
    from grids.units.enums import PersonRole

    station = station_staff.headers(api)
    shop = register(api, station_staff, name="幸福小吃店")
    store = register(api, station_staff, name="幸福仓库", lng=109.43)  # the neighbouring grid
    created = api.post(
        "/api/v1/units",
        json={"name": "幸福餐饮有限公司", "uscc": USCC_B, "premises_ids": [shop, store]},
        headers=station,
    )
    assert created.status_code == 201, created.text
    unit = created.json()
    assert unit["area_code"] == "990101001"  # the station's township
    assert [p["name"] for p in unit["premises"]] == ["幸福仓库", "幸福小吃店"]
    assert unit["persons"] == []
    seen = api.get(f"/api/v1/premises/{shop}", headers=station).json()
    assert seen["unit"] == {"id": unit["id"], "name": "幸福餐饮有限公司"}

    named = api.put(
        f"/api/v1/units/{unit['id']}/persons/responsible",
        json={"name": "张三", "phone": "+86 139-1234-5678"},
        headers=station,
    )
    assert named.status_code == 200, named.text
    assert named.json()["phone"] == "139****5678" and not named.json()["phone_verified"]
    with db() as session:
        assert (
            service.verified_phone_of(session, uuid.UUID(unit["id"]), PersonRole.RESPONSIBLE)
            is None
        )
    code = texted_code(db, sms_settings, fake_sms, PHONE)
    assert len(code) == 6

    path = f"/api/v1/units/{unit['id']}/persons/responsible/verify"
    for left in (4, 3):  # each wrong try counts
        refused = api.post(path, json={"code": wrong(code)}, headers=station)
        assert refused.status_code == 422 and refused.json()["field"] == "code"
        assert refused.json()["detail"] == f"the code is wrong; {left} tries are left"
    verified = api.post(path, json={"code": code}, headers=station)
    assert verified.status_code == 200, verified.text
    assert verified.json()["phone_verified"] and verified.json()["phone_verified_at"]
    again = api.post(path, json={"code": code}, headers=station)
    assert again.status_code == 422  # a code is good once

    read = api.get(f"/api/v1/units/{unit['id']}", headers=station).json()
    (person,) = read["persons"]
    assert (person["role_name"], person["name"], person["phone"], person["phone_verified"]) == (
        "消防安全责任人",
        "张三",
        "139****5678",
        True,
    )
    assert PHONE not in api.get(f"/api/v1/units/{unit['id']}", headers=station).text
    with db() as session:
        sealed = service.verified_phone_of(session, uuid.UUID(unit["id"]), PersonRole.RESPONSIBLE)
        assert sealed is not None and unseal(sms_settings.resolved_secret_key, sealed) == PHONE
        assert service.verified_phone_of(session, uuid.UUID(unit["id"]), PersonRole.MANAGER) is None

    # The grid worker sees the unit through the premises in their grid, and only that one.
    worker = grid_worker.headers(api)
    theirs = api.get(f"/api/v1/units/{unit['id']}", headers=worker).json()
    assert [p["name"] for p in theirs["premises"]] == ["幸福小吃店"]
    assert [u["id"] for u in api.get("/api/v1/units", headers=worker).json()] == [unit["id"]]
    # On site they add the 管理人, who reads the code off their phone.
    added = api.put(
        f"/api/v1/units/{unit['id']}/persons/manager",
        json={"name": "李四", "phone": "13700001111"},
        headers=worker,
    )
    assert added.status_code == 200, added.text
    manager_code = texted_code(db, sms_settings, fake_sms, "13700001111")
    assert (
        api.post(
            f"/api/v1/units/{unit['id']}/persons/manager/verify",
            json={"code": manager_code},
            headers=worker,
        ).json()["phone_verified"]
        is True
    )
    # ... but may not replace the verified 责任人, nor register or link.
    replaced = api.put(
        f"/api/v1/units/{unit['id']}/persons/responsible",
        json={"name": "王五", "phone": "13600002222"},
        headers=worker,
    )
    assert replaced.status_code == 403
    linked = api.post(
        f"/api/v1/units/{unit['id']}/premises", json={"premises_ids": [shop]}, headers=worker
    )
    assert linked.status_code == 403

    # The station replaces the 责任人: the new phone waits for its code, the old one is in the
    # audit trail (masked), and no verified phone is answered meanwhile.
    replaced = api.put(
        f"/api/v1/units/{unit['id']}/persons/responsible",
        json={"name": "王五", "phone": "13600002222"},
        headers=station,
    )
    assert replaced.status_code == 200 and not replaced.json()["phone_verified"]
    with db() as session:
        assert (
            service.verified_phone_of(session, uuid.UUID(unit["id"]), PersonRole.RESPONSIBLE)
            is None
        )
        events = audit.events_for(session, "unit", unit["id"])
    assert [e.action for e in events] == [
        "unit.created",
        "unit.premises_linked",
        "unit.premises_linked",
        "unit.person_added",
        "unit.person_code_refused",
        "unit.person_code_refused",
        "unit.person_verified",
        "unit.person_code_refused",
        "unit.person_added",
        "unit.person_verified",
        "unit.person_replaced",
    ]
    before = events[-1].before
    assert (before["name"], before["phone"], before["phone_verified_at"] is not None) == (
        "张三",
        "139****5678",
        True,
    )
    assert PHONE not in str([(e.before, e.after) for e in events])

    # Unlinked, the premises no longer names the unit.
    unlinked = api.delete(f"/api/v1/units/{unit['id']}/premises/{store}", headers=station)
    assert [p["name"] for p in unlinked.json()["premises"]] == ["幸福小吃店"]
    assert api.get(f"/api/v1/premises/{store}", headers=station).json()["unit"] is None


def test_another_townships_staff_neither_see_the_unit_nor_link_its_premises(
    api, grid, station_staff, other_township, other_station_staff
):
    station, other = station_staff.headers(api), other_station_staff.headers(api)
    shop = register(api, station_staff)
    unit = api.post(
        "/api/v1/units",
        json={"name": "幸福餐饮有限公司", "uscc": USCC_B, "premises_ids": [shop]},
        headers=station,
    ).json()
    made_up = str(uuid.uuid4())
    for unit_id in (unit["id"], made_up):
        assert api.get(f"/api/v1/units/{unit_id}", headers=other).status_code == 404
        assert (
            api.put(
                f"/api/v1/units/{unit_id}/persons/responsible",
                json={"name": "赵六", "phone": "13500003333"},
                headers=other,
            ).status_code
            == 404
        )
    assert api.get("/api/v1/units", headers=other).json() == []

    theirs = api.post(
        "/api/v1/units", json={"name": "隔壁公司", "uscc": USCC_A}, headers=other
    ).json()
    for premises_id in (shop, made_up):
        linking = api.post(
            f"/api/v1/units/{theirs['id']}/premises",
            json={"premises_ids": [premises_id]},
            headers=other,
        )
        assert linking.status_code == 404
        assert linking.json()["detail"] == f"no premises with id {premises_id}"
    outside = api.post(
        "/api/v1/units",
        json={"name": "隔壁公司", "uscc": USCC_A, "premises_ids": [shop]},
        headers=other,
    )
    assert outside.status_code == 404
    assert api.get(f"/api/v1/premises/{shop}", headers=station).json()["unit"]["id"] == unit["id"]


def test_bad_input_names_the_field(api, grid, station_staff):
    station = station_staff.headers(api)
    bad_code = api.post(
        "/api/v1/units", json={"name": "某公司", "uscc": "914403001922038217"}, headers=station
    )
    assert bad_code.status_code == 422 and bad_code.json()["errors"][0]["field"] == "body.uscc"
    unit = api.post(
        "/api/v1/units", json={"name": "某公司", "uscc": USCC_A}, headers=station
    ).json()
    landline = api.put(
        f"/api/v1/units/{unit['id']}/persons/responsible",
        json={"name": "张三", "phone": "0772-1234567"},
        headers=station,
    )
    assert landline.status_code == 422 and landline.json()["field"] == "phone"
    no_role = api.put(
        f"/api/v1/units/{unit['id']}/persons/owner",
        json={"name": "张三", "phone": PHONE},
        headers=station,
    )
    assert no_role.status_code == 422
    nobody = api.post(
        f"/api/v1/units/{unit['id']}/persons/manager/verify",
        json={"code": "123456"},
        headers=station,
    )
    assert nobody.status_code == 404


def test_a_code_texted_to_a_replaced_person_never_verifies_the_new_one(
    api, db, sms_settings, fake_sms, grid, station_staff
):
    station = station_staff.headers(api)
    unit = api.post(
        "/api/v1/units", json={"name": "某公司", "uscc": USCC_A}, headers=station
    ).json()
    path = f"/api/v1/units/{unit['id']}/persons/responsible"
    first = {"name": "张三", "phone": PHONE}
    assert api.put(path, json=first, headers=station).status_code == 200
    again = api.put(path, json=first, headers=station)  # a new code at once: too soon
    assert again.status_code == 429 and int(again.headers["Retry-After"]) == 60
    old_code = texted_code(db, sms_settings, fake_sms, PHONE)

    assert (
        api.put(path, json={"name": "王五", "phone": "13600002222"}, headers=station).json()["name"]
        == "王五"
    )
    new_code = texted_code(db, sms_settings, fake_sms, "13600002222")
    if old_code != new_code:
        refused = api.post(f"{path}/verify", json={"code": old_code}, headers=station)
        assert refused.status_code == 422
    verified = api.post(f"{path}/verify", json={"code": new_code}, headers=station).json()
    assert verified["phone"] == "136****2222" and verified["phone_verified"]
    fake_sms.sent.clear()
    same = api.put(path, json={"name": "王五", "phone": "13600002222"}, headers=station)
    assert same.status_code == 200 and same.json()["phone_verified"]  # nothing to prove again
    with db() as session:
        from backend.notify import service as notify

        notify.deliver_outbox(session, sms_settings)
    assert fake_sms.sent == []
