from __future__ import annotations

from enum import StrEnum


class PushStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    NO_DEVICE = "no_device"  # nobody to push to: kept as a record, not retried
    DEAD = "dead"  # gave up after retries: visible to admins


class NotificationKind(StrEnum):
    """What an inbox row tells of, as the inbox filters it (`?kind=`)."""

    HAZARD_REPORTED = "hazard_reported"  # a new report in the worker's grid
    HAZARD_STEP = "hazard_step"  # a step of a hazard's lifecycle the person answers for
    HAZARD_ESCALATED = "hazard_escalated"  # overdue, moved up a level
    COMPLAINT_DISPATCHED = "complaint_dispatched"  # a complaint assigned to the person
    COMPLAINT_TRIAGE = "complaint_triage"  # a complaint waiting for the station to dispatch
    COMPLAINT_OVERDUE = "complaint_overdue"  # reminded or escalated by the clock
    COMPLAINT_EXTENSION = "complaint_extension"  # an extension asked for
    COMPLAINT_REOPENED = "complaint_reopened"
    TASK_OVERDUE = "task_overdue"  # a patrol task overdue at the person's level
    CAMPAIGN = "campaign"  # 专项整治 tasks given to the person
    ALARM_FEED = "alarm_feed"  # 物联网报警: a monitored device's alarm in the person's area
    WORK_PROMPT = "work_prompt"  # 工作提示: reading it is the prompt's read receipt
    FIRE_ALERT = "fire_alert"  # 一键报警: a fire in progress near the person (urgent)
    OTHER = "other"


class SubjectType(StrEnum):
    """What a notification is about; `subject_id` is its id."""

    HAZARD = "hazard"
    COMPLAINT = "complaint"
    TASK = "task"
    PROMPT = "prompt"
    CAMPAIGN = "campaign"
    FIRE_ALERT = "fire_alert"


class Provider(StrEnum):
    """The push service a device registered with; each is served by the channel of that name
    (FCM's by the one FIREGRID_PUSH_CHANNEL names)."""

    FCM = "fcm"
    JPUSH = "jpush"
    WEBPUSH = "webpush"
