"""Admins add and remove the office's closure days (the page lists them with the year's public holidays);
the request's timeline says when a late step went up the chain."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.operations.worker import Worker
from bpmnpub.services.requests import instances, tasks

from ..conftest import Clock
from ..scenarios.paths import ACQUIRED, COMPILED, OBJECTIVE
from ..services.conftest import task_id, upload_pdf
from .pages import csrf, signed_in


def test_an_admin_closes_the_office_for_a_day_and_opens_it_again(app: Flask) -> None:
    admin = signed_in(app, "admin1")
    page = admin.get("/admin/closures")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "ยังไม่มีวันปิดทำการ" in html and "5 ธ.ค. 2569" in html  # the test clock's year: 2026
    token = csrf(html)
    bad = admin.post("/admin/closures", data={"csrf_token": token, "day": "31/12/2026", "reason": "x"})
    assert bad.status_code == 422 and "ระบุวันที่ให้ถูกต้อง" in bad.get_data(as_text=True)
    no_reason = admin.post("/admin/closures", data={"csrf_token": token, "day": "2026-12-30", "reason": " "})
    assert no_reason.status_code == 422 and "ระบุเหตุผลที่ปิดทำการ" in no_reason.get_data(as_text=True)
    added = admin.post(
        "/admin/closures", data={"csrf_token": token, "day": "2026-12-30", "reason": "ปิดปรับปรุงอาคาร"}
    )
    assert added.status_code == 302
    html = admin.get("/admin/closures").get_data(as_text=True)
    assert "30 ธ.ค. 2569" in html and "ปิดปรับปรุงอาคาร" in html and "ผู้ดูแลระบบ" in html
    twice = admin.post("/admin/closures", data={"csrf_token": token, "day": "2026-12-30", "reason": "ซ้ำ"})
    assert twice.status_code == 422 and "วันนี้เป็นวันปิดทำการอยู่แล้ว" in twice.get_data(as_text=True)
    removed = admin.post("/admin/closures/2026-12-30/remove", data={"csrf_token": token})
    assert removed.status_code == 302
    assert "ยังไม่มีวันปิดทำการ" in admin.get("/admin/closures").get_data(as_text=True)
    assert admin.post("/admin/closures/not-a-day/remove", data={"csrf_token": token}).status_code == 404
    assert admin.post("/admin/closures/2026-12-30/remove", data={"csrf_token": token}).status_code == 404


def test_only_admins_see_closures(app: Flask) -> None:
    assert signed_in(app, "director1").get("/admin/closures").status_code == 403


def test_the_timeline_says_a_late_review_went_up_the_chain(
    app: Flask, ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    owner = actor("owner1")
    clock.current = datetime(2026, 4, 9, 3, 0, tzinfo=UTC)
    started = instances.start_instance(ctx, "regulatory_publication", None, owner)
    pdf = upload_pdf(ctx, owner)
    for form in ({**OBJECTIVE}, {**ACQUIRED, "source_files": [pdf]}, {**COMPILED, "attachments": [pdf]}):
        tasks.complete_task(ctx, task_id(ctx, owner, started.id), form, owner)
    clock.current = datetime(2026, 4, 17, 9, 31, tzinfo=UTC)  # past due: Friday 17 April, 16:31
    Worker(ctx, interval=30).run_pass()
    page = signed_in(app, "owner1").get(f"/requests/{started.id}").get_data(as_text=True)
    assert "ส่งขึ้นตามลำดับบังคับบัญชา: เสนอ ผู้บังคับบัญชา พิจารณา → นางรัชนี ศรีสุข" in page
    assert "เลยกำหนดเวลา ตามที่แผนภาพกำหนด" in page
