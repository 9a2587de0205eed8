"""Comments, notifications and acting-for through the pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import tasks

from ..services.conftest import file_request, task_id
from .pages import csrf, signed_in


@pytest.fixture
def filed(ctx: ServiceContext, actor: Any) -> int:
    return file_request(ctx, actor("owner1"))


def test_a_comment_reaches_the_thread_and_notifies_the_requester(
    app: Flask, ctx: ServiceContext, actor: Any, filed: int
) -> None:
    gdir = signed_in(app, "gdir_plan")
    review = f"/tasks/{task_id(ctx, actor('gdir_plan'), filed)}"
    page = gdir.get(review).get_data(as_text=True)
    response = gdir.post(
        f"/requests/{filed}/comments",
        data={"csrf_token": csrf(page), "body": "ขอไฟล์ต้นฉบับด้วย", "next": review},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == review + "#comments"
    assert "ขอไฟล์ต้นฉบับด้วย" in gdir.get(review).get_data(as_text=True)
    owner = signed_in(app, "owner1")
    notices = owner.get("/notifications").get_data(as_text=True)
    assert "ความเห็นใหม่ในคำขอ" in notices
    outsider = signed_in(app, "gdir_hr")
    denied = outsider.post(f"/requests/{filed}/comments", data={"csrf_token": csrf(page), "body": "x"})
    assert denied.status_code in (400, 403)


def test_the_director_is_notified_when_the_task_arrives(
    app: Flask, ctx: ServiceContext, actor: Any, filed: int
) -> None:
    gdir = actor("gdir_plan")
    tasks.complete_task(ctx, task_id(ctx, gdir, filed), {"decision": "approve"}, gdir)
    director = signed_in(app, "director1")
    inbox = director.get("/inbox").get_data(as_text=True)
    assert re.search(r'แจ้งเตือน\s*<span class="badge"', inbox)
    assert "มีงานรอคุณ: ผอ.สพป. พิจารณา อนุญาต" in director.get("/notifications").get_data(as_text=True)


def test_a_substitute_is_named_with_buddhist_era_dates(app: Flask, ctx: ServiceContext, filed: int) -> None:
    director = signed_in(app, "director1")
    page = director.get("/account/acting-for").get_data(as_text=True)
    bad = director.post(
        "/account/acting-for",
        data={
            "csrf_token": csrf(page),
            "substitute": "deputy1",
            "starts_on": "31/02/2569",
            "ends_on": "20/11/2569",
        },
    )
    assert bad.status_code == 422
    assert 'value="31/02/2569"' in bad.get_data(as_text=True)  # what was typed stays
    good = director.post(
        "/account/acting-for",
        data={
            "csrf_token": csrf(page),
            "substitute": "deputy1",
            "starts_on": "16/11/2569",
            "ends_on": "20/11/2569",
            "reason": "ไปราชการ",
        },
    )
    assert good.status_code == 302
    assert "16 พ.ย. 2569" in director.get("/account/acting-for").get_data(as_text=True)
    deputy = signed_in(app, "deputy1")
    assert "รักษาราชการแทน" in deputy.get("/inbox").get_data(as_text=True)
