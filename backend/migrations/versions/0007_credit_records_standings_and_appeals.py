"""credit records, standings and appeals

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


import backend.core.db

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('credit_standings',
    sa.Column('premises_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('rules_version', sa.String(length=64), nullable=False),
    sa.Column('assessed_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('review_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['premises_id'], ['premises.id'], name=op.f('fk_credit_standings_premises_id_premises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('premises_id', name=op.f('pk_credit_standings'))
    )
    with op.batch_alter_table('credit_standings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_standings_review_at'), ['review_at'], unique=False)

    op.create_table('credit_records',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('premises_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=True),
    sa.Column('hazard_id', sa.Uuid(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('standing', sa.String(length=16), nullable=False),
    sa.Column('recorded_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.Uuid(), nullable=True),
    sa.Column('source_key', sa.String(length=128), nullable=True),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id'], name=op.f('fk_credit_records_hazard_id_hazards'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['premises_id'], ['premises.id'], name=op.f('fk_credit_records_premises_id_premises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_credit_records_recorded_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_records')),
    sa.UniqueConstraint('source_key', name=op.f('uq_credit_records_source_key'))
    )
    with op.batch_alter_table('credit_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_records_hazard_id'), ['hazard_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_records_premises_id'), ['premises_id'], unique=False)

    op.create_table('credit_appeals',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('premises_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('obligations_met', sa.Boolean(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('filed_by', sa.Uuid(), nullable=True),
    sa.Column('filed_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.Uuid(), nullable=True),
    sa.Column('decided_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_credit_appeals_decided_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['filed_by'], ['users.id'], name=op.f('fk_credit_appeals_filed_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['premises_id'], ['premises.id'], name=op.f('fk_credit_appeals_premises_id_premises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_id'], ['credit_records.id'], name=op.f('fk_credit_appeals_record_id_credit_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_appeals'))
    )
    with op.batch_alter_table('credit_appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_appeals_premises_id'), ['premises_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_appeals_record_id'), ['record_id'], unique=False)
        batch_op.create_index('ix_credit_appeals_state', ['state', 'filed_at'], unique=False)

    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credit_overdue_at', backend.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_hazards_credit_overdue_at'), ['credit_overdue_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hazards_credit_overdue_at'))
        batch_op.drop_column('credit_overdue_at')

    with op.batch_alter_table('credit_appeals', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_appeals_state')
        batch_op.drop_index(batch_op.f('ix_credit_appeals_record_id'))
        batch_op.drop_index(batch_op.f('ix_credit_appeals_premises_id'))

    op.drop_table('credit_appeals')
    with op.batch_alter_table('credit_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_records_premises_id'))
        batch_op.drop_index(batch_op.f('ix_credit_records_hazard_id'))

    op.drop_table('credit_records')
    with op.batch_alter_table('credit_standings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_standings_review_at'))

    op.drop_table('credit_standings')
