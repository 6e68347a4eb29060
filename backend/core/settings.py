"""Settings, read from `FIREGRID_*` environment variables (and a `.env` file if present).

Every setting is documented in `.env.example`.
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import secrets
import time
from collections import Counter
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIN_SECRET_LENGTH = 32
# Values people paste from examples; refused in production whatever their length.
KNOWN_WEAK_SECRETS = {"change-me", "changeme", "secret", "dev", "development", "test"}


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class ReferralDepartment(BaseModel):
    """A department hazards and complaints are referred to (抄告/移送), and the partner account
    (an integration client, docs/integration-auth.md) that answers for it, if any."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{1,31}$")
    name: str = Field(min_length=1, max_length=50)
    partner: str | None = Field(default=None, max_length=64)


DEFAULT_REFERRAL_DEPARTMENTS = (
    "market:市场监管,housing:住建,police:公安,urban:城管,emergency:应急管理"
)


def _departments(value: object) -> object:
    """`key:名称[@partner]` items, comma-separated, or a JSON list of {key, name, partner}."""
    if value is None or (isinstance(value, str) and not value.strip()):
        value = DEFAULT_REFERRAL_DEPARTMENTS
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        items = []
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            key, colon, rest = part.partition(":")
            if not colon:
                raise ValueError(f"write each department as key:名称, not {part}")
            name, at, partner = rest.partition("@")
            items.append({"key": key.strip(), "name": name.strip(), "partner": partner or None})
        return items
    return value


class ConfigurationError(RuntimeError):
    """The service must not start with this configuration."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FIREGRID_", env_file=".env", extra="ignore")

    env: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path("var")
    database_url: str | None = None
    # The built station/brigade console served at /console/ (scripts/build-console.sh);
    # unset: console/dist next to the code.
    console_dir: Path | None = None
    # The built citizens' page served at /report/ (scripts/build-console.sh builds it too);
    # unset: console/dist-report next to the code.
    report_page_dir: Path | None = None
    # The built units' page served at /unit/ (the same script builds it); unset:
    # console/dist-unit next to the code.
    unit_page_dir: Path | None = None
    # The console map's basemap (docs/console.md): none by default (boundaries on a plain
    # background). A tile URL template with {z} {x} {y} (and {key}, {a-c} or {0-7} for
    # subdomains), the CRS of its tiles (AMap and Tencent: gcj02; Tianditu 天地图: wgs84), its
    # key and the attribution shown on the map. The console's CSP allows this host and only it.
    basemap_url: str | None = None
    basemap_crs: Literal["gcj02", "wgs84"] = "wgs84"
    basemap_key: str | None = None
    basemap_attribution: str | None = None
    secret_key: str | None = None

    # Tokens
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    # A refresh token presented again within this many seconds of its first use gets the same
    # answer (a phone retrying a refresh whose answer it lost); later, a reuse revokes the
    # sign-in. 0 = every reuse revokes (decision 0020).
    refresh_reuse_grace_seconds: int = Field(default=60, ge=0, le=600)
    # An API process trusts the account and session behind an access token it has checked for
    # this many seconds before reading them again: a sign-out, a deactivation or a new role
    # made in another process reaches it at most this late (in the same process at once).
    # 0 = read on every request (decision 0038).
    principal_cache_seconds: float = Field(default=5, ge=0, le=60)

    # Login throttling: after `login_slowdown_after` failures each further failure doubles the
    # wait before the next try; at `login_lockout_after` failures the account is locked.
    login_slowdown_after: int = Field(default=3, ge=1)
    login_lockout_after: int = Field(default=10, ge=2)
    login_lockout_minutes: int = Field(default=15, ge=1)
    # Failed sign-ins from one client address, over any usernames, before that address is
    # refused for the rest of the window (a `limits` string: "20/15 minutes;100/day").
    login_address_limit: str = "20/15 minutes;100/day"
    # Sign-in's argon2 checks run on this many threads of their own (0 = one per core); when
    # more than `password_hashing_waiting_per_thread` per thread wait, a sign-in is answered
    # 503 with Retry-After at once instead of queueing (decision 0043).
    password_hashing_threads: int = Field(default=0, ge=0, le=64)
    password_hashing_waiting_per_thread: int = Field(default=4, ge=0, le=1000)

    # Rate limits (the `limits` package; decision 0020). Where the counts live: memory://
    # (each API process counts on its own) or a shared store such as redis://host:6379/0.
    rate_limit_storage: str = "memory://"
    # Open311 reports (POST requests.json|xml) per api_key, and per client address.
    open311_limit_per_key: str = "120/minute;5000/day"
    open311_limit_per_address: str = "10/minute;100/day"
    # Photos one Open311 report may carry in `media` (each at most photo_max_bytes).
    open311_max_photos: int = Field(default=4, ge=0, le=20)
    # Browser origins allowed to call /open311/ (comma-separated, e.g. a web app's
    # "https://suishoupai.example.cn"); none by default. /open311/ does not use cors_origins.
    open311_cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # An Open311 Idempotency-Key is remembered this many hours (a retry within it is answered
    # with the first report, not taken again).
    open311_idempotency_hours: int = Field(default=24, ge=1, le=24 * 30)

    # The citizens' page /report/ (docs/citizens.md): the code of the area it serves (unset:
    # the page is closed), the challenge's difficulty in bits (0: none asked), photos a report
    # may carry, the days after closure a reporter may say "not fixed", the hours an upload
    # token lasts, and the reports allowed per client address and per phone number.
    # citizen_public_map: the page also shows 附近的举报, a map of the published reports (the
    # same data as Open311's GET; docs/citizens.md).
    citizen_area: str | None = None
    citizen_challenge_bits: int = Field(default=16, ge=0, le=26)
    citizen_photos_max: int = Field(default=4, ge=0, le=9)
    citizen_dispute_days: int = Field(default=7, ge=0, le=90)
    citizen_upload_hours: int = Field(default=24, ge=1, le=24 * 7)
    citizen_limit_per_address: str = "5/minute;30/day"
    citizen_limit_per_phone: str = "3/hour;10/day"
    citizen_public_map: bool = False

    # The proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or
    # networks, comma-separated, e.g. "127.0.0.1" for nginx on the same machine). Empty: no
    # proxy headers are read; the client address is the connection's.
    forwarded_allow_ips: str = ""

    # Integration clients (hotline systems) signing requests with HMAC.
    hmac_clock_skew_seconds: int = Field(default=300, ge=10, le=3600)

    # HTTP
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # A sheet of premises (POST /api/v1/premises/import): 20,000 lines of CSV or xlsx fit.
    # The same limit holds for a roll of people (POST /api/v1/users/import).
    import_max_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    # Lines of a roll of people (POST /api/v1/users/import): each new account's password is
    # hashed (argon2, ~50 ms of a core), so 500 lines is about half a minute of one core.
    people_import_max_rows: int = Field(default=500, ge=1, le=20_000)
    cors_origins: list[str] = Field(default_factory=list)

    # SQLite busy timeout (ms): how long a writer waits for the write lock.
    sqlite_busy_timeout_ms: int = Field(default=15_000, ge=0)
    db_pool_size: int = Field(default=16, ge=1, le=500)
    # A PostgreSQL hot standby of the primary for replica-safe reads (maps, lists, exports,
    # bulletins, public pages; docs/operations.md#read-replicas, decision 0042). Unset: every
    # read on the primary. Refused at start when either database is SQLite.
    database_replica_url: str | None = None
    # The standby answers those reads only while it has replayed everything the primary had
    # written this many seconds ago; further behind, or away, they go to the primary.
    replica_max_lag_seconds: float = Field(default=10.0, gt=0, le=3600)

    log_level: str = "INFO"
    log_json: bool = True

    worker_interval_seconds: float = Field(default=30.0, gt=0)
    # The worker's own Prometheus port and address (its passes per job); 0: not served
    # (docs/operations.md#metrics).
    worker_metrics_port: int = Field(default=0, ge=0, le=65535)
    worker_metrics_address: str = "127.0.0.1"

    # GET /metrics (docs/operations.md#metrics): served when on, to clients in these networks
    # (comma-separated CIDRs, the address as proxy_options reads it) or with this bearer token.
    metrics: bool = True
    metrics_allow: Annotated[list[str], NoDecode] = ["127.0.0.1/32", "::1/128"]
    metrics_token: SecretStr | None = None
    # Seconds a scrape's database figures are reused: a storm of scrapes reads the database once.
    metrics_cache_seconds: float = Field(default=5.0, ge=0, le=300)
    # OpenTelemetry traces of requests (FastAPI's own spans: the request, its dependencies, the
    # endpoint, serialisation), sent over OTLP/HTTP to the collector the standard OTEL_* variables
    # name (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER...). Off: no
    # telemetry work at all in a request (docs/operations.md#traces, decision 0044).
    tracing: bool = False

    # Hazards (defaults and their sources: docs/hazards.md). Working days, Asia/Shanghai.
    # Overdue at level grid, village, township, county after this many working days: up one.
    escalation_working_days: list[int] = Field(default_factory=lambda: [3, 3, 5, 7])
    recheck_working_days: int = Field(default=3, ge=1)  # 复查 after the unit submits
    major_determination_working_days: int = Field(default=7, ge=1)  # collective opinion
    major_notice_working_days: int = Field(default=3, ge=1)  # then the notice
    calendar_overrides: Path | None = None  # JSON {"holidays": [...], "workdays": [...]}
    # A new hazard this close to an open one of the same category, reported within the window,
    # is flagged as a possible duplicate.
    duplicate_radius_m: float = Field(default=50.0, ge=0, le=1000)
    duplicate_window_days: int = Field(default=30, ge=1, le=365)
    # Photos: size and pixel caps; evidence flags for a photo far from the report or old.
    photo_max_bytes: int = Field(default=15 * 1024 * 1024, ge=1024)
    photo_max_pixels: int = Field(default=50_000_000, ge=1_000_000)
    photo_far_m: float = Field(default=200.0, gt=0)
    photo_stale_hours: float = Field(default=24.0, gt=0)
    # Where photos are kept, by the name of a store in backend/core/media.py: "local" (files
    # under data_dir/media) or "s3" (a bucket of an S3-compatible object store, below). An
    # unknown name is refused at start.
    photo_store: str = "local"
    # The S3-compatible store (docs/operations.md, Object storage): its endpoint (unset = AWS),
    # the bucket, the region, the key pair (kept out of the repository), a prefix for every
    # key (e.g. "firegrid/"), and the endpoint browsers reach for signed URLs when it differs.
    s3_endpoint: str | None = None
    s3_public_endpoint: str | None = None
    s3_bucket: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key: str | None = None
    s3_secret_key: SecretStr | None = None
    s3_prefix: str = ""
    # How a store that is not a local folder serves public copies and thumbnails: "stream"
    # (through the service) or "redirect" (307 to a signed URL valid this many seconds).
    # Originals and bulletins are always streamed, after the checks that guard them.
    media_serve: Literal["stream", "redirect"] = "stream"
    s3_url_seconds: int = Field(default=300, ge=10, le=7 * 24 * 3600)
    # Monthly bulletins (docs/bulletins.md): the TrueType font (.ttf/.ttc) their PDF and charts
    # are written in; unset, Debian's fonts-wqy-zenhei (installed by scripts/bootstrap.sh).
    bulletin_font: Path | None = None
    # How many bulletins the worker makes in one pass after a month ends (each takes about a
    # second): the other jobs wait no longer than that.
    bulletins_per_pass: int = Field(default=4, ge=1, le=100)

    # Notices 执法文书 (docs/notices.md): the issuing body printed in each notice's header, the
    # prefix of its number (穗消 gives 穗消限字〔2026〕第0007号), the seal drawn over the
    # signature line (a PNG; unset = no seal), the legal basis printed per kind (a JSON object
    # from kind to text; a kind left out keeps the default of notices/templates.py), and a JSON
    # file of template texts per kind overriding the defaults (title, paragraphs).
    notice_issuer: str = Field(default="消防救援大队", min_length=1, max_length=60)
    notice_number_prefix: str = Field(default="消", min_length=1, max_length=16)
    notice_seal_image: Path | None = None
    notice_legal_basis: dict[str, str] = Field(default_factory=dict)
    notice_templates: Path | None = None
    # Serving a notice by SMS link (docs/unit-page.md): the address the unit's page is reached
    # at from a phone, as texted (e.g. "https://firegrid.example.cn"; the link is
    # <base>/unit/#ulk_…; unset = no link can be texted), how many days a link stays good,
    # and the unit-link API's limits per link and per client address.
    public_base_url: str | None = None
    unit_link_days: int = Field(default=30, ge=1, le=365)
    unit_link_limit_per_token: str = "30/minute;500/day"  # noqa: S105 - a rate, not a secret
    unit_link_limit_per_address: str = "60/minute;1000/day"

    # Credit: a JSON rule set (blacklist, watch, red list, repair); unset = the defaults in
    # hazards/credit/rules.py, documented in docs/credit.md.
    credit_rules: Path | None = None

    # Push: the channel, by the name it is registered under in backend.notify.channels ("fcm";
    # an unknown name is refused at start), and its credentials.
    push_channel: str = Field(default="fcm", min_length=1, max_length=16)
    # FCM: a Firebase service-account JSON file (kept out of the repository); unset = push off.
    fcm_credentials_file: Path | None = None
    push_max_attempts: int = Field(default=8, ge=1, le=50)
    # Longest one channel's pass spends sending; each channel has its own (docs/notifications.md).
    push_pass_seconds: float = Field(default=20.0, ge=0)
    push_timeout_seconds: float = Field(default=10.0, gt=0, le=120)  # one call to a provider
    # JPush (极光): the app's AppKey and Master Secret; unset = JPush off (its messages wait).
    jpush_app_key: str | None = None
    jpush_master_secret: SecretStr | None = None
    jpush_base_url: str = "https://api.jpush.cn/v3/"
    # Web Push (VAPID): the server's P-256 private key (base64url of its 32 raw bytes, or of
    # its DER) and the contact it signs as (mailto: or https:); unset = Web Push off.
    vapid_private_key: SecretStr | None = None
    vapid_subject: str | None = None
    # Texts: the SMS channel by its name in backend.notify.sms ("aliyun").
    sms_channel: str = Field(default="aliyun", min_length=1, max_length=16)
    # SMS through Aliyun (阿里云短信): an AccessKey pair, the approved signature (签名) and the
    # template codes by purpose ({"escalation": "SMS_123"}); unset = SMS off.
    sms_access_key_id: str | None = None
    sms_access_key_secret: SecretStr | None = None
    sms_sign_name: str | None = None
    sms_template_codes: dict[str, str] = Field(default_factory=dict)
    sms_base_url: str = "https://dysmsapi.aliyuncs.com"
    # Escalation by channel (backend/notify/policy.py, docs/notifications.md): per kind of
    # message (and role), the push services used at once, a text after N minutes unread, quiet
    # and working hours, as one JSON object; unset = the defaults. Checked at start.
    notify_policy: str | None = None

    # Resumable photo uploads (tus): an upload not finished within this many hours expires
    # and its bytes are removed by the worker.
    upload_expiry_hours: float = Field(default=24.0, gt=0, le=24 * 30)
    # How many unfinished uploads one user may hold at a time (each may reserve up to
    # photo_max_bytes of disk until it expires): a phone queues the rest.
    upload_max_unfinished: int = Field(default=20, ge=1, le=1000)

    # Offline sync: how long this process may answer "nothing new" to a polling phone from
    # memory (offline_sync/quiet.py); its own writes are seen at once. 0 = always ask.
    sync_quiet_seconds: float = Field(default=1.0, ge=0, le=60)

    # Patrols (defaults and their sources: docs/patrols.md). Frequencies: a JSON rule list,
    # unset = the defaults in patrols/rules.py. A check-in proves presence within the radius
    # around the premises, widened by the phone's reported accuracy, never beyond the cap.
    patrol_frequencies: Path | None = None
    geofence_radius_m: float = Field(default=100.0, gt=0, le=1000)
    geofence_cap_m: float = Field(default=300.0, gt=0, le=5000)
    # An overdue task goes to the grid leader at its due time, to the township this many
    # working days later.
    task_escalation_working_days: int = Field(default=2, ge=1, le=30)
    # The day of the month (Beijing time) from which the worker makes next month's plan for
    # every township that has none; 0 = stations make their plans by hand (decision 0035).
    patrol_plan_day: int = Field(default=0, ge=0, le=28)

    # Random inspections: a unit is drawn at most this many times a calendar year (Chongqing's
    # 双随机 rules: twice).
    inspection_max_per_year: int = Field(default=2, ge=1, le=12)
    # The share of venues open on a 告知承诺 commitment (not yet checked) a draw takes, in a
    # group of their own; a draw may give its own. Ours (docs/commitments.md): all of them, so
    # that every venue that opened on its word is checked (the seeds set no rate).
    inspection_commitment_rate: float = Field(default=1.0, ge=0, le=1)

    # The risk score (docs/risk.md): the rule set's version scores are computed by (a new
    # version is a new rule set in risk/rules.py), and the hour (Beijing time) from which the
    # worker recomputes every score once a day; -1: only `firegrid risk recompute`.
    risk_ruleset: str = Field(default="2026-1", min_length=1, max_length=16)
    risk_recompute_hour: int = Field(default=2, ge=-1, le=23)

    # Complaints (defaults and their sources: docs/complaints.md). Working days, Asia/Shanghai.
    complaint_sign_working_days: int = Field(default=1, ge=1, le=30)  # 签收 after dispatch
    # On-site check, from receipt: blocked or locked exits and disabled fire facilities within
    # hours, anything else within working days.
    complaint_verify_urgent_hours: int = Field(default=24, ge=1, le=24 * 7)
    complaint_verify_working_days: int = Field(default=3, ge=1, le=30)
    complaint_reply_working_days: int = Field(default=5, ge=1, le=60)  # unless the hotline says
    # Overdue: the worker is reminded (催办) when a deadline passes; the township is told this
    # many working days later, the county this many after that.
    complaint_escalation_working_days: list[int] = Field(default_factory=lambda: [1, 2])
    # Rewards 举报奖励 by the confirmed hazard's severity, in yuan.
    complaint_reward_tiers: dict[str, int] = Field(
        default_factory=lambda: {"ordinary": 200, "major": 2000}
    )
    # Hotline callbacks: retried with backoff (30 s doubling, at most 1 h apart) for this many
    # hours, then dead-lettered for an admin to replay.
    callback_retry_hours: float = Field(default=24.0, gt=0, le=24 * 14)
    callback_timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    # 考核 score: a weight per metric (patrols/scoring.py names them and gives the defaults),
    # e.g. {"tasks_on_time": 50, "hazards_found": 10}; metrics not named keep their default.
    assessment_weights: dict[str, float] = Field(default_factory=dict)

    # Referrals 抄告/移送 to other departments (referrals/): the departments, as
    # `key:名称[@partner username]` items or a JSON list of {"key", "name", "partner"}; a
    # department's partner (an integration client) may post its replies, signed.
    referral_departments: Annotated[list[ReferralDepartment], NoDecode] = Field(
        default_factory=lambda: _departments(None)  # type: ignore[arg-type,return-value]
    )
    # The reply is due this many working days after sending, unless staff give their own.
    referral_reply_working_days: int = Field(default=10, ge=1, le=60)

    # Alarm feeds 物联网 (alarms/, docs/alarm-feeds.md): the numbers of the rule table in
    # alarms/rules.py. A fault becomes a task to check the device within this many days; this
    # many alarms from one device within this many hours are a repeated alarm, reported as a
    # hazard once per burst.
    alarm_fault_check_days: int = Field(default=3, ge=1, le=30)
    alarm_repeat_count: int = Field(default=3, ge=2, le=100)
    alarm_repeat_window_hours: int = Field(default=24, ge=1, le=24 * 14)
    # 一键报警 (fires/alerts, docs/fires.md): an alert goes to the nearest this many on-duty
    # grid workers and micro fire stations, within this many metres of the fire; a worker's
    # last position older than this many minutes is not used (their grid's point is); the
    # premises nearest the fire within this many metres is named on the alert.
    fire_alert_nearest_workers: int = Field(default=3, ge=1, le=50)
    fire_alert_nearest_stations: int = Field(default=2, ge=0, le=20)
    fire_alert_radius_m: float = Field(default=10_000.0, gt=0, le=100_000)
    fire_alert_position_max_age_minutes: int = Field(default=720, ge=1, le=7 * 24 * 60)
    fire_alert_premises_within_m: float = Field(default=100.0, ge=0, le=1000)
    # The username of the integration client that is the SMS gateway (上行短信 are posted,
    # signed, by it alone); unset = texts to the platform's number are not taken.
    fire_alert_sms_gateway: str | None = Field(default=None, max_length=64)

    # Routing: a point outside every grid snaps to the nearest grid within this many metres.
    routing_snap_m: float = Field(default=200.0, ge=0, le=5000)

    @field_validator(
        "calendar_overrides",
        "credit_rules",
        "patrol_frequencies",
        "fcm_credentials_file",
        "jpush_app_key",
        "jpush_master_secret",
        "vapid_private_key",
        "vapid_subject",
        "sms_access_key_id",
        "sms_access_key_secret",
        "sms_sign_name",
        "notify_policy",
        "basemap_url",
        "basemap_key",
        "basemap_attribution",
        "citizen_area",
        "public_base_url",
        "s3_endpoint",
        "s3_public_endpoint",
        "s3_bucket",
        "s3_access_key",
        "s3_secret_key",
        "database_replica_url",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator(
        "login_address_limit",
        "open311_limit_per_key",
        "open311_limit_per_address",
        "citizen_limit_per_address",
        "citizen_limit_per_phone",
        "unit_link_limit_per_token",
        "unit_link_limit_per_address",
    )
    @classmethod
    def _rate_limits(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(
                f"{value!r} is not a rate limit; write e.g. '20/15 minutes;100/day'"
            ) from exc
        return value

    @field_validator("referral_departments", mode="before")
    @classmethod
    def _referral_departments(cls, value: object) -> object:
        return _departments(value)

    @field_validator("referral_departments")
    @classmethod
    def _distinct_departments(cls, value: list[ReferralDepartment]) -> list[ReferralDepartment]:
        keys = [d.key for d in value]
        if not keys or len(set(keys)) != len(keys):
            raise ValueError("give at least one department, each key once")
        return value

    def referral_department(self, key: str | None) -> ReferralDepartment | None:
        return next((d for d in self.referral_departments if d.key == key), None)

    @field_validator("open311_cors_origins", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        return value

    @field_validator("metrics_allow", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        for network in value if isinstance(value, list) else ():
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError as exc:
                raise ValueError(f"not a network: {network!r} (e.g. 10.0.0.0/8)") from exc
        return value

    @field_validator("escalation_working_days")
    @classmethod
    def _four_levels(cls, value: list[int]) -> list[int]:
        if len(value) != 4 or any(days < 1 for days in value):
            raise ValueError("give four positive numbers: grid, village, township, county")
        return value

    @field_validator("complaint_escalation_working_days")
    @classmethod
    def _two_levels(cls, value: list[int]) -> list[int]:
        if len(value) != 2 or any(days < 0 for days in value):
            raise ValueError("give two numbers of working days: township, then county")
        return value

    @field_validator("complaint_reward_tiers")
    @classmethod
    def _tiers(cls, value: dict[str, int]) -> dict[str, int]:
        if set(value) != {"ordinary", "major"} or any(amount < 0 for amount in value.values()):
            raise ValueError('give {"ordinary": yuan, "major": yuan}')
        return value

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("console_dir", "report_page_dir", "unit_page_dir", mode="before")
    @classmethod
    def _console_dir(cls, value: object) -> object:
        # `FIREGRID_CONSOLE_DIR=` (empty) is the default, not the current directory served
        # to every browser.
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return Path(value).expanduser().resolve()  # type: ignore[arg-type]

    @field_validator("basemap_url")
    @classmethod
    def _tile_template(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("give an http(s) tile URL template")
        if not all(part in value for part in ("{z}", "{x}", "{y}")):
            raise ValueError("the tile URL template needs {z}, {x} and {y}")
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'firegrid.sqlite'}"

    @property
    def resolved_secret_key(self) -> str:
        """The signing secret. Outside production a missing one is generated once and kept
        under the data directory, so tokens survive restarts without a secret in the repo."""
        if self.secret_key:
            return self.secret_key
        if self.env is Environment.PRODUCTION:
            raise ConfigurationError("FIREGRID_SECRET_KEY is required in production")
        return _local_secret(self.data_dir)

    def check_for_startup(self) -> None:
        """Refuse to start production with a missing or weak secret."""
        if self.env is not Environment.PRODUCTION:
            return
        problem = secret_weakness(self.secret_key)
        if problem:
            raise ConfigurationError(
                f"FIREGRID_SECRET_KEY {problem}. Generate one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )


def secret_weakness(secret: str | None) -> str | None:
    """Why `secret` is too weak to sign production tokens, or None when it is fine."""
    if not secret:
        return "is not set"
    if secret.strip().lower() in KNOWN_WEAK_SECRETS:
        return "is a well-known example value"
    if len(secret) < MIN_SECRET_LENGTH:
        return f"is shorter than {MIN_SECRET_LENGTH} characters"
    counts = Counter(secret)
    entropy_bits = -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts.values())
    if entropy_bits * len(secret) < 128:
        return "has too little randomness (repeated or predictable characters)"
    return None


@lru_cache(maxsize=4)
def _local_secret(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:  # O_EXCL: when several processes start at once, exactly one writes the secret
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            value = path.read_text().strip()
            if value:
                return value
            time.sleep(0.02)
        raise ConfigurationError(f"{path} is empty; delete it to generate a new secret") from None
    value = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
