from enum import StrEnum


class Owner(StrEnum):
    """Who writes a sync table: the server (read-only on the device) or the device."""

    SERVER = "server"
    DEVICE = "device"


class ActionStatus(StrEnum):
    """What became of a state change a device asked for."""

    APPLIED = "applied"
    AWAITING_APPROVAL = "awaiting_approval"  # an enforcement step waiting for more officers
    REFUSED = "refused"  # kept, with the reason, so the worker sees why
