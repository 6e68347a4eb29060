"""What each role may do is one table (backend.identity.permissions), and docs/permissions.md
shows that same table: a change to one without the other fails here."""

from pathlib import Path

import pytest

from backend.core.errors import Forbidden
from backend.identity.enums import Role
from backend.identity.permissions import GRANTS, Permission, demand, may

DOC = Path(__file__).parents[3] / "docs" / "permissions.md"
ROLES = [r for r in Role if r is not Role.CITIZEN]


def rendered_table() -> str:
    head = "| permission | " + " | ".join(f"`{r.value}`" for r in ROLES) + " |"
    rule = "|---|" + "---|" * len(ROLES)
    rows = [
        f"| `{p.value}` | " + " | ".join("✓" if r in GRANTS[p] else "" for r in ROLES) + " |"
        for p in Permission
    ]
    return "\n".join([head, rule, *rows])


def test_every_permission_is_granted_to_someone_and_never_to_a_citizen():
    assert set(GRANTS) == set(Permission)
    for permission, roles in GRANTS.items():
        assert roles, permission
        assert Role.CITIZEN not in roles, permission


def test_a_partner_system_may_only_record_callbacks_answer_referrals_send_alarms_and_relay_texts():
    assert [p for p in Permission if may(Role.INTEGRATION, p)] == [
        Permission.RECORD_CALLBACKS,
        Permission.ANSWER_REFERRALS,
        Permission.SEND_ALARM_EVENTS,
        Permission.RELAY_SMS,
    ]


def test_a_role_without_the_permission_is_refused_with_403():
    demand(Role.BRIGADE_STAFF, Permission.LIST_FOR_SUPERVISION)
    with pytest.raises(Forbidden, match="a station_staff may not list for supervision"):
        demand(Role.STATION_STAFF, Permission.LIST_FOR_SUPERVISION)


def test_the_documented_table_is_the_table_in_the_code():
    assert rendered_table() in DOC.read_text(encoding="utf-8"), (
        "docs/permissions.md is out of date; its table should read:\n" + rendered_table()
    )
