"""Staff reports. The ITA dashboard: how complete each responsible group's O items are this year.

Who may see it is decided in `services.ita_index.dashboard` (PermissionDeniedError -> 403).
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from ..errors import NotFoundError
from ..services import ita_index
from .auth import caller, ctx

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
    return render_template("reports/ita.html", board=board, fiscal_year=year, years=board.years)
