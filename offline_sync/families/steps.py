"""What hazard actions and complaint steps from phones share: a step is kept whatever became
of it (applied, awaiting approval, refused with its reason), and pulled back."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from backend.core.errors import Problem
from offline_sync.enums import ActionStatus
from offline_sync.protocol import Push


def why_refused(exc: ValidationError | Problem) -> str:
    """Why the server refused a step, as the device shows it."""
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
    return f"{exc.title}: {exc.detail}"


def keep_step(push: Push, record: Any) -> None:
    """A step is kept whatever became of it; a refused one is named in the push's answer."""
    if record.status == ActionStatus.REFUSED.value:
        push.outcome.refused_actions.append(str(record.id))
    push.session.add(record)
    push.session.flush()
    push.outcome.created += 1
