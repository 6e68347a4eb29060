"""Recording an inspection's result as a table: from any outcome (pending, or a result being
corrected) to passed, failed or not_found, and what follows. A passed or failed result is
told to the unit in a 检查结果告知书 (the effect below, whose handler backend/effects.py
registers: patrols do not import notices, which sit above them); a unit not found
(查无下落) is told nothing.

Who may record is not the table's to say: one of the assignment's two drawn inspectors,
certified (patrols.inspections.service.record_result), so `roles` is None."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from backend.core import lifecycle as kernel
from backend.core.errors import InvalidInput
from patrols.inspections.enums import Outcome

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from backend.core.settings import Settings
    from backend.identity.service import Principal
    from patrols.inspections.models import InspectionAssignment

# After-effects (handlers: backend/effects.py).
TELL_UNIT = "notices.inspection_result"  # 检查结果告知书, numbered, kept with its hash

RECORDED = (Outcome.PASSED, Outcome.FAILED, Outcome.NOT_FOUND)


@dataclass(frozen=True)
class ResultStep:
    """What an effect handler is given: the result just recorded, in its transaction."""

    session: Session
    settings: Settings
    assignment: InspectionAssignment  # as it is after the step
    principal: Principal  # the inspector who recorded it


RESULT_LIFECYCLE: kernel.Lifecycle[Outcome, Outcome, ResultStep] = kernel.Lifecycle(
    "inspection_result",
    (
        kernel.Transition(
            source,
            target,
            target,
            effects=(TELL_UNIT,) if target is not Outcome.NOT_FOUND else (),
        )
        for source in Outcome
        for target in RECORDED
    ),
    not_allowed=lambda state, action, possible: InvalidInput(
        "record passed, failed or not_found", field="outcome"
    ),
)
