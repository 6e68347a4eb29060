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


def test_sessions_for_reads_refuse_to_write_and_write_nothing(engine):
    """`short_reads` (who am I, locate) and `read_sessions` (replica-safe reads) are refused
    a write before it reaches the database, through the ORM or a statement (decision 0046)."""
    from sqlalchemy import func, select

    from backend.core.db import WriteInReadSession, read_sessions, short_reads
    from grids.enums import AreaLevel
    from grids.models import Area

    for sessions in (short_reads(engine), read_sessions(engine)):
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(Area)) == 0  # reads work
            with pytest.raises(WriteInReadSession):
                session.execute(text("INSERT INTO area_revision (id, revision) VALUES (9, 9)"))
        with sessions() as session:
            session.add(Area(code="99", name="不该写入", level=AreaLevel.COUNTY.value, path="/99/"))
            with pytest.raises(WriteInReadSession):
                session.flush()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Area)).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM area_revision WHERE id = 9")).scalar() == 0


def test_a_short_read_on_postgresql_runs_without_a_transaction(engine):
    """Its statements are their own transactions: no BEGIN, no COMMIT (decision 0046)."""
    from backend.core.db import core_reads, short_reads

    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads keep one snapshot in a deferred transaction")
    with short_reads(engine)() as session:
        connection = core_reads(session)
        connection.execute(text("SELECT 1"))
        assert connection.connection.dbapi_connection.info.transaction_status.name == "IDLE"


def test_a_replica_safe_read_on_postgresql_refuses_what_a_standby_would(engine):
    """A row lock is no write that the session's own guard sees, but a standby refuses it: so
    does the primary's read transaction (BEGIN READ ONLY), and the connection begins as the
    server says again once back in the pool."""
    from sqlalchemy import select
    from sqlalchemy.exc import DBAPIError

    from backend.core.db import read_sessions
    from grids.models import AreaRevision

    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no read-only transactions and no standby")
    with read_sessions(engine)() as session, pytest.raises(DBAPIError, match="read-only"):
        session.execute(select(AreaRevision).with_for_update())
    with engine.begin() as conn:  # the same pooled connection, read-write again
        conn.execute(select(AreaRevision).with_for_update()).all()
