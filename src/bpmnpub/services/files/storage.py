"""Uploaded files: size-limited, sniffed by content, stored once per sha256 outside workflow data.

This module is the one way to stored files' bytes: `blob_store(ctx)` is the folder of the data
directory or the database (`store.py`; BPMNPUB_FILE_STORE, by default the database on PostgreSQL
so several app servers share them), and `get_file` / `read_file` hand out a `Blob` to stream or read.

Photos (JPEG, PNG, WebP) are cleaned before they are stored (see `images`): what is kept is the image
without its metadata, plus a thumbnail stored as a file of its own under `thumbnail_id(file id)`.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...errors import NotFoundError, QuotaExceededError, UnsupportedMediaTypeError, UploadTooLargeError
from ...models import StoredFile, User
from ..kernel.context import ServiceContext
from . import images
from .store import (
    Blob,
    BlobMissingError,
    BlobStore,
    DatabaseStore,
    FolderStore,
    blob_path,
    resolve_kind,
)

__all__ = ["Blob", "BlobMissingError", "BlobStore", "blob_path"]  # callers need no other module

# extension -> content type. The content must be what the extension says.
ALLOWED: dict[str, str] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "txt": "text/plain",
    "csv": "text/csv",
}
_OOXML_DIR = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}


@dataclass(frozen=True)
class FileInfo:
    id: str
    sha256: str
    filename: str
    content_type: str
    size: int


def sniff(content: bytes, extension: str) -> str | None:
    """The content type when the bytes really are what `extension` claims; None otherwise."""
    head = content[:16]
    ext = extension.lower()
    checks = {
        "pdf": lambda: content.startswith(b"%PDF-"),
        "png": lambda: head.startswith(b"\x89PNG\r\n\x1a\n"),
        "jpg": lambda: head.startswith(b"\xff\xd8\xff"),
        "jpeg": lambda: head.startswith(b"\xff\xd8\xff"),
        "gif": lambda: head[:6] in (b"GIF87a", b"GIF89a"),
        "webp": lambda: head[:4] == b"RIFF" and head[8:12] == b"WEBP",
        "doc": lambda: head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
        "xls": lambda: head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
        "txt": lambda: _is_text(content),
        "csv": lambda: _is_text(content),
    }
    if ext in _OOXML_DIR:
        ok = _is_ooxml(content, _OOXML_DIR[ext])
    elif ext in checks:
        ok = checks[ext]()
    else:
        return None
    return ALLOWED[ext] if ok else None


def _is_text(content: bytes) -> bool:
    if b"\x00" in content:
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _is_ooxml(content: bytes, folder: str) -> bool:
    if not content.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return False
    return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)


# Control characters (C0, DEL, C1) and the bidirectional overrides and isolates: a name like
# "รายงาน\u202efdp.exe" shows as "รายงานexe.pdf" and could pass for another file.
_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_name(name: str) -> str:
    """A file name without control or text-direction characters (for storing and for showing)."""
    return _UNSHOWABLE.sub("", name)


def _safe_name(filename: str) -> str:
    name = clean_name(os.path.basename(filename.replace("\\", "/"))).strip()
    return name[:255] or "file"


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed every check and is not stored yet (see `store_upload`)."""

    name: str
    content_type: str
    content: bytes  # cleaned when it is a photo
    thumbnail: bytes | None


def upload_file(ctx: ServiceContext, stream: IO[bytes], filename: str, *, actor_id: int | None) -> FileInfo:
    """Store an upload. Raises UploadTooLargeError, UnsupportedMediaTypeError."""
    checked = check_upload(ctx, stream, filename)
    with ctx.db.write() as session:
        return store_upload(ctx, session, checked, actor_id=actor_id)


def check_upload(ctx: ServiceContext, stream: IO[bytes], filename: str) -> CheckedUpload:
    """Read, check and clean an upload without storing it, so a caller with more to check stores it
    only once everything holds. Raises UploadTooLargeError, UnsupportedMediaTypeError."""
    limit = int(ctx.settings["MAX_UPLOAD_BYTES"])
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise UploadTooLargeError(f"the file is larger than {limit // (1024 * 1024)} MB", {"limit": limit})
    name = _safe_name(filename)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED:
        raise UnsupportedMediaTypeError(
            f"files of type .{extension or '?'} are not accepted", {"allowed": sorted(ALLOWED)}
        )
    content_type = sniff(content, extension)
    if content_type is None:
        raise UnsupportedMediaTypeError(
            f"the content of {name!r} is not a .{extension} file", {"extension": extension}
        )
    thumbnail = None
    if images.cleans(content_type):
        cleaned = images.clean(content, content_type, name)
        content, thumbnail = cleaned.content, cleaned.thumbnail
    return CheckedUpload(name, content_type, content, thumbnail)


def store_upload(
    ctx: ServiceContext, session: Session, upload: CheckedUpload, *, actor_id: int | None
) -> FileInfo:
    """Keep a checked upload: its blob on disk, its rows in the caller's transaction.
    Raises QuotaExceededError (a user's upload past UPLOAD_QUOTA_BYTES)."""
    now = ctx.now()
    if actor_id is not None:
        _check_quota(ctx, session, actor_id, len(upload.content) + len(upload.thumbnail or b""))
    store = blob_store(ctx)
    info = _store(
        store, session, now, secrets.token_hex(16), upload.name, upload.content_type, upload.content
    )
    rows = [_row(info, actor_id, now)]
    if upload.thumbnail is not None:
        small = _store(
            store,
            session,
            now,
            thumbnail_id(info.id),
            _thumbnail_name(upload.name),
            images.THUMBNAIL_TYPE,
            upload.thumbnail,
        )
        thumbnail = _row(small, actor_id, now)
        thumbnail.thumbnail_of = info.id
        rows.append(thumbnail)
    session.add_all(rows)
    session.flush()
    return info


def _check_quota(ctx: ServiceContext, session: Session, actor_id: int, adding: int) -> None:
    quota = int(ctx.settings.get("UPLOAD_QUOTA_BYTES", 0))
    if quota <= 0:
        return
    if not ctx.db.is_sqlite:  # one user's parallel uploads count one after the other (SQLite's writers queue)
        session.execute(select(User.id).where(User.id == actor_id).with_for_update())
    used = session.scalar(
        select(func.coalesce(func.sum(StoredFile.size), 0)).where(StoredFile.uploaded_by_id == actor_id)
    )
    if int(used or 0) + adding > quota:
        raise QuotaExceededError(
            f"your stored files would pass your quota of {quota} bytes", used=int(used or 0), quota=quota
        )


def blob_store(ctx: ServiceContext) -> BlobStore:
    """Where stored files' bytes are kept (BPMNPUB_FILE_STORE; `auto`: the database on PostgreSQL, the
    data directory's `files/` on SQLite)."""
    if resolve_kind(str(ctx.settings.get("FILE_STORE", "auto")), ctx.db) == "database":
        return DatabaseStore(ctx.db)
    return FolderStore(ctx.files_dir, ctx.db)


def _store(
    store: BlobStore,
    session: Session,
    now: datetime,
    file_id: str,
    name: str,
    content_type: str,
    content: bytes,
) -> FileInfo:
    digest = hashlib.sha256(content).hexdigest()
    store.put(session, digest, content, now)
    return FileInfo(file_id, digest, name, content_type, len(content))


def _row(info: FileInfo, actor_id: int | None, now: datetime) -> StoredFile:
    return StoredFile(
        id=info.id,
        sha256=info.sha256,
        filename=info.filename,
        content_type=info.content_type,
        size=info.size,
        uploaded_by_id=actor_id,
        created_at=now,
    )


def thumbnail_id(file_id: str) -> str:
    """The id a photo's thumbnail is stored under: derived from the photo's (random) id, so finding
    it needs no column of its own."""
    return hashlib.sha256(f"thumbnail:{file_id}".encode()).hexdigest()[:32]


def _thumbnail_name(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{stem[:240]}-thumb.webp"


def thumbnails(session: Session, file_ids: list[str]) -> dict[str, str]:
    """{photo id: its thumbnail's id} for the photos among `file_ids` that have one."""
    wanted = {thumbnail_id(f): f for f in file_ids}
    if not wanted:
        return {}
    found = session.scalars(select(StoredFile.id).where(StoredFile.id.in_(list(wanted))))
    return {wanted[t]: t for t in found}


def info_of(row: StoredFile) -> FileInfo:
    """A stored file as shown: its name without control characters (stored before they were cut)."""
    return FileInfo(row.id, row.sha256, clean_name(row.filename), row.content_type, row.size)


def get_file(ctx: ServiceContext, file_id: str) -> tuple[FileInfo, Blob]:
    """A file for bpmnpub's own use (the memo's emblem, an issued memo): who may download one is
    `file_access.open_file`. Raises NotFoundError."""
    with ctx.db.read() as session:
        row = session.get(StoredFile, file_id)
        if row is None:
            raise NotFoundError("file not found")
        info = info_of(row)
    return info, blob_of(ctx, info)


def blob_of(ctx: ServiceContext, info: FileInfo) -> Blob:
    """The bytes of a stored file (nothing is read yet)."""
    return blob_store(ctx).blob(info.sha256, info.size)


def read_file(ctx: ServiceContext, file_id: str) -> tuple[FileInfo, bytes]:
    """A stored file's bytes, whole (small files bpmnpub reads itself). Raises NotFoundError (also
    BlobMissingError: the row is there, the bytes are not)."""
    info, blob = get_file(ctx, file_id)
    return info, blob.read_bytes()


def not_images(session: Session, file_ids: list[str]) -> list[str]:
    """The ids among `file_ids` whose stored file is not an image."""
    if not file_ids:
        return []
    query = select(StoredFile.id, StoredFile.content_type).where(StoredFile.id.in_(file_ids))
    types = {row.id: row.content_type for row in session.execute(query)}
    return [f for f in file_ids if not types.get(f, "").startswith("image/")]


def uploaders(session: Session, file_ids: list[str]) -> dict[str, int | None]:
    """Who uploaded each of `file_ids` that is a stored file (one statement; unknown ids are left out)."""
    if not file_ids:
        return {}
    rows = session.execute(
        select(StoredFile.id, StoredFile.uploaded_by_id).where(StoredFile.id.in_(file_ids))
    ).all()
    return {str(file_id): uploader for file_id, uploader in rows}


@dataclass(frozen=True)
class Imported:
    copied: int  # contents copied from the data directory into the database
    present: int  # already in the database
    damaged: list[str]  # files whose bytes no longer match their name (sha256): left out


def import_folder(ctx: ServiceContext) -> Imported:
    """Copy the data directory's `files/` into the database store (an install that kept them on disk
    before, a backup of one restored): idempotent, one transaction per file, each checked against its
    sha256. Nothing to do with the folder store."""
    store = blob_store(ctx)
    if store.kind != "database":
        return Imported(0, 0, [])
    folder = FolderStore(ctx.files_dir, ctx.db)
    there = set(store.digests())
    copied, present, damaged = 0, 0, []
    for digest in folder.digests():
        if digest in there:
            present += 1
            continue
        content = folder.blob(digest, 0).read_bytes()
        if hashlib.sha256(content).hexdigest() != digest:
            damaged.append(digest)
            continue
        with ctx.db.write() as session:
            store.put(session, digest, content, ctx.now())
        copied += 1
    return Imported(copied, present, damaged)
