"""The complaint lifecycle as one explicit table: (state, action) → target state, who may take
the step, and what it must carry. Anything not in the table is refused with a typed problem.

"Assignee" steps are taken by the worker the complaint is assigned to (a grid leader when the
grid has nobody on duty); staff of the area may take them on the worker's behalf.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from backend.core import lifecycle as kernel
from backend.core.errors import Conflict, Forbidden, InvalidInput
from backend.identity.enums import Role
from backend.identity.permissions import Permission, roles_with
from complaints.enums import ComplaintAction as A
from complaints.enums import ComplaintState as S

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from backend.core.settings import Settings
    from backend.identity.service import Principal
    from complaints.models import Complaint
    from complaints.schemas import ComplaintActionIn

STAFF = roles_with(Permission.MANAGE_COMPLAINTS)
ASSIGNEE = roles_with(Permission.WORK_IN_THE_FIELD) | STAFF
HOTLINE = roles_with(Permission.RECORD_CALLBACKS)  # the hotline runs the callback 回访, or staff
REPORTER = frozenset({Role.INTEGRATION})  # the citizens' page, for the one who reported
ASSIGNEE_ONLY = "assignee_only"  # guard: field roles must be the assignee
# guard: only the reporter of a complaint from the citizens' page (complaints.citizens), never
# a hotline or an Open311 app that is an integration client too
REPORTER_ONLY = "reporter_only"
# after-effect: a reporter from the citizens' page who asked to be told of this stage gets a
# text (complaints.citizens.service.tell_reporter, wired in backend/effects.py)
TELL_REPORTER = "complaints.tell_reporter"
# guard: only a complaint whose on-site finding is "not fire-related" is referred
NOT_FIRE_RELATED = "not_fire_related"
# after-effect: a 移送 to the chosen department is created (referrals.service.transfer_complaint,
# wired in backend/effects.py: complaints do not import referrals, which sit above them)
REFER_ELSEWHERE = "complaints.refer_elsewhere"

Transition = kernel.Transition[S, A]
TOLD = (TELL_REPORTER,)


@dataclass(frozen=True)
class ComplaintStep:
    """What an effect handler is given: the step just applied, in its transaction."""

    session: Session
    complaint: Complaint  # as it is after the step
    transition: Transition
    settings: Settings
    principal: Principal | None = None  # who took the step (None: the system)
    body: ComplaintActionIn | None = None  # what the step carried


def _row(
    source: S,
    action: A,
    target: S,
    roles: frozenset[Role],
    needs: tuple[str, ...] = (),
    assignee_only: bool = False,
    reporter_only: bool = False,
    effects: tuple[str, ...] = (),
    not_fire_related: bool = False,
) -> Transition:
    guards = frozenset(
        {
            g
            for g, on in (
                (ASSIGNEE_ONLY, assignee_only),
                (REPORTER_ONLY, reporter_only),
                (NOT_FIRE_RELATED, not_fire_related),
            )
            if on
        }
    )
    return kernel.Transition(
        source, action, target, roles, needs=needs, guards=guards, effects=effects
    )


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


COMPLAINT_LIFECYCLE: kernel.Lifecycle[S, A, ComplaintStep] = kernel.Lifecycle(
    "complaint",
    (
        _row(S.RECEIVED, A.DISPATCH, S.DISPATCHED, STAFF, ("assignee_id",), effects=TOLD),
        _row(S.DISPATCHED, A.DISPATCH, S.DISPATCHED, STAFF, ("assignee_id",)),
        _row(S.DISPATCHED, A.SIGN, S.SIGNED, ASSIGNEE, assignee_only=True),
        _row(S.DISPATCHED, A.RETURN, S.RECEIVED, ASSIGNEE, ("note",), True),
        _row(S.SIGNED, A.RETURN, S.RECEIVED, ASSIGNEE, ("note",), True),
        _row(S.SIGNED, A.VERIFY, S.VERIFYING, ASSIGNEE, ("finding", "note"), True, effects=TOLD),
        _row(S.VERIFYING, A.REPLY, S.REPLIED, ASSIGNEE, ("reply",), True, effects=TOLD),
        # Not fire-related: staff transfer it (移送) to the department whose business it is;
        # the answer to the complainant says so, and the case closes as any other.
        _row(
            S.VERIFYING,
            A.REFER,
            S.REPLIED,
            STAFF,
            ("department",),
            not_fire_related=True,
            effects=(REFER_ELSEWHERE, TELL_REPORTER),
        ),
        _row(S.REPLIED, A.CLOSE, S.CLOSED, STAFF, effects=TOLD),
        _row(S.CLOSED, A.CALLBACK_SATISFIED, S.CALLBACK_DONE, HOTLINE),
        _row(S.CLOSED, A.CALLBACK_UNSATISFIED, S.UNSATISFIED, HOTLINE, ("note",)),
        _row(S.UNSATISFIED, A.REOPEN, S.REOPENED, STAFF, ("note",)),
        # The reporter says "not fixed" (complaints.citizens), through the page's own client.
        _row(S.CLOSED, A.NOT_FIXED, S.REOPENED, REPORTER, ("note",), reporter_only=True),
        _row(S.CALLBACK_DONE, A.NOT_FIXED, S.REOPENED, REPORTER, ("note",), reporter_only=True),
        _row(S.REOPENED, A.SIGN, S.SIGNED, ASSIGNEE, assignee_only=True),
        _row(S.REOPENED, A.RETURN, S.RECEIVED, ASSIGNEE, ("note",), True),
        _row(S.REOPENED, A.DISPATCH, S.DISPATCHED, STAFF, ("assignee_id",)),
    ),
    not_allowed=lambda state, action, possible: ComplaintTransitionNotAllowed(
        f"cannot {action.value} a complaint that is {state.value}",
        state=state.value,
        action=action.value,
        possible=possible,
    ),
    role_refused=lambda role, action: ComplaintRoleMayNotAct(f"a {role} may not {action.value}"),
    incomplete=lambda action, missing: ComplaintActionIncomplete(
        f"{action.value} needs {', '.join(missing)}", fields=missing
    ),
)


def transition_for(state: S, action: A) -> Transition:
    return COMPLAINT_LIFECYCLE.step(state, action)


def actions_from(state: S) -> list[A]:
    return COMPLAINT_LIFECYCLE.actions_from(state)
