"""A commitment's states and the steps between them."""

from __future__ import annotations

from enum import StrEnum


class CommitmentState(StrEnum):
    NEW = "new"  # not stored yet: the row of the lifecycle that records a commitment starts here
    COMMITTED = "committed"  # signed and on record; open to the random draw's own group
    VERIFIED = "verified"  # a spot check found it true (承诺属实)
    FALSE = "false"  # a spot check found it untrue (虚假承诺): enters the credit record
    WITHDRAWN = "withdrawn"  # taken back before it was checked (recorded in error, replaced)


class CommitmentAction(StrEnum):
    RECORD = "record"
    VERIFY = "verify"  # 核查属实
    FIND_FALSE = "find_false"  # 认定虚假承诺
    WITHDRAW = "withdraw"


class CommitmentResult(StrEnum):
    """What a spot check found, as the result endpoint takes it."""

    VERIFIED = "verified"
    FALSE = "false"

    @property
    def action(self) -> CommitmentAction:
        return (
            CommitmentAction.VERIFY
            if self is CommitmentResult.VERIFIED
            else (CommitmentAction.FIND_FALSE)
        )
