"""The public ITA/OIT index per fiscal year (being built)."""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("ita", __name__, url_prefix="/public/ita")


@bp.get("/")
def index() -> str:
    abort(404)
