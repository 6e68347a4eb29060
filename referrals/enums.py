from __future__ import annotations

from enum import StrEnum


class ReferralKind(StrEnum):
    COPY = "copy"  # 抄告: for the department's information and action; the case stays ours
    TRANSFER = "transfer"  # 移送: the matter is the department's


class ReferralState(StrEnum):
    SENT = "sent"  # 已发送: waits for the department's reply
    OVERDUE = "overdue"  # 逾期未复: the reply's deadline passed (the worker's pass)
    REPLIED = "replied"  # 已回复: the department answered (its partner, or staff entering it)
    CLOSED = "closed"  # 已办结: staff accepted the reply


class ReferralAction(StrEnum):
    REPLY = "reply"  # the department's answer
    MARK_OVERDUE = "mark_overdue"  # the worker, once the deadline passed
    CLOSE = "close"  # staff


KIND_NAMES = {ReferralKind.COPY: "抄告", ReferralKind.TRANSFER: "移送"}
