"""Template helpers: Buddhist-era dates everywhere through one filter, and what the staff menu shows."""

from __future__ import annotations

from flask import Flask, g, request
from flask_login import current_user

from .. import thaidate
from ..permissions import Actor, may_manage_items, may_own_processes, may_view_ita_dashboard
from ..services import consistency, heartbeat, notify, office, tasks
from . import diagram_text
from .auth import ctx
from .formdata import display_date


def file_size(size: int) -> str:
    """1 ไบต์ / 12.3 KB / 4.5 MB."""
    if size < 1024:
        return f"{size} ไบต์"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


# Pages where administrators see the alert about requests nobody can move.
ADMIN_BLUEPRINTS = frozenset({"instances_admin", "admin", "office"})


def init(app: Flask) -> None:
    app.jinja_env.filters["thai_date"] = thaidate.format_date
    app.jinja_env.filters["thai_datetime"] = thaidate.format_datetime
    app.jinja_env.filters["fiscal_year"] = thaidate.fiscal_year
    app.jinja_env.filters["thai_digits"] = thaidate.thai_digits
    app.jinja_env.filters["file_size"] = file_size
    app.jinja_env.filters["diagram_problem"] = diagram_text.say
    app.jinja_env.filters["be_date_input"] = display_date  # a date input's value: 16/11/2569

    @app.context_processor
    def _office() -> dict[str, object]:
        # Read lazily: only pages that print the office's name pay for the query.
        return {"office": _LazyOffice()}

    @app.context_processor
    def _inbox_count() -> dict[str, object]:
        if getattr(current_user, "is_authenticated", False):
            actor = current_user.actor
            known = g.get("inbox_count")  # the inbox page has just counted: do not count twice
            count = known if known is not None else tasks.count_tasks(ctx(), actor)
            return {"inbox_count": count, "unread_count": notify.unread_count(ctx(), actor)}
        return {}

    @app.context_processor
    def _admin_alerts() -> dict[str, object]:
        # Admin pages only: requests that no inbox holds and no timer will move (one indexed count).
        actor = current_user.actor if getattr(current_user, "is_authenticated", False) else None
        if actor is None or not actor.is_admin or request.blueprint not in ADMIN_BLUEPRINTS:
            return {}
        return {"stalled_count": consistency.suspect_count(ctx(), actor)}

    @app.context_processor
    def _staff_menu() -> dict[str, object]:
        if getattr(current_user, "is_authenticated", False):
            return {"may": _menu_rights(current_user.actor)}
        return {}

    @app.context_processor
    def _worker_health() -> dict[str, object]:
        # Admins are told on their own pages (and the request monitor) when timers have stopped.
        if request.path.startswith("/admin") and getattr(current_user, "is_authenticated", False):
            actor = current_user.actor
            if actor.is_admin:
                return {"worker_health": heartbeat.worker_health(ctx(), actor)}
        return {}


def _menu_rights(actor: Actor) -> dict[str, bool]:
    """Which areas the จัดการ menu offers (base.html); each page's service checks again."""
    return {
        "manage_items": may_manage_items(actor),
        "view_ita": may_view_ita_dashboard(actor),
        "own_processes": may_own_processes(actor),
        "administer": actor.is_admin,
    }


class _LazyOffice:
    """The office settings, read from the database on first use within one request."""

    def __getattr__(self, name: str) -> object:
        settings = g.get("office_settings")
        if settings is None:
            settings = g.office_settings = office.get_settings(ctx())
        return getattr(settings, name)
