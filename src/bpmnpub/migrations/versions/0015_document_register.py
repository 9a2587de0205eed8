"""document register: a running number per calendar year for each memo the director decides, and the
signed PDF issued under it

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 09:30:00
"""

import sqlalchemy as sa
from alembic import op

import bpmnpub.models.base

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_counter",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_document_counter")),
    )
    op.create_table(
        "document_register",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=50), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("decision_event_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", bpmnpub.models.base.UTCDateTime(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("file_id", sa.String(length=32), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("signer_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("issued_at", bpmnpub.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"], ["user.id"], name=op.f("fk_document_register_assigned_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["decision_event_id"],
            ["instance_event.id"],
            name=op.f("fk_document_register_decision_event_id_instance_event"),
        ),
        sa.ForeignKeyConstraint(
            ["file_id"], ["stored_file.id"], name=op.f("fk_document_register_file_id_stored_file")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instance.id"],
            name=op.f("fk_document_register_instance_id_process_instance"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_register")),
        sa.UniqueConstraint("code", name=op.f("uq_document_register_code")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_document_register_instance_id")),
        sa.UniqueConstraint("year", "number", name=op.f("uq_document_register_year")),
    )


def downgrade() -> None:
    op.drop_table("document_register")
    op.drop_table("document_counter")
