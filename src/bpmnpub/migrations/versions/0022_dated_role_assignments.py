"""dated role assignments: valid_from / valid_to, the appointment order (number, date, the request that
recorded it), an administrator's early end (when, who, why); a person may hold a role again under a
later order, so (user, role) is no longer unique. Existing assignments stay undated: open-ended.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import bpmnpub.models.base

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("role_assignment", schema=None) as batch_op:
        batch_op.drop_constraint("uq_role_assignment_user_role", type_="unique")
        batch_op.add_column(sa.Column("valid_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("valid_to", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("order_number", sa.String(length=100), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("order_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("instance_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("created_at", bpmnpub.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("ended_at", bpmnpub.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("ended_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("ended_reason", sa.String(length=500), server_default="", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_role_assignment_instance_id"), ["instance_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_role_assignment_instance_id_process_instance"),
            "process_instance",
            ["instance_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_role_assignment_ended_by_id_user"),
            "user",
            ["ended_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    # Back to one row per (user, role): the newest of each pair is kept.
    op.execute(
        "DELETE FROM role_assignment WHERE id NOT IN "
        "(SELECT MAX(id) FROM role_assignment GROUP BY user_id, role)"
    )
    with op.batch_alter_table("role_assignment", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_role_assignment_ended_by_id_user"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_role_assignment_instance_id_process_instance"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_role_assignment_instance_id"))
        for column in (
            "ended_reason",
            "ended_by_id",
            "ended_at",
            "created_at",
            "instance_id",
            "order_date",
            "order_number",
            "valid_to",
            "valid_from",
        ):
            batch_op.drop_column(column)
        batch_op.create_unique_constraint("uq_role_assignment_user_role", ["user_id", "role"])
