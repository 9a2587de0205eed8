"""The public ITA/OIT index per fiscal year, and its CSV for the assessment form.

The rules (what counts, periods, statuses) live in `services.ita_index`; docs/ita-index.md explains
them. URLs are absolute on PUBLIC_BASE_URL (or the host the request came to): the assessor copies
them into the assessment system as they are.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from .. import thaidate
from ..errors import NotFoundError
from ..services.portal import ita_index
from ..services.portal.ita_values import OItemStatus, YearIndex
from ..spreadsheet import to_csv as csv_text
from .auth import ctx

bp = Blueprint("ita", __name__, url_prefix="/public/ita")
NO_GROUP = "none"  # the group filter's value for O items nobody is responsible for


def base_url() -> str:
    return str(ctx().settings.get("PUBLIC_BASE_URL") or request.host_url)


@bp.app_template_global("ita_status_label")
def status_label(status: str) -> str:
    labels = {"have": _("มีข้อมูล"), "stale": _("ไม่เป็นปัจจุบัน"), "missing": _("ยังไม่มีข้อมูล")}
    return str(labels[status])


@bp.get("/")
def index() -> BaseResponse:
    return redirect(url_for("ita.year", fiscal_year=ita_index.default_year(ctx())))


@bp.get("/<int(min=2400, max=2800):fiscal_year>")
def year(fiscal_year: int) -> str | tuple[str, int]:
    try:
        found = ita_index.year_index(ctx(), fiscal_year, base=base_url())
    except NotFoundError:  # a page that says which years do have a list, not a bare 404
        years = ita_index.list_years(ctx())
        return render_template("public/ita/no_list.html", fiscal_year=fiscal_year, years=years), 404
    group = request.args.get("group") or None
    status = request.args.get("status") if request.args.get("status") in ita_index.STATUSES else None
    shown = [i for i in found.items if _matches(i, group, status)]
    group_name = next((i.group_name for i in found.items if group and i.group_code == group), None)
    return render_template(
        "public/ita/year.html", index=found, shown=shown, group=group, group_name=group_name, status=status
    )


def _matches(item: OItemStatus, group: str | None, status: str | None) -> bool:
    if status and item.status != status:
        return False
    return group is None or (item.group_code or NO_GROUP) == group


@bp.get("/<int(min=2400, max=2800):fiscal_year>.csv")
def export(fiscal_year: int) -> Response:
    found = ita_index.year_index(ctx(), fiscal_year, base=base_url())
    response = Response(to_csv(found), mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename=ita-{fiscal_year}.csv"
    return response


def to_csv(index: YearIndex) -> str:
    """One row per O item, in the manual's order, missing ones included: the assessment form has one
    entry per O item, so the sheet and the form line up row for row. Several URLs share one cell, a
    line each (a quoted multi-line cell stays one cell in Excel and Google Sheets; copying it gives the
    URLs one per line); the same items' posts on the office's WordPress come last. Only URLs that
    count in the period are given. Written by `spreadsheet.to_csv` (a byte order mark for Excel; a cell
    that would start a formula is escaped)."""
    rows: list[list[str]] = [[_("รหัส"), _("รายการข้อมูล"), "URL", _("สถานะ"), _("URL บนเว็บไซต์สำนักงาน")]]
    for item in index.items:
        have = item.status == "have"
        urls = "\n".join(i.url for i in item.items) if have else ""
        posts = "\n".join(i.website_url for i in item.items if i.website_url) if have else ""
        rows.append([item.code, item.title, urls, _csv_status(item), posts])
    return csv_text(rows)


def _csv_status(item: OItemStatus) -> str:
    if item.status == "stale" and item.latest_at is not None:
        latest = thaidate.format_date(item.latest_at)
        return str(_("%(status)s (ล่าสุด %(date)s)", status=status_label("stale"), date=latest))
    return status_label(item.status)
