"""The tamper-evident trail: linking each new `instance_event` / `admin_event` row into its hash chain,
and walking the chains to find the first row that was changed, deleted or inserted behind the app's back.

Chains: one per request for `instance_event` ("instance:<id>") and one for all of `admin_event`
("admin"). A chain must be written one row after another, so a writer locks the chain's head row in
`audit_chain` (SELECT ... FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already queues writers).
Per-request chains keep completions of different requests from queueing behind one global lock (the
request's own row is locked by the same transactions anyway); admin changes are rare, so one chain.
The lock is taken once per transaction and chain: later rows of the same transaction reuse the head
object from the session's identity map.

Tamper-evident, not tamper-proof: someone who can write the database can also recompute every hash.
What the chain gives is that an edit with SQL, a deleted row or a slipped-in row is found unless the
whole chain after it was rewritten too; printing the heads (`bpmnpub audit verify`) lets an office keep
them elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from ...models import AdminEvent, AuditChain, InstanceEvent
from ...models.chain import (
    ADMIN_CHAIN,
    ADMIN_FIELDS,
    GENESIS,
    INSTANCE_FIELDS,
    content_of,
    instance_chain,
    row_hash,
)
from .context import ServiceContext
from .journal import journal

CHANGED, DELETED, INSERTED = "changed", "deleted", "inserted"
BATCH = 2000


def _head(session: Session, chain: str) -> AuditChain:
    """The chain's head, locked for this transaction (created empty the first time)."""
    known = session.identity_map.get(identity_key(AuditChain, chain))
    if isinstance(known, AuditChain):
        return known
    head = _locked_head(session, chain)
    journal(session).heads.append(head)  # kept for the transaction: see Journal.heads
    return head


_LOCKED_HEAD = select(AuditChain).where(AuditChain.chain == bindparam("chain")).with_for_update()


def _locked_head(session: Session, chain: str) -> AuditChain:
    stmt, params = _LOCKED_HEAD, {"chain": chain}
    # No autoflush: flushing the caller's half-made changes here would cost a second UPDATE of them later.
    with session.no_autoflush:
        head = session.scalars(stmt, params).one_or_none()
    if head is None:
        # Two first events of the admin chain may race on an empty table: the loser's insert does nothing
        # and it waits on the winner's row lock below.
        values = {"chain": chain, "head_hash": GENESIS, "length": 0}
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            session.execute(postgresql.insert(AuditChain).values(values).on_conflict_do_nothing())
        elif dialect == "sqlite":
            session.execute(sqlite.insert(AuditChain).values(values).on_conflict_do_nothing())
        else:  # pragma: no cover - the two databases bpmnpub runs on are above
            session.execute(insert(AuditChain).values(values))
        with session.no_autoflush:
            head = session.scalars(stmt, params).one()
    return head


def _link(session: Session, chain: str, row: InstanceEvent | AdminEvent, fields: tuple[str, ...]) -> None:
    head = _head(session, chain)
    row.prev_hash = head.head_hash
    row.row_hash = row_hash(head.head_hash, content_of(row, fields))
    head.head_hash = row.row_hash
    head.length += 1


def link_instance_event(session: Session, event: InstanceEvent) -> None:
    """Give a new request event its place in the request's chain (call before adding it)."""
    _link(session, instance_chain(event.instance_id), event, INSTANCE_FIELDS)


def link_admin_event(session: Session, event: AdminEvent) -> None:
    """Give a new admin event its place in the admin chain (call before adding it)."""
    _link(session, ADMIN_CHAIN, event, ADMIN_FIELDS)


# --- verifying ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """The first thing wrong in one chain: which table and row, and what differs."""

    table: str
    chain: str
    row_id: int | None  # the row named; None when the chain's rows are all gone
    kind: str  # changed | deleted | inserted
    detail: str

    def describe(self) -> str:
        where = f"{self.table} id {self.row_id}" if self.row_id is not None else self.table
        return f"{where} ({self.chain}): {self.kind}: {self.detail}"


@dataclass(frozen=True)
class Report:
    chains: int
    rows: int
    findings: list[Finding]
    heads: dict[str, str]  # chain -> head hash, to keep elsewhere and compare later

    @property
    def intact(self) -> bool:
        return not self.findings


@dataclass(frozen=True)
class _Row:
    id: int
    prev_hash: str | None
    row_hash: str | None
    content: dict[str, Any]


def _walk(table: str, chain: str, rows: list[_Row], head: AuditChain | None) -> Finding | None:
    """The first finding in one chain's rows (in id order) against its stored head."""
    expected = GENESIS
    seen: dict[str, int] = {GENESIS: -1}  # hash -> position of the row that has it
    for position, row in enumerate(rows):
        following = rows[position + 1] if position + 1 < len(rows) else None
        # The chain goes past this row: the next row (or the head) links to the one before it.
        skipped = (following.prev_hash if following else head.head_hash if head else None) == expected
        if row.row_hash is None or row_hash(row.prev_hash or "", row.content) != row.row_hash:
            if skipped and row.prev_hash != expected:
                return Finding(table, chain, row.id, INSERTED, "a row that is not in the chain")
            return Finding(table, chain, row.id, CHANGED, "the row's content no longer matches its hash")
        if row.prev_hash != expected:
            before = seen.get(row.prev_hash or "")
            if before is not None and before < position - 1:
                first = rows[before + 1]
                return Finding(table, chain, first.id, INSERTED, "a row that is not in the chain")
            if skipped:
                return Finding(table, chain, row.id, INSERTED, "a row that is not in the chain")
            after = f"after id {rows[position - 1].id}" if position else "at the start of the chain"
            return Finding(table, chain, row.id, DELETED, f"a row is missing before this one ({after})")
        seen[row.row_hash] = position
        expected = row.row_hash
    if head is None:
        if rows:
            return Finding(table, chain, rows[0].id, INSERTED, "rows of a chain that was never started")
        return None
    if expected != head.head_hash:
        at = seen.get(head.head_hash)
        if at is not None:
            return Finding(table, chain, rows[at + 1].id, INSERTED, "rows after the chain's last row")
        last = f"after id {rows[-1].id}" if rows else "every row of the chain"
        return Finding(
            table,
            chain,
            rows[-1].id if rows else None,
            DELETED,
            f"{head.length - len(rows)} row(s) missing at the end ({last})",
        )
    return None


def _instance_rows(session: Session) -> Iterator[tuple[int, list[_Row]]]:
    stmt = (
        select(InstanceEvent.__table__)
        .order_by(InstanceEvent.instance_id, InstanceEvent.id)
        .execution_options(yield_per=BATCH)
    )
    current: int | None = None
    rows: list[_Row] = []
    for r in session.execute(stmt):
        if r.instance_id != current:
            if current is not None:
                yield current, rows
            current, rows = r.instance_id, []
        rows.append(_Row(r.id, r.prev_hash, r.row_hash, content_of(r, INSTANCE_FIELDS)))
    if current is not None:
        yield current, rows


def _admin_rows(session: Session) -> list[_Row]:
    stmt = select(AdminEvent.__table__).order_by(AdminEvent.id)
    return [_Row(r.id, r.prev_hash, r.row_hash, content_of(r, ADMIN_FIELDS)) for r in session.execute(stmt)]


@contextmanager
def _snapshot(ctx: ServiceContext) -> Iterator[Session]:
    """One snapshot for heads and rows: on PostgreSQL's default READ COMMITTED, an event committed between
    reading the heads and reading the rows would look like a row slipped in (or cut off)."""
    if ctx.db.is_sqlite:  # a read transaction in WAL mode is a snapshot already
        with ctx.db.read() as session:
            yield session
        return
    engine = ctx.db.read_engine.execution_options(isolation_level="REPEATABLE READ")
    with Session(engine) as session, session.begin():
        yield session


def verify(ctx: ServiceContext) -> Report:
    """Walk every chain in one read transaction and report the first altered row of each."""
    findings: list[Finding] = []
    count = 0
    with _snapshot(ctx) as session:
        heads = {h.chain: h for h in session.scalars(select(AuditChain))}
        walked: set[str] = set()
        admin = _admin_rows(session)
        count += len(admin)
        walked.add(ADMIN_CHAIN)
        found = _walk("admin_event", ADMIN_CHAIN, admin, heads.get(ADMIN_CHAIN))
        findings.extend([found] if found else [])
        for instance_id, rows in _instance_rows(session):
            chain = instance_chain(instance_id)
            walked.add(chain)
            count += len(rows)
            found = _walk("instance_event", chain, rows, heads.get(chain))
            findings.extend([found] if found else [])
        for chain in sorted(set(heads) - walked):
            found = _walk("instance_event", chain, [], heads[chain])
            findings.extend([found] if found else [])
        return Report(len(walked | set(heads)), count, findings, {c: h.head_hash for c, h in heads.items()})
