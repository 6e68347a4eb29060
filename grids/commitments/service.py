"""告知承诺 commitments: the rules. No web imports.

Who sees a commitment is who sees its premises (`grids.premises.service.in_scope`): a
township's station the venues of its township, a brigade those of its county; anything else
answers 404, exactly as a made-up id. Only a public gathering place (公众聚集场所, premises type
`public_gathering`) opens on a commitment. At most one commitment of a premises is open
(`committed`) at a time: the random draw's commitment group draws that one (`open_in`).

What a spot check finds is an enforcement step (持证): `verified`, or `false` (虚假承诺), which
enters the unit's credit record through the lifecycle's declared effect, handled in
backend/effects.py. Every step is audited on the commitment and on its premises.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.core import audit, documents, media
from backend.core.db import utcnow
from backend.core.errors import Conflict, InvalidInput, NotFound
from backend.core.ids import new_id
from backend.core.localtime import today
from backend.core.settings import Settings
from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from grids.commitments.enums import CommitmentAction, CommitmentState
from grids.commitments.lifecycle import (
    CERTIFIED,
    COMMITMENT_LIFECYCLE,
    CommitmentCertificateRequired,
    CommitmentStep,
    CommitmentTransitionNotAllowed,
)
from grids.commitments.models import Commitment, CommitmentDocument
from grids.commitments.schemas import CommitmentIn, ResultIn, WithdrawIn
from grids.premises import service as premises_service
from grids.premises.enums import PremisesType
from grids.premises.models import Premises

SUBJECT = "commitment"
PREMISES_SUBJECT = "premises"
MAX_DOCUMENTS = 20  # a signed form of a few pages, photographed one by one


class OpenCommitmentExists(Conflict):
    slug, title = "commitment-open", "The premises has an open commitment already"


class NotAPublicGatheringPlace(InvalidInput):
    slug, title = (
        "not-a-public-gathering-place",
        "Only a public gathering place opens on a commitment (告知承诺)",
    )


class TooManyDocuments(Conflict):
    slug, title = "commitment-documents-full", "The commitment has as many files as it may"


# --- Who sees which commitment -------------------------------------------------------------------


def get_visible(session: Session, principal: Principal, commitment_id: uuid.UUID) -> Commitment:
    demand(principal.role, Permission.READ_COMMITMENTS, "read commitments")
    commitment = session.get(Commitment, commitment_id)
    if commitment is None:
        raise NotFound(f"no commitment with id {commitment_id}")
    try:
        premises_service.in_scope(session, principal, commitment.premises_id)
    except NotFound:  # answered as a commitment that does not exist, naming nothing else
        raise NotFound(f"no commitment with id {commitment_id}") from None
    return commitment


def of_premises(session: Session, principal: Principal, premises_id: uuid.UUID) -> list[Commitment]:
    """The premises' commitments, newest first (404 for a premises not seen)."""
    demand(principal.role, Permission.READ_COMMITMENTS, "read commitments")
    premises = premises_service.in_scope(session, principal, premises_id)
    return list(
        session.scalars(
            select(Commitment)
            .where(Commitment.premises_id == premises.id)
            .order_by(Commitment.committed_on.desc(), Commitment.recorded_at.desc())
        )
    )


# --- Recording -----------------------------------------------------------------------------------


def record(
    session: Session, principal: Principal, premises_id: uuid.UUID, body: CommitmentIn
) -> Commitment:
    premises = premises_service.in_scope(session, principal, premises_id)
    row = COMMITMENT_LIFECYCLE.allowed(
        CommitmentState.NEW, CommitmentAction.RECORD, principal.role, body
    )
    if premises.premises_type != PremisesType.PUBLIC_GATHERING.value:
        raise NotAPublicGatheringPlace(
            "only a public gathering place (公众聚集场所) opens on a commitment; this premises "
            f"is registered as {premises.premises_type}",
            field="premises_id",
        )
    if body.committed_on > today():
        raise InvalidInput("the day of a commitment cannot be in the future", field="committed_on")
    commitment = Commitment(
        id=new_id(),
        premises_id=premises.id,
        state=row.target.value,
        committed_on=body.committed_on,
        signatory_name=body.signatory_name,
        signatory_role=body.signatory_role,
        scope=body.scope,
        recorded_by=principal.user_id,
        recorded_at=utcnow(),
    )
    try:
        with session.begin_nested():  # the partial unique index: one open per premises
            session.add(commitment)
            session.flush()
    except IntegrityError:
        raise OpenCommitmentExists(
            "the premises has a commitment not yet checked; withdraw it before recording another",
            field="premises_id",
        ) from None
    _audit(
        session,
        principal,
        commitment,
        "commitment.recorded",
        {
            "commitment_id": str(commitment.id),
            "committed_on": commitment.committed_on.isoformat(),
            "signatory_role": commitment.signatory_role,  # the name stays on the commitment
            "scope": commitment.scope,
        },
    )
    return commitment


# --- Its documents -------------------------------------------------------------------------------


def attach_document(
    session: Session,
    settings: Settings,
    principal: Principal,
    commitment_id: uuid.UUID,
    data: bytes,
    content_type: str,
) -> Commitment:
    """A file of the signed commitment (a PDF, or a photo of a page), checked and kept by
    backend.core.documents; its SHA-256 goes into the audit log. The same file twice is kept
    once; files are never replaced nor removed, in any state (the paper is evidence)."""
    demand(principal.role, Permission.RECORD_COMMITMENTS, "record commitments")
    commitment = get_visible(session, principal, commitment_id)
    checked = documents.check(settings, data, content_type)
    present = session.scalar(
        select(CommitmentDocument.id).where(
            CommitmentDocument.commitment_id == commitment.id,
            CommitmentDocument.sha256 == checked.sha256,
        )
    )
    if present is None:
        count = session.scalar(
            select(func.count()).where(CommitmentDocument.commitment_id == commitment.id)
        )
        if count >= MAX_DOCUMENTS:
            raise TooManyDocuments(f"a commitment keeps at most {MAX_DOCUMENTS} files")
        try:
            with session.begin_nested():
                session.add(
                    CommitmentDocument(
                        commitment_id=commitment.id,
                        sha256=checked.sha256,
                        mime=checked.mime,
                        size=checked.size,
                        uploaded_by=principal.user_id,
                        uploaded_at=utcnow(),
                    )
                )
                session.flush()
        except IntegrityError:
            present = True  # the same file uploaded at the same moment: kept once
    if present is None:
        _audit(
            session,
            principal,
            commitment,
            "commitment.document_attached",
            {
                "commitment_id": str(commitment.id),
                "sha256": checked.sha256,
                "mime": checked.mime,
                "size": checked.size,
            },
        )
    checked.keep()  # last: content-addressed, so a retry after a failure is harmless
    return commitment


def documents_of(session: Session, commitments: list[Commitment]) -> dict[uuid.UUID, list]:
    found: dict[uuid.UUID, list[CommitmentDocument]] = {c.id: [] for c in commitments}
    if not found:
        return found
    for document in session.scalars(
        select(CommitmentDocument)
        .where(CommitmentDocument.commitment_id.in_(list(found)))
        .order_by(CommitmentDocument.uploaded_at, CommitmentDocument.id)
    ):
        found[document.commitment_id].append(document)
    return found


def document_file(
    session: Session,
    settings: Settings,
    principal: Principal,
    commitment_id: uuid.UUID,
    sha256: str,
) -> tuple[Path | str | media.Streamed, str]:
    """Where one of its files is (never a public URL: a signed paper names people)."""
    commitment = get_visible(session, principal, commitment_id)
    document = session.scalar(
        select(CommitmentDocument).where(
            CommitmentDocument.commitment_id == commitment.id,
            CommitmentDocument.sha256 == sha256,
        )
    )
    if document is None:
        raise NotFound(f"commitment {commitment_id} has no file {sha256}")
    return documents.locate(settings, document.sha256, document.mime), document.mime


# --- The spot check's finding, and withdrawing -----------------------------------------------------


def judge(
    session: Session,
    settings: Settings,
    principal: Principal,
    commitment_id: uuid.UUID,
    body: ResultIn,
) -> Commitment:
    """What the spot check found: `verified` (属实) or `false` (虚假承诺, with what was found),
    by an officer with a certificate valid today. A false commitment enters the unit's credit
    record (the lifecycle's effect), once: the step is a conditional update from `committed`,
    and the credit entry is keyed by the commitment."""
    commitment = get_visible(session, principal, commitment_id)
    action = body.result.action
    row = COMMITMENT_LIFECYCLE.allowed(
        CommitmentState(commitment.state), action, principal.role, body
    )
    if row.has(CERTIFIED) and not principal.certified_on(today()):
        raise CommitmentCertificateRequired(
            "recording what a spot check found needs a valid certificate (持证)"
        )
    _move(session, principal, commitment, row, body.note or None)
    _audit(
        session,
        principal,
        commitment,
        f"commitment.{row.target.value}",
        {"commitment_id": str(commitment.id), "state": row.target.value, "note": body.note},
    )
    COMMITMENT_LIFECYCLE.run_effects(row, CommitmentStep(session, settings, commitment, principal))
    return commitment


def withdraw(
    session: Session,
    settings: Settings,
    principal: Principal,
    commitment_id: uuid.UUID,
    body: WithdrawIn,
) -> Commitment:
    """Take back a commitment not yet checked (recorded in error, or replaced by a new one):
    it leaves the draw's commitment group; it stays on record, withdrawn, with the reason."""
    commitment = get_visible(session, principal, commitment_id)
    row = COMMITMENT_LIFECYCLE.allowed(
        CommitmentState(commitment.state), CommitmentAction.WITHDRAW, principal.role, body
    )
    _move(session, principal, commitment, row, body.reason)
    _audit(
        session,
        principal,
        commitment,
        "commitment.withdrawn",
        {"commitment_id": str(commitment.id), "reason": body.reason},
    )
    COMMITMENT_LIFECYCLE.run_effects(row, CommitmentStep(session, settings, commitment, principal))
    return commitment


def _move(session: Session, principal: Principal, commitment: Commitment, row, note) -> None:
    """The step as a conditional update from the state read: a second officer's step at the
    same moment finds the row moved and is refused, never applied twice."""
    changed = session.execute(
        update(Commitment)
        .where(Commitment.id == commitment.id, Commitment.state == row.source.value)
        .values(
            state=row.target.value,
            result_note=note,
            decided_by=principal.user_id,
            decided_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(commitment)
    if not changed:
        state = CommitmentState(commitment.state)
        raise CommitmentTransitionNotAllowed(
            f"{row.action.value} is not possible for a {state.value} commitment",
            state=state.value,
            possible=[str(a) for a in COMMITMENT_LIFECYCLE.actions_from(state)],
        )


def _audit(
    session: Session,
    principal: Principal,
    commitment: Commitment,
    action: str,
    after: dict[str, Any],
) -> None:
    """One event on the commitment and one on its premises, so that both timelines show it."""
    for subject_type, subject_id in (
        (SUBJECT, commitment.id),
        (PREMISES_SUBJECT, commitment.premises_id),
    ):
        audit.record(
            session,
            actor=principal.actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            after=after,
        )


# --- For the random draw -------------------------------------------------------------------------


def open_in(session: Session, area_path: str) -> dict[uuid.UUID, uuid.UUID]:
    """The open (`committed`) commitments of premises in the area, not archived: premises id
    to commitment id. The random draw's commitment group (patrols.inspections)."""
    return dict(
        session.execute(
            select(Commitment.premises_id, Commitment.id)
            .join(Premises, Premises.id == Commitment.premises_id)
            .where(
                Commitment.state == CommitmentState.COMMITTED.value,
                Premises.archived.is_(False),
                Premises.area_path.startswith(area_path, autoescape=True),
            )
        ).all()
    )


def names_of(session: Session, commitments: list[Commitment]) -> dict[uuid.UUID, str]:
    ids = {c.premises_id for c in commitments}
    if not ids:
        return {}
    return dict(
        session.execute(select(Premises.id, Premises.name).where(Premises.id.in_(ids))).all()
    )
