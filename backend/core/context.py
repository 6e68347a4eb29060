"""Per-request context that deep layers (audit, logging) read without threading it through
every call."""

from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
