"""Saved inbox filters: a person saves the inbox view they are looking at (its view, sort, search and
filters) under a name of their own, applies it in one click, renames or deletes it. Private to that
person (a filter of someone else's is not found), at most MAX_FILTERS each; the one rule for what a
saved query may hold is `checked_query`, so a saved filter can only ever be an inbox address."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...errors import NotFoundError, ValidationError, problem
from ...models import SavedFilter
from ...permissions import Actor
from ..files.storage import clean_name
from ..kernel.context import ServiceContext
from .inbox import SORTS, VIEWS

FILTER_KEYS = ("view", "sort", "q", "process", "step", "category")  # the inbox's query arguments
MAX_FILTERS = 20  # per person
MAX_NAME = 60  # characters, after trimming
MAX_VALUE = 200  # characters of one argument (the inbox cuts its search at 200 too)


@dataclass(frozen=True)
class SavedFilterView:
    id: int
    name: str
    query: dict[str, str]  # the inbox's query arguments, in FILTER_KEYS order, empty ones left out


def checked_query(raw: Mapping[str, Any]) -> dict[str, str]:
    """The inbox arguments a filter keeps, in FILTER_KEYS order, blanks dropped. Raises ValidationError
    (field `filters`) for a key the inbox does not know, a view or sort it does not offer, or a value
    that is not short text."""
    unknown = sorted(str(k) for k in raw if k not in FILTER_KEYS)
    if unknown:
        raise ValidationError(
            "unknown filter keys",
            [problem("filters", "ตัวกรองที่ไม่รู้จัก: %(keys)s", keys=", ".join(unknown)[:200])],
        )
    query: dict[str, str] = {}
    for key in FILTER_KEYS:
        value = raw.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str) or len(value) > MAX_VALUE or clean_name(value) != value:
            raise ValidationError("bad filter value", [problem("filters", "ค่าตัวกรองไม่ถูกต้อง")])
        if (key == "view" and value not in VIEWS) or (key == "sort" and value not in SORTS):
            raise ValidationError("bad filter value", [problem("filters", "ค่าตัวกรองไม่ถูกต้อง")])
        query[key] = value.strip() if key == "q" else value
    return query


def _name(name: str | None) -> str:
    text = clean_name(name or "").strip()
    if not text:
        raise ValidationError("a name is required", [problem("name", "กรุณาตั้งชื่อตัวกรอง")])
    if len(text) > MAX_NAME:
        raise ValidationError(
            "the name is too long", [problem("name", "ยาวได้ไม่เกิน %(n)s ตัวอักษร", n=MAX_NAME)]
        )
    return text


def _view(row: SavedFilter) -> SavedFilterView:
    query = row.query if isinstance(row.query, dict) else {}
    return SavedFilterView(row.id, row.name, {k: str(query[k]) for k in FILTER_KEYS if query.get(k)})


def saved_filters_in(session: Session, actor: Actor) -> list[SavedFilterView]:
    """The actor's own saved filters, by name."""
    rows = session.scalars(
        select(SavedFilter).where(SavedFilter.user_id == actor.id).order_by(SavedFilter.name, SavedFilter.id)
    )
    return [_view(row) for row in rows]


def list_saved_filters(ctx: ServiceContext, actor: Actor) -> list[SavedFilterView]:
    """The actor's own saved filters, by name."""
    with ctx.db.read() as session:
        return saved_filters_in(session, actor)


def _taken(session: Session, actor: Actor, name: str, but: int | None = None) -> bool:
    stmt = select(SavedFilter.id).where(SavedFilter.user_id == actor.id, SavedFilter.name == name)
    if but is not None:
        stmt = stmt.where(SavedFilter.id != but)
    return session.scalar(stmt.limit(1)) is not None


def _duplicate() -> ValidationError:
    return ValidationError("the name is taken", [problem("name", "มีตัวกรองชื่อนี้อยู่แล้ว")])


def save_filter(
    ctx: ServiceContext, actor: Actor, name: str | None, raw: Mapping[str, Any]
) -> SavedFilterView:
    """Save the inbox view `raw` (its query arguments) under `name` for the actor. Raises
    ValidationError: on `name` (empty, too long, already one of theirs, MAX_FILTERS reached) or on
    `filters` (see checked_query)."""
    clean, query = _name(name), checked_query(raw)
    try:
        return _save(ctx, actor, clean, query)
    except IntegrityError as exc:  # the same name saved at the same moment (PostgreSQL's unique index)
        raise _duplicate() from exc


def _save(ctx: ServiceContext, actor: Actor, clean: str, query: dict[str, str]) -> SavedFilterView:
    with ctx.db.write() as session:
        mine = session.scalar(select(func.count(SavedFilter.id)).where(SavedFilter.user_id == actor.id)) or 0
        if mine >= MAX_FILTERS:
            raise ValidationError(
                "too many saved filters",
                [problem("name", "บันทึกตัวกรองได้ไม่เกิน %(n)s ชุด ลบชุดที่ไม่ใช้แล้วก่อน", n=MAX_FILTERS)],
            )
        if _taken(session, actor, clean):
            raise _duplicate()
        row = SavedFilter(user_id=actor.id, name=clean, query=query, created_at=ctx.now())
        session.add(row)
        session.flush()
        return _view(row)


def _own(session: Session, actor: Actor, filter_id: int) -> SavedFilter:
    row = session.get(SavedFilter, filter_id)
    if row is None or row.user_id != actor.id:  # someone else's is not theirs to know of
        raise NotFoundError("no such saved filter")
    return row


def rename_filter(ctx: ServiceContext, actor: Actor, filter_id: int, name: str | None) -> SavedFilterView:
    """Give one of the actor's saved filters a new name. Raises NotFoundError (not theirs, or gone),
    ValidationError (on `name`: empty, too long, taken)."""
    clean = _name(name)
    with ctx.db.write() as session:
        row = _own(session, actor, filter_id)
        if _taken(session, actor, clean, but=row.id):
            raise _duplicate()
        row.name = clean
        return _view(row)


def delete_filter(ctx: ServiceContext, actor: Actor, filter_id: int) -> str:
    """Delete one of the actor's saved filters; returns its name. Raises NotFoundError."""
    with ctx.db.write() as session:
        row = _own(session, actor, filter_id)
        session.delete(row)
        return row.name
