"""The public verification of an issued memo (/v/<code>, no sign-in): what the office issued under that
number, and whether a copy someone holds is that very file with the office's signature intact.

A copy is the original when its sha256 is the one recorded at issue; its signature is the office's when
pyHanko finds it intact, covering the whole file, and made with the certificate recorded at issue.
Both are told apart, so a reader learns whether a file was altered, re-saved or signed by someone else.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ... import thaidate
from ...documents.signing import check_signature
from ...errors import NotFoundError, UploadTooLargeError, ValidationError
from ...models import InstanceEvent, ProcessInstance, RegisteredDocument, User
from ..kernel import office_settings
from ..kernel.context import ServiceContext
from ..requests import revisions
from ..requests.register import RegisterEntry, number_text
from .issued_memo import issue_memo

# An issued memo is a few hundred kilobytes; a copy is read up to the upload limit (MAX_UPLOAD_BYTES)
# and no further.


def max_copy_bytes(ctx: ServiceContext) -> int:
    return int(ctx.settings["MAX_UPLOAD_BYTES"])


@dataclass(frozen=True)
class DecisionLine:
    """One signed step of the memo up to the director's decision."""

    step: str  # the step's name, e.g. "ผอ.สพป. พิจารณา อนุญาต"
    decision: str  # the code: approve, reject, revise, recommend_allow, ...
    name: str
    position: str
    acting_for: str  # the name of the person acted for, or ""
    at: datetime
    permits: bool = False  # the decision that issued the memo: said อนุญาต / ไม่อนุญาต


@dataclass(frozen=True)
class VerificationPage:
    code: str
    number_text: str  # ศธ 04082/123
    office_name: str
    subject: str
    decided_at: datetime
    decision: str  # the director's: approve or reject
    decisions: list[DecisionLine]
    sha256: str | None
    issued_at: datetime | None
    thai_digits: bool

    @property
    def printed_number(self) -> str:
        """The number as the memo prints it (Thai digits unless the office prints Arabic ones)."""
        return thaidate.thai_digits(self.number_text) if self.thai_digits else self.number_text


@dataclass(frozen=True)
class CopyCheck:
    """The answer for one uploaded copy."""

    sha256: str
    matches: bool  # byte for byte the issued file
    signature: str  # valid | invalid | unsigned | unreadable | other_signer

    @property
    def original(self) -> bool:
        return self.matches and self.signature == "valid"


def get_verification(ctx: ServiceContext, code: str, *, base_url: str = "") -> VerificationPage:
    """The public facts of the memo issued under `code` (issuing it first if nobody has asked for it
    since the decision). Raises NotFoundError."""
    entry = _entry(ctx, code)
    if not entry.issued:
        issue_memo(ctx, entry.instance_id, base_url=base_url)
    with ctx.db.read() as session:
        row = _by_code(session, code)
        instance = session.get(ProcessInstance, row.instance_id)
        decided = session.get(InstanceEvent, row.decision_event_id)
        assert instance is not None and decided is not None
        settings = office_settings.load(session)
        return VerificationPage(
            code=row.code,
            number_text=number_text(row.prefix, row.number),
            office_name=settings.name,
            subject=instance.title,
            decided_at=decided.at,
            decision=decided.decision or "",
            decisions=_decisions(session, row),
            sha256=row.sha256,
            issued_at=row.issued_at,
            thai_digits=settings.thai_digits,
        )


def check_copy(ctx: ServiceContext, code: str, stream: IO[bytes]) -> CopyCheck:
    """Whether an uploaded PDF is the memo issued under `code`, with the office's signature intact.
    Raises NotFoundError, UploadTooLargeError, ValidationError (nothing uploaded)."""
    entry = _entry(ctx, code)
    limit = max_copy_bytes(ctx)
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise UploadTooLargeError(f"a copy is at most {limit // (1024 * 1024)} MB", {"limit": limit})
    if not content:
        raise ValidationError("no file was uploaded", [])
    with ctx.db.read() as session:  # not issued yet: nobody holds a copy of it, nothing matches
        row = _by_code(session, entry.code)
        recorded, signer = row.sha256, row.signer_fingerprint
    digest = hashlib.sha256(content).hexdigest()
    result = check_signature(content)
    signature = result.status
    if signature == "valid" and result.fingerprint != signer:
        signature = "other_signer"
    return CopyCheck(digest, recorded is not None and digest == recorded, signature)


def _entry(ctx: ServiceContext, code: str) -> RegisterEntry:
    with ctx.db.read() as session:
        return RegisterEntry.of(_by_code(session, code))


def _by_code(session: Session, code: str) -> RegisteredDocument:
    # Codes are printed in capitals; a person typing one may not.
    row = session.scalar(
        select(RegisteredDocument).where(RegisteredDocument.code == code.strip().upper()[:16])
    )
    if row is None:
        raise NotFoundError("no document was issued under this code")
    return row


def _decisions(session: Session, row: RegisteredDocument) -> list[DecisionLine]:
    principal = aliased(User)
    rows = session.execute(
        select(InstanceEvent, User, principal)
        .outerjoin(User, User.id == InstanceEvent.actor_id)
        .outerjoin(principal, principal.id == InstanceEvent.on_behalf_of_id)
        .where(
            InstanceEvent.instance_id == row.instance_id,
            InstanceEvent.action == "task_completed",
            InstanceEvent.decision.is_not(None),
            InstanceEvent.id <= row.decision_event_id,
            # the endorsements of the content the decision permitted: not those of earlier rounds
            InstanceEvent.id > revisions.round_start(session, row.instance_id, row.decision_event_id),
        )
        .order_by(InstanceEvent.id)
    ).all()
    return [
        DecisionLine(
            step=event.task_name or "",
            decision=event.decision or "",
            name=who.full_name if who else "",
            position=(who.position or "") if who else "",
            acting_for=for_whom.full_name if for_whom else "",
            at=event.at,
            permits=event.id == row.decision_event_id,
        )
        for event, who, for_whom in rows
    ]
