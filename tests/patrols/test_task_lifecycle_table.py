"""Every row of the patrol task lifecycle: an open task is done by a visit or cancelled, and
nothing else moves a task; a finished or cancelled task refuses every step with its state."""

import pytest

from patrols.enums import TaskState, TaskStep
from patrols.tasks import TASK_LIFECYCLE, TaskRefused

ROWS = list(TASK_LIFECYCLE)
MISSING = [
    (state, step)
    for state in TaskState
    for step in TaskStep
    if TASK_LIFECYCLE.get(state, step) is None
]


def test_an_open_task_is_done_by_a_visit_or_cancelled():
    assert {(r.source, r.action, r.target) for r in ROWS} == {
        (TaskState.OPEN, TaskStep.VISIT, TaskState.DONE),
        (TaskState.OPEN, TaskStep.CANCEL, TaskState.CANCELLED),
    }


@pytest.mark.parametrize("row", ROWS, ids=[r.action.value for r in ROWS])
def test_each_row_leaves_who_may_take_it_to_the_use_case(row):
    """A visit is checked as field work (patrols.visits), a cancellation as planning."""
    assert row.roles is None and row.approvers == 1 and not row.needs and not row.effects


@pytest.mark.parametrize(("state", "step"), MISSING, ids=[f"{s}-{p}" for s, p in MISSING])
def test_a_step_not_in_the_table_is_refused_naming_the_state(state, step):
    with pytest.raises(TaskRefused) as refused:
        TASK_LIFECYCLE.step(state, step)
    assert refused.value.detail == f"a {state.value} task cannot take '{step.value}'"
    assert refused.value.extensions == {"state": state.value}
