"""Finding premises by code or credit, counting them, and reading what happened to each."""

from sqlalchemy import update

from backend.identity.models import User
from tests.world import USCC_A, USCC_B, premises_body


def register(api, headers, **body) -> dict:
    answer = api.post("/api/v1/premises", json=premises_body(**body), headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_the_list_finds_by_code_and_credit_status_and_counts_all_pages(api, station_staff, grid):
    headers = station_staff.headers(api)
    first = register(api, headers, name="东街网吧", uscc=USCC_A)
    register(api, headers, name="西街民宿", uscc=USCC_B)
    refused = api.post(
        f"/api/v1/premises/{first['id']}/credit/records",
        json={"kind": "order_refused", "note": "拒不清理疏散通道"},
        headers=headers,
    )
    assert refused.status_code == 201, refused.text

    def found(**params):
        answer = api.get("/api/v1/premises", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        return [p["name"] for p in answer.json()], answer.headers["X-Total-Count"]

    assert found(q=USCC_B[-8:].lower()) == (["西街民宿"], "1")
    assert found(credit_status="blacklist") == (["东街网吧"], "1")
    assert found(credit_status="normal") == (["西街民宿"], "1")
    assert found(limit=1) == (["东街网吧"], "2")
    assert found(limit=1, offset=1) == (["西街民宿"], "2")


def test_the_history_tells_each_change_with_who_made_it_to_those_who_may_see_people(
    api, db, station_staff, grid_worker, other_station_staff, grid
):
    with db() as session:
        session.execute(
            update(User).where(User.id == station_staff.id).values(display_name="王站长")
        )
    headers = station_staff.headers(api)
    created = register(api, headers)
    url = f"/api/v1/premises/{created['id']}"
    api.patch(
        url,
        json={"version": 1, "name": "幸福快餐店", "contact_phone": "13900001111"},
        headers=headers,
    )
    api.post(
        f"{url}/credit/records",
        json={"kind": "commendation", "note": "消防安全标准化管理达标"},
        headers=headers,
    )

    history = api.get(f"{url}/history", headers=headers)
    assert history.status_code == 200, history.text
    steps = history.json()
    actions = [s["action"] for s in steps]
    assert actions[:2] == ["premises.created", "premises.changed"]
    assert "credit.status_changed" in actions
    changed = steps[1]
    assert (changed["before"]["name"], changed["after"]["name"]) == ("幸福小吃店", "幸福快餐店")
    assert (changed["actor_role"], changed["actor_name"]) == ("station_staff", "王站长")
    assert "13900001111" not in history.text and "13812341234" not in history.text

    # A grid worker reads the same steps, without names; another township none at all.
    worker = api.get(f"{url}/history", headers=grid_worker.headers(api))
    assert worker.status_code == 200
    assert [s["actor_name"] for s in worker.json()] == [None] * len(steps)
    assert api.get(f"{url}/history", headers=other_station_staff.headers(api)).status_code == 404
