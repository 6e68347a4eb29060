"""work prompts and their read receipts

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24
"""
from alembic import op
import geoalchemy2
import sqlalchemy as sa


import backend.core.db
from backend.core import dialect

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('work_prompts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('area_id', sa.Uuid(), nullable=False),
    sa.Column('area_path', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('change_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_work_prompts_area_id_areas')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_work_prompts_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_prompts'))
    )
    with op.batch_alter_table('work_prompts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_prompts_area_path'), ['area_path'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_prompts_change_seq'), ['change_seq'], unique=False)

    op.create_table('work_prompt_reads',
    sa.Column('prompt_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('read_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['prompt_id'], ['work_prompts.id'], name=op.f('fk_work_prompt_reads_prompt_id_work_prompts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_work_prompt_reads_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('prompt_id', 'user_id', name=op.f('pk_work_prompt_reads'))
    )

    for statement in dialect.change_stamp_triggers(op.get_bind().dialect.name, 'work_prompts'):
        op.execute(statement)


def downgrade() -> None:
    name = op.get_bind().dialect.name
    for statement in dialect.drop_change_stamp(name, ['work_prompts'])[: 1 if name == 'postgresql' else None]:
        op.execute(statement)
    op.drop_table('work_prompt_reads')
    with op.batch_alter_table('work_prompts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_prompts_change_seq'))
        batch_op.drop_index(batch_op.f('ix_work_prompts_area_path'))

    op.drop_table('work_prompts')
