"""Every row of the credit appeal lifecycle: officers decide a pending appeal, nobody else,
and a decided appeal is refused with `credit-appeal-decided`."""

import pytest

from backend.core.errors import Forbidden
from backend.identity.enums import Role
from hazards.credit.enums import AppealDecision, AppealState
from hazards.credit.service import (
    APPEAL_LIFECYCLE,
    NOT_THE_FILER,
    OFFICERS,
    AppealAlreadyDecided,
)

ROWS = list(APPEAL_LIFECYCLE)
MISSING = [
    (state, decision)
    for state in AppealState
    for decision in AppealDecision
    if APPEAL_LIFECYCLE.get(state, decision) is None
]


@pytest.mark.parametrize("row", ROWS, ids=[r.action.value for r in ROWS])
def test_each_row_is_decided_by_another_officer_only(row):
    assert row.source is AppealState.PENDING and row.roles == OFFICERS and row.has(NOT_THE_FILER)
    for role in OFFICERS:
        APPEAL_LIFECYCLE.check_role(row, role)
    for role in set(Role) - OFFICERS:
        with pytest.raises(Forbidden, match=f"a {role} may not change credit records"):
            APPEAL_LIFECYCLE.check_role(row, role)


def test_a_decision_leads_to_its_state():
    assert {(r.action, r.target) for r in ROWS} == {
        (AppealDecision.APPROVE, AppealState.APPROVED),
        (AppealDecision.REJECT, AppealState.REJECTED),
    }


@pytest.mark.parametrize(("state", "decision"), MISSING, ids=[f"{s}-{d}" for s, d in MISSING])
def test_a_decided_appeal_is_refused(state, decision):
    with pytest.raises(AppealAlreadyDecided) as refused:
        APPEAL_LIFECYCLE.step(state, decision)
    assert refused.value.slug == "credit-appeal-decided"
    assert refused.value.detail == f"the appeal is already {state.value}"
    assert refused.value.extensions == {"state": state.value}
