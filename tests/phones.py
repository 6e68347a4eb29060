"""Phones running the real WatermelonDB client in Node (tests/clients/device.mjs), one process
each, driven line by line from a test: shared by the offline-sync and patrol suites."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.world import Person

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = ROOT / "tests" / "clients"


@pytest.fixture(scope="session")
def js_clients() -> Path:
    """The clients from the lockfile, installed if missing or stale (never skipped)."""
    installed = subprocess.run(
        ["bash", str(ROOT / "scripts" / "install-js-clients.sh")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if installed.returncode != 0:
        pytest.fail(
            "scripts/install-js-clients.sh could not install the JavaScript clients:\n"
            + installed.stdout
            + installed.stderr
        )
    return CLIENTS


# --- The clients, in Node -----------------------------------------------------------------------


class Phone:
    """One phone running WatermelonDB, signed in as `person`."""

    def __init__(self, clients: Path, base_url: str, person: Person, name: str) -> None:
        self.name = name
        self.process = subprocess.Popen(
            ["node", str(clients / "device.mjs")],
            cwd=clients,
            env={
                **os.environ,
                "BASE_URL": base_url,
                "FG_USERNAME": person.username,
                "FG_PASSWORD": person.password,
            },
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.answers: queue.Queue[str | None] = queue.Queue()
        self.stderr: list[str] = []
        threading.Thread(target=self._read_answers, daemon=True).start()
        self.stderr_reader = threading.Thread(target=self._read_stderr, daemon=True)
        self.stderr_reader.start()
        ready = self._answer(timeout=60)
        assert ready["ready"], ready

    def _read_answers(self) -> None:
        for line in self.process.stdout:
            self.answers.put(line)
        self.answers.put(None)

    def _read_stderr(self) -> None:
        for line in self.process.stderr:
            self.stderr.append(line)

    def _answer(self, timeout: float = 120) -> dict[str, Any]:
        try:
            line = self.answers.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(
                f"{self.name}: no answer in {timeout} s\n{''.join(self.stderr)}"
            ) from None
        if line is None:
            self.process.wait(timeout=10)
            raise AssertionError(
                f"{self.name}: node exited with {self.process.returncode}\n{''.join(self.stderr)}"
            )
        return json.loads(line)

    def command(self, op: str, **arguments: Any) -> dict[str, Any]:
        self.process.stdin.write(json.dumps({"op": op, **arguments}) + "\n")
        self.process.stdin.flush()
        return self._answer()

    # What the app does on the phone.

    def create(self, table: str, **fields: Any) -> str:
        return self.command("create", table=table, fields=fields)["id"]

    def update(self, table: str, record_id: str, **fields: Any) -> None:
        self.command("update", table=table, id=record_id, fields=fields)

    def delete(self, table: str, record_id: str) -> None:
        self.command("delete", table=table, id=record_id)

    def discard(self, table: str, record_id: str) -> None:
        """Dropped for good, never pushed: the app's way out of a record the server refuses."""
        self.command("discard", table=table, id=record_id)

    def get(self, table: str, record_id: str) -> dict[str, Any] | None:
        return self.command("get", table=table, id=record_id)["record"]

    def all(self, table: str) -> list[dict[str, Any]]:
        return self.command("all", table=table)["records"]

    def counts(self) -> dict[str, int]:
        return self.command("count")["counts"]

    def deletions_to_push(self, table: str) -> list[str]:
        return self.command("deletionsToPush", table=table)["ids"]

    def try_sync(self, **options: Any) -> dict[str, Any]:
        """One `synchronize()`; its report, or {"error": ...} when the server refused."""
        return self.command("sync", **options)

    def sync(self, **options: Any) -> dict[str, Any]:
        report = self.try_sync(**options)
        assert "error" not in report, f"{self.name}: the sync failed: {report['error']}"
        return report

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.stderr_reader.join(timeout=10)


@pytest.fixture
def phones(js_clients, live_server):
    """`phones(person, name)` starts a phone; all are switched off after the test."""
    started: list[Phone] = []

    def start(person: Person, name: str = "phone") -> Phone:
        phone = Phone(js_clients, live_server, person, name)
        started.append(phone)
        return phone

    yield start
    for phone in started:
        phone.close()
    for phone in started:  # WatermelonDB logs what it had to paper over (e.g. a bad change set)
        errors = [line for line in phone.stderr if line.startswith("[device error]")]
        assert errors == [], f"{phone.name}: WatermelonDB logged errors:\n{''.join(errors)}"
