"""where a report may be, and what the server refused of a phone's report

`outside_own_grids`: a grid worker or leader reported the hazard outside the grids they look
after; it is routed where it is and flagged so that the station holding it sees why a stranger
reported in its grid. `report_refusal`: why the server did not apply the last change the
reporter's phone pushed to the report (null when it did); the phone pulls it back with the
server's copy.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN, never a batch: a batch may rebuild the table on SQLite,
    # losing its SpatiaLite geometry registration and change-stamp triggers.
    op.add_column(
        'hazards',
        sa.Column('outside_own_grids', sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column('hazards', sa.Column('report_refusal', sa.String(length=500), nullable=True))


def downgrade() -> None:
    # SQLite (3.35 and later) drops an unindexed column in place, as PostgreSQL does.
    op.drop_column('hazards', 'report_refusal')
    op.drop_column('hazards', 'outside_own_grids')
