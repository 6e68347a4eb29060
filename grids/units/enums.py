from __future__ import annotations

from enum import StrEnum


class PersonRole(StrEnum):
    """A unit's people for fire safety (《机关、团体、企业、事业单位消防安全管理规定》): at most one
    of each is current."""

    RESPONSIBLE = "responsible"  # 消防安全责任人: the unit's legal representative or head
    MANAGER = "manager"  # 消防安全管理人: who runs fire safety day to day


ROLE_NAMES = {PersonRole.RESPONSIBLE: "消防安全责任人", PersonRole.MANAGER: "消防安全管理人"}
