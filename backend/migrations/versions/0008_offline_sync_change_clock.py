"""offline sync change clock

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


import backend.core.db
from backend.core import dialect

# Tables whose rows carry the change number offline sync pulls by.
STAMPED = ['areas', 'premises', 'hazards', 'grid_assignment_changes', 'device_actions', 'sync_hidden_records']

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('device_actions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('hazard_id', sa.Uuid(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('device_created_at', backend.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('received_at', backend.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('change_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_device_actions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_device_actions'))
    )
    with op.batch_alter_table('device_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_actions_change_seq'), ['change_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_device_actions_hazard_id'), ['hazard_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_device_actions_user_id'), ['user_id'], unique=False)

    op.create_table('grid_assignment_changes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('area_id', sa.Uuid(), nullable=False),
    sa.Column('joined', sa.Boolean(), nullable=False),
    sa.Column('change_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_grid_assignment_changes_area_id_areas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_grid_assignment_changes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_assignment_changes'))
    )
    with op.batch_alter_table('grid_assignment_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_assignment_changes_change_seq'), ['change_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_grid_assignment_changes_user_id'), ['user_id'], unique=False)

    op.create_table('sync_hidden_records',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('table_name', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('change_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sync_hidden_records_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'table_name', 'record_id', name=op.f('pk_sync_hidden_records'))
    )
    with op.batch_alter_table('sync_hidden_records', schema=None) as batch_op:
        batch_op.create_index('ix_sync_hidden_user_seq', ['user_id', 'change_seq'], unique=False)

    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False, server_default='0'))
        batch_op.create_index(batch_op.f('ix_areas_change_seq'), ['change_seq'], unique=False)

    with op.batch_alter_table('audit_chain_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False, server_default='0'))

    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False, server_default='0'))
        batch_op.create_index(batch_op.f('ix_hazards_change_seq'), ['change_seq'], unique=False)

    with op.batch_alter_table('premises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False, server_default='0'))
        batch_op.create_index(batch_op.f('ix_premises_change_seq'), ['change_seq'], unique=False)

    name = op.get_bind().dialect.name
    for statement in dialect.change_stamp_function(name):
        op.execute(statement)
    for table in STAMPED:
        for statement in dialect.change_stamp_triggers(name, table):
            op.execute(statement)
    # Rows that exist already get their numbers now, in a stable order.
    for table in ('areas', 'premises', 'hazards'):
        op.execute(f"UPDATE {table} SET change_seq = change_seq")



def downgrade() -> None:
    for statement in dialect.drop_change_stamp(op.get_bind().dialect.name, STAMPED):
        op.execute(statement)
    with op.batch_alter_table('premises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_premises_change_seq'))
        batch_op.drop_column('change_seq')

    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hazards_change_seq'))
        batch_op.drop_column('change_seq')

    with op.batch_alter_table('audit_chain_head', schema=None) as batch_op:
        batch_op.drop_column('change_seq')

    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_areas_change_seq'))
        batch_op.drop_column('change_seq')

    with op.batch_alter_table('sync_hidden_records', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_hidden_user_seq')

    op.drop_table('sync_hidden_records')
    with op.batch_alter_table('grid_assignment_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_assignment_changes_user_id'))
        batch_op.drop_index(batch_op.f('ix_grid_assignment_changes_change_seq'))

    op.drop_table('grid_assignment_changes')
    with op.batch_alter_table('device_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_actions_user_id'))
        batch_op.drop_index(batch_op.f('ix_device_actions_hazard_id'))
        batch_op.drop_index(batch_op.f('ix_device_actions_change_seq'))

    op.drop_table('device_actions')
