"""Publishing to the public portal: the portal's service-task operators (`publish_item`,
`item_view_stats`; gathered by `services/wiring.py`) and the item's audit trail.

Operators run inside the transaction of the engine call that reached them: a failed step rolls
their writes back with it. Every publish writes its row of the item's audit trail (`item_event`) in
that same transaction; withdrawing and republishing are in `published_items`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from ...engine import OperatorCall
from ...models import Category, ItemEvent, ProcessInstance, PublishedItem, StoredFile
from ...thaidate import fiscal_year
from ..catalogue.o_items import checked_codes, set_confirmed
from ..files import file_access, storage
from ..kernel.context import Registry, ServiceContext, StepScope
from ..procedures import duties
from . import portal_text, search, website
from .portal_text import public_url

KINDS = ("document", "album", "report")
ITEM_ACTIONS = (
    "published",
    "updated",
    "withdrawn",
    "republished",
    "ita_changed",
    "channel_added",  # PR recorded another channel (services/portal/channels.py)
    "channel_removed",
)
PDPA_ANSWERS = ("people_identifiable", "children_present", "consent_on_file")

__all__ = ["OPERATORS", "PublicItem", "list_public_items", "slugify"]


def slugify(title: str) -> str:
    """A readable URL part that keeps Thai letters: "ประกาศ ผลการจัดซื้อ 2569" -> "ประกาศ-ผลการจัดซื้อ-2569"."""
    words = re.findall(r"[0-9A-Za-z\u0E00-\u0E7F]+", title.lower())
    return "-".join(words)[:120] or "item"


def search_text(title: str, body: str, extras: list[str] | tuple[str, ...] = ()) -> str:
    """What Thai substring search reads: title, body, captions and file names, lower-cased.

    Thai has no spaces between words, so the portal matches substrings of this one column.
    """
    return "\n".join([title, body, *extras]).lower()


def publish_item(scope: StepScope, call: OperatorCall) -> dict[str, Any]:
    """The operator `publish_item`: put the request's item on the portal (or update it)."""
    base = str(scope.ctx.settings.get("PUBLIC_BASE_URL", ""))
    return _publish(scope.session, scope.instance, call, scope.actor_id, scope.now, base)


def item_view_stats(scope: StepScope, call: OperatorCall) -> dict[str, Any]:
    """The operator `item_view_stats`: how often an item was viewed since it was published."""
    item = scope.session.get(PublishedItem, int(call.params["item_id"]))
    if item is None:
        raise ValueError(f"published item {call.params['item_id']} does not exist")
    return {"item_id": item.id, "views": item.views, "since": item.published_at.isoformat()}


OPERATORS: Registry = {"publish_item": publish_item, "item_view_stats": item_view_stats}


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


@dataclass(frozen=True)
class _Content:
    """What the publish step's parameters say to put on the portal, checked."""

    kind: str
    title: str
    body: str
    category: Category
    named_ita_item: Any
    confirmed: list[str] | None  # the O items the publisher ticked; None: the diagram asks nobody
    attachments: list[str]
    photos: list[dict[str, Any]]
    pdpa: dict[str, Any] | None
    extras: list[str]  # searched besides title and body: captions and attachment file names


def _content(session: Session, instance: ProcessInstance, call: OperatorCall) -> _Content:
    params = call.params
    title = str(params.get("title") or instance.title or "").strip()
    if not title:
        raise ValueError("cannot publish an item without a title")
    kind = str(params.get("kind") or "document")
    if kind not in KINDS:
        raise ValueError(f"unknown item kind {kind!r}")
    attachments = [str(a) for a in _as_list(params.get("attachments"))]
    chosen = [p for p in _as_list(params.get("photos")) if isinstance(p, dict) and p.get("publish", True)]
    stored = _stored(session, attachments + [str(p.get("file")) for p in chosen])
    # Only the request's own files go public, whatever the diagram passes (an id from free text would not).
    foreign = sorted(set(stored) - file_access.referenced_by(session, instance.id, stored))
    if foreign:
        raise ValueError(f"files not part of this request: {', '.join(foreign)}")
    photos = _photos(session, chosen, stored)
    pdpa = _pdpa(params["pdpa"] if "pdpa" in params else _pdpa_answers(call.data))
    if kind == "album" and pdpa is None:
        raise ValueError("an album is published only with its PDPA check (parameter 'pdpa')")
    return _Content(
        kind=kind,
        title=title[:500],
        body=str(params.get("body") or ""),
        category=_category(session, params.get("category")),
        named_ita_item=params.get("ita_item"),
        confirmed=_codes(params.get("ita_items")),
        attachments=attachments,
        photos=photos,
        pdpa=pdpa,
        extras=[p["caption"] for p in photos] + [stored[a].filename for a in attachments],
    )


def _publish(
    session: Session,
    instance: ProcessInstance,
    call: OperatorCall,
    actor_id: int | None,
    now: datetime,
    base: str,
) -> dict[str, Any]:
    """Create or update the request's item, audited. A ValueError fails the step with its message
    (progress.recording_failures): an admin fixes the cause (e.g. adds the category) and retries."""
    content = _content(session, instance, call)
    item = session.scalar(select(PublishedItem).where(PublishedItem.instance_id == instance.id))
    was = item.status if item is not None else None
    year = item.fiscal_year if item is not None else fiscal_year(now)
    confirmed = _confirmed(session, content, year)
    if item is None:  # added once every column is known: a query above would flush it half-filled
        item = PublishedItem(
            instance_id=instance.id, published_at=now, published_by_id=actor_id, fiscal_year=year, views=0
        )
    item.kind = content.kind
    item.title = content.title
    item.slug = slugify(content.title)
    item.body = content.body
    item.category = content.category.code
    item.attachments = content.attachments
    item.photos = content.photos
    item.search_text = search_text(item.title, item.body, content.extras)
    item.group_id = instance.group_id
    item.status = "published"
    item.withdrawn_reason = item.withdrawn_at = item.withdrawn_by_id = None
    item.updated_at = now
    session.add(item)
    session.flush()
    file_access.record_item_files(session, item, now)
    if confirmed is not None:  # else (an update nobody was asked about) the item keeps its O items
        set_confirmed(session, item, confirmed, now)
    action = "published" if was is None else "updated"
    details = _published_details(item, content, was, confirmed)
    add_item_event(session, item, action, now, actor_id=actor_id, instance_id=instance.id, details=details)
    duties.item_changed(session, item)  # a duty of its period may be satisfied now
    website.enqueue(session, item, now)
    return {
        "id": item.id,
        "url": public_url(base, item.id, item.slug),
        "published_at": item.published_at.isoformat(),
        "ita_item": item.ita_item,
    }


def _published_details(
    item: PublishedItem, content: _Content, was: str | None, confirmed: list[str] | None
) -> dict[str, Any]:
    """What the audit trail keeps of a publish: where it was filed, how much, and an album's PDPA check."""
    details: dict[str, Any] = {
        "title": item.title,
        "category": item.category,
        "ita_item": item.ita_item,
        "ita_items": confirmed,
        "attachments": len(content.attachments),
        "photos": len(content.photos),
    }
    if content.pdpa is not None:
        details["pdpa"] = content.pdpa
    if was == "withdrawn":
        details["was_withdrawn"] = True
    return details


def add_item_event(
    session: Session,
    item: PublishedItem,
    action: str,
    now: datetime,
    *,
    actor_id: int | None,
    instance_id: int | None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> ItemEvent:
    """Append to the item's audit trail, in the caller's transaction (with the change it records)."""
    if action not in ITEM_ACTIONS:
        raise ValueError(f"unknown item action {action!r}")
    event = ItemEvent(
        item_id=item.id,
        action=action,
        actor_id=actor_id,
        instance_id=instance_id,
        reason=reason,
        details=details or {},
        created_at=now,
    )
    session.add(event)
    return event


def _category(session: Session, value: Any) -> Category:
    code = str(value or "").strip()
    if not code:
        raise ValueError("cannot publish an item without a category")
    category = session.scalar(select(Category).where(Category.code == code))
    if category is None:
        raise ValueError(f"category {code!r} is not in the office catalogue: add it there, then retry")
    return category


def _codes(value: Any) -> list[str] | None:
    if value is None:
        return None
    return [str(v).strip() for v in _as_list(value) if str(v).strip()]


def _confirmed(session: Session, content: _Content, year: int) -> list[str] | None:
    """The O items a person chose: ticked by the publisher (`ita_items`), or the one a form named
    (`ita_item`, e.g. the director publishing the six-monthly report). None when nobody was asked:
    the category's O items are only a suggestion and never count by themselves."""
    chosen = content.confirmed
    if chosen is None and content.named_ita_item not in (None, ""):
        chosen = [str(content.named_ita_item)]
    return None if chosen is None else checked_codes(session, year, chosen)


def _stored(session: Session, file_ids: list[str]) -> dict[str, StoredFile]:
    found = (
        {f.id: f for f in session.scalars(select(StoredFile).where(StoredFile.id.in_(file_ids)))}
        if file_ids
        else {}
    )
    missing = [f for f in file_ids if f not in found]
    if missing:
        raise ValueError(f"files not found: {', '.join(missing)}")
    return found


def _photos(
    session: Session, chosen: list[dict[str, Any]], stored: dict[str, StoredFile]
) -> list[dict[str, Any]]:
    """The album as the portal shows it: {file, thumb, caption, alt_text}. Every photo must be an image
    with alt text; one without a thumbnail (a GIF) is its own thumbnail."""
    ids = [str(p.get("file")) for p in chosen]
    thumbs = storage.thumbnails(session, ids)
    photos = []
    for file_id, photo in zip(ids, chosen, strict=True):
        name = stored[file_id].filename
        if not stored[file_id].content_type.startswith("image/"):
            raise ValueError(f"photo {name!r} is not an image")
        alt_text = str(photo.get("alt_text") or "").strip()
        if not alt_text:
            raise ValueError(f"photo {name!r} has no alt text")
        caption = str(photo.get("caption") or "").strip()
        photos.append(
            {"file": file_id, "thumb": thumbs.get(file_id, file_id), "caption": caption, "alt_text": alt_text}
        )
    return photos


def _pdpa_answers(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The PDPA form's answers in the request's data: what a diagram version from before the `pdpa`
    parameter passes (its running requests stay on it)."""
    if not any(k in data for k in PDPA_ANSWERS):
        return None
    return {k: data.get(k) for k in (*PDPA_ANSWERS, "measures", "comment")}


def _pdpa(value: Any) -> dict[str, Any] | None:
    """The PDPA check of an album as recorded in its audit trail (never shown to the public)."""
    if not isinstance(value, dict):
        return None
    answers = {k: value.get(k) if isinstance(value.get(k), bool) else None for k in PDPA_ANSWERS}
    return {
        **answers,
        "measures": [str(m) for m in _as_list(value.get("measures"))],
        "comment": str(value.get("comment") or ""),
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
    """Published items, newest first; `q` finds what the portal's search finds (every term a substring
    of the item's search text)."""
    base = str(ctx.settings.get("PUBLIC_BASE_URL", ""))
    stmt = select(PublishedItem).where(PublishedItem.status == "published")
    if category:
        stmt = stmt.where(PublishedItem.category == category)
    if fiscal_year_be:
        stmt = stmt.where(PublishedItem.fiscal_year == fiscal_year_be)
    stmt = (
        stmt.options(defer(PublishedItem.search_text))
        .order_by(PublishedItem.published_at.desc(), PublishedItem.id.desc())
        .limit(limit)
        .offset(offset)
    )
    terms = portal_text.search_terms(q or "")
    if terms:
        stmt = stmt.where(*search.contain_terms(terms, sqlite=ctx.db.is_sqlite))
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
