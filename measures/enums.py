"""The kinds of measure against a unit, their order, and a measure's states."""

from __future__ import annotations

from enum import StrEnum


class MeasureKind(StrEnum):
    """An escalating scale (Xiangtan #18, Fangchenggang §2), mildest first: a later measure may
    cite an earlier one (`follows_id`), usually a milder one that did not work.

    1. 提醒 reminder: a word to the unit about what it must do; one certified officer.
    2. 约谈 interview: the unit's responsible people are summoned and talked to; two officers.
    3. 告诫 warning: a formal written warning of the consequences; two officers.
    4. 曝光 exposure: a notice on the public pages naming the unit; two officers.
    """

    REMINDER = "reminder"
    INTERVIEW = "interview"
    WARNING = "warning"
    EXPOSURE = "exposure"

    @property
    def rank(self) -> int:
        """1 (提醒) to 4 (曝光): the scale's order."""
        return list(MeasureKind).index(self) + 1

    @property
    def needs_two_officers(self) -> bool:
        """双人执法: every measure but a reminder is taken by two certified officers."""
        return self is not MeasureKind.REMINDER

    @property
    def label(self) -> str:
        return KIND_NAMES[self]


KIND_NAMES = {
    MeasureKind.REMINDER: "提醒",
    MeasureKind.INTERVIEW: "约谈",
    MeasureKind.WARNING: "告诫",
    MeasureKind.EXPOSURE: "曝光",
}


class MeasureState(StrEnum):
    NEW = "new"  # not stored yet: the row of the lifecycle that records a measure starts here
    RECORDED = "recorded"  # on the unit's record (an exposure: published)
    WITHDRAWN = "withdrawn"  # an exposure taken down from the public pages; still on record


class MeasureAction(StrEnum):
    RECORD = "record"
    WITHDRAW = "withdraw"
