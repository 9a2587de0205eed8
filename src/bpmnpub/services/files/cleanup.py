"""Uploads nothing refers to are not kept: the worker deletes them after `ORPHAN_UPLOAD_HOURS`.

A form that comes back with errors keeps its uploads (the person need not choose them again), and an
API client uploads before it completes a task: so an upload is not deleted at once, but once it is
old and still no request (`file_reference`), published item, office emblem or issued memo refers to
it. A photo's thumbnail goes with its photo. Bytes are kept by content (sha256): they are removed when
no other stored file has the same content and nobody has just stored them again (their file's time is
touched by every upload of the same content).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from ...models import FileReference, RegisteredDocument, StoredFile
from ..kernel import office_settings
from ..kernel.context import ServiceContext
from . import storage

BATCH = 500  # files per transaction: a large backlog never holds the write lock for long
RECENT_BYTES = timedelta(minutes=10)  # bytes touched this recently are being stored again: kept


@dataclass(frozen=True)
class Purged:
    files: int  # stored files deleted (thumbnails included)
    blobs: int  # contents removed from the file store (no stored file had them any more)


def purge_orphans(ctx: ServiceContext, now: datetime, *, recent_bytes: timedelta = RECENT_BYTES) -> Purged:
    """Delete the uploads nothing refers to that are older than ORPHAN_UPLOAD_HOURS, with their
    thumbnails and (when no other file shares them) their bytes. Raises nothing of its own."""
    cutoff = now - timedelta(hours=int(ctx.settings.get("ORPHAN_UPLOAD_HOURS", 24)))
    deleted = removed = 0
    while True:
        with ctx.db.write() as session:
            digests, count, full = _delete_batch(session, cutoff)
        deleted += count
        removed += storage.blob_store(ctx).remove_unused(digests, now, recent_bytes)
        if not full:
            return Purged(deleted, removed)


def _delete_batch(session: Session, cutoff: datetime) -> tuple[set[str], int, bool]:
    """(bytes no file has any more, files deleted, whether there may be more)."""
    emblem = office_settings.load(session).emblem_file_id
    orphans = select(StoredFile.id).where(
        StoredFile.created_at < cutoff,
        StoredFile.thumbnail_of.is_(None),
        ~exists().where(FileReference.file_id == StoredFile.id),
        ~exists().where(RegisteredDocument.file_id == StoredFile.id),
    )
    if emblem:
        orphans = orphans.where(StoredFile.id != emblem)
    ids = list(session.scalars(orphans.order_by(StoredFile.created_at).limit(BATCH)))
    if not ids:
        return set(), 0, False
    doomed = StoredFile.id.in_(ids) | (
        StoredFile.thumbnail_of.in_(ids) & ~exists().where(FileReference.file_id == StoredFile.id)
    )
    rows = session.execute(select(StoredFile.id, StoredFile.sha256).where(doomed)).all()
    digests = {digest for _, digest in rows}
    session.execute(delete(StoredFile).where(StoredFile.id.in_([file_id for file_id, _ in rows])))
    still_used = set(session.scalars(select(StoredFile.sha256).where(StoredFile.sha256.in_(digests))))
    return digests - still_used, len(rows), len(ids) == BATCH
