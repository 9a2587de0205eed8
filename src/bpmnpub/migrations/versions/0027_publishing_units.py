"""publishing units: the unit a publish step is routed to (`human_task.unit_id`), and the other
channels PR recorded for a published item (`item_channel`)

A publisher's `role_assignment.group_id` is the unit they publish for (empty: the office pool); a
category's `group_id` is its responsible unit. Both columns exist already.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 16:00:00
"""

import sqlalchemy as sa
from alembic import op

import bpmnpub.models.base

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

_INBOX = [
    "status",
    "lane",
    "scope_group_id",
    "requester_id",
    "assigned_user_id",
    "decides",
    "instance_id",
    "created_at",
    "process_id",
    "category",
    "task_spec",
    "name",
    "due_at",
]


def upgrade() -> None:
    # No foreign key: SQLite could only add one by copying the table, which rows of other tables refer to.
    op.add_column("human_task", sa.Column("unit_id", sa.Integer(), nullable=True))
    # The inbox's covering index gains the unit, after the group (the publisher lane's rule reads it).
    op.drop_index("ix_human_task_inbox", table_name="human_task")
    op.create_index("ix_human_task_inbox", "human_task", [*_INBOX[:3], "unit_id", *_INBOX[3:]])
    op.create_table(
        "item_channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False, server_default=""),
        sa.Column("file_id", sa.String(length=32), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False, server_default=""),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", bpmnpub.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["published_item.id"],
            name=op.f("fk_item_channel_item_id_published_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["file_id"], ["stored_file.id"], name=op.f("fk_item_channel_file_id_stored_file")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user.id"],
            name=op.f("fk_item_channel_recorded_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_channel")),
        sa.UniqueConstraint("item_id", "kind", name=op.f("uq_item_channel_item_id")),
    )


def downgrade() -> None:
    op.drop_table("item_channel")
    op.drop_index("ix_human_task_inbox", table_name="human_task")
    op.create_index("ix_human_task_inbox", "human_task", _INBOX)
    op.drop_column("human_task", "unit_id")  # SQLite 3.35+ drops a column in place
