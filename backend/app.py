"""The composition root: the one place that knows every router."""

from __future__ import annotations

import gc
import importlib.util
import os
import sys
from collections.abc import Mapping

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from alarms import api as alarms_api
from backend import console, effects, health, metrics_api
from backend.core import media, replica
from backend.core.logging import configure_logging
from backend.core.settings import ConfigurationError, Settings, get_settings
from backend.core.web import (
    CorsByPath,
    ReadAfterWrites,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
    install_error_handlers,
)
from backend.identity import api as identity_api
from backend.notify import api as notify_api
from backend.notify import channels as notify_channels
from backend.notify import inbox_api
from bulletins import api as bulletins_api
from complaints import api as complaints_api
from complaints.citizens import api as citizens_api
from complaints.open311 import api as open311_api
from fires.alerts import api as fire_alerts_api
from fires.incidents import api as fire_incidents_api
from fires.stations import api as micro_stations_api
from grids import api as grids_api
from grids.commitments import api as commitments_api
from grids.premises import api as premises_api
from grids.units import api as units_api
from hazards import api as hazards_api
from hazards import map_api
from hazards.credit import api as credit_api
from measures import api as measures_api
from notices import api as notices_api
from notices.unitlink import api as unit_link_api
from offline_sync import api as sync_api
from patrols import api as patrols_api
from patrols import scoring as assessment_scoring
from patrols.inspections import api as inspections_api
from referrals import api as referrals_api
from risk import api as risk_api

DESCRIPTION = """
Backend for grid-based grassroots fire-safety patrol (网格化消防安全巡查).

Sign in with `POST /api/v1/auth/token` (the **Authorize** button here does it), then call the
API with `Authorization: Bearer <access_token>`. Errors are `application/problem+json`.
Partner systems (96119, 12345) sign requests with HMAC instead: see `docs/integration-auth.md`.
Apps may send `X-Client-Location: <lng>,<lat>` (WGS-84); the audit log keeps it with each change.
"""


DOCS_ASSETS = "/docs-assets"


def check_plugins(settings: Settings) -> None:
    """Refuse to start (ConfigurationError) with a push channel or a photo store that names
    nothing this build registered: a typo would leave every push waiting, or every photo
    unreadable, with nothing said."""
    notify_channels.check_settings(settings)
    media.store_for(settings)  # a store missing its settings (the bucket, a key) stops it too
    assessment_scoring.check_settings(settings)
    check_tracing(settings)
    replica.check_settings(settings)  # a read replica on SQLite


def check_tracing(settings: Settings, environ: Mapping[str, str] = os.environ) -> None:
    """Tracing asked for must be able to send somewhere: FastAPI would otherwise serve on,
    tracing nothing, with nothing said."""
    if not settings.tracing:
        return
    if importlib.util.find_spec("opentelemetry.sdk") is None:
        raise ConfigurationError(
            "FIREGRID_TRACING=true needs the OpenTelemetry SDK: pip install 'firegrid[tracing]'"
        )
    if environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() == "none" or not (
        environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    ):
        raise ConfigurationError(
            "FIREGRID_TRACING=true needs a collector: set OTEL_EXPORTER_OTLP_ENDPOINT "
            "(OTLP over HTTP, e.g. http://collector:4318)"
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_for_startup()
    check_plugins(settings)
    effects.install()
    configure_logging(settings.log_level, settings.log_json)
    # /docs and /redoc load Swagger UI and ReDoc from the package (under DOCS_ASSETS), not a
    # public CDN: a township's intranet often has no internet. Swagger UI's validator badge
    # would call validator.swagger.io from every browser that opens the docs: off.
    app = FastAPIOffline(
        title="firegrid",
        version="0.1.0",
        description=DESCRIPTION,
        static_url=DOCS_ASSETS,
        swagger_ui_parameters={"validatorUrl": None},
        telemetry=telemetry_config(settings),
    )
    install_error_handlers(app)
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.max_body_bytes,
        larger_bodies=(
            (r"^/api/v1/hazards/[^/]+/photos$", settings.photo_max_bytes),
            (r"^/api/v1/measures/[^/]+/document$", settings.photo_max_bytes),
            (r"^/api/v1/commitments/[^/]+/documents$", settings.photo_max_bytes),
            (r"^/api/v1/uploads/", settings.photo_max_bytes),
            (r"^/api/v1/(premises|users)/import$", settings.import_max_bytes),
            # A report with its photos in `media` (multipart/form-data).
            (
                r"^/open311/v2/requests\.",
                settings.max_body_bytes
                + settings.photo_max_bytes * max(1, settings.open311_max_photos),
                "multipart/form-data",
            ),
        ),
    )
    app.add_middleware(
        CorsByPath,
        prefixes=(("/open311/", open311_api.cors_options(settings)),),
        default={
            "allow_origins": settings.cors_origins,
            "allow_methods": ["*"],
            "allow_headers": ["*"],
            "expose_headers": ["X-Request-ID", "X-Total-Count", replica.READ_AFTER_HEADER],
        }
        if settings.cors_origins
        else None,
    )
    if settings.database_replica_url:  # a write's answer says what its caller must read after
        app.add_middleware(ReadAfterWrites, settings=settings)
    # Requests counted per route (GET /metrics): inside the security headers, outside the rest.
    metrics_api.instrument(app)
    app.add_middleware(SecurityHeadersMiddleware)  # last added: outermost, sees every answer
    app.include_router(health.router)
    # Routes are matched in order, one after another (each included router costs its own
    # walk, about a microsecond a route): the busiest are tried first. The hotline's intake,
    # phones' sync and photos; who am I and where is this point, which every phone and console
    # page asks (grids); then the citizens' reports and photos. No two routes take the same
    # request (tests/backend/test_routes.py), so the order changes nothing but the time.
    app.include_router(complaints_api.hotline_router)
    app.include_router(sync_api.router)
    app.include_router(sync_api.uploads_router)
    app.include_router(grids_api.router)
    app.include_router(sync_api.citizen_uploads_router)
    app.include_router(citizens_api.router)
    app.include_router(identity_api.router)
    app.include_router(identity_api.integration_router)
    app.include_router(identity_api.me_router)
    app.include_router(notify_api.router)
    app.include_router(inbox_api.router)
    app.include_router(premises_api.router)
    app.include_router(units_api.router)
    app.include_router(commitments_api.premises_router)
    app.include_router(commitments_api.router)
    app.include_router(fire_incidents_api.premises_router)
    app.include_router(fire_incidents_api.router)
    app.include_router(map_api.router)
    app.include_router(hazards_api.router)
    app.include_router(complaints_api.router)
    app.include_router(referrals_api.router)
    app.include_router(alarms_api.router)
    app.include_router(fire_alerts_api.router)
    app.include_router(fire_alerts_api.me_router)
    app.include_router(micro_stations_api.router)
    app.include_router(open311_api.router)
    app.include_router(credit_api.premises_router)
    app.include_router(credit_api.router)
    app.include_router(risk_api.router)
    app.include_router(measures_api.units_router)
    app.include_router(measures_api.router)
    app.include_router(measures_api.public_router)
    app.include_router(patrols_api.router)
    app.include_router(inspections_api.router)
    app.include_router(inspections_api.public_router)
    app.include_router(fire_incidents_api.public_router)
    app.include_router(bulletins_api.router)
    app.include_router(notices_api.router)
    app.include_router(unit_link_api.router)
    app.include_router(metrics_api.router(settings))  # /metrics: for the operators' Prometheus
    console.mount(app, settings)  # /console/: the station/brigade console (docs/console.md)
    return app


def proxy_options(settings: Settings) -> dict:
    """How uvicorn learns a client's address: from X-Forwarded-For only when the connection
    comes from a proxy named in FIREGRID_FORWARDED_ALLOW_IPS, else the connection's own
    address. (uvicorn alone would believe any loopback peer's header.) Sign-in throttling and
    Open311's limits count by this address."""
    trusted = settings.forwarded_allow_ips.strip()
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or None}


def telemetry_config(settings: Settings) -> dict:
    """FastAPI's native OpenTelemetry: traces only, when asked (decision 0044). Request counts
    and latencies are /metrics' (decision 0038); left on, FastAPI would look up the global
    providers in every request even with nothing configured, about 3 % of a small request."""
    if not settings.tracing:
        return {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}
    return {
        "tracing": True,
        "operation_spans": True,
        "metrics": False,
        "logs": False,
        "auto_configure": True,  # an OTLP/HTTP exporter from the OTEL_* variables
        # A scrape is not worth a trace; bodies and queries are never put in spans by FastAPI.
        "exclude": lambda scope: scope.get("path") in {"/metrics", "/healthz", "/readyz"},
    }


def served_app() -> FastAPI:
    """The app as `firegrid serve` runs it. Everything built at start-up (routes, schemas,
    mappers, compiled statements) lives as long as the process: frozen out of the garbage
    collector's view, full collections during requests no longer walk it each time (a few
    milliseconds each, every few dozen sync pushes). Threads take turns at the interpreter
    lock every `GIL_SWITCH_SECONDS`."""
    app = create_app()
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    return app


# A thread coming back from the database waits for the interpreter lock at most this long while
# another thread computes (Python's default: 5 ms). Writers hold the audit chain's head row
# across several round trips until they commit; at 5 ms a wait, concurrent sync pushes spent
# more time queueing for the row than working (decision 0017).
GIL_SWITCH_SECONDS = 0.001
