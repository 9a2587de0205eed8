"""website copy: the outbox and record of each item's post on the office's WordPress

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 10:05:00
"""

import sqlalchemy as sa
from alembic import op

import bpmnpub.models.base

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "website_copy",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("wanted", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("synced_version", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("post_url", sa.String(length=1000), nullable=True),
        sa.Column("media", bpmnpub.models.base.JSONText(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", bpmnpub.models.base.UTCDateTime(), nullable=True),
        sa.Column("claimed_until", bpmnpub.models.base.UTCDateTime(), nullable=True),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column("error_detail", sa.Text(), nullable=True),
        sa.Column("synced_at", bpmnpub.models.base.UTCDateTime(), nullable=True),
        sa.Column("updated_at", bpmnpub.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["published_item.id"], name=op.f("fk_website_copy_item_id_published_item")
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_website_copy")),
    )
    op.create_index(
        "ix_website_copy_due", "website_copy", ["synced_version", "version", "next_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_website_copy_due", table_name="website_copy")
    op.drop_table("website_copy")
