"""saved inbox filters: a person's inbox views saved under their own names (`saved_filter`)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-09 10:00:00
"""

import sqlalchemy as sa
from alembic import op

import bpmnpub.models.base

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_filter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("query", bpmnpub.models.base.JSONText(), nullable=False),
        sa.Column("created_at", bpmnpub.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_saved_filter_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filter")),
        sa.UniqueConstraint("user_id", "name", name="uq_saved_filter_user_name"),
    )


def downgrade() -> None:
    op.drop_table("saved_filter")
