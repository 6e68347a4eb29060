"""A fire alert's lifecycle as one explicit table: open -> closed (the fire is out, or the
fire brigade took over) | false_alarm (误报). Acknowledgements are not steps of the alert: each
recipient's answer is kept on their row while it is open."""

from __future__ import annotations

from backend.core import lifecycle as kernel
from backend.core.errors import Conflict, Forbidden
from backend.identity.permissions import Permission, roles_with
from fires.alerts.enums import AlertAction as A
from fires.alerts.enums import AlertState as S

STAFF = roles_with(Permission.MANAGE_FIRE_ALERTS)


class AlertTransitionNotAllowed(Conflict):
    slug, title = "fire-alert-transition-not-allowed", "Not possible in the alert's current state"


class AlertChangedMeanwhile(Conflict):
    slug, title = "fire-alert-changed-meanwhile", "The alert changed since you read it"


class AlertRoleMayNotAct(Forbidden):
    slug, title = "fire-alert-role-not-allowed", "Your role may not take this step"


class AlertNotOpen(Conflict):
    slug, title = "fire-alert-not-open", "The alert is no longer open"


ALERT_LIFECYCLE: kernel.Lifecycle[S, A, None] = kernel.Lifecycle(
    "fire_alert",
    (
        kernel.Transition(S.OPEN, A.CLOSE, S.CLOSED, STAFF),
        kernel.Transition(S.OPEN, A.MARK_FALSE_ALARM, S.FALSE_ALARM, STAFF),
    ),
    not_allowed=lambda state, action, possible: AlertTransitionNotAllowed(
        f"cannot {action.value} an alert that is {state.value}",
        state=state.value,
        action=action.value,
        possible=possible,
    ),
    role_refused=lambda role, action: AlertRoleMayNotAct(f"a {role} may not {action.value}"),
)
