"""The admin request list shows the office at a glance before any filter is chosen (issue #12): requests
per status, those waiting past a due time, and the same per procedure, each a link to the list so
filtered and to the procedure's statistics."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import update

from bpmnpub.models import HumanTask, ProcessInstance
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import instances, monitoring, tasks

from ..services.conftest import file_request, task_id
from .pages import signed_in


def test_the_office_overview_counts_every_request_without_a_filter(
    app: Flask, ctx: ServiceContext, actor: Any
) -> None:
    owner, gdir = actor("owner1"), actor("gdir_plan")
    running, late, rejected = (file_request(ctx, owner) for _ in range(3))
    tasks.complete_task(ctx, task_id(ctx, gdir, rejected), {"decision": "reject", "comment": "ไม่ครบ"}, gdir)
    with ctx.db.write() as session:
        session.execute(
            update(HumanTask)
            .where(HumanTask.instance_id == late)
            .values(due_at=ctx.now() - timedelta(days=1))
        )
    instances.start_instance(ctx, "general_publication", None, owner)  # a draft: its requester's alone
    listing = monitoring.list_instances(ctx, actor("admin1"), monitoring.InstanceFilters())
    o = listing.overview
    assert o is not None
    assert o.by_status["running"] == 2 and o.by_status["rejected"] == 1 and o.total == 3 and o.overdue == 1
    (general,) = o.processes
    assert general.process_id == "general_publication" and general.overdue == 1 and general.total == 3
    # filtered, or another page: the list alone
    filtered = monitoring.list_instances(ctx, actor("admin1"), monitoring.InstanceFilters(status="running"))
    assert filtered.overview is None and {r.id for r in filtered.items} == {running, late}

    page = signed_in(app, "admin1").get("/admin/instances").get_data(as_text=True)
    section = re.search(r'<section class="office-overview".*?</section>', page, re.S)
    assert section, "the overview is on the list by default"
    text = section.group(0)
    assert 'href="/admin/instances?status=running"><span class="n">2</span> กำลังดำเนินการ' in text
    assert 'href="/admin/instances?status=rejected"><span class="n">1</span> ไม่อนุมัติ' in text
    assert 'href="/admin/instances?overdue=1"><span class="n">1</span> มีขั้นตอนเกินกำหนด' in text
    assert 'href="/admin/instances/stats/general_publication"' in text
    assert 'href="/admin/instances?process=general_publication&amp;overdue=1">1</a>' in text
    filtered_page = signed_in(app, "admin1").get("/admin/instances?status=running").get_data(as_text=True)
    assert "office-overview" not in filtered_page


def test_a_request_waiting_for_its_timer_says_until_when(app: Flask, ctx: ServiceContext, actor: Any) -> None:
    """A running request with no open step (3.3 after publishing waits for its review date) shows the
    time it waits for, not a bare dash."""
    iid = file_request(ctx, actor("owner1"))
    due = ctx.now() + timedelta(days=30)
    with ctx.db.write() as session:
        session.execute(update(HumanTask).where(HumanTask.instance_id == iid).values(status="completed"))
        session.execute(update(ProcessInstance).where(ProcessInstance.id == iid).values(next_timer_due=due))
    listing = monitoring.list_instances(ctx, actor("admin1"), monitoring.InstanceFilters())
    (row,) = [r for r in listing.items if r.id == iid]
    assert row.waiting == [] and row.next_timer_due == due
    client = signed_in(app, "admin1")
    page = client.get("/admin/instances").get_data(as_text=True)
    assert "รอถึงเวลาที่กำหนด" in page
    client.get("/lang/en")
    assert "Waiting for its set time" in client.get("/admin/instances").get_data(as_text=True)
