"""audit trail: a hash chain over instance_event (one chain per request) and admin_event (one chain),
with each chain's head in audit_chain; existing rows are chained here, in id order

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 10:10:00
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from bpmnpub.models.base import JSONText, UTCDateTime
from bpmnpub.models.chain import ADMIN_CHAIN, ADMIN_FIELDS, GENESIS, INSTANCE_FIELDS, instance_chain, row_hash

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

BATCH = 2000


def _table(name: str, fields: tuple[str, ...]) -> sa.TableClause:
    # Typed columns, so times and details read back exactly as the app's models read them.
    types: dict[str, Any] = {"at": UTCDateTime(), "details": JSONText()}
    columns = [sa.column(f, types.get(f, sa.Integer() if f.endswith("_id") else sa.String())) for f in fields]
    return sa.table(
        name, sa.column("id", sa.Integer()), *columns, sa.column("prev_hash"), sa.column("row_hash")
    )


def _chain(table: sa.TableClause, fields: tuple[str, ...], key: Any) -> dict[str, list[Any]]:
    """Hash every row in (chain, id) order; returns {chain: [head_hash, length]}."""
    bind = op.get_bind()
    heads: dict[str, list[Any]] = {}
    order = [table.c.instance_id, table.c.id] if "instance_id" in fields else [table.c.id]
    updates: list[dict[str, Any]] = []
    for row in bind.execute(sa.select(table).order_by(*order)):
        chain = key(row)
        head = heads.setdefault(chain, [GENESIS, 0])
        digest = row_hash(head[0], {f: getattr(row, f) for f in fields})
        updates.append({"b_id": row.id, "b_prev": head[0], "b_hash": digest})
        head[0], head[1] = digest, head[1] + 1
    stmt = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("b_id"))
        .values(prev_hash=sa.bindparam("b_prev"), row_hash=sa.bindparam("b_hash"))
    )
    for start in range(0, len(updates), BATCH):
        bind.execute(stmt, updates[start : start + BATCH])
    return heads


def upgrade() -> None:
    op.create_table(
        "audit_chain",
        sa.Column("chain", sa.String(length=64), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_audit_chain")),
    )
    for name in ("instance_event", "admin_event"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column("row_hash", sa.String(length=64), nullable=True))
    heads = _chain(_table("admin_event", ADMIN_FIELDS), ADMIN_FIELDS, lambda _row: ADMIN_CHAIN)
    heads.update(
        _chain(
            _table("instance_event", INSTANCE_FIELDS),
            INSTANCE_FIELDS,
            lambda row: instance_chain(row.instance_id),
        )
    )
    chain_table = sa.table("audit_chain", sa.column("chain"), sa.column("head_hash"), sa.column("length"))
    rows = [{"chain": c, "head_hash": h, "length": n} for c, (h, n) in heads.items()]
    for start in range(0, len(rows), BATCH):
        op.get_bind().execute(sa.insert(chain_table), rows[start : start + BATCH])


def downgrade() -> None:
    for name in ("admin_event", "instance_event"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column("row_hash")
            batch_op.drop_column("prev_hash")
    op.drop_table("audit_chain")
