"""The inbox: tasks I hold and tasks I may claim, with filters, search and pages."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask_login import login_required

from ..services import catalogue, tasks
from .auth import caller, ctx
from .queryargs import page_number

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


@bp.get("")
@login_required  # type: ignore[untyped-decorator]
def index() -> str:
    user = caller()
    q = (request.args.get("q") or "").strip()[:200] or None
    process_id = request.args.get("process") or None
    step = request.args.get("step") or None
    category = request.args.get("category") or None
    view = request.args.get("view") if request.args.get("view") in tasks.VIEWS else None
    sort = request.args.get("sort") if request.args.get("sort") in tasks.SORTS else None
    page = tasks.inbox(
        ctx(),
        user.actor,
        page=page_number(),
        process_id=process_id,
        task_spec=step,
        q=q,
        category=category,
        view=view,
        sort=sort,
    )
    filters = {"q": q or None, "process": process_id, "step": step, "category": category, "view": view}
    if not any(filters.values()):
        g.inbox_count = page.total
    return render_template(
        "inbox/index.html",
        inbox=page,
        filters=filters,
        sort=sort,
        listed={**filters, "sort": sort},
        category_names=catalogue.category_names(ctx()) if page.categories else {},
        now=ctx().now(),
    )
