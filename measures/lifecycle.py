"""A measure's lifecycle as one table: recording it (from `new`), and withdrawing an exposure.
Who may take each step, what it must carry, and what follows (its effects, whose handlers
backend/effects.py registers: the credit record hears of a measure without measures reaching
into it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backend.core import lifecycle as kernel
from backend.core.errors import Conflict, Forbidden, InvalidInput
from backend.identity.permissions import Permission, roles_with
from measures.enums import MeasureAction as A
from measures.enums import MeasureState as S

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from backend.core.settings import Settings
    from backend.identity.service import Principal
    from measures.models import Measure

RECORDERS = roles_with(Permission.RECORD_MEASURES)

# After-effects (handlers: backend/effects.py).
RECORD_IN_CREDIT = "credit.record_measure"  # the measure's kind enters the unit's credit record

# Guard: only an exposure has something public to withdraw.
EXPOSURE_ONLY = "exposure_only"


@dataclass(frozen=True)
class MeasureStep:
    """What an effect handler is given: the step just applied, in its transaction."""

    session: Session
    settings: Settings
    measure: Measure  # as it is after the step
    premises_ids: list[uuid.UUID]  # the premises whose credit record hears of it
    principal: Principal  # who took the step


class MeasureTransitionNotAllowed(Conflict):
    slug, title = "measure-transition-not-allowed", "Not possible in the measure's current state"


MEASURE_LIFECYCLE: kernel.Lifecycle[S, A, MeasureStep] = kernel.Lifecycle(
    "measure",
    (
        kernel.Transition(S.NEW, A.RECORD, S.RECORDED, RECORDERS, effects=(RECORD_IN_CREDIT,)),
        kernel.Transition(
            S.RECORDED,
            A.WITHDRAW,
            S.WITHDRAWN,
            RECORDERS,
            needs=("reason",),
            guards=frozenset({EXPOSURE_ONLY}),
        ),
    ),
    not_allowed=lambda state, action, possible: MeasureTransitionNotAllowed(
        f"{action.value} is not possible for a {state.value} measure",
        state=state.value,
        possible=possible,
    ),
    role_refused=lambda role, action: Forbidden(f"a {role} may not record measures"),
    incomplete=lambda action, missing: InvalidInput(f"give the {missing[0]}", field=missing[0]),
)
