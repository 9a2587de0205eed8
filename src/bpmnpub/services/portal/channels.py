"""The other channels of a published item (seed 000 §2.2): besides the website, PR also puts the
news out on the office's Facebook page, in the newsletter and on the notice board. PR records each
channel an item went out on, once per kind, with its evidence: a link to the post, or a photo (of
the notice board, of the newsletter's page). The item's staff page lists them; the evidence photo is
served with the item's other files while the item is published (file_access.ITEM_PARTS), so it can
stand as evidence of publication (ITA) too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import IO
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...errors import (
    ConflictError,
    FieldProblem,
    NotFoundError,
    PermissionDeniedError,
    UnsupportedMediaTypeError,
    UploadTooLargeError,
    ValidationError,
    problem,
)
from ...models import FileReference, ItemChannel, PublishedItem, StoredFile, User
from ...permissions import Actor
from ..files import storage
from ..kernel.context import ServiceContext
from .publishing import add_item_event

KINDS = ("facebook", "newsletter", "notice_board")  # seed 000 §2.2, the website being the item itself
RECORDERS = frozenset({"pr_officer", "admin"})
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
FILE_FIELD = "channels"  # the file_reference field of the evidence photos (and their thumbnails)
_UNSHOWABLE = re.compile(r"[\x00-\x20\x7f-\x9f]")


@dataclass(frozen=True)
class ChannelRecord:
    id: int
    kind: str
    url: str
    file_id: str | None
    file_name: str | None
    thumbnail_id: str | None
    note: str
    recorded_by: str | None
    recorded_at: datetime


@dataclass(frozen=True)
class Evidence:
    """A photo chosen on the form: its bytes and name (None: no photo)."""

    stream: IO[bytes]
    filename: str


def may_record(actor: Actor) -> bool:
    """PR records the other channels (and administrators, who may do everything)."""
    return bool(actor.roles & RECORDERS)


def channels_of(session: Session, item_id: int) -> list[ChannelRecord]:
    """The channels recorded for an item, in the order of KINDS."""
    rows = session.execute(
        select(ItemChannel, StoredFile.filename, User.full_name)
        .outerjoin(StoredFile, StoredFile.id == ItemChannel.file_id)
        .outerjoin(User, User.id == ItemChannel.recorded_by_id)
        .where(ItemChannel.item_id == item_id)
    ).all()
    small = storage.thumbnails(session, [c.file_id for c, _, _ in rows if c.file_id])
    found = [
        ChannelRecord(
            c.id,
            c.kind,
            c.url,
            c.file_id,
            name,
            small.get(c.file_id) if c.file_id else None,
            c.note,
            who,
            c.recorded_at,
        )
        for c, name, who in rows
    ]
    return sorted(found, key=lambda r: (KINDS.index(r.kind) if r.kind in KINDS else len(KINDS), r.id))


def record_channel(
    ctx: ServiceContext,
    actor: Actor,
    item_id: int,
    *,
    kind: str,
    url: str,
    note: str = "",
    photo: Evidence | None = None,
) -> ChannelRecord:
    """Record that the item also went out on `kind`, with a link or a photo (or both) as evidence; the
    item's audit trail says so. Raises PermissionDeniedError (not PR), NotFoundError, ValidationError
    (unknown kind, no evidence, a link that is no web address, a file that is no photo), ConflictError
    (that channel is already recorded, or the item is withdrawn)."""
    if not may_record(actor):
        raise PermissionDeniedError("only PR records the other channels of an item")
    problems: list[FieldProblem] = []
    if kind not in KINDS:
        problems.append(problem("kind", "เลือกช่องทางการเผยแพร่"))
    link = url.strip()
    if link and not _is_web_address(link):
        problems.append(problem("url", "ลิงก์ต้องเป็นที่อยู่เว็บที่ขึ้นต้นด้วย https:// หรือ http://"))
    checked = None
    if photo is not None:
        try:
            checked = storage.check_upload(ctx, photo.stream, photo.filename)
        except UploadTooLargeError as exc:
            problems.append(problem("photo", "ไฟล์ใหญ่เกินกำหนด: %(why)s", why=exc.message))
        except UnsupportedMediaTypeError:
            problems.append(problem("photo", "แนบได้เฉพาะรูปภาพ (JPG, PNG หรือ WebP)"))
        else:
            if checked.content_type not in PHOTO_TYPES:
                problems.append(problem("photo", "แนบได้เฉพาะรูปภาพ (JPG, PNG หรือ WebP)"))
    if not link and photo is None and "url" not in {p.field for p in problems}:
        problems.append(problem("url", "ใส่ลิงก์ หรือแนบรูปภาพเป็นหลักฐานอย่างน้อยหนึ่งอย่าง"))
    if len(note.strip()) > 500:
        problems.append(problem("note", "ยาวได้ไม่เกิน %(n)s ตัวอักษร", n=500))
    if problems:
        raise ValidationError("the channel has errors", problems)
    now = ctx.now()
    try:
        with ctx.db.write() as session:
            item = _published(session, item_id)
            if session.scalar(
                select(ItemChannel.id).where(ItemChannel.item_id == item_id, ItemChannel.kind == kind)
            ):
                raise ConflictError("this channel is already recorded for the item")
            file_id = None
            if checked is not None:
                info = storage.store_upload(ctx, session, checked, actor_id=actor.id)
                file_id = info.id
                for named in (info.id, storage.thumbnail_id(info.id)):
                    if session.get(StoredFile, named) is not None:
                        session.add(
                            FileReference(
                                file_id=named,
                                item_id=item.id,
                                instance_id=item.instance_id,
                                field=FILE_FIELD,
                                created_at=now,
                            )
                        )
            row = ItemChannel(
                item_id=item.id,
                kind=kind,
                url=link,
                file_id=file_id,
                note=note.strip(),
                recorded_by_id=actor.id,
                recorded_at=now,
            )
            session.add(row)
            session.flush()
            details = {"kind": kind, "url": link or None, "file": file_id}
            add_item_event(
                session,
                item,
                "channel_added",
                now,
                actor_id=actor.id,
                instance_id=item.instance_id,
                details=details,
            )
            new_id = row.id
    except IntegrityError:  # two clicks at once: the unique (item, kind) keeps one
        raise ConflictError("this channel is already recorded for the item") from None
    with ctx.db.read() as session:
        return next(c for c in channels_of(session, item_id) if c.id == new_id)


def remove_channel(
    ctx: ServiceContext, actor: Actor, item_id: int, channel_id: int, reason: str = ""
) -> None:
    """Take back a channel recorded by mistake; the audit trail keeps what it was. Raises
    PermissionDeniedError, NotFoundError (also when it was removed already)."""
    if not may_record(actor):
        raise PermissionDeniedError("only PR records the other channels of an item")
    now = ctx.now()
    with ctx.db.write() as session:
        item = session.get(PublishedItem, item_id)
        row = session.get(ItemChannel, channel_id)
        if item is None or row is None or row.item_id != item_id:
            raise NotFoundError(f"channel {channel_id} of item {item_id} not found")
        if row.file_id:
            session.execute(
                delete(FileReference).where(
                    FileReference.item_id == item_id,
                    FileReference.field == FILE_FIELD,
                    FileReference.file_id.in_([row.file_id, storage.thumbnail_id(row.file_id)]),
                )
            )
        details = {"kind": row.kind, "url": row.url or None, "file": row.file_id}
        session.delete(row)
        add_item_event(
            session,
            item,
            "channel_removed",
            now,
            actor_id=actor.id,
            instance_id=item.instance_id,
            reason=reason.strip()[:500],
            details=details,
        )


def _published(session: Session, item_id: int) -> PublishedItem:
    item = session.scalar(select(PublishedItem).where(PublishedItem.id == item_id).with_for_update())
    if item is None:
        raise NotFoundError(f"published item {item_id} not found")
    if item.status != "published":
        raise ConflictError("the item is withdrawn: publish it again before recording channels")
    return item


def _is_web_address(text: str) -> bool:
    if len(text) > 2000 or _UNSHOWABLE.search(text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and "." in (parts.hostname or "")
