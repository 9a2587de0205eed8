"""What an outside walk of the demo office found, through HTTP: a draft's timeline says it was drafted, not
filed, until its first form is sent (then "ยื่นคำขอ" at the time it was sent); a publisher who publishes is
told so with a link to the public item; the PDPA step's "blur" option states a fact, not a promise."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.pages import request_page
from bpmnpub.services.requests import instances, tasks

from ..scenarios.paths import to_pdpa_check
from ..services.conftest import request_data, task_id, upload_pdf
from .pages import csrf, signed_in


def _timeline(html: str) -> str:
    match = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S)
    assert match, "no timeline"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1)))


def test_a_draft_is_created_not_filed_until_its_first_form_is_sent(
    app: Flask, ctx: ServiceContext, actor: Any, clock: Any
) -> None:
    owner = actor("owner1")
    started = instances.start_instance(ctx, "general_publication", None, owner)
    first = task_id(ctx, owner, started.id)
    client = signed_in(app, "owner1")
    timeline = _timeline(client.get(f"/tasks/{first}").get_data(as_text=True))
    assert "สร้างร่างคำขอ" in timeline and "ยื่นคำขอ" not in timeline

    client.get("/lang/en")
    english = _timeline(client.get(f"/tasks/{first}").get_data(as_text=True))
    assert "created a draft request" in english and "filed" not in english

    clock.advance(days=2)
    tasks.complete_task(ctx, first, request_data(upload_pdf(ctx, owner)), owner)
    page = request_page.get_request_page(ctx, started.id, owner)
    filed = [e for e in page.events if e.action == "started"]
    assert len(filed) == 1 and filed[0].at == ctx.now()  # dated when it was sent, not when drafted
    assert not [e for e in page.events if e.action == "draft_created"]
    client = signed_in(app, "owner1")  # the clock moved on: a new session
    timeline = _timeline(client.get(f"/requests/{started.id}").get_data(as_text=True))
    assert "ยื่นคำขอ" in timeline and "สร้างร่างคำขอ" not in timeline


def test_after_publishing_the_publisher_is_told_so_with_a_link_to_the_public_item(
    app: Flask, ctx: ServiceContext, actor: Any
) -> None:
    owner, gdir, director, publisher = (actor(u) for u in ("owner1", "gdir_plan", "director1", "publisher1"))
    started = instances.start_instance(ctx, "general_publication", None, owner)
    tasks.complete_task(ctx, task_id(ctx, owner, started.id), request_data(upload_pdf(ctx, owner)), owner)
    for reviewer in (gdir, director):
        tasks.complete_task(ctx, task_id(ctx, reviewer, started.id), {"decision": "approve"}, reviewer)
    check = task_id(ctx, publisher, started.id)
    client = signed_in(app, "publisher1")
    page = client.get(f"/tasks/{check}").get_data(as_text=True)
    response = client.post(
        f"/tasks/{check}", data={"csrf_token": csrf(page), "certified": "true"}, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    flash = re.search(r'<p class="flash" role="status">(.*?)</p>', html, re.S)
    assert flash, html[:2000]
    assert "เผยแพร่รายการบนเว็บไซต์แล้ว" in flash.group(1)
    link = re.search(r'<a href="(/public/items/\d+-[^"]+)">ดูรายการบนเว็บไซต์</a>', flash.group(1))
    assert link, flash.group(1)
    assert client.get(link.group(1)).status_code == 200
    assert "ไม่มีขั้นตอนรอดำเนินการ" not in flash.group(1)


def test_the_pdpa_blur_option_states_a_fact_and_says_to_send_the_album_back(
    app: Flask, ctx: ServiceContext, clock: Any, actor: Any
) -> None:
    iid = to_pdpa_check(ctx, clock, actor, "pdpa-blur")
    html = signed_in(app, "pr1").get(f"/tasks/{task_id(ctx, actor('pr1'), iid)}").get_data(as_text=True)
    measures = html.split('id="f-measures"')[1].split("</fieldset>")[0]
    assert 'value="blur"' in measures  # the stored code is unchanged: running requests keep working
    assert "เบลอใบหน้าในภาพแล้ว (อัปโหลดภาพที่เบลอแล้วแทนภาพเดิม)" in measures
    assert "ระบบไม่เบลอภาพให้" in measures and "ส่งกลับแก้ไขภาพ" in measures


def test_an_empty_inbox_in_english_points_the_way_too(app: Flask) -> None:
    client = signed_in(app, "admin1")
    client.get("/lang/en")
    html = client.get("/inbox").get_data(as_text=True)
    empty = html.split('id="empty-inbox"')[1].split("</div>")[0]
    assert "Meanwhile you can" in empty and 'href="/admin/instances' in empty, empty
