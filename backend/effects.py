"""What follows from a step in another place: the handlers of the after-effects that lifecycle
tables declare, registered here, in the composition root, so that no domain service reaches
into another to cause them (hazards do not import the credit record; the credit record hears
of hazard steps through this wiring).

Every process that applies steps installs them as it starts (the app, the worker, the command
line, the demo loader, the tests); a declared effect without a handler fails the step."""

from __future__ import annotations

from alarms.risk_source import AlarmEvents
from backend.core.audit import Actor
from backend.core.lifecycle import Lifecycle
from complaints.citizens import service as citizens
from complaints.lifecycle import (
    COMPLAINT_LIFECYCLE,
    REFER_ELSEWHERE,
    TELL_REPORTER,
    ComplaintStep,
)
from grids.commitments.lifecycle import COMMITMENT_LIFECYCLE, CommitmentStep
from grids.commitments.lifecycle import RECORD_IN_CREDIT as RECORD_FALSE_COMMITMENT
from hazards import announcements
from hazards.credit import service as credit
from hazards.credit.service import APPEAL_LIFECYCLE
from hazards.lifecycle import (
    ANNOUNCE,
    HAZARD_LIFECYCLE,
    ISSUE_NOTICE,
    RECORD_IN_CREDIT,
    HazardStep,
)
from measures.enums import KIND_NAMES, MeasureKind
from measures.lifecycle import MEASURE_LIFECYCLE, MeasureStep
from measures.lifecycle import RECORD_IN_CREDIT as RECORD_MEASURE_IN_CREDIT
from notices import service as notices
from patrols.inspections.lifecycle import RESULT_LIFECYCLE, TELL_UNIT, ResultStep
from referrals import service as referrals
from referrals.lifecycle import REFERRAL_LIFECYCLE
from risk import rules as risk_rules
from risk import sources as risk_sources

# Every lifecycle table of the application (a test checks each declared effect is handled).
LIFECYCLES: tuple[Lifecycle, ...] = (
    HAZARD_LIFECYCLE,
    COMPLAINT_LIFECYCLE,
    APPEAL_LIFECYCLE,
    MEASURE_LIFECYCLE,
    REFERRAL_LIFECYCLE,
    COMMITMENT_LIFECYCLE,
    RESULT_LIFECYCLE,
)


def _record_in_credit(step: HazardStep) -> None:
    credit.note_hazard_step(step.session, step.hazard, step.transition.target, step.settings)


def _announce(step: HazardStep) -> None:
    announcements.announce(step.session, step.hazard, step.transition.action, step.actor_id)


def _issue_notice(step: HazardStep) -> None:
    body = step.body
    notices.for_hazard_step(
        step.session,
        step.settings,
        step.hazard,
        step.transition.action,
        step.actor or Actor(id=step.actor_id, role=None),
        period_days=body.period_days if body else None,
        deadline_working_days=body.deadline_working_days if body else None,
        note=body.note if body else None,
    )


def _record_measure_in_credit(step: MeasureStep) -> None:
    measure = step.measure
    credit.note_measure(
        step.session,
        step.settings,
        measure_kind=measure.kind,
        measure_id=measure.id,
        premises_ids=step.premises_ids,
        note=f"{KIND_NAMES[MeasureKind(measure.kind)]}: {measure.findings[:200]}",
        recorded_by=step.principal,
    )


def _record_false_commitment(step: CommitmentStep) -> None:
    """A spot check found a 告知承诺 commitment untrue: 虚假承诺 enters the premises' credit
    record, once (keyed by the commitment)."""
    commitment = step.commitment
    credit.note_false_commitment(
        step.session,
        step.settings,
        commitment_id=commitment.id,
        premises_id=commitment.premises_id,
        note=f"虚假承诺: {(commitment.result_note or '')[:200]}",
        recorded_by=step.principal,
    )


def _tell_unit_of_inspection(step: ResultStep) -> None:
    """An inspection of the random draw told to its unit: 检查结果告知书."""
    assignment = step.assignment
    notices.for_inspection(
        step.session,
        step.settings,
        step.principal.actor,
        assignment_id=assignment.id,
        premises_id=assignment.premises_id,
        outcome=assignment.outcome,
        hazards_found=assignment.hazards_found,
        note=assignment.note,
    )


def _tell_reporter(step: ComplaintStep) -> None:
    citizens.tell_reporter(step.session, step.complaint, step.transition.action, step.settings)


def _refer_elsewhere(step: ComplaintStep) -> None:
    """A complaint found not fire-related is transferred (移送) to the department chosen."""
    assert step.principal is not None and step.body is not None and step.body.department
    referrals.transfer_complaint(
        step.session,
        step.principal,
        step.complaint,
        step.body.department,
        step.body.note,
        step.settings,
    )


def install() -> None:
    """Register every effect handler (again: a no-op)."""
    HAZARD_LIFECYCLE.handle(RECORD_IN_CREDIT, _record_in_credit)
    HAZARD_LIFECYCLE.handle(ANNOUNCE, _announce)
    HAZARD_LIFECYCLE.handle(ISSUE_NOTICE, _issue_notice)
    COMPLAINT_LIFECYCLE.handle(TELL_REPORTER, _tell_reporter)
    MEASURE_LIFECYCLE.handle(RECORD_MEASURE_IN_CREDIT, _record_measure_in_credit)
    COMPLAINT_LIFECYCLE.handle(REFER_ELSEWHERE, _refer_elsewhere)
    COMMITMENT_LIFECYCLE.handle(RECORD_FALSE_COMMITMENT, _record_false_commitment)
    RESULT_LIFECYCLE.handle(TELL_UNIT, _tell_unit_of_inspection)
    # The alarm feeds lie above the risk score: their events reach it as a declared source.
    risk_sources.register(AlarmEvents(window_days=risk_rules.ruleset().window_days))
