"""Uploads: size-limited, sniffed by content, stored once on disk by sha256."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from bpmnpub.errors import NotFoundError, UnsupportedMediaTypeError, UploadTooLargeError
from bpmnpub.services import files
from bpmnpub.services.context import ServiceContext

from .conftest import PDF


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("ประกาศ.pdf", PDF, "application/pdf"),
        ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\0" * 64, "image/jpeg"),
        ("chart.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png"),
        ("memo.docx", docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("list.csv", "ชื่อ,ตำแหน่ง\n".encode(), "text/csv"),
    ],
)
def test_accepted_files_are_stored_by_content(
    ctx: ServiceContext, actor: Any, name: str, content: bytes, content_type: str
) -> None:
    info = files.upload_file(ctx, io.BytesIO(content), name, actor_id=actor("owner1").id)
    assert (info.filename, info.content_type, info.size) == (name, content_type, len(content))
    stored, path = files.get_file(ctx, info.id)
    assert stored == info and path.read_bytes() == content
    assert path.name == info.sha256 and ctx.files_dir in path.parents


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("invoice.pdf", b"MZ\x90\x00" + b"\0" * 64),  # a Windows program renamed .pdf
        ("photo.jpg", PDF),  # a PDF renamed .jpg
        ("memo.docx", b"PK\x03\x04not really a zip"),
        ("notes.txt", b"binary\x00data"),
        ("tool.exe", b"MZ\x90\x00"),
        ("script.js", b"alert(1)"),
        ("noextension", PDF),
    ],
)
def test_disguised_or_unknown_files_are_refused(
    ctx: ServiceContext, actor: Any, name: str, content: bytes
) -> None:
    with pytest.raises(UnsupportedMediaTypeError):
        files.upload_file(ctx, io.BytesIO(content), name, actor_id=actor("owner1").id)
    assert not ctx.files_dir.exists() or not any(p.is_file() for p in ctx.files_dir.rglob("*"))


def test_oversized_upload_is_refused_without_storing(ctx: ServiceContext, actor: Any) -> None:
    limit = int(ctx.settings["MAX_UPLOAD_BYTES"])
    with pytest.raises(UploadTooLargeError):
        files.upload_file(ctx, io.BytesIO(PDF + b"0" * limit), "big.pdf", actor_id=actor("owner1").id)
    assert not ctx.files_dir.exists() or not any(ctx.files_dir.rglob("*"))
    exact = PDF + b"0" * (limit - len(PDF))
    assert files.upload_file(ctx, io.BytesIO(exact), "exact.pdf", actor_id=actor("owner1").id).size == limit


def test_same_content_twice_is_one_blob_two_files(ctx: ServiceContext, actor: Any) -> None:
    first = files.upload_file(ctx, io.BytesIO(PDF), "a.pdf", actor_id=actor("owner1").id)
    second = files.upload_file(ctx, io.BytesIO(PDF), "../../etc/b.pdf", actor_id=actor("owner2").id)
    assert first.id != second.id and first.sha256 == second.sha256
    assert second.filename == "b.pdf"  # no path from the client survives
    assert len([p for p in ctx.files_dir.rglob("*") if p.is_file()]) == 1


def test_unknown_file_id(ctx: ServiceContext) -> None:
    with pytest.raises(NotFoundError):
        files.get_file(ctx, "0" * 32)
