"""confirmed O items: which ITA/OIT items a publisher confirmed a published item answers

Items published before this migration have none confirmed (`ita_confirmed_at` NULL, `ita_item` NULL):
their O item came from their category's mapping, which only suggests. Publishers confirm them on
/publishing/items (docs/ita-index.md, "Items published before confirmation existed").

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 09:30:00
"""

import sqlalchemy as sa
from alembic import op

import bpmnpub.models.base

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "confirmed_o_item",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["published_item.id"],
            name=op.f("fk_confirmed_o_item_item_id_published_item"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", "code", name=op.f("pk_confirmed_o_item")),
    )
    op.create_index(op.f("ix_confirmed_o_item_code"), "confirmed_o_item", ["code"], unique=False)
    op.add_column(
        "published_item", sa.Column("ita_confirmed_at", bpmnpub.models.base.UTCDateTime(), nullable=True)
    )
    # The O item an earlier publish wrote was the request's, or else the first its category maps to:
    # a guess nobody confirmed. Cleared, so the API and the publishers' list say "not confirmed" too;
    # the item's audit trail (item_event) still records where it was filed.
    op.execute("UPDATE published_item SET ita_item = NULL")


def downgrade() -> None:
    op.drop_column("published_item", "ita_confirmed_at")
    op.drop_index(op.f("ix_confirmed_o_item_code"), table_name="confirmed_o_item")
    op.drop_table("confirmed_o_item")
