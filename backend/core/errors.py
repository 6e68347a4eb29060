"""Errors as RFC 9457 problem details (`application/problem+json`).

Domain code raises a `Problem` subclass; the app turns it and every framework error into a
problem document, so clients always get `type`, `title`, `status` and `detail`.
"""

from __future__ import annotations

from typing import Any

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://firegrid.dev/problems/"


class Problem(Exception):
    """A refusal the client can act on. Subclasses fix `status`, `slug` and `title`."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions
        self.headers: dict[str, str] = {}

    @property
    def type(self) -> str:
        return PROBLEM_BASE + self.slug

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extensions)
        return body


class InvalidInput(Problem):
    """Names what is wrong in `errors[]` ({field, message}), as a framework validation error
    does, so that a client reads one shape; `field` alone is kept for the first of them."""

    status, slug, title = 422, "invalid-input", "The request is not valid"

    def __init__(self, detail: str, **extensions: Any) -> None:
        if "field" in extensions and "errors" not in extensions:
            extensions["errors"] = [{"field": extensions["field"], "message": detail}]
        elif extensions.get("errors") and "field" not in extensions:
            extensions["field"] = extensions["errors"][0]["field"]
        super().__init__(detail, **extensions)


class NotFound(Problem):
    """Also used for things outside the caller's scope, so that existence does not leak."""

    status, slug, title = 404, "not-found", "Not found"


class Unauthenticated(Problem):
    status, slug, title = 401, "unauthenticated", "Authentication required"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail, **extensions)
        self.headers["WWW-Authenticate"] = "Bearer"


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Not allowed for this role"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflicts with the current state"


class TooManyRequests(Problem):
    status, slug, title = 429, "too-many-requests", "Too many attempts"

    def __init__(self, detail: str, retry_after_seconds: int, **extensions: Any) -> None:
        super().__init__(detail, retry_after=retry_after_seconds, **extensions)
        self.headers["Retry-After"] = str(retry_after_seconds)
