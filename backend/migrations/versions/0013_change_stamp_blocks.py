"""change stamps in blocks: one head-row update per 1,000 stamped rows on PostgreSQL

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24
"""
from alembic import op

from backend.core import dialect

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

ONE_AT_A_TIME = (
    "CREATE OR REPLACE FUNCTION firegrid_change_stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE audit_chain_head SET change_seq = change_seq + 1 WHERE id = 1 "
    "RETURNING change_seq INTO NEW.change_seq; RETURN NEW; END $$"
)


def upgrade() -> None:
    for statement in dialect.change_stamp_function(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(ONE_AT_A_TIME)
