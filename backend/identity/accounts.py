"""An account's life after it is created: a password reset by an administrator, a password
chosen by its owner, an account closed and opened again. Who may do this to whom is decided
by `grids.people` (the caller's area and the roles they create); this module only does it.

A reset hands out a temporary password that someone other than the owner has seen, so the
account must choose its own before it does anything else (`PasswordChangeRequired`), and every
session it had is closed: a reset is what an office does for a forgotten password and for a
lost phone alike.
"""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from backend.core import audit, security
from backend.core.audit import Actor
from backend.core.db import utcnow
from backend.core.errors import Conflict, InvalidInput
from backend.core.settings import Settings
from backend.identity.enums import INTERACTIVE_ROLES, Role
from backend.identity.models import User
from backend.identity.service import (
    MIN_PASSWORD_LENGTH,
    TokenPair,
    issue_tokens,
    revoke_all_sessions,
)

# Read aloud over the phone or copied from a slip: no 0/O, 1/l/I, 5/S, 2/Z.
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrtuvwxy346789"
_TEMPORARY_GROUPS = 3
_TEMPORARY_GROUP_LENGTH = 4


def temporary_password() -> str:
    """Twelve random characters in groups of four (about 57 bits): `k7xp-3nmq-tw9a`."""
    groups = (
        "".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(_TEMPORARY_GROUP_LENGTH))
        for _ in range(_TEMPORARY_GROUPS)
    )
    return "-".join(groups)


def reset_password(session: Session, user: User, actor: Actor) -> str:
    """Give the account a temporary password, to be changed at its next sign-in, and sign it
    out everywhere. Returns the temporary password: shown once, never stored in clear."""
    if Role(user.role) not in INTERACTIVE_ROLES:
        raise InvalidInput(
            f"{user.username} is a partner system: it signs requests, it has no password",
            field="user_id",
        )
    password = temporary_password()
    user.password_hash = security.hash_password(password)
    user.password_change_required = True
    revoke_all_sessions(session, user.id, actor)
    audit.record(
        session,
        actor=actor,
        action="user.password_reset",
        subject_type="user",
        subject_id=user.id,
        after={"password_change_required": True},
    )
    return password


def change_own_password(
    session: Session, settings: Settings, user: User, current: str, new: str
) -> TokenPair:
    """The owner chooses a new password, knowing the current one (a token alone is not
    enough: a phone left unlocked must not let anyone lock its owner out). Every other session
    is closed; the caller goes on with the tokens returned."""
    if not security.verify_password(user.password_hash, current):
        raise InvalidInput("the current password is wrong", field="current_password")
    if len(new) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must be at least {MIN_PASSWORD_LENGTH} characters", field="new_password"
        )
    if new == current:
        raise InvalidInput(
            "the new password must differ from the current one", field="new_password"
        )
    if new.strip().lower() == user.username:
        raise InvalidInput("the password must not be the username", field="new_password")
    user.password_hash = security.hash_password(new)
    user.password_change_required = False
    user.password_changed_at = utcnow()
    actor = Actor(id=user.id, role=user.role)
    revoke_all_sessions(session, user.id, actor)
    audit.record(
        session,
        actor=actor,
        action="user.password_changed",
        subject_type="user",
        subject_id=user.id,
    )
    return issue_tokens(session, settings, user)


def set_active(session: Session, user: User, active: bool, actor: Actor) -> User:
    """Close an account (a worker who left) or open it again. Closing signs it out
    everywhere; its records, assignments and history stay, as the audit trail needs them."""
    if actor.id == user.id:
        raise Conflict("you cannot close or reopen your own account", field="user_id")
    if user.is_active == active:
        return user
    user.is_active = active
    if not active:
        revoke_all_sessions(session, user.id, actor)
    audit.record(
        session,
        actor=actor,
        action="user.activated" if active else "user.deactivated",
        subject_type="user",
        subject_id=user.id,
        before={"is_active": not active},
        after={"is_active": active},
    )
    return user
