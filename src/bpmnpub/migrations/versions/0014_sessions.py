"""sessions that end: server-side browser sessions; API tokens with an expiry, last use and reason

Revision ID: 0014
Revises: 0013
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import bpmnpub.models.base

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", bpmnpub.models.base.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", bpmnpub.models.base.UTCDateTime(), nullable=False),
        sa.Column("ended_at", bpmnpub.models.base.UTCDateTime(), nullable=True),
        sa.Column("ended_reason", sa.String(length=32), nullable=True),
        sa.Column("remote_addr", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_user_session_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_session_token_hash")),
    )
    op.create_index("ix_user_session_user_open", "user_session", ["user_id", "ended_at"], unique=False)
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("expires_at", bpmnpub.models.base.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("last_used_at", bpmnpub.models.base.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("revoked_reason", sa.String(length=32), nullable=True))
    # Tokens made before expiry existed end 90 days from now, not never.
    table = sa.table("api_token", sa.column("expires_at", bpmnpub.models.base.UTCDateTime()))
    op.execute(table.update().values(expires_at=datetime.now(UTC) + timedelta(days=90)))


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("revoked_reason")
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
    op.drop_index("ix_user_session_user_open", table_name="user_session")
    op.drop_table("user_session")
