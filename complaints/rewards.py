"""举报奖励: the first real-name reporter of a hazard confirmed on site may be rewarded.

Anonymous complaints are handled like any other but never rewarded (there is nobody to pay).
Fire staff and their close relatives are excluded: their phones are kept in a register (as
keyed digests), and a match marks the reward excluded, with the reason, for staff to see. One
reward per hazard: when several people report the same hazard, the first one is rewarded; one
already known (from a patrol, or an earlier report) rewards nobody new.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core import audit, dialect
from backend.core.db import utcnow
from backend.core.errors import Conflict, NotFound
from backend.core.privacy import mask_phone
from backend.core.security import phone_digest
from backend.core.settings import Settings
from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from complaints.enums import RewardState
from complaints.models import (
    Complaint,
    ComplaintCaller,
    ComplaintReward,
    RewardExclusion,
)
from grids.scope import scope_of
from hazards import reading as hazards


class RewardNotPossible(Conflict):
    slug, title = "reward-not-possible", "Not possible in the reward's current state"


def consider(
    session: Session, complaint: Complaint, hazard_id: uuid.UUID, settings: Settings
) -> ComplaintReward | None:
    """Called when a complaint's hazard is confirmed on site."""
    caller = session.get(ComplaintCaller, complaint.id)
    if complaint.anonymous or caller is None or caller.phone_digest is None:
        return None
    first = hazards.first_report_of(session, hazard_id)
    if first.reported_at < complaint.received_at and first.id != hazard_id:
        return None  # known before this call: from a patrol or an earlier report
    root_id = first.id
    excluded = session.get(RewardExclusion, caller.phone_digest)
    severity = first.severity
    values = {
        "id": uuid.uuid4(),
        "complaint_id": complaint.id,
        "hazard_id": root_id,
        "area_path": complaint.area_path,
        "state": (RewardState.EXCLUDED if excluded else RewardState.ELIGIBLE).value,
        "tier": severity,
        "amount_yuan": 0 if excluded else settings.complaint_reward_tiers.get(severity, 0),
        "reason": f"on the exclusion register ({excluded.relation})" if excluded else None,
        "created_at": utcnow(),
    }
    if not dialect.insert_unless_present(session, ComplaintReward.__table__, values, "hazard_id"):
        return None  # someone reported this hazard first
    audit.record(
        session,
        actor=audit.Actor.system(),
        action="complaint.reward_" + values["state"],
        subject_type="complaint",
        subject_id=complaint.id,
        after={"hazard_id": str(root_id), "tier": severity, "amount_yuan": values["amount_yuan"]},
    )
    return session.get(ComplaintReward, values["id"])


def _visible(session: Session, principal: Principal, reward_id: uuid.UUID) -> ComplaintReward:
    demand(principal.role, Permission.READ_REWARDS, "see rewards")
    reward = session.get(ComplaintReward, reward_id)
    if reward is None or not scope_of(session, principal).covers_path(reward.area_path or "\0"):
        raise NotFound(f"no reward with id {reward_id}")
    return reward


def listing(
    session: Session, principal: Principal, state: RewardState | None, limit: int, offset: int
):
    demand(principal.role, Permission.READ_REWARDS, "see rewards")
    query = (
        select(ComplaintReward, ComplaintCaller.masked_phone)
        .outerjoin(ComplaintCaller, ComplaintCaller.complaint_id == ComplaintReward.complaint_id)
        .where(scope_of(session, principal).area_clause_on(ComplaintReward.area_path))
    )
    if state is not None:
        query = query.where(ComplaintReward.state == state.value)
    return session.execute(
        query.order_by(ComplaintReward.created_at.desc()).limit(limit).offset(offset)
    ).all()


def masked_phone_of(session: Session, reward: ComplaintReward) -> str | None:
    caller = session.get(ComplaintCaller, reward.complaint_id)
    return caller.masked_phone if caller else None


def decide(
    session: Session,
    principal: Principal,
    reward_id: uuid.UUID,
    approve: bool,
    amount_yuan: int | None,
    note: str | None,
) -> ComplaintReward:
    demand(principal.role, Permission.DECIDE_REWARDS, "decide rewards")
    reward = _visible(session, principal, reward_id)
    if reward.state != RewardState.ELIGIBLE.value:
        raise RewardNotPossible(f"only eligible rewards are decided; this one is {reward.state}")
    reward.state = (RewardState.APPROVED if approve else RewardState.REFUSED).value
    if approve and amount_yuan is not None:
        reward.amount_yuan = amount_yuan
    reward.reason = note
    reward.decided_by, reward.decided_at = principal.user_id, utcnow()
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="complaint.reward_" + reward.state,
        subject_type="complaint",
        subject_id=reward.complaint_id,
        after={"reward_id": str(reward.id), "amount_yuan": reward.amount_yuan, "note": note},
    )
    return reward


def record_payment(
    session: Session, principal: Principal, reward_id: uuid.UUID, reference: str
) -> ComplaintReward:
    demand(principal.role, Permission.DECIDE_REWARDS, "record payments")
    reward = _visible(session, principal, reward_id)
    if reward.state != RewardState.APPROVED.value:
        raise RewardNotPossible(f"only approved rewards are paid; this one is {reward.state}")
    reward.state = RewardState.PAID.value
    reward.payment_reference, reward.paid_by, reward.paid_at = (
        reference,
        principal.user_id,
        utcnow(),
    )
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="complaint.reward_paid",
        subject_type="complaint",
        subject_id=reward.complaint_id,
        after={
            "reward_id": str(reward.id),
            "amount_yuan": reward.amount_yuan,
            "reference": reference,
        },
    )
    return reward


@dataclass(frozen=True)
class Exclusion:
    masked_phone: str
    relation: str


def exclude(
    session: Session, principal: Principal, phone: str, relation: str, note: str, settings: Settings
) -> Exclusion:
    """Add a phone to the register (fire staff, or a close relative of fire staff)."""
    demand(principal.role, Permission.KEEP_REWARD_EXCLUSIONS, "keep the exclusion register")
    digest = phone_digest(settings.resolved_secret_key, phone)
    masked = mask_phone(phone) or ""
    entry = session.get(RewardExclusion, digest) or RewardExclusion(phone_digest=digest)
    entry.masked_phone, entry.relation, entry.note = masked, relation, note
    entry.added_by, entry.added_at = principal.user_id, utcnow()
    session.add(entry)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="complaint.reward_exclusion_added",
        subject_type="reward_exclusion",
        subject_id=digest[:16],
        after={"masked_phone": masked, "relation": relation, "note": note},
    )
    return Exclusion(masked, relation)
