"""The hazard lifecycle as one explicit table: (state, action) → target state, who may do it,
how many distinct certified officers must approve (双人执法: two; the collective determination of
a major hazard: three), what the action must carry, and what follows from it (its effects).

Anything not in the table is refused with a typed problem, never applied silently.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backend.core import lifecycle as kernel
from backend.core.errors import Conflict, Forbidden, InvalidInput
from backend.identity.enums import Role
from backend.identity.permissions import Permission, roles_with
from hazards.enums import HazardAction as A
from hazards.enums import HazardState as S

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from backend.core.audit import Actor
    from backend.core.settings import Settings
    from hazards.models import Hazard
    from hazards.schemas import ActionIn

FIELD = roles_with(Permission.TAKE_HAZARD_STEPS)
OFFICERS = roles_with(Permission.ENFORCE)
BRIGADE = roles_with(Permission.LIST_FOR_SUPERVISION)
# A unit submits its own rectification through its SMS link (notices.unitlink), acting as that
# link's integration client; hazards.acting lets an integration client act only that way.
UNIT = frozenset({Role.INTEGRATION})

# After-effects a step declares (handlers: backend/effects.py).
ANNOUNCE = "hazards.announce"  # push to whoever hears of the step (hazards/announcements.py)
RECORD_IN_CREDIT = "credit.record_hazard"  # a confirmed or major hazard enters the unit's record
# A notice (执法文书) is issued as a numbered PDF: the order to rectify (责令限期改正通知书),
# the recheck's result (复查意见书); handled by notices.service.
ISSUE_NOTICE = "notices.issue"

Transition = kernel.Transition[S, A]


@dataclass(frozen=True)
class HazardStep:
    """What an effect handler is given: the step just applied, in its transaction."""

    session: Session
    hazard: Hazard  # as it is after the step
    transition: Transition
    actor_id: uuid.UUID | None  # who took the step (nobody is told of their own step)
    settings: Settings
    body: ActionIn | None = None  # what the step carried (a period, a note)
    actor: Actor | None = None  # who took it, as the audit log records them


def _row(
    source: S,
    action: A,
    target: S,
    roles: frozenset[Role],
    approvers: int = 1,
    needs: tuple[str, ...] = (),
    effects: tuple[str, ...] = (),
) -> Transition:
    return kernel.Transition(
        source, action, target, roles, approvers=approvers, needs=needs, effects=effects
    )


class TransitionNotAllowed(Conflict):
    slug, title = "hazard-transition-not-allowed", "Not possible in the hazard's current state"


class HazardChangedMeanwhile(Conflict):
    slug, title = "hazard-changed-meanwhile", "The hazard changed since you read it"


class RoleMayNotAct(Forbidden):
    slug, title = "hazard-role-not-allowed", "Your role may not take this step"


class CertificateRequired(Forbidden):
    slug, title = "certificate-required", "Enforcement steps need a valid certificate (持证)"


class AlreadyApproved(Conflict):
    slug, title = "already-approved", "You already approved this step; another officer must"


class ActionIncomplete(InvalidInput):
    slug, title = "action-incomplete", "The action lacks what it needs"


HAZARD_LIFECYCLE: kernel.Lifecycle[S, A, HazardStep] = kernel.Lifecycle(
    "hazard",
    (
        _row(S.REPORTED, A.CONFIRM, S.CONFIRMED, FIELD, effects=(RECORD_IN_CREDIT, ANNOUNCE)),
        _row(S.REPORTED, A.REJECT, S.REJECTED, FIELD, needs=("note",), effects=(ANNOUNCE,)),
        _row(
            S.REPORTED,
            A.MARK_DUPLICATE,
            S.DUPLICATE,
            FIELD,
            needs=("duplicate_of",),
            effects=(ANNOUNCE,),
        ),
        _row(S.REPORTED, A.SUSPECT_MAJOR, S.MAJOR_SUSPECTED, FIELD, effects=(ANNOUNCE,)),
        _row(S.CONFIRMED, A.RECTIFY_ON_SPOT, S.RECTIFIED_ON_SPOT, FIELD, effects=(ANNOUNCE,)),
        _row(
            S.CONFIRMED,
            A.ORDER_RECTIFICATION,
            S.RECTIFICATION_ORDERED,
            OFFICERS,
            2,
            ("deadline_working_days",),
            effects=(ISSUE_NOTICE, ANNOUNCE),
        ),
        _row(S.CONFIRMED, A.SUSPECT_MAJOR, S.MAJOR_SUSPECTED, FIELD, effects=(ANNOUNCE,)),
        _row(
            S.RECTIFICATION_ORDERED,
            A.SUBMIT_RECTIFICATION,
            S.RECTIFICATION_SUBMITTED,
            FIELD | UNIT,
            needs=("note",),
            effects=(ANNOUNCE,),
        ),
        _row(
            S.RECTIFICATION_SUBMITTED,
            A.VERIFY,
            S.VERIFIED_CLOSED,
            FIELD,
            effects=(ISSUE_NOTICE, ANNOUNCE),
        ),
        _row(
            S.RECTIFICATION_SUBMITTED,
            A.FAIL_VERIFICATION,
            S.RECTIFICATION_FAILED,
            FIELD,
            needs=("deadline_working_days", "note"),
            effects=(ISSUE_NOTICE, ANNOUNCE),
        ),
        _row(
            S.RECTIFICATION_FAILED,
            A.SUBMIT_RECTIFICATION,
            S.RECTIFICATION_SUBMITTED,
            FIELD | UNIT,
            needs=("note",),
            effects=(ANNOUNCE,),
        ),
        _row(
            S.MAJOR_SUSPECTED,
            A.DETERMINE_MAJOR,
            S.DETERMINED_MAJOR,
            OFFICERS,
            3,
            ("criteria",),
            effects=(RECORD_IN_CREDIT,),
        ),
        _row(
            S.MAJOR_SUSPECTED,
            A.DETERMINE_NOT_MAJOR,
            S.CONFIRMED,
            OFFICERS,
            3,
            ("note",),
            effects=(RECORD_IN_CREDIT,),
        ),
        _row(S.DETERMINED_MAJOR, A.REPORT_TO_GOVERNMENT, S.REPORTED_TO_GOVERNMENT, BRIGADE),
        _row(
            S.REPORTED_TO_GOVERNMENT,
            A.LIST,
            S.LISTED,
            BRIGADE,
            2,
            ("listing_level", "deadline_working_days"),
        ),
        _row(S.LISTED, A.START_RECTIFYING, S.RECTIFYING, OFFICERS),
        _row(S.RECTIFYING, A.REINSPECT, S.REINSPECTED, OFFICERS, 2),
        _row(S.REINSPECTED, A.START_RECTIFYING, S.RECTIFYING, OFFICERS, needs=("note",)),
        _row(S.REINSPECTED, A.DELIST, S.DELISTED, BRIGADE, 2, effects=(ANNOUNCE,)),
    ),
    not_allowed=lambda state, action, possible: TransitionNotAllowed(
        f"cannot {action.value} a hazard that is {state.value}",
        state=state.value,
        action=action.value,
        possible=possible,
    ),
    role_refused=lambda role, action: RoleMayNotAct(f"a {role} may not {action.value}"),
    incomplete=lambda action, missing: ActionIncomplete(
        f"{action.value} needs {', '.join(missing)}", fields=missing
    ),
)


def actions_from(state: S) -> list[A]:
    return HAZARD_LIFECYCLE.actions_from(state)
