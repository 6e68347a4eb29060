"""Rules of the credit record: entries, the status they lead to, repair and objections. No web
imports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from backend.core import audit, dialect
from backend.core import lifecycle as kernel
from backend.core.db import utcnow
from backend.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from backend.core.ids import new_id
from backend.core.localtime import LOCAL_TIME, day_start
from backend.core.settings import Settings
from backend.identity.permissions import Permission, roles_with
from backend.identity.service import Principal
from grids.models import Area
from grids.premises.enums import CreditStatus
from grids.premises.models import Premises
from grids.scope import scope_of
from hazards.credit.enums import MEASURE_KINDS, AppealDecision, AppealKind, AppealState
from hazards.credit.enums import CreditRecordKind as K
from hazards.credit.enums import CreditRecordStanding as Standing
from hazards.credit.models import CreditAppeal, CreditRecord, CreditStanding
from hazards.credit.rules import CreditRules, RecordFacts, assess, rules_from
from hazards.credit.schemas import AppealIn, DecisionIn, RecordIn
from hazards.enums import HazardState, Severity
from hazards.models import Hazard

OFFICERS = roles_with(Permission.ENFORCE)

# What an approved appeal does to the record it is about.
STANDING_AFTER_APPROVAL = {
    AppealKind.REPAIR: Standing.REPAIRED,
    AppealKind.OBJECTION: Standing.ANNULLED,
}

# A hazard reaching these states enters its premises' record.
RECORDED_STEPS = {
    HazardState.CONFIRMED: K.HAZARD_CONFIRMED,
    HazardState.DETERMINED_MAJOR: K.MAJOR_HAZARD,
}


class RecordNotActive(Conflict):
    slug, title = "credit-record-not-active", "The record was already repaired or annulled"


class AppealPending(Conflict):
    slug, title = "credit-appeal-pending", "An appeal about this record is already pending"


class RepairNotYetPossible(Conflict):
    slug, title = "credit-repair-not-yet-possible", "The record cannot be repaired yet"


class AppealAlreadyDecided(Conflict):
    slug, title = "credit-appeal-decided", "The appeal was already decided"


class SecondOfficerRequired(Forbidden):
    slug, title = "second-officer-required", "Another officer must decide what you filed"


# Guard: the officer who filed an appeal may not decide it (another, certified one must).
NOT_THE_FILER = "not_the_filer"

# What a decision does to an appeal.
APPEAL_LIFECYCLE: kernel.Lifecycle[AppealState, AppealDecision, None] = kernel.Lifecycle(
    "credit appeal",
    (
        kernel.Transition(
            AppealState.PENDING,
            AppealDecision.APPROVE,
            AppealState.APPROVED,
            OFFICERS,
            guards=frozenset({NOT_THE_FILER}),
        ),
        kernel.Transition(
            AppealState.PENDING,
            AppealDecision.REJECT,
            AppealState.REJECTED,
            OFFICERS,
            guards=frozenset({NOT_THE_FILER}),
        ),
    ),
    not_allowed=lambda state, decision, possible: AppealAlreadyDecided(
        f"the appeal is already {state.value}", state=state.value
    ),
    role_refused=lambda role, decision: Forbidden(f"a {role} may not change credit records"),
)


def rules(settings: Settings) -> CreditRules:
    return rules_from(str(settings.credit_rules) if settings.credit_rules else None)


# --- Entries -------------------------------------------------------------------------------------


def note_hazard_step(
    session: Session, hazard: Hazard, reached: HazardState, settings: Settings
) -> None:
    """A hazard at a premises that is confirmed, or determined major, enters its record once."""
    kind = RECORDED_STEPS.get(reached)
    if kind is None or hazard.premises_id is None:
        return
    _add(
        session,
        settings,
        premises_id=hazard.premises_id,
        kind=kind,
        severity=Severity(hazard.severity),
        hazard_id=hazard.id,
        note=f"{hazard.category}: {hazard.description[:200]}",
        source_key=f"hazard:{hazard.id}:{kind.value}",
    )


def note_rectification_overdue(
    session: Session, hazard: Hazard, deadline: datetime, settings: Settings
) -> bool:
    """The unit let a rectification deadline pass: one entry per deadline missed."""
    if hazard.premises_id is None:
        return False
    return (
        _add(
            session,
            settings,
            premises_id=hazard.premises_id,
            kind=K.RECTIFICATION_OVERDUE,
            severity=Severity(hazard.severity),
            hazard_id=hazard.id,
            note=f"rectification deadline {deadline.isoformat()} passed",
            source_key=f"hazard:{hazard.id}:overdue:{deadline.isoformat()}",
        )
        is not None
    )


def note_measure(
    session: Session,
    settings: Settings,
    *,
    measure_kind: str,
    measure_id: uuid.UUID,
    premises_ids: list[uuid.UUID],
    note: str,
    recorded_by: Principal,
) -> list[CreditRecord]:
    """A measure taken against a unit (提醒/约谈/告诫/曝光, package `measures`): the entry the
    rules' `measures` map names for its kind, on each premises given, once per measure and
    premises; nothing when the map names none."""
    kind = rules(settings).measures.entry_for(measure_kind)
    if kind is None:
        return []
    entries = []
    for premises_id in dict.fromkeys(premises_ids):
        entry = _add(
            session,
            settings,
            premises_id=premises_id,
            kind=kind,
            severity=None,
            hazard_id=None,
            note=note,
            source_key=f"measure:{measure_id}:{premises_id}",
            recorded_by=recorded_by,
        )
        if entry is not None:
            entries.append(entry)
    return entries


def note_false_commitment(
    session: Session,
    settings: Settings,
    *,
    commitment_id: uuid.UUID,
    premises_id: uuid.UUID,
    note: str,
    recorded_by: Principal,
) -> CreditRecord | None:
    """A spot check found a 告知承诺 commitment untrue (grids.commitments): one
    `false_commitment` entry on its premises, keyed by the commitment, so that the step noted
    twice (a retry, two officers at once) is recorded once; None when it was already."""
    return _add(
        session,
        settings,
        premises_id=premises_id,
        kind=K.FALSE_COMMITMENT,
        severity=None,
        hazard_id=None,
        note=note,
        source_key=f"commitment:{commitment_id}:false",
        recorded_by=recorded_by,
    )


def record_by_officer(
    session: Session,
    principal: Principal,
    premises_id: uuid.UUID,
    body: RecordIn,
    settings: Settings,
) -> CreditRecord:
    """An officer's entry: refusals, stop orders and their breach, false commitments,
    commendations. Enforcement records need a valid certificate."""
    _officer(principal)
    premises = premises_in_scope(session, principal, premises_id)
    _certified(principal)
    kind = K(body.kind)
    if kind in MEASURE_KINDS:
        raise InvalidInput(
            f"{kind.value} entries follow from a measure against the unit", field="kind"
        )
    if not kind.recorded_by_staff:
        raise InvalidInput(f"{kind.value} entries follow from the hazard itself", field="kind")
    severity = None
    if body.hazard_id is not None:
        hazard = session.get(Hazard, body.hazard_id)
        if hazard is None or hazard.premises_id != premises.id:
            raise InvalidInput(f"no hazard {body.hazard_id} at this premises", field="hazard_id")
        severity = Severity(hazard.severity)
    record = _add(
        session,
        settings,
        premises_id=premises.id,
        kind=kind,
        severity=severity,
        hazard_id=body.hazard_id,
        note=body.note,
        recorded_by=principal,
    )
    assert record is not None  # noqa: S101 - no source key, so never skipped
    return record


def _add(
    session: Session,
    settings: Settings,
    *,
    premises_id: uuid.UUID,
    kind: K,
    severity: Severity | None,
    hazard_id: uuid.UUID | None,
    note: str,
    source_key: str | None = None,
    recorded_by: Principal | None = None,
) -> CreditRecord | None:
    """Add an entry and reassess at once; None when `source_key` was already recorded."""
    now = utcnow()
    values = {
        "id": new_id() if source_key is None else _key_id(source_key),
        "premises_id": premises_id,
        "kind": kind.value,
        "severity": severity.value if severity else None,
        "hazard_id": hazard_id,
        "note": note,
        "standing": Standing.ACTIVE.value,
        "recorded_at": now,
        "recorded_by": recorded_by.user_id if recorded_by else None,
        "source_key": source_key,
    }
    if source_key is None:
        session.add(record := CreditRecord(**values))
        session.flush()
    else:
        if not dialect.insert_unless_present(session, CreditRecord.__table__, values, "source_key"):
            return None
        record = session.get(CreditRecord, values["id"])
    audit.record(
        session,
        actor=recorded_by.actor if recorded_by else audit.Actor.system(),
        action="credit.recorded",
        subject_type="premises",
        subject_id=premises_id,
        after={
            "record_id": str(values["id"]),
            "kind": kind.value,
            "severity": values["severity"],
            "hazard_id": str(hazard_id) if hazard_id else None,
            "note": note,
        },
    )
    reassess(session, premises_id, settings, now)
    return record


def _key_id(source_key: str) -> uuid.UUID:
    """The same cause always gives the same record id."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"firegrid:credit:{source_key}")


# --- Status ---------------------------------------------------------------------------------------


def reassess(
    session: Session, premises_id: uuid.UUID, settings: Settings, now: datetime | None = None
) -> CreditStanding:
    """Recompute a premises' status from its active records; a change is audited and shown in
    the registry (`premises.credit_status`)."""
    now = now or utcnow()
    active = session.execute(
        select(CreditRecord.kind, CreditRecord.severity, CreditRecord.recorded_at).where(
            CreditRecord.premises_id == premises_id,
            CreditRecord.standing == Standing.ACTIVE.value,
        )
    ).all()
    facts = [RecordFacts(K(k), Severity(s) if s else None, at) for k, s, at in active]
    ruleset = rules(settings)
    result = assess(ruleset, facts, now)
    standing = session.get(CreditStanding, premises_id)
    previous = CreditStatus(standing.status) if standing else CreditStatus.NORMAL
    if standing is None:
        standing = CreditStanding(premises_id=premises_id)
        session.add(standing)
    standing.status = result.status.value
    standing.reasons = result.reasons
    standing.rules_version = ruleset.version
    standing.assessed_at = now
    standing.review_at = result.review_at
    if result.status is not previous:
        session.execute(
            update(Premises)
            .where(Premises.id == premises_id)
            .values(credit_status=result.status.value)
            .execution_options(synchronize_session="fetch")
        )
        audit.record(
            session,
            actor=audit.Actor.system(),
            action="credit.status_changed",
            subject_type="premises",
            subject_id=premises_id,
            before={"status": previous.value},
            after={
                "status": result.status.value,
                "reasons": result.reasons,
                "rules": ruleset.version,
            },
        )
    session.flush()
    return standing


# --- Reading --------------------------------------------------------------------------------------


@dataclass
class CreditView:
    premises: Premises
    standing: CreditStanding | None
    records: list[CreditRecord] = field(default_factory=list)
    appeals: list[CreditAppeal] = field(default_factory=list)


def premises_in_scope(session: Session, principal: Principal, premises_id: uuid.UUID) -> Premises:
    premises = session.get(Premises, premises_id)
    if premises is None or not scope_of(session, principal).covers_path(premises.area_path or "\0"):
        raise NotFound(f"no premises with id {premises_id} in your area")
    return premises


def credit_of(session: Session, principal: Principal, premises_id: uuid.UUID) -> CreditView:
    premises = premises_in_scope(session, principal, premises_id)
    return CreditView(
        premises,
        session.get(CreditStanding, premises.id),
        list(
            session.scalars(
                select(CreditRecord)
                .where(CreditRecord.premises_id == premises.id)
                .order_by(CreditRecord.recorded_at.desc(), CreditRecord.id)
            )
        ),
        list(
            session.scalars(
                select(CreditAppeal)
                .where(CreditAppeal.premises_id == premises.id)
                .order_by(CreditAppeal.filed_at.desc())
            )
        ),
    )


@dataclass(frozen=True)
class RecordFilter:
    area_path: str | None = None
    premises_id: uuid.UUID | None = None
    kind: K | None = None
    standing: Standing | None = None
    recorded_from: date | None = None  # Asia/Shanghai calendar days, both included
    recorded_to: date | None = None


def records_in_scope(session: Session, principal: Principal, where: RecordFilter) -> Select:
    """Entries of the credit records of units in the caller's area, newest first, each with
    its unit's name, credit code, status and area (rows of `RECORD_COLUMNS`): the list of
    records and its export."""
    if where.recorded_from and where.recorded_to and where.recorded_to < where.recorded_from:
        raise InvalidInput("recorded_to is before recorded_from", field="recorded_to")
    query = (
        select(CreditRecord, *RECORD_COLUMNS)
        .join(Premises, Premises.id == CreditRecord.premises_id)
        .outerjoin(Area, Area.id == Premises.area_id)
        .where(scope_of(session, principal).area_clause_on(Premises.area_path))
    )
    if where.area_path:
        query = query.where(Premises.area_path.startswith(where.area_path, autoescape=True))
    if where.premises_id:
        query = query.where(CreditRecord.premises_id == where.premises_id)
    if where.kind:
        query = query.where(CreditRecord.kind == where.kind.value)
    if where.standing:
        query = query.where(CreditRecord.standing == where.standing.value)
    if where.recorded_from:
        query = query.where(CreditRecord.recorded_at >= day_start(where.recorded_from))
    if where.recorded_to:
        query = query.where(
            CreditRecord.recorded_at < day_start(where.recorded_to + timedelta(days=1))
        )
    return query.order_by(CreditRecord.recorded_at.desc(), CreditRecord.id)


RECORD_COLUMNS = (
    Premises.name.label("premises_name"),
    Premises.uscc.label("uscc"),
    Premises.credit_status.label("credit_status"),
    Area.code.label("area_code"),
    Area.name.label("area_name"),
)


def count_of(session: Session, query: Select) -> int:
    return session.scalar(query.with_only_columns(func.count(CreditRecord.id)).order_by(None)) or 0


def repairable_from(record: CreditRecord, settings: Settings) -> datetime | None:
    kind = K(record.kind)
    return record.recorded_at + rules(settings).repair.wait_for(kind) if kind.is_bad else None


# --- Appeals --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    unmet: list[str]
    eligible_from: datetime | None

    def as_evidence(self) -> dict:
        return {
            "unmet": self.unmet,
            "eligible_from": self.eligible_from.isoformat() if self.eligible_from else None,
        }


def repair_eligibility(
    session: Session, record: CreditRecord, settings: Settings, obligations_met: bool
) -> Eligibility:
    """信用修复 is open once the unit has met its obligations, the waiting time has passed
    (1 year; 3 after an order to stop business) and no newer record of the kind exists."""
    kind = K(record.kind)
    if not kind.is_bad:
        return Eligibility(["a commendation is not repaired"], None)
    unmet = []
    eligible_from = repairable_from(record, settings)
    if eligible_from and utcnow() < eligible_from:
        unmet.append(
            f"may be repaired from {eligible_from.astimezone(LOCAL_TIME).date().isoformat()}"
        )
    if record.hazard_id is not None:
        hazard = session.get(Hazard, record.hazard_id)
        if hazard is not None and hazard.is_open:
            unmet.append("the hazard behind it is not closed yet")
    if not obligations_met:
        unmet.append("the unit's obligations (rectification, fines, orders) are not confirmed met")
    newer = session.scalar(
        select(CreditRecord.recorded_at)
        .where(
            CreditRecord.premises_id == record.premises_id,
            CreditRecord.kind == record.kind,
            CreditRecord.standing == Standing.ACTIVE.value,
            CreditRecord.recorded_at > record.recorded_at,
        )
        .order_by(CreditRecord.recorded_at.desc())
        .limit(1)
    )
    if newer is not None:
        unmet.append(
            f"a newer {kind.value} record exists ({newer.astimezone(LOCAL_TIME).date().isoformat()})"
        )
    return Eligibility(unmet, eligible_from)


def file_appeal(
    session: Session, principal: Principal, body: AppealIn, settings: Settings
) -> CreditAppeal:
    """Staff file a repair request or an objection on the unit's behalf (it applies at the
    station's window); a repair that is not yet possible is refused with what is missing."""
    _officer(principal)
    record = session.get(CreditRecord, body.record_id)
    premises = session.get(Premises, record.premises_id) if record else None
    if premises is None or not scope_of(session, principal).covers_path(
        premises.area_path or "\0"
    ):  # a record elsewhere is answered as one that does not exist, naming nothing else
        raise NotFound(f"no credit record with id {body.record_id}")
    if record.standing != Standing.ACTIVE.value:
        raise RecordNotActive(f"the record is {record.standing}", standing=record.standing)
    if _pending_appeal(session, record.id) is not None:
        raise AppealPending("an appeal about this record is already pending")
    evidence: dict = {}
    if body.kind is AppealKind.REPAIR:
        eligibility = repair_eligibility(session, record, settings, body.obligations_met)
        if eligibility.unmet:
            raise RepairNotYetPossible("; ".join(eligibility.unmet), **eligibility.as_evidence())
        evidence = eligibility.as_evidence()
    appeal = CreditAppeal(
        record_id=record.id,
        premises_id=record.premises_id,
        kind=body.kind.value,
        state=AppealState.PENDING.value,
        statement=body.statement,
        obligations_met=body.obligations_met,
        evidence=evidence,
        filed_by=principal.user_id,
        filed_at=utcnow(),
    )
    session.add(appeal)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action=f"credit.{body.kind.value}_filed",
        subject_type="premises",
        subject_id=record.premises_id,
        after={"appeal_id": str(appeal.id), "record_id": str(record.id)},
    )
    return appeal


def decide_appeal(
    session: Session,
    principal: Principal,
    appeal_id: uuid.UUID,
    body: DecisionIn,
    settings: Settings,
) -> CreditAppeal:
    """A second, certified officer approves or rejects. Approving a repair re-checks that it is
    still possible (a new record may have come meanwhile)."""
    _officer(principal)
    appeal = session.get(CreditAppeal, appeal_id)
    premises = session.get(Premises, appeal.premises_id) if appeal else None
    if premises is None or not scope_of(session, principal).covers_path(
        premises.area_path or "\0"
    ):  # an appeal elsewhere is answered as one that does not exist, naming nothing else
        raise NotFound(f"no credit appeal with id {appeal_id}")
    _certified(principal)
    step = APPEAL_LIFECYCLE.step(AppealState(appeal.state), body.decision)
    target = step.target
    if step.has(NOT_THE_FILER) and appeal.filed_by == principal.user_id:
        raise SecondOfficerRequired("you filed this appeal; another officer must decide it")
    record = session.get(CreditRecord, appeal.record_id)
    kind = AppealKind(appeal.kind)
    if target is AppealState.APPROVED:
        if record.standing != Standing.ACTIVE.value:
            raise RecordNotActive(f"the record is {record.standing}", standing=record.standing)
        if kind is AppealKind.REPAIR:
            eligibility = repair_eligibility(session, record, settings, appeal.obligations_met)
            if eligibility.unmet:
                raise RepairNotYetPossible(
                    "; ".join(eligibility.unmet), **eligibility.as_evidence()
                )
    now = utcnow()
    changed = session.execute(
        update(CreditAppeal)
        .where(CreditAppeal.id == appeal.id, CreditAppeal.state == AppealState.PENDING.value)
        .values(
            state=target.value,
            decided_by=principal.user_id,
            decided_at=now,
            decision_note=body.note,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise AppealAlreadyDecided("the appeal was decided meanwhile")
    session.refresh(appeal)
    if target is AppealState.APPROVED:
        record.standing = STANDING_AFTER_APPROVAL[kind].value
    audit.record(
        session,
        actor=principal.actor,
        action=f"credit.{kind.value}_{target.value}",
        subject_type="premises",
        subject_id=appeal.premises_id,
        after={
            "appeal_id": str(appeal.id),
            "record_id": str(record.id),
            "standing": record.standing,
            "note": body.note,
        },
    )
    session.flush()
    reassess(session, appeal.premises_id, settings, now)
    return appeal


def appeals_in_scope(
    session: Session, principal: Principal, state: AppealState | None, limit: int, offset: int
) -> list[CreditAppeal]:
    scope = scope_of(session, principal)
    query = (
        select(CreditAppeal)
        .join(Premises, Premises.id == CreditAppeal.premises_id)
        .where(scope.area_clause_on(Premises.area_path))
    )
    if state is not None:
        query = query.where(CreditAppeal.state == state.value)
    return list(
        session.scalars(
            query.order_by(CreditAppeal.filed_at, CreditAppeal.id).limit(limit).offset(offset)
        )
    )


def _pending_appeal(session: Session, record_id: uuid.UUID) -> uuid.UUID | None:
    return session.scalar(
        select(CreditAppeal.id).where(
            CreditAppeal.record_id == record_id,
            CreditAppeal.state == AppealState.PENDING.value,
        )
    )


# --- What the caller may do (the console shows a button only where the answer is yes) ------------


def may_record(principal: Principal) -> bool:
    """`record_by_officer` would accept this caller's entry (in scope: the caller read it)."""
    return principal.role in OFFICERS and principal.certified_today


def may_file(principal: Principal) -> bool:
    """`file_appeal` would hear this caller (whether the record may be repaired yet is the
    answer's to say)."""
    return principal.role in OFFICERS


def may_decide(principal: Principal, appeal: CreditAppeal) -> bool:
    """`decide_appeal` would accept this caller's decision: a pending appeal, a certified
    officer, not the one who filed it."""
    return (
        appeal.state == AppealState.PENDING.value
        and may_record(principal)
        and appeal.filed_by != principal.user_id
    )


def _officer(principal: Principal) -> None:
    if principal.role not in OFFICERS:
        raise Forbidden(f"a {principal.role} may not change credit records")


def _certified(principal: Principal) -> None:
    if not principal.certified_today:
        raise Forbidden("this needs an officer with a valid certificate (持证)")
