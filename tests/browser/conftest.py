"""Real-browser fixtures: Debian's Chromium driven by Playwright, the real app on a local port.

    def test_something(live_server, open_page):
        page = open_page(390, 844)                 # a fresh context + page, th-TH, Asia/Bangkok
        page.goto(f"{live_server}/")
        no_horizontal_overflow(page)
        thai_font_ok(page)
        screenshot(page, "landing")               # test-artifacts/screenshots/landing-390x844.png

Chromium comes from Debian's `chromium` package and the Thai fonts from `fonts-thai-tlwg` (`make
system-deps`, run by `make test`); Playwright's own browser download does not work on this machine. Without
Chromium the tests are skipped locally and fail under CI=true, so a missing part never passes silently.
Browser tests run on SQLite only: what they check is the page, not the database.

Every page refuses requests that leave 127.0.0.1 (nothing may come from a CDN) and the test fails at
teardown if one was attempted or if the page raised an uncaught JavaScript error.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from bpmnpub import create_app
from bpmnpub.services.kernel.context import ServiceContext

from ..conftest import IN_CI, ROOT

CHROMIUM = os.environ.get("BPMNPUB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium phones home, and the closed network refuses the connections.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PASSWORD = "demo1234"  # every demo user (README.md)
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
BROWSER_SCHEMES = frozenset({"chrome", "chrome-extension", "data", "blob", "about"})
# Families that draw Thai: fonts-thai-tlwg (Laksaman is metric-compatible with TH Sarabun New), plus the
# usual Thai families a developer's machine may have instead.
THAI_FONTS = (
    "TH Sarabun New",
    "Laksaman",
    "Garuda",
    "Loma",
    "Kinnari",
    "Norasi",
    "Sawasdee",
    "Umpush",
    "Waree",
    "Purisa",
    "Tlwg Typo",
    "Tlwg Typist",
    "Tlwg Mono",
    "TlwgTypewriter",
    "Sarabun",
    "Noto Sans Thai",
    "Noto Sans Thai Looped",
    "Noto Serif Thai",
)
THAI = re.compile("[\u0e00-\u0e7f]")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives Debian's Chromium (skipped locally when absent, fails under CI=true)"
    )


def _unavailable(reason: str) -> NoReturn:
    if IN_CI:
        pytest.fail(f"Browser tests are required under CI: {reason} (run `make system-deps`)")
    pytest.skip(f"{reason} (install it with `make system-deps`)")  # locally only: under CI it fails above


@pytest.fixture
def backend() -> str:
    """Browser tests run on SQLite only (overrides the sqlite/postgresql parameters of tests/conftest.py)."""
    return "sqlite"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Debian Chromium for the whole run (playwright.sync_api.Browser)."""
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError as exc:
        _unavailable(f"the playwright package is not installed: {exc}")
    expect.set_options(timeout=15_000)  # as the contexts' waits (open_page): the machine may be loaded
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(ctx: ServiceContext) -> Iterator[str]:
    """The real app on `ctx`, served on 127.0.0.1 at a free port from a background thread; its base URL."""
    app = create_app(context=ctx)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """open_page(width=1280, height=800, locale="th-TH") -> a Page in a fresh browser context.

    Each call gets its own context (cookies, storage), closed after the test. Requests to hosts other than
    127.0.0.1 are aborted and uncaught page errors recorded; either fails the test at teardown."""
    contexts: list[Any] = []
    page_errors: list[str] = []
    blocked: list[str] = []
    csp_refusals: list[str] = []

    def _route(route: Any) -> None:
        url = route.request.url
        parts = urlsplit(url)
        # The browser's own pages (its PDF viewer: chrome://, chrome-extension://) are not the network.
        if parts.hostname in LOCAL_HOSTS or parts.scheme in BROWSER_SCHEMES:
            route.continue_()
        else:
            blocked.append(url)
            route.abort("blockedbyclient")

    def make(width: int = 1280, height: int = 800, locale: str = "th-TH") -> Any:
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale=locale,
            timezone_id="Asia/Bangkok",
            accept_downloads=True,
        )
        # Generous: a step waited for is there in well under a second on an idle machine, but the suite
        # shares 2 cores with other work, and a wait that gives up at 5 s failed there (roles page).
        context.set_default_timeout(15_000)
        context.route("**/*", _route)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: page_errors.append(f"{page.url}: {error}"))
        page.on("console", lambda message: _csp(message, page.url))
        return page

    def _csp(message: Any, url: str) -> None:
        # A Content-Security-Policy refusal is a console error, not a page error: a blocked script or
        # style means a page that silently does not work under web/headers.py's policy.
        if message.type == "error" and "Content Security Policy" in message.text:
            csp_refusals.append(f"{url}: {message.text}")

    yield make
    for context in contexts:
        context.close()
    assert not blocked, f"pages asked for outside resources (nothing may come from a CDN): {blocked}"
    assert not page_errors, f"uncaught JavaScript errors: {page_errors}"
    assert not csp_refusals, f"refused by the Content-Security-Policy: {csp_refusals}"


def wait_until(page: Any, expression: str, timeout: float = 20.0) -> None:
    """Poll a JavaScript expression until it is truthy, at most `timeout` seconds (generous, as the page
    waits are here: 5 s gave up on a diagram being drawn while the machine was loaded). Playwright's
    wait_for_function compiles its predicate with `new Function` inside the page, which our
    Content-Security-Policy (no eval) refuses; page.evaluate goes through the DevTools protocol and is
    not subject to it."""
    deadline = time.monotonic() + timeout
    while not _truthy(page, expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {expression}")
        page.wait_for_timeout(50)


def _truthy(page: Any, expression: str) -> bool:
    """The expression's value now; false while it cannot be read yet: a page still navigating has no
    body (`document.body.dataset` threw on the diff page right after the click), or its context is replaced
    under the evaluation."""
    try:
        return bool(
            page.evaluate(
                f"() => {{ try {{ return Boolean({expression}); }} catch (e) {{ return false; }} }}"
            )
        )
    except Exception as exc:  # playwright's Error: the page navigated during the evaluation
        if "context was destroyed" in str(exc) or "navigat" in str(exc):
            return False
        raise


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page PNG to test-artifacts/screenshots/<name>-<width>x<height>.png; return its path."""
    size = page.viewport_size or {"width": 0, "height": 0}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{size['width']}x{size['height']}.png"
    page.wait_for_load_state("load")  # styled, as a person sees it (see no_horizontal_overflow)
    page.screenshot(path=str(path), full_page=True)
    return path


def no_horizontal_overflow(page: Any) -> None:
    """Assert the page does not scroll sideways; name the elements that stick out when it does. Measured
    once the page has loaded: a page just navigated to (a 422 after a click) could be measured before its
    stylesheets applied, a select as wide as its longest option (938 px on a phone, once in a full run)."""
    page.wait_for_load_state("load")
    result = page.evaluate(
        """() => {
            const width = window.innerWidth;
            const scroll = document.scrollingElement.scrollWidth;
            const culprits = [...document.querySelectorAll('body *')]
                .filter(el => el.getBoundingClientRect().right > width + 0.5)
                .slice(0, 5)
                .map(el => `${el.tagName.toLowerCase()}${el.className ? '.' + el.className : ''}`
                           + ` (right=${Math.round(el.getBoundingClientRect().right)})`);
            return {scroll, width, culprits};
        }"""
    )
    assert result["scroll"] <= result["width"], (
        f"horizontal overflow: scrollWidth {result['scroll']} > innerWidth {result['width']};"
        f" sticking out: {result['culprits']}"
    )


def thai_font_ok(page: Any, selector: str = "h1") -> str:
    """Assert the Thai text of `selector` is drawn with a font that has Thai glyphs (not boxes).

    Chromium says which installed fonts drew the node (CSS.getPlatformFontsForNode): one must be a Thai
    family. `document.fonts.check()` must also have nothing pending for the computed font stack (a web
    font still loading or failed). Returns the Thai family that drew the text."""
    element = page.locator(selector).first
    text = element.inner_text()
    assert THAI.search(text), f"{selector} has no Thai text to check: {text!r}"
    probe = page.evaluate(
        """([selector, text, known]) => {
            const el = document.querySelector(selector);
            const style = getComputedStyle(el);
            const stack = style.fontFamily;
            const ready = document.fonts.check(`${style.fontSize} ${stack}`, text);
            // Which Thai families of the stack are installed: drawn in them, Thai text has another width
            // than in the generic fallback.
            const ctx = document.createElement('canvas').getContext('2d');
            const width = font => { ctx.font = font; return ctx.measureText(text).width; };
            const installed = stack.split(',').map(f => f.trim().replace(/^["']|["']$/g, ''))
                .filter(f => known.includes(f))
                .filter(f => ['monospace', 'serif']
                    .some(g => width(`40px "${f}", ${g}`) !== width(`40px ${g}`)));
            return {stack, ready, installed};
        }""",
        [selector, text, list(THAI_FONTS)],
    )
    assert probe["ready"], f"fonts of {probe['stack']!r} are not ready for Thai text (document.fonts.check)"
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        cdp.detach()
    used = [f["familyName"] for f in fonts]
    drawn = [name for name in used if name in THAI_FONTS]
    assert drawn, (
        f"{selector} was drawn with {used}, no Thai font: Thai renders as boxes. Thai fonts of the stack"
        f" {probe['stack']!r} that are installed: {probe['installed'] or 'none'} (`make system-deps`"
        " installs fonts-thai-tlwg)"
    )
    return drawn[0]


def sign_in(page: Any, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login page (/auth/login) and wait for the redirect to /inbox."""
    page.goto(f"{base_url}/auth/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("button[type=submit]").click()
    try:
        page.wait_for_url(re.compile(r"/inbox(?:[?#]|$)"))
    except Exception as exc:
        shown = page.locator("main").first.inner_text(timeout=1_000) if page.locator("main").count() else ""
        message = f"signing in as {username} did not reach /inbox (at {page.url}): {shown[:300]}"
        raise AssertionError(message) from exc
