"""States and kinds of the patrol domain."""

from enum import IntEnum, StrEnum


class TaskKind(StrEnum):
    PLAN = "plan"  # generated from the frequency rules for a period
    CAMPAIGN = "campaign"  # 专项整治: generated for a campaign's matching premises
    ADHOC = "adhoc"  # made by station staff: a premises or a point, a due time, a note
    ALARM = "alarm"  # 物联网: made by an alarm feed's rule (alarms/rules.py) for a device's event


class TaskState(StrEnum):
    OPEN = "open"
    DONE = "done"  # a visit with a check-out closed it
    CANCELLED = "cancelled"


class TaskStep(StrEnum):
    """What happens to a task. Who may take each step is checked where it is taken: a visit by
    the worker in the field (patrols.visits), a cancellation by whoever plans patrols."""

    VISIT = "visit"  # a visit with a check-out
    CANCEL = "cancel"


class TaskLevel(IntEnum):
    """Who answers for an overdue task, as for hazards: the worker, then the village's grid
    leader, then the township station."""

    WORKER = 0
    GRID_LEADER = 1
    TOWNSHIP = 2


class AnswerResult(StrEnum):
    PASS = "pass"  # noqa: S105 - a checklist answer, not a secret
    FAIL = "fail"  # the item is not met: a hazard is reported, linked to the visit
    NOT_APPLICABLE = "na"


class CheckInFlag(StrEnum):
    """Why a visit's check-in is not valid evidence of being there. The visit is kept."""

    NO_LOCATION = "no_location"
    POOR_ACCURACY = "poor_accuracy"  # the phone's own accuracy is worse than the cap
    OUTSIDE_GEOFENCE = "outside_geofence"
