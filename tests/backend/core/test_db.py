"""The database is set up as each backend needs: spatial indexes on both, WAL and a busy
timeout on SpatiaLite, PostGIS on PostgreSQL."""

from datetime import datetime

import pytest
from sqlalchemy import text

from backend.core import migrations
from backend.core.db import UTCDateTime


def test_the_schema_is_at_the_newest_migration(engine):
    assert migrations.current_revisions(engine) == migrations.head_revisions()


def test_migrating_again_changes_nothing(engine):
    migrations.upgrade(str(engine.url.render_as_string(hide_password=False)))
    assert migrations.current_revisions(engine) == migrations.head_revisions()


def test_area_polygons_have_a_spatial_index(engine):
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            index = conn.execute(
                text(
                    "SELECT indexdef FROM pg_indexes WHERE tablename = 'areas' AND indexdef ILIKE '%gist%'"
                )
            ).scalar()
            assert "geom" in index
        else:
            enabled = conn.execute(
                text(
                    "SELECT spatial_index_enabled FROM geometry_columns WHERE f_table_name = 'areas'"
                )
            ).scalar()
            assert enabled == 1  # an R*Tree


def test_the_connection_is_configured_for_its_backend(engine):
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            assert conn.execute(text("SELECT postgis_version()")).scalar()
        else:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("SELECT spatialite_version()")).scalar()


def test_naive_times_are_refused_rather_than_guessed(engine):
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), engine.dialect)
