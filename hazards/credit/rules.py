"""Which records put a unit on the blacklist, under watch or on the red list, and when a record
may be repaired: a versioned rule set, configurable per deployment.

The defaults follow the policy documents in shared/seeds (see docs/credit.md): Liuzhou #11 and
Xiangtan #20 blacklist serious, repeated and unrectified violations, refusal to rectify, major
hazards and false commitments; Chongqing §9 and Xiangtan #21 ask for credit repair once a unit
has rectified. A deployment that has its own rules names a JSON file of the same shape in
`FIREGRID_CREDIT_RULES`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from grids.premises.enums import CreditStatus
from hazards.credit.enums import CreditRecordKind as K
from hazards.enums import Severity


class Threshold(BaseModel):
    """At least `min_count` active records of `kind` (of `severity`, if given) in the last
    `within_days` days (any time, while active, if not given)."""

    model_config = ConfigDict(extra="forbid")

    kind: K
    min_count: int = Field(default=1, ge=1, le=100)
    within_days: int | None = Field(default=None, ge=1, le=3650)
    severity: Severity | None = None
    reason: str

    def matches(self, records: list[RecordFacts], now: datetime) -> bool:
        return len(self._counted(records, now)) >= self.min_count

    def _counted(self, records: list[RecordFacts], now: datetime) -> list[RecordFacts]:
        since = now - timedelta(days=self.within_days) if self.within_days else None
        return [
            r
            for r in records
            if r.kind is self.kind
            and (self.severity is None or r.severity is self.severity)
            and (since is None or r.recorded_at >= since)
        ]

    def changes_at(self, records: list[RecordFacts], now: datetime) -> list[datetime]:
        """When a counted record leaves the window (the result may change then)."""
        if not self.within_days:
            return []
        return [
            r.recorded_at + timedelta(days=self.within_days) for r in self._counted(records, now)
        ]


class RedListRule(BaseModel):
    """A commendation in the last `within_days` and no active bad record in `clean_days`."""

    model_config = ConfigDict(extra="forbid")

    requires: K = K.COMMENDATION
    within_days: int = Field(default=1095, ge=1, le=3650)
    clean_days: int = Field(default=1095, ge=1, le=3650)


class RepairRule(BaseModel):
    """信用修复: a bad record may be repaired `min_days` after it was recorded (longer for the
    kinds in `min_days_by_kind`), once obligations are met and with no newer record of its kind."""

    model_config = ConfigDict(extra="forbid")

    min_days: int = Field(default=365, ge=0, le=3650)
    min_days_by_kind: dict[K, int] = Field(
        default_factory=lambda: {K.BUSINESS_STOPPED: 1095, K.STOP_ORDER_IGNORED: 1095}
    )

    def wait_for(self, kind: K) -> timedelta:
        return timedelta(days=self.min_days_by_kind.get(kind, self.min_days))


class MeasureEntries(BaseModel):
    """Which entry each kind of measure against a unit makes (package `measures`: 提醒, 约谈,
    告诫, 曝光), null for none. The keys are the measures' kinds by name; the entries count
    in the thresholds above as any other (our defaults: a reminder enters nothing)."""

    model_config = ConfigDict(extra="forbid")

    reminder: K | None = None
    interview: K | None = K.INTERVIEWED
    warning: K | None = K.WARNED
    exposure: K | None = K.EXPOSED

    def entry_for(self, measure_kind: str) -> K | None:
        return getattr(self, measure_kind) if measure_kind in type(self).model_fields else None


class CreditRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1, max_length=64)
    blacklist: list[Threshold]
    watch: list[Threshold]
    red_list: RedListRule | None = None
    repair: RepairRule = Field(default_factory=RepairRule)
    measures: MeasureEntries = Field(default_factory=MeasureEntries)


DEFAULT_RULES = CreditRules(
    version="firegrid-2027.01",
    blacklist=[
        Threshold(
            kind=K.RECTIFICATION_OVERDUE,
            severity=Severity.MAJOR,
            reason="a major hazard unrectified past its deadline (重大火灾隐患逾期未改)",
        ),
        Threshold(kind=K.ORDER_REFUSED, reason="refused to rectify (拒不整改)"),
        Threshold(
            kind=K.STOP_ORDER_IGNORED,
            reason="ignored an order to stop or a seal (擅自恢复使用、营业)",
        ),
        Threshold(kind=K.FALSE_COMMITMENT, reason="a false commitment (承诺严重失实)"),
        Threshold(
            kind=K.RECTIFICATION_OVERDUE,
            min_count=3,
            within_days=365,
            reason="repeatedly overdue: three times in a year (多次违法)",
        ),
    ],
    watch=[
        Threshold(kind=K.MAJOR_HAZARD, reason="a major fire hazard on record (有重大火灾隐患记录)"),
        Threshold(kind=K.BUSINESS_STOPPED, reason="ordered to stop business (被责令停产停业)"),
        Threshold(
            kind=K.RECTIFICATION_OVERDUE,
            within_days=365,
            reason="a rectification overdue in the last year (一年内有逾期未整改隐患)",
        ),
        Threshold(
            kind=K.HAZARD_CONFIRMED,
            min_count=3,
            within_days=365,
            reason="three or more hazards confirmed in the last year (一年内确认隐患三处以上)",
        ),
        Threshold(kind=K.WARNED, within_days=365, reason="warned in the last year (一年内被告诫)"),
        Threshold(
            kind=K.EXPOSED, within_days=365, reason="exposed in the last year (一年内被曝光)"
        ),
        Threshold(
            kind=K.INTERVIEWED,
            min_count=2,
            within_days=365,
            reason="interviewed twice in the last year (一年内被约谈两次以上)",
        ),
    ],
    red_list=RedListRule(),
)


@dataclass(frozen=True)
class RecordFacts:
    """What the rules read of an active record."""

    kind: K
    severity: Severity | None
    recorded_at: datetime


@dataclass(frozen=True)
class Assessment:
    status: CreditStatus
    reasons: list[str]
    review_at: datetime | None  # when time alone may change the status


def assess(rules: CreditRules, records: list[RecordFacts], now: datetime) -> Assessment:
    """The status the active records lead to: blacklist over watch over red list."""
    changes: list[datetime] = []
    for status, thresholds in (
        (CreditStatus.BLACKLIST, rules.blacklist),
        (CreditStatus.WATCH, rules.watch),
    ):
        for threshold in thresholds:
            changes += threshold.changes_at(records, now)
        reasons = [t.reason for t in thresholds if t.matches(records, now)]
        if reasons:
            return Assessment(status, reasons, _next(changes, now))
    red = rules.red_list
    if red is not None:
        praised = [
            r.recorded_at
            for r in records
            if r.kind is red.requires and r.recorded_at >= now - timedelta(days=red.within_days)
        ]
        bad = [
            r.recorded_at
            for r in records
            if r.kind.is_bad and r.recorded_at >= now - timedelta(days=red.clean_days)
        ]
        changes += [t + timedelta(days=red.within_days) for t in praised]
        changes += [t + timedelta(days=red.clean_days) for t in bad]
        if praised and not bad:
            return Assessment(
                CreditStatus.RED_LIST,
                [
                    f"commended, and no bad record in {red.clean_days} days "
                    f"(受表彰且 {red.clean_days} 天内无不良记录)"
                ],
                _next(changes, now),
            )
    return Assessment(CreditStatus.NORMAL, [], _next(changes, now))


def _next(moments: list[datetime], now: datetime) -> datetime | None:
    later = [m for m in moments if m > now]
    return min(later) if later else None


@lru_cache(maxsize=4)
def rules_from(path: str | None) -> CreditRules:
    if not path:
        return DEFAULT_RULES
    return CreditRules.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))
