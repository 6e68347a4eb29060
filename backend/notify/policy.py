"""Which channels carry each kind of message, when an unread one is followed by a text, and
when pushes that can wait do (FIREGRID_NOTIFY_POLICY, one JSON object; every part has a
default, so nothing needs configuring). The inbox always gets the message at once: the policy
only says what else happens and when. Times of day are Beijing time (backend.core.localtime)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.calendar import WorkingCalendar
from backend.core.localtime import LOCAL_TIME
from backend.core.settings import ConfigurationError, Settings
from backend.identity.enums import Role
from backend.identity.models import User
from backend.notify.channels import channel_names
from backend.notify.enums import NotificationKind, Provider

# The kinds that tell someone that what they answer for is overdue: by default texted when
# nobody read them in time.
ESCALATION_KINDS = (
    NotificationKind.HAZARD_ESCALATED,
    NotificationKind.COMPLAINT_OVERDUE,
    NotificationKind.TASK_OVERDUE,
)
ROLE_LOOKUP_CHUNK = 500


class Hours(BaseModel):
    """A daily span of Beijing time; one whose end is before its start runs past midnight."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: time
    end: time

    @model_validator(mode="after")
    def _not_empty(self) -> Hours:
        if self.start == self.end:
            raise ValueError("start and end are the same time: the span would be empty")
        return self

    def contains(self, moment: datetime) -> bool:
        at = moment.astimezone(LOCAL_TIME).time()
        if self.start < self.end:
            return self.start <= at < self.end
        return at >= self.start or at < self.end

    def ends_after(self, moment: datetime) -> datetime:
        """When the span that holds `moment` ends, in UTC."""
        local = moment.astimezone(LOCAL_TIME)
        end = datetime.combine(local.date(), self.end, LOCAL_TIME)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(UTC)


class Rule(BaseModel):
    """What a message of one kind (to people of the given roles, or to anyone) does beside its
    inbox row. The last matching rule wins, so a rule for a role goes after the kind's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: NotificationKind
    roles: frozenset[Role] | None = None  # None: whatever the recipient's role
    # The push services to use at once, of those the recipient's devices registered with;
    # None: all of them; []: the inbox alone.
    push: frozenset[Provider] | None = None
    sms_after_minutes: int | None = Field(default=None, ge=0, le=7 * 24 * 60)
    sms_template: str = "escalation"  # a key of FIREGRID_SMS_TEMPLATE_CODES

    def sms_due(self, now: datetime) -> datetime | None:
        if self.sms_after_minutes is None:
            return None
        return now + timedelta(minutes=self.sms_after_minutes)

    def channels_among(self, channels: list[str], settings: Settings) -> list[str]:
        """Of the channels that reach the recipient, those this rule uses."""
        if self.push is None:
            return channels
        allowed = {channel_names(settings)[provider] for provider in self.push}
        return [channel for channel in channels if channel in allowed]


class NotifyPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: tuple[Rule, ...] = tuple(
        Rule(kind=kind, sms_after_minutes=30) for kind in ESCALATION_KINDS
    )
    # Non-urgent pushes in these hours wait for their end (the inbox row is written at once);
    # null (the default): none. Off unless the operator asks: a push held back for nine hours
    # that nobody configured would look like a lost push.
    quiet_hours: Hours | None = None
    # Texts for unread messages are sent only in these hours on working days (the working-day
    # calendar); one due outside them waits for the next working period. null: at any time.
    working_hours: Hours | None = None

    def rule_for(self, kind: NotificationKind | str, role: Role | str | None = None) -> Rule:
        found = Rule(kind=NotificationKind(kind))
        for rule in self.rules:
            if rule.kind == kind and (rule.roles is None or role in rule.roles):
                found = rule
        return found

    def needs_roles(self, kind: NotificationKind | str) -> bool:
        return any(rule.kind == kind and rule.roles is not None for rule in self.rules)

    def sms_kinds(self) -> list[NotificationKind]:
        return sorted({rule.kind for rule in self.rules if rule.sms_after_minutes is not None})

    def pushes_wait_until(self, urgent: bool, now: datetime) -> datetime:
        """When a push queued `now` may leave: at once, or at the end of quiet hours."""
        if urgent or self.quiet_hours is None or not self.quiet_hours.contains(now):
            return now
        return self.quiet_hours.ends_after(now)

    def may_text(self, now: datetime, calendar: WorkingCalendar) -> bool:
        if self.working_hours is None:
            return True
        local = now.astimezone(LOCAL_TIME)
        day = local.date()
        if (
            self.working_hours.start > self.working_hours.end
            and local.time() < self.working_hours.end
        ):
            day -= timedelta(days=1)  # a span past midnight belongs to the day it started
        return calendar.is_working_day(day) and self.working_hours.contains(now)


def policy_of(settings: Settings) -> NotifyPolicy:
    """The policy FIREGRID_NOTIFY_POLICY gives (the defaults when unset); ConfigurationError,
    saying what is wrong where, for one that does not parse."""
    text = settings.notify_policy
    if not text:
        return DEFAULT_POLICY
    return _parsed(text)


_PARSED: dict[str, NotifyPolicy] = {}


def _parsed(text: str) -> NotifyPolicy:
    if text not in _PARSED:
        try:
            _PARSED[text] = NotifyPolicy.model_validate_json(text)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc']) or 'the policy'}: {error['msg']}"
                for error in exc.errors()
            )
            raise ConfigurationError(
                f"FIREGRID_NOTIFY_POLICY is not a valid policy: {problems}"
            ) from None
    return _PARSED[text]


def rules_for(
    session: Session,
    policy: NotifyPolicy,
    user_ids: list[uuid.UUID],
    kinds: list[NotificationKind],
) -> list[Rule]:
    """The rule for each (recipient, kind); recipients' roles are looked up only when a rule
    for one of the kinds names roles."""
    roles: dict[uuid.UUID, str] = {}
    if any(policy.needs_roles(kind) for kind in set(kinds)):
        roles = roles_of(session, user_ids)
    found: dict[tuple[NotificationKind, str | None], Rule] = {}
    rules = []
    for user_id, kind in zip(user_ids, kinds, strict=True):
        key = (kind, roles.get(user_id))
        if key not in found:
            found[key] = policy.rule_for(*key)
        rules.append(found[key])
    return rules


def roles_of(session: Session, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    wanted = list(dict.fromkeys(user_ids))
    roles: dict[uuid.UUID, str] = {}
    for start in range(0, len(wanted), ROLE_LOOKUP_CHUNK):
        roles.update(
            session.execute(
                select(User.id, User.role).where(
                    User.id.in_(wanted[start : start + ROLE_LOOKUP_CHUNK])
                )
            ).all()
        )
    return roles


DEFAULT_POLICY = NotifyPolicy()
