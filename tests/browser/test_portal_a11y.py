"""The portal's pages in Chromium with axe-core (node_modules/axe-core, pinned in package-lock.json):
no serious or critical accessibility problem on the home, category, item, album, withdrawn-item and
search pages, on a desktop and a phone; nothing wider than the screen; Thai drawn in a Thai font.
Screenshots go to test-artifacts/screenshots/portal-*.png for a person to look at."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image

from bpmnpub.services.files import storage
from bpmnpub.services.kernel.context import ServiceContext

from ..conftest import ROOT
from ..portal_data import add_ita_item, add_item, upload, withdraw
from .conftest import no_horizontal_overflow, screenshot, thai_font_ok

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SIZES = [pytest.param((1280, 800), id="desktop"), pytest.param((390, 844), id="phone")]
BLOCKING = ("serious", "critical")


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 800), colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def portal_pages(ctx: ServiceContext) -> dict[str, str]:
    """A small portal: procurement notices (one with a PDF), an album with captions and alt text, and
    a withdrawn item. Returns {page name: path}."""
    now = ctx.now()
    add_ita_item(ctx, 2570, "O20", "ประกาศต่าง ๆ เกี่ยวกับการจัดซื้อจัดจ้างหรือการจัดหาพัสดุ")
    for n in range(1, 8):
        add_item(
            ctx,
            f"ประกาศผลการจัดซื้อจัดจ้างวัสดุการศึกษา ครั้งที่ {n}/2570",
            body="ประกาศผู้ชนะการเสนอราคาจัดซื้อวัสดุการศึกษาสำหรับโรงเรียนในสังกัด",
            published_at=now - timedelta(days=n),
        )
    notice = add_item(
        ctx,
        "ประกาศผลการจัดซื้อจัดจ้างวัสดุสำนักงาน ประจำเดือนพฤศจิกายน 2569",
        body="สำนักงานเขตพื้นที่การศึกษาประถมศึกษาประกาศผลการจัดซื้อจัดจ้างวัสดุสำนักงาน"
        " โดยวิธีเฉพาะเจาะจง รายละเอียดตามเอกสารแนบ\nผู้สนใจติดต่อกลุ่มบริหารงานการเงินและสินทรัพย์",
        attachments=[upload(ctx, filename="ประกาศผลการจัดซื้อจัดจ้าง-พฤศจิกายน-2569.pdf")],
        ita_item="O20",
        group="plan",
    )
    photos = []
    for n, colour in enumerate(((30, 90, 160), (200, 140, 40), (60, 140, 90)), start=1):
        photo = upload(ctx, _jpeg(colour), f"กิจกรรม-{n}.jpg")
        photos.append(
            {
                "file": photo,
                "thumb": storage.thumbnail_id(photo),
                "caption": f"ผู้อำนวยการ สพป. มอบเกียรติบัตรแก่ครูดีเด่น ภาพที่ {n}",
                "alt_text": f"ผู้อำนวยการยืนมอบเกียรติบัตรให้ครูบนเวทีหอประชุม ภาพที่ {n}",
            }
        )
    album = add_item(
        ctx,
        "ภาพกิจกรรมวันครู ประจำปี 2570",
        body="สำนักงานเขตพื้นที่การศึกษาจัดงานวันครู ณ หอประชุมสำนักงาน",
        category="1.16",
        photos=photos,
        kind="album",
        group="plan",
    )
    gone = add_item(ctx, "ประกาศรับสมัครครูอัตราจ้าง (ฉบับเดิม)", category="1.10")
    withdraw(ctx, gone.id, "ประกาศฉบับนี้มีข้อมูลวันรับสมัครไม่ถูกต้อง ได้เผยแพร่ฉบับแก้ไขแทนแล้ว")
    return {
        "home": "/public/",
        "category": "/public/categories/1.9",
        "item": notice.path,
        "album": album.path,
        "withdrawn": gone.path,
        "search": "/public/search?q=จัดซื้อ วัสดุ",
    }


def axe_problems(page: Any) -> list[str]:
    """axe-core's serious and critical violations of the page, one line each."""
    # Through the DevTools protocol, not a <script> tag: the page's CSP refuses inline script.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("size", SIZES)
def test_portal_pages_are_accessible_and_fit_the_screen(
    live_server: str, open_page: Any, portal_pages: dict[str, str], size: tuple[int, int]
) -> None:
    page = open_page(*size)
    problems: dict[str, list[str]] = {}
    for name, path in portal_pages.items():
        response = page.goto(f"{live_server}{path}")
        assert response is not None and response.status == (410 if name == "withdrawn" else 200), name
        page.wait_for_load_state("load")
        assert page.locator("html").get_attribute("lang") == "th"
        assert page.locator("h1").count() == 1, name
        no_horizontal_overflow(page)
        thai_font_ok(page, "h1")
        screenshot(page, f"portal-{name}")
        found = axe_problems(page)
        if found:
            problems[name] = found
    assert not problems, problems


def test_album_photos_show_thumbnails_with_alt_text_and_open_the_full_image(
    live_server: str, open_page: Any, portal_pages: dict[str, str]
) -> None:
    page = open_page()
    page.goto(f"{live_server}{portal_pages['album']}")
    images = page.locator(".album img")
    assert images.count() == 3
    for n in range(3):
        image = images.nth(n)
        assert image.get_attribute("alt", timeout=1000)
        image.scroll_into_view_if_needed()
        assert page.evaluate("img => img.complete && img.naturalWidth > 0", image.element_handle())
        assert page.evaluate("img => img.naturalWidth", image.element_handle()) <= 480  # the thumbnail
    assert "มอบเกียรติบัตร" in page.locator(".album figcaption").first.inner_text()
    with page.expect_response(lambda r: "/public/files/" in r.url) as info:
        images.first.click()
    assert info.value.status == 200 and info.value.headers["content-type"] == "image/jpeg"


def test_search_marks_the_thai_term_inside_longer_words(
    live_server: str, open_page: Any, portal_pages: dict[str, str]
) -> None:
    page = open_page(390, 844)
    page.goto(f"{live_server}/public/")
    page.get_by_label("ค้นหาข้อมูลที่เผยแพร่").fill("จัดซื้อ")
    page.get_by_role("button", name="ค้นหา").click()
    page.wait_for_url("**/public/search?q=*")
    hits = page.locator(".hits > li")
    assert hits.count() == 8
    assert page.locator(".hits mark").first.inner_text() == "จัดซื้อ"
