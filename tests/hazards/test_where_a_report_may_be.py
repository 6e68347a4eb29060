"""Where a hazard may be reported: somewhere in the deployment's areas (a point just over a
grid's edge still routes), never at 0,0, the position of a phone without a fix; and a grid
worker's report outside their own grids is taken where it is, flagged for the station there."""

from tests.world import hazard_body

# The test county is 109.40-109.50 E, 24.30-24.40 N: two townships, the first with two grids.
ABOUT_100_M_OF_LONGITUDE = 0.001  # at 24.35 N


def report(api, person, **where):
    return api.post("/api/v1/hazards", json=hazard_body(**where), headers=person.headers(api))


def test_a_report_at_0_0_or_outside_every_area_is_refused_naming_the_field_and_nothing_is_kept(
    api, grid, other_township, grid_worker, citizen, brigade_staff
):
    refused = [
        report(api, grid_worker, lng=0, lat=0),  # a phone with no fix
        report(api, grid_worker, lng=0.0, lat=0.0, crs="gcj02"),
        report(api, citizen, lng=0, lat=0, source="citizen"),
        report(api, grid_worker, lng=116.39, lat=39.91),  # Beijing: none of our areas
        report(api, citizen, lng=109.41, lat=-24.35, source="citizen"),  # a dropped sign
    ]
    for answer in refused:
        assert answer.status_code == 422, answer.text
        problem = answer.json()
        assert problem["type"].endswith("/location-outside-deployment")
        assert [e["field"] for e in problem["errors"]] == ["lng", "lat"]
    assert "without a position fix" in refused[0].json()["detail"]
    assert "outside every grid and township" in refused[3].json()["detail"]

    out_of_range = report(api, grid_worker, lng=200, lat=24.35)
    assert out_of_range.status_code == 422
    assert [e["field"] for e in out_of_range.json()["errors"]] == ["body.lng"]

    nothing = api.get(
        "/api/v1/hazards", params={"include_closed": True}, headers=brigade_staff.headers(api)
    )
    assert nothing.json() == []


def test_a_point_just_over_an_edge_still_routes_and_a_township_without_grids_takes_its_own(
    api, grid, other_township, grid_worker, brigade_staff
):
    over_the_edge = report(api, grid_worker, lng=109.40 - ABOUT_100_M_OF_LONGITUDE, lat=24.35)
    assert over_the_edge.status_code == 201, over_the_edge.text
    assert (over_the_edge.json()["area_code"], over_the_edge.json()["route_status"]) == (
        grid.code,
        "nearest",
    )
    too_far = report(api, grid_worker, lng=109.40 - 3 * ABOUT_100_M_OF_LONGITUDE, lat=24.35)
    assert too_far.status_code == 422

    in_township = report(api, grid_worker, lng=109.47, lat=24.35)
    assert in_township.status_code == 201
    assert (in_township.json()["area_code"], in_township.json()["route_status"]) == (
        other_township.code,
        "township",
    )
    assert len(api.get("/api/v1/hazards", headers=brigade_staff.headers(api)).json()) == 2


def test_a_workers_report_outside_their_grids_is_routed_there_and_flagged_for_the_station(
    api, grid, other_grid, other_township, grid_worker, station_staff, other_station_staff
):
    at_home = report(api, grid_worker, lng=109.41, lat=24.35).json()
    next_door = report(api, grid_worker, lng=109.43, lat=24.35).json()
    in_the_next_township = report(api, grid_worker, lng=109.47, lat=24.35).json()

    assert (at_home["area_code"], at_home["outside_own_grids"]) == (grid.code, False)
    assert (next_door["area_code"], next_door["outside_own_grids"]) == (other_grid.code, True)
    assert in_the_next_township["area_code"] == other_township.code
    assert in_the_next_township["outside_own_grids"] is True

    def queue(person, **filters):
        return [
            h["id"]
            for h in api.get("/api/v1/hazards", params=filters, headers=person.headers(api)).json()
        ]

    assert queue(station_staff, outside_own_grids=True) == [next_door["id"]]
    assert queue(station_staff, outside_own_grids=False) == [at_home["id"]]
    assert queue(other_station_staff, outside_own_grids=True) == [in_the_next_township["id"]]

    (reported,) = api.get(
        f"/api/v1/hazards/{next_door['id']}/timeline", headers=station_staff.headers(api)
    ).json()
    assert reported["action"] == "hazard.reported"
    assert reported["after"]["outside_own_grids"] is True


def test_staff_and_citizens_reports_are_never_flagged(api, grid, station_staff, citizen):
    by_staff = report(api, station_staff, lng=109.43, lat=24.35).json()
    by_citizen = report(api, citizen, lng=109.43, lat=24.35, source="citizen").json()
    assert (by_staff["outside_own_grids"], by_citizen["outside_own_grids"]) == (False, False)
