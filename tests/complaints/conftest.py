"""Builders for complaint tests: partner systems' calls and callbacks, a citizens' app on
Open311 (the shared chain, the hotline partner included, is tests/world.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from backend.identity.enums import Role
from tests.world import SETUP, IntegrationClient, signed_headers


def hotline_call(api, client: IntegrationClient, method: str, path: str, body: dict | None = None):
    import json

    raw = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
    return api.request(method, path, content=raw, headers=signed_headers(client, method, path, raw))


def callbacks_to(db, client: IntegrationClient, url: str) -> str:
    """Point the hotline's callbacks at `url`; the secret they are signed with."""
    from backend.core.settings import get_settings
    from complaints import callbacks

    with db() as session:
        _, secret = callbacks.set_partner_callback(
            session, get_settings(), client.username, url, SETUP
        )
        return secret


@dataclass(frozen=True)
class CitizenApp:
    username: str
    api_key: str


@pytest.fixture
def citizen_app(db, county) -> CitizenApp:
    """A citizen app (WeChat mini program) reporting through Open311 for the county."""
    from complaints.open311 import service as open311
    from grids import service, workforce

    with db() as session:
        workforce.place_user(
            session,
            area=service.area_by_code(session, county.code),
            username="app.wechat",
            password=None,
            role=Role.INTEGRATION,
            display_name="随手拍小程序",
            certificate_number=None,
            certificate_expires_on=None,
            actor=SETUP,
        )
        return CitizenApp(
            "app.wechat", open311.issue_key(session, "app.wechat", "mini program", SETUP)
        )
