"""recurring duties (duty_topic, duty) and the procedures each category allows (category.procedures)

The data step gives the categories that still come from a shipped preset the procedures that preset
names (procurement and regulations: 3.3 only; photographs: 3.2; the rest 3.1 or the memo); a category
added or reworded by hand keeps [] (any procedure) until an admin chooses.

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-07 12:30:00
"""

import json

import sqlalchemy as sa
from alembic import op

import bpmnpub.models.base

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_R = ["regulatory_publication"]
_G = ["general_publication", "memo_publication"]
_GP = [*_G, "photo_publication"]
_P = ["photo_publication"]
# A frozen copy of the presets' "procedures" as shipped with this revision.
_PRESETS = {
    "categories-phitsanulok2": {
        "1.1": _R, "1.2": _R, "1.3": _GP, "1.4": _R, "1.5": _R, "1.6": _R, "1.7": _G, "1.8": _G,
        "1.9": _R, "1.10": _R, "1.11": _R, "1.12": _G, "1.13": _GP, "1.14": _G, "1.15": _G,
        "1.16": _GP, "1.17": _G,
    },
    "categories-chachoengsao1": {
        "1.1": _R, "1.2": _R, "1.3": _R, "1.4": _R, "1.5": _R, "1.6": _R, "1.7": _R, "1.8": _G,
        "1.9": _P,
    },
}  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.add_column(sa.Column("procedures", bpmnpub.models.base.JSONText(), nullable=True))
    category = sa.table(
        "category", sa.column("id", sa.Integer), sa.column("code", sa.String), sa.column("preset", sa.String),
        sa.column("procedures", sa.Text),
    )  # fmt: skip
    conn = op.get_bind()
    for row_id, code, preset in conn.execute(sa.select(category.c.id, category.c.code, category.c.preset)):
        allowed = _PRESETS.get(preset or "", {}).get(code, [])
        conn.execute(category.update().where(category.c.id == row_id).values(procedures=json.dumps(allowed)))
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.alter_column("procedures", existing_type=bpmnpub.models.base.JSONText(), nullable=False)

    op.create_table(
        "duty_topic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("ita_item", sa.String(length=16), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("due_workdays", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("created_at", bpmnpub.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", bpmnpub.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["group.id"], name=op.f("fk_duty_topic_group_id_group")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_topic")),
    )
    with op.batch_alter_table("duty_topic", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duty_topic_group_id"), ["group_id"], unique=False)
    op.create_table(
        "duty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("due_at", bpmnpub.models.base.UTCDateTime(), nullable=False),
        sa.Column("satisfied_item_id", sa.Integer(), nullable=True),
        sa.Column("satisfied_at", bpmnpub.models.base.UTCDateTime(), nullable=True),
        sa.Column("reminded_at", bpmnpub.models.base.UTCDateTime(), nullable=True),
        sa.Column("overdue_notified_at", bpmnpub.models.base.UTCDateTime(), nullable=True),
        sa.Column("created_at", bpmnpub.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["satisfied_item_id"],
            ["published_item.id"],
            name=op.f("fk_duty_satisfied_item_id_published_item"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["duty_topic.id"], name=op.f("fk_duty_topic_id_duty_topic"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty")),
        sa.UniqueConstraint("topic_id", "period_start", name=op.f("uq_duty_topic_id")),
    )
    with op.batch_alter_table("duty", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duty_due_at"), ["due_at"], unique=False)


def downgrade() -> None:
    op.drop_table("duty")
    op.drop_table("duty_topic")
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.drop_column("procedures")
