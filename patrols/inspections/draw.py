"""The draw itself: a pure function of its inputs, so anyone holding them can recompute it.

Randomness comes from SHA-256 of the seed and each object's id (and each inspector's), never
from a library generator whose algorithm may change between versions. Objects are drawn per
stratum (a rate rule: supervision tier and/or risk level) without replacement, weighted by
risk and credit, or by the weight of each unit's risk score where the draw's inputs keep one
(Efraimidis-Spirakis: the largest u^(1/w) win). Venues open on a 告知承诺
commitment not yet checked form a stratum of their own, with its own rate, whatever their tier
and risk (a draw without that group draws exactly as before it existed). Objects already drawn the
yearly maximum are not candidates. Each drawn object gets two certified inspectors with no
conflict with it who did not inspect it last time, the least loaded first.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from typing import NamedTuple

import orjson

ALGORITHM = "firegrid-draw-v1"

RISK_WEIGHT = {"low": 1.0, "medium": 1.5, "high": 2.0, "very_high": 3.0}
CREDIT_WEIGHT = {"red_list": 0.5, "normal": 1.0, "watch": 1.5, "blacklist": 2.0}


class Candidate(NamedTuple):
    id: str  # premises id
    uscc: str | None
    tier: str
    risk: str
    credit: str
    drawn_this_year: int
    last_inspectors: tuple[str, ...]


class Inspector(NamedTuple):
    id: str  # user id
    conflicts: tuple[str, ...]  # premises ids and USCCs they must not inspect


class RateRule(NamedTuple):
    tier: str | None
    risk: str | None
    rate: float  # share of the stratum's eligible objects to draw, 0..1

    def matches(self, c: Candidate) -> bool:
        return (self.tier is None or self.tier == c.tier) and (
            self.risk is None or self.risk == c.risk
        )


class CommitmentGroup(NamedTuple):
    """告知承诺: the premises open on a commitment not yet checked (premises id -> commitment
    id) and the share of them to draw. They are drawn in this stratum only."""

    rate: float
    members: dict[str, str]


COMMITMENT_GROUP = "commitment"  # the group of a unit drawn from the commitment stratum
RATES_GROUP = "rates"  # of one drawn from a stratum of the plan's rate rules


class Drawn(NamedTuple):
    premises_id: str
    inspectors: tuple[str, ...]  # two, or fewer when not enough are free of conflicts


def seed_for(plan_fingerprint: str, public_value: str) -> str:
    """The draw's seed: the plan's fingerprint and a value published by someone else at draw
    time (e.g. that day's lottery number), so nobody could pick the seed in advance."""
    return hashlib.sha256(f"{ALGORITHM}|{plan_fingerprint}|{public_value}".encode()).hexdigest()


def _uniform(seed: str, *parts: str) -> float:
    """A number in (0, 1) from SHA-256 of "seed|part|part..."."""
    return _from_digest(hashlib.sha256("|".join((seed, *parts)).encode()).digest())


def _from_digest(digest: bytes) -> float:
    return (int.from_bytes(digest[:8], "big") + 1) / (2**64 + 1)


def draw(
    seed: str,
    candidates: list[Candidate],
    inspectors: list[Inspector],
    rules: list[RateRule],
    max_per_year: int,
    committed: CommitmentGroup | None = None,
    risk_weights: dict[str, float] | None = None,
) -> list[Drawn]:
    """`risk_weights`: premises id -> weight from its risk score (which already counts its
    credit), kept in the draw's inputs; a premises without one weighs by level and credit."""
    strata: dict[int, list[Candidate]] = {}
    rule_of: dict[tuple[str, str], int | None] = {}  # (tier, risk) -> the first rule matching
    rates = [r.rate for r in rules]
    if committed is not None:
        rates.append(committed.rate)  # the commitment stratum: index len(rules)
    for c in candidates:  # any order: the draw below orders by key, then id
        if c.drawn_this_year >= max_per_year:
            continue
        if committed is not None and c.id in committed.members:
            strata.setdefault(len(rules), []).append(c)
            continue
        kind = (c.tier, c.risk)
        if kind not in rule_of:
            rule_of[kind] = next((i for i, r in enumerate(rules) if r.matches(c)), None)
        rule = rule_of[kind]
        if rule is not None:
            strata.setdefault(rule, []).append(c)
    chosen: list[tuple[float, Candidate]] = []
    for index, members in sorted(strata.items()):
        wanted = min(len(members), math.floor(rates[index] * len(members) + 0.5))
        prefix = hashlib.sha256(f"{seed}|object|".encode())  # _uniform(seed, "object", id)
        keyed = []
        for c in members:
            h = prefix.copy()
            h.update(c.id.encode())
            if risk_weights is not None and c.id in risk_weights:
                weight = float(risk_weights[c.id])
            else:
                weight = RISK_WEIGHT.get(c.risk, 1.0) * CREDIT_WEIGHT.get(c.credit, 1.0)
            keyed.append((math.log(_from_digest(h.digest())) / weight, c))
        # the `wanted` largest keys (ties: the smaller id), as sorted(...)[:wanted] gives them
        chosen += heapq.nsmallest(wanted, keyed, key=lambda pair: (-pair[0], pair[1].id))
    chosen.sort(key=lambda pair: (-pair[0], pair[1].id))
    load = {i.id: 0 for i in inspectors}
    out = []
    for _, c in chosen:
        free = [
            i
            for i in inspectors
            if c.id not in i.conflicts
            and (c.uscc is None or c.uscc not in i.conflicts)
            and i.id not in c.last_inspectors
        ]
        free.sort(key=lambda i: (load[i.id], _uniform(seed, "inspector", c.id, i.id), i.id))
        pair = tuple(sorted(i.id for i in free[:2]))
        for inspector_id in pair:
            load[inspector_id] += 1
        out.append(Drawn(c.id, pair))
    return out


def canonical(value: object) -> str:
    """A value's canonical JSON: UTF-8, keys sorted, no spaces; records (named tuples) as
    arrays in their fields' order."""
    return orjson.dumps(value, default=_as_array, option=orjson.OPT_SORT_KEYS).decode()


def _as_array(value: object) -> list:
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def fingerprint(value: object) -> str:
    """SHA-256 of a value's canonical JSON: what the audit log keeps of inputs and results."""
    return text_fingerprint(canonical(value))


def text_fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def result_fingerprint(result: list[Drawn]) -> str:
    return fingerprint([d._asdict() for d in result])
