"""The referral lifecycle as one explicit table: sent -> replied -> closed; sent -> overdue by
the worker's pass; an overdue referral may still be answered."""

from __future__ import annotations

from backend.core import lifecycle as kernel
from backend.core.errors import Conflict, Forbidden
from backend.identity.permissions import Permission, roles_with
from referrals.enums import ReferralAction as A
from referrals.enums import ReferralState as S

STAFF = roles_with(Permission.MAKE_REFERRALS)
ANSWERING = STAFF | roles_with(Permission.ANSWER_REFERRALS)  # staff enter it, or the partner

Transition = kernel.Transition[S, A]


class ReferralTransitionNotAllowed(Conflict):
    slug, title = "referral-transition-not-allowed", "Not possible in the referral's current state"


class ReferralChangedMeanwhile(Conflict):
    slug, title = "referral-changed-meanwhile", "The referral changed since you read it"


class ReferralRoleMayNotAct(Forbidden):
    slug, title = "referral-role-not-allowed", "Your role may not take this step"


REFERRAL_LIFECYCLE: kernel.Lifecycle[S, A, None] = kernel.Lifecycle(
    "referral",
    (
        kernel.Transition(S.SENT, A.REPLY, S.REPLIED, ANSWERING),
        kernel.Transition(S.OVERDUE, A.REPLY, S.REPLIED, ANSWERING),
        kernel.Transition(S.SENT, A.MARK_OVERDUE, S.OVERDUE, frozenset()),  # the worker only
        kernel.Transition(S.REPLIED, A.CLOSE, S.CLOSED, STAFF),
    ),
    not_allowed=lambda state, action, possible: ReferralTransitionNotAllowed(
        f"cannot {action.value} a referral that is {state.value}",
        state=state.value,
        action=action.value,
        possible=possible,
    ),
    role_refused=lambda role, action: ReferralRoleMayNotAct(f"a {role} may not {action.value}"),
)
