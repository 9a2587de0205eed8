"""Staff reports. The ITA dashboard: how complete each responsible group's O items are this year; the
six-monthly report of a `semiannual_report` request, as a page and as PDF, CSV and XLSX.

Who may see it is decided in `services.ita_index.dashboard` (PermissionDeniedError -> 403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, render_template, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from ..errors import NotFoundError
from ..services.portal import ita_index
from ..services.procedures import duty_views
from ..services.records import report_document, semiannual_report
from .auth import caller, ctx
from .downloads import send_document

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.get("/ita", defaults={"fiscal_year": None})
@bp.get("/ita/<int(min=2400, max=2800):fiscal_year>")
@login_required  # type: ignore[untyped-decorator]
def ita(fiscal_year: int | None) -> str | tuple[str, int]:
    actor = caller().actor
    year = fiscal_year or ita_index.default_year(ctx())
    try:
        board = ita_index.dashboard(ctx(), actor, year)
    except NotFoundError:  # permitted, but the year has no list: say so, and which years have one
        return render_template(
            "reports/ita.html", board=None, fiscal_year=year, years=ita_index.list_years(ctx())
        ), 404
    return render_template(
        "reports/ita.html",
        board=board,
        fiscal_year=year,
        years=board.years,
        duty_rows=duty_views.o_item_duties(ctx(), actor, year),
    )


@bp.get("/semiannual/<int(max=2147483647):instance_id>")
@login_required  # type: ignore[untyped-decorator]
def semiannual(instance_id: int) -> str:
    """A six-monthly report as a report: its period, tables, charts and what each group said."""
    report = semiannual_report.get_report(ctx(), instance_id, caller().actor)
    return render_template("reports/semiannual.html", **report_context(report))


@bp.get("/semiannual/<int(max=2147483647):instance_id>.<any(pdf, csv, xlsx):kind>")
@login_required  # type: ignore[untyped-decorator]
def semiannual_file(instance_id: int, kind: str) -> Response:
    """The report as it stands now, as PDF, CSV or XLSX (the filed copies are the request's files)."""
    made = semiannual_report.report_file(ctx(), instance_id, caller().actor, kind)
    return send_document(made.content, made.filename, made.content_type)


def report_context(
    report: report_document.ReportView, file_url: Callable[[str], str] | None = None
) -> dict[str, Any]:
    """What templates/reports/_semiannual.html needs: the report and where its PDF, CSV and XLSX are
    (the filed copies once the compile step made them, else the current figures)."""
    if report.filed and file_url is not None:
        links = {kind: file_url(file_id) for kind, file_id in report.filed.items()}
    else:
        links = {
            kind: url_for("reports.semiannual_file", instance_id=report.instance_id, kind=kind)
            for kind in report_document.FORMATS
        }
    return {"report": report, "report_links": links, "report_filed": bool(report.filed and file_url)}
