"""The document register and the issued memo: a number when the director decides, never given twice,
a signed PDF that verifies, and a copy changed by one byte that does not."""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import select

from bpmnpub.models import RegisteredDocument
from bpmnpub.services import issued_memo, office, register, verification
from bpmnpub.services.context import ServiceContext

from .. import pdftools
from ..conftest import Clock
from .test_memo import Walk, file_memo


def decide(ctx: ServiceContext, clock: Clock, actor: Any, decision: str = "approve", **comment: str) -> Walk:
    """A memo_publication request walked through every block up to the director's decision."""
    walk = file_memo(ctx, clock, actor)
    walk.do("legal1", {"decision": "approve"})
    walk.do("gdir_plan", {"decision": "approve"})
    walk.do("publisher1", {"decision": "approve", "certified": True})
    walk.do("deputy1", {"decision": "recommend_allow"})
    walk.do("director1", {"decision": decision, **comment})
    return walk


def test_a_decided_memo_gets_a_number_and_a_signed_pdf_that_verifies(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    office.update_settings(ctx, actor("admin1"), {"memo_prefix": "ศธ 04082"})
    walk = decide(ctx, clock, actor)
    with ctx.db.read() as session:
        entry = register.find_entry(session, walk.id)
    assert entry is not None
    assert (entry.number_text, entry.year, entry.issued) == ("ศธ 04082/1", 2569, False)

    pdf = issued_memo.memo_download(ctx, walk.id, actor("owner1"), base_url="https://example.go.th/").content
    text = pdftools.text(pdf)
    assert pdftools.same("ศธ ๐๔๐๘๒/๑") in text
    assert f"https://example.go.th/v/{entry.code}" in text
    assert "ฉบับร่าง" not in text
    page = verification.get_verification(ctx, entry.code)
    assert page.number_text == "ศธ 04082/1"
    assert page.sha256 is not None and len(page.sha256) == 64
    assert [d.decision for d in page.decisions][-1] == "approve"
    # downloaded again: the very same file
    again = issued_memo.memo_download(ctx, walk.id, actor("director1"), digits="arabic").content
    assert again == pdf

    check = verification.check_copy(ctx, entry.code, io.BytesIO(pdf))
    assert (check.matches, check.signature, check.original) == (True, "valid", True)
    altered = bytearray(pdf)
    altered[len(pdf) // 2] ^= 0x01
    bad = verification.check_copy(ctx, entry.code, io.BytesIO(bytes(altered)))
    assert not bad.original and not bad.matches


def test_numbers_are_never_given_twice(ctx: ServiceContext, clock: Clock, actor: Any) -> None:
    first = decide(ctx, clock, actor)
    sent_back = decide(ctx, clock, actor, "revise", comment="แก้ไขชื่อเรื่อง")
    second = decide(ctx, clock, actor, "reject", comment="ไม่อนุญาต")
    with ctx.db.read() as session:
        rows = session.scalars(select(RegisteredDocument).order_by(RegisteredDocument.number)).all()
    assert [(r.instance_id, r.number) for r in rows] == [(first.id, 1), (second.id, 2)]
    assert sent_back.id not in {r.instance_id for r in rows}
