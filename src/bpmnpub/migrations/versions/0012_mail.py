"""mail: notifications are the e-mail outbox; per-user mail preference and digest time

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

import bpmnpub.models.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("human_task_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("mail_state", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("mail_attempts", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("mail_next_at", bpmnpub.models.base.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("mail_claimed_until", bpmnpub.models.base.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("mail_error", sa.String(length=500), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_notification_human_task_id_human_task"),
            "human_task",
            ["human_task_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_notification_mail", ["mail_state", "mail_next_at", "created_at"], unique=False)
    # Notifications written before mail existed are not mailed now.
    op.execute("UPDATE notification SET mail_state = 'skipped'")
    with op.batch_alter_table("user") as batch:
        batch.add_column(
            sa.Column("mail_preference", sa.String(length=16), server_default="immediate", nullable=False)
        )
        batch.add_column(sa.Column("last_digest_at", bpmnpub.models.base.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.drop_column("last_digest_at")
        batch.drop_column("mail_preference")
    with op.batch_alter_table("notification") as batch:
        batch.drop_index("ix_notification_mail")
        batch.drop_constraint(batch.f("fk_notification_human_task_id_human_task"), type_="foreignkey")
        for column in ("mail_error", "mail_claimed_until", "mail_next_at", "mail_attempts", "mail_state"):
            batch.drop_column(column)
        batch.drop_column("human_task_id")
