from enum import StrEnum


class CreditRecordKind(StrEnum):
    """What enters a unit's credit record. Most are bad (失信行为); a commendation is good."""

    HAZARD_CONFIRMED = "hazard_confirmed"  # a confirmed hazard at the premises
    MAJOR_HAZARD = "major_hazard"  # 重大火灾隐患, determined collectively
    RECTIFICATION_OVERDUE = "rectification_overdue"  # 逾期未整改
    ORDER_REFUSED = "order_refused"  # 拒不整改 / 拒不改正
    STOP_ORDER_IGNORED = "stop_order_ignored"  # 擅自恢复使用、营业 despite a stop or seal order
    BUSINESS_STOPPED = "business_stopped"  # 责令停产停业: an order to stop business
    FALSE_COMMITMENT = "false_commitment"  # 告知承诺 found untrue
    COMMENDATION = "commendation"  # e.g. 消防安全标准化管理达标: counts towards the red list
    # A measure taken against the unit (package `measures`), entered as the rules' `measures`
    # map says (hazards/credit/rules.py): never typed in directly.
    REMINDED = "reminded"  # 被提醒
    INTERVIEWED = "interviewed"  # 被约谈
    WARNED = "warned"  # 被告诫
    EXPOSED = "exposed"  # 被曝光

    @property
    def is_bad(self) -> bool:
        return self is not CreditRecordKind.COMMENDATION

    @property
    def recorded_by_staff(self) -> bool:
        """Entered by an officer; the others follow from a hazard's lifecycle by themselves,
        or from a measure against the unit."""
        return self not in AUTOMATIC_KINDS and self not in MEASURE_KINDS


AUTOMATIC_KINDS = frozenset(
    {
        CreditRecordKind.HAZARD_CONFIRMED,
        CreditRecordKind.MAJOR_HAZARD,
        CreditRecordKind.RECTIFICATION_OVERDUE,
    }
)


# Entered when a measure is recorded against the unit (credit.service.note_measure).
MEASURE_KINDS = frozenset(
    {
        CreditRecordKind.REMINDED,
        CreditRecordKind.INTERVIEWED,
        CreditRecordKind.WARNED,
        CreditRecordKind.EXPOSED,
    }
)


class CreditRecordStanding(StrEnum):
    ACTIVE = "active"  # counts
    REPAIRED = "repaired"  # 信用修复: kept in the history, no longer counts
    ANNULLED = "annulled"  # an objection was upheld: it should never have been recorded


class AppealKind(StrEnum):
    REPAIR = "repair"  # 信用修复: obligations met and time has passed
    OBJECTION = "objection"  # 异议申诉: the record is wrong


class AppealState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class AppealDecision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
