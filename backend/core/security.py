"""Security primitives: password hashing, signed access tokens, opaque refresh tokens, HMAC
request signatures and encryption of stored secrets. No knowledge of users or roles here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken

from backend.core.db import utcnow

_hasher = PasswordHasher()
# Verified when the username is unknown, so that a miss costs as much as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

JWT_ALGORITHM = "HS256"
ACCESS_TOKEN_TYPE = "access"  # noqa: S105 - a claim value, not a secret


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@dataclass(frozen=True)
class PasswordVerdict:
    """Whether a password matched, and its new hash when the stored one used weaker
    parameters than today's (None otherwise, or when it did not match)."""

    matched: bool
    new_hash: str | None = None


def check_password(password_hash: str | None, password: str) -> PasswordVerdict:
    """All the argon2 work of one sign-in, in one call: verify, and re-hash if due."""
    if not verify_password(password_hash, password):
        return PasswordVerdict(matched=False)
    assert password_hash is not None
    if password_needs_rehash(password_hash):
        return PasswordVerdict(matched=True, new_hash=hash_password(password))
    return PasswordVerdict(matched=True)


@dataclass(frozen=True)
class AccessClaims:
    subject: uuid.UUID
    role: str
    token_id: str
    session_version: int
    issued_at: datetime
    expires_at: datetime


def issue_access_token(
    secret: str, subject: uuid.UUID, role: str, session_version: int, ttl: timedelta
) -> str:
    now = utcnow()
    claims = {
        "sub": str(subject),
        "role": role,
        "sv": session_version,
        "typ": ACCESS_TOKEN_TYPE,
        "jti": secrets.token_hex(8),
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=JWT_ALGORITHM)


class TokenRejected(Exception):
    pass


def read_access_token(secret: str, token: str) -> AccessClaims:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[JWT_ALGORITHM],
            options={"require": ["sub", "exp", "iat", "typ"]},
        )
        if claims["typ"] != ACCESS_TOKEN_TYPE:
            raise TokenRejected("not an access token")
        return AccessClaims(
            subject=uuid.UUID(claims["sub"]),
            role=str(claims.get("role", "")),
            token_id=str(claims.get("jti", "")),
            session_version=int(claims.get("sv", 0)),
            issued_at=datetime.fromtimestamp(claims["iat"], UTC),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenRejected("the access token has expired") from exc
    except (jwt.InvalidTokenError, ValueError, KeyError) as exc:
        raise TokenRejected("the access token is not valid") from exc


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What we store instead of a bearer secret: a stolen database yields no usable tokens."""
    return hashlib.sha256(token.encode()).hexdigest()


# --- HMAC signatures of integration clients -------------------------------------------------


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def string_to_sign(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    """The signed text; documented for partners in docs/integration-auth.md."""
    return "\n".join([method.upper(), path, timestamp, nonce, body_digest(body)])


def sign(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = string_to_sign(method, path, timestamp, nonce, body).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signatures_match(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.lower(), given.strip().lower())


# --- Secrets we must be able to read back (HMAC keys) -----------------------------------------


def _fernet(master_secret: str) -> Fernet:
    key = hashlib.sha256(b"firegrid-secret-box:" + master_secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(master_secret: str, plaintext: str) -> str:
    return _fernet(master_secret).encrypt(plaintext.encode()).decode()


def unseal(master_secret: str, sealed: str) -> str:
    try:
        return _fernet(master_secret).decrypt(sealed.encode()).decode()
    except InvalidToken as exc:
        raise TokenRejected(
            "stored secret cannot be decrypted with this FIREGRID_SECRET_KEY"
        ) from exc


def random_key_secret() -> str:
    return secrets.token_urlsafe(32)


# --- Personal phone numbers kept apart from case data -----------------------------------------


def phone_digest(secret: str, phone: str) -> str:
    """A keyed digest of a phone's digits (a leading 86 country code dropped), to find the same
    number again without decrypting anyone's: complaint callers, citizens proving their
    phone, units' responsible persons."""
    digits = "".join(c for c in phone if c.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return hmac.new(secret.encode(), ("phone:" + digits).encode(), hashlib.sha256).hexdigest()
