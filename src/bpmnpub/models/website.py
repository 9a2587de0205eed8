"""The website copy of a published item: one row per item, both the outbox and the record of the post."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONText, UTCDateTime


class WebsiteCopy(Base):
    """What the office's website should show of an item (`wanted`, `version`) and what it was last
    made to show (`synced_version`, `post_id`). Behind while synced_version < version."""

    __tablename__ = "website_copy"
    __table_args__ = (Index("ix_website_copy_due", "synced_version", "version", "next_at"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("published_item.id"), primary_key=True)
    wanted: Mapped[str] = mapped_column(String(16))  # published | withdrawn
    version: Mapped[int] = mapped_column(Integer, default=1)
    synced_version: Mapped[int] = mapped_column(Integer, default=0)
    post_id: Mapped[int | None] = mapped_column(Integer)
    post_url: Mapped[str | None] = mapped_column(String(1000))
    # file id -> {"id": media id, "url": its address}: a file is uploaded once, whatever the retries.
    media: Mapped[dict[str, Any]] = mapped_column(JSONText, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_detail: Mapped[str | None] = mapped_column(Text)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
