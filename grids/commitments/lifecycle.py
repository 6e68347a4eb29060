"""A commitment's lifecycle as one table: recording it (from `new`), the spot check's finding
(true or false), and withdrawing one not yet checked. Who may take each step, what it must
carry, and what follows: a false commitment enters the unit's credit record through the
effect below, whose handler backend/effects.py registers (grids sits below the credit record
and never imports it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from backend.core import lifecycle as kernel
from backend.core.errors import Conflict, Forbidden, InvalidInput
from backend.identity.permissions import Permission, roles_with
from grids.commitments.enums import CommitmentAction as A
from grids.commitments.enums import CommitmentState as S

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from backend.core.settings import Settings
    from backend.identity.service import Principal
    from grids.commitments.models import Commitment

RECORDERS = roles_with(Permission.RECORD_COMMITMENTS)

# After-effects (handlers: backend/effects.py).
RECORD_IN_CREDIT = "credit.record_false_commitment"  # 虚假承诺 enters the credit record, once

# Guard: the finding is an enforcement step, taken by an officer with a valid certificate.
CERTIFIED = "certified"


@dataclass(frozen=True)
class CommitmentStep:
    """What an effect handler is given: the step just applied, in its transaction."""

    session: Session
    settings: Settings
    commitment: Commitment  # as it is after the step
    principal: Principal  # who took the step


class CommitmentTransitionNotAllowed(Conflict):
    slug, title = (
        "commitment-transition-not-allowed",
        "Not possible in the commitment's current state",
    )


class CommitmentCertificateRequired(Forbidden):
    slug, title = "certificate-required", "Enforcement steps need a valid certificate (持证)"


COMMITMENT_LIFECYCLE: kernel.Lifecycle[S, A, CommitmentStep] = kernel.Lifecycle(
    "commitment",
    (
        kernel.Transition(S.NEW, A.RECORD, S.COMMITTED, RECORDERS),
        kernel.Transition(
            S.COMMITTED, A.VERIFY, S.VERIFIED, RECORDERS, guards=frozenset({CERTIFIED})
        ),
        kernel.Transition(
            S.COMMITTED,
            A.FIND_FALSE,
            S.FALSE,
            RECORDERS,
            needs=("note",),
            guards=frozenset({CERTIFIED}),
            effects=(RECORD_IN_CREDIT,),
        ),
        kernel.Transition(S.COMMITTED, A.WITHDRAW, S.WITHDRAWN, RECORDERS, needs=("reason",)),
    ),
    not_allowed=lambda state, action, possible: CommitmentTransitionNotAllowed(
        f"{action.value} is not possible for a {state.value} commitment",
        state=state.value,
        possible=possible,
    ),
    role_refused=lambda role, action: Forbidden(f"a {role} may not record commitments"),
    incomplete=lambda action, missing: InvalidInput(f"give the {missing[0]}", field=missing[0]),
)
