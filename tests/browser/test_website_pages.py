"""The website connector in Chromium: a publisher sees a copy that failed, why, and retries it, on a
desk and on a phone; another site frames the embed list."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.portal import website, website_settings

from ..scenarios import runner
from ..scenarios.paths import SCENARIOS
from .conftest import no_horizontal_overflow, screenshot, sign_in

pytestmark = pytest.mark.browser


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def failing(ctx: ServiceContext, clock: Any, actor: Any) -> None:
    """A document published while the office's WordPress is down, after one worker pass."""
    values = {"enabled": True, "url": f"http://127.0.0.1:{closed_port()}", "user": "web", "password": "x y z"}
    website_settings.update_settings(ctx, actor("admin1"), values)
    runner.walk(ctx, clock, actor, next(s for s in SCENARIOS if s.id == "general_publication-approve"))
    website.sync_due(ctx)


@pytest.mark.usefixtures("failing")
@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_a_publisher_sees_the_failed_copy_and_retries(
    live_server: str, open_page: Any, width: int, height: int
) -> None:
    page = open_page(width, height)
    sign_in(page, live_server, "pr1")
    page.goto(f"{live_server}/publishing/items")
    document = page.locator("li.task", has_text="ประกาศผลการคัดเลือกครูผู้ช่วย")
    assert "ส่งไม่สำเร็จ" in document.inner_text()
    assert "ติดต่อเว็บไซต์ไม่ได้" in document.inner_text()
    no_horizontal_overflow(page)
    screenshot(page, "publishing-items-website-failed")
    document.get_by_role("link", name="ประวัติการเปลี่ยนแปลง").click()
    page.wait_for_url("**/publishing/items/*")
    no_horizontal_overflow(page)  # the error's detail (a long English message) wraps
    screenshot(page, "publishing-item-website-failed")
    page.get_by_role("button", name="ส่งไปยังเว็บไซต์อีกครั้ง").click()
    page.wait_for_load_state()
    assert "จะส่งรายการนี้ไปยังเว็บไซต์สำนักงาน" in page.locator(".flash").inner_text()


@pytest.fixture
def school_site(live_server: str) -> Iterator[str]:
    """Another site (its own origin: another port) whose page frames the embed list."""
    body = (
        '<!doctype html><meta charset="utf-8"><h1>โรงเรียน</h1>'
        f'<iframe src="{live_server}/embed/categories/1.3" width="600" height="300"></iframe>'
    ).encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_port}/"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.mark.usefixtures("failing")
def test_another_site_frames_the_embed_list(school_site: str, open_page: Any) -> None:
    page = open_page(1280, 800)
    page.goto(school_site)
    link = page.frame_locator("iframe").get_by_role("link", name="ประกาศผลการคัดเลือกครูผู้ช่วย")
    assert link.get_attribute("target") == "_top"
    screenshot(page, "embed-list-in-another-site")
