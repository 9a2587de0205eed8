"""The public item page and its files: the stable URL a published item answers at.

The full portal (categories, search, ITA index, feeds) is the next step; this keeps every URL the
publish step hands out alive from day one.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from werkzeug.wrappers import Response as BaseResponse

from ..services import publishing
from .auth import ctx
from .downloads import send_stored_file

bp = Blueprint("public", __name__, url_prefix="/public")


@bp.get("/")
def home() -> str:
    return render_template("public/item.html")  # placeholder until the portal home lands


@bp.get("/search")
def search() -> str:
    return render_template("public/item.html")  # placeholder until search lands


@bp.get("/items/<int(max=2147483647):item_id>-<path:slug>")
@bp.get("/items/<int(max=2147483647):item_id>")
def item(item_id: int, slug: str | None = None) -> str | BaseResponse:
    page = publishing.get_public_item(ctx(), item_id)
    if slug != page.slug:  # an updated title changes the slug, never the address: redirect to it
        return redirect(url_for("public.item", item_id=page.id, slug=page.slug), code=301)
    return render_template("public/item.html", item=page)


@bp.get("/files/<file_id>/<path:filename>")
def download(file_id: str, filename: str) -> BaseResponse:
    info = publishing.public_file(ctx(), file_id)  # only files of published items
    return send_stored_file(info.id, max_age=3600)
