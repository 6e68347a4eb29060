"""A proof-of-work challenge for forms anyone may post (the citizens' page): no outside service,
no picture to squint at, nothing a person does by hand.

The server hands out a token; the browser finds a `nonce` such that the SHA-256 of
`token + ":" + nonce` begins with `bits` zero bits, which takes a phone a second or two at 16
bits (about 65,000 hashes) and costs the server one hash to check. A script filing a thousand
reports pays a thousand times that; the rate limits per address and per phone do the rest.

A token is signed (HMAC with the service secret: the server keeps nothing until it is
answered), says its difficulty and when it expires, and is good for one answer: an answered
token is remembered until it expires (in the rate-limit store: per process with `memory://`,
shared with `redis://`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from backend.core.errors import Problem
from backend.core.rate_limits import Limit

LIFETIME_SECONDS = 600


class ChallengeFailed(Problem):
    status, slug, title = 400, "challenge-failed", "The challenge was not answered"


@dataclass(frozen=True)
class Challenge:
    token: str
    bits: int


def _mac(secret: str, body: str) -> str:
    return hmac.new(secret.encode(), f"challenge:{body}".encode(), hashlib.sha256).hexdigest()[:32]


def issue(secret: str, bits: int, now: float | None = None) -> Challenge:
    expires = int((now if now is not None else time.time()) + LIFETIME_SECONDS)
    body = f"{bits}.{expires}.{secrets.token_hex(8)}"
    return Challenge(f"{body}.{_mac(secret, body)}", bits)


def leading_zero_bits(digest: bytes) -> int:
    count = 0
    for byte in digest:
        if byte == 0:
            count += 8
            continue
        return count + 8 - byte.bit_length()
    return count


def solve(token: str, bits: int) -> str:
    """What a browser does (the tests and benchmarks use it)."""
    nonce = 0
    while leading_zero_bits(hashlib.sha256(f"{token}:{nonce}".encode()).digest()) < bits:
        nonce += 1
    return str(nonce)


def check(
    secret: str,
    token: str,
    nonce: str,
    *,
    least_bits: int,
    storage_uri: str,
    now: float | None = None,
) -> None:
    """Refuse (ChallengeFailed, naming the field) a token we did not sign, one that expired,
    one easier than `least_bits` asks, a wrong answer, or a token answered before."""
    parts = token.split(".")
    if len(parts) != 4 or not hmac.compare_digest(parts[3], _mac(secret, ".".join(parts[:3]))):
        raise ChallengeFailed("the challenge token is not one this server gave", field="challenge")
    bits, expires = int(parts[0]), int(parts[1])
    if expires < (now if now is not None else time.time()):
        raise ChallengeFailed(
            "the challenge has expired: ask for a new one", field="challenge.token"
        )
    if bits < least_bits:
        raise ChallengeFailed("the challenge is easier than asked now", field="challenge.token")
    if len(nonce) > 64:
        raise ChallengeFailed("the answer is too long", field="challenge.nonce")
    digest = hashlib.sha256(f"{token}:{nonce}".encode()).digest()
    if leading_zero_bits(digest) < bits:
        raise ChallengeFailed("the answer does not solve the challenge", field="challenge.nonce")
    spent = Limit("challenge-spent", f"1/{LIFETIME_SECONDS} seconds", storage_uri)
    if spent.hit(hashlib.sha256(token.encode()).hexdigest()) is not None:
        raise ChallengeFailed("the challenge was answered already", field="challenge.token")
