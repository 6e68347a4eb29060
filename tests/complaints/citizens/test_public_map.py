"""附近的举报, the public map of reports, is offered only where the deployment says so
(FIREGRID_CITIZEN_PUBLIC_MAP): the citizens' form says it both ways, and a closed page offers
no map either."""

from __future__ import annotations

import pytest


@pytest.fixture
def public_map(monkeypatch):
    from backend.core.settings import get_settings

    def set_to(value: str | None) -> None:
        if value is None:
            monkeypatch.delenv("FIREGRID_CITIZEN_PUBLIC_MAP", raising=False)
        else:
            monkeypatch.setenv("FIREGRID_CITIZEN_PUBLIC_MAP", value)
        get_settings.cache_clear()

    yield set_to
    get_settings.cache_clear()


def test_the_public_map_is_off_unless_the_deployment_offers_it(api, page_open, public_map):
    public_map(None)
    form = api.get("/api/v1/citizen/form").json()
    assert form["enabled"] and form["public_map"] is False

    public_map("false")
    assert api.get("/api/v1/citizen/form").json()["public_map"] is False


def test_the_form_says_the_public_map_is_offered(api, page_open, public_map):
    public_map("true")
    form = api.get("/api/v1/citizen/form").json()
    assert form["enabled"] and form["public_map"] is True
    # The page reads the reports from Open311's GET, which needs no key.
    assert api.get("/open311/v2/requests.json").status_code == 200


def test_a_closed_page_offers_no_map(api, public_map):
    public_map("true")
    form = api.get("/api/v1/citizen/form").json()
    assert form["enabled"] is False and form["public_map"] is False
