"""Every row of the complaint lifecycle, one by one: its roles may take it, no other role may,
it is refused without what it needs, assignee steps say so, and every (state, action) the table
lacks is refused with `complaint-transition-not-allowed`."""

from types import SimpleNamespace

import pytest

from backend.identity.enums import Role
from complaints import lifecycle
from complaints.enums import ComplaintAction, ComplaintState
from complaints.lifecycle import (
    ASSIGNEE,
    ASSIGNEE_ONLY,
    COMPLAINT_LIFECYCLE,
    REFER_ELSEWHERE,
    TELL_REPORTER,
)

ROWS = list(COMPLAINT_LIFECYCLE)
NAMES = [f"{t.source.value}-{t.action.value}" for t in ROWS]
MISSING = [
    (state, action)
    for state in ComplaintState
    for action in ComplaintAction
    if COMPLAINT_LIFECYCLE.get(state, action) is None
]


def carrying(names) -> SimpleNamespace:
    return SimpleNamespace(**{name: "given" for name in names})


@pytest.mark.parametrize("row", ROWS, ids=NAMES)
def test_each_row_is_taken_by_its_roles_only(row):
    for role in row.roles:
        assert COMPLAINT_LIFECYCLE.allowed(row.source, row.action, role, carrying(row.needs)) is row
    for role in set(Role) - row.roles:
        with pytest.raises(lifecycle.ComplaintRoleMayNotAct) as refused:
            COMPLAINT_LIFECYCLE.allowed(row.source, row.action, role, carrying(row.needs))
        assert refused.value.slug == "complaint-role-not-allowed"
        assert refused.value.detail == f"a {role} may not {row.action.value}"


@pytest.mark.parametrize("row", [r for r in ROWS if r.needs], ids=lambda r: r.action.value)
def test_each_row_is_refused_without_each_thing_it_needs(row):
    role = next(iter(row.roles))
    for lacking in row.needs:
        given = carrying(n for n in row.needs if n != lacking)
        with pytest.raises(lifecycle.ComplaintActionIncomplete) as refused:
            COMPLAINT_LIFECYCLE.allowed(row.source, row.action, role, given)
        assert refused.value.slug == "complaint-action-incomplete"
        assert refused.value.extensions["fields"] == [lacking]


@pytest.mark.parametrize("row", ROWS, ids=NAMES)
def test_assignee_steps_are_those_the_assignee_takes(row):
    assert row.has(ASSIGNEE_ONLY) == (row.roles == ASSIGNEE)


@pytest.mark.parametrize(("state", "action"), MISSING, ids=[f"{s}-{a}" for s, a in MISSING])
def test_a_step_the_table_lacks_is_refused_naming_what_is_possible(state, action):
    with pytest.raises(lifecycle.ComplaintTransitionNotAllowed) as refused:
        lifecycle.transition_for(state, action)
    assert refused.value.slug == "complaint-transition-not-allowed"
    assert refused.value.extensions == {
        "state": state.value,
        "action": action.value,
        "possible": sorted(a.value for a in lifecycle.actions_from(state)),
    }


def test_the_stages_a_reporter_may_be_told_of_declare_the_telling():
    told = {
        (row.source.value, row.action.value)
        for row in COMPLAINT_LIFECYCLE
        if TELL_REPORTER in row.effects
    }
    assert told == {
        ("received", "dispatch"),
        ("signed", "verify"),
        ("verifying", "reply"),
        ("verifying", "refer"),
        ("replied", "close"),
    }
    assert COMPLAINT_LIFECYCLE.declared_effects() == {TELL_REPORTER, REFER_ELSEWHERE}
