"""Per-request context that deep layers (audit, logging) read without threading it through
every call."""

from __future__ import annotations

import math
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
# Where the client says it is (WGS-84 lng, lat), from the X-Client-Location header; the audit
# log keeps it as evidence of where an action was taken.
client_location_var: ContextVar[tuple[float, float] | None] = ContextVar(
    "client_location", default=None
)

CLIENT_LOCATION_HEADER = "X-Client-Location"


def parse_client_location(value: str | None) -> tuple[float, float] | None:
    """`"lng,lat"` in WGS-84 degrees; anything else is ignored rather than refused, as the
    location is evidence, not a parameter of the request."""
    if not value:
        return None
    try:
        lng, lat = (float(part) for part in value.split(","))
    except ValueError:
        return None
    if not (math.isfinite(lng) and math.isfinite(lat) and -180 <= lng <= 180 and -90 <= lat <= 90):
        return None
    return lng, lat
