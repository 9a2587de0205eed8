"""Publishing to the public portal, and the service-task operators diagrams call by name.

Operators run inside the transaction of the engine call that reached them: a failed step rolls
their writes back with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from ..db import contains_pattern
from ..engine import OperatorCall, Operators
from ..errors import NotFoundError
from ..models import Group, ProcessInstance, PublishedItem, RoleAssignment, StoredFile
from ..thaidate import BANGKOK, fiscal_year, previous_half_year
from .context import ServiceContext

KINDS = ("document", "album", "report")

__all__ = ["Operators", "PublicItem", "list_public_items", "operators", "slugify"]


def slugify(title: str) -> str:
    """A readable URL part that keeps Thai letters: "ประกาศ ผลการจัดซื้อ 2569" -> "ประกาศ-ผลการจัดซื้อ-2569"."""
    words = re.findall(r"[0-9A-Za-z\u0E00-\u0E7F]+", title.lower())
    return "-".join(words)[:120] or "item"


def search_text(title: str, body: str, extras: list[str] | tuple[str, ...] = ()) -> str:
    """What Thai substring search reads: title, body, captions and file names, lower-cased.

    Thai has no spaces between words, so the portal matches substrings of this one column.
    """
    return "\n".join([title, body, *extras]).lower()


def public_url(base: str, item_id: int, slug: str) -> str:
    return f"{base.rstrip('/')}/public/items/{item_id}-{slug}"


def operators(
    ctx: ServiceContext, session: Session, instance: ProcessInstance, actor_id: int | None, now: datetime
) -> Operators:
    base = str(ctx.settings.get("PUBLIC_BASE_URL", ""))

    def publish_item(call: OperatorCall) -> dict[str, Any]:
        return _publish(session, instance, call, actor_id, now, base)

    def item_view_stats(call: OperatorCall) -> dict[str, Any]:
        item = session.get(PublishedItem, int(call.params["item_id"]))
        if item is None:
            raise ValueError(f"published item {call.params['item_id']} does not exist")
        return {"item_id": item.id, "views": item.views, "since": item.published_at.isoformat()}

    def count_published_items(call: OperatorCall) -> dict[str, Any]:
        return _count(session, call.now)

    return {
        "publish_item": publish_item,
        "item_view_stats": item_view_stats,
        "count_published_items": count_published_items,
    }


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _publish(
    session: Session,
    instance: ProcessInstance,
    call: OperatorCall,
    actor_id: int | None,
    now: datetime,
    base: str,
) -> dict[str, Any]:
    params = call.params
    title = str(params.get("title") or instance.title or "").strip()
    if not title:
        raise ValueError("cannot publish an item without a title")
    kind = str(params.get("kind") or "document")
    if kind not in KINDS:
        raise ValueError(f"unknown item kind {kind!r}")
    attachments = [str(a) for a in _as_list(params.get("attachments"))]
    photos = [p for p in _as_list(params.get("photos")) if isinstance(p, dict) and p.get("publish", True)]
    referenced = attachments + [str(p.get("file")) for p in photos]
    known = (
        set(session.scalars(select(StoredFile.id).where(StoredFile.id.in_(referenced))))
        if referenced
        else set()
    )
    missing = [f for f in referenced if f not in known]
    if missing:
        raise ValueError(f"files not found: {', '.join(missing)}")
    item = session.scalar(select(PublishedItem).where(PublishedItem.instance_id == instance.id))
    if item is None:
        item = PublishedItem(instance_id=instance.id, published_at=now, views=0)
        session.add(item)
    item.kind = kind
    item.title = title[:500]
    item.slug = slugify(title)
    item.body = str(params.get("body") or "")
    item.category = str(params.get("category") or "")
    item.ita_item = str(params["ita_item"]) if params.get("ita_item") else None
    item.attachments = attachments
    item.photos = [
        {
            "file": str(p.get("file")),
            "caption": str(p.get("caption") or ""),
            "alt_text": str(p.get("alt_text") or ""),
        }
        for p in photos
    ]
    item.search_text = search_text(item.title, item.body, [p["caption"] for p in item.photos])
    item.group_id = instance.group_id
    item.status = "published"
    item.withdrawn_reason = None
    item.fiscal_year = fiscal_year(now)
    item.published_by_id = actor_id
    item.updated_at = now
    session.flush()
    return {"id": item.id, "url": public_url(base, item.id, item.slug), "published_at": now.isoformat()}


def _count(session: Session, now: datetime) -> dict[str, Any]:
    first, last = previous_half_year(now)
    start = datetime(first.year, first.month, first.day, tzinfo=BANGKOK)
    end = datetime(last.year, last.month, last.day, 23, 59, 59, tzinfo=BANGKOK)
    rows = session.execute(
        select(Group.code, func.count(PublishedItem.id))
        .join(PublishedItem, PublishedItem.group_id == Group.id)
        .where(PublishedItem.published_at.between(start, end), PublishedItem.status == "published")
        .group_by(Group.code)
    ).all()
    by_group = {code: int(n) for code, n in rows}
    directed = session.scalars(
        select(Group.code)
        .join(RoleAssignment, RoleAssignment.group_id == Group.id)
        .where(RoleAssignment.role == "group_director")
        .distinct()
        .order_by(Group.code)
    ).all()
    return {
        "period_start": first.isoformat(),
        "period_end": last.isoformat(),
        "fiscal_year": fiscal_year(first),
        "total": sum(by_group.values()),
        "by_group": {c: by_group.get(c, 0) for c in directed},
        "group_codes": list(directed),
    }


@dataclass(frozen=True)
class PublicItem:
    id: int
    title: str
    url: str
    kind: str
    category: str
    ita_item: str | None
    fiscal_year: int
    published_at: datetime
    attachments: list[str]


def list_public_items(
    ctx: ServiceContext,
    *,
    category: str | None = None,
    fiscal_year_be: int | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[PublicItem]:
    base = str(ctx.settings.get("PUBLIC_BASE_URL", ""))
    stmt = select(PublishedItem).where(PublishedItem.status == "published")
    if category:
        stmt = stmt.where(PublishedItem.category == category)
    if fiscal_year_be:
        stmt = stmt.where(PublishedItem.fiscal_year == fiscal_year_be)
    if q:
        # Thai has no spaces between words: substring search, not word search.
        pattern = contains_pattern(q)
        stmt = stmt.where(
            or_(
                PublishedItem.title.ilike(pattern, escape="\\"),
                PublishedItem.body.ilike(pattern, escape="\\"),
            )
        )
    stmt = (
        stmt.order_by(PublishedItem.published_at.desc(), PublishedItem.id.desc()).limit(limit).offset(offset)
    )
    with ctx.db.read() as session:
        return [
            PublicItem(
                id=i.id,
                title=i.title,
                url=public_url(base, i.id, i.slug),
                kind=i.kind,
                category=i.category,
                ita_item=i.ita_item,
                fiscal_year=i.fiscal_year,
                published_at=i.published_at,
                attachments=list(i.attachments or []),
            )
            for i in session.scalars(stmt)
        ]


@dataclass(frozen=True)
class PublicFile:
    id: str
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class PublicItemPage:
    id: int
    slug: str
    title: str
    body: str
    kind: str
    category: str
    ita_item: str | None
    group: str | None
    status: str
    withdrawn_reason: str | None
    published_at: datetime
    updated_at: datetime
    files: list[PublicFile]
    photos: list[dict[str, Any]]


def get_public_item(ctx: ServiceContext, item_id: int) -> PublicItemPage:
    """A published (or withdrawn) item as the public sees it. Raises NotFoundError."""
    with ctx.db.read() as session:
        item = session.get(PublishedItem, item_id)
        if item is None:
            raise NotFoundError("no such published item")
        ids = list(item.attachments or []) + [str(p.get("file")) for p in item.photos or []]
        stored = (
            {f.id: f for f in session.scalars(select(StoredFile).where(StoredFile.id.in_(ids)))}
            if ids
            else {}
        )
        group = session.get(Group, item.group_id) if item.group_id else None
        return PublicItemPage(
            id=item.id,
            slug=item.slug,
            title=item.title,
            body=item.body,
            kind=item.kind,
            category=item.category,
            ita_item=item.ita_item,
            group=group.name if group else None,
            status=item.status,
            withdrawn_reason=item.withdrawn_reason,
            published_at=item.published_at,
            updated_at=item.updated_at,
            files=[
                PublicFile(f.id, f.filename, f.content_type, f.size)
                for f in (stored.get(a) for a in item.attachments or [])
                if f is not None
            ],
            photos=[p for p in item.photos or [] if p.get("file") in stored],
        )


def public_file(ctx: ServiceContext, file_id: str) -> PublicFile:
    """A file the public may download: one attached to a published item. Raises NotFoundError."""
    with ctx.db.read() as session:
        stored = session.get(StoredFile, file_id)
        if stored is None:
            raise NotFoundError("no such file")
        # File ids are 32 random hex digits: a quoted substring match in the JSON text is exact.
        quoted = f'%"{file_id}"%'
        attached = session.scalar(
            select(PublishedItem.id)
            .where(
                PublishedItem.status == "published",
                or_(
                    type_coerce(PublishedItem.attachments, Text).like(quoted),
                    type_coerce(PublishedItem.photos, Text).like(quoted),
                ),
            )
            .limit(1)
        )
        if attached is None:
            raise NotFoundError("no such file")
        return PublicFile(stored.id, stored.filename, stored.content_type, stored.size)
