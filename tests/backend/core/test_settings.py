"""Production refuses to start with a missing or weak secret; development makes its own."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from backend.app import create_app
from backend.core.settings import ConfigurationError, Environment, Settings, secret_weakness

FIREGRID = str(Path(sys.executable).parent / "firegrid")


@pytest.mark.parametrize(
    ("secret", "complaint"),
    [
        (None, "is not set"),
        ("change-me", "well-known example"),
        ("short-but-random-9f8e", "shorter than 32"),
        ("a" * 64, "too little randomness"),
        ("abababababababababababababababababababab", "too little randomness"),
    ],
)
def test_production_refuses_a_missing_or_weak_secret(secret, complaint, tmp_path):
    settings = Settings(env=Environment.PRODUCTION, secret_key=secret, data_dir=tmp_path)
    with pytest.raises(ConfigurationError, match=complaint):
        create_app(settings)


def test_production_starts_with_a_strong_secret(tmp_path):
    strong = secrets.token_urlsafe(48)
    assert secret_weakness(strong) is None
    create_app(Settings(env=Environment.PRODUCTION, secret_key=strong, data_dir=tmp_path))


def test_firegrid_serve_says_why_it_refuses(tmp_path):
    env = {**os.environ, "FIREGRID_ENV": "production", "FIREGRID_SECRET_KEY": "secret"}
    result = subprocess.run(
        [FIREGRID, "serve", "--port", "1"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode != 0
    assert "FIREGRID_SECRET_KEY is a well-known example value" in result.stderr


def test_development_generates_and_keeps_a_private_secret(tmp_path):
    first = Settings(env=Environment.DEVELOPMENT, secret_key=None, data_dir=tmp_path)
    secret = first.resolved_secret_key

    assert secret_weakness(secret) is None
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    again = Settings(env=Environment.DEVELOPMENT, secret_key=None, data_dir=tmp_path)
    assert again.resolved_secret_key == secret


def test_the_default_database_is_a_spatialite_file_under_the_data_dir(tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=None)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path}/firegrid.sqlite"


def test_every_setting_is_documented_in_env_example():
    example = (Path(__file__).parents[3] / ".env.example").read_text()
    for name in Settings.model_fields:
        assert f"FIREGRID_{name.upper()}" in example, name
