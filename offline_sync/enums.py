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


class PhotoState(StrEnum):
    PENDING = "pending"  # declared; its bytes have not all arrived
    STORED = "stored"  # checked, processed and attached to its hazard
    REFUSED = "refused"  # the bytes were not an acceptable photo (the reason says why)


class UploadState(StrEnum):
    RECEIVING = "receiving"
    COMPLETE = "complete"  # all bytes in and the sha256 verified
