"""closure days: the days an admin closed the office, skipped by due times in working days

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 10:30:00
"""

import sqlalchemy as sa
from alembic import op

import bpmnpub.models.base

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "closure_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("created_at", bpmnpub.models.base.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_closure_day_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_closure_day")),
    )


def downgrade() -> None:
    op.drop_table("closure_day")
