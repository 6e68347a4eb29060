"""The complaint lifecycle as one explicit table: (state, action) → target state, who may take
the step, and what it must carry. Anything not in the table is refused with a typed problem.

"Assignee" steps are taken by the worker the complaint is assigned to (a grid leader when the
grid has nobody on duty); staff of the area may take them on the worker's behalf.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.core.errors import Conflict, Forbidden, InvalidInput
from backend.identity.enums import Role
from complaints.enums import ComplaintAction as A
from complaints.enums import ComplaintState as S

STAFF = frozenset({Role.STATION_STAFF, Role.BRIGADE_STAFF, Role.ADMIN})
ASSIGNEE = frozenset({Role.GRID_WORKER, Role.GRID_LEADER}) | STAFF
HOTLINE = STAFF | {Role.INTEGRATION}  # the hotline runs the callback 回访 itself, or staff do


@dataclass(frozen=True)
class Transition:
    source: S
    action: A
    target: S
    roles: frozenset[Role]
    needs: tuple[str, ...] = ()
    assignee_only: bool = False  # field roles must be the assignee


TRANSITIONS: dict[tuple[S, A], Transition] = {
    (t.source, t.action): t
    for t in (
        Transition(S.RECEIVED, A.DISPATCH, S.DISPATCHED, STAFF, ("assignee_id",)),
        Transition(S.DISPATCHED, A.DISPATCH, S.DISPATCHED, STAFF, ("assignee_id",)),
        Transition(S.DISPATCHED, A.SIGN, S.SIGNED, ASSIGNEE, assignee_only=True),
        Transition(S.DISPATCHED, A.RETURN, S.RECEIVED, ASSIGNEE, ("note",), True),
        Transition(S.SIGNED, A.RETURN, S.RECEIVED, ASSIGNEE, ("note",), True),
        Transition(S.SIGNED, A.VERIFY, S.VERIFYING, ASSIGNEE, ("finding", "note"), True),
        Transition(S.VERIFYING, A.REPLY, S.REPLIED, ASSIGNEE, ("reply",), True),
        Transition(S.REPLIED, A.CLOSE, S.CLOSED, STAFF),
        Transition(S.CLOSED, A.CALLBACK_SATISFIED, S.CALLBACK_DONE, HOTLINE),
        Transition(S.CLOSED, A.CALLBACK_UNSATISFIED, S.UNSATISFIED, HOTLINE, ("note",)),
        Transition(S.UNSATISFIED, A.REOPEN, S.REOPENED, STAFF, ("note",)),
        Transition(S.REOPENED, A.SIGN, S.SIGNED, ASSIGNEE, assignee_only=True),
        Transition(S.REOPENED, A.RETURN, S.RECEIVED, ASSIGNEE, ("note",), True),
        Transition(S.REOPENED, A.DISPATCH, S.DISPATCHED, STAFF, ("assignee_id",)),
    )
}


class ComplaintTransitionNotAllowed(Conflict):
    slug, title = (
        "complaint-transition-not-allowed",
        "Not possible in the complaint's current state",
    )


class ComplaintChangedMeanwhile(Conflict):
    slug, title = "complaint-changed-meanwhile", "The complaint changed since you read it"


class NotYourComplaint(Forbidden):
    slug, title = "complaint-not-assigned-to-you", "This complaint is assigned to someone else"


class ComplaintRoleMayNotAct(Forbidden):
    slug, title = "complaint-role-not-allowed", "Your role may not take this step"


class ComplaintActionIncomplete(InvalidInput):
    slug, title = "complaint-action-incomplete", "The step lacks what it needs"


def transition_for(state: S, action: A) -> Transition:
    transition = TRANSITIONS.get((state, action))
    if transition is None:
        raise ComplaintTransitionNotAllowed(
            f"cannot {action.value} a complaint that is {state.value}",
            state=state.value,
            action=action.value,
            possible=sorted(a.value for a in actions_from(state)),
        )
    return transition


def actions_from(state: S) -> list[A]:
    return [a for (s, a) in TRANSITIONS if s is state]
