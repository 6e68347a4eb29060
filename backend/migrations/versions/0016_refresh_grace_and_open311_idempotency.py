"""refresh tokens remember their answer for the reuse grace window; Open311 idempotency keys

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

import backend.core.db

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

HOLDING_AN_ANSWER = sa.text("sealed_answer IS NOT NULL")


def upgrade() -> None:
    # Nullable columns without constraints: a plain ALTER TABLE ... ADD COLUMN on both backends.
    op.add_column('refresh_tokens', sa.Column('rotated_to_id', sa.Uuid(), nullable=True))
    op.add_column('refresh_tokens', sa.Column('sealed_answer', sa.String(length=2048), nullable=True))
    op.create_index(
        'ix_refresh_tokens_answer_used_at',
        'refresh_tokens',
        ['used_at'],
        postgresql_where=HOLDING_AN_ANSWER,
        sqlite_where=HOLDING_AN_ANSWER,
    )
    op.create_table('open311_idempotency_keys',
    sa.Column('key_digest', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=False),
    sa.Column('request_digest', sa.String(length=64), nullable=False),
    sa.Column('complaint_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['key_digest'], ['open311_keys.key_digest'], name=op.f('fk_open311_idempotency_keys_key_digest_open311_keys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_open311_idempotency_keys_complaint_id_complaints'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key_digest', 'idempotency_key', name=op.f('pk_open311_idempotency_keys'))
    )
    op.create_index(op.f('ix_open311_idempotency_keys_created_at'), 'open311_idempotency_keys', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_open311_idempotency_keys_created_at'), table_name='open311_idempotency_keys')
    op.drop_table('open311_idempotency_keys')
    op.drop_index('ix_refresh_tokens_answer_used_at', table_name='refresh_tokens')
    # refresh_tokens has no geometry and no triggers: a batch may rebuild it on SQLite.
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.drop_column('sealed_answer')
        batch_op.drop_column('rotated_to_id')
