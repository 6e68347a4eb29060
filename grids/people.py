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
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.service import Principal, normalise_username
from grids.scope import scope_of
from grids.workforce import CREATABLE_ROLES, user_in_scope


def administered_user(session: Session, principal: Principal, user_id: uuid.UUID) -> User:
    """A user the caller may administer: in their area (else 404) and of a role they create
    (else 403)."""
    user = user_in_scope(session, scope_of(session, principal), user_id)
    if user.id == principal.user_id:
        raise Forbidden("you administer others; change your own password at /api/v1/me/password")
    if Role(user.role) not in CREATABLE_ROLES.get(principal.role, frozenset()):
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
