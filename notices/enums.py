from __future__ import annotations

from enum import StrEnum


class NoticeKind(StrEnum):
    RECTIFICATION_ORDER = "rectification_order"  # 责令限期改正通知书: a hazard ordered to be fixed
    RECHECK_RESULT = "recheck_result"  # 复查意见书: a hazard verified, or failed, on recheck
    INSPECTION_RESULT = "inspection_result"  # 检查结果告知书: an assignment of the random draw

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    NoticeKind.RECTIFICATION_ORDER: "责令限期改正通知书",
    NoticeKind.RECHECK_RESULT: "复查意见书",
    NoticeKind.INSPECTION_RESULT: "检查结果告知书",
}


class ServiceMethod(StrEnum):
    PAPER = "paper"  # 直接送达, a photo of the receipt the unit signed
    ON_SITE = "on_site"  # signed on the worker's phone: the signature as a PNG
    # By SMS link to the unit's responsible person (notices.unitlink): served when they open
    # the link and confirm receipt.
    SMS_LINK = "sms_link"


class NoticeState(StrEnum):
    ISSUED = "issued"  # generated, not yet served
    SENT = "sent"  # texted by link to the unit's person, not yet served (receipt unconfirmed)
    SERVED = "served"


class NoticeStep(StrEnum):
    SERVE = "serve"  # on paper or on site
    SEND_LINK = "send_link"  # text the link (again: a new link, the earlier ones end)
    CONFIRM_RECEIPT = "confirm_receipt"  # the person opened the link and confirmed: served


# The whole lifecycle: anything else is refused (notices.service.NoticeAlreadyServed).
TRANSITIONS: dict[tuple[NoticeState, NoticeStep], NoticeState] = {
    (NoticeState.ISSUED, NoticeStep.SERVE): NoticeState.SERVED,
    (NoticeState.ISSUED, NoticeStep.SEND_LINK): NoticeState.SENT,
    (NoticeState.SENT, NoticeStep.SEND_LINK): NoticeState.SENT,
    (NoticeState.SENT, NoticeStep.CONFIRM_RECEIPT): NoticeState.SERVED,
    (NoticeState.SENT, NoticeStep.SERVE): NoticeState.SERVED,  # texted, then served by hand
}


class SignerRole(StrEnum):
    """Who signed a notice on the worker's phone, as the receipt names them."""

    RESPONSIBLE = "responsible"  # 消防安全责任人
    MANAGER = "manager"  # 消防安全管理人
    OTHER = "other"  # anyone else of the unit who took the notice (the signer's name says who)


SIGNER_ROLE_NAMES = {
    SignerRole.RESPONSIBLE: "消防安全责任人",
    SignerRole.MANAGER: "消防安全管理人",
    SignerRole.OTHER: "其他人员",
}


class SignatureState(StrEnum):
    """What became of a signature taken on a phone and synced (offline_sync's
    `notice_signatures`): the record and its PNG (a tus upload) may arrive in either order."""

    PENDING = "pending"  # the record is here, its PNG not yet
    SERVED = "served"  # the notice was served on site by it
    # The notice had been served another way before it arrived: the signature is kept (its
    # PNG stored, its hash audited), the notice keeps its first service.
    CONFLICT = "conflict"
    REFUSED = "refused"  # not a notice of the signer's area, or not a readable PNG (reason)
