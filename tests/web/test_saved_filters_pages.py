"""Saved inbox filters through the inbox page (issue #12): save the view in view, apply it in one click,
rename, delete; bad input is a field error on the page that keeps what was typed (never a 5xx), another
person's filter is not found, every write needs the CSRF token."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import saved_filters

from .pages import csrf, signed_in


@pytest.fixture
def backend() -> str:
    return "sqlite"


def _save(client: FlaskClient, name: str, **view: str) -> Any:
    token = csrf(client.get("/inbox").get_data(as_text=True))
    form = {"csrf_token": token, "name": name, **{f"filter.{k}": v for k, v in view.items()}}
    return client.post("/inbox/filters", data=form)


def test_save_apply_rename_delete(app: Flask, ctx: ServiceContext, actor: Any) -> None:
    client = signed_in(app, "gdir_plan")
    response = _save(client, "เกินกำหนด เรียงตามกำหนด", view="overdue", sort="due")
    assert response.status_code == 302
    assert response.location == "/inbox?view=overdue&sort=due"
    page = client.get(response.location).get_data(as_text=True)
    assert "บันทึกตัวกรอง “เกินกำหนด เรียงตามกำหนด” แล้ว" in page
    chip = re.search(r'<ul class="saved-chips">.*?</ul>', page, re.S)
    assert chip and 'href="/inbox?view=overdue&amp;sort=due" aria-current="true"' in chip.group(0)
    # the chip is one click away from the whole inbox too
    assert 'href="/inbox?view=overdue&amp;sort=due"' in client.get("/inbox").get_data(as_text=True)
    (saved,) = saved_filters.list_saved_filters(ctx, actor("gdir_plan"))
    token = csrf(page)
    renamed = client.post(f"/inbox/filters/{saved.id}/rename", data={"csrf_token": token, "name": "ด่วน"})
    assert renamed.status_code == 302
    assert [f.name for f in saved_filters.list_saved_filters(ctx, actor("gdir_plan"))] == ["ด่วน"]
    deleted = client.post(
        f"/inbox/filters/{saved.id}/delete", data={"csrf_token": token, "filter.view": "mine"}
    )
    assert deleted.status_code == 302 and deleted.location == "/inbox?view=mine"
    assert saved_filters.list_saved_filters(ctx, actor("gdir_plan")) == []


@pytest.mark.parametrize(
    ("name", "view", "message"),
    [
        ("", {"view": "mine"}, "กรุณาตั้งชื่อตัวกรอง"),
        ("ช" * 200, {"view": "mine"}, "ยาวได้ไม่เกิน 60 ตัวอักษร"),
        ("มีคีย์แปลก", {"view": "mine", "drop": "table"}, "ตัวกรองที่ไม่รู้จัก: drop"),
        ("มุมมองแปลก", {"view": "<script>"}, "ค่าตัวกรองไม่ถูกต้อง"),
    ],
)
def test_bad_input_keeps_what_was_typed(
    app: Flask, ctx: ServiceContext, actor: Any, name: str, view: dict[str, str], message: str
) -> None:
    client = signed_in(app, "gdir_plan")
    response = _save(client, name, **view)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in html.unescape(page)
    field = re.search(r'<input id="saved-name"[^>]*>', page)
    assert (
        field and f'value="{html.escape(name)}"' in field.group(0) and 'aria-invalid="true"' in field.group(0)
    )
    assert '<details class="save-filter" open>' in page
    assert saved_filters.list_saved_filters(ctx, actor("gdir_plan")) == []


def test_another_persons_filter_is_not_found(app: Flask, ctx: ServiceContext, actor: Any) -> None:
    theirs = saved_filters.save_filter(ctx, actor("gdir_hr"), "ของผู้อื่น", {"view": "mine"})
    client = signed_in(app, "gdir_plan")
    token = csrf(client.get("/inbox").get_data(as_text=True))
    for action in ("rename", "delete"):
        response = client.post(
            f"/inbox/filters/{theirs.id}/{action}", data={"csrf_token": token, "name": "ของฉัน"}
        )
        assert response.status_code == 404
        assert "ไม่พบตัวกรองนี้ในรายการของคุณ" in response.get_data(as_text=True)
        assert "ของผู้อื่น" not in response.get_data(as_text=True)
    assert [f.name for f in saved_filters.list_saved_filters(ctx, actor("gdir_hr"))] == ["ของผู้อื่น"]
    mine = saved_filters.save_filter(ctx, actor("gdir_plan"), "ของฉัน", {})
    other = saved_filters.save_filter(ctx, actor("gdir_plan"), "อีกชุด", {"view": "mine"})
    clash = client.post(f"/inbox/filters/{other.id}/rename", data={"csrf_token": token, "name": mine.name})
    assert clash.status_code == 422
    page = clash.get_data(as_text=True)
    assert (
        "มีตัวกรองชื่อนี้อยู่แล้ว" in page
        and f'id="rename-{other.id}" name="name" maxlength="60" value="ของฉัน"' in page
    )


def test_writes_need_the_csrf_token(app: Flask, ctx: ServiceContext, actor: Any) -> None:
    client = signed_in(app, "gdir_plan")
    mine = saved_filters.save_filter(ctx, actor("gdir_plan"), "ของฉัน", {})
    for path in ("/inbox/filters", f"/inbox/filters/{mine.id}/rename", f"/inbox/filters/{mine.id}/delete"):
        assert client.post(path, data={"name": "x", "filter.view": "mine"}).status_code == 400
    assert [f.name for f in saved_filters.list_saved_filters(ctx, actor("gdir_plan"))] == ["ของฉัน"]
