"""The ITA/OIT index of a fiscal year: which required items ("O items") the portal satisfies, with what.

The rules (docs/ita-index.md says the same for people):

- A published item *counts for* an O item of fiscal year FY when it is published (a withdrawn item
  never counts) and a person confirmed it answers that O item's code (`confirmed_o_item`: the
  publisher at certification, or later on /publishing/items). A category's mapping to O items only
  suggests them to the publisher; it never counts by itself.
- It counts *in period* when its first publication or its last update falls in the O item's window
  (Bangkok time; FY 2569 = 1 Oct 2025 00:00 - 30 Sep 2026 24:00):
  `current_fy` the whole fiscal year; `first_half` 1 Oct - 31 Mar of it; `previous_fy` FY-1 and FY
  together, because the assessment of FY asks for the report *on* FY-1, which an office publishes
  either near the end of FY-1 or, usually, after FY-1 closed (an annual report in Oct-Dec of FY).
  Anything older reports on an earlier year.
- Status: `have` at least one item in period; `stale` items exist but none in period (the latest
  date says how old); `missing` none at all.

Cost does not grow with the portal: one statement aggregates every O item's counts in SQL (the
dashboard needs only that one) and one more fetches the few items the page lists, ranked in SQL
(docs/ita-index.md, "Cost").
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CTE, ColumnElement, Label, and_, case, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Subquery

from ...errors import NotFoundError, PermissionDeniedError
from ...models import ConfirmedOItem, Group, ItaFramework, ItaItem, PublishedItem, WebsiteCopy
from ...permissions import Actor, may_view_ita_dashboard
from ...thaidate import fiscal_year
from ..kernel.context import ServiceContext
from . import website
from .ita_values import (
    Counts,
    Dashboard,
    GroupRow,
    IndexedItem,
    OItemStatus,
    Window,
    YearIndex,
    period_window,
)
from .portal_text import public_url

STATUSES = ("have", "stale", "missing")
SHOWN_PER_ITEM = 10  # items listed under one O item (page and CSV): the newest in period
DUE_SOON = timedelta(days=30)  # an unmet O item whose window closes this soon is flagged
# The SQL flag column of each period rule: 1 when a row falls in that rule's window of the year.
FLAGS = {"current_fy": "in_current", "first_half": "in_first_half", "previous_fy": "in_previous"}


# -- reading -------------------------------------------------------------------------------------


def list_years(ctx: ServiceContext) -> list[int]:
    """Fiscal years that have an ITA list, newest first."""
    with ctx.db.read() as session:
        return _years(session)


def default_year(ctx: ServiceContext) -> int:
    """The year the index opens on: the current fiscal year when it has a list, else the newest list
    (an office may not have set up the new year yet in October), else the current year."""
    current = fiscal_year(ctx.now())
    years = list_years(ctx)
    return current if current in years or not years else years[0]


def year_index(ctx: ServiceContext, fiscal_year_be: int, *, base: str) -> YearIndex:
    """Every O item of the year with its status and the items listed under it (URLs on `base`).
    Raises NotFoundError when the year has no list."""
    now = ctx.now()
    with ctx.db.read() as session:
        framework = _framework(session, fiscal_year_be)
        statuses = _statuses(session, fiscal_year_be, now)
        shown = _shown_items(session, fiscal_year_be, base)
        items = tuple(_with_items(s, shown.get(s.id, ())) for s in statuses)
        return YearIndex(
            fiscal_year=framework.fiscal_year,
            title=framework.title,
            source=framework.source,
            verified=framework.verified,
            note=framework.note,
            years=tuple(_years(session)),
            items=items,
        )


def dashboard(ctx: ServiceContext, actor: Actor, fiscal_year_be: int) -> Dashboard:
    """Completeness per responsible group. Raises PermissionDeniedError, NotFoundError."""
    if not may_view_ita_dashboard(actor):
        raise PermissionDeniedError("the ITA dashboard is for publishers, directors and administrators")
    with ctx.db.read() as session:
        framework = _framework(session, fiscal_year_be)
        statuses = _statuses(session, fiscal_year_be, ctx.now())
        years = tuple(_years(session))
    mine = actor.director_of | ({actor.group_id} if actor.group_id is not None else set())
    by_group: dict[int | None, list[OItemStatus]] = {}
    for status in statuses:
        by_group.setdefault(status.group_id, []).append(status)
    rows = [
        GroupRow(gid, items[0].group_code, items[0].group_name, Counts.of(items), gid in mine)
        for gid, items in by_group.items()
    ]
    # Named groups in name order; O items nobody answers for last, where they stand out.
    rows.sort(key=lambda r: (r.group_id is None, r.name or ""))
    return Dashboard(
        fiscal_year=framework.fiscal_year,
        title=framework.title,
        verified=framework.verified,
        years=years,
        groups=tuple(rows),
        total=Counts.of(statuses),
    )


# -- queries -------------------------------------------------------------------------------------


def _years(session: Session) -> list[int]:
    return list(session.scalars(select(ItaFramework.fiscal_year).order_by(ItaFramework.fiscal_year.desc())))


def _framework(session: Session, fiscal_year_be: int) -> ItaFramework:
    framework = session.get(ItaFramework, fiscal_year_be)
    if framework is None:
        raise NotFoundError(f"fiscal year {fiscal_year_be} has no ITA list")
    return framework


def _within(window: Window) -> ColumnElement[bool]:
    return or_(
        and_(PublishedItem.published_at >= window.start, PublishedItem.published_at < window.end),
        and_(PublishedItem.updated_at >= window.start, PublishedItem.updated_at < window.end),
    )


def _flags(fiscal_year_be: int) -> list[Label[int]]:
    return [
        case((_within(period_window(fiscal_year_be, rule)), 1), else_=0).label(name)
        for rule, name in FLAGS.items()
    ]


def _of_rule(pairs: Subquery) -> ColumnElement[Any]:
    """SQL: the flag (or count) of the O item's own period rule; an unknown rule reads as current_fy."""
    return case(
        (pairs.c.period_rule == "first_half", pairs.c[FLAGS["first_half"]]),
        (pairs.c.period_rule == "previous_fy", pairs.c[FLAGS["previous_fy"]]),
        else_=pairs.c[FLAGS["current_fy"]],
    )


def _pairs(fiscal_year_be: int, rows: CTE) -> Subquery:
    """Each O item of the year with each row of `rows` (published items, or groups of them by
    confirmed code) that counts for it: a published row confirmed for the O item's code."""
    return (
        select(ItaItem.id.label("oid"), ItaItem.period_rule.label("period_rule"), rows)
        .join(rows, rows.c.code == ItaItem.code)
        .where(ItaItem.fiscal_year == fiscal_year_be, rows.c.status == "published")
        .subquery("pairs")
    )


def _item_groups(fiscal_year_be: int) -> CTE:
    """Confirmed items per (code, status): how many, how many in each rule's window, the latest dates.
    One pass over the confirmations joined to their items; everything after works on these few rows.
    Grouped by status rather than filtered on it, so the database reads the tables in order instead of
    fetching 95% of the rows one by one through an index."""
    return (
        select(
            ConfirmedOItem.code,
            PublishedItem.status,
            func.count().label("total"),
            *(func.sum(flag.element).label(flag.name) for flag in _flags(fiscal_year_be)),
            func.max(PublishedItem.updated_at).label("latest_update"),
            func.max(PublishedItem.published_at).label("latest_publication"),
        )
        .join(PublishedItem, PublishedItem.id == ConfirmedOItem.item_id)
        .group_by(ConfirmedOItem.code, PublishedItem.status)
        .cte("item_groups")
    )


def _statuses(session: Session, fiscal_year_be: int, now: datetime) -> list[OItemStatus]:
    """Every O item of the year with its counts: one statement, aggregated in SQL."""
    pairs = _pairs(fiscal_year_be, _item_groups(fiscal_year_be))
    counts = (
        select(
            pairs.c.oid,
            func.sum(pairs.c.total).label("total"),
            func.sum(_of_rule(pairs)).label("in_period"),
            func.max(pairs.c.latest_update).label("latest_update"),
            func.max(pairs.c.latest_publication).label("latest_publication"),
        )
        .group_by(pairs.c.oid)
        .subquery("counts")
    )
    rows = session.execute(
        select(
            ItaItem,
            Group.code,
            Group.name,
            counts.c.total,
            counts.c.in_period,
            counts.c.latest_update,
            counts.c.latest_publication,
        )
        .outerjoin(Group, Group.id == ItaItem.group_id)
        .outerjoin(counts, counts.c.oid == ItaItem.id)
        .where(ItaItem.fiscal_year == fiscal_year_be)
        .order_by(ItaItem.sort_order, ItaItem.code)
    ).all()
    return [
        _status(item, group_code, group_name, total or 0, in_period or 0, _latest(updated, published), now)
        for item, group_code, group_name, total, in_period, updated, published in rows
    ]


def _latest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def _status(
    item: ItaItem,
    group_code: str | None,
    group_name: str | None,
    total: int,
    in_period: int,
    latest_at: datetime | None,
    now: datetime,
) -> OItemStatus:
    window = period_window(item.fiscal_year, item.period_rule)
    status = "have" if in_period else "stale" if total else "missing"
    return OItemStatus(
        id=item.id,
        code=item.code,
        title=item.title,
        guidance=item.guidance,
        period_rule=item.period_rule,
        window=window,
        group_id=item.group_id,
        group_code=group_code,
        group_name=group_name,
        status=status,
        in_period=int(in_period),
        total=int(total),
        latest_at=latest_at,
        due_soon=status != "have" and window.start <= now < window.end <= now + DUE_SOON,
    )


def _candidates(fiscal_year_be: int) -> CTE:
    """Per (code, status) group: its newest SHOWN_PER_ITEM confirmed items in each rule's window.

    Only rows inside the span of all windows are ranked (an office's older years drop out before the
    sort), and the three rankings are running counts over one ordering, so one sort serves them all."""
    windows = [period_window(fiscal_year_be, rule) for rule in FLAGS]
    span = Window(min(w.start for w in windows), max(w.end for w in windows))
    flagged = (
        select(
            PublishedItem.id,
            PublishedItem.status,
            ConfirmedOItem.code,
            PublishedItem.updated_at,
            *_flags(fiscal_year_be),
        )
        .join(ConfirmedOItem, ConfirmedOItem.item_id == PublishedItem.id)
        .where(_within(span))
        .subquery("flagged")
    )
    # Narrow rows sort faster (titles are joined to the few winners).
    group = (flagged.c.code, flagged.c.status)
    newest = (flagged.c.updated_at.desc(), flagged.c.id.desc())
    ranked = select(
        flagged,
        *(
            func.sum(flagged.c[name]).over(partition_by=group, order_by=newest).label(f"rank_{name}")
            for name in FLAGS.values()
        ),
    ).subquery("ranked")
    newest_in_a_window = [
        and_(ranked.c[name] == 1, ranked.c[f"rank_{name}"] <= SHOWN_PER_ITEM) for name in FLAGS.values()
    ]
    return (
        select(*(ranked.c[column.key] for column in flagged.c))
        .where(or_(*newest_in_a_window))
        .cte("candidates")
    )


def _shown_items(session: Session, fiscal_year_be: int, base: str) -> dict[int, list[IndexedItem]]:
    """Per O item: its newest SHOWN_PER_ITEM items in period. Ranked in SQL, so only those rows leave
    the database."""
    pairs = _pairs(fiscal_year_be, _candidates(fiscal_year_be))
    in_period = select(pairs).where(_of_rule(pairs) == 1).subquery("in_period")
    ranked = select(
        in_period.c.oid,
        in_period.c.id,
        func.row_number()
        .over(partition_by=in_period.c.oid, order_by=(in_period.c.updated_at.desc(), in_period.c.id.desc()))
        .label("rank"),
    ).subquery("ranked_for_o_items")
    rows = session.execute(
        select(
            ranked.c.oid,
            PublishedItem.id,
            PublishedItem.title,
            PublishedItem.slug,
            PublishedItem.published_at,
            PublishedItem.updated_at,
            website.public_post_url(),
        )
        .join(PublishedItem, PublishedItem.id == ranked.c.id)
        .outerjoin(WebsiteCopy, WebsiteCopy.item_id == PublishedItem.id)
        .where(ranked.c.rank <= SHOWN_PER_ITEM)
        .order_by(ranked.c.oid, ranked.c.rank)
    ).all()
    shown: dict[int, list[IndexedItem]] = {}
    for oid, item_id, title, slug, published_at, updated_at, post_url in rows:
        url = public_url(base, item_id, slug)
        indexed = IndexedItem(item_id, title, url, published_at, updated_at, post_url)
        shown.setdefault(oid, []).append(indexed)
    return shown


def _with_items(status: OItemStatus, items: list[IndexedItem] | tuple[IndexedItem, ...]) -> OItemStatus:
    return replace(status, items=tuple(items))
