"""A request whose item is on the portal says so, though its procedure runs on (3.2 and 3.3 wait to
evaluate the publication): a newcomer's walk found "กำลังดำเนินการ" and nothing else in คำขอของฉัน, and
the item's address at the bottom of a long request page."""

from __future__ import annotations

import re

from sqlalchemy import select

from bpmnpub import create_app
from bpmnpub.models import ProcessInstance, PublishedItem
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.operations import demo, demo_requests
from bpmnpub.services.portal import publishing

from .pages import signed_in


def test_a_published_request_that_runs_on_says_published(ctx: ServiceContext) -> None:
    demo.create_demo_units(ctx)
    demo_requests.create_demo_requests(ctx)
    title = demo_requests.DEMO_REQUESTS[0].title  # 3.3, published, waiting to be evaluated
    with ctx.db.read() as session:
        instance_id, status = session.execute(
            select(ProcessInstance.id, ProcessInstance.status).where(ProcessInstance.title == title)
        ).one()
        item_id = session.scalar(select(PublishedItem.id).where(PublishedItem.instance_id == instance_id))
    assert status == "running" and item_id is not None
    [url] = [i.url for i in publishing.list_public_items(ctx) if i.id == item_id]
    client = signed_in(create_app(context=ctx), "owner1")

    mine = client.get("/requests").get_data(as_text=True)
    row = re.search(rf"{re.escape(title)}</a>\s*<div class=\"step\">(.*?)</div>", mine, re.S)
    assert row and "เผยแพร่แล้ว" in row.group(1), row
    page = client.get(f"/requests/{instance_id}").get_data(as_text=True)
    head = page.split('class="step-now"', 1)[1].split("</p>", 1)[0]
    assert f'href="{url}"' in head and "ดูรายการบนเว็บไซต์" in head
    # a request still on its way says nothing of the sort
    waiting = demo_requests.DEMO_REQUESTS[2].title
    row = re.search(rf"{re.escape(waiting)}</a>\s*<div class=\"step\">(.*?)</div>", mine, re.S)
    assert row and "เผยแพร่แล้ว" not in row.group(1)
