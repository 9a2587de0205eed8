"""Items on the public portal for the portal's tests, written into the tables as the publish step
leaves them (the publish step itself is tested through the processes): a catalogue entry, an item
with its search text, files and photos."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bpmnpub.models import Category, Group, ItaFramework, ItaItem, PublishedItem
from bpmnpub.services.files import file_access, storage
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.portal import publishing
from bpmnpub.thaidate import fiscal_year

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass(frozen=True)
class Added:
    id: int
    slug: str

    @property
    def path(self) -> str:
        return f"/public/items/{self.id}-{self.slug}"


def add_category(
    ctx: ServiceContext,
    code: str,
    name: str,
    *,
    name_en: str = "",
    description: str = "",
    active: bool = True,
) -> None:
    """Put `code` in the catalogue, after the presets (or rename it when a preset holds it)."""
    now = ctx.now()
    with ctx.db.write() as session:
        row = session.scalar(select(Category).where(Category.code == code))
        if row is None:
            row = Category(code=code, created_at=now, sort_order=1000, preset="")
            session.add(row)
        row.name, row.name_en, row.description, row.active, row.updated_at = (
            name,
            name_en,
            description,
            active,
            now,
        )


def add_ita_item(ctx: ServiceContext, year: int, code: str, title: str) -> None:
    """Put `code` in the ITA list of `year` (or retitle it when a preset already holds it)."""
    with ctx.db.write() as session:
        if session.get(ItaFramework, year) is None:
            session.add(ItaFramework(fiscal_year=year, title=f"ITA {year}", created_at=ctx.now()))
            session.flush()
        row = session.scalar(select(ItaItem).where(ItaItem.fiscal_year == year, ItaItem.code == code))
        if row is None:
            session.add(ItaItem(fiscal_year=year, code=code, title=title))
        else:
            row.title = title


def upload(ctx: ServiceContext, content: bytes = PDF, filename: str = "ประกาศ.pdf") -> str:
    return storage.upload_file(ctx, io.BytesIO(content), filename, actor_id=None).id


def add_item(
    ctx: ServiceContext,
    title: str,
    *,
    body: str = "",
    category: str = "1.9",
    published_at: datetime | None = None,
    attachments: list[str] | None = None,
    photos: list[dict[str, Any]] | None = None,
    ita_item: str | None = None,
    group: str | None = None,
    kind: str = "document",
) -> Added:
    """A published item; `group` is a group code of the demo office."""
    when = published_at or ctx.now()
    photos = photos or []
    with ctx.db.write() as session:
        group_id = session.scalar(select(Group.id).where(Group.code == group)) if group else None
        item = PublishedItem(
            kind=kind,
            title=title,
            slug=publishing.slugify(title),
            body=body,
            category=category,
            ita_item=ita_item,
            attachments=attachments or [],
            photos=photos,
            group_id=group_id,
            status="published",
            fiscal_year=fiscal_year(when),
            published_at=when,
            updated_at=when,
            search_text=publishing.search_text(title, body, [str(p.get("caption", "")) for p in photos]),
            views=0,
        )
        session.add(item)
        session.flush()
        # As the publish step does: the item's files are reachable through it (services/files/file_access.py).
        # Items made with made-up file ids (no stored file) get no references.
        try:
            with session.begin_nested():
                file_access.record_item_files(session, item, when)
        except IntegrityError:
            pass
        return Added(item.id, item.slug)


def withdraw(ctx: ServiceContext, item_id: int, reason: str, when: datetime | None = None) -> None:
    """What the withdraw action leaves behind (the action itself belongs to publishing)."""
    with ctx.db.write() as session:
        item = session.get(PublishedItem, item_id)
        assert item is not None
        item.status, item.withdrawn_reason = "withdrawn", reason
        item.withdrawn_at = item.updated_at = when or ctx.now()


def retitle(ctx: ServiceContext, item_id: int, title: str) -> None:
    """What publishing an updated request leaves behind: a new title, slug and search text."""
    with ctx.db.write() as session:
        item = session.get(PublishedItem, item_id)
        assert item is not None
        item.title, item.slug = title, publishing.slugify(title)
        item.search_text = publishing.search_text(title, item.body)
        item.updated_at = ctx.now()


def republish(ctx: ServiceContext, item_id: int) -> None:
    """What the republish action leaves behind."""
    with ctx.db.write() as session:
        item = session.get(PublishedItem, item_id)
        assert item is not None
        item.status, item.withdrawn_reason, item.withdrawn_at = "published", None, None
        item.updated_at = ctx.now()
