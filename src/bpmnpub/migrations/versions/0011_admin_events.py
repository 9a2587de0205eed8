"""admin events: the audit trail of catalogue, office settings, drafts, delegations and user changes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-21 09:44:54.211286
"""

import sqlalchemy as sa
from alembic import op

import bpmnpub.models.base

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", bpmnpub.models.base.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("area", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("details", bpmnpub.models.base.JSONText(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], name=op.f("fk_admin_event_actor_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_event")),
    )
    op.create_index("ix_admin_event_area_at", "admin_event", ["area", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_admin_event_area_at", table_name="admin_event")
    op.drop_table("admin_event")
