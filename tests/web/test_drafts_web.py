"""Drafts through HTTP (docs/drafts.md): "เริ่ม" makes a draft only its requester sees; "บันทึกร่าง" keeps
the form without JavaScript, files included; the autosave's JSON; a stale draft is a 409 with a Thai
message, never a 5xx; a draft can be deleted from "คำขอของฉัน"."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import drafts, instances, tasks

from ..services.conftest import request_data, task_id, upload_pdf
from .pages import csrf, signed_in


def _start(client: Any) -> int:
    page = client.get("/requests/new").get_data(as_text=True)
    response = client.post("/requests/new/general_publication", data={"csrf_token": csrf(page)})
    assert response.status_code == 302
    match = re.search(r"/tasks/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def test_start_makes_a_draft_and_the_button_saves_it_without_javascript(
    app: Flask, ctx: ServiceContext, actor: Any
) -> None:
    owner = actor("owner1")
    client = signed_in(app, "owner1")
    task = _start(client)
    assert _start(client) == task  # an untouched draft opens again: no second empty request
    page = client.get(f"/tasks/{task}").get_data(as_text=True)
    assert f'formaction="/tasks/{task}/draft"' in page and "บันทึกร่าง" in page
    assert "คำขอนี้ยังเป็นร่าง" in page
    response = client.post(
        f"/tasks/{task}/draft",
        data={
            "csrf_token": csrf(page),
            "title": "ประกาศที่ยังไม่ส่ง",
            "description": "ร่างรายละเอียด",
            "attachments": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "ร่าง.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tasks/{task}")
    html = client.get(f"/tasks/{task}").get_data(as_text=True)
    assert 'value="ประกาศที่ยังไม่ส่ง"' in html and "ร่างรายละเอียด" in html and "ร่าง.pdf" in html
    assert "แสดงร่างที่บันทึกไว้เมื่อ" in html
    assert tasks.get_task(ctx, task, owner).status == "ready"
    assert _start(client) != task  # something was written: "เริ่ม" starts a new one
    mine = client.get("/requests").get_data(as_text=True)
    assert mine.count('class="tag tag-draft"') == 2 and "ลบร่าง" in mine and "กรอกต่อ" in mine
    # others: the request page and the task page are not there
    other = signed_in(app, "director1")
    instance_id = tasks.get_task(ctx, task, owner).instance_id
    assert other.get(f"/requests/{instance_id}").status_code == 404
    assert signed_in(app, "admin1").get(f"/tasks/{task}").status_code == 404
    assert "ประกาศที่ยังไม่ส่ง" not in signed_in(app, "admin1").get("/admin/instances").get_data(as_text=True)


def test_autosave_answers_json_and_a_stale_draft_is_a_409(
    app: Flask, ctx: ServiceContext, actor: Any
) -> None:
    owner = actor("owner1")
    client = signed_in(app, "owner1")
    task = _start(client)
    token = csrf(client.get(f"/tasks/{task}").get_data(as_text=True))
    saved = client.post(
        f"/tasks/{task}/draft",
        data={"csrf_token": token, "title": "พิมพ์อยู่"},
        headers={"Accept": "application/json"},
    )
    assert saved.status_code == 200
    assert saved.get_json()["text"].startswith("บันทึกร่างแล้ว เวลา ")
    page = client.get(f"/tasks/{task}").get_data(as_text=True)
    assert 'value="พิมพ์อยู่"' in page
    # sent from another tab: the first tab's autosave is stale
    tasks.complete_task(ctx, task, request_data(upload_pdf(ctx, owner)), owner)
    stale = client.post(
        f"/tasks/{task}/draft",
        data={"csrf_token": token, "title": "แท็บเก่า"},
        headers={"Accept": "application/json"},
    )
    assert stale.status_code == 409
    assert stale.get_json()["error"] == "ไม่ได้บันทึกร่าง: งานนี้ดำเนินการเสร็จแล้ว"
    # the button in the stale tab: the page says why, no 5xx
    button = client.post(f"/tasks/{task}/draft", data={"csrf_token": token, "title": "แท็บเก่า"})
    assert button.status_code == 302
    assert "ไม่ได้บันทึกร่าง" in client.get(button.headers["Location"]).get_data(as_text=True)
    # a step of someone else's: 403 as JSON, not a page
    stranger = signed_in(app, "owner2")
    review = task_id(ctx, actor("gdir_plan"), tasks.get_task(ctx, task, owner).instance_id)
    refused = stranger.post(
        f"/tasks/{review}/draft",
        data={"csrf_token": csrf(stranger.get("/requests").get_data(as_text=True)), "comment": "x"},
        headers={"Accept": "application/json"},
    )
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"


def test_a_draft_is_deleted_from_my_requests(app: Flask, ctx: ServiceContext, actor: Any) -> None:
    owner = actor("owner1")
    client = signed_in(app, "owner1")
    task = _start(client)
    drafts.save_draft(ctx, task, {"title": "จะลบทิ้ง"}, owner)
    instance_id = tasks.get_task(ctx, task, owner).instance_id
    mine = client.get("/requests").get_data(as_text=True)
    response = client.post(f"/requests/{instance_id}/discard", data={"csrf_token": csrf(mine)})
    assert response.status_code == 302
    after = client.get("/requests").get_data(as_text=True)
    assert "ลบร่างคำขอแล้ว" in after and 'class="tag tag-draft"' not in after
    again = client.post(f"/requests/{instance_id}/discard", data={"csrf_token": csrf(mine)})
    assert "ลบไม่ได้" in client.get(again.headers["Location"]).get_data(as_text=True)
    stranger = signed_in(app, "owner2")
    token = csrf(stranger.get("/requests").get_data(as_text=True))
    assert stranger.post(f"/requests/{instance_id}/discard", data={"csrf_token": token}).status_code == 404
    assert instances.list_my_requests(ctx, owner) == []
