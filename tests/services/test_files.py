"""Uploads: size-limited, sniffed by content, stored once on disk by sha256."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

import pytest
from PIL import ExifTags, Image

from bpmnpub.errors import NotFoundError, UnsupportedMediaTypeError, UploadTooLargeError
from bpmnpub.services import files
from bpmnpub.services.context import ServiceContext

from ..photos import CAMERA_OWNER, GPS, jpeg, png
from .conftest import PDF

GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"


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
        ("animation.gif", GIF, "image/gif"),  # GIFs carry no EXIF: stored as they come
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
        ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\0" * 64),  # a JPEG's first bytes, and no picture
        ("chart.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64),
        ("truncated.jpg", jpeg(size=(300, 200))[:400]),
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


# --- photos: cleaned before they are stored -------------------------------------------------------------


def test_a_photo_loses_its_exif_and_gps_and_is_turned_upright(ctx: ServiceContext, actor: Any) -> None:
    original = jpeg(size=(64, 48), orientation=6)  # the camera was turned: EXIF says "rotate 90°"
    info = files.upload_file(ctx, io.BytesIO(original), "ภาพกิจกรรม.jpg", actor_id=actor("pr1").id)
    stored, path = files.get_file(ctx, info.id)
    content = path.read_bytes()
    assert (info.sha256, info.size) == (hashlib.sha256(content).hexdigest(), len(content))
    assert stored == info and info.content_type == "image/jpeg" and content != original
    with Image.open(path) as image:
        assert image.format == "JPEG"
        assert image.size == (48, 64)  # the turn is in the pixels now
        assert not image.getexif()
        assert "comment" not in image.info and "xmp" not in image.info
    for trace in (b"Exif", b"TestCam", CAMERA_OWNER.encode()):
        assert trace not in content


@pytest.mark.parametrize("kind", ["png", "webp"])
def test_png_and_webp_photos_lose_their_exif_too(ctx: ServiceContext, actor: Any, kind: str) -> None:
    if kind == "png":
        original = png()
    else:
        exif = Image.Exif()
        exif[ExifTags.Base.Artist] = CAMERA_OWNER
        exif[ExifTags.IFD.GPSInfo] = GPS
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), (10, 120, 200)).save(buffer, "WEBP", exif=exif)
        original = buffer.getvalue()
    info = files.upload_file(ctx, io.BytesIO(original), f"ภาพ.{kind}", actor_id=actor("pr1").id)
    _, path = files.get_file(ctx, info.id)
    assert CAMERA_OWNER.encode() not in path.read_bytes()
    with Image.open(path) as image:
        assert image.format == kind.upper() and not image.getexif()
        if kind == "png":
            assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0  # transparency kept


def test_a_photo_gets_a_thumbnail_of_its_own(ctx: ServiceContext, actor: Any) -> None:
    owner = actor("pr1").id
    large = files.upload_file(ctx, io.BytesIO(jpeg(size=(1200, 800))), "ภาพหมู่.jpg", actor_id=owner)
    small = files.upload_file(ctx, io.BytesIO(jpeg(size=(64, 48))), "ภาพเล็ก.jpg", actor_id=owner)
    pdf = files.upload_file(ctx, io.BytesIO(PDF), "ประกาศ.pdf", actor_id=owner)
    thumb, path = files.get_file(ctx, files.thumbnail_id(large.id))
    assert (thumb.filename, thumb.content_type) == ("ภาพหมู่-thumb.webp", "image/webp")
    with Image.open(path) as image:
        assert (image.format, image.size) == ("WEBP", (480, 320))
    with Image.open(files.get_file(ctx, files.thumbnail_id(small.id))[1]) as image:
        assert image.size == (64, 48)  # never enlarged
    with ctx.db.read() as session:
        found = files.thumbnails(session, [large.id, small.id, pdf.id])
    assert found == {large.id: files.thumbnail_id(large.id), small.id: files.thumbnail_id(small.id)}


@pytest.mark.parametrize(
    "size",
    [(8000, 7000), (15000, 12000)],  # over our 50 million pixels; over twice Pillow's own limit
    ids=["56-megapixels", "180-megapixels"],
)
def test_an_image_with_too_many_pixels_is_refused(
    ctx: ServiceContext, actor: Any, size: tuple[int, int]
) -> None:
    bomb = io.BytesIO()
    Image.new("1", size).save(bomb, "PNG")  # a few kilobytes that would decode to megabytes
    assert len(bomb.getvalue()) < int(ctx.settings["MAX_UPLOAD_BYTES"])
    with pytest.raises(UploadTooLargeError):
        files.upload_file(ctx, io.BytesIO(bomb.getvalue()), "bomb.png", actor_id=actor("owner1").id)
    assert not ctx.files_dir.exists() or not any(p.is_file() for p in ctx.files_dir.rglob("*"))
