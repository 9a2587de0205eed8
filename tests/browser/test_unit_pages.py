"""Issue #11 item 3 in Chromium at a desk and on a phone: an administrator appoints a publisher for a
unit on /admin/roles (a wrong date comes back at its field), and PR records the other channels of a
published item on its page (a link, then a photo; a bad link comes back at its field). Screenshots."""

from __future__ import annotations

from typing import Any

import pytest

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.operations import demo, demo_requests

from ..photos import jpeg
from .conftest import no_horizontal_overflow, screenshot, sign_in, thai_font_ok

pytestmark = pytest.mark.browser
SIZES = [(1280, 800), (390, 844)]


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_an_admin_scopes_a_publisher_to_a_unit(
    live_server: str, open_page: Any, ctx: ServiceContext, width: int, height: int
) -> None:
    demo.create_demo_units(ctx)
    page = open_page(width, height)
    sign_in(page, live_server, "admin1")
    page.goto(f"{live_server}/admin/roles")
    thai_font_ok(page)
    form = page.locator("#publisher-units")
    form.locator("summary").click()  # folded away until needed: the page is the list of who holds what
    form.locator("#publisher-user").select_option("owner2")
    form.locator("#publisher-unit").select_option("hr")
    form.locator("#publisher-from").fill("30/02/2569")
    form.locator("#publisher-order").fill("215/2569")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#publisher-valid_from-error")
    assert page.locator("#publisher-order").input_value() == "215/2569"  # what was typed stays
    no_horizontal_overflow(page)
    screenshot(page, "unit-publisher-error")
    page.locator("#publisher-from").fill("16/11/2569")
    page.locator("#publisher-units button[type=submit]").click()
    row = page.locator("#current-roles tr.assignment", has_text="นายสมชาย รักงาน")
    row.wait_for()
    assert "เผยแพร่ของหน่วย: กลุ่มบริหารงานบุคคล" in row.inner_text()
    assert "คำสั่งที่ 215/2569" in row.inner_text()
    assert "กลุ่มกลางของสำนักงาน" in page.locator("#current-roles").inner_text()  # publisher1's pool
    no_horizontal_overflow(page)
    screenshot(page, "unit-publishers")


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_pr_records_the_other_channels_of_an_item(
    live_server: str,
    open_page: Any,
    ctx: ServiceContext,
    tmp_path: Any,
    width: int,
    height: int,
) -> None:
    demo.create_demo_units(ctx)
    demo_requests.create_demo_requests(ctx)
    page = open_page(width, height)
    sign_in(page, live_server, "pr1")
    page.goto(f"{live_server}/publishing/items")
    page.locator("a", has_text="แผนปฏิบัติการประจำปี").first.click()
    section = page.locator("#channels")
    section.wait_for()
    section.locator("#channel-kind").select_option("facebook")
    section.locator("#channel-url").fill("facebook.com/obec")
    section.locator("button.primary").click()
    page.wait_for_selector("#channel-url-error")
    assert page.locator("#channel-url").input_value() == "facebook.com/obec"
    page.locator("#channel-url").fill("https://www.facebook.com/spp.phitsanulok2/posts/8123")
    page.locator("#channels button.primary").click()
    page.locator("#channel-facebook").wait_for()
    photo = tmp_path / "บอร์ดประชาสัมพันธ์.jpg"
    photo.write_bytes(jpeg("board", (640, 480)))
    page.locator("#channel-kind").select_option("notice_board")
    page.locator("#channel-photo").set_input_files(str(photo))
    page.locator("#channel-note").fill("ติดประกาศหน้าสำนักงาน 16 พ.ย. 2569")
    page.locator("#channels button.primary").click()
    page.locator("#channel-notice_board img").wait_for()
    thai_font_ok(page)
    assert page.locator("#channel-notice_board img").evaluate("i => i.naturalWidth") > 0
    no_horizontal_overflow(page)
    page.locator("#channels").scroll_into_view_if_needed()
    screenshot(page, "item-channels")
