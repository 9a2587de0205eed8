"""The public pages in a real Chromium, on a desktop and a phone: Thai text in a Thai font, dates in the
Buddhist era, a working attachment link, nothing wider than the screen. Screenshots go to
test-artifacts/screenshots/ for a person to look at."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import unquote, urljoin

import pytest

from bpmnpub.services.files import storage
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.portal import publishing
from bpmnpub.services.requests import inbox, instances, tasks

from .conftest import no_horizontal_overflow, screenshot, thai_font_ok

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TITLE = "ประกาศผลการจัดซื้อจัดจ้าง ประจำเดือนพฤศจิกายน"
FILENAME = "ประกาศ.pdf"
SIZES = [pytest.param((1280, 800), id="desktop"), pytest.param((390, 844), id="phone")]


@pytest.fixture
def published(ctx: ServiceContext, actor: Any) -> publishing.PublicItem:
    """An item taken through the whole general publication process (the clock's day: 16 Nov 2569)."""
    owner = actor("owner1")
    pdf = storage.upload_file(ctx, io.BytesIO(PDF), FILENAME, actor_id=owner.id)
    started = instances.start_instance(ctx, "general_publication", None, owner)
    data = {
        "title": TITLE,
        "category": "1.3",
        "description": "รายการจัดซื้อจัดจ้างประจำเดือน",
        "purpose": "เปิดเผยข้อมูลต่อสาธารณะ",
        "channels": ["website"],
        "attachments": [pdf.id],
    }
    steps = [
        ("owner1", data),
        ("gdir_plan", {"decision": "approve"}),
        ("director1", {"decision": "approve"}),
        ("publisher1", {"certified": True}),
    ]
    for username, step in steps:
        who = actor(username)
        [task] = [t for t in inbox.list_tasks(ctx, who) if t.instance_id == started.id]
        tasks.complete_task(ctx, task.id, step, who)
    [item] = publishing.list_public_items(ctx)
    return item


def _common_checks(page: Any) -> None:
    assert page.locator("html").get_attribute("lang") == "th"
    no_horizontal_overflow(page)
    thai_font_ok(page, "h1")


@pytest.mark.parametrize("size", SIZES)
def test_landing_page_lists_the_published_item(
    live_server: str, open_page: Any, published: publishing.PublicItem, size: tuple[int, int]
) -> None:
    page = open_page(*size)
    response = page.goto(f"{live_server}/")
    assert response is not None and response.status == 200
    entry = page.locator(".items li", has=page.locator("a", has_text=TITLE))
    link = entry.locator("a")
    assert link.is_visible()
    assert "16 พ.ย. 2569" in entry.inner_text()  # the clock's day, in the Buddhist era
    _common_checks(page)
    thai_font_ok(page, ".items a")
    screenshot(page, "landing")
    link.click()
    page.wait_for_url(f"**/public/items/{published.id}-*")
    assert page.locator("h1").inner_text() == TITLE


@pytest.mark.parametrize("size", SIZES)
def test_item_page_shows_the_item_and_its_file(
    live_server: str, open_page: Any, published: publishing.PublicItem, size: tuple[int, int]
) -> None:
    page = open_page(*size)
    response = page.goto(urljoin(live_server, published.url))
    assert response is not None and response.status == 200
    assert page.locator("h1").inner_text() == TITLE
    assert TITLE in page.title()
    assert "เผยแพร่เมื่อ 16 พฤศจิกายน 2569" in page.locator("article").inner_text()
    attachment = page.locator(".files a", has_text=FILENAME)
    assert attachment.is_visible()
    assert f"PDF · {len(PDF)} ไบต์" in page.locator(".files li").first.inner_text()
    _common_checks(page)
    thai_font_ok(page, ".files a")
    screenshot(page, "item")

    href = attachment.get_attribute("href")
    assert href is not None and unquote(href).endswith(f"/{FILENAME}")
    download = page.request.get(urljoin(live_server, href))
    assert download.status == 200
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.body() == PDF


def test_clicking_the_attachment_opens_the_pdf(
    live_server: str, open_page: Any, published: publishing.PublicItem
) -> None:
    """A PDF is served inline: Chromium opens it in its viewer rather than downloading it (the bytes are
    compared in the test above: here the response body is the viewer's page)."""
    page = open_page()
    page.goto(urljoin(live_server, published.url))
    with page.expect_response(lambda r: "/public/files/" in r.url) as info:
        page.locator(".files a", has_text=FILENAME).click()
    response = info.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-length"] == str(len(PDF))
    page.wait_for_url(f"**/public/files/{published.attachments[0]}/*")
