"""the inbox index covers due_at (the inbox sorted by due date)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 10:35:00.000000
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_COLUMNS = [
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
]


def upgrade() -> None:
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.drop_index("ix_human_task_inbox")
        batch_op.create_index("ix_human_task_inbox", [*_COLUMNS, "due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.drop_index("ix_human_task_inbox")
        batch_op.create_index("ix_human_task_inbox", _COLUMNS, unique=False)
