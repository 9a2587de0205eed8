"""The document register and the issued memo: a number when the director decides, never given twice,
a signed PDF that verifies, and a copy changed by one byte that does not."""

from __future__ import annotations

import io
import multiprocessing
import stat
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import delete, select

from bpmnpub.db import Database
from bpmnpub.documents.signing import check_signature
from bpmnpub.engine import Engine
from bpmnpub.errors import ValidationError
from bpmnpub.models import OfficeKeyRecord, RegisteredDocument
from bpmnpub.permissions import LANE_ROLES
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.office import settings_editor
from bpmnpub.services.records import issued_memo, office_key, verification
from bpmnpub.services.requests import interventions, register, tasks
from bpmnpub.services.wiring import OPERATOR_NAMES, OPERATORS

from .. import pdftools
from ..conftest import Clock
from ..qrtools import qr_codes
from .conftest import task_id
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
    ctx: ServiceContext, clock: Clock, actor: Any, backend: str, tmp_path: Path
) -> None:
    settings_editor.update_settings(ctx, actor("admin1"), {"memo_prefix": "ศธ 04082"})
    walk = decide(ctx, clock, actor)
    with ctx.db.read() as session:
        entry = register.find_entry(session, walk.id)
    assert entry is not None
    assert (entry.number_text, entry.year, entry.issued) == ("ศธ 04082/1", 2569, False)

    started = time.perf_counter()
    pdf = issued_memo.memo_download(ctx, walk.id, actor("owner1"), base_url="https://example.go.th/").content
    print(f"\nmemo issued (rendered, signed, stored) in {time.perf_counter() - started:.3f} s")
    assert pdftools.first_page_png(pdf, f"issued-memo-{backend}").exists()  # for a person to look at
    text = pdftools.text(pdf)
    assert pdftools.same("ศธ ๐๔๐๘๒/๑") in text
    assert f"https://example.go.th/v/{entry.code}" in text
    assert qr_codes(pdf, tmp_path) == [f"https://example.go.th/v/{entry.code}"]  # as a phone reads it
    assert "ฉบับร่าง" not in text
    page = verification.get_verification(ctx, entry.code)
    assert page.number_text == "ศธ 04082/1"
    assert page.sha256 is not None and len(page.sha256) == 64
    assert [d.decision for d in page.decisions][-1] == "approve"
    # downloaded again: the very same file
    again = issued_memo.memo_download(ctx, walk.id, actor("director1"), digits="arabic").content
    assert again == pdf

    started = time.perf_counter()
    check = verification.check_copy(ctx, entry.code, io.BytesIO(pdf))
    print(f"copy checked in {time.perf_counter() - started:.3f} s")
    # a PDF reader's own check (poppler) agrees: a PAdES signature over the whole file
    report = pdfsig(pdf, tmp_path)
    assert "Signature Type: ETSI.CAdES.detached" in report and "Total document signed" in report
    assert "Signature Validation: Signature is Valid." in report
    assert (check.matches, check.signature, check.original) == (True, "valid", True)
    altered = bytearray(pdf)
    altered[len(pdf) // 2] ^= 0x01
    bad = verification.check_copy(ctx, entry.code, io.BytesIO(bytes(altered)))
    assert not bad.original and not bad.matches
    assert "Signature is Valid." not in pdfsig(bytes(altered), tmp_path)


def pdfsig(pdf: bytes, folder: Path) -> str:
    """What poppler's pdfsig says of a PDF's signatures (it reads a file, not standard input)."""
    path = folder / "checked.pdf"
    path.write_bytes(pdf)
    done = subprocess.run([pdftools._tool("pdfsig"), str(path)], capture_output=True, text=True, timeout=60)
    return done.stdout + done.stderr


def test_numbers_are_never_given_twice(ctx: ServiceContext, clock: Clock, actor: Any) -> None:
    first = decide(ctx, clock, actor)
    sent_back = decide(ctx, clock, actor, "revise", comment="แก้ไขชื่อเรื่อง")
    second = decide(ctx, clock, actor, "reject", comment="ไม่อนุญาต")
    with ctx.db.read() as session:
        rows = session.scalars(select(RegisteredDocument).order_by(RegisteredDocument.number)).all()
    assert [(r.instance_id, r.number) for r in rows] == [(first.id, 1), (second.id, 2)]
    assert sent_back.id not in {r.instance_id for r in rows}


def _decide_in_child(url: str, settings: dict[str, Any], task: int, who: Any, barrier: Any, out: Any) -> None:
    ctx = ServiceContext(Database(url), Engine(LANE_ROLES, OPERATOR_NAMES), settings, operators=OPERATORS)
    barrier.wait(timeout=30)
    try:
        tasks.complete_task(ctx, task, {"decision": "approve"}, who)
        out.put("ok")
    except Exception as exc:  # reported to the parent, which fails the test
        out.put(f"error: {exc!r}")
    finally:
        ctx.db.dispose()


def test_two_directors_deciding_at_once_get_two_numbers(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    """Two processes decide two memos at the same moment (a barrier), on PostgreSQL row locks or
    SQLite's queued writers: both decisions go through, with numbers 1 and 2."""
    director = actor("director1")
    walks = []
    for _ in range(2):
        walk = file_memo(ctx, clock, actor)
        for username, data in (
            ("legal1", {"decision": "approve"}),
            ("gdir_plan", {"decision": "approve"}),
            ("publisher1", {"decision": "approve", "certified": True}),
            ("deputy1", {"decision": "recommend_allow"}),
        ):
            walk.do(username, data)
        walks.append(walk)
    decisions = [task_id(ctx, director, w.id) for w in walks]
    spawn = multiprocessing.get_context("spawn")
    barrier, out = spawn.Barrier(2), spawn.Queue()
    children = [
        spawn.Process(target=_decide_in_child, args=(ctx.db.url, ctx.settings, t, director, barrier, out))
        for t in decisions
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=120)
    assert [out.get(timeout=5) for _ in children] == ["ok", "ok"]
    with ctx.db.read() as session:
        numbers = {r.instance_id: r.number for r in session.scalars(select(RegisteredDocument))}
    assert set(numbers) == {w.id for w in walks}
    assert sorted(numbers.values()) == [1, 2]


def test_the_key_is_made_once_and_replaced_by_the_offices_own(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    assert office_key.ensure_office_key(ctx) is True
    assert office_key.ensure_office_key(ctx) is False  # kept
    folder = office_key.key_folder(ctx)
    if ctx.db.is_sqlite:
        for name in ("key.pem", "cert.pem"):
            assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name
    else:  # in the database: every app server signs with the same key; nothing on this machine's disk
        assert not folder.exists() and _key_slots(ctx) == ["current"]
    made = office_key.load_office_key(ctx)
    assert made.subject == "สพป.พิษณุโลก เขต 2"  # the demo office's short name (the long one is > 64 bytes)

    first = decide(ctx, clock, actor)
    first_pdf = issued_memo.memo_download(ctx, first.id, actor("owner1")).content
    assert check_signature(first_pdf).fingerprint == made.fingerprint

    key_pem, cert_pem = _ca_issued_pair(password=b"s3cret")
    with pytest.raises(ValidationError):
        office_key.import_office_key(ctx, key_pem, cert_pem, "wrong")
    with pytest.raises(ValidationError):
        office_key.import_office_key(ctx, made.key_pem, cert_pem, None)  # not the certificate's key
    assert office_key.load_office_key(ctx).fingerprint == made.fingerprint  # nothing changed
    imported = office_key.import_office_key(ctx, key_pem, cert_pem, "s3cret")
    assert imported.subject == "Example Office Signing"
    assert office_key.load_office_key(ctx).fingerprint == imported.fingerprint
    if ctx.db.is_sqlite:
        assert stat.S_IMODE((folder / "key.pem").stat().st_mode) == 0o600
        assert [p.name for p in folder.glob("replaced-*/key.pem")] == ["key.pem"]  # the old pair is kept
    else:
        [current, replaced] = _key_slots(ctx)
        assert current == "current" and replaced.startswith("replaced-")

    second = decide(ctx, clock, actor)
    second_pdf = issued_memo.memo_download(ctx, second.id, actor("owner1")).content
    assert check_signature(second_pdf).fingerprint == imported.fingerprint
    # both verify: each document against the certificate that signed it
    for walk, pdf in ((first, first_pdf), (second, second_pdf)):
        with ctx.db.read() as session:
            entry = register.find_entry(session, walk.id)
        assert entry is not None
        assert verification.check_copy(ctx, entry.code, io.BytesIO(pdf)).original
    # a copy of the second memo is no copy of the first
    with ctx.db.read() as session:
        entry = register.find_entry(session, first.id)
    assert entry is not None
    other = verification.check_copy(ctx, entry.code, io.BytesIO(second_pdf))
    assert (other.matches, other.signature, other.original) == (False, "other_signer", False)


def _key_slots(ctx: ServiceContext) -> list[str]:
    with ctx.db.read() as session:
        return list(session.scalars(select(OfficeKeyRecord.slot).order_by(OfficeKeyRecord.slot)))


def _ca_issued_pair(password: bytes) -> tuple[bytes, bytes]:
    """An office key (encrypted) and its certificate issued by a CA, chain included, as a CA would
    hand them over."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example Office Signing")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=730))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password),
    )
    chain = leaf.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM)
    return key_pem, chain


def test_a_memo_decided_before_the_register_is_no_draft(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    walk = decide(ctx, clock, actor)
    with ctx.db.write() as session:  # as a request decided before this version of bpmnpub
        session.execute(delete(RegisteredDocument))
    pdf = issued_memo.memo_download(ctx, walk.id, actor("owner1")).content
    text = pdftools.text(pdf)
    assert "ฉบับร่าง" not in text
    assert check_signature(pdf).status == "unsigned"  # nothing issued: it has no number to verify under
    draft = file_memo(ctx, clock, actor)
    assert "ฉบับร่าง" in pdftools.text(issued_memo.memo_download(ctx, draft.id, actor("owner1")).content)


def test_a_request_decided_again_keeps_its_number(ctx: ServiceContext, clock: Clock, actor: Any) -> None:
    walk = decide(ctx, clock, actor)
    interventions.rewind_instance(ctx, walk.id, "Task_DirectorDecision", actor("admin1"), "ผอ. ขอพิจารณาใหม่")
    walk.do("director1", {"decision": "reject", "comment": "ข้อมูลยังไม่ครบ"})
    with ctx.db.read() as session:
        numbers = [(r.instance_id, r.number) for r in session.scalars(select(RegisteredDocument))]
        entry = register.find_entry(session, walk.id)
    assert numbers == [(walk.id, 1)]
    assert entry is not None
    page = verification.get_verification(ctx, entry.code)
    assert page.decision == "reject"  # the memo is issued as last decided
    text = pdftools.text(issued_memo.memo_download(ctx, walk.id, actor("owner1")).content)
    assert "☑ ไม่อนุญาต" in text and "ข้อมูลยังไม่ครบ" in text
