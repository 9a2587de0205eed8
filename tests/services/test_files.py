"""Uploads: size-limited, sniffed by content, stored once by sha256 (on disk with SQLite, in the database
with PostgreSQL)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from PIL import ExifTags, Image

from bpmnpub.errors import NotFoundError, UnsupportedMediaTypeError, UploadTooLargeError
from bpmnpub.services.files import cleanup, storage
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.records import office_key

from ..blobs import content, contents, image
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
    info = storage.upload_file(ctx, io.BytesIO(content), name, actor_id=actor("owner1").id)
    assert (info.filename, info.content_type, info.size) == (name, content_type, len(content))
    stored, blob = storage.get_file(ctx, info.id)
    assert stored == info and blob.read_bytes() == content and b"".join(blob.chunks()) == content
    assert contents(ctx) == [info.sha256]
    if ctx.db.is_sqlite:
        assert blob.path is not None and blob.path.name == info.sha256 and ctx.files_dir in blob.path.parents
    else:  # nothing on this machine's disk: another app server serves it too
        assert blob.path is None and not ctx.files_dir.exists()


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
        storage.upload_file(ctx, io.BytesIO(content), name, actor_id=actor("owner1").id)
    assert contents(ctx) == []


def test_oversized_upload_is_refused_without_storing(ctx: ServiceContext, actor: Any) -> None:
    limit = int(ctx.settings["MAX_UPLOAD_BYTES"])
    with pytest.raises(UploadTooLargeError):
        storage.upload_file(ctx, io.BytesIO(PDF + b"0" * limit), "big.pdf", actor_id=actor("owner1").id)
    assert contents(ctx) == []
    exact = PDF + b"0" * (limit - len(PDF))
    assert storage.upload_file(ctx, io.BytesIO(exact), "exact.pdf", actor_id=actor("owner1").id).size == limit


def test_same_content_twice_is_one_blob_two_files(ctx: ServiceContext, actor: Any) -> None:
    first = storage.upload_file(ctx, io.BytesIO(PDF), "a.pdf", actor_id=actor("owner1").id)
    second = storage.upload_file(ctx, io.BytesIO(PDF), "../../etc/b.pdf", actor_id=actor("owner2").id)
    assert first.id != second.id and first.sha256 == second.sha256
    assert second.filename == "b.pdf"  # no path from the client survives
    assert contents(ctx) == [first.sha256]


def test_unknown_file_id(ctx: ServiceContext) -> None:
    with pytest.raises(NotFoundError):
        storage.get_file(ctx, "0" * 32)


# --- photos: cleaned before they are stored -------------------------------------------------------------


def test_a_photo_loses_its_exif_and_gps_and_is_turned_upright(ctx: ServiceContext, actor: Any) -> None:
    original = jpeg(size=(64, 48), orientation=6)  # the camera was turned: EXIF says "rotate 90°"
    info = storage.upload_file(ctx, io.BytesIO(original), "ภาพกิจกรรม.jpg", actor_id=actor("pr1").id)
    stored, blob = storage.get_file(ctx, info.id)
    kept = blob.read_bytes()
    assert (info.sha256, info.size) == (hashlib.sha256(kept).hexdigest(), len(kept))
    assert stored == info and info.content_type == "image/jpeg" and kept != original
    with image(ctx, info.id) as picture:
        assert picture.format == "JPEG"
        assert picture.size == (48, 64)  # the turn is in the pixels now
        assert not picture.getexif()
        assert "comment" not in picture.info and "xmp" not in picture.info
    for trace in (b"Exif", b"TestCam", CAMERA_OWNER.encode()):
        assert trace not in kept


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
    info = storage.upload_file(ctx, io.BytesIO(original), f"ภาพ.{kind}", actor_id=actor("pr1").id)
    assert CAMERA_OWNER.encode() not in content(ctx, info.id)
    with image(ctx, info.id) as picture:
        assert picture.format == kind.upper() and not picture.getexif()
        if kind == "png":
            assert picture.mode == "RGBA" and picture.getpixel((0, 0))[3] == 0  # transparency kept


def test_a_photo_gets_a_thumbnail_of_its_own(ctx: ServiceContext, actor: Any) -> None:
    owner = actor("pr1").id
    large = storage.upload_file(ctx, io.BytesIO(jpeg(size=(1200, 800))), "ภาพหมู่.jpg", actor_id=owner)
    small = storage.upload_file(ctx, io.BytesIO(jpeg(size=(64, 48))), "ภาพเล็ก.jpg", actor_id=owner)
    pdf = storage.upload_file(ctx, io.BytesIO(PDF), "ประกาศ.pdf", actor_id=owner)
    thumb, _ = storage.get_file(ctx, storage.thumbnail_id(large.id))
    assert (thumb.filename, thumb.content_type) == ("ภาพหมู่-thumb.webp", "image/webp")
    with image(ctx, thumb.id) as picture:
        assert (picture.format, picture.size) == ("WEBP", (480, 320))
    with image(ctx, storage.thumbnail_id(small.id)) as picture:
        assert picture.size == (64, 48)  # never enlarged
    with ctx.db.read() as session:
        found = storage.thumbnails(session, [large.id, small.id, pdf.id])
    assert found == {large.id: storage.thumbnail_id(large.id), small.id: storage.thumbnail_id(small.id)}


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
        storage.upload_file(ctx, io.BytesIO(bomb.getvalue()), "bomb.png", actor_id=actor("owner1").id)
    assert contents(ctx) == []


# --- the two stores, and moving from one to the other ----------------------------------------------------


@pytest.mark.parametrize("kind", ["folder", "database"])
def test_either_store_keeps_streams_and_removes_the_same_bytes(
    ctx: ServiceContext, actor: Any, kind: str
) -> None:
    ctx.settings["FILE_STORE"] = kind
    ctx.settings["MAX_UPLOAD_BYTES"] = 2 * 1024 * 1024
    big = PDF + bytes(range(256)) * 5000  # 1.28 MB: three chunks in the database
    info = storage.upload_file(ctx, io.BytesIO(big), "ใหญ่.pdf", actor_id=actor("owner1").id)
    _, blob = storage.get_file(ctx, info.id)
    assert storage.blob_store(ctx).kind == kind and contents(ctx) == [info.sha256]
    assert [len(c) for c in blob.chunks()][-1] > 0 and b"".join(blob.chunks()) == big
    with blob.open() as stream:
        assert stream.read(5) == b"%PDF-" and stream.read() == big[5:]
    later = ctx.now() + timedelta(hours=25)
    assert cleanup.purge_orphans(ctx, later, recent_bytes=timedelta(0)).blobs == 1
    assert contents(ctx) == []


def test_an_older_installs_files_and_key_move_into_the_database(ctx: ServiceContext, actor: Any) -> None:
    ctx.settings["FILE_STORE"] = "folder"
    info = storage.upload_file(ctx, io.BytesIO(PDF), "เก่า.pdf", actor_id=actor("owner1").id)
    assert office_key.ensure_office_key(ctx) is True
    made = office_key.load_office_key(ctx)
    (ctx.files_dir / "ab").mkdir()
    (ctx.files_dir / "ab" / ("ab" + "0" * 62)).write_bytes(b"not what its name says")
    ctx.settings["FILE_STORE"] = "database"  # upgraded: `bpmnpub init` copies them in
    first = storage.import_folder(ctx)
    assert (first.copied, first.present, first.damaged) == (1, 0, ["ab" + "0" * 62])
    assert storage.read_file(ctx, info.id)[1] == PDF
    assert storage.import_folder(ctx).present == 1  # once is enough: nothing copied twice
    assert office_key.load_office_key(ctx).fingerprint == made.fingerprint  # the same key, now shared
    assert office_key.ensure_office_key(ctx) is False
