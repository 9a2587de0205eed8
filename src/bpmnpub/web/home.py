"""The landing page (the staff UI comes with the next issue) and a health check."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template

from ..services import definitions, publishing
from .auth import ctx

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    items = publishing.list_public_items(ctx(), limit=10)
    processes = definitions.list_deployed(ctx())
    return render_template("home/index.html", processes=processes, items=items)


@bp.get("/healthz")
def health() -> Response:
    ctx().ping()
    return jsonify({"status": "ok"})
