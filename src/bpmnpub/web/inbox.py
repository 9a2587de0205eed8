"""The inbox: tasks I hold and tasks I may claim, with views, filters, search, pages and my saved filters.
The page is one service call (`services/pages/inbox_page.get_inbox_page`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from ..errors import NotFoundError, ValidationError
from ..services.pages import inbox_page
from ..services.requests import instances, saved_filters
from .auth import caller, ctx
from .i18n import field_errors, say
from .queryargs import page_number

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

FILTER_PREFIX = "filter."  # the save form carries the view it saves as filter.view, filter.q …


def _render(
    args: Any, *, errors: dict[str, str] | None = None, typed: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    """The inbox as `args` (query arguments) ask; with a saved-filter form's errors and what was typed."""
    page = inbox_page.get_inbox_page(
        ctx(),
        caller().actor,
        view=args.get("view"),
        sort=args.get("sort"),
        q=args.get("q"),
        process_id=args.get("process"),
        task_spec=args.get("step"),
        category=args.get("category"),
        page=page_number(),
    )
    g.inbox_count = page.counts["all"]  # the menu's badge: counted already
    html = render_template("inbox/index.html", p=page, errors=errors or {}, typed=typed or {})
    return html, status


@bp.get("")
@login_required  # type: ignore[untyped-decorator]
def index() -> tuple[str, int]:
    return _render(request.args)


def _saved_view() -> dict[str, str]:
    """The view a form carries (its filter.* fields), as the inbox's query arguments (unchecked)."""
    return {k.removeprefix(FILTER_PREFIX): v for k, v in request.form.items() if k.startswith(FILTER_PREFIX)}


def _back() -> dict[str, str]:
    """The view the reader was looking at when they sent a form: only what the inbox reads."""
    return {k: v for k, v in _saved_view().items() if k in saved_filters.FILTER_KEYS}


def _inbox_at(arguments: dict[str, str]) -> Response:
    target: dict[str, Any] = dict(arguments)
    return redirect(url_for("inbox.index", **target))


@bp.post("/filters")
@login_required  # type: ignore[untyped-decorator]
def save_filter() -> Response | tuple[str, int]:
    """Save the view the reader is looking at under a name of theirs."""
    raw, name = _saved_view(), request.form.get("name", "")
    try:
        saved = saved_filters.save_filter(ctx(), caller().actor, name, raw)
    except ValidationError as exc:
        return _render(_back(), errors=field_errors(exc.problems), typed={"new": name[:500]}, status=422)
    flash(_("บันทึกตัวกรอง “%(name)s” แล้ว", name=saved.name))
    return _inbox_at(saved.query)


@bp.post("/filters/<int(max=2147483647):filter_id>/rename")
@login_required  # type: ignore[untyped-decorator]
def rename_filter(filter_id: int) -> Response | tuple[str, int]:
    name = request.form.get("name", "")
    back = _back()
    try:
        saved = saved_filters.rename_filter(ctx(), caller().actor, filter_id, name)
    except ValidationError as exc:
        errors = {f"{k}-{filter_id}": v for k, v in field_errors(exc.problems).items()}
        return _render(back, errors=errors, typed={str(filter_id): name[:500]}, status=422)
    except NotFoundError:
        return _render(back, errors={"saved": _("ไม่พบตัวกรองนี้ในรายการของคุณ")}, status=404)
    flash(_("เปลี่ยนชื่อตัวกรองเป็น “%(name)s” แล้ว", name=saved.name))
    return _inbox_at(saved.query)


@bp.post("/filters/<int(max=2147483647):filter_id>/delete")
@login_required  # type: ignore[untyped-decorator]
def delete_filter(filter_id: int) -> Response | tuple[str, int]:
    back = _back()
    try:
        name = saved_filters.delete_filter(ctx(), caller().actor, filter_id)
    except NotFoundError:
        return _render(back, errors={"saved": _("ไม่พบตัวกรองนี้ในรายการของคุณ")}, status=404)
    flash(_("ลบตัวกรอง “%(name)s” แล้ว", name=name))
    return _inbox_at(back)


@bp.post("/duties/<int(max=2147483647):duty_id>/start")
@login_required  # type: ignore[untyped-decorator]
def start_duty(duty_id: int) -> Response:
    """Start the procedure the duty's category allows, its first form filled with the topic."""
    user = caller()
    try:
        started = instances.start_for_duty(ctx(), duty_id, request.form.get("process", ""), user.actor)
    except ValidationError as exc:
        flash(say(exc.problems[0]) if exc.problems else _("เริ่มคำขอไม่ได้"))
        return redirect(url_for("inbox.index"))
    first = instances.first_task_for(ctx(), started.id, user.actor)
    if first is not None:
        return redirect(url_for("tasks.show", task_id=first))
    return redirect(url_for("requests.show", instance_id=started.id))
