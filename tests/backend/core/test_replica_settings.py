"""A read replica is a PostgreSQL standby: set beside SQLite, the service refuses to start and
says why. The position a write's answer carries is signed: a forged one moves no reads.
(The replica itself, streaming: tests/backend/test_read_replica.py, PostGIS run.)"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from backend.app import create_app
from backend.core import replica
from backend.core.settings import ConfigurationError, Settings

FIREGRID = str(Path(sys.executable).parent / "firegrid")
STANDBY = "postgresql://firegrid_ro@127.0.0.1:1/firegrid"


def test_firegrid_serve_refuses_a_replica_beside_spatialite(tmp_path):
    env = {
        **os.environ,
        "FIREGRID_DATABASE_URL": f"sqlite:///{tmp_path}/firegrid.sqlite",
        "FIREGRID_DATABASE_REPLICA_URL": STANDBY,
    }
    result = subprocess.run(
        [FIREGRID, "serve", "--port", "1"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode != 0
    assert "FIREGRID_DATABASE_REPLICA_URL is set but FIREGRID_DATABASE_URL is not PostgreSQL" in (
        result.stderr
    )


@pytest.mark.parametrize(
    ("replica_url", "complaint"),
    [
        ("sqlite:////tmp/standby.sqlite", "FIREGRID_DATABASE_REPLICA_URL is not PostgreSQL"),
        ("not a url", "FIREGRID_DATABASE_REPLICA_URL is not a database URL"),
    ],
)
def test_the_replica_must_be_postgresql_too(replica_url, complaint, tmp_path):
    settings = Settings(
        data_dir=tmp_path,
        database_url="postgresql://firegrid@127.0.0.1:1/firegrid",
        database_replica_url=replica_url,
    )
    with pytest.raises(ConfigurationError, match=complaint):
        create_app(settings)


def test_an_empty_replica_setting_is_no_replica(tmp_path, monkeypatch):
    monkeypatch.setenv("FIREGRID_DATABASE_REPLICA_URL", "")
    settings = Settings(data_dir=tmp_path)
    assert settings.database_replica_url is None
    assert replica.replica_for(settings) is None


def test_only_a_position_this_service_signed_counts():
    token = replica.read_after_token(0x3000060, "the-secret")
    assert replica.read_after(token, "the-secret") == 0x3000060
    assert replica.read_after(token, "another-secret") is None
    lsn, signature = token.split(".")
    assert replica.read_after(f"ffffffff.{signature}", "the-secret") is None
    for junk in (None, "", "3000060", "-1.00", f"{lsn}.{signature}.x", "zz." + signature):
        assert replica.read_after(junk, "the-secret") is None
