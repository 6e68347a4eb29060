"""random inspections: items, conflicts register, plans, draws, assignments

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24
"""
from alembic import op
import geoalchemy2
import sqlalchemy as sa


import backend.core.db

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inspection_items',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('created_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_items')),
    sa.UniqueConstraint('code', name=op.f('uq_inspection_items_code'))
    )
    op.create_table('inspection_plans',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('area_id', sa.Uuid(), nullable=False),
    sa.Column('area_path', sa.String(length=255), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('rates', sa.JSON(), nullable=False),
    sa.Column('item_codes', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_inspection_plans_area_id_areas')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_inspection_plans_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_plans'))
    )
    with op.batch_alter_table('inspection_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_plans_area_path'), ['area_path'], unique=False)

    op.create_table('inspector_conflicts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('premises_id', sa.Uuid(), nullable=True),
    sa.Column('uscc', sa.String(length=18), nullable=True),
    sa.Column('relation', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.Uuid(), nullable=True),
    sa.Column('recorded_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['premises_id'], ['premises.id'], name=op.f('fk_inspector_conflicts_premises_id_premises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_inspector_conflicts_recorded_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_inspector_conflicts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspector_conflicts'))
    )
    with op.batch_alter_table('inspector_conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspector_conflicts_user_id'), ['user_id'], unique=False)

    op.create_table('inspection_draws',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('plan_id', sa.Uuid(), nullable=False),
    sa.Column('algorithm', sa.String(length=32), nullable=False),
    sa.Column('public_value', sa.String(length=200), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('max_per_year', sa.Integer(), nullable=False),
    sa.Column('inputs', sa.Text(), nullable=False),
    sa.Column('inputs_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('result_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('drawn_by', sa.Uuid(), nullable=True),
    sa.Column('drawn_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['drawn_by'], ['users.id'], name=op.f('fk_inspection_draws_drawn_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['inspection_plans.id'], name=op.f('fk_inspection_draws_plan_id_inspection_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_draws'))
    )
    with op.batch_alter_table('inspection_draws', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_draws_plan_id'), ['plan_id'], unique=False)

    op.create_table('inspection_assignments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('draw_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('premises_id', sa.Uuid(), nullable=False),
    sa.Column('inspector_ids', sa.JSON(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('hazards_found', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['draw_id'], ['inspection_draws.id'], name=op.f('fk_inspection_assignments_draw_id_inspection_draws'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['premises_id'], ['premises.id'], name=op.f('fk_inspection_assignments_premises_id_premises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_assignments'))
    )
    with op.batch_alter_table('inspection_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_assignments_draw_id'), ['draw_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_assignments_premises_id'), ['premises_id'], unique=False)
        batch_op.create_index('ix_inspection_assignments_premises_year', ['premises_id', 'year'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('inspection_assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_inspection_assignments_premises_year')
        batch_op.drop_index(batch_op.f('ix_inspection_assignments_premises_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_assignments_draw_id'))

    op.drop_table('inspection_assignments')
    with op.batch_alter_table('inspection_draws', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_draws_plan_id'))

    op.drop_table('inspection_draws')
    with op.batch_alter_table('inspector_conflicts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspector_conflicts_user_id'))

    op.drop_table('inspector_conflicts')
    with op.batch_alter_table('inspection_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_plans_area_path'))

    op.drop_table('inspection_plans')
    op.drop_table('inspection_items')
