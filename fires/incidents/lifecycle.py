"""A fire incident's lifecycle as one table: recorded as a draft (from `new`), confirmed by
staff, published (masked, on the public list), or withdrawn from any of those with a reason.
Editing is not a step: it is allowed while draft or confirmed (`EDITABLE`)."""

from __future__ import annotations

from backend.core import lifecycle as kernel
from backend.core.errors import Conflict, Forbidden, InvalidInput
from backend.identity.permissions import Permission, roles_with
from fires.incidents.enums import IncidentAction as A
from fires.incidents.enums import IncidentState as S

RECORDERS = roles_with(Permission.RECORD_FIRE_INCIDENTS)
EDITABLE = frozenset({S.DRAFT, S.CONFIRMED})


class IncidentTransitionNotAllowed(Conflict):
    slug, title = (
        "fire-incident-transition-not-allowed",
        "Not possible in the fire incident's current state",
    )


class IncidentNotEditable(Conflict):
    slug, title = (
        "fire-incident-not-editable",
        "A published or withdrawn fire incident is not edited",
    )


INCIDENT_LIFECYCLE: kernel.Lifecycle[S, A, None] = kernel.Lifecycle(
    "fire_incident",
    (
        kernel.Transition(S.NEW, A.RECORD, S.DRAFT, RECORDERS),
        kernel.Transition(S.DRAFT, A.CONFIRM, S.CONFIRMED, RECORDERS),
        kernel.Transition(S.CONFIRMED, A.PUBLISH, S.PUBLISHED, RECORDERS),
        kernel.Transition(S.DRAFT, A.WITHDRAW, S.WITHDRAWN, RECORDERS, needs=("reason",)),
        kernel.Transition(S.CONFIRMED, A.WITHDRAW, S.WITHDRAWN, RECORDERS, needs=("reason",)),
        # Taken off the public list (a wrong record, a court's order): kept, withdrawn.
        kernel.Transition(S.PUBLISHED, A.WITHDRAW, S.WITHDRAWN, RECORDERS, needs=("reason",)),
    ),
    not_allowed=lambda state, action, possible: IncidentTransitionNotAllowed(
        f"{action.value} is not possible for a {state.value} fire incident",
        state=state.value,
        possible=possible,
    ),
    role_refused=lambda role, action: Forbidden(f"a {role} may not record fire incidents"),
    incomplete=lambda action, missing: InvalidInput(f"give the {missing[0]}", field=missing[0]),
)
