"""stored files' bytes and the office's signing key in the database (the database file store, the
default on PostgreSQL: several app servers share one database and nothing on their disks)

Bytes already on disk stay there: `bpmnpub init` (and `bpmnpub files import`) copies a data
directory's files and office key into the database when the database store is in use.

Revision ID: 0026
Revises: 0023
Create Date: 2026-12-08 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import bpmnpub.models.base

revision = "0026"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "file_blob",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("created_at", bpmnpub.models.base.UTCDateTime(), nullable=False),
        sa.Column("touched_at", bpmnpub.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_file_blob")),
    )
    op.create_index(op.f("ix_file_blob_touched_at"), "file_blob", ["touched_at"], unique=False)
    op.create_table(
        "file_blob_chunk",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["file_blob.sha256"],
            name=op.f("fk_file_blob_chunk_sha256_file_blob"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sha256", "seq", name=op.f("pk_file_blob_chunk")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # PDFs and photos are compressed already: keep chunks out of line without trying again.
        op.execute("ALTER TABLE file_blob_chunk ALTER COLUMN data SET STORAGE EXTERNAL")
    op.create_table(
        "office_key",
        sa.Column("slot", sa.String(length=64), nullable=False),
        sa.Column("key_pem", sa.LargeBinary(), nullable=False),
        sa.Column("cert_pem", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", bpmnpub.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("slot", name=op.f("pk_office_key")),
    )


def downgrade() -> None:
    op.drop_table("office_key")
    op.drop_table("file_blob_chunk")
    op.drop_index(op.f("ix_file_blob_touched_at"), table_name="file_blob")
    op.drop_table("file_blob")
