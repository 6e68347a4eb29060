"""Possible duplicates are flagged and merged by staff; counts show how each area is doing."""

from tests.world import hazard_body


def report(api, person, **fields):
    response = api.post("/api/v1/hazards", json=hazard_body(**fields), headers=person.headers(api))
    assert response.status_code == 201, response.text
    return response.json()


def test_a_report_close_to_an_open_one_of_the_same_category_is_flagged(
    api, grid, grid_worker, citizen
):
    first = report(api, grid_worker)
    near = report(api, citizen, source="citizen", lng=109.4103, lat=24.3502)  # ~35 m away
    far = report(api, citizen, source="citizen", lng=109.4110, lat=24.3502)  # ~105 m away
    other_kind = report(api, citizen, source="citizen", category="open_flame", lng=109.4101)

    assert first["possible_duplicate_of"] is None
    # The citizen may not see the worker's report, so is not told it exists; the worker is.
    assert near["possible_duplicate_of"] is None
    seen_by_worker = api.get(f"/api/v1/hazards/{near['id']}", headers=grid_worker.headers(api))
    assert seen_by_worker.json()["possible_duplicate_of"] == first["id"]
    assert far["possible_duplicate_of"] is None
    assert other_kind["possible_duplicate_of"] is None


def test_staff_merge_a_duplicate_which_closes_with_a_link(
    api, grid, grid_worker, station_staff, citizen
):
    first = report(api, grid_worker)
    second = report(api, citizen, source="citizen", lng=109.4102)

    merged = api.post(
        f"/api/v1/hazards/{second['id']}/actions",
        json={"action": "mark_duplicate", "duplicate_of": first["id"]},
        headers=station_staff.headers(api),
    ).json()

    assert (merged["state"], merged["is_open"], merged["duplicate_of"]) == (
        "duplicate",
        False,
        first["id"],
    )
    # The citizen still follows their report, now a duplicate; the report it joined is not
    # theirs to see, so it is not named to them.
    followed = api.get(f"/api/v1/hazards/{second['id']}", headers=citizen.headers(api)).json()
    assert (followed["state"], followed["duplicate_of"]) == ("duplicate", None)


def test_a_citizen_is_told_of_a_duplicate_only_among_what_they_may_see(api, grid, citizen):
    mine = report(api, citizen, source="citizen")
    again = report(api, citizen, source="citizen", lng=109.4102)
    assert again["possible_duplicate_of"] == mine["id"]  # their own first report
    listed = api.get("/api/v1/hazards", headers=citizen.headers(api)).json()
    assert {h["id"]: h["possible_duplicate_of"] for h in listed}[again["id"]] == mine["id"]


def test_closed_hazards_are_not_duplicate_candidates(api, grid, grid_worker):
    first = report(api, grid_worker)
    api.post(
        f"/api/v1/hazards/{first['id']}/actions",
        json={"action": "confirm"},
        headers=grid_worker.headers(api),
    )
    api.post(
        f"/api/v1/hazards/{first['id']}/actions",
        json={"action": "rectify_on_spot"},
        headers=grid_worker.headers(api),
    )
    assert report(api, grid_worker)["possible_duplicate_of"] is None


def test_counts_per_child_area(
    api, grid, other_grid, village, grid_worker, station_staff, township
):
    closed = report(api, grid_worker)
    for action in ("confirm", "rectify_on_spot"):
        api.post(
            f"/api/v1/hazards/{closed['id']}/actions",
            json={"action": action},
            headers=grid_worker.headers(api),
        )
    report(api, grid_worker, category="open_flame")
    report(api, station_staff, lng=109.44, category="flammables")  # in the other grid

    counts = api.get(
        "/api/v1/hazards/counts", params={"area": village.code}, headers=station_staff.headers(api)
    )

    assert counts.status_code == 200, counts.text
    assert [(c["code"], c["open"], c["closed_in_grid"], c["escalated"]) for c in counts.json()] == [
        (grid.code, 1, 1, 0),
        (other_grid.code, 1, 0, 0),
    ]
    other = api.get(
        "/api/v1/hazards/counts", params={"area": "990101002"}, headers=station_staff.headers(api)
    )
    assert other.status_code == 404
