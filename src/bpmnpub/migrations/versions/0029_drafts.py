"""drafts: a request is a draft until its requester sends the first form (`process_instance.submitted_at`),
and a step's form can be saved without sending it (`task_draft`, one per step and person)

Requests already there count as submitted when they were created, except those nobody has worked on:
running, started by a person, no step completed and every open step the requester's own. Those are
the abandoned "(ยังไม่มีชื่อเรื่อง)" requests of the old "เริ่ม" button; they become their starter's drafts.

Revision ID: 0029
Revises: 0027
Create Date: 2026-12-07 16:00:00
"""

import sqlalchemy as sa
from alembic import op

import bpmnpub.models.base

revision = "0029"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch copy of process_instance would drop a table many others refer to.
    op.add_column(
        "process_instance", sa.Column("submitted_at", bpmnpub.models.base.UTCDateTime(), nullable=True)
    )
    op.execute(
        """
        UPDATE process_instance SET submitted_at = created_at
        WHERE NOT (
            status = 'running'
            AND started_by_id IS NOT NULL
            AND NOT EXISTS (
                SELECT 1 FROM human_task t
                WHERE t.instance_id = process_instance.id AND t.status = 'completed'
            )
            AND EXISTS (
                SELECT 1 FROM human_task t
                WHERE t.instance_id = process_instance.id AND t.status IN ('ready', 'claimed')
            )
            AND NOT EXISTS (
                SELECT 1 FROM human_task t
                WHERE t.instance_id = process_instance.id AND t.status IN ('ready', 'claimed')
                AND (t.lane <> 'requester' OR t.requester_id IS NULL
                     OR t.requester_id <> process_instance.started_by_id)
            )
        )
        """
    )
    op.create_table(
        "task_draft",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("values", bpmnpub.models.base.JSONText(), nullable=False),
        sa.Column("saved_at", bpmnpub.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["human_task.id"], name=op.f("fk_task_draft_task_id_human_task"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_task_draft_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("task_id", "user_id", name=op.f("pk_task_draft")),
    )


def downgrade() -> None:
    op.drop_table("task_draft")
    op.drop_column("process_instance", "submitted_at")
