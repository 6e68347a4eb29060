"""The lifecycle table type: a step is found or refused with the domain's own problem, the
role and what the step carries are checked, and declared after-effects run through handlers
registered by name, failing loudly when one has none."""

from enum import StrEnum
from types import SimpleNamespace

import pytest

from backend.core.errors import Conflict, Forbidden, InvalidInput
from backend.core.lifecycle import Lifecycle, MissingEffectHandler, Transition


class Door(StrEnum):
    SHUT = "shut"
    OPEN = "open"
    LOCKED = "locked"


class Move(StrEnum):
    OPEN = "open"
    CLOSE = "close"
    LOCK = "lock"


class Who(StrEnum):
    TENANT = "tenant"
    WARDEN = "warden"
    GUEST = "guest"


class CannotMove(Conflict):
    slug, title = "door-cannot-move", "Not possible now"


class NotYours(Forbidden):
    slug, title = "door-not-yours", "Not for you"


class Lacking(InvalidInput):
    slug, title = "door-lacking", "Lacks something"


def door(*rows: Transition) -> Lifecycle:
    return Lifecycle(
        "door",
        rows
        or (
            Transition(Door.SHUT, Move.OPEN, Door.OPEN, frozenset({Who.TENANT, Who.WARDEN})),
            Transition(Door.OPEN, Move.CLOSE, Door.SHUT, frozenset({Who.TENANT, Who.WARDEN})),
            Transition(
                Door.SHUT,
                Move.LOCK,
                Door.LOCKED,
                frozenset({Who.WARDEN}),
                approvers=2,
                needs=("key", "reason"),
                effects=("log", "tell"),
            ),
        ),
        not_allowed=lambda s, a, possible: CannotMove(
            f"cannot {a} a {s} door", state=s.value, action=a.value, possible=possible
        ),
        role_refused=lambda role, a: NotYours(f"a {role} may not {a}"),
        incomplete=lambda a, missing: Lacking(f"{a} needs {', '.join(missing)}", fields=missing),
    )


def test_a_step_in_the_table_is_found_with_its_row():
    table = door()
    row = table.step(Door.SHUT, Move.LOCK)
    assert (row.target, row.approvers, row.enforcement) == (Door.LOCKED, 2, True)
    assert not table.step(Door.SHUT, Move.OPEN).enforcement
    assert len(table) == 3 and len(list(table)) == 3
    assert table.states() == set(Door)


def test_a_step_not_in_the_table_is_refused_with_the_domains_problem_naming_what_is_possible():
    with pytest.raises(CannotMove) as refused:
        door().step(Door.OPEN, Move.LOCK)
    assert refused.value.extensions == {"state": "open", "action": "lock", "possible": ["close"]}
    assert refused.value.to_dict()["type"].endswith("/door-cannot-move")


def test_actions_from_a_state_are_its_rows_in_order():
    table = door()
    assert table.actions_from(Door.SHUT) == [Move.OPEN, Move.LOCK]
    assert table.actions_from(Door.LOCKED) == []


def test_only_the_rows_roles_may_take_a_step():
    table = door()
    row = table.step(Door.SHUT, Move.LOCK)
    table.check_role(row, Who.WARDEN)
    with pytest.raises(NotYours, match="a tenant may not lock"):
        table.check_role(row, Who.TENANT)


def test_a_step_lacking_what_it_needs_is_refused_naming_each_missing_field():
    table = door()
    row = table.step(Door.SHUT, Move.LOCK)
    table.check_needs(row, SimpleNamespace(key="k1", reason="night"))
    for blank in (None, "", []):
        with pytest.raises(Lacking) as refused:
            table.check_needs(row, SimpleNamespace(key=blank, reason="night"))
        assert refused.value.extensions["fields"] == ["key"]
    with pytest.raises(Lacking) as refused:
        table.check_needs(row, SimpleNamespace())
    assert refused.value.extensions["fields"] == ["key", "reason"]


def test_allowed_checks_the_step_then_the_role_then_the_needs():
    table = door()
    with pytest.raises(CannotMove):
        table.allowed(Door.LOCKED, Move.LOCK, Who.GUEST, SimpleNamespace())
    with pytest.raises(NotYours):
        table.allowed(Door.SHUT, Move.LOCK, Who.GUEST, SimpleNamespace())
    with pytest.raises(Lacking):
        table.allowed(Door.SHUT, Move.LOCK, Who.WARDEN, SimpleNamespace())
    assert table.allowed(Door.SHUT, Move.OPEN, Who.TENANT, SimpleNamespace()).target is Door.OPEN


def test_a_table_has_one_row_per_state_and_action_and_each_needs_an_approver():
    twice = Transition(Door.SHUT, Move.OPEN, Door.OPEN)
    with pytest.raises(ValueError, match="two rows"):
        door(twice, twice)
    with pytest.raises(ValueError, match="approver"):
        door(Transition(Door.SHUT, Move.OPEN, Door.OPEN, approvers=0))


def test_guards_name_conditions_the_domain_checks():
    row = Transition(Door.OPEN, Move.CLOSE, Door.SHUT, guards=frozenset({"own_door"}))
    assert row.has("own_door") and not row.has("other")


def test_a_table_of_step_names_without_roles_expresses_a_task_lifecycle():
    """Patrol tasks: a step name per state and who may take it decided by the router."""

    class Task(StrEnum):
        OPEN = "open"
        DONE = "done"
        CANCELLED = "cancelled"

    class TaskRefused(Conflict):
        slug = "task-refused"

    tasks = Lifecycle(
        "patrol task",
        (
            Transition(Task.OPEN, "visit", Task.DONE),
            Transition(Task.OPEN, "cancel", Task.CANCELLED),
            Transition(Task.CANCELLED, "reopen", Task.OPEN),
        ),
        not_allowed=lambda s, step, _: TaskRefused(f"a {s} task cannot take '{step}'", state=s),
    )
    assert tasks.step(Task.OPEN, "visit").target is Task.DONE
    tasks.check_role(tasks.step(Task.OPEN, "visit"), "anyone")  # no roles: the router decides
    with pytest.raises(TaskRefused, match="a done task cannot take 'reopen'"):
        tasks.step(Task.DONE, "reopen")


def test_declared_effects_run_in_order_through_their_handlers():
    table, heard = door(), []
    table.handle("log", lambda ctx: heard.append(("log", ctx)))
    table.handle("tell", lambda ctx: heard.append(("tell", ctx)))
    table.run_effects(table.step(Door.SHUT, Move.LOCK), "ctx")
    table.run_effects(table.step(Door.SHUT, Move.OPEN), "other")  # declares none
    assert heard == [("log", "ctx"), ("tell", "ctx")]


def test_a_declared_effect_without_a_handler_fails_loudly():
    table = door()
    table.handle("log", lambda ctx: None)
    assert table.declared_effects() == {"log", "tell"}
    assert table.unhandled() == {"tell"}
    with pytest.raises(MissingEffectHandler, match="'tell'"):
        table.run_effects(table.step(Door.SHUT, Move.LOCK), None)


def test_a_handler_is_registered_once_and_only_for_a_declared_effect():
    table = door()

    def log(ctx):
        return None

    table.handle("log", log)
    table.handle("log", log)  # a process composing itself again
    with pytest.raises(ValueError, match="already has a handler"):
        table.handle("log", lambda ctx: None)
    with pytest.raises(ValueError, match="declares no effect 'typo'"):
        table.handle("typo", log)
