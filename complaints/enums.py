from enum import IntEnum, StrEnum


class Channel(StrEnum):
    """Where a complaint came in; with the external id, the key that makes intake idempotent."""

    FIRE_HOTLINE = "96119"  # 消防举报投诉专线
    GOVERNMENT_HOTLINE = "12345"  # 政务服务便民热线
    APP = "app"  # a citizen app (Open311)
    WECHAT = "wechat"  # a WeChat mini program
    WEB = "web"  # the citizens' page /report/ (随手拍), served by firegrid itself
    OTHER = "other"


class ComplaintType(StrEnum):
    CONSULTATION = "consultation"  # 咨询
    COMPLAINT = "complaint"  # 投诉
    REPORT = "report"  # 举报
    HELP_REQUEST = "help_request"  # 求助


class ComplaintState(StrEnum):
    RECEIVED = "received"  # 受理: in the triage queue of its area, nobody assigned
    DISPATCHED = "dispatched"  # 派单: assigned to a worker, not yet signed for
    SIGNED = "signed"  # 签收
    VERIFYING = "verifying"  # 核查: the worker has been on site and recorded what they found
    REPLIED = "replied"  # 答复: the answer to the complainant is written
    CLOSED = "closed"  # 办结: staff accepted the answer; the hotline was told
    CALLBACK_DONE = "callback_done"  # 回访: the complainant was asked and is satisfied (final)
    UNSATISFIED = "unsatisfied"  # 回访不满意: waits for staff to reopen it
    REOPENED = "reopened"  # 重办: back with the worker, to sign again

    @property
    def is_open(self) -> bool:
        return self not in (ComplaintState.CLOSED, ComplaintState.CALLBACK_DONE)


class ComplaintAction(StrEnum):
    DISPATCH = "dispatch"  # staff: assign from triage (or to someone else)
    SIGN = "sign"
    RETURN = "return"  # 退单: "not my area"; back to triage, with a reason
    VERIFY = "verify"  # on site: the finding, with photos; a hazard found becomes one
    REPLY = "reply"
    CLOSE = "close"
    CALLBACK_SATISFIED = "callback_satisfied"
    CALLBACK_UNSATISFIED = "callback_unsatisfied"
    REOPEN = "reopen"
    NOT_FIXED = "not_fixed"  # the reporter, from the citizens' page, after closure: 重办
    # 移送: found not fire-related, staff transfer it to another department (referrals/); the
    # complainant's answer says so
    REFER = "refer"


class Finding(StrEnum):
    """What the worker found on site."""

    HAZARD_FOUND = "hazard_found"  # becomes a linked, confirmed hazard
    RECTIFIED_ALREADY = "rectified_already"  # it was true, and fixed by the time of the visit
    NOT_FOUND = "not_found"  # nothing as described
    NOT_FIRE_RELATED = "not_fire_related"  # another department's business
    ANSWERED = "answered"  # a consultation or help request, answered


class Stage(StrEnum):
    """Which deadline runs now: each state waits for one step."""

    SIGN = "sign"  # 签收, from dispatch
    VERIFY = "verify"  # on-site check, from receipt
    REPLY = "reply"  # the answer, from receipt (or the hotline's own deadline)


class Escalation(IntEnum):
    """Who has been told a complaint is overdue, beyond its worker."""

    NONE = 0
    TOWNSHIP = 1
    COUNTY = 2


class ExtensionState(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"


class CallbackDelivery(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"  # retried for the whole window: waits for an admin to replay it


class RewardState(StrEnum):
    ELIGIBLE = "eligible"  # waits for staff
    EXCLUDED = "excluded"  # fire staff or a close relative (the reason says which register)
    APPROVED = "approved"
    REFUSED = "refused"
    PAID = "paid"


class PhotoKind(StrEnum):
    """Who took a complaint's photo, and when."""

    SITE = "site"  # the worker, checking on site
    REPORT = "report"  # the citizen, with the report
    DISPUTE = "dispute"  # the citizen, saying "not fixed" after closure


class CitizenPhotoState(StrEnum):
    """A photo the citizens' page declared with a report: its bytes come by tus, then it is
    processed and kept with the complaint (or refused, with the reason)."""

    PENDING = "pending"
    STORED = "stored"
    REFUSED = "refused"
