"""Stored files (content addressed, outside workflow data) and published items."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONText, UTCDateTime


class StoredFile(Base):
    """An uploaded file. Bytes live on disk under their sha256; task data holds only `id`."""

    __tablename__ = "stored_file"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The photo this file is the thumbnail of: it lives and goes with that photo. (No foreign key:
    # SQLite could only add one by copying the table.)
    thumbnail_of: Mapped[str | None] = mapped_column(String(32), index=True)


class FileReference(Base):
    """Which request (through a file field of one of its forms, or a file its steps made) or which
    published item refers to which stored file. Reading a file is decided from these rows alone: an
    id typed into free text, or found anywhere else in data, refers to nothing."""

    __tablename__ = "file_reference"
    __table_args__ = (
        Index("ix_file_reference_instance_file", "instance_id", "file_id"),
        Index("ix_file_reference_item_file", "item_id", "file_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("stored_file.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("published_item.id"))
    # The form field ("attachments", "photos.file"), the step's result ("report_files") or the item's
    # part ("attachments", "photos", "thumbnails") that names the file.
    field: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PublishedItem(Base):
    """An item on the public portal: one stable URL for its whole life."""

    __tablename__ = "published_item"
    __table_args__ = (
        Index("ix_published_item_status_date", "status", "published_at"),
        Index("ix_published_item_category_date", "category", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(500))
    slug: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(128), default="", index=True)
    # The first O item (in the list's order) a publisher confirmed it answers; `confirmed_o_item` has
    # them all. None also when nobody confirmed yet (`ita_confirmed_at` is None): see docs/ita-index.md.
    ita_item: Mapped[str | None] = mapped_column(String(32))
    ita_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attachments: Mapped[list[str]] = mapped_column(JSONText, default=list)
    photos: Mapped[list[dict[str, Any]]] = mapped_column(JSONText, default=list)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id"))
    status: Mapped[str] = mapped_column(String(16), default="published")
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Filled by publishing, never shown: the one column Thai substring search reads (title + body +
    # captions + file names), lower-cased.
    search_text: Mapped[str] = mapped_column(Text, default="")
    views: Mapped[int] = mapped_column(Integer, default=0)


class ItemChannel(Base):
    """Another channel (seed 000 §2.2) a published item also went out on, recorded by PR with its
    evidence: a link to the post, or a photo (of the notice board, the newsletter page). One per kind."""

    __tablename__ = "item_channel"
    __table_args__ = (UniqueConstraint("item_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("published_item.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(String(2000), default="", server_default="")
    file_id: Mapped[str | None] = mapped_column(ForeignKey("stored_file.id"))
    note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConfirmedOItem(Base):
    """An O item ("O3") a publisher confirmed that a published item answers. Only these count in the
    ITA index: a category merely suggests O items. Matched by code, in whatever year is looked at."""

    __tablename__ = "confirmed_o_item"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("published_item.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(16), primary_key=True, index=True)
