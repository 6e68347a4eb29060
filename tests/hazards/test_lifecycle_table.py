"""Every row of the hazard lifecycle, one by one: its roles may take it, no other role may, it
is refused without what it needs, and every (state, action) the table lacks is refused with
`hazard-transition-not-allowed`. The effects each row declares exist."""

from types import SimpleNamespace

import pytest

from backend.identity.enums import Role
from hazards import lifecycle
from hazards.announcements import ANNOUNCEMENTS
from hazards.credit.service import RECORDED_STEPS
from hazards.enums import HazardAction, HazardState
from hazards.lifecycle import ANNOUNCE, HAZARD_LIFECYCLE, ISSUE_NOTICE, RECORD_IN_CREDIT
from hazards.schemas import ActionIn

ROWS = list(HAZARD_LIFECYCLE)
NAMES = [f"{t.source.value}-{t.action.value}" for t in ROWS]
MISSING = [
    (state, action)
    for state in HazardState
    for action in HazardAction
    if HAZARD_LIFECYCLE.get(state, action) is None
]


def carrying(names) -> SimpleNamespace:
    return SimpleNamespace(**{name: "given" for name in names})


@pytest.mark.parametrize("row", ROWS, ids=NAMES)
def test_each_row_is_taken_by_its_roles_only(row):
    for role in row.roles:
        assert HAZARD_LIFECYCLE.allowed(row.source, row.action, role, carrying(row.needs)) is row
    for role in set(Role) - row.roles:
        with pytest.raises(lifecycle.RoleMayNotAct) as refused:
            HAZARD_LIFECYCLE.allowed(row.source, row.action, role, carrying(row.needs))
        assert refused.value.slug == "hazard-role-not-allowed"
        assert refused.value.detail == f"a {role} may not {row.action.value}"


@pytest.mark.parametrize("row", [r for r in ROWS if r.needs], ids=lambda r: r.action.value)
def test_each_row_is_refused_without_each_thing_it_needs(row):
    role = next(iter(row.roles))
    for lacking in row.needs:
        given = carrying(n for n in row.needs if n != lacking)
        with pytest.raises(lifecycle.ActionIncomplete) as refused:
            HAZARD_LIFECYCLE.allowed(row.source, row.action, role, given)
        assert refused.value.slug == "action-incomplete"
        assert refused.value.extensions["fields"] == [lacking]


def test_whatever_a_step_needs_an_action_can_carry():
    """Clients are told each step's needs (`step_needs`) and post them as these fields."""
    needed = {name for row in ROWS for name in row.needs}
    assert needed <= set(ActionIn.model_fields) - {"action", "version"}


@pytest.mark.parametrize(("state", "action"), MISSING, ids=[f"{s}-{a}" for s, a in MISSING])
def test_a_step_the_table_lacks_is_refused_naming_what_is_possible(state, action):
    with pytest.raises(lifecycle.TransitionNotAllowed) as refused:
        HAZARD_LIFECYCLE.step(state, action)
    assert refused.value.slug == "hazard-transition-not-allowed"
    assert refused.value.status == 409
    assert refused.value.extensions == {
        "state": state.value,
        "action": action.value,
        "possible": sorted(a.value for a in lifecycle.actions_from(state)),
    }


def test_closed_states_have_no_step_out():
    for state in HazardState:
        assert (lifecycle.actions_from(state) == []) == state.is_closed


def test_enforcement_steps_need_two_or_three_officers():
    enforcement = {(t.source, t.action): t.approvers for t in ROWS if t.enforcement}
    assert enforcement == {
        (HazardState.CONFIRMED, HazardAction.ORDER_RECTIFICATION): 2,
        (HazardState.MAJOR_SUSPECTED, HazardAction.DETERMINE_MAJOR): 3,
        (HazardState.MAJOR_SUSPECTED, HazardAction.DETERMINE_NOT_MAJOR): 3,
        (HazardState.REPORTED_TO_GOVERNMENT, HazardAction.LIST): 2,
        (HazardState.RECTIFYING, HazardAction.REINSPECT): 2,
        (HazardState.REINSPECTED, HazardAction.DELIST): 2,
    }


@pytest.mark.parametrize("row", ROWS, ids=NAMES)
def test_each_row_announces_exactly_when_its_action_has_an_announcement(row):
    assert (ANNOUNCE in row.effects) == (row.action in ANNOUNCEMENTS)


@pytest.mark.parametrize("row", ROWS, ids=NAMES)
def test_each_row_reaching_a_recorded_state_enters_the_credit_record(row):
    assert (RECORD_IN_CREDIT in row.effects) == (row.target in RECORDED_STEPS)


def test_every_declared_effect_is_a_known_one():
    assert HAZARD_LIFECYCLE.declared_effects() == {ANNOUNCE, RECORD_IN_CREDIT, ISSUE_NOTICE}


NOTICE_STEPS = {
    HazardAction.ORDER_RECTIFICATION,
    HazardAction.VERIFY,
    HazardAction.FAIL_VERIFICATION,
}


@pytest.mark.parametrize("row", ROWS, ids=NAMES)
def test_an_order_and_a_recheck_issue_their_notice(row):
    assert (ISSUE_NOTICE in row.effects) == (row.action in NOTICE_STEPS)
