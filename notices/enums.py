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
    SMS_LINK = "sms_link"  # by SMS link to the responsible person: the next part (422 until then)


class NoticeState(StrEnum):
    ISSUED = "issued"  # generated, not yet served
    SERVED = "served"


class NoticeStep(StrEnum):
    SERVE = "serve"


# The whole lifecycle: anything else is refused (notices.service.NoticeAlreadyServed).
TRANSITIONS: dict[tuple[NoticeState, NoticeStep], NoticeState] = {
    (NoticeState.ISSUED, NoticeStep.SERVE): NoticeState.SERVED,
}
