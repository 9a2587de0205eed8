"""The URL the publish step hands out answers with the item, its date in the Buddhist era and its files."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import unquote

import pytest
from flask.testing import FlaskClient

from bpmnpub import create_app
from bpmnpub.services.files import storage
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.portal import publishing
from bpmnpub.services.requests import inbox, instances, tasks

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def published(ctx: ServiceContext, actor: Any) -> publishing.PublicItem:
    owner = actor("owner1")
    pdf = storage.upload_file(ctx, io.BytesIO(PDF), "ประกาศ.pdf", actor_id=owner.id)
    started = instances.start_instance(ctx, "general_publication", None, owner)
    data = {
        "title": "ประกาศผลการจัดซื้อจัดจ้าง ประจำเดือนพฤศจิกายน",
        "category": "1.8",  # 3.1 files here; procurement (1.9) goes through 3.3 (issue 11 item 5)
        "description": "รายการจัดซื้อ",
        "purpose": "เปิดเผยข้อมูล",
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


@pytest.fixture
def client(ctx: ServiceContext) -> FlaskClient:
    app = create_app(context=ctx)
    app.testing = True
    return app.test_client()


def test_the_item_url_shows_the_item(client: FlaskClient, published: publishing.PublicItem) -> None:
    page = client.get(published.url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'lang="th"' in html and published.title in html
    assert "16 พฤศจิกายน 2569" in html  # the clock's day, in the Buddhist era
    assert "ประกาศ.pdf" in html
    assert f"PDF · {len(PDF)} ไบต์" in html


def test_attachment_downloads_with_its_type(client: FlaskClient, published: publishing.PublicItem) -> None:
    link = f"/public/files/{published.attachments[0]}/ประกาศ.pdf"
    with client.get(link) as response:
        assert response.status_code == 200
        assert response.mimetype == "application/pdf" and response.data == PDF
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_old_or_missing_slug_redirects_to_the_stable_address(
    client: FlaskClient, published: publishing.PublicItem
) -> None:
    for wrong in (f"/public/items/{published.id}", f"/public/items/{published.id}-old-title"):
        response = client.get(wrong)
        assert response.status_code == 301
        assert unquote(response.headers["Location"]) == published.url


def test_unpublished_files_and_unknown_items_are_not_found(
    client: FlaskClient, ctx: ServiceContext, actor: Any, published: publishing.PublicItem
) -> None:
    private = storage.upload_file(ctx, io.BytesIO(PDF), "draft.pdf", actor_id=actor("owner1").id)
    assert client.get(f"/public/files/{private.id}/draft.pdf").status_code == 404
    missing = client.get("/public/items/999-x")
    assert missing.status_code == 404 and "text/html" in missing.content_type


def test_an_english_page_gives_dates_and_sizes_in_english(
    client: FlaskClient, published: publishing.PublicItem
) -> None:
    """A newcomer's walk: the English item page said "Published 16 พฤศจิกายน 2569" and "15 ไบต์". The
    Buddhist-era year stays (the office counts in it); the month and the unit are English."""
    client.get("/lang/en?next=/public/")
    html = client.get(published.url).get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Published 16 November 2569" in html and "16 พฤศจิกายน" not in html  # the title says พฤศจิกายน
    assert f"PDF · {len(PDF)} bytes" in html and "ไบต์" not in html
    client.get("/lang/th?next=/public/")
    assert "16 พฤศจิกายน 2569" in client.get(published.url).get_data(as_text=True)
