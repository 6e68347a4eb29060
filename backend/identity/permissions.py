"""What each role may do, named once.

Routers gate with `require(Permission.X)` (backend.identity.dependencies) and services check
with `may(principal.role, Permission.X)` or `demand(...)`: both read the same table, so a rule
such as "who may plan patrols" is one row here, not a tuple copied into each file that needs it.

A permission says *whether* a role may do a thing at all. *Where* it may do it (its area) is
`grids.scope`; *which* step of a lifecycle it may take is the lifecycle table's `roles` column,
which names its role sets from here too.
"""

from __future__ import annotations

from enum import StrEnum

from backend.core.errors import Forbidden
from backend.identity.enums import Role

W, L, S, B, D, A, I = (  # noqa: E741 (one letter each, so that the table reads as a grid)
    Role.GRID_WORKER,
    Role.GRID_LEADER,
    Role.STATION_STAFF,
    Role.BRIGADE_STAFF,
    Role.DISPATCHER,
    Role.ADMIN,
    Role.INTEGRATION,
)


class Permission(StrEnum):
    # The area tree, people and teams.
    EDIT_AREAS = "edit_areas"  # draw and import grids, move boundaries
    MANAGE_USERS = "manage_users"  # create, place and retire the people below one's level
    SEE_PEOPLE = "see_people"  # list the people of one's area: names, roles, masked phones
    MANAGE_TEAMS = "manage_teams"  # who patrols a grid, who stands in
    ADMINISTER = "administer"  # the operator's settings: calendar, partners' keys, dead letters
    USE_CONSOLE = "use_console"  # the station and brigade web console (workers have the phone app)
    # Premises.
    REGISTER_PREMISES = "register_premises"  # add a premises met in the field
    EDIT_PREMISES = "edit_premises"  # change or import the registry
    # Units 单位 and their responsible persons (grids.units).
    READ_UNITS = "read_units"  # units of one's area, or of premises in one's grids
    MANAGE_UNITS = "manage_units"  # register units, link premises, set and replace persons
    ADD_UNIT_PERSONS = "add_unit_persons"  # add a 责任人/管理人 on site and submit their code
    # Measures against a unit 提醒/约谈/告诫/曝光 (measures).
    READ_MEASURES = "read_measures"  # the measures against units one sees, their signed records
    RECORD_MEASURES = "record_measures"  # record one (certified; 双人执法), withdraw an exposure
    # 告知承诺 commitments of public gathering places (grids.commitments).
    READ_COMMITMENTS = "read_commitments"  # the commitments of premises one sees, their files
    RECORD_COMMITMENTS = "record_commitments"  # record, upload files, the check's finding, withdraw
    # The register of fire incidents 火灾事故 (fires.incidents).
    READ_FIRE_INCIDENTS = "read_fire_incidents"  # the incidents of one's area, the register's xlsx
    RECORD_FIRE_INCIDENTS = "record_fire_incidents"  # record, edit, confirm, publish, withdraw
    # Field work from a phone.
    WORK_IN_THE_FIELD = "work_in_the_field"  # sync a device, patrol, handle one's own complaints
    TAKE_HAZARD_STEPS = "take_hazard_steps"  # confirm, rectify on the spot, verify, ...
    # Grant or refuse a unit's request for more time to rectify (moves the hazard's deadline).
    DECIDE_HAZARD_EXTENSIONS = "decide_hazard_extensions"
    TAKE_SITE_PHOTOS = "take_site_photos"  # photos taken on site for a complaint
    SEE_ORIGINAL_PHOTOS = "see_original_photos"  # a hazard's photos as taken, with EXIF (GPS)
    # Enforcement: steps only certified officers take (双人执法, collective determination).
    ENFORCE = "enforce"
    LIST_FOR_SUPERVISION = "list_for_supervision"  # report to and list with the government
    # Complaints from the hotlines.
    SEE_AREA_COMPLAINTS = "see_area_complaints"  # every complaint in one's area, not only one's own
    MANAGE_COMPLAINTS = "manage_complaints"  # dispatch, close, reopen, grant extensions
    SEE_CALLERS = "see_callers"  # a caller's name and phone in clear (audited), to call back
    RECORD_CALLBACKS = "record_callbacks"  # the 回访 outcome: the hotline itself, or staff
    READ_REWARDS = "read_rewards"  # rewards for citizens' reports (举报奖励) and their state
    DECIDE_REWARDS = "decide_rewards"  # approve or refuse a reward, record its payment
    KEEP_REWARD_EXCLUSIONS = "keep_reward_exclusions"  # phones of fire staff and their relatives
    # Referrals 抄告/移送 to other departments (referrals/).
    READ_REFERRALS = "read_referrals"  # the referrals of one's area and their replies
    MAKE_REFERRALS = "make_referrals"  # refer, enter a paper reply, close
    ANSWER_REFERRALS = "answer_referrals"  # a department's partner account posts its reply
    # Alarm feeds 物联网 (alarms/).
    READ_ALARM_FEEDS = "read_alarm_feeds"  # the devices of one's area and each one's events
    MANAGE_ALARM_DEVICES = "manage_alarm_devices"  # register, move and retire devices
    SEND_ALARM_EVENTS = "send_alarm_events"  # a monitoring platform posts its events, signed
    # Credit.
    READ_CREDIT = "read_credit"
    # Patrols.
    PLAN_PATROLS = "plan_patrols"  # generate a period's tasks, create, reassign, cancel tasks
    FOLLOW_PATROLS = "follow_patrols"  # progress, overdue tasks, assessment
    PUBLISH_CHECKLISTS = "publish_checklists"
    RUN_CAMPAIGNS = "run_campaigns"  # special campaigns and work prompts
    ORGANISE_INSPECTIONS = "organise_inspections"  # random inspections (双随机): lists, draws
    READ_INSPECTIONS = "read_inspections"
    # The explainable risk score (risk/): scores, contributions, the risk map, 隐患清单.
    READ_RISK = "read_risk"
    # Reports.
    READ_BULLETINS = "read_bulletins"  # the monthly bulletins 简报 of one's area; make one now
    # Notices 执法文书.
    READ_NOTICES = "read_notices"  # a notice of one's area: its number, hash, service, PDF
    SERVE_NOTICES = "serve_notices"  # record a notice served (送达): on paper or signed on site
    # Fires (fires/): micro fire stations 微型消防站 and 一键报警.
    READ_MICRO_STATIONS = "read_micro_stations"  # the register of one's area, phones masked
    MANAGE_MICRO_STATIONS = "manage_micro_stations"  # register, change, remove; phones in clear
    RAISE_FIRE_ALERTS = "raise_fire_alerts"  # 一键报警 from the phone; keep one's last position
    READ_FIRE_ALERTS = "read_fire_alerts"  # the alerts of one's area with their recipients
    MANAGE_FIRE_ALERTS = "manage_fire_alerts"  # close an alert, mark a micro station's answer
    RELAY_SMS = "relay_sms"  # the SMS gateway's partner account posts uplink texts (上行短信)


GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.EDIT_AREAS: frozenset({S, B, A}),
    Permission.MANAGE_USERS: frozenset({S, B, A}),
    Permission.SEE_PEOPLE: frozenset({S, B, A}),
    Permission.MANAGE_TEAMS: frozenset({L, S, B, A}),
    Permission.ADMINISTER: frozenset({A}),
    Permission.USE_CONSOLE: frozenset({L, S, B, D, A}),
    Permission.REGISTER_PREMISES: frozenset({W, L, S, B, A}),
    Permission.EDIT_PREMISES: frozenset({S, B, A}),
    Permission.READ_UNITS: frozenset({W, L, S, B, A}),
    Permission.MANAGE_UNITS: frozenset({S, B, A}),
    Permission.ADD_UNIT_PERSONS: frozenset({W, S, B, A}),
    Permission.READ_MEASURES: frozenset({L, S, B, A}),
    Permission.RECORD_MEASURES: frozenset({S, B}),
    Permission.READ_COMMITMENTS: frozenset({L, S, B, A}),
    Permission.RECORD_COMMITMENTS: frozenset({S, B}),
    Permission.READ_FIRE_INCIDENTS: frozenset({L, S, B, D, A}),
    Permission.RECORD_FIRE_INCIDENTS: frozenset({S, B}),
    Permission.WORK_IN_THE_FIELD: frozenset({W, L}),
    Permission.TAKE_HAZARD_STEPS: frozenset({W, L, S, B}),
    Permission.DECIDE_HAZARD_EXTENSIONS: frozenset({S, B}),
    Permission.TAKE_SITE_PHOTOS: frozenset({W, L, S, B}),
    Permission.SEE_ORIGINAL_PHOTOS: frozenset({W, L, S, B, D, A}),
    Permission.ENFORCE: frozenset({S, B}),
    Permission.LIST_FOR_SUPERVISION: frozenset({B}),
    Permission.SEE_AREA_COMPLAINTS: frozenset({S, B, D, A}),
    Permission.MANAGE_COMPLAINTS: frozenset({S, B, A}),
    Permission.SEE_CALLERS: frozenset({S, B}),
    Permission.RECORD_CALLBACKS: frozenset({S, B, A, I}),
    Permission.READ_REWARDS: frozenset({S, B, A}),
    Permission.DECIDE_REWARDS: frozenset({S, B}),
    Permission.KEEP_REWARD_EXCLUSIONS: frozenset({B, A}),
    Permission.READ_REFERRALS: frozenset({S, B, D, A}),
    Permission.MAKE_REFERRALS: frozenset({S, B}),
    Permission.ANSWER_REFERRALS: frozenset({I}),
    Permission.READ_ALARM_FEEDS: frozenset({L, S, B, D, A}),
    Permission.MANAGE_ALARM_DEVICES: frozenset({S, B, A}),
    Permission.SEND_ALARM_EVENTS: frozenset({I}),
    Permission.READ_CREDIT: frozenset({W, L, S, B, A}),
    Permission.PLAN_PATROLS: frozenset({S, B, D, A}),
    Permission.FOLLOW_PATROLS: frozenset({L, S, B, D, A}),
    Permission.PUBLISH_CHECKLISTS: frozenset({B, D, A}),
    Permission.RUN_CAMPAIGNS: frozenset({D, S, B, A}),
    Permission.ORGANISE_INSPECTIONS: frozenset({B, A}),
    Permission.READ_INSPECTIONS: frozenset({S, B, D, A}),
    Permission.READ_RISK: frozenset({L, S, B, D, A}),
    Permission.READ_BULLETINS: frozenset({S, B, D, A}),
    Permission.READ_NOTICES: frozenset({W, L, S, B, A}),
    Permission.SERVE_NOTICES: frozenset({W, L, S, B}),
    Permission.READ_MICRO_STATIONS: frozenset({W, L, S, B, D, A}),
    Permission.MANAGE_MICRO_STATIONS: frozenset({S, B, A}),
    Permission.RAISE_FIRE_ALERTS: frozenset({W, L}),
    Permission.READ_FIRE_ALERTS: frozenset({L, S, B, D, A}),
    Permission.MANAGE_FIRE_ALERTS: frozenset({S, B, D, A}),
    Permission.RELAY_SMS: frozenset({I}),
}


def roles_with(permission: Permission) -> frozenset[Role]:
    return GRANTS[permission]


def permissions_of(role: Role) -> list[Permission]:
    """Everything the role may do, in the table's order (the console builds its menu from it)."""
    return [permission for permission, roles in GRANTS.items() if role in roles]


def may(role: Role, permission: Permission) -> bool:
    return role in GRANTS[permission]


def demand(role: Role, permission: Permission, doing: str | None = None) -> None:
    """Refuse with 403 unless the role has the permission."""
    if role not in GRANTS[permission]:
        raise Forbidden(f"a {role} may not {doing or permission.value.replace('_', ' ')}")
