"""The systemd units in deploy/systemd are ones systemd accepts (`systemd-analyze verify`, where
it is installed) and start commands that exist: each ExecStart names a `firegrid` subcommand
and only options it has."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from backend.cli import app

UNITS = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
INSTALLED_AT = "/opt/firegrid/.venv/bin/firegrid"  # where docs/operations.md installs it


def unit(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keys are case-sensitive in systemd
    parser.read(UNITS / name)
    return parser


def test_each_exec_start_is_a_firegrid_command_with_options_it_has():
    command = typer.main.get_command(app)
    services = sorted(p.name for p in UNITS.glob("*.service"))
    assert services == ["firegrid-api@.service", "firegrid-worker.service"]
    for name in services:
        argv = shlex.split(unit(name)["Service"]["ExecStart"].replace("%i", "8001"))
        assert argv[0] == INSTALLED_AT
        subcommand = command.commands[argv[1]]  # KeyError: no such subcommand
        known = {opt for param in subcommand.params for opt in param.opts}
        given = [word for word in argv[2:] if word.startswith("--")]
        assert set(given) <= known, (name, given, known)
        service = unit(name)["Service"]
        assert service["EnvironmentFile"] == "/etc/firegrid/env"
        assert service["User"] == "firegrid" and service["Restart"] == "on-failure"
        assert service["NoNewPrivileges"] == "yes" and service["ProtectSystem"] == "strict"
        assert service["ReadWritePaths"] == "/var/lib/firegrid"
        assert unit(name)["Install"]["WantedBy"] == "firegrid.target"


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed"
)
def test_systemd_accepts_the_units(tmp_path):
    """Verified as installed, but with ExecStart at this checkout's `firegrid` (systemd checks
    that it exists) and the API unit as an instance; any warning about them fails."""
    for path in UNITS.iterdir():
        text = path.read_text().replace(INSTALLED_AT, str(Path(sys.executable).parent / "firegrid"))
        name = path.name.replace("@.service", "@8001.service")
        (tmp_path / name).write_text(text)
    names = sorted(p.name for p in tmp_path.iterdir())
    verified = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(f"./{n}" for n in names)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    said = [line for line in verified.stderr.splitlines() if "firegrid" in line]
    assert verified.returncode == 0 and said == [], verified.stderr
