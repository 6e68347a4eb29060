"""Schemathesis fuzzes every operation of our own OpenAPI document against the real server:
whatever it sends, the answer is never a 5xx. Runs once signed out and once as an admin with
a small world in the database, so that authenticated code paths are reached too."""

import subprocess
import sys
from pathlib import Path

SCHEMATHESIS = str(Path(sys.executable).parent / "st")


def fuzz(live_server, *extra):
    command = [
        SCHEMATHESIS,
        "run",
        f"{live_server}/openapi.json",
        "--checks",
        "not_a_server_error",
        "--max-examples",
        "30",
        "--seed",
        "20261123",
        "--request-timeout",
        "30",
        "--workers",
        "1",
        "--suppress-health-check",
        "all",
        *extra,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=900)


def test_no_operation_answers_5xx_when_signed_out(live_server):
    result = fuzz(live_server)
    assert result.returncode == 0, result.stdout[-6000:]


def test_no_operation_answers_5xx_for_an_admin(
    live_server, api, admin, grid, other_township, hotline
):
    token = admin.sign_in(api)["access_token"]
    result = fuzz(
        live_server,
        "--header",
        f"Authorization: Bearer {token}",
        "--exclude-path",
        "/api/v1/auth/revoke-all",
    )
    assert result.returncode == 0, result.stdout[-6000:]
