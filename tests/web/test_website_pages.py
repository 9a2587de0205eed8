"""The website connector's pages: admins set and test the connection; publishers see each item's
website copy, why it failed in Thai, and retry; any site frames the embed list or reads the JSON Feed.
(The connector itself, against a real WordPress: tests/services/test_website.py.)"""

from __future__ import annotations

import json
import socket
from functools import partial
from typing import Any
from urllib.parse import unquote

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bpmnpub.engine import OperatorCall
from bpmnpub.models import OfficeSetting, ProcessInstance
from bpmnpub.services.kernel.context import ServiceContext, StepScope
from bpmnpub.services.office import accounts
from bpmnpub.services.portal import publishing, website
from bpmnpub.services.requests import instances

from .pages import csrf, signed_in


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once the socket is closed


def save_connection(client: FlaskClient, **fields: str) -> Any:
    token = csrf(client.get("/admin/office/website").get_data(as_text=True))
    return client.post("/admin/office/website", data={"csrf_token": token, **fields})


def publish(ctx: ServiceContext, title: str = "ประกาศรับสมัครครูอัตราจ้าง", category: str = "1.1") -> int:
    """An item on the portal, put there by the publish step of a fresh request. Returns its id."""
    with ctx.db.read() as session:
        user = accounts.find_user(session, "owner1")
        assert user is not None
        owner = accounts.actor_of(user, ctx.now())
    request = instances.start_instance(ctx, "general_publication", None, owner).id
    now = ctx.now()
    with ctx.db.write() as session:
        instance = session.get(ProcessInstance, request)
        assert instance is not None
        operator = partial(publishing.publish_item, StepScope(ctx, session, instance, owner.id, now))
        params = {"kind": "document", "title": title, "body": "รายละเอียด", "category": category}
        return int(operator(OperatorCall("publish_item", params, {}, "Task_PublishItem", now))["id"])


def test_admins_set_the_connection_and_the_password_never_comes_back(app: Flask, ctx: ServiceContext) -> None:
    admin = signed_in(app, "admin1")
    page = admin.get("/admin/office/website")
    assert page.status_code == 200 and "เชื่อมต่อเว็บไซต์สำนักงาน (WordPress)" in page.get_data(as_text=True)
    refused = save_connection(admin, enabled="true", url="www.example.go.th", user="web", password="")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "ขึ้นต้นด้วย https://" in html and "กรอกที่อยู่ ชื่อผู้ใช้ และรหัสผ่านแอปพลิเคชันก่อนเปิดใช้" in html
    saved = save_connection(
        admin,
        enabled="true",
        url="https://www.example.go.th",
        user="web",
        password="abcd efgh ijkl",
        **{"category_1.1": "7"},
    )
    assert saved.status_code == 302
    html = admin.get("/admin/office/website").get_data(as_text=True)
    assert 'value="https://www.example.go.th"' in html and 'value="7"' in html
    assert "abcd efgh ijkl" not in html and "มีรหัสผ่านบันทึกไว้แล้ว" in html
    with ctx.db.read() as session:
        assert "abcd" not in repr([r.value for r in session.scalars(select(OfficeSetting))])
    assert signed_in(app, "publisher1").get("/admin/office/website").status_code == 403


def test_testing_the_connection_says_in_thai_what_is_wrong(app: Flask) -> None:
    admin = signed_in(app, "admin1")
    token = csrf(admin.get("/admin/office/website").get_data(as_text=True))
    html = admin.post("/admin/office/website/test", data={"csrf_token": token}).get_data(as_text=True)
    assert "เชื่อมต่อไม่สำเร็จ" in html and "ยังไม่ได้ตั้งค่าการเชื่อมต่อเว็บไซต์" in html
    save_connection(admin, url=f"http://127.0.0.1:{closed_port()}", user="web", password="x")
    html = admin.post("/admin/office/website/test", data={"csrf_token": token}).get_data(as_text=True)
    assert "ติดต่อเว็บไซต์ไม่ได้" in html


def test_publishers_see_a_failed_copy_in_thai_and_retry_it(app: Flask, ctx: ServiceContext) -> None:
    admin = signed_in(app, "admin1")
    save_connection(admin, enabled="true", url=f"http://127.0.0.1:{closed_port()}", user="web", password="x")
    item_id = publish(ctx)
    publisher = signed_in(app, "publisher1")
    listing = publisher.get("/publishing/items").get_data(as_text=True)
    assert "เว็บไซต์สำนักงาน: <strong>รอส่ง</strong>" in listing
    website.sync_due(ctx)
    page = publisher.get(f"/publishing/items/{item_id}").get_data(as_text=True)
    assert "ส่งไม่สำเร็จ" in page and "ติดต่อเว็บไซต์ไม่ได้" in page and "ลองแล้ว 1 ครั้ง" in page
    retried = publisher.post(
        f"/publishing/items/{item_id}/website/retry",
        data={"csrf_token": csrf(page), "next": f"/publishing/items/{item_id}"},
    )
    assert retried.status_code == 302
    with ctx.db.read() as session:
        state = website.states(session, [item_id])[item_id]
    assert (state.state, state.next_at) == ("failing", None)  # due at once on the next pass
    assert "จะส่งรายการนี้ไปยังเว็บไซต์สำนักงาน" in publisher.get(retried.headers["Location"]).get_data(as_text=True)


def test_without_a_connection_publishers_see_no_website_column(app: Flask, ctx: ServiceContext) -> None:
    publish(ctx)
    assert "เว็บไซต์สำนักงาน" not in signed_in(app, "publisher1").get("/publishing/items").get_data(as_text=True)


def test_any_site_may_frame_the_embed_list_and_only_it(client: FlaskClient, ctx: ServiceContext) -> None:
    ctx.settings["PUBLIC_BASE_URL"] = "https://www.example.go.th"
    item_id = publish(ctx, "ประกาศรับสมัครครู")
    framed = client.get("/embed/categories/1.1")
    html = unquote(framed.get_data(as_text=True))
    assert framed.status_code == 200
    assert "frame-ancestors *" in framed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in framed.headers
    assert f'href="https://www.example.go.th/public/items/{item_id}-ประกาศรับสมัครครู" target="_top"' in html
    assert "<script" not in html
    portal = client.get("/public/")
    assert portal.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in portal.headers["Content-Security-Policy"]
    snippet = client.get("/embed/categories/1.1.html?limit=5")
    body = snippet.get_data(as_text=True)
    assert body.lstrip().startswith('<div class="bpmnpub-embed"') and "ประกาศรับสมัครครู" in body
    assert snippet.headers["Access-Control-Allow-Origin"] == "*"
    assert snippet.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert client.get("/embed/categories/9.99").status_code == 404


def test_each_category_has_a_json_feed(client: FlaskClient, ctx: ServiceContext) -> None:
    ctx.settings["PUBLIC_BASE_URL"] = "https://www.example.go.th"
    item_id = publish(ctx, "ประกาศรับสมัครครู")
    response = client.get("/public/categories/1.1/feed.json")
    assert response.status_code == 200 and response.mimetype == "application/feed+json"
    feed = json.loads(response.get_data(as_text=True))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == "https://www.example.go.th/public/categories/1.1/feed.json"
    [entry] = feed["items"]
    assert (entry["title"], unquote(entry["url"])) == (
        "ประกาศรับสมัครครู",
        f"https://www.example.go.th/public/items/{item_id}-ประกาศรับสมัครครู",
    )
    assert entry["content_text"] == "รายละเอียด" and entry["date_published"].startswith("2026-11-16")
    assert client.get("/public/categories/9.99/feed.json").status_code == 404
