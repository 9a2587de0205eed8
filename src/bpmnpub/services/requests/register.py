"""The office's document register: the number (ที่ ศธ ๐๔xxx/๑๒๓) a memo gets when the director decides it.

ระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณ numbers the documents an office issues in one running series
per calendar year (พ.ศ.), starting at 1 each January. The number is given in the transaction of the
decision (approve or reject: both are the office's answer; "revise" is not), is never given twice
(a counter that only goes up, and a unique (year, number)), and two directors deciding at the same
moment get two numbers: the counter is one upsert, which PostgreSQL and SQLite both make atomic.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ... import thaidate
from ...models import DocumentCounter, InstanceEvent, ProcessInstance, RegisteredDocument
from ..kernel import office_settings

# The steps whose decision issues a request's memo, per procedure.
ISSUING_STEPS = {
    ("memo_publication", "Task_DirectorDecision"),
    ("general_publication", "Task_DirectorDecision"),
}
FINAL_DECISIONS = ("approve", "reject")
# The public verification URL's code: 8 letters and digits a person can read back without confusion
# (no 0/O, 1/I/L), 31^8 ≈ 8.5e11 codes, so a code cannot be guessed from another.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


@dataclass(frozen=True)
class RegisterEntry:
    """A number of the register, as pages and the memo show it."""

    instance_id: int
    number_text: str  # "ศธ 04082/123" (digits as typed; documents print them Thai)
    year: int
    number: int
    code: str
    assigned_at: datetime
    issued: bool  # the signed PDF exists
    sha256: str | None

    @classmethod
    def of(cls, row: RegisteredDocument) -> RegisterEntry:
        return cls(
            row.instance_id,
            number_text(row.prefix, row.number),
            row.year,
            row.number,
            row.code,
            row.assigned_at,
            row.file_id is not None,
            row.sha256,
        )


def number_text(prefix: str, number: int) -> str:
    """ศธ 04082 + 123 -> "ศธ 04082/123" (a prefix typed with its slash keeps one)."""
    base = prefix.strip().rstrip("/").strip()
    return f"{base}/{number}" if base else str(number)


def issues_memo(process_id: str, task_spec: str, decision: str | None) -> bool:
    return (process_id, task_spec) in ISSUING_STEPS and decision in FINAL_DECISIONS


def record_decision(
    session: Session,
    instance: ProcessInstance,
    event: InstanceEvent,
    *,
    actor_id: int | None,
    now: datetime,
) -> RegisteredDocument | None:
    """Give the request its number when `event` is the decision that issues its memo (inside the
    decision's transaction; nothing when it is not, or the request has one already)."""
    if not issues_memo(instance.process_id, event.task_spec or "", event.decision):
        return None
    existing = session.scalar(select(RegisteredDocument).where(RegisteredDocument.instance_id == instance.id))
    if existing is not None:
        # Decided again (an admin rewound the request): one number per request; until its PDF is
        # issued, the memo follows the latest decision. An issued memo stays what the office sent.
        if existing.file_id is None:
            session.flush()
            existing.decision_event_id = event.id
        return existing
    year = thaidate.be_year(now)
    session.flush()  # the event's id
    row = RegisteredDocument(
        prefix=office_settings.load(session).memo_prefix[:50],
        year=year,
        number=_next_number(session, year),
        instance_id=instance.id,
        decision_event_id=event.id,
        assigned_at=now,
        assigned_by_id=actor_id,
        code=_new_code(session),
    )
    session.add(row)
    session.flush()
    return row


def find_entry(session: Session, instance_id: int) -> RegisterEntry | None:
    row = session.scalar(select(RegisteredDocument).where(RegisteredDocument.instance_id == instance_id))
    return RegisterEntry.of(row) if row is not None else None


def _next_number(session: Session, year: int) -> int:
    """One statement: the year's counter made at 1 or raised by 1, and read back. On PostgreSQL a
    second transaction doing the same waits on the row and then sees the raised value."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(DocumentCounter)
        .values(year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[DocumentCounter.year],
            set_={"last_number": DocumentCounter.last_number + 1},
        )
        .returning(DocumentCounter.last_number)
    )
    number = session.execute(statement).scalar_one()
    return int(number)


def _new_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        taken = session.scalar(select(RegisteredDocument.id).where(RegisteredDocument.code == code))
        if taken is None:
            return code
