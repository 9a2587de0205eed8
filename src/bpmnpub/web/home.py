"""The landing page (the staff UI comes with the next issue) and a health check."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from ..services.portal import publishing
from ..services.procedures import definitions
from .auth import ctx

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str | BaseResponse:
    if not current_user.is_authenticated:  # the public's front door is the portal; staff keep theirs
        return redirect(url_for("public.home"))
    items = publishing.list_public_items(ctx(), limit=10)
    processes = definitions.list_deployed(ctx())
    return render_template("home/index.html", processes=processes, items=items)


@bp.get("/healthz")
def health() -> Response:
    ctx().ping()
    return jsonify({"status": "ok"})
