"""The request page and the admin page say that a held step was given back, and why (Thai, English)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import update

from bpmnpub.models import User
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.operations.worker import Worker

from .conftest import Api
from .pages import signed_in


def test_the_timeline_says_the_step_went_back_and_why(
    app: Flask, api: Api, ctx: ServiceContext, filed: int
) -> None:
    for reviewer in ("gdir_plan", "director1"):
        who = api.as_user(reviewer)
        assert who.complete(who.task_in(filed)["id"], {"decision": "approve"}).status_code == 200
    publisher = api.as_user("publisher1")
    step = publisher.task_in(filed)["id"]
    assert publisher.post(f"/api/v1/tasks/{step}/claim").status_code == 200
    with ctx.db.write() as session:  # the account is closed (the admin page does the same, tested apart)
        session.execute(update(User).where(User.username == "publisher1").values(is_active=False))
    assert Worker(ctx, interval=30).run_pass().released == 1
    owner = signed_in(app, "owner1")
    html = owner.get(f"/requests/{filed}").get_data(as_text=True)
    entry = html.split('class="ev ev-claim_lapsed"')[1].split("</li>")[0]
    assert "เข้ากองกลาง" in entry and "บัญชีผู้ใช้ถูกปิดใช้งาน" in entry
    owner.get("/lang/en")
    english = owner.get(f"/requests/{filed}").get_data(as_text=True)
    assert "the account was deactivated" in english.split('class="ev ev-claim_lapsed"')[1].split("</li>")[0]
    admin = signed_in(app, "admin1").get(f"/admin/instances/{filed}").get_data(as_text=True)
    assert "คืนงานเข้ากองกลาง" in admin
    assert api.as_user("pr1").task_in(filed)["id"] == step  # the other publisher has it now
