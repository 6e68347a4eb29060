"""units 单位 and their responsible persons (issue 22, part 1; decision 0047)

`units`: the organisation that runs premises (name, unified social credit code), created in
an area (`area_id`, its path as `area_path`). `premises.unit_id`: the unit a premises belongs
to (several premises may share one). `unit_persons`: a unit's current 消防安全责任人 and
管理人, one of each at most, the phone sealed with its keyed digest and verified by an SMS code
(kept as its digest, with its expiry and tries).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

import backend.core.db

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("area_id", sa.Uuid(), nullable=False),
        sa.Column("area_path", sa.String(length=255), nullable=False),
        sa.Column("created_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_units_area_id_areas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
    )
    op.create_index(op.f("ix_units_uscc"), "units", ["uscc"])
    op.create_index(op.f("ix_units_area_id"), "units", ["area_id"])
    op.create_index(
        "ix_units_area_path",
        "units",
        ["area_path"],
        postgresql_ops={"area_path": "varchar_pattern_ops"},
    )
    op.create_table(
        "unit_persons",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone_sealed", sa.Text(), nullable=False),
        sa.Column("phone_digest", sa.String(length=64), nullable=False),
        sa.Column("phone_verified_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("code_digest", sa.String(length=64), nullable=True),
        sa.Column("code_expires_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("code_attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
            name=op.f("fk_unit_persons_unit_id_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_persons")),
        sa.UniqueConstraint("unit_id", "role", name=op.f("uq_unit_persons_unit_id")),
    )
    op.create_index(op.f("ix_unit_persons_phone_digest"), "unit_persons", ["phone_digest"])
    # Plain ALTER TABLE ADD COLUMN, never a batch: a batch may rebuild `premises` on SQLite,
    # losing its SpatiaLite geometry registration and change-stamp triggers. SQLite takes the
    # foreign key only inside the column's definition.
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("premises", sa.Column("unit_id", sa.Uuid(), nullable=True))
        op.create_foreign_key(
            op.f("fk_premises_unit_id_units"),
            "premises",
            "units",
            ["unit_id"],
            ["id"],
            ondelete="SET NULL",
        )
    else:
        op.execute(
            "ALTER TABLE premises ADD COLUMN unit_id CHAR(32) "
            "REFERENCES units (id) ON DELETE SET NULL"
        )
    op.create_index(op.f("ix_premises_unit_id"), "premises", ["unit_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_premises_unit_id"), table_name="premises")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("fk_premises_unit_id_units"), "premises", type_="foreignkey")
        op.drop_column("premises", "unit_id")
    else:
        # SQLite drops no column a foreign key names, and a batch would rebuild `premises`
        # (geometry, triggers): the column stays, emptied, and names a table no longer there.
        op.execute("UPDATE premises SET unit_id = NULL")
    op.drop_index(op.f("ix_unit_persons_phone_digest"), table_name="unit_persons")
    op.drop_table("unit_persons")
    op.drop_index("ix_units_area_path", table_name="units")
    op.drop_index(op.f("ix_units_area_id"), table_name="units")
    op.drop_index(op.f("ix_units_uscc"), table_name="units")
    op.drop_table("units")
