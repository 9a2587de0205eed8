"""The inbox page in one call and one read transaction: the reader's tasks in the view they chose (searched,
filtered, sorted, one page), how many tasks each view holds, their saved filters (and which one they are
looking at), the recurring duties they may start a request for, the names of the categories the filter
offers, and what they may do (save one more filter). The template decides nothing: it shows this value."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import User
from ...permissions import Actor, may_start
from ..catalogue.categories import category_names_in
from ..kernel.context import ServiceContext
from ..procedures.definitions import latest_versions
from ..procedures.duty_views import DutyView, my_duties_in
from ..requests.inbox import SORTS, VIEWS, InboxQuery, inbox_in, view_counts_in
from ..requests.results import InboxPage
from ..requests.saved_filters import MAX_FILTERS, SavedFilterView, saved_filters_in


@dataclass(frozen=True)
class InboxActions:
    """What the reader may do on the inbox besides opening a task."""

    save_filter: bool  # save the view they look at (fewer than MAX_FILTERS saved)
    saved_limit: int  # MAX_FILTERS, for the page to say
    start_request: bool = False  # an empty inbox points to ยื่นคำขอ: some procedure the reader may start
    follow_requests: bool = False  # ... and to ติดตามคำขอ (admins watch every running request)


@dataclass(frozen=True)
class InboxPageView:
    inbox: InboxPage  # the rows of this page, the total of the view as filtered, what to filter by
    query: InboxQuery  # what the reader asked for, checked (unknown views and sorts dropped)
    arguments: dict[str, str]  # the same as the inbox's query arguments, empty ones left out
    counts: dict[str, int]  # tasks per view: "all" (the whole inbox: the menu's badge) and each of VIEWS
    saved: list[SavedFilterView]  # the reader's saved filters, by name
    current_saved: int | None  # the saved filter the reader is looking at, if one is
    duties: list[DutyView]  # recurring duties of their groups open now, with the procedures to start
    category_names: dict[str, str]  # code -> name of the categories the filter offers
    may: InboxActions
    now: datetime
    holder_names: dict[str, str] = field(default_factory=dict)  # username -> full name of who holds a row


def get_inbox_page(
    ctx: ServiceContext,
    actor: Actor,
    *,
    view: str | None = None,
    sort: str | None = None,
    q: str | None = None,
    process_id: str | None = None,
    task_spec: str | None = None,
    category: str | None = None,
    page: int = 1,
) -> InboxPageView:
    """Everything the inbox shows, in one read transaction. Raises nothing: a view or sort the inbox
    does not offer is ignored, a search is cut at 200 characters."""
    query = InboxQuery(
        process_id=process_id or None,
        task_spec=task_spec or None,
        q=(q or "").strip()[:200] or None,
        category=category or None,
        view=view if view in VIEWS else None,
        sort=sort if sort in SORTS else None,
    )
    arguments = {
        key: value
        for key, value in (
            ("view", query.view),
            ("sort", query.sort),
            ("q", query.q),
            ("process", query.process_id),
            ("step", query.task_spec),
            ("category", query.category),
        )
        if value
    }
    now = ctx.now()
    with ctx.db.read() as session:
        counts = view_counts_in(session, actor, now)
        # A view without search or filters has just been counted: the page does not count it again.
        narrowed = any((query.process_id, query.task_spec, query.q, query.category))
        total = None if narrowed else counts[query.view or "all"]
        listing = inbox_in(session, actor, now, query, page=page, total=total)
        saved = saved_filters_in(session, actor)
        duties = my_duties_in(session, actor, now)
        names = category_names_in(session) if listing.categories else {}
        # An empty inbox says where to go instead, by what the reader may do (counted only then).
        starts = not listing.items and any(may_start(actor, d.start_roles) for d in latest_versions(session))
        holders = _full_names_in(session, {t.assigned_to for t in listing.items if t.assigned_to})
    current = next((s.id for s in saved if s.query == arguments), None) if arguments else None
    return InboxPageView(
        inbox=listing,
        query=query,
        arguments=arguments,
        counts=counts,
        saved=saved,
        current_saved=current,
        duties=duties,
        category_names=names,
        may=InboxActions(
            save_filter=len(saved) < MAX_FILTERS,
            saved_limit=MAX_FILTERS,
            start_request=starts,
            follow_requests=actor.is_admin,
        ),
        now=now,
        holder_names=holders,
    )


def _full_names_in(session: Session, usernames: set[str]) -> dict[str, str]:
    """Who holds the listed steps, as staff know them: by full name, never by username."""
    if not usernames:
        return {}
    rows = session.execute(select(User.username, User.full_name).where(User.username.in_(usernames)))
    return {username: full_name or username for username, full_name in rows}
