"""Lifecycles as tables: each row a step from one state to another, who may take it, how many
distinct approvers it needs, what it must carry, and the after-effects it declares.

A domain keeps its own states, actions and refusals (its problem types are part of its API);
the table only decides. Anything not in a table is refused, never applied silently. After-effects
are named on the rows and run through handlers registered by name; a step whose effect has no
handler fails loudly, so an effect cannot be forgotten by a process that did not wire it.

Roles are plain strings here (a StrEnum member is one): the kernel knows no roles of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from backend.core.errors import Problem

State = TypeVar("State", bound=str)
Action = TypeVar("Action", bound=str)
Context = TypeVar("Context")

# What counts as "not carried" for a field a step needs.
BLANK: tuple[Any, ...] = (None, "", [])


@dataclass(frozen=True)
class Transition(Generic[State, Action]):
    """One row. `roles` None: the table does not decide who (the caller's router does)."""

    source: State
    action: Action
    target: State
    roles: frozenset[str] | None = None
    approvers: int = 1  # distinct approvers needed; 1 = the actor alone
    needs: tuple[str, ...] = ()  # fields the action must carry
    guards: frozenset[str] = frozenset()  # named conditions the domain checks (e.g. assignee)
    effects: tuple[str, ...] = ()  # after-effects, run in this order once the step applies

    @property
    def enforcement(self) -> bool:
        return self.approvers > 1

    def has(self, guard: str) -> bool:
        return guard in self.guards

    def allows(self, role: str) -> bool:
        return self.roles is None or role in self.roles

    def missing(self, carried: Any) -> list[str]:
        """The needed fields `carried` (an object with them as attributes) lacks."""
        return [name for name in self.needs if getattr(carried, name, None) in BLANK]


class MissingEffectHandler(RuntimeError):
    """A step declares an after-effect that nothing handles: the process was composed without
    it (see backend/effects.py). Never a client's fault, so not a Problem."""


class Lifecycle(Generic[State, Action, Context]):
    """The rows of one lifecycle, the refusals of its domain, and its effect handlers.

    `not_allowed(state, action, possible)` makes the domain's problem for a (state, action) not
    in the table; `role_refused(role, action)` and `incomplete(action, missing)` its problems
    for the wrong role and for missing fields. An effect handler takes the domain's context
    (whatever the domain passes to `run_effects`: the session, the row that moved, ...)."""

    def __init__(
        self,
        name: str,
        rows: Iterable[Transition[State, Action]],
        *,
        not_allowed: Callable[[State, Action, list[str]], Problem],
        role_refused: Callable[[str, Action], Problem] | None = None,
        incomplete: Callable[[Action, list[str]], Problem] | None = None,
    ) -> None:
        self.name = name
        self._rows: dict[tuple[State, Action], Transition[State, Action]] = {}
        for row in rows:
            key = (row.source, row.action)
            if key in self._rows:
                raise ValueError(f"{name}: two rows for {row.source} --{row.action}-->")
            if row.approvers < 1:
                raise ValueError(f"{name}: {row.source} --{row.action}--> needs an approver")
            self._rows[key] = row
        self._not_allowed = not_allowed
        self._role_refused = role_refused
        self._incomplete = incomplete
        self._handlers: dict[str, Callable[[Context], None]] = {}

    # --- The table -----------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Transition[State, Action]]:
        return iter(self._rows.values())

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, state: State, action: Action) -> Transition[State, Action] | None:
        return self._rows.get((state, action))

    def actions_from(self, state: State) -> list[Action]:
        return [a for (s, a) in self._rows if s == state]

    def rows_from(self, state: State, role: str) -> list[Transition[State, Action]]:
        """The steps from `state` that `role` may take (what a caller may be offered)."""
        return [row for (s, _), row in self._rows.items() if s == state and row.allows(role)]

    def states(self) -> set[State]:
        return {row.source for row in self} | {row.target for row in self}

    def step(self, state: State, action: Action) -> Transition[State, Action]:
        """The row for this action in this state, or the domain's refusal naming the possible
        actions."""
        row = self._rows.get((state, action))
        if row is None:
            possible = sorted(str(a) for a in self.actions_from(state))
            raise self._not_allowed(state, action, possible)
        return row

    def check_role(self, row: Transition[State, Action], role: str) -> None:
        if not row.allows(role):
            if self._role_refused is None:
                raise TypeError(f"{self.name} names roles but no refusal for the wrong one")
            raise self._role_refused(role, row.action)

    def check_needs(self, row: Transition[State, Action], carried: Any) -> None:
        missing = row.missing(carried)
        if missing:
            if self._incomplete is None:
                raise TypeError(f"{self.name} names needs but no refusal for missing ones")
            raise self._incomplete(row.action, missing)

    def allowed(
        self, state: State, action: Action, role: str, carried: Any
    ) -> Transition[State, Action]:
        """`step`, then the role, then what the action carries: the first refusal wins."""
        row = self.step(state, action)
        self.check_role(row, role)
        self.check_needs(row, carried)
        return row

    # --- Effects ---------------------------------------------------------------------------------

    def declared_effects(self) -> set[str]:
        return {effect for row in self for effect in row.effects}

    def handle(self, effect: str, handler: Callable[[Context], None]) -> None:
        """Register the handler of a declared effect. Registering the same handler again is a
        no-op (a process composes itself more than once in tests); another one is an error."""
        if effect not in self.declared_effects():
            raise ValueError(f"{self.name} declares no effect {effect!r}")
        held = self._handlers.get(effect)
        if held is not None and held is not handler:
            raise ValueError(f"{self.name}: effect {effect!r} already has a handler")
        self._handlers[effect] = handler

    def unhandled(self) -> set[str]:
        return self.declared_effects() - self._handlers.keys()

    def run_effects(self, row: Transition[State, Action], context: Context) -> None:
        """Run the row's effects in order, in the caller's transaction."""
        for effect in row.effects:
            handler = self._handlers.get(effect)
            if handler is None:
                raise MissingEffectHandler(
                    f"{self.name}: {row.source} --{row.action}--> declares {effect!r}, which "
                    "has no handler (is backend.effects installed in this process?)"
                )
            handler(context)
