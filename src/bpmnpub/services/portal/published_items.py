"""Published items as publishers manage them: the list, an item's audit trail, withdraw and republish,
and which O items (ITA/OIT) an item answers.

Nothing is ever deleted. A withdrawn item keeps its id and its URL (its page says it was withdrawn
and its files are no longer served); republishing brings back the same item at the same URL. Every
change is one transaction with its `item_event` row and, when the item came from a request, an event
on that request's timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ...db import contains_pattern
from ...errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
    problem,
)
from ...models import ItemEvent, ProcessInstance, PublishedItem, User
from ...permissions import Actor, may_manage_items
from ..catalogue import o_items
from ..kernel.context import ServiceContext
from ..kernel.events import add_event
from ..kernel.reasons import given_reason
from ..procedures import duties
from . import channels, website
from .portal_text import public_url
from .publishing import add_item_event
from .website import WebsiteState

STATUSES = ("published", "withdrawn")
UNCONFIRMED = "unconfirmed"  # the list's ITA filter: items whose O items nobody confirmed yet
PER_PAGE = 25


@dataclass(frozen=True)
class ItemChange:
    """An item after a withdraw or republish."""

    id: int
    status: str
    url: str
    updated_at: datetime
    withdrawn_at: datetime | None
    withdrawn_reason: str | None


@dataclass(frozen=True)
class LastChange:
    action: str  # published | updated | withdrawn | republished
    at: datetime
    actor: str | None


@dataclass(frozen=True)
class ManagedItem:
    id: int
    title: str
    url: str
    kind: str
    category: str
    o_items: tuple[str, ...]  # the O items a person confirmed it answers
    ita_confirmed: bool  # someone confirmed (possibly: none); False: only the category suggests
    status: str
    views: int
    published_at: datetime
    updated_at: datetime
    last_change: LastChange | None
    fiscal_year: int
    website: WebsiteState | None = None  # None: never sent to the office's WordPress

    @property
    def may_resend(self) -> bool:
        """Whether "send to the website again" is offered: never sent, or the last try failed (a copy in
        step or waiting for the worker needs nothing)."""
        return self.website is None or self.website.state == "failing"


@dataclass(frozen=True)
class ItemList:
    items: list[ManagedItem]
    total: int
    page: int
    per_page: int
    categories: list[str]  # the categories items were published under, to filter by

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class ItemEventView:
    id: int
    action: str
    at: datetime
    actor: str | None
    reason: str
    request_id: int | None
    details: dict[str, Any]


@dataclass(frozen=True)
class ItemHistory:
    """An item for its publishers: where it stands, and every change made to it, oldest first."""

    item: ManagedItem
    request_id: int | None
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    withdrawn_reason: str | None
    events: list[ItemEventView]
    o_item_choices: o_items.OItemChoices  # the item's fiscal year's O items, the category's suggested
    channels: list[channels.ChannelRecord]  # the other channels PR recorded (seed 000 §2.2)
    may_record_channels: bool  # the reader is PR (or an administrator)


def _require_manager(actor: Actor) -> None:
    if not may_manage_items(actor):
        raise PermissionDeniedError("only publishers and admins manage published items")


def list_items(
    ctx: ServiceContext,
    actor: Actor,
    *,
    q: str | None = None,
    status: str | None = None,
    category: str | None = None,
    ita: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> ItemList:
    """One page of the portal's items, most recently changed first; `ita="unconfirmed"` keeps those
    whose O items nobody confirmed. Raises PermissionDeniedError."""
    _require_manager(actor)
    page = max(page, 1)
    stmt = _filtered(q, status, category)
    if ita == UNCONFIRMED:
        stmt = stmt.where(PublishedItem.ita_confirmed_at.is_(None))
    with ctx.db.read() as session:
        total = int(session.scalar(stmt.with_only_columns(func.count(PublishedItem.id))) or 0)
        rows = list(
            session.scalars(
                stmt.order_by(PublishedItem.updated_at.desc(), PublishedItem.id.desc())
                .limit(per_page)
                .offset((page - 1) * per_page)
            )
        )
        changes = _last_changes(session, [r.id for r in rows])
        confirmed = o_items.confirmed_codes(session, [r.id for r in rows])
        categories = sorted(c for c in session.scalars(select(PublishedItem.category).distinct()) if c)
        copies = website.states(session, [r.id for r in rows])
        items = [
            _managed(ctx, row, changes.get(row.id), confirmed.get(row.id, []), copies.get(row.id))
            for row in rows
        ]
    return ItemList(items, total, page, per_page, categories)


def _filtered(q: str | None, status: str | None, category: str | None) -> Select[PublishedItem]:
    stmt = select(PublishedItem)
    if q:
        stmt = stmt.where(PublishedItem.title.ilike(contains_pattern(q), escape="\\"))
    if status in STATUSES:
        stmt = stmt.where(PublishedItem.status == status)
    if category:
        stmt = stmt.where(PublishedItem.category == category)
    return stmt


def _last_changes(session: Session, item_ids: list[int]) -> dict[int, LastChange]:
    if not item_ids:
        return {}
    latest = select(func.max(ItemEvent.id)).where(ItemEvent.item_id.in_(item_ids)).group_by(ItemEvent.item_id)
    rows = session.execute(
        select(ItemEvent.item_id, ItemEvent.action, ItemEvent.created_at, User.full_name)
        .outerjoin(User, User.id == ItemEvent.actor_id)
        .where(ItemEvent.id.in_(latest))
    )
    return {item_id: LastChange(action, at, who) for item_id, action, at, who in rows}


def _managed(
    ctx: ServiceContext,
    item: PublishedItem,
    change: LastChange | None,
    confirmed: list[str],
    copy: WebsiteState | None = None,
) -> ManagedItem:
    return ManagedItem(
        id=item.id,
        title=item.title,
        url=public_url(str(ctx.settings.get("PUBLIC_BASE_URL", "")), item.id, item.slug),
        kind=item.kind,
        category=item.category,
        o_items=tuple(confirmed),
        ita_confirmed=item.ita_confirmed_at is not None,
        status=item.status,
        views=item.views,
        published_at=item.published_at,
        updated_at=item.updated_at,
        last_change=change,
        fiscal_year=item.fiscal_year,
        website=copy,
    )


def get_item_history(ctx: ServiceContext, actor: Actor, item_id: int) -> ItemHistory:
    """An item with its audit trail (the PDPA check of an album included). Raises
    PermissionDeniedError, NotFoundError."""
    with ctx.db.read() as session:
        return item_history(ctx, session, actor, item_id)


def item_history(ctx: ServiceContext, session: Session, actor: Actor, item_id: int) -> ItemHistory:
    """`get_item_history` inside a caller's read transaction (the item's staff page, one call).
    Raises PermissionDeniedError, NotFoundError."""
    _require_manager(actor)
    item = _get(session, item_id)
    rows = session.execute(
        select(ItemEvent, User.full_name)
        .outerjoin(User, User.id == ItemEvent.actor_id)
        .where(ItemEvent.item_id == item_id)
        .order_by(ItemEvent.id)
    ).all()
    events = [
        ItemEventView(e.id, e.action, e.created_at, who, e.reason, e.instance_id, dict(e.details or {}))
        for e, who in rows
    ]
    last = events[-1] if events else None
    change = LastChange(last.action, last.at, last.actor) if last else None
    withdrawn_by = session.get(User, item.withdrawn_by_id) if item.withdrawn_by_id else None
    confirmed = o_items.confirmed_codes(session, [item.id]).get(item.id, [])
    return ItemHistory(
        item=_managed(ctx, item, change, confirmed, website.states(session, [item.id]).get(item.id)),
        request_id=item.instance_id,
        withdrawn_at=item.withdrawn_at,
        withdrawn_by=withdrawn_by.full_name if withdrawn_by else None,
        withdrawn_reason=item.withdrawn_reason,
        events=events,
        o_item_choices=o_items.choices(session, item.fiscal_year, item.category),
        channels=channels.channels_of(session, item.id),
        may_record_channels=channels.may_record(actor),
    )


def withdraw_item(ctx: ServiceContext, actor: Actor, item_id: int, reason: str) -> ItemChange:
    """Take an item off the portal, keeping its URL; the reason is required. Raises
    PermissionDeniedError, ValidationError, NotFoundError, ConflictError (already withdrawn)."""
    _require_manager(actor)
    reason = given_reason(reason)
    now = ctx.now()
    with ctx.db.write() as session:
        item = _get(session, item_id, lock=True)
        if item.status == "withdrawn":
            raise ConflictError(f"item {item_id} is already withdrawn")
        item.status = "withdrawn"
        item.updated_at = now
        item.withdrawn_at = now
        item.withdrawn_by_id = actor.id
        item.withdrawn_reason = reason
        _record(session, item, "withdrawn", now, actor, reason)
        return _change(ctx, item)


def republish_item(ctx: ServiceContext, actor: Actor, item_id: int, reason: str = "") -> ItemChange:
    """Put a withdrawn item back at the same URL (the reason is optional). Raises
    PermissionDeniedError, ValidationError, NotFoundError, ConflictError (not withdrawn)."""
    _require_manager(actor)
    reason = given_reason(reason, required=False)
    now = ctx.now()
    with ctx.db.write() as session:
        item = _get(session, item_id, lock=True)
        if item.status != "withdrawn":
            raise ConflictError(f"item {item_id} is not withdrawn")
        item.status = "published"
        item.withdrawn_at = item.withdrawn_by_id = item.withdrawn_reason = None
        item.updated_at = now
        _record(session, item, "republished", now, actor, reason)
        return _change(ctx, item)


def set_item_o_items(
    ctx: ServiceContext, actor: Actor, item_id: int, codes: list[str], reason: str = ""
) -> list[str]:
    """Confirm which O items of the item's fiscal year it answers (none is an answer too), audited with
    who, when, before and after. The item's dates stay as they are: this says what it answers, not
    that it was updated. Returns the codes in the list's order. Raises PermissionDeniedError,
    NotFoundError, ValidationError (a code the year does not have)."""
    _require_manager(actor)
    reason = given_reason(reason, required=False)
    now = ctx.now()
    with ctx.db.write() as session:
        item = _get(session, item_id, lock=True)
        try:
            after = o_items.checked_codes(session, item.fiscal_year, codes)
        except ValueError:
            raise ValidationError(
                "an O item is not in the item's year", [problem("ita_items", o_items.NOT_AN_O_ITEM)]
            ) from None
        before = o_items.confirmed_codes(session, [item.id]).get(item.id, [])
        details = {"before": before if item.ita_confirmed_at else None, "after": after}
        o_items.set_confirmed(session, item, after, now)
        duties.item_changed(session, item)  # a topic naming an O item counts confirmed items only
        add_item_event(
            session,
            item,
            "ita_changed",
            now,
            actor_id=actor.id,
            instance_id=None,
            reason=reason,
            details=details,
        )
        return after


def _get(session: Session, item_id: int, *, lock: bool = False) -> PublishedItem:
    stmt = select(PublishedItem).where(PublishedItem.id == item_id)
    item = session.scalar(stmt.with_for_update() if lock else stmt)
    if item is None:
        raise NotFoundError(f"published item {item_id} not found")
    return item


def _record(
    session: Session, item: PublishedItem, action: str, now: datetime, actor: Actor, reason: str
) -> None:
    """The audit row, and the same change on the timeline of the request the item came from."""
    add_item_event(session, item, action, now, actor_id=actor.id, instance_id=item.instance_id, reason=reason)
    duties.item_changed(session, item)  # withdrawn: no longer satisfies its duty; republished: again
    website.enqueue(session, item, now)
    instance = session.get(ProcessInstance, item.instance_id) if item.instance_id else None
    if instance is not None:
        add_event(
            session,
            instance,
            f"item_{action}",
            now,
            actor_id=actor.id,
            comment=reason or None,
            details={"item_id": item.id},
        )


def _change(ctx: ServiceContext, item: PublishedItem) -> ItemChange:
    base = str(ctx.settings.get("PUBLIC_BASE_URL", ""))
    return ItemChange(
        id=item.id,
        status=item.status,
        url=public_url(base, item.id, item.slug),
        updated_at=item.updated_at,
        withdrawn_at=item.withdrawn_at,
        withdrawn_reason=item.withdrawn_reason,
    )
