"""The public portal: no sign-in, one stable URL per item (/public/items/<id>-<slug>), category pages
with Atom feeds, Thai search, and the sitemap and robots.txt at the site root.

Lists may be cached a minute by browsers and proxies. Item pages must reach the server on every view
(so the view is counted) but answer 304 when the page has not changed (ETag). A withdrawn item
answers 410 Gone: search engines drop it, and a person reads when and why it was withdrawn.
"""

from __future__ import annotations

from flask import Blueprint, Response, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ..services.files import file_access
from ..services.portal import feeds, portal_text, public_pages
from ..services.portal import search as portal_search
from .auth import ctx
from .downloads import send_stored_file
from .queryargs import page_number

bp = Blueprint("public", __name__)

LIST_MAX_AGE = 60  # seconds a browser or proxy may keep a list page, feed or sitemap
ATOM = "application/atom+xml"
XML = "application/xml"


def _absolute(path: str) -> str:
    """An absolute URL (feeds, the sitemap, canonical links): PUBLIC_BASE_URL when set, else this
    request's host."""
    base = str(ctx().settings.get("PUBLIC_BASE_URL") or request.host_url)
    return base.rstrip("/") + path


@bp.context_processor
def _portal_helpers() -> dict[str, object]:
    return {"absolute": _absolute}


def _respond(
    body: str, *, status: int = 200, mimetype: str = "text/html", max_age: int | None = LIST_MAX_AGE
) -> Response:
    """A public answer with an ETag (a repeat visit gets 304). `max_age=None`: revalidate every time."""
    response = make_response(body, status)
    response.mimetype = mimetype
    if max_age is None:
        response.cache_control.no_cache = True
    else:
        response.cache_control.public = True
        response.cache_control.max_age = max_age
    if status == 200:
        response.add_etag()
        response.make_conditional(request)
    return response


@bp.get("/public/")
def home() -> Response:
    return _respond(render_template("public/home.html", home=public_pages.home(ctx())))


@bp.get("/public/search")
def search() -> Response:
    results = portal_search.search(ctx(), request.args.get("q", "")[:500], page_number())
    return _respond(render_template("public/search.html", results=results))


@bp.get("/public/categories/<code>")
def category(code: str) -> Response:
    page = public_pages.category_page(ctx(), code, page_number())
    return _respond(render_template("public/category.html", page=page))


@bp.get("/public/categories/<code>/feed.atom")
def feed(code: str) -> Response:
    atom = render_template("public/feed.xml", feed=feeds.category_feed(ctx(), code))
    return _respond(atom, mimetype=ATOM)


@bp.get("/public/items/<int(max=2147483647):item_id>-<path:slug>")
@bp.get("/public/items/<int(max=2147483647):item_id>")
def item(item_id: int, slug: str | None = None) -> BaseResponse:
    page = public_pages.get_item(ctx(), item_id)
    if slug != page.slug:  # an updated title changes the slug, never the address: redirect to it
        return redirect(url_for("public.item", item_id=page.id, slug=page.slug), code=301)
    if page.withdrawn:
        return _respond(render_template("public/withdrawn.html", item=page), status=410, max_age=None)
    if request.method == "GET" and not portal_text.looks_like_robot(request.user_agent.string):
        public_pages.record_view(ctx(), page.id)
    return _respond(render_template("public/item.html", item=page), max_age=None)


@bp.get("/public/files/<file_id>/<path:filename>")
def download(file_id: str, filename: str) -> BaseResponse:
    return send_stored_file(file_access.open_file(ctx(), file_id), max_age=3600)


@bp.get("/sitemap.xml")
def sitemap_index() -> Response:
    chunks = range(1, feeds.sitemap_chunks(ctx()) + 1)
    xml = render_template("public/sitemap_index.xml", chunks=chunks)
    return _respond(xml, mimetype=XML)


@bp.get("/sitemaps/pages.xml")
def sitemap_pages() -> Response:
    xml = render_template("public/sitemap_pages.xml", categories=public_pages.list_categories(ctx()))
    return _respond(xml, mimetype=XML)


@bp.get("/sitemaps/items-<int(min=1, max=1000000):chunk>.xml")
def sitemap_items(chunk: int) -> Response:
    xml = render_template("public/sitemap_items.xml", items=feeds.sitemap_items(ctx(), chunk))
    return _respond(xml, mimetype=XML)


@bp.get("/robots.txt")
def robots() -> Response:
    """Crawlers may read the portal (and the styles it is drawn with), nothing of the staff app."""
    lines = [
        "User-agent: *",
        "Allow: /public/",
        "Allow: /sitemaps/",
        "Allow: /sitemap.xml",
        f"Allow: {url_for('static', filename='')}",
        "Disallow: /",
        "",
        f"Sitemap: {_absolute(url_for('public.sitemap_index'))}",
        "",
    ]
    return _respond("\n".join(lines), mimetype="text/plain")
