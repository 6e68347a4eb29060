"""Users, sign-in and tokens. Partner systems' signed requests are `backend.identity.partners`.
No web imports: the routers translate."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.core import audit, security
from backend.core.audit import Actor
from backend.core.db import utcnow
from backend.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Problem,
    TooManyRequests,
    Unauthenticated,
)
from backend.core.localtime import today
from backend.core.privacy import mask_phone
from backend.core.rate_limits import Limit
from backend.core.settings import Settings
from backend.identity.enums import INTERACTIVE_ROLES, Role
from backend.identity.models import (
    LoginThrottle,
    RefreshToken,
    User,
)
from backend.identity.permissions import Permission, may

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{3,64}$")
MIN_PASSWORD_LENGTH = 10


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request."""

    user_id: uuid.UUID
    username: str
    role: Role
    scope_area_id: uuid.UUID | None
    certificate_number: str | None = None
    certificate_expires_on: date | None = None
    # An administrator reset the password: the token is good only for choosing a new one.
    password_change_required: bool = False

    @property
    def actor(self) -> Actor:
        return Actor(id=self.user_id, role=self.role.value)

    def certified_on(self, day: date) -> bool:
        return bool(self.certificate_number) and bool(
            self.certificate_expires_on and self.certificate_expires_on >= day
        )

    @property
    def certified_today(self) -> bool:
        """A certificate is good to the end of its last day in Beijing, not in UTC: at 01:00 on
        the day after, it has run out."""
        return self.certified_on(today())

    @classmethod
    def of(cls, user: Any) -> Principal:
        """From a `User`, or a row with its columns' names."""
        return cls(
            user_id=user.id,
            username=user.username,
            role=Role(user.role),
            scope_area_id=user.scope_area_id,
            certificate_number=user.certificate_number,
            certificate_expires_on=user.certificate_expires_on,
            password_change_required=bool(getattr(user, "password_change_required", False)),
        )


def actor_names(
    session: Session, principal: Principal, events: list[audit.AuditEvent]
) -> dict[uuid.UUID, str]:
    """The names of the people who acted in `events`, for a caller who may see people
    (`Permission.SEE_PEOPLE`), in one query for a whole timeline. A citizen's name is never
    given: on a timeline they stay 群众."""
    if not may(principal.role, Permission.SEE_PEOPLE):
        return {}
    people = {e.actor_id for e in events if e.actor_id and e.actor_role != Role.CITIZEN}
    if not people:
        return {}
    found = session.execute(
        select(User.id, User.display_name).where(
            User.id.in_(people), User.role != Role.CITIZEN.value
        )
    )
    return {user_id: name for user_id, name in found}


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type


def normalise_username(username: str) -> str:
    return username.strip().lower()


_MOBILE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")


def normalise_mobile(phone: str | None) -> str | None:
    """A mainland mobile number as its 11 digits (SMS reaches nothing else); None for none."""
    if phone is None or not phone.strip():
        return None
    match = _MOBILE.fullmatch(re.sub(r"[\s-]", "", phone))
    if match is None:
        raise InvalidInput("phone must be a mainland mobile number (11 digits)", field="phone")
    return match.group(1)


# --- Users -----------------------------------------------------------------------------------


def create_user(
    session: Session,
    *,
    username: str,
    password: str | None,
    role: Role,
    display_name: str | None = None,
    scope_area_id: uuid.UUID | None = None,
    certificate_number: str | None = None,
    certificate_expires_on: date | None = None,
    phone: str | None = None,
    actor: Actor,
) -> User:
    """Create a user. Which area a role may be scoped to is checked by `grids.service`."""
    name = normalise_username(username)
    phone = normalise_mobile(phone)
    if not USERNAME_PATTERN.match(name):
        raise InvalidInput(
            "username must be 3-64 letters, digits, '.', '_' or '-'", field="username"
        )
    if role in INTERACTIVE_ROLES:
        if password is None or len(password) < MIN_PASSWORD_LENGTH:
            raise InvalidInput(
                f"password must be at least {MIN_PASSWORD_LENGTH} characters", field="password"
            )
    if (certificate_number is None) != (certificate_expires_on is None):
        raise InvalidInput(
            "a certificate needs both its number and its expiry date", field="certificate"
        )
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise Conflict(f"username {name!r} is taken", field="username")
    user = User(
        username=name,
        display_name=display_name or name,
        role=role.value,
        scope_area_id=scope_area_id,
        password_hash=security.hash_password(password) if password else None,
        certificate_number=certificate_number,
        certificate_expires_on=certificate_expires_on,
        phone=phone,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.created",
        subject_type="user",
        subject_id=user.id,
        after=user_snapshot(user),
    )
    return user


def user_snapshot(user: User) -> dict:
    """What the audit log keeps of a user: never the password hash, a phone only masked."""
    snapshot = {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "scope_area_id": str(user.scope_area_id) if user.scope_area_id else None,
        "is_active": user.is_active,
        "certificate_number": user.certificate_number,
        "certificate_expires_on": (
            user.certificate_expires_on.isoformat() if user.certificate_expires_on else None
        ),
    }
    if user.phone:
        snapshot["phone"] = mask_phone(user.phone)
    return snapshot


class PasswordChangeRequired(Forbidden):
    slug, title = "password-change-required", "Choose a new password first"


def principal_for_token(
    session: Session, settings: Settings, token: str, *, pending_change_allowed: bool = False
) -> Principal:
    """The caller a token names. A user whose password an administrator reset gets a
    `PasswordChangeRequired` everywhere except where `pending_change_allowed` (who am I, and
    changing the password): the temporary password was seen by someone else."""
    principal = known_principal(settings, token)
    if principal is None:
        principal = _read_principal(session, settings, token)
    return allowed(principal, pending_change_allowed)


def known_principal(settings: Settings, token: str) -> Principal | None:
    """The caller behind a token this process checked less than `principal_cache_seconds`
    ago, without the database; None when it must be read (`principal_for_token`)."""
    return principals.get(token, settings.principal_cache_seconds)


def allowed(principal: Principal, pending_change_allowed: bool = False) -> Principal:
    """The caller, unless their password was reset and must be changed first."""
    if principal.password_change_required and not pending_change_allowed:
        raise PasswordChangeRequired(
            "your password was reset: choose a new one (POST /api/v1/me/password) first"
        )
    return principal


def _read_principal(session: Session, settings: Settings, token: str) -> Principal:
    try:
        claims = security.read_access_token(settings.resolved_secret_key, token)
    except security.TokenRejected as exc:
        raise Unauthenticated(str(exc)) from exc
    user = session.execute(_SIGNED_IN, {"id": claims.subject}).one_or_none()
    if user is None or not user.is_active:
        raise Unauthenticated("the account no longer exists or is disabled")
    if claims.session_version != user.session_version:
        raise Unauthenticated("the session was signed out")
    principal = Principal.of(user)
    principals.keep(token, principal, claims.expires_at, settings.principal_cache_seconds)
    return principal


class CheckedTokens:
    """Access tokens this process has checked, with the caller each names, for a few seconds
    (`principal_cache_seconds`): most requests then read no account. Bounded; a change to a
    user written in this process forgets that user's tokens at once (`forget_user`, called on
    every flush that touches a user), one written elsewhere is seen when the entry expires."""

    MAX_ENTRIES = 20_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._checked: dict[str, tuple[Principal, float]] = {}

    def get(self, token: str, lifetime: float) -> Principal | None:
        if lifetime <= 0:
            return None
        found = self._checked.get(token)
        if found is None or found[1] <= time.monotonic():
            return None
        return found[0]

    def keep(self, token: str, principal: Principal, token_expires: datetime, lifetime: float):
        if lifetime <= 0:
            return
        until = time.monotonic() + min(
            lifetime, max(0.0, (token_expires - utcnow()).total_seconds())
        )
        with self._lock:
            if len(self._checked) >= self.MAX_ENTRIES:
                now = time.monotonic()
                self._checked = {k: v for k, v in self._checked.items() if v[1] > now}
                if len(self._checked) >= self.MAX_ENTRIES:
                    self._checked.clear()
            self._checked[token] = (principal, until)

    def forget_user(self, user_id: uuid.UUID) -> None:
        with self._lock:
            self._checked = {k: v for k, v in self._checked.items() if v[0].user_id != user_id}

    def forget_all(self) -> None:
        with self._lock:
            self._checked.clear()


principals = CheckedTokens()


@event.listens_for(Session, "after_flush")
def _forget_changed_users(session: Session, _context) -> None:
    """Whatever changes a user (signed out, deactivated, another role or area, a password
    reset) drops what this process remembered of their tokens before the change commits."""
    for changed in (*session.dirty, *session.deleted):
        if isinstance(changed, User):
            principals.forget_user(changed.id)


# What a `Principal` is made of, in its fields' order.
PRINCIPAL_COLUMNS = (
    User.id,
    User.username,
    User.role,
    User.scope_area_id,
    User.certificate_number,
    User.certificate_expires_on,
    User.password_change_required,
)
# Every authenticated request reads this: the columns a principal needs, not the whole user.
_SIGNED_IN = select(*PRINCIPAL_COLUMNS, User.is_active, User.session_version).where(
    User.id == bindparam("id")
)


# --- Sign-in with throttling -------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in. A refusal is returned, not raised, so that the caller can
    commit the failure count before answering."""

    user: User | None
    refusal: Problem | None


@dataclass(frozen=True)
class SignInAttempt:
    """What a sign-in read before the password is checked: the normalised username, the
    stored hash to check against (None: no such user, a dummy is checked instead), or a
    refusal that needs no password check."""

    key: str
    password_hash: str | None
    refusal: Problem | None = None


def begin_sign_in(
    session: Session, settings: Settings, username: str, client_address: str | None
) -> SignInAttempt:
    """A sign-in's reads before its password is checked (on threads of its own,
    backend.core.password_hashing; `finish_sign_in` then decides). Failures count per username
    (slowed, then locked for everyone: guessing one account from many addresses) and per
    client address (refused for a while: one client guessing many accounts), so that one
    client cannot lock every account out; an address that is refused has its attempt refused
    here, before the password is looked at, so it counts against no username. Ends its
    transaction, so that no database connection is held while the check waits for its turn."""
    key = normalise_username(username)[:64]
    try:
        if client_address:
            wait = login_address_limit(settings).wait(client_address)
            if wait is not None:
                return SignInAttempt(
                    key,
                    None,
                    TooManyRequests(
                        f"too many failed sign-ins from this address; try again in {wait} s",
                        wait,
                    ),
                )
        now = utcnow()
        throttle = session.get(LoginThrottle, key)
        if throttle and throttle.blocked_until and throttle.blocked_until > now:
            wait = int((throttle.blocked_until - now).total_seconds()) + 1
            return SignInAttempt(
                key,
                None,
                TooManyRequests(
                    f"too many failed sign-ins for this username; try again in {wait} s", wait
                ),
            )
        return SignInAttempt(
            key, session.scalar(select(User.password_hash).where(User.username == key))
        )
    finally:
        session.rollback()


def finish_sign_in(
    session: Session,
    settings: Settings,
    attempt: SignInAttempt,
    verdict: security.PasswordVerdict,
    client_address: str | None,
) -> SignIn:
    """Count a failure, or forget the username's failures and store a stronger hash. The
    account is read again: deactivated, or given another password, while its password was
    being checked, it is refused."""
    now = utcnow()
    user = session.scalar(select(User).where(User.username == attempt.key))
    same_password = user is not None and user.password_hash == attempt.password_hash
    if not (
        verdict.matched
        and user
        and same_password
        and user.is_active
        and Role(user.role) in INTERACTIVE_ROLES
    ):
        _count_failure(session, settings, attempt.key, user, now)
        if client_address:
            login_address_limit(settings).hit(client_address)
        return SignIn(None, Unauthenticated("wrong username or password"))
    throttle = session.get(LoginThrottle, attempt.key)
    if throttle:
        session.delete(throttle)
    if verdict.new_hash:
        user.password_hash = verdict.new_hash
    return SignIn(user, None)


def login_address_limit(settings: Settings) -> Limit:
    """Failed sign-ins allowed from one client address (FIREGRID_LOGIN_ADDRESS_LIMIT)."""
    return Limit("login-address", settings.login_address_limit, settings.rate_limit_storage)


def _count_failure(
    session: Session, settings: Settings, key: str, user: User | None, now: datetime
) -> None:
    bumped = session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.username == key)
        .values(failures=LoginThrottle.failures + 1, last_failed_at=now)
    ).rowcount
    if not bumped:
        try:
            with session.begin_nested():
                session.add(LoginThrottle(username=key, failures=1, last_failed_at=now))
        except IntegrityError:  # another request created it meanwhile
            session.execute(
                update(LoginThrottle)
                .where(LoginThrottle.username == key)
                .values(failures=LoginThrottle.failures + 1, last_failed_at=now)
            )
    throttle = session.get(LoginThrottle, key, populate_existing=True)
    assert throttle is not None
    if throttle.failures >= settings.login_lockout_after:
        throttle.blocked_until = now + timedelta(minutes=settings.login_lockout_minutes)
        if user is not None and throttle.failures == settings.login_lockout_after:
            audit.record(
                session,
                actor=Actor.system(),
                action="user.locked_out",
                subject_type="user",
                subject_id=user.id,
                after={"failures": throttle.failures, "until": throttle.blocked_until.isoformat()},
            )
    elif throttle.failures >= settings.login_slowdown_after:
        backoff = 2 ** (throttle.failures - settings.login_slowdown_after)
        throttle.blocked_until = now + timedelta(seconds=backoff)


# --- Tokens ----------------------------------------------------------------------------------


def issue_tokens(
    session: Session, settings: Settings, user: User, family_id: uuid.UUID | None = None
) -> TokenPair:
    return _issue(session, settings, user, family_id)[0]


def _issue(
    session: Session, settings: Settings, user: User, family_id: uuid.UUID | None
) -> tuple[TokenPair, RefreshToken]:
    refresh = security.new_opaque_token()
    row = RefreshToken(
        user_id=user.id,
        family_id=family_id or uuid.uuid4(),
        token_hash=security.token_digest(refresh),
        expires_at=utcnow() + timedelta(days=settings.refresh_token_days),
    )
    session.add(row)
    ttl = timedelta(minutes=settings.access_token_minutes)
    access = security.issue_access_token(
        settings.resolved_secret_key, user.id, user.role, user.session_version or 0, ttl
    )
    session.flush()
    return TokenPair(access, refresh, int(ttl.total_seconds())), row


@dataclass(frozen=True)
class Rotation:
    tokens: TokenPair | None
    refusal: Problem | None


def rotate_refresh_token(session: Session, settings: Settings, presented: str) -> Rotation:
    """Exchange a refresh token for a new pair. Each token works once: a second use means it
    leaked, so the whole sign-in (family) is revoked; except within the grace window
    (FIREGRID_REFRESH_REUSE_GRACE_SECONDS) while the new pair is still unused, when it is a
    phone retrying a refresh whose answer it lost, and gets that same pair again (decision
    0020). Returned, not raised, so the revocation is committed even though the request
    fails."""
    now = utcnow()
    token = session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == security.token_digest(presented))
    )
    if token is None or token.expires_at <= now:
        return Rotation(None, Unauthenticated("the refresh token is unknown or expired"))
    if token.revoked_at is not None:
        return Rotation(None, Unauthenticated("the refresh token was revoked"))
    # Two uses at once: one of them claims the token, the other waits here for its commit
    # (the row's lock on PostgreSQL, the write lock on SQLite) and then finds it used.
    claimed = session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.id == token.id,
            RefreshToken.used_at.is_(None),
            RefreshToken.revoked_at.is_(None),
        )
        .values(used_at=now)
    ).rowcount
    if not claimed:
        session.refresh(token)  # as the first use committed it
        again = _answer_again(session, settings, token, now)
        if again is not None:
            return Rotation(again, None)
        _revoke_family(session, token.family_id, now)
        audit.record(
            session,
            actor=Actor.system(),
            action="auth.refresh_token_reused",
            subject_type="user",
            subject_id=token.user_id,
            after={"family_id": str(token.family_id)},
        )
        return Rotation(
            None,
            Unauthenticated(
                "the refresh token was already used; this sign-in has been revoked, sign in again"
            ),
        )
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        return Rotation(None, Unauthenticated("the account no longer exists or is disabled"))
    pair, successor = _issue(session, settings, user, token.family_id)
    if settings.refresh_reuse_grace_seconds > 0:
        token.rotated_to_id = successor.id
        token.sealed_answer = security.seal(
            settings.resolved_secret_key,
            json.dumps(
                {
                    "access_token": pair.access_token,
                    "refresh_token": pair.refresh_token,
                    "access_expires_at": (now + timedelta(seconds=pair.expires_in)).timestamp(),
                }
            ),
        )
    return Rotation(pair, None)


def _answer_again(
    session: Session, settings: Settings, token: RefreshToken, now: datetime
) -> TokenPair | None:
    """The pair this token was exchanged for, if it may be given again: within the grace
    window, the sign-in not revoked, the new refresh token not used yet (once it is, whoever
    sends the old one again is not the phone that lost its answer)."""
    if token.sealed_answer is None or token.used_at is None or token.revoked_at is not None:
        return None
    if now - token.used_at > timedelta(seconds=settings.refresh_reuse_grace_seconds):
        return None
    successor = session.get(RefreshToken, token.rotated_to_id)
    if successor is None or successor.used_at is not None or successor.revoked_at is not None:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        return None
    try:
        answer = json.loads(security.unseal(settings.resolved_secret_key, token.sealed_answer))
    except security.TokenRejected:  # the secret key changed meanwhile
        return None
    expires_in = int(answer["access_expires_at"] - now.timestamp())
    return TokenPair(answer["access_token"], answer["refresh_token"], max(expires_in, 0))


def forget_rotation_answers(session: Session, settings: Settings) -> int:
    """Sealed answers whose grace window has passed are of no more use: drop them, so the
    database holds no usable refresh token, even sealed, beyond the window."""
    cutoff = utcnow() - timedelta(seconds=settings.refresh_reuse_grace_seconds)
    return session.execute(
        update(RefreshToken)
        .where(RefreshToken.sealed_answer.is_not(None), RefreshToken.used_at < cutoff)
        .values(sealed_answer=None)
    ).rowcount


def revoke_refresh_token(session: Session, presented: str, actor: Actor | None = None) -> None:
    """Sign out: revoke the token's whole family. Unknown tokens are ignored (RFC 7009)."""
    token = session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == security.token_digest(presented))
    )
    if token is None:
        return
    _revoke_family(session, token.family_id, utcnow())
    audit.record(
        session,
        actor=actor or Actor(id=token.user_id, role=None),
        action="auth.signed_out",
        subject_type="user",
        subject_id=token.user_id,
        after={"family_id": str(token.family_id)},
    )


def revoke_all_sessions(session: Session, user_id: uuid.UUID, actor: Actor) -> None:
    """Sign a user out everywhere: refresh tokens revoked, access tokens refused."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    now = utcnow()
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    user.session_version = (user.session_version or 0) + 1
    audit.record(
        session,
        actor=actor,
        action="user.sessions_revoked",
        subject_type="user",
        subject_id=user.id,
    )


def _revoke_family(session: Session, family_id: uuid.UUID, now: datetime) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
