from __future__ import annotations

from enum import StrEnum


class StationKind(StrEnum):
    MICRO = "micro"  # 微型消防站: a township's or a unit's small station, some kit and members
    VOLUNTEER = "volunteer"  # 志愿消防队: a volunteer brigade of a village or community


KIND_NAMES = {StationKind.MICRO: "微型消防站", StationKind.VOLUNTEER: "志愿消防队"}
