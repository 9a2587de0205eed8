"""The public portal over HTTP, signed out: the home page, category pages with paging and feeds, item
pages (files, album, withdrawn), Thai search, the sitemap and robots.txt, cache headers, view counts."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote, unquote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy import func, select

from bpmnpub.models import ItemViewDay, PublishedItem
from bpmnpub.services.files import storage
from bpmnpub.services.kernel.context import ServiceContext

from ..conftest import Clock
from ..portal_data import PDF, Added, add_category, add_ita_item, add_item, upload, withdraw
from .pages import signed_in

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
TITLE = "ประกาศผลการจัดซื้อจัดจ้างวัสดุสำนักงาน"


@pytest.fixture
def notice(ctx: ServiceContext) -> Added:
    add_ita_item(ctx, 2570, "O20", "ประกาศเกี่ยวกับการจัดซื้อจัดจ้าง")
    photo = upload(ctx, filename="ภาพ.pdf")
    return add_item(
        ctx,
        TITLE,
        body="รายละเอียดการจัดซื้อ\nบรรทัดที่สอง",
        attachments=[upload(ctx)],
        photos=[
            {
                "file": photo,
                "thumb": storage.thumbnail_id(photo),
                "caption": "คำบรรยายภาพ",
                "alt_text": "ข้อความแทนภาพ",
            }
        ],
        ita_item="O20",
        group="plan",
    )


def _xml(client: FlaskClient, path: str) -> etree._Element:
    """The XML document at `path`, parsed without entities or network (as all XML here is)."""
    response = client.get(path)
    assert response.status_code == 200, path
    return etree.fromstring(response.data, etree.XMLParser(resolve_entities=False, no_network=True))


def _html(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def _views(ctx: ServiceContext) -> int:
    """The views recorded (a view leaves no other trace a visitor could see)."""
    with ctx.db.read() as session:
        return int(session.scalar(select(func.coalesce(func.sum(ItemViewDay.views), 0))) or 0)


def test_signed_out_visitors_land_on_the_portal_and_staff_on_their_home(
    app: Flask, client: FlaskClient
) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/public/"
    assert signed_in(app, "owner1").get("/").status_code == 200


def test_home_shows_the_latest_items_the_categories_search_and_the_ita_index(
    client: FlaskClient, notice: Added
) -> None:
    html = _html(client, "/public/")
    assert f'href="{quote(notice.path)}"' in html and TITLE in html
    assert "16 พ.ย. 2569" in html
    assert 'href="/public/categories/1.9"' in html and "1 รายการ" in html
    assert 'role="search"' in html and 'action="/public/search"' in html
    assert 'href="/public/ita/"' in html
    assert 'aria-current="page"' in html


def test_english_readers_get_the_catalogue_and_office_names_in_english(
    client: FlaskClient, ctx: ServiceContext, notice: Added
) -> None:
    add_category(ctx, "1.9", "การจัดซื้อจัดจ้าง", name_en="Procurement notices")
    client.get("/lang/en?next=/public/")
    for path in ("/public/", "/public/categories/1.9", notice.path, "/public/search?q=จัดซื้อ"):
        html = _html(client, path)
        assert 'lang="en"' in html and "Procurement notices" in html, path
        assert "Primary Educational Service Area Office" in html, path  # the office's default English name
    client.get("/lang/th?next=/public/")
    assert "Procurement notices" not in _html(client, "/public/")


def test_category_page_pages_and_links_its_feed(client: FlaskClient, ctx: ServiceContext) -> None:
    now = ctx.now()
    for n in range(25):
        add_item(ctx, f"ประกาศฉบับที่ {n}", published_at=now - timedelta(hours=n))

    first = _html(client, "/public/categories/1.9")
    second = _html(client, "/public/categories/1.9?page=2")

    assert "ประกาศฉบับที่ 0<" in first and "ประกาศฉบับที่ 20<" not in first
    assert "ประกาศฉบับที่ 20<" in second and "หน้า 2 จาก 2" in second
    assert 'rel="next" href="/public/categories/1.9?page=2"' in first
    assert 'rel="prev" href="/public/categories/1.9?page=1"' in second
    assert 'type="application/atom+xml"' in first and "/public/categories/1.9/feed.atom" in first
    assert "ประกาศฉบับที่ 0<" in _html(client, "/public/categories/1.9?page=nonsense")
    assert client.get("/public/categories/1.9?page=3").status_code == 404
    assert client.get("/public/categories/no-such-code").status_code == 404


def test_item_page_shows_everything_a_reader_needs(client: FlaskClient, notice: Added) -> None:
    html = _html(client, notice.path)
    for text in (
        TITLE,
        "รายละเอียดการจัดซื้อ\nบรรทัดที่สอง",
        "เผยแพร่เมื่อ 16 พฤศจิกายน 2569",
        "O20 ประกาศเกี่ยวกับการจัดซื้อจัดจ้าง",
        "กลุ่มนโยบายและแผน",
        "ประกาศ.pdf",
        f"PDF · {len(PDF)} ไบต์",
        'alt="ข้อความแทนภาพ"',
        "<figcaption>คำบรรยายภาพ</figcaption>",
    ):
        assert text in html, text
    assert 'href="/public/categories/1.9"' in html


def test_item_pages_revalidate_and_lists_may_be_kept_a_minute(client: FlaskClient, notice: Added) -> None:
    page = client.get(notice.path)
    assert page.headers["Cache-Control"] == "no-cache" and page.headers["ETag"]
    again = client.get(notice.path, headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    home = client.get("/public/")
    assert "max-age=60" in home.headers["Cache-Control"] and "public" in home.headers["Cache-Control"]


def test_a_withdrawn_item_answers_gone_with_when_and_why_and_keeps_its_files_back(
    client: FlaskClient, ctx: ServiceContext, clock: Clock, notice: Added
) -> None:
    withdraw(ctx, notice.id, "พบข้อมูลส่วนบุคคลในเอกสารแนบ", clock.advance(days=2))

    response = client.get(notice.path)

    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "ถอนการเผยแพร่เมื่อ 18 พฤศจิกายน 2569 เนื่องจาก พบข้อมูลส่วนบุคคลในเอกสารแนบ" in html
    assert '<meta name="robots" content="noindex">' in html and TITLE in html
    assert "ประกาศ.pdf" not in html and "<img" not in html
    with ctx.db.read() as session:
        attachments = session.scalar(select(PublishedItem.attachments).where(PublishedItem.id == notice.id))
    assert client.get(f"/public/files/{attachments[0]}/ประกาศ.pdf").status_code == 404
    assert client.get(f"/public/items/{notice.id}-old-title").status_code == 301  # the address stays


def test_search_finds_a_thai_word_inside_longer_text_and_marks_it(client: FlaskClient, notice: Added) -> None:
    html = _html(client, "/public/search?q=จัดซื้อ")
    assert "ประกาศผล<mark>การจัดซื้อ</mark>" not in html  # the term, not more
    assert "ประกาศผลการ<mark>จัดซื้อ</mark>จัดจ้างวัสดุสำนักงาน" in html
    assert 'value="จัดซื้อ"' in html
    nothing = _html(client, "/public/search?q=จัดซื้อ ครุภัณฑ์")
    assert "ไม่พบข้อมูลที่มีคำว่า" in nothing and TITLE not in nothing
    assert "ไม่พบ" not in _html(client, "/public/search")


@pytest.mark.parametrize("query", ['"จัดซื้อ"', "จัด%22ซื้อ", "%00", "จัดซื้อ%00วัสดุ", '"', "NEAR(จัดซื้อ"])
def test_quotes_and_odd_characters_in_a_query_are_only_text(
    client: FlaskClient, notice: Added, query: str
) -> None:
    html = _html(client, f"/public/search?q={query}")
    assert (f"/public/items/{notice.id}-" in html) == (query == "จัดซื้อ%00วัสดุ")


def test_search_pages_keep_the_query(client: FlaskClient, ctx: ServiceContext) -> None:
    for n in range(21):
        add_item(ctx, f"{TITLE} {n}")
    html = _html(client, "/public/search?q=จัดซื้อ")
    assert f'rel="next" href="/public/search?page=2&amp;q={quote("จัดซื้อ")}"' in html


def test_feed_is_atom_with_absolute_links(client: FlaskClient, ctx: ServiceContext, notice: Added) -> None:
    assert client.get("/public/categories/1.9/feed.atom").mimetype == "application/atom+xml"
    feed = _xml(client, "/public/categories/1.9/feed.atom")
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    [entry] = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == TITLE
    assert entry.findtext(f"{ATOM}id") == f"http://localhost/public/items/{notice.id}"  # stable across titles
    link = entry.find(f"{ATOM}link")
    assert link is not None and unquote(link.get("href", "")) == f"http://localhost{notice.path}"

    ctx.settings["PUBLIC_BASE_URL"] = "https://www.example.go.th/"
    feed = _xml(client, "/public/categories/1.9/feed.atom")
    self_link = feed.find(f"{ATOM}link[@rel='self']")
    assert (
        self_link is not None
        and self_link.get("href") == "https://www.example.go.th/public/categories/1.9/feed.atom"
    )


def test_sitemap_lists_the_portal_and_every_published_item(
    client: FlaskClient, ctx: ServiceContext, notice: Added
) -> None:
    gone = add_item(ctx, "ถอนแล้ว")
    withdraw(ctx, gone.id, "ผิด")

    index = _xml(client, "/sitemap.xml")
    sitemaps = [urlsplit(loc.text or "").path for loc in index.iter(f"{SITEMAP}loc")]
    assert sitemaps == ["/sitemaps/pages.xml", "/sitemaps/items-1.xml"]
    pages = [urlsplit(loc.text or "").path for loc in _xml(client, sitemaps[0]).iter(f"{SITEMAP}loc")]
    assert {"/public/", "/public/ita/", "/public/categories/1.9"} <= set(pages)
    items = [unquote(loc.text or "") for loc in _xml(client, sitemaps[1]).iter(f"{SITEMAP}loc")]
    assert items == [f"http://localhost{notice.path}"]


def test_robots_txt_opens_the_portal_and_closes_the_staff_app(client: FlaskClient) -> None:
    robots = client.get("/robots.txt")
    assert robots.mimetype == "text/plain"
    lines = robots.get_data(as_text=True).splitlines()
    assert {
        "User-agent: *",
        "Allow: /public/",
        "Disallow: /",
        "Sitemap: http://localhost/sitemap.xml",
    } <= set(lines)


def test_a_view_is_counted_for_a_person_and_not_for_a_robot_or_a_head(
    client: FlaskClient, ctx: ServiceContext, notice: Added
) -> None:
    client.get(notice.path)
    client.get(notice.path, headers={"If-None-Match": client.get(notice.path).headers["ETag"]})
    assert _views(ctx) == 3  # a revisit answered 304 is a view too
    client.head(notice.path)
    client.get(notice.path, headers={"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"})
    client.get(f"/public/items/{notice.id}")  # the redirect to the address with the slug
    client.get("/public/")
    assert _views(ctx) == 3
