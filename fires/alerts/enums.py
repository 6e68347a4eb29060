from __future__ import annotations

from enum import StrEnum


class AlertState(StrEnum):
    OPEN = "open"  # 处置中: a fire in progress, recipients alerted
    CLOSED = "closed"  # 已处置: the fire is out, or handed over to the fire brigade (119)
    FALSE_ALARM = "false_alarm"  # 误报


class AlertAction(StrEnum):
    CLOSE = "close"
    MARK_FALSE_ALARM = "mark_false_alarm"


class AlertChannel(StrEnum):
    APP = "app"  # 一键报警 in the phone app
    SMS = "sms"  # a text to the platform's number (上行短信), relayed by the SMS gateway


class RecipientKind(StrEnum):
    WORKER = "worker"  # one of the nearest on-duty grid workers
    LEADER = "leader"  # the grid leader of the alert's grid
    STATION = "station"  # the township station's staff
    MICRO_STATION = "micro_station"  # one of the nearest on-duty micro fire stations


class AckChannel(StrEnum):
    APP = "app"  # the recipient answered in the app
    SMS = "sms"  # replied 1 or 2 by text
    STAFF = "staff"  # station staff entered what the micro station said on the phone


class UplinkOutcome(StrEnum):
    ALERT = "alert"  # became a fire alert
    ACK = "ack"  # a recipient's answer to an open alert
    UNKNOWN_SENDER = "unknown_sender"  # no grid worker (nor recipient) has this phone
    NOT_UNDERSTOOD = "not_understood"  # the text follows no rule of the grammar
    NO_OPEN_ALERT = "no_open_alert"  # 1 or 2, but the sender has no open alert to answer
    NO_LOCATION = "no_location"  # a fire, but no place: no point, grid, position or grid


KIND_NAMES = {
    RecipientKind.WORKER: "网格员",
    RecipientKind.LEADER: "网格长",
    RecipientKind.STATION: "消防工作站",
    RecipientKind.MICRO_STATION: "微型消防站",
}
