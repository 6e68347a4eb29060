"""device providers and users' phones: each registration names the push service that reaches it

`provider`: fcm, jpush or webpush (backend.notify.enums.Provider); registrations made before
providers existed were FCM tokens. `subscription`: a Web Push registration's endpoint and keys
(p256dh, auth); its token is the endpoint. `users.phone`: a mobile number for texts (Aliyun
SMS), shown only masked.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN, never a batch (a batch may rebuild the table on SQLite).
    op.add_column(
        'devices',
        sa.Column('provider', sa.String(length=16), nullable=False, server_default='fcm'),
    )
    op.add_column('devices', sa.Column('subscription', sa.JSON(), nullable=True))
    op.add_column('users', sa.Column('phone', sa.String(length=20), nullable=True))


def downgrade() -> None:
    op.drop_column('users', 'phone')
    op.drop_column('devices', 'subscription')
    op.drop_column('devices', 'provider')
