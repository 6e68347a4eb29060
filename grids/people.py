"""Administering the people of my area: resetting a forgotten password, closing the account of
a worker who left, opening it again. The rule is the one for creating people: a caller
administers the users they could create (`workforce.CREATABLE_ROLES`: a station its village
leaders and grid workers, a brigade its stations too), placed inside their own area, and never
themselves; anyone else is as unknown as an id that was never issued, or refused by role."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import Forbidden, NotFound
from backend.identity import accounts
from backend.identity.enums import INTERACTIVE_ROLES, Role
from backend.identity.models import User
from backend.identity.service import Principal, normalise_username
from grids.enums import AreaLevel
from grids.scope import scope_of
from grids.workforce import CREATABLE_ROLES, ROLE_LEVELS, place_user_as, user_in_scope


def roles_created_by(role: Role) -> list[tuple[Role, list[AreaLevel]]]:
    """The roles a caller creates and administers, each with the area levels it is placed at
    (a form asks for the area after the role)."""
    levels_in_order = list(AreaLevel)
    return [
        (created, sorted(ROLE_LEVELS.get(created, frozenset()), key=levels_in_order.index))
        for created in sorted(CREATABLE_ROLES.get(role, frozenset()), key=list(Role).index)
    ]


def create_person(
    session: Session, principal: Principal, area_code: str, **fields
) -> tuple[User, str | None]:
    """A user placed at an area of the caller's. Without a password, one is made up, shown once
    and must be changed at the first sign-in, as after a reset: nobody but the new user ends up
    knowing the password they work with."""
    temporary = None
    if fields.get("password") is None and fields["role"] in INTERACTIVE_ROLES:
        temporary = fields["password"] = accounts.temporary_password()
    user = place_user_as(session, principal, area_code, **fields)
    if temporary is not None:
        user.password_change_required = True
    return user, temporary


def administers(principal: Principal, user_id: uuid.UUID, role: Role) -> bool:
    """Whether the caller administers this user, one already known to be in their area."""
    return user_id != principal.user_id and role in CREATABLE_ROLES.get(principal.role, frozenset())


def administered_user(session: Session, principal: Principal, user_id: uuid.UUID) -> User:
    """A user the caller may administer: in their area (else 404) and of a role they create
    (else 403)."""
    user = user_in_scope(session, scope_of(session, principal), user_id)
    if user.id == principal.user_id:
        raise Forbidden("you administer others; change your own password at /api/v1/me/password")
    if not administers(principal, user.id, Role(user.role)):
        raise Forbidden(f"a {principal.role} cannot administer a {user.role}")
    return user


def reset_password(session: Session, principal: Principal, user_id: uuid.UUID) -> tuple[User, str]:
    user = administered_user(session, principal, user_id)
    return user, accounts.reset_password(session, user, principal.actor)


def set_active(session: Session, principal: Principal, user_id: uuid.UUID, active: bool) -> User:
    user = administered_user(session, principal, user_id)
    return accounts.set_active(session, user, active, principal.actor)


def account_named(session: Session, username: str) -> User:
    """Any account by its username, for the operator's command line (no area limits there)."""
    user = session.scalar(select(User).where(User.username == normalise_username(username)))
    if user is None:
        raise NotFound(f"no user named {username!r}", field="username")
    return user
