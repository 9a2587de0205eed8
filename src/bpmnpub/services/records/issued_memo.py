"""The memo a person downloads: a live draft until the director decides, then the one issued PDF.

Issuing renders the memo once, as it stood at the decision, with its register number, a QR code and
the short URL of its public verification page, signs it (PAdES) with the office's key, and stores it
as a file (content addressed) with its sha256 in the register. Every later download serves that same
file. It happens at the first ask after the decision (a download or the verification page), so the
decision itself costs no rendering, and the URL in the QR code can be the address people reach the
office at (PUBLIC_BASE_URL, else the host the asking request came to).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...documents import render_pdf
from ...documents.qr import qr_svg
from ...documents.signing import sign_pdf
from ...errors import NotFoundError
from ...models import InstanceEvent, ProcessInstance, RegisteredDocument
from ...permissions import Actor
from ..files import storage
from ..kernel import office_settings
from ..kernel.context import ServiceContext
from ..kernel.membership import readable_instance
from ..requests.register import FINAL_DECISIONS, ISSUING_STEPS, RegisterEntry, number_text
from . import memo, office_key

DRAFT_MARK = "ฉบับร่าง ยังไม่ได้ออกเลขที่หนังสือ (ผู้อำนวยการยังไม่ได้พิจารณา)"
SIGNING_REASON = "ออกเลขที่หนังสือและลงนามอิเล็กทรอนิกส์โดยระบบ bpmnpub"


def verification_path(code: str) -> str:
    return f"/v/{code}"


def memo_download(
    ctx: ServiceContext, instance_id: int, actor: Actor, digits: str | None = None, *, base_url: str = ""
) -> memo.MemoFile:
    """The memo of a request to download: the signed, issued PDF once the director decided (issued now
    if this is the first ask; `digits` no longer applies), before that the live draft, marked as one.
    Raises NotFoundError, PermissionDeniedError, ValidationError (unknown digits)."""
    with ctx.db.read() as session:
        instance = readable_instance(session, actor, instance_id)
        row = _row(session, instance_id)
        decided = row is not None or decided_before_the_register(session, instance)
    if row is None:
        live = memo.get_memo(ctx, instance_id, actor, digits)
        # A memo decided before the register existed has no number, but is no draft either.
        if not decided:
            live = replace(live, footer=f"{DRAFT_MARK} · {live.footer}")
        return memo.MemoFile(f"บันทึกข้อความ-{instance_id}.pdf", render_pdf(live))
    issue_memo(ctx, instance_id, base_url=base_url)
    _, content = storage.read_file(ctx, _issued_file_id(ctx, instance_id))
    return memo.MemoFile(f"บันทึกข้อความ-{instance_id}.pdf", content)


def issue_memo(ctx: ServiceContext, instance_id: int, *, base_url: str = "") -> RegisterEntry:
    """The request's memo issued (rendered, signed and stored once; nothing when it was already). The
    caller has checked who asks: the verification page may ask for anyone. Raises NotFoundError (no
    register number: the director has not decided)."""
    with ctx.db.read() as session:
        row = _row(session, instance_id)
        if row is None:
            raise NotFoundError(f"request {instance_id} has no document number yet")
        if row.file_id is not None:
            return RegisterEntry.of(row)
        instance = session.get(ProcessInstance, instance_id)
        assert instance is not None
        settings = office_settings.load(session)
        document = memo.compose(ctx, session, instance, settings, until_event_id=row.decision_event_id)
        code, prefix, number = row.code, row.prefix, row.number
    url = _base(ctx, base_url) + verification_path(code)
    emblem, emblem_type = memo.emblem_of(ctx, settings.emblem_file_id)
    document = replace(
        document,
        thai_digits=settings.thai_digits,
        emblem=emblem,
        emblem_type=emblem_type,
        document_number=number_text(prefix, number),
        verification_url=url,
        verification_qr_svg=qr_svg(url),
    )
    # Rendering and signing take a second or two: done outside any transaction, then kept only if
    # nobody issued the memo meanwhile (the row is locked to decide that).
    pair = office_key.load_office_key(ctx)
    signed = sign_pdf(render_pdf(document), pair, reason=SIGNING_REASON, location=settings.name)
    with ctx.db.write() as session:
        row = session.scalar(
            select(RegisteredDocument)
            .where(RegisteredDocument.instance_id == instance_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        assert row is not None
        if row.file_id is None:
            name = f"บันทึกข้อความ-{instance_id}.pdf"
            upload = storage.CheckedUpload(name, "application/pdf", signed, None)
            stored = storage.store_upload(ctx, session, upload, actor_id=None)
            row.file_id, row.sha256 = stored.id, hashlib.sha256(signed).hexdigest()
            row.signer_fingerprint, row.issued_at = pair.fingerprint, ctx.now()
        return RegisterEntry.of(row)


def decided_before_the_register(session: Session, instance: ProcessInstance) -> bool:
    """Whether the step that issues the memo was decided (approve/reject) without a number: the
    request was decided before this version of bpmnpub."""
    steps = [spec for process, spec in ISSUING_STEPS if process == instance.process_id]
    found = session.scalar(
        select(InstanceEvent.id).where(
            InstanceEvent.instance_id == instance.id,
            InstanceEvent.action == "task_completed",
            InstanceEvent.task_spec.in_(steps),
            InstanceEvent.decision.in_(FINAL_DECISIONS),
        )
    )
    return found is not None


def _issued_file_id(ctx: ServiceContext, instance_id: int) -> str:
    with ctx.db.read() as session:
        row = _row(session, instance_id)
        if row is None or row.file_id is None:
            raise NotFoundError(f"the memo of request {instance_id} is not issued")
        return row.file_id


def _row(session: Session, instance_id: int) -> RegisteredDocument | None:
    return session.scalar(select(RegisteredDocument).where(RegisteredDocument.instance_id == instance_id))


def _base(ctx: ServiceContext, base_url: str) -> str:
    return str(ctx.settings.get("PUBLIC_BASE_URL") or base_url).rstrip("/")
