"""The office's items on any other site (Joomla, a hand-made site): per category, a page to put in an
iframe, an HTML snippet to include, and a JSON Feed 1.1. No JavaScript; no sign-in.

These are the only pages any site may frame (headers.allow_any_framing); every other page keeps
`frame-ancestors 'self'`.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, make_response, render_template, request, url_for

from ..services.kernel import office_settings
from ..services.portal import feeds
from ..thaidate import format_date
from .auth import ctx
from .headers import allow_any_framing

bp = Blueprint("embed", __name__)
MAX_AGE = 300  # seconds another site's visitors may reuse a list
LIMIT_DEFAULT, LIMIT_MAX = 10, feeds.FEED_SIZE


def _limit() -> int:
    raw = request.args.get("limit", "")
    return max(1, min(LIMIT_MAX, int(raw))) if raw.isdigit() else LIMIT_DEFAULT


def _absolute(endpoint: str, **values: Any) -> str:
    base = str(ctx().settings.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")
    return base + url_for(endpoint, **values)


def _list(code: str) -> dict[str, Any]:
    feed = feeds.category_feed(ctx(), code)  # NotFoundError -> 404 for an unknown category
    entries = [
        {
            "title": e.item.title,
            "url": _absolute("public.item", item_id=e.item.id, slug=e.item.slug),
            "date": format_date(e.item.published_at),
        }
        for e in feed.entries[: _limit()]
    ]
    return {
        "category": feed.category,
        "entries": entries,
        "more": _absolute("public.category", code=code),
        "office": office_settings.get_settings(ctx()),
    }


def _respond(body: str, mimetype: str) -> Response:
    response = make_response(body)
    response.mimetype = mimetype
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.headers["Access-Control-Allow-Origin"] = "*"  # public data, readable by any site's code
    response.add_etag()
    response.make_conditional(request)
    return response


@bp.get("/embed/categories/<code>")
def frame(code: str) -> Response:
    """A whole page for an iframe: the category's newest items, styled plainly to sit in any site."""
    return allow_any_framing(_respond(render_template("embed/frame.html", **_list(code)), "text/html"))


@bp.get("/embed/categories/<code>.html")
def snippet(code: str) -> Response:
    """The same list as an HTML fragment for a site that includes it server-side."""
    return _respond(render_template("embed/_list.html", **_list(code)), "text/html")


@bp.get("/public/categories/<code>/feed.json")
def feed(code: str) -> Response:
    """JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) of the category's newest items."""
    found = feeds.category_feed(ctx(), code)
    name = office_settings.get_settings(ctx()).name
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"{found.category.name} · {name}",
        "home_page_url": _absolute("public.category", code=code),
        "feed_url": _absolute("embed.feed", code=code),
        "description": found.category.description or found.category.name,
        "language": "th",
        "authors": [{"name": name}],
        "items": [
            {
                "id": _absolute("public.item", item_id=e.item.id),
                "url": _absolute("public.item", item_id=e.item.id, slug=e.item.slug),
                "title": e.item.title,
                "content_text": e.summary or e.item.title,
                "date_published": e.item.published_at.isoformat(),
                "date_modified": e.item.updated_at.isoformat(),
                "tags": [e.item.category_name],
            }
            for e in found.entries
        ],
    }
    return _respond(json.dumps(document, ensure_ascii=False), "application/feed+json")
