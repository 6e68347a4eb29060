"""Alembic environment for both SpatiaLite and PostGIS (geoalchemy2's helpers handle spatial
columns and indexes on each)."""

from alembic import context
from geoalchemy2 import alembic_helpers

from backend.core.db import build_engine
from backend.models import metadata

config = context.config


def run_migrations() -> None:
    engine = build_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_object=alembic_helpers.include_object,
            # SpatiaLite's own metadata tables are not ours to migrate.
            include_name=lambda name, type_, _parents: type_ != "table" or name in metadata.tables,
            process_revision_directives=alembic_helpers.writer,
            render_item=alembic_helpers.render_item,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
