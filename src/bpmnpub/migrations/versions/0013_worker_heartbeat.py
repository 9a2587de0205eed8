"""worker heartbeat: each worker process's last sign of life, last pass and last error

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 09:10:00
"""

import sqlalchemy as sa
from alembic import op

import bpmnpub.models.base

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_heartbeat",
        sa.Column("worker_id", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("started_at", bpmnpub.models.base.UTCDateTime(), nullable=False),
        sa.Column("beat_at", bpmnpub.models.base.UTCDateTime(), nullable=False),
        sa.Column("pass_started_at", bpmnpub.models.base.UTCDateTime(), nullable=True),
        sa.Column("pass_finished_at", bpmnpub.models.base.UTCDateTime(), nullable=True),
        sa.Column("passes", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", bpmnpub.models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_worker_heartbeat")),
    )
    op.create_index(op.f("ix_worker_heartbeat_beat_at"), "worker_heartbeat", ["beat_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_worker_heartbeat_beat_at"), table_name="worker_heartbeat")
    op.drop_table("worker_heartbeat")
