"""Publishers withdraw and republish portal items (pages and JSON API); the URL never changes.

The API paths are spelled out: `/public/...` alone means the portal's pages (see conftest.url)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from bpmnpub.services.kernel.context import ServiceContext

from ..scenarios import runner
from ..scenarios.paths import SCENARIOS
from .conftest import Api, error_of
from .pages import csrf, signed_in


@pytest.fixture
def item(api: Api, at_publisher: int) -> dict[str, Any]:
    """The public item publisher1 put on the portal from the filed request: {id, url, attachments, ...}."""
    publisher = api.as_user("publisher1")
    done = publisher.complete(publisher.task_in(at_publisher)["id"], {"certified": True})
    assert done.status_code == 200, done.get_json()
    [published] = api.as_user("owner1").get("/api/v1/public/items").get_json()
    return dict(published)


def public(app: Flask, item: dict[str, Any]) -> tuple[int, int]:
    """(status of the item's page, status of its file) as the public sees them."""
    visitor = app.test_client()
    page = visitor.get(item["url"]).status_code
    with visitor.get(f"/public/files/{item['attachments'][0]}/file.pdf") as download:
        return page, download.status_code


def test_publishers_find_the_list_in_the_menu_and_others_do_not(app: Flask, item: dict[str, Any]) -> None:
    for username in ("publisher1", "pr1", "admin1"):
        client = signed_in(app, username)
        assert 'href="/publishing/items"' in client.get("/inbox").get_data(as_text=True)
        page = client.get("/publishing/items")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert item["title"] in html and f'href="{item["url"]}"' in html
        assert "เข้าชม 0 ครั้ง" in html and "เผยแพร่อยู่" in html
    for username in ("owner1", "gdir_plan", "director1"):
        client = signed_in(app, username)
        assert 'href="/publishing/items"' not in client.get("/inbox").get_data(as_text=True)
        assert client.get("/publishing/items").status_code == 403
        assert client.get(f"/publishing/items/{item['id']}").status_code == 403
    assert app.test_client().get("/publishing/items").status_code == 302  # to the sign-in page


def test_withdraw_keeps_the_url_and_republish_brings_it_back(app: Flask, item: dict[str, Any]) -> None:
    assert public(app, item) == (200, 200)
    publisher = signed_in(app, "publisher1")
    listing = publisher.get("/publishing/items?status=published").get_data(as_text=True)
    done = publisher.post(
        f"/publishing/items/{item['id']}/withdraw",
        data={"csrf_token": csrf(listing), "reason": "ไฟล์แนบผิดฉบับ", "next": "/publishing/items?status="},
    )
    assert done.status_code == 302 and done.headers["Location"] == "/publishing/items?status="
    assert "ถอนรายการออกจากเว็บไซต์แล้ว" in publisher.get(done.headers["Location"]).get_data(as_text=True)
    assert public(app, item) == (410, 404)  # same address: it says it was withdrawn; the file is gone
    assert "ไฟล์แนบผิดฉบับ" in app.test_client().get(item["url"]).get_data(as_text=True)
    page = publisher.get(f"/publishing/items/{item['id']}").get_data(as_text=True)
    assert "ถอนออกแล้ว" in page and "ไฟล์แนบผิดฉบับ" in page
    back = publisher.post(f"/publishing/items/{item['id']}/republish", data={"csrf_token": csrf(page)})
    assert back.status_code == 302 and back.headers["Location"] == f"/publishing/items/{item['id']}"
    assert public(app, item) == (200, 200)
    trail = publisher.get(f"/publishing/items/{item['id']}").get_data(as_text=True)
    assert re.findall(r'class="ev ev-(\w+)"', trail) == ["published", "withdrawn", "republished"]


def test_a_withdrawal_without_a_reason_shows_the_error_and_keeps_the_input(
    app: Flask, item: dict[str, Any]
) -> None:
    publisher = signed_in(app, "publisher1")
    url = f"/publishing/items/{item['id']}"
    token = csrf(publisher.get(url).get_data(as_text=True))
    empty = publisher.post(f"{url}/withdraw", data={"csrf_token": token, "reason": "  "})
    assert empty.status_code == 422
    html = empty.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and "กรุณาระบุเหตุผล" in html
    long = "เหตุผลยาวมาก " * 200
    too_long = publisher.post(f"{url}/withdraw", data={"csrf_token": token, "reason": long})
    assert too_long.status_code == 422
    assert "ยาวได้ไม่เกิน 2000 ตัวอักษร" in too_long.get_data(as_text=True)
    assert long.strip() in too_long.get_data(as_text=True)  # what was typed comes back
    assert public(app, item) == (200, 200)
    assert publisher.post(f"{url}/withdraw", data={"reason": "ไม่มีโทเคน"}).status_code == 400  # CSRF


def test_a_second_withdrawal_says_someone_already_did(app: Flask, item: dict[str, Any]) -> None:
    first, second = signed_in(app, "publisher1"), signed_in(app, "pr1")
    url = f"/publishing/items/{item['id']}"
    tokens = [csrf(c.get(url).get_data(as_text=True)) for c in (first, second)]
    assert first.post(f"{url}/withdraw", data={"csrf_token": tokens[0], "reason": "ก"}).status_code == 302
    late = second.post(f"{url}/withdraw", data={"csrf_token": tokens[1], "reason": "ข"})
    assert late.status_code == 302 and late.headers["Location"] == url
    assert "มีผู้เปลี่ยนสถานะไปแล้ว" in second.get(url).get_data(as_text=True)


def test_the_request_timeline_shows_the_withdrawal(app: Flask, api: Api, item: dict[str, Any]) -> None:
    api.as_user("publisher1").post(f"/api/v1/public/items/{item['id']}/withdraw", json={"reason": "ข้อมูลผิด"})
    owner = signed_in(app, "owner1")
    mine = owner.get("/requests").get_data(as_text=True)
    [request_id] = re.findall(r'href="/requests/(\d+)"', mine)
    page = owner.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "ถอนรายการออกจากเว็บไซต์" in page and "ข้อมูลผิด" in page


# --- the JSON API -----------------------------------------------------------------------------------------


def test_withdraw_and_republish_through_the_api(api: Api, item: dict[str, Any]) -> None:
    publisher = api.as_user("pr1")
    path = f"/api/v1/public/items/{item['id']}"
    withdrawn = publisher.post(f"{path}/withdraw", json={"reason": "รอแก้ไข"})
    assert withdrawn.status_code == 200
    body = withdrawn.get_json()
    assert (body["id"], body["status"], body["url"], body["withdrawn_reason"]) == (
        item["id"],
        "withdrawn",
        item["url"],
        "รอแก้ไข",
    )
    assert error_of(publisher.post(f"{path}/withdraw", json={"reason": "อีกครั้ง"}))["code"] == "conflict"
    assert api.as_user("owner1").get("/api/v1/public/items").get_json() == []
    republished = publisher.post(f"{path}/republish", json={})
    assert republished.status_code == 200
    assert (republished.get_json()["status"], republished.get_json()["url"]) == ("published", item["url"])
    assert publisher.post(f"{path}/republish", json={"reason": "ซ้ำ"}).status_code == 409


@pytest.mark.parametrize(
    ("username", "body", "status", "code"),
    [
        ("owner1", {"reason": "ไม่มีสิทธิ์"}, 403, "forbidden"),
        ("director1", {"reason": "ไม่มีสิทธิ์"}, 403, "forbidden"),
        ("publisher1", {}, 422, "validation_failed"),
        ("publisher1", {"reason": 12}, 422, "validation_failed"),
    ],
)
def test_api_refusals(
    api: Api, item: dict[str, Any], username: str, body: dict[str, Any], status: int, code: str
) -> None:
    response = api.as_user(username).post(f"/api/v1/public/items/{item['id']}/withdraw", json=body)
    assert (response.status_code, error_of(response)["code"]) == (status, code)
    missing = api.as_user("publisher1").post("/api/v1/public/items/999999/withdraw", json={"reason": "ก"})
    assert missing.status_code == 404


def test_a_browser_session_needs_the_csrf_header_for_the_api(app: Flask, item: dict[str, Any]) -> None:
    publisher = signed_in(app, "publisher1")
    path = f"/api/v1/public/items/{item['id']}/withdraw"
    refused = publisher.post(path, json={"reason": "ก"})
    assert refused.status_code == 403
    token = csrf(publisher.get("/publishing/items").get_data(as_text=True))
    assert publisher.post(path, json={"reason": "ก"}, headers={"X-CSRF-Token": token}).status_code == 200


# --- an album's audit page --------------------------------------------------------------------------------


def test_the_pdpa_check_is_on_the_audit_page_and_not_on_the_portal(
    app: Flask, ctx: ServiceContext, clock: Any, actor: Any
) -> None:
    scenario = next(s for s in SCENARIOS if s.id == "photo_publication-approve")
    runner.walk(ctx, clock, actor, scenario)
    publisher: FlaskClient = signed_in(app, "pr1")
    listing = publisher.get("/publishing/items").get_data(as_text=True)
    [item_id] = re.findall(r'href="/publishing/items/(\d+)"', listing)[:1]
    page = publisher.get(f"/publishing/items/{item_id}").get_data(as_text=True)
    assert "การตรวจสอบข้อมูลส่วนบุคคล (PDPA)" in page
    assert "เบลอใบหน้า" in page and "ใช้ภาพมุมกว้าง" in page
    [public_url] = re.findall(r'<dd><a href="(/public/items/[^"]+)"', page)
    portal = app.test_client().get(public_url)
    assert portal.status_code == 200
    assert "PDPA" not in portal.get_data(as_text=True) and "เบลอใบหน้า" not in portal.get_data(as_text=True)


# --- the item page in one service call ----------------------------------------------------------------


def statements_of(app: Flask, client: FlaskClient, path: str) -> list[str]:
    """The SQL statements one GET of `path` issues (both engines), the header's included."""
    ctx: ServiceContext = app.extensions["bpmnpub"]
    seen: list[str] = []

    def grab(*args: Any) -> None:
        seen.append(str(args[2]))

    engines = {id(e): e for e in (ctx.db.read_engine, ctx.db.write_engine)}.values()
    for engine in engines:
        event.listen(engine, "before_cursor_execute", grab)
    try:
        assert client.get(path).status_code == 200
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", grab)
    return seen


# Measured on the page as two service calls (the item's history, then the website's settings, each in
# its own read transaction): 20 statements on SQLite (its BEGIN/COMMIT are statements), 14 on PostgreSQL.
ITEM_PAGE_STATEMENTS = {"sqlite": 19, "postgresql": 14}


def test_the_item_page_is_one_read_transaction_in_no_more_statements(
    app: Flask, item: dict[str, Any]
) -> None:
    url = f"/publishing/items/{item['id']}"
    ctx: ServiceContext = app.extensions["bpmnpub"]
    for username in ("pr1", "publisher1", "admin1"):
        client = signed_in(app, username)
        client.get(url)  # the session's first page signs the actor in
        seen = statements_of(app, client, url)
        assert len(seen) <= ITEM_PAGE_STATEMENTS[ctx.db.write_engine.dialect.name], seen
