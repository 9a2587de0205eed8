"""The task page for daily use, through HTTP: a comment sent with the task form keeps what was typed;
the comment alone as JSON; the next task opens after a submit or the page says who has the request;
handing a task over; a body over the limit comes back as the task page stating the limit."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import instances, tasks

from ..services.conftest import file_request, task_id
from .conftest import multipart
from .pages import csrf, signed_in

APPROVE = {"decision": "approve"}
OBJECTIVE = {
    "title": "ผลการจัดซื้อจัดจ้าง ประจำเดือนตุลาคม 2569",
    "category": "1.9",
    "objective": "เปิดเผยผลการจัดซื้อจัดจ้างตามกฎหมาย",
    "target_audience": "ประชาชนทั่วไป",
    "target_date": "30/11/2569",
}


def test_a_comment_without_javascript_keeps_the_typed_form(
    app: Flask, ctx: ServiceContext, actor: Any
) -> None:
    owner = actor("owner1")
    started = instances.start_instance(ctx, "general_publication", None, owner)
    task = task_id(ctx, owner, started.id)
    client = signed_in(app, "owner1")
    page = client.get(f"/tasks/{task}").get_data(as_text=True)
    assert f'formaction="/tasks/{task}/comment"' in page  # the comment button travels with the task form
    response = client.post(
        f"/tasks/{task}/comment",
        data={
            "csrf_token": csrf(page),
            "title": "ประกาศรับสมัครครู ที่ยังไม่ได้ส่ง",
            "description": "ร่างรายละเอียด",
            "body": "ถามก่อนส่ง: ต้องแนบฉบับลงนามไหม",
            "attachments": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "ร่าง.pdf"),
        },
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "ถามก่อนส่ง: ต้องแนบฉบับลงนามไหม" in html  # the comment is in the thread
    assert 'value="ประกาศรับสมัครครู ที่ยังไม่ได้ส่ง"' in html and "ร่างรายละเอียด" in html  # typed, kept
    assert "ร่าง.pdf" in html  # the attached file kept too
    assert tasks.get_task(ctx, task, owner).status == "ready"  # not submitted


def test_a_comment_alone_as_json(app: Flask, ctx: ServiceContext, actor: Any) -> None:
    filed = file_request(ctx, actor("owner1"))
    client = signed_in(app, "gdir_plan")
    page = client.get(f"/tasks/{task_id(ctx, actor('gdir_plan'), filed)}").get_data(as_text=True)
    sent = client.post(
        f"/requests/{filed}/comments",
        data={"csrf_token": csrf(page), "body": "ขอไฟล์ต้นฉบับด้วย"},
        headers={"Accept": "application/json"},
    )
    assert sent.status_code == 201 and "ขอไฟล์ต้นฉบับด้วย" in sent.get_json()["html"]
    empty = client.post(
        f"/requests/{filed}/comments",
        data={"csrf_token": csrf(page), "body": " "},
        headers={"Accept": "application/json"},
    )
    assert empty.status_code == 422 and empty.get_json()["error"]


def test_the_next_task_opens_when_it_is_the_same_persons(app: Flask, ctx: ServiceContext, actor: Any) -> None:
    owner = actor("owner1")
    started = instances.start_instance(ctx, "regulatory_publication", None, owner)
    task = task_id(ctx, owner, started.id)
    client = signed_in(app, "owner1")
    page = client.get(f"/tasks/{task}").get_data(as_text=True)
    response = client.post(f"/tasks/{task}", data={"csrf_token": csrf(page), **OBJECTIVE})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    following = task_id(ctx, owner, started.id)
    assert response.headers["Location"] == f"/tasks/{following}"
    assert "ขั้นตอนถัดไปเป็นของคุณ" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_after_a_submit_the_page_says_who_has_the_request(
    app: Flask, ctx: ServiceContext, actor: Any
) -> None:
    filed = file_request(ctx, actor("owner1"))
    client = signed_in(app, "gdir_plan")
    task = task_id(ctx, actor("gdir_plan"), filed)
    page = client.get(f"/tasks/{task}").get_data(as_text=True)
    response = client.post(
        f"/tasks/{task}", data={"csrf_token": csrf(page), **APPROVE}, follow_redirects=True
    )
    assert "ขณะนี้คำขออยู่ที่ ผู้อำนวยการ สพป." in response.get_data(as_text=True)


def test_hand_over_through_the_page(app: Flask, ctx: ServiceContext, actor: Any) -> None:
    owner, gdir, director = actor("owner1"), actor("gdir_plan"), actor("director1")
    filed = file_request(ctx, owner)
    tasks.complete_task(ctx, task_id(ctx, gdir, filed), APPROVE, gdir)
    tasks.complete_task(ctx, task_id(ctx, director, filed), APPROVE, director)
    task = task_id(ctx, actor("publisher1"), filed)
    client = signed_in(app, "publisher1")
    page = client.get(f"/tasks/{task}").get_data(as_text=True)
    assert "ส่งต่องานให้เพื่อนร่วมงาน" in page and "นายประชา สัมพันธ์" in page
    refused = client.post(f"/tasks/{task}/handover", data={"csrf_token": csrf(page), "to": actor("pr1").id})
    assert refused.status_code == 422 and "กรุณาระบุเหตุผล" in refused.get_data(as_text=True)
    given = client.post(
        f"/tasks/{task}/handover", data={"csrf_token": csrf(page), "to": actor("pr1").id, "reason": "ลาป่วย"}
    )
    assert given.status_code == 302
    pr_page = signed_in(app, "pr1").get(f"/tasks/{task}").get_data(as_text=True)
    assert "ส่งต่องาน" in pr_page and "ลาป่วย" in pr_page  # in the timeline, with the reason


def test_a_body_over_the_limit_keeps_you_on_the_form(app: Flask, ctx: ServiceContext, actor: Any) -> None:
    owner = actor("owner1")
    started = instances.start_instance(ctx, "general_publication", None, owner)
    task = task_id(ctx, owner, started.id)
    client = signed_in(app, "owner1")
    page = client.get(f"/tasks/{task}").get_data(as_text=True)
    assert "ไฟล์แนบแต่ละไฟล์ไม่เกิน 1 MB และรวมกันไม่เกิน 2 MB" in page  # the limit (tests: 1 MB)
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        f"/tasks/{task}",
        **multipart({"attachments": (b"0" * (limit + 10), "ใหญ่.pdf")}, {"csrf_token": csrf(page)}),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert 'id="task-form"' in html and "ใหญ่เกินกำหนด" in html and "ไม่เกิน 1 MB" in html


def test_the_api_lists_by_view_and_sort_and_hands_over(api: Any, ctx: ServiceContext, actor: Any) -> None:
    owner, gdir, director = actor("owner1"), actor("gdir_plan"), actor("director1")
    filed = file_request(ctx, owner)
    tasks.complete_task(ctx, task_id(ctx, gdir, filed), APPROVE, gdir)
    tasks.complete_task(ctx, task_id(ctx, director, filed), APPROVE, director)
    task = task_id(ctx, actor("publisher1"), filed)
    publisher, pr = api.as_user("publisher1"), api.as_user("pr1")
    assert publisher.get("/tasks?view=bogus").status_code == 422
    assert [t["id"] for t in publisher.get("/tasks?view=unassigned&sort=due").get_json()] == [task]
    assert publisher.post(f"/tasks/{task}/handover", json={"to": actor("pr1").id}).status_code == 422
    given = publisher.post(f"/tasks/{task}/handover", json={"to": actor("pr1").id, "reason": "ลาป่วย"})
    assert given.status_code == 200 and given.get_json()["assigned_to"] == "pr1"
    assert [t["id"] for t in pr.get("/tasks?view=mine").get_json()] == [task]
    assert [t["id"] for t in publisher.get("/tasks?view=others").get_json()] == [task]
