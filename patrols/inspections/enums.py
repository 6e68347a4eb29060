"""Kinds and outcomes of random inspections."""

from enum import StrEnum


class Outcome(StrEnum):
    PENDING = "pending"
    PASSED = "passed"  # 合格
    FAILED = "failed"  # 不合格: hazards found are reported as hazards
    NOT_FOUND = "not_found"  # 查无下落: the unit was not there


class Relation(StrEnum):
    """How an inspector is tied to a unit they must not inspect (回避)."""

    SELF = "self"  # the inspector runs or owns it
    SPOUSE = "spouse"
    PARENT = "parent"
    CHILD = "child"
    SIBLING = "sibling"
    OTHER_CLOSE_RELATIVE = "other_close_relative"
    FORMER_EMPLOYER = "former_employer"
