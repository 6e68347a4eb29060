"""What this caller may do with each hazard now: the console offers exactly these buttons, each
with the form its row of the lifecycle table asks for (what the step must carry, how many
officers must approve it).

The lifecycle table says which steps leave a state and which roles take them; on top of that a
caller acts only on hazards in their own area (a reporter sees a hazard but does not act), an
enforcement step (双人执法, the collective determination of a major hazard) needs a valid
certificate, and an officer who already approved a waiting step must leave it to another. The
waiting steps are shown with the approvals they still miss, so that a station can see who must
still sign. The refusals in `acting` stay the authority: this only predicts them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.identity.service import Principal
from grids.scope import scope_of
from hazards.enums import HazardAction, HazardState
from hazards.lifecycle import HAZARD_LIFECYCLE, Transition
from hazards.models import Hazard, HazardDecision


@dataclass(frozen=True)
class WaitingStep:
    """An enforcement step some officers approved and more must."""

    action: HazardAction
    approvals: int
    required: int
    approved_by_me: bool


@dataclass
class Available:
    steps: list[Transition] = field(default_factory=list)  # the rows the caller may take now
    waiting: list[WaitingStep] = field(default_factory=list)

    @property
    def actions(self) -> list[HazardAction]:
        return [row.action for row in self.steps]


def available_to(
    session: Session, principal: Principal, hazards: list[Hazard]
) -> dict[uuid.UUID, Available]:
    """Per hazard, the steps the caller may take now and the steps waiting for approvers; two
    queries for a whole page (the caller's scope and the waiting decisions)."""
    scope = scope_of(session, principal)
    certified = principal.certified_today
    me = str(principal.user_id)
    waiting: dict[uuid.UUID, list[HazardDecision]] = {}
    if hazards:
        for decision in session.scalars(
            select(HazardDecision).where(
                HazardDecision.hazard_id.in_([h.id for h in hazards]),
                HazardDecision.done.is_(False),
            )
        ):
            waiting.setdefault(decision.hazard_id, []).append(decision)

    found: dict[uuid.UUID, Available] = {}
    for hazard in hazards:
        available = found[hazard.id] = Available()
        state = HazardState(hazard.state)
        decisions = {d.action: d for d in waiting.get(hazard.id, []) if d.from_state == state}
        available.waiting = [
            WaitingStep(HazardAction(d.action), len(d.approvers), d.required, me in d.approvers)
            for d in decisions.values()
        ]
        if not scope.covers_path(hazard.area_path or "\0"):
            continue
        for row in HAZARD_LIFECYCLE.rows_from(state, principal.role):
            if row.enforcement:
                decision = decisions.get(row.action.value)
                if not certified or (decision is not None and me in decision.approvers):
                    continue
            available.steps.append(row)
    return found
