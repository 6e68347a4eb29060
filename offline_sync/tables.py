"""The tables a device syncs, declared once: the server reads them to build pull and push, and
publishes them (`GET /api/v1/sync/schema`) in WatermelonDB's own schema shape, so the app's
schema is generated from the same definitions.

Times are milliseconds since the epoch (WatermelonDB's convention); coordinates of server
tables are WGS-84; JSON-valued columns are strings.
"""

from __future__ import annotations

from dataclasses import dataclass

from offline_sync.enums import Owner

# Raise when a table or column changes; apps with another version are told to update.
SCHEMA_VERSION = 6  # 2: the patrol tables; 3: complaints; 4: report refusals, outside_own_grids;
# 5: the inbox (notifications, notification_reads); 6: notices_to_serve, notice_signatures


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # WatermelonDB column types: "string", "number", "boolean"
    optional: bool = False
    indexed: bool = False


@dataclass(frozen=True)
class SyncTable:
    name: str
    owner: Owner
    description: str
    columns: tuple[Column, ...]

    def as_watermelon(self) -> dict:
        return {
            "name": self.name,
            "owner": self.owner.value,
            "description": self.description,
            "columns": [
                {
                    "name": c.name,
                    "type": c.type,
                    **({"isOptional": True} if c.optional else {}),
                    **({"isIndexed": True} if c.indexed else {}),
                }
                for c in self.columns
            ],
        }


def _s(name, **kw):
    return Column(name, "string", **kw)


def _n(name, **kw):
    return Column(name, "number", **kw)


def _b(name, **kw):
    return Column(name, "boolean", **kw)


GRIDS = SyncTable(
    "grids",
    Owner.SERVER,
    "the grids the worker patrols (a grid leader: all of the village's)",
    (_s("code", indexed=True), _s("name"), _s("village_code"), _s("geometry")),
)
PREMISES = SyncTable(
    "premises",
    Owner.SERVER,
    "premises in those grids; archived ones arrive as deleted",
    (
        _s("name"),
        _s("premises_type"),
        _s("risk_level"),
        _b("key_unit"),
        _s("address"),
        _n("lng"),
        _n("lat"),
        _s("grid_id", optional=True, indexed=True),
        _s("credit_status"),
        _s("contact_name", optional=True),
        _s("contact_phone", optional=True),  # masked
    ),
)
HAZARDS = SyncTable(
    "hazards",
    Owner.SERVER,
    "hazards in those grids and hazards the user reported, as the server sees them",
    (
        _s("source"),
        _s("category"),
        _s("severity"),
        _s("state", indexed=True),
        _b("is_open"),
        _s("description"),
        _n("lng"),
        _n("lat"),
        _s("premises_id", optional=True, indexed=True),
        _s("grid_id", optional=True, indexed=True),
        _n("level"),
        _n("level_due_at", optional=True),
        _n("rectification_deadline", optional=True),
        _n("reported_at"),
        _n("version"),
        _s("next_actions"),  # JSON list of the steps possible now
        _s("possible_duplicate_of", optional=True),
        _s("missing_photos"),  # JSON list of declared photo ids whose bytes are not in yet
        _b("outside_own_grids"),  # a field worker reported it outside their own grids
    ),
)
HAZARD_REPORTS = SyncTable(
    "hazard_reports",
    Owner.DEVICE,
    "hazards as the user reported them; the id becomes the hazard's id",
    (
        _s("category"),
        _s("severity"),
        _s("source"),
        _s("description"),
        _n("lng"),
        _n("lat"),
        _s("crs"),
        _s("premises_id", optional=True),
        _n("device_time", optional=True),
        _s("reason", optional=True),  # server-filled: why your last change was not applied
    ),
)
ACTIONS = SyncTable(
    "actions",
    Owner.DEVICE,
    "lifecycle steps asked for on the device; the server fills status and reason",
    (
        _s("hazard_id", indexed=True),
        _s("action"),
        _s("note", optional=True),
        _n("deadline_working_days", optional=True),
        _s("duplicate_of", optional=True),
        _n("version", optional=True),
        _n("acted_at", optional=True),  # on the phone (created_at is WatermelonDB's own)
        _s("status", optional=True),  # server: applied | awaiting_approval | refused
        _s("reason", optional=True),  # server: why it was refused
    ),
)

PHOTOS = SyncTable(
    "photos",
    Owner.DEVICE,
    "photos declared for a hazard (or a complaint checked on site); their bytes go through "
    "the tus upload, keyed by this id",
    (
        _s("hazard_id", optional=True, indexed=True),
        _s("complaint_id", optional=True, indexed=True),
        _s("kind"),  # before | after
        _s("sha256"),
        _n("size"),
        _n("taken_at", optional=True),
        _s("state", optional=True),  # server: pending | stored | refused
        _s("reason", optional=True),  # server: why it was refused
    ),
)

CHECKLISTS = SyncTable(
    "checklists",
    Owner.SERVER,
    "the current checklist versions, and the versions the user's tasks carry",
    (
        _s("code", indexed=True),
        _n("version"),
        _s("title"),
        _s("premises_type", optional=True),
        _s("items"),  # JSON [{"key", "text", "hazard_category"}]
        _b("active"),
    ),
)
PATROL_TASKS = SyncTable(
    "patrol_tasks",
    Owner.SERVER,
    "the patrol tasks assigned to the user; one taken away arrives as deleted",
    (
        _s("kind"),
        _s("premises_id", optional=True, indexed=True),
        _n("lng"),
        _n("lat"),
        _s("grid_id", optional=True),
        _s("checklist_id"),
        _s("note"),
        _n("due_at"),
        _s("state", indexed=True),
        _n("done_at", optional=True),
        _n("level"),
        _n("version"),
    ),
)
VISITS = SyncTable(
    "visits",
    Owner.DEVICE,
    "a visit to a premises: check-in where the phone was, check-out; the server judges the check-in",
    (
        _s("task_id", optional=True, indexed=True),
        _s("premises_id", optional=True),
        _n("checked_in_at"),
        _n("lng", optional=True),
        _n("lat", optional=True),
        _s("crs", optional=True),
        _n("accuracy_m", optional=True),
        _n("checked_out_at", optional=True),
        _b("check_in_valid", optional=True),  # server
        _s("check_in_flag", optional=True),  # server: why it does not prove presence
        _n("distance_m", optional=True),  # server: from the premises
    ),
)
VISIT_ANSWERS = SyncTable(
    "visit_answers",
    Owner.DEVICE,
    "checklist answers of a visit; a failed item's id becomes the id of the hazard it reports",
    (
        _s("visit_id", indexed=True),
        _s("item_key"),
        _s("result"),  # pass | fail | na
        _s("note", optional=True),
        _n("answered_at", optional=True),
        _s("hazard_id", optional=True),  # server: the hazard a failed item reported
    ),
)
TRACK_POINTS = SyncTable(
    "track_points",
    Owner.DEVICE,
    "where the phone was while patrolling; pushed in batches, not pulled back",
    (
        _s("visit_id", optional=True),
        _n("recorded_at"),
        _n("lng"),
        _n("lat"),
        _s("crs", optional=True),
        _n("accuracy_m", optional=True),
    ),
)

WORK_PROMPTS = SyncTable(
    "work_prompts",
    Owner.SERVER,
    "工作提示 from the dispatch centre for the user's area; reading is acknowledged online",
    (_s("title"), _s("body"), _n("sent_at")),
)

COMPLAINTS = SyncTable(
    "complaints",
    Owner.SERVER,
    "96119 / 12345 complaints assigned to the user; one taken away (returned, dispatched to "
    "someone else) arrives as deleted. The caller's phone is masked.",
    (
        _s("channel"),
        _s("type"),
        _s("text"),
        _s("address"),
        _s("category", optional=True),
        _b("urgent"),
        _n("lng", optional=True),
        _n("lat", optional=True),
        _s("caller_phone", optional=True),
        _n("received_at"),
        _s("state", indexed=True),
        _s("stage", optional=True),
        _n("due_at", optional=True),
        _n("sign_due_at", optional=True),
        _n("verify_due_at"),
        _n("reply_due_at"),
        _s("finding", optional=True),
        _s("reply", optional=True),
        _s("hazard_id", optional=True),
        _n("version"),
        _s("next_actions"),  # JSON list of the steps possible now
    ),
)
COMPLAINT_ACTIONS = SyncTable(
    "complaint_actions",
    Owner.DEVICE,
    "complaint steps taken on the device (sign, return, verify, reply, request_extension); "
    "the server fills status and reason",
    (
        _s("complaint_id", indexed=True),
        _s("action"),
        _s("note", optional=True),
        _s("finding", optional=True),  # verify
        _s("reply", optional=True),  # reply
        _s("hazard_id", optional=True),  # verify with a hazard found: the new hazard's id
        _s("hazard_category", optional=True),
        _s("premises_id", optional=True),
        _n("lng", optional=True),
        _n("lat", optional=True),
        _s("crs", optional=True),
        _n("working_days", optional=True),  # request_extension
        _n("version", optional=True),
        _n("acted_at", optional=True),
        _s("status", optional=True),  # server: applied | refused
        _s("reason", optional=True),  # server: why it was refused
    ),
)

NOTIFICATIONS = SyncTable(
    "notifications",
    Owner.SERVER,
    "the user's inbox: every message addressed to them (a first sync: the unread ones and "
    "those of the last 30 days); read_at is their first reading on any device",
    (
        _s("kind", indexed=True),
        _s("title"),
        _s("body"),
        _s("subject_type", optional=True),  # hazard | complaint | task | prompt | campaign
        _s("subject_id", optional=True, indexed=True),
        _b("urgent"),
        _n("created_at"),
        _n("read_at", optional=True),
    ),
)
NOTIFICATION_READS = SyncTable(
    "notification_reads",
    Owner.DEVICE,
    "read marks made on the device; the server marks the notification read (the first reading "
    "counts) and the notification comes back with read_at; not pulled back",
    (
        _s("notification_id", indexed=True),
        _n("read_at", optional=True),  # on the phone
    ),
)

NOTICES_TO_SERVE = SyncTable(
    "notices_to_serve",
    Owner.SERVER,
    "notices 执法文书 issued in the user's grids and not served yet; one served (on site, on "
    "paper, by SMS link) arrives as deleted. The PDF: GET pdf_url, checked against pdf_sha256",
    (
        _s("kind"),  # rectification_order | recheck_result | inspection_result
        _s("title"),  # the kind as printed: 责令限期改正通知书, ...
        _s("number", indexed=True),  # 消限字〔2026〕第0007号
        _s("state"),  # issued | sent (texted by SMS link, receipt not confirmed)
        _s("unit_name"),  # the unit (premises) as printed
        _s("unit_address"),
        _s("premises_id", optional=True, indexed=True),
        _s("hazard_id", optional=True, indexed=True),
        _n("period_days", optional=True),  # N of 自送达之日起N日内改正
        _b("period_working"),  # N working days
        _n("issued_at"),
        _s("pdf_sha256"),
        _n("pdf_size"),
        _s("pdf_url"),  # an authenticated GET, as every API call
        _s("file_name"),
    ),
)
NOTICE_SIGNATURES = SyncTable(
    "notice_signatures",
    Owner.DEVICE,
    "signatures taken on the device to serve a notice on site; the PNG goes through the tus "
    "upload keyed by this id (as a photo's); the server fills state and reason",
    (
        _s("notice_id", indexed=True),
        _s("signer_name"),
        _s("signer_role"),  # responsible (责任人) | manager (管理人) | other
        _n("signed_at"),  # on the phone: the service dates from it
        _s("sha256"),  # of the PNG
        _n("size"),
        _s("state", optional=True),  # server: pending | served | conflict | refused
        _s("reason", optional=True),  # server: why it was not applied
    ),
)

TABLES: dict[str, SyncTable] = {
    t.name: t
    for t in (
        GRIDS,
        PREMISES,
        HAZARDS,
        HAZARD_REPORTS,
        ACTIONS,
        PHOTOS,
        CHECKLISTS,
        PATROL_TASKS,
        VISITS,
        VISIT_ANSWERS,
        TRACK_POINTS,
        WORK_PROMPTS,
        COMPLAINTS,
        COMPLAINT_ACTIONS,
        NOTIFICATIONS,
        NOTIFICATION_READS,
        NOTICES_TO_SERVE,
        NOTICE_SIGNATURES,
    )
}


def schema_document() -> dict:
    return {
        "version": SCHEMA_VERSION,
        "tables": [t.as_watermelon() for t in TABLES.values()],
    }
