"""What a newcomer met walking the demo office on a phone (390×844) and a desktop: the inbox's first task
below a screen of filters, and more. Screenshots in test-artifacts/screenshots/newcomer-*.png."""

from __future__ import annotations

from typing import Any

import pytest

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.operations import demo, demo_requests

from .conftest import no_horizontal_overflow, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_a_phone_shows_the_first_task_on_the_first_screen(
    live_server: str, open_page: Any, ctx: ServiceContext
) -> None:
    """On a phone the search, four selects and the saved filters' how-to stood one above the other and the
    group director's only task started at y ≈ 1000 of 844: three rows of filters now, the task on screen."""
    demo.create_demo_units(ctx)
    demo_requests.create_demo_requests(ctx)
    page = open_page(390, 844)
    sign_in(page, live_server, "gdir_plan")
    task = page.locator(".tasks .task").first
    box = task.bounding_box()
    assert box is not None and box["y"] + 60 < 844, f"the first task starts at y={box}"
    no_horizontal_overflow(page)
    screenshot(page, "newcomer-inbox-phone")
    # every filter is still there and named (the sort's label is read, not shown)
    page.get_by_label("เรียงตาม").select_option("created")
    page.get_by_label("ขั้นตอน").select_option(index=1)
    page.get_by_role("button", name="กรอง").click()
    page.wait_for_url("**sort=created**")
    assert page.locator(".tasks .task").count() == 1


def test_every_page_names_an_icon_that_exists(live_server: str, open_page: Any) -> None:
    """Without an icon of its own the browser fetched /favicon.ico on every page: "Failed to load
    resource: 404" in the console of the portal and the staff pages alike."""
    page = open_page(390, 844)
    for path in ("/public/", "/auth/login"):
        page.goto(f"{live_server}{path}")
        href = page.locator("head link[rel=icon]").get_attribute("href")
        assert href, path
        icon = page.request.get(f"{live_server}{href}")
        assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg"), path
    sign_in(page, live_server, "owner1")
    assert page.locator("head link[rel=icon]").count() == 1
