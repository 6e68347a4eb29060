"""The hazard lifecycle as one explicit table: (state, action) → target state, who may do it,
how many distinct certified officers must approve (双人执法: two; the collective determination of
a major hazard: three), and what the action must carry.

Anything not in the table is refused with a typed problem, never applied silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.core.errors import Conflict, Forbidden, InvalidInput
from backend.identity.enums import Role
from hazards.enums import HazardAction as A
from hazards.enums import HazardState as S

FIELD = frozenset({Role.GRID_WORKER, Role.GRID_LEADER, Role.STATION_STAFF, Role.BRIGADE_STAFF})
OFFICERS = frozenset({Role.STATION_STAFF, Role.BRIGADE_STAFF})
BRIGADE = frozenset({Role.BRIGADE_STAFF})


@dataclass(frozen=True)
class Transition:
    source: S
    action: A
    target: S
    roles: frozenset[Role]
    approvers: int = 1  # distinct certified officers needed; 1 = the actor alone
    needs: tuple[str, ...] = ()  # fields the action must carry

    @property
    def enforcement(self) -> bool:
        return self.approvers > 1


TRANSITIONS: dict[tuple[S, A], Transition] = {
    (t.source, t.action): t
    for t in (
        Transition(S.REPORTED, A.CONFIRM, S.CONFIRMED, FIELD),
        Transition(S.REPORTED, A.REJECT, S.REJECTED, FIELD, needs=("note",)),
        Transition(S.REPORTED, A.MARK_DUPLICATE, S.DUPLICATE, FIELD, needs=("duplicate_of",)),
        Transition(S.REPORTED, A.SUSPECT_MAJOR, S.MAJOR_SUSPECTED, FIELD),
        Transition(S.CONFIRMED, A.RECTIFY_ON_SPOT, S.RECTIFIED_ON_SPOT, FIELD),
        Transition(
            S.CONFIRMED,
            A.ORDER_RECTIFICATION,
            S.RECTIFICATION_ORDERED,
            OFFICERS,
            2,
            ("deadline_working_days",),
        ),
        Transition(S.CONFIRMED, A.SUSPECT_MAJOR, S.MAJOR_SUSPECTED, FIELD),
        Transition(
            S.RECTIFICATION_ORDERED,
            A.SUBMIT_RECTIFICATION,
            S.RECTIFICATION_SUBMITTED,
            FIELD,
            needs=("note",),
        ),
        Transition(S.RECTIFICATION_SUBMITTED, A.VERIFY, S.VERIFIED_CLOSED, FIELD),
        Transition(
            S.RECTIFICATION_SUBMITTED,
            A.FAIL_VERIFICATION,
            S.RECTIFICATION_FAILED,
            FIELD,
            needs=("deadline_working_days", "note"),
        ),
        Transition(
            S.RECTIFICATION_FAILED,
            A.SUBMIT_RECTIFICATION,
            S.RECTIFICATION_SUBMITTED,
            FIELD,
            needs=("note",),
        ),
        Transition(
            S.MAJOR_SUSPECTED, A.DETERMINE_MAJOR, S.DETERMINED_MAJOR, OFFICERS, 3, ("criteria",)
        ),
        Transition(S.MAJOR_SUSPECTED, A.DETERMINE_NOT_MAJOR, S.CONFIRMED, OFFICERS, 3, ("note",)),
        Transition(S.DETERMINED_MAJOR, A.REPORT_TO_GOVERNMENT, S.REPORTED_TO_GOVERNMENT, BRIGADE),
        Transition(
            S.REPORTED_TO_GOVERNMENT,
            A.LIST,
            S.LISTED,
            BRIGADE,
            2,
            ("listing_level", "deadline_working_days"),
        ),
        Transition(S.LISTED, A.START_RECTIFYING, S.RECTIFYING, OFFICERS),
        Transition(S.RECTIFYING, A.REINSPECT, S.REINSPECTED, OFFICERS, 2),
        Transition(S.REINSPECTED, A.START_RECTIFYING, S.RECTIFYING, OFFICERS, needs=("note",)),
        Transition(S.REINSPECTED, A.DELIST, S.DELISTED, BRIGADE, 2),
    )
}


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


def transition_for(state: S, action: A) -> Transition:
    transition = TRANSITIONS.get((state, action))
    if transition is None:
        possible = sorted(a.value for (s, a) in TRANSITIONS if s is state)
        raise TransitionNotAllowed(
            f"cannot {action.value} a hazard that is {state.value}",
            state=state.value,
            action=action.value,
            possible=possible,
        )
    return transition


def actions_from(state: S) -> list[A]:
    return [a for (s, a) in TRANSITIONS if s is state]
