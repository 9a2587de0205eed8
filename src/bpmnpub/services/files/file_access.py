"""Who may read a stored file: the one rule, decided from `file_reference` rows and nothing else.

The rows are written when a form is accepted (only the fields the form declares as files), when a
step files a document with the request (the six-monthly report), and when an item is published. So:

- the people who take part in a request read the files that request refers to;
- the public reads the attachments, photos and thumbnails of a published (not withdrawn) item, and
  the office's emblem;
- whoever uploaded a file reads it (a form that came back with errors shows its uploads again).

An id typed into a free-text field, a caption, or found anywhere else in data leads nowhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from ...errors import NotFoundError
from ...forms import FormSpec
from ...models import FileReference, PublishedItem, StoredFile
from ...permissions import Actor
from ..kernel import office_settings
from ..kernel.context import ServiceContext
from ..kernel.membership import readable_instance
from . import storage

ITEM_PARTS = ("attachments", "photos", "thumbnails", "channels")  # "channels": PR's evidence photos


def open_file(
    ctx: ServiceContext, file_id: str, actor: Actor | None = None, *, instance_id: int | None = None
) -> tuple[storage.FileInfo, storage.Blob]:
    """A file asked for through a request (`instance_id`, by someone taking part in it) or, without
    one, from the public portal. Raises NotFoundError (also when this way does not lead to the file),
    PermissionDeniedError (the request is not the actor's to read)."""
    with ctx.db.read() as session:
        row = session.get(StoredFile, file_id)
        if instance_id is not None:
            if actor is None:
                raise NotFoundError("file not found")
            readable_instance(session, actor, instance_id)
            # a thumbnail goes with its photo
            named = [file_id] if row is None or row.thumbnail_of is None else [file_id, row.thumbnail_of]
            allowed = row is not None and (
                row.uploaded_by_id == actor.id or bool(referenced_by(session, instance_id, named))
            )
        else:
            allowed = row is not None and (
                _published(session, file_id) or file_id == office_settings.load(session).emblem_file_id
            )
        if row is None or not allowed:
            raise NotFoundError("file not found")
        info = storage.info_of(row)
    return info, storage.blob_of(ctx, info)


def _published(session: Session, file_id: str) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    FileReference.file_id == file_id,
                    FileReference.item_id == PublishedItem.id,
                    FileReference.field.in_(ITEM_PARTS),
                    PublishedItem.status == "published",
                )
            )
        )
    )


def referenced_by(session: Session, instance_id: int, file_ids: Iterable[str]) -> set[str]:
    """The ids among `file_ids` the request refers to."""
    wanted = list(set(file_ids))
    if not wanted:
        return set()
    return set(
        session.scalars(
            select(FileReference.file_id).where(
                FileReference.instance_id == instance_id, FileReference.file_id.in_(wanted)
            )
        )
    )


def request_files(session: Session, instance_id: int) -> dict[str, dict[str, Any]]:
    """{id: {filename, content_type, size, thumbnail}} of every file the request refers to, in upload
    order, and of its photos' thumbnails (`thumbnail` true: shown beside their photos)."""
    ours = select(FileReference.file_id).where(FileReference.instance_id == instance_id)
    rows = session.scalars(
        select(StoredFile)
        .where(StoredFile.id.in_(ours) | StoredFile.thumbnail_of.in_(ours))
        .order_by(StoredFile.created_at, StoredFile.id)
    )
    return {
        f.id: {
            "filename": storage.clean_name(f.filename),
            "content_type": f.content_type,
            "size": f.size,
            "thumbnail": f.thumbnail_of is not None,
        }
        for f in rows
    }


def own_uploads(ctx: ServiceContext, file_ids: Iterable[str], actor_id: int) -> dict[str, dict[str, Any]]:
    """{id: {filename, content_type, size}} of the files among `file_ids` the actor uploaded."""
    with ctx.db.read() as session:
        return own_uploads_in(session, file_ids, actor_id)


def own_uploads_in(session: Session, file_ids: Iterable[str], actor_id: int) -> dict[str, dict[str, Any]]:
    wanted = list(set(file_ids))
    if not wanted:
        return {}
    rows = session.scalars(
        select(StoredFile).where(StoredFile.id.in_(wanted), StoredFile.uploaded_by_id == actor_id)
    )
    return {
        f.id: {"filename": storage.clean_name(f.filename), "content_type": f.content_type, "size": f.size}
        for f in rows
    }


def record_form_files(
    session: Session, instance_id: int, form: FormSpec, data: dict[str, Any], now: datetime
) -> None:
    """The request refers to the files in the declared file fields of an accepted form."""
    record_request_files(session, instance_id, form.file_fields(data), now)


def record_request_files(
    session: Session, instance_id: int, found: Iterable[tuple[str, str]], now: datetime
) -> None:
    """The request refers to these (field, file id); a pair it already refers to is not repeated."""
    pairs = list(dict.fromkeys(found))
    if not pairs:
        return
    known: set[tuple[str, str]] = {
        (field, file_id)
        for field, file_id in session.execute(
            select(FileReference.field, FileReference.file_id).where(
                FileReference.instance_id == instance_id,
                FileReference.file_id.in_([f for _, f in pairs]),
            )
        )
    }
    session.add_all(
        FileReference(file_id=file_id, instance_id=instance_id, field=field, created_at=now)
        for field, file_id in pairs
        if (field, file_id) not in known
    )
    session.flush()


def record_item_files(session: Session, item: PublishedItem, now: datetime) -> None:
    """What the public may read of an item: its attachments, photos and their thumbnails, as it is
    now (an update replaces the item's rows)."""
    session.execute(delete(FileReference).where(FileReference.item_id == item.id))
    parts = [("attachments", a) for a in item.attachments or []]
    for photo in item.photos or []:
        parts += [("photos", str(photo["file"])), ("thumbnails", str(photo.get("thumb") or photo["file"]))]
    session.add_all(
        FileReference(file_id=file_id, item_id=item.id, field=field, created_at=now)
        for field, file_id in dict.fromkeys(parts)
    )
    session.flush()
