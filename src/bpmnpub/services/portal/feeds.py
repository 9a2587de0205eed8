"""What the portal gives machines: a category's Atom feed and the sitemap of item pages (chunked by id)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ...models import PublishedItem
from ..kernel.context import ServiceContext
from .portal_text import summary_text
from .public_pages import (
    NEWEST_FIRST,
    PUBLISHED,
    CategoryEntry,
    ItemSummary,
    category_entry,
    summaries,
    summary,
)

FEED_SIZE = 30


SITEMAP_CHUNK = 2_000  # item URLs per sitemap file: ~1 MB (the protocol allows 50 000 and 50 MB)


@dataclass(frozen=True)
class FeedEntry:
    item: ItemSummary
    summary: str


@dataclass(frozen=True)
class Feed:
    category: CategoryEntry
    entries: list[FeedEntry]
    updated: datetime


@dataclass(frozen=True)
class SitemapItem:
    id: int
    slug: str
    updated_at: datetime


def category_feed(ctx: ServiceContext, code: str) -> Feed:
    """The newest FEED_SIZE items of a category for its Atom feed. Raises NotFoundError."""
    with ctx.db.read() as session:
        category = category_entry(session, code)
        rows = session.execute(
            summaries(PublishedItem.body)
            .where(PublishedItem.category == code, PUBLISHED)
            .order_by(*NEWEST_FIRST)
            .limit(FEED_SIZE)
        ).all()
    entries = [FeedEntry(summary(r), summary_text(r.body)) for r in rows]
    # Atom needs a date even for an empty feed; the newest change otherwise.
    updated = max((e.item.updated_at for e in entries), default=ctx.now())
    return Feed(category, entries, updated)


def sitemap_chunks(ctx: ServiceContext) -> int:
    """How many item sitemaps there are: chunk n lists the ids ((n-1)*SITEMAP_CHUNK, n*SITEMAP_CHUNK],
    so an item's chunk never changes and a chunk is one range read on the primary key."""
    with ctx.db.read() as session:
        highest = session.scalar(select(func.max(PublishedItem.id))) or 0
    return max(1, -(-highest // SITEMAP_CHUNK))


def sitemap_items(ctx: ServiceContext, chunk: int) -> list[SitemapItem]:
    """The published items of one sitemap chunk (see `sitemap_chunks`)."""
    low = (chunk - 1) * SITEMAP_CHUNK
    stmt = (
        select(PublishedItem.id, PublishedItem.slug, PublishedItem.updated_at)
        .where(PublishedItem.id > low, PublishedItem.id <= low + SITEMAP_CHUNK, PUBLISHED)
        .order_by(PublishedItem.id)
    )
    with ctx.db.read() as session:
        return [SitemapItem(*row) for row in session.execute(stmt)]
