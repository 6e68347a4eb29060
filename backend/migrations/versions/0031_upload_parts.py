"""tus uploads keep their bytes in the photo store, one part per request (decision 0045)

`uploads.parts`: the parts holding an upload's bytes so far, in order. An upload begun before
this revision kept them in one file on this host (`uploads/<id>.part` in the data folder): the
file becomes the upload's first part, in the store the deployment uses; an upload whose file
is gone is removed (its client starts it again, as after an expiry).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("uploads") as batch:
        batch.add_column(sa.Column("parts", sa.Text(), server_default="", nullable=False))
    _move_files_to_the_store()


def _move_files_to_the_store() -> None:
    from backend.core.settings import get_settings
    from offline_sync import upload_parts

    settings = get_settings()
    folder = settings.data_dir / "uploads"
    bind = op.get_bind()
    uploads = sa.table(
        "uploads", sa.column("id", sa.String), sa.column("offset"), sa.column("parts", sa.Text)
    )
    for upload_id, offset in bind.execute(sa.select(uploads.c.id, uploads.c.offset)).all():
        file = folder / f"{upload_id}.part"
        data = file.read_bytes()[:offset] if file.exists() else None
        if data is None or len(data) != offset:
            bind.execute(sa.delete(uploads).where(uploads.c.id == upload_id))
            continue
        listed = ""
        if offset:
            part = upload_parts.Part.new(0, offset)
            upload_parts.keep(settings, upload_id, part, data)
            listed = part.entry
        bind.execute(sa.update(uploads).where(uploads.c.id == upload_id).values(parts=listed))
        file.unlink()


def downgrade() -> None:
    with op.batch_alter_table("uploads") as batch:
        batch.drop_column("parts")
