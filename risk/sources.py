"""Where a score's facts come from: declared sources, each reading its facts for all premises in
one query, each contributing points by the rule set.

A source has a `name` (the rule set's key for its count rule), reads `facts(session, as_of)` ->
{premises id: {kind: count}} in one set-based query, and contributes one `Contribution` per
premises with facts. Sources of packages above risk (alarm events) are handed in by the
composition root with `register(...)`, so the scorer never imports them.

Built in: the premises themselves (type, key unit, supervision tier, credit status: read with
the premises rows, no query of their own), open hazards, past hazards, complaints, and the
season. Placeholders, registered later: `fire_incidents` and `alarm_events`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any, NamedTuple, Protocol, runtime_checkable

from sqlalchemy import Float, bindparam, func, select
from sqlalchemy.orm import Session

from backend.core import dialect
from complaints.models import Complaint
from fires.incidents import service as incidents
from grids.premises.models import Premises
from hazards.enums import HazardState
from hazards.models import Hazard
from risk.rules import RuleSet

Facts = dict[str, Any]


class PremisesRow(NamedTuple):
    """What the scorer reads of each premises, once."""

    id: uuid.UUID
    name: str
    premises_type: str
    supervision_tier: str
    key_unit: bool
    credit_status: str
    risk_level: str
    area_id: uuid.UUID | None
    area_path: str


@dataclass(frozen=True)
class Contribution:
    factor: str
    facts: Facts
    points: int
    explanation: str  # zh

    def as_json(self) -> dict[str, Any]:
        return {
            "factor": self.factor,
            "facts": self.facts,
            "points": self.points,
            "explanation": self.explanation,
        }


@runtime_checkable
class Source(Protocol):
    """A declared source of facts about premises."""

    name: str

    def facts(self, session: Session, as_of: datetime) -> Mapping[uuid.UUID, Facts]:
        """{premises id: {kind: count}} for every premises with something to count, read in
        one query (never one per premises)."""
        ...


def since(as_of: datetime, rules: RuleSet) -> datetime:
    return as_of - timedelta(days=rules.window_days)


def counted(rows) -> dict[uuid.UUID, Facts]:
    """(premises id, kind, count) rows as {premises id: {kind: count}}."""
    out: dict[uuid.UUID, Facts] = {}
    for premises_id, kind, n in rows:
        out.setdefault(premises_id, {})[kind] = int(n)
    return out


@dataclass
class OpenHazards:
    """Hazards of the premises still open, by severity (重大 weigh more)."""

    name: str = "open_hazards"

    def facts(self, session: Session, as_of: datetime) -> dict[uuid.UUID, Facts]:
        return counted(
            session.execute(
                select(Hazard.premises_id, Hazard.severity, func.count())
                .where(
                    Hazard.is_open.is_(True),
                    Hazard.premises_id.is_not(None),
                    Hazard.reported_at <= as_of,
                )
                .group_by(Hazard.premises_id, Hazard.severity)
            )
        )


@dataclass
class PastHazards:
    """Hazards of the premises reported in the window and closed since (rejected and
    duplicate reports are not hazards), by severity."""

    rules: RuleSet
    name: str = "past_hazards"

    def facts(self, session: Session, as_of: datetime) -> dict[uuid.UUID, Facts]:
        return counted(
            session.execute(
                select(Hazard.premises_id, Hazard.severity, func.count())
                .where(
                    Hazard.is_open.is_(False),
                    Hazard.premises_id.is_not(None),
                    Hazard.reported_at >= since(as_of, self.rules),
                    Hazard.reported_at <= as_of,
                    Hazard.state.not_in([HazardState.REJECTED, HazardState.DUPLICATE]),
                )
                .group_by(Hazard.premises_id, Hazard.severity)
            )
        )


@dataclass
class Complaints:
    """Complaints received in the window about the premises: those whose hazard names it, and
    those located within `complaint_radius_m` of it in the same grid (a box around it: exact
    north-south, a little wider east-west south of 40° N). Each complaint counts once per
    premises.

    Two queries: the linked ones, and the premises in each located complaint's box, found
    through the premises' spatial index (`dialect.NearEach`: a lookup per complaint). Joining
    on the grid and filtering the box instead read every premises of the complaint's grid for
    each complaint: 46 s for 10,000 complaints among 100,000 premises on PostGIS, against
    under 1 s (docs/performance.md, risk_recompute)."""

    rules: RuleSet
    name: str = "complaints"

    def facts(self, session: Session, as_of: datetime) -> dict[uuid.UUID, Facts]:
        window = (Complaint.received_at >= since(as_of, self.rules)) & (
            Complaint.received_at <= as_of
        )
        linked = session.execute(
            select(Hazard.premises_id, Complaint.id)
            .join(Hazard, Hazard.id == Complaint.hazard_id)
            .where(window, Hazard.premises_id.is_not(None))
        ).all()
        d_lat = self.rules.complaint_radius_m / 111_320
        near = _complaints_near(session.get_bind().dialect.name).rows(
            session,
            since=since(as_of, self.rules),
            as_of=as_of,
            dlat=d_lat,
            dlng=d_lat / 0.766,  # cos 40°
        )
        pairs = {(premises_id, complaint_id) for premises_id, complaint_id in linked}
        pairs.update((premises_id, complaint_id) for complaint_id, premises_id in near)
        out: dict[uuid.UUID, Facts] = {}
        for premises_id, _ in pairs:
            got = out.setdefault(premises_id, {"complaint": 0})
            got["complaint"] += 1
        return out


@cache
def _complaints_near(dialect_name: str) -> dialect.NearEach:
    """(complaint id, premises id) for each live premises within a located complaint's box
    (half-sizes `dlng`, `dlat` in degrees) in the complaint's grid, for the complaints received
    between `since` and `as_of`. Built once per dialect, run with those four parameters."""
    received = Complaint.received_at.type
    probes = (
        select(Complaint.id, Complaint.lng, Complaint.lat, Complaint.area_id)
        .where(
            Complaint.received_at >= bindparam("since", type_=received),
            Complaint.received_at <= bindparam("as_of", type_=received),
            Complaint.lat.is_not(None),
            Complaint.lng.is_not(None),
            Complaint.area_id.is_not(None),
        )
        .subquery("located")
    )
    c, premises = probes.c, Premises.__table__
    dlng, dlat = bindparam("dlng", type_=Float), bindparam("dlat", type_=Float)
    return dialect.NearEach(
        dialect_name,
        probes,
        [c.id],
        premises.c.location,
        (c.lng - dlng, c.lat - dlat, c.lng + dlng, c.lat + dlat),
        [premises.c.archived.is_(False)],
        [premises.c.id],
        same=[(c.area_id, premises.c.area_id)],
    )


# --- The registry of sources handed in from elsewhere ----------------------------------------------


@dataclass
class Registry:
    extra: dict[str, Source] = field(default_factory=dict)

    def register(self, source: Source) -> None:
        """Add (or replace, by name) a source. Its name must have a count rule in the rule set
        in force, or it contributes nothing (and says so in the run's outcome)."""
        if not isinstance(source, Source):
            raise TypeError(f"{source!r} is not a risk source (a name and facts())")
        self.extra[source.name] = source

    def unregister(self, name: str) -> None:
        self.extra.pop(name, None)


REGISTRY = Registry()
register = REGISTRY.register
unregister = REGISTRY.unregister


@dataclass
class FireIncidents:
    """Fires at the premises in the window (fires.incidents: recorded, confirmed or published;
    withdrawn records never count), and how many of them hurt or killed someone."""

    rules: RuleSet
    name: str = "fire_incidents"

    def facts(self, session: Session, as_of: datetime) -> dict[uuid.UUID, Facts]:
        tallies = incidents.incidents_by_premises(session, since(as_of, self.rules), as_of)
        out: dict[uuid.UUID, Facts] = {}
        for premises_id, tally in tallies.items():
            out[premises_id] = {"fire": tally.count}
            if tally.deaths or tally.injuries:
                out[premises_id]["casualties"] = 1
        return out


# Alarm events (`alarms`, above risk) are handed in by the composition root
# (`backend.effects.install`: `register(alarms.risk_source.AlarmEvents(...))`).


def built_in(rules: RuleSet) -> list[Source]:
    return [OpenHazards(), PastHazards(rules), Complaints(rules), FireIncidents(rules)]


def all_sources(rules: RuleSet) -> list[Source]:
    sources = {s.name: s for s in built_in(rules)}
    sources.update(REGISTRY.extra)
    return list(sources.values())
